"""A first set of self-assessment questions on the three tracks, after VVSG's basistool.

Staff edit, add and retire questions in the admin; a version of a municipality's status keeps
the scores of the questions it was saved with.
"""

from django.db import migrations

OPTIONS = {
    "scale": [
        ("Nog niet", "Not yet", 0),
        ("Eerste stappen", "First steps", 1),
        ("Gedeeltelijk", "Partly", 2),
        ("Volledig", "Fully", 3),
    ],
    "reach": [
        ("Niemand", "Nobody", 0),
        ("Enkele mensen", "A few people", 1),
        ("Een ruime groep", "A wide group", 2),
        ("Vrijwel iedereen", "Almost everyone", 3),
    ],
}

QUESTIONS = [
    ("awareness", "reach",
     "Kennen de medewerkers van het lokaal bestuur de SDG's?",
     "Do the local administration's staff know the SDGs?"),
    ("awareness", "scale",
     "Communiceert de gemeente over de SDG's naar haar inwoners (website, infoblad, events)?",
     "Does the municipality tell residents about the SDGs (website, newsletter, events)?"),
    ("awareness", "scale",
     "Betrekt de gemeente verenigingen, scholen en bedrijven bij acties rond de SDG's?",
     "Does the municipality involve associations, schools and companies in SDG actions?"),
    ("awareness", "scale",
     "Gebruikt de gemeente de SDG-iconen in haar eigen communicatie?",
     "Does the municipality use the SDG icons in its own communication?"),
    ("support", "reach",
     "Kennen de leden van het college van burgemeester en schepenen de SDG's?",
     "Do the members of the college of mayor and aldermen know the SDGs?"),
    ("support", "scale",
     "Heeft het college of de gemeenteraad zich uitgesproken voor de SDG's?",
     "Has the college or the council expressed its support for the SDGs?"),
    ("support", "scale",
     "Is er een schepen of politiek verantwoordelijke voor de SDG's aangeduid?",
     "Is there an alderman or political lead for the SDGs?"),
    ("support", "scale",
     "Worden de SDG's besproken in de gemeenteraad of in adviesraden?",
     "Are the SDGs discussed in the council or in advisory councils?"),
    ("policy", "scale",
     "Zijn de SDG's verwerkt in de omgevingsanalyse?",
     "Are the SDGs part of the environment analysis?"),
    ("policy", "scale",
     "Koppelt het meerjarenplan (BBC) de doelstellingen en acties aan de SDG's?",
     "Does the multi-year plan (BBC) link its objectives and actions to the SDGs?"),
    ("policy", "scale",
     "Toetst de gemeente nieuwe beleidsbeslissingen aan de SDG's?",
     "Does the municipality check new policy decisions against the SDGs?"),
    ("policy", "scale",
     "Rapporteert de gemeente over haar bijdrage aan de SDG's?",
     "Does the municipality report on its contribution to the SDGs?"),
]


def add_questions(apps, schema_editor):
    Question = apps.get_model("municipalities", "AssessmentQuestion")
    Option = apps.get_model("municipalities", "AssessmentOption")
    if Question.objects.exists():
        return
    for order, (track, options, text_nl, text_en) in enumerate(QUESTIONS, start=1):
        question = Question.objects.create(
            track=track, order=order, text_nl=text_nl, text_en=text_en
        )
        Option.objects.bulk_create(
            Option(question=question, order=i, text_nl=nl, text_en=en, points=points)
            for i, (nl, en, points) in enumerate(OPTIONS[options], start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0002_sdg_status")]

    operations = [migrations.RunPython(add_questions, migrations.RunPython.noop)]
