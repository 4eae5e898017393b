"""The default reminder policy per meeting kind; staff edit it in the admin afterwards.

Pilot group meeting: 7 days and 1 day before. Info session: 7 days before. Annual SDG
gathering: 60 days (save the date), 14 and 2 days before. Advisory board meeting: 14 days
before with its documents, and 2 days before. For every kind: a nudge to the organiser
2 days after the end to add the minutes.
"""

from django.db import migrations

SIGNATURE_NL = "Met vriendelijke groeten,\nHet SDG-team van VVSG"
SIGNATURE_EN = "Kind regards,\nThe SDG team of VVSG"
DETAILS_NL = "Wanneer: {{ when }}\nWaar: {{ place }}\n\nAlles over de bijeenkomst: {{ link }}"
DETAILS_EN = "When: {{ when }}\nWhere: {{ place }}\n\nEverything about the meeting: {{ link }}"


def _invitees(kind, name, offset, subject_nl, subject_en, lead_nl, lead_en, **extra):
    return {
        "kind": kind,
        "name": name,
        "offset_days": offset,
        "target": "invitees",
        "subject_nl": subject_nl,
        "subject_en": subject_en,
        "body_nl": f"Beste {{{{ person }}}},\n\n{lead_nl}\n\n{DETAILS_NL}\n\n{SIGNATURE_NL}",
        "body_en": f"Dear {{{{ person }}}},\n\n{lead_en}\n\n{DETAILS_EN}\n\n{SIGNATURE_EN}",
        **extra,
    }


RULES = [
    _invitees(
        "pilot_meeting",
        "Eén week vooraf",
        -7,
        "Herinnering: {{ meeting }} over een week",
        "Reminder: {{ meeting }} in a week",
        "Over een week komt de pilootgroep samen voor {{ meeting }}. We kijken ernaar uit!",
        "In a week the pilot group meets for {{ meeting }}. We look forward to it!",
    ),
    _invitees(
        "pilot_meeting",
        "Eén dag vooraf",
        -1,
        "Morgen: {{ meeting }}",
        "Tomorrow: {{ meeting }}",
        "Morgen is het zover: {{ meeting }}. Tot dan!",
        "Tomorrow is the day: {{ meeting }}. See you there!",
    ),
    _invitees(
        "info_session",
        "Eén week vooraf",
        -7,
        "Herinnering: infosessie {{ meeting }} over een week",
        "Reminder: info session {{ meeting }} in a week",
        "Over een week vindt de infosessie {{ meeting }} plaats.",
        "In a week the info session {{ meeting }} takes place.",
    ),
    _invitees(
        "annual_gathering",
        "Save the date",
        -60,
        "Noteer alvast: {{ meeting }}",
        "Save the date: {{ meeting }}",
        "Noteer alvast in je agenda: {{ meeting }}, de jaarlijkse SDG-bijeenkomst voor alle "
        "deelnemers van het traject. Het programma volgt.",
        "Save the date: {{ meeting }}, the annual SDG gathering for every participant of the "
        "programme. The programme follows.",
    ),
    _invitees(
        "annual_gathering",
        "Twee weken vooraf",
        -14,
        "{{ meeting }} over twee weken",
        "{{ meeting }} in two weeks",
        "Over twee weken is het de jaarlijkse SDG-bijeenkomst: {{ meeting }}.",
        "In two weeks it is the annual SDG gathering: {{ meeting }}.",
    ),
    _invitees(
        "annual_gathering",
        "Twee dagen vooraf",
        -2,
        "Overmorgen: {{ meeting }}",
        "The day after tomorrow: {{ meeting }}",
        "Overmorgen is het de jaarlijkse SDG-bijeenkomst: {{ meeting }}. Tot dan!",
        "The day after tomorrow it is the annual SDG gathering: {{ meeting }}. See you there!",
    ),
    _invitees(
        "board_meeting",
        "Twee weken vooraf, met de documenten",
        -14,
        "Klankbordgroep: {{ meeting }} over twee weken",
        "Advisory board: {{ meeting }} in two weeks",
        "Over twee weken komt de klankbordgroep samen voor {{ meeting }}. De documenten om "
        "voor te bereiden zitten in bijlage.",
        "In two weeks the advisory board meets for {{ meeting }}. The documents to prepare "
        "are attached.",
        include_documents=True,
    ),
    _invitees(
        "board_meeting",
        "Twee dagen vooraf",
        -2,
        "Klankbordgroep: {{ meeting }} overmorgen",
        "Advisory board: {{ meeting }} the day after tomorrow",
        "Overmorgen komt de klankbordgroep samen voor {{ meeting }}.",
        "The day after tomorrow the advisory board meets for {{ meeting }}.",
    ),
]

KINDS = [
    "pilot_meeting",
    "coaching",
    "info_session",
    "annual_gathering",
    "board_meeting",
    "workshop",
    "provincial_training",
]
NUDGE = {
    "name": "Verslag: herinnering aan de organisator",
    "offset_days": 2,
    "target": "organiser",
    "subject_nl": "Verslag van {{ meeting }}",
    "subject_en": "Minutes of {{ meeting }}",
    "body_nl": (
        "Beste {{ person }},\n\n{{ meeting }} vond plaats op {{ when }}. Vergeet niet het "
        "verslag en een korte uitkomst toe te voegen, en de aanwezigheden te noteren:\n"
        "{{ link }}\n\nDank je!"
    ),
    "body_en": (
        "Dear {{ person }},\n\n{{ meeting }} took place on {{ when }}. Remember to add the "
        "minutes and a short outcome report, and to record who attended:\n{{ link }}\n\n"
        "Thank you!"
    ),
}


def add_rules(apps, schema_editor):
    ReminderRule = apps.get_model("meetings", "ReminderRule")
    if ReminderRule.objects.exists():
        return
    rows = [ReminderRule(**rule) for rule in RULES]
    rows += [ReminderRule(kind=kind, **NUDGE) for kind in KINDS]
    ReminderRule.objects.bulk_create(rows)


def remove_rules(apps, schema_editor):
    ReminderRule = apps.get_model("meetings", "ReminderRule")
    names = {rule["name"] for rule in RULES} | {NUDGE["name"]}
    ReminderRule.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_meeting_uid_unique")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
