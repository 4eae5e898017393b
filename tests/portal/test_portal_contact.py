"""A municipality's own pages as its contact and as staff: what they show and what they save."""

import io
import zipfile
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from municipalities.enums import Audience, MilestoneKind, SdgStatusLevel, StatusPart, Track
from municipalities.models import (
    AssessmentQuestion,
    Municipality,
    MunicipalityStatus,
    StatusDocument,
    StatusVersion,
)
from municipalities.services.status import status_update
from selection.enums import Group, Outcome
from tests.factories import MunicipalityContactFactory

pytestmark = pytest.mark.django_db

GENT, HALLE = "44021", "23027"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def url(name, nis_code=GENT, **kwargs):
    return reverse(f"portal:{name}", kwargs={"nis_code": nis_code, **kwargs})


@pytest.fixture(autouse=True)
def questions(db):
    """The questions migration 0003 seeds; a transactional (browser) test flushes them."""
    if not AssessmentQuestion.objects.exists():
        seed = import_module("municipalities.migrations.0003_assessment_questions")
        seed.add_questions(django_apps, None)


@pytest.fixture
def gent_client(client, contact):
    client.force_login(contact.user)
    return client


@pytest.fixture
def halle(reference_data):
    return Municipality.objects.get(pk=HALLE)


def save(municipality, actor, values, kind=StatusPart.GOALS, base=None):
    if base is None:
        status = MunicipalityStatus.objects.filter(municipality=municipality).first()
        base = status.current.number if status else 0
    return status_update(
        municipality=municipality, actor=actor, base_version=base, values=values, kind=kind
    )


def goal(today="none", ambition="none", **extra):
    return {"today": today, "ambition": ambition, "targets": [], "note": "", "links": [], **extra}


def first_options(track):
    """(question, its first and last option) per active question of a track."""
    questions = AssessmentQuestion.objects.filter(track=track, active=True).order_by("order", "pk")
    rows = []
    for question in questions:
        options = list(question.options.order_by("order", "pk"))
        rows.append((question, options[0], options[-1]))
    return rows


# --- The start page ------------------------------------------------------------------------


def test_home_shows_group_todo_and_levels(gent_client, contact, gent):
    """The contact's candidacy puts Gent in the candidate group; nothing is filled in yet."""
    response = gent_client.get(url("home"))
    assert response.status_code == 200
    assert response.context["group"] == Group.CANDIDATE.label
    todo = response.context["todo"]
    assert todo.questions == {"awareness": 4, "support": 4, "policy": 4}
    assert todo.goals == list(range(1, 18))
    assert len(todo.milestones) == len(MilestoneKind.values)
    assert response.context["overall"] is None
    assert [row["score"] for row in response.context["levels"]] == [None, None, None]
    body = response.content.decode()
    assert contact.user.email in body
    assert reverse("selection:my_candidacy") in body  # the intake card of the old page


def test_home_after_saves_shows_who_updated_and_what_is_left(gent_client, contact, gent):
    rows = first_options(Track.AWARENESS)
    answers = {str(q.pk): best.pk for q, _worst, best in rows}
    save(gent, contact.user, {("assessment", "awareness"): answers}, kind=StatusPart.ASSESSMENT)
    save(gent, contact.user, {("goals", "7"): goal("some", "strong")})
    save(
        gent,
        contact.user,
        {("milestones", "commitment"): {"achieved": True}},
        kind=StatusPart.MILESTONES,
    )
    response = gent_client.get(url("home"))
    todo = response.context["todo"]
    assert todo.questions == {"awareness": 0, "support": 4, "policy": 4}
    assert 7 not in todo.goals and len(todo.goals) == 16
    assert str(MilestoneKind.COMMITMENT.label) not in [str(m) for m in todo.milestones]
    levels = {row["track"]: row for row in response.context["levels"]}
    assert levels["awareness"]["score"] == 100
    assert levels["awareness"]["level"] == SdgStatusLevel.ADVANCED.label
    assert levels["support"]["score"] is None
    # 12 of 36 points overall: 33%, just under "active".
    assert response.context["view"].version.overall_score == 33
    assert response.context["overall"] == SdgStatusLevel.EXPLORING.label
    assert response.context["updated_by"] == contact.user.get_full_name()
    assert response.context["view"].number == 3


def test_home_shows_the_pilot_group_of_the_latest_programme(gent_client, contact, gent):
    candidacy = gent.candidacies.get()
    candidacy.outcome = Outcome.PILOT
    candidacy.save()
    assert gent_client.get(url("home")).context["group"] == Group.PILOT.label


def _history(municipality, actor, n, start=0):
    for i in range(start, start + n):
        save(municipality, actor, {("goals", str(i % 17 + 1)): goal(note=f"v{i}")})
        save(
            municipality,
            actor,
            {("actions", f"k{i}"): {"title": f"Actie {i}", "audiences": ["citizens"]}},
            kind=StatusPart.ACTIONS,
        )


def test_home_runs_the_same_number_of_queries_at_any_history_size(
    client, contact, gent, django_assert_num_queries
):
    """Two histories of very different length (2 and 40 versions), same number of queries."""
    client.force_login(contact.user)
    _history(gent, contact.user, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("home")).status_code == 200
    _history(gent, contact.user, 19, start=1)
    MunicipalityContactFactory(municipality=gent)
    assert StatusVersion.objects.filter(municipality=gent).count() == 40
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url("home")).status_code == 200


def test_staff_opens_any_municipalitys_pages(client, staff_user, halle):
    client.force_login(staff_user)
    for name, kwargs in [
        ("home", {}),
        ("assessment", {"track": "policy"}),
        ("goals", {}),
        ("goal", {"number": 17}),
        ("milestones", {}),
        ("actions", {}),
        ("history", {}),
    ]:
        response = client.get(url(name, HALLE, **kwargs))
        assert response.status_code == 200, name
        assert response.context["municipality"] == halle
    assert client.get(url("home", HALLE)).context["group"] is None


# --- Another municipality: 404 everywhere -------------------------------------------------------


@pytest.fixture
def halle_status(halle, other_contact):
    """Halle's own action and document, which Gent's contact must never reach."""
    document = StatusDocument.objects.create(
        municipality=halle,
        file=SimpleUploadedFile("x.pdf", PDF),
        name="besluit-halle.pdf",
        extension="pdf",
        size=len(PDF),
    )
    save(
        halle,
        other_contact.user,
        {
            ("actions", "halle1"): {"title": "Halle actie"},
            ("milestones", "commitment"): {"achieved": True, "document": document.pk},
        },
        kind=StatusPart.ACTIONS,
    )
    return document


def _pages(document_pk, action_key="halle1"):
    return [
        ("home", {}, False),
        ("assessment", {"track": "awareness"}, True),
        ("goals", {}, False),
        ("goal", {"number": 7}, True),
        ("milestones", {}, True),
        ("actions", {}, True),
        ("action", {"key": action_key}, True),
        ("document", {"pk": document_pk}, False),
        ("history", {}, False),
        ("restore", {"number": 1}, True),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_contact_gets_404_on_every_url_of_another_municipality(gent_client, halle_status, method):
    before = StatusVersion.objects.count()
    for name, kwargs, takes_post in _pages(halle_status.pk):
        if method == "post" and not takes_post:
            continue
        body = {"base_version": "1", "title": "Overgenomen", "today": "strong"}
        response = getattr(gent_client, method)(url(name, HALLE, **kwargs), body)
        assert response.status_code == 404, (name, method)
        assert b"Halle actie" not in response.content
    assert StatusVersion.objects.count() == before


def test_contact_gets_404_for_another_municipalitys_document_and_action_under_own_url(
    gent_client, contact, gent, halle_status
):
    save(gent, contact.user, {("actions", "gent1"): {"title": "Gent actie"}}, StatusPart.ACTIONS)
    assert gent_client.get(url("document", pk=halle_status.pk)).status_code == 404
    assert gent_client.get(url("action", key="halle1")).status_code == 404
    response = gent_client.post(url("action", key="halle1"), {"base_version": "1", "delete": ""})
    assert response.status_code == 404
    assert gent_client.get(url("action", key="gent1")).status_code == 200
    assert StatusVersion.objects.get(municipality_id=HALLE).document["actions"] == {
        "halle1": {"date": None, "title": "Halle actie", "audiences": [], "reach": None}
    }


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("assessment", {"track": "finance"}),
        ("goal", {"number": 0}),
        ("goal", {"number": 18}),
        ("action", {"key": "nope"}),
        ("document", {"pk": 999999}),
    ],
)
def test_own_urls_with_an_unknown_id_answer_404(gent_client, name, kwargs):
    assert gent_client.get(url(name, **kwargs)).status_code == 404


def test_board_member_gets_404(client, board_member, reference_data):
    client.force_login(board_member.user)
    assert client.get(url("goals")).status_code == 404
    assert client.post(url("goal", number=3), {"base_version": 0}).status_code == 404


# --- Empty posts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("assessment", {"track": "support"}),
        ("goal", {"number": 4}),
        ("milestones", {}),
        ("actions", {}),
        ("action", {"key": "a1"}),
    ],
)
def test_an_empty_post_shows_the_form_again_and_writes_nothing(
    gent_client, contact, gent, name, kwargs
):
    save(gent, contact.user, {("actions", "a1"): {"title": "SDG-week"}}, StatusPart.ACTIONS)
    response = gent_client.post(url(name, **kwargs), {})
    assert response.status_code == 200
    assert response.context["form"].errors["base_version"]
    assert StatusVersion.objects.filter(municipality=gent).count() == 1


# --- The self-assessment ----------------------------------------------------------------------


def test_assessment_shows_the_tracks_questions_and_saves_answers(gent_client, gent):
    rows = first_options(Track.SUPPORT)
    response = gent_client.get(url("assessment", track="support"))
    assert response.status_code == 200
    body = response.content.decode()
    for question, worst, _best in rows:
        assert escape(question.text_nl) in body
        assert escape(worst.text_nl) in body
        assert f'name="q_{question.pk}"' in body
    other = AssessmentQuestion.objects.filter(track="policy").first()
    assert escape(other.text_nl) not in body
    data = {"base_version": "0", f"q_{rows[0][0].pk}": str(rows[0][2].pk)}
    response = gent_client.post(url("assessment", track="support"), data)
    assert response.status_code == 302
    version = StatusVersion.objects.get(municipality=gent)
    assert version.part == StatusPart.ASSESSMENT
    assert version.document["assessment"]["support"] == {str(rows[0][0].pk): rows[0][2].pk}
    assert version.support_score == 25  # 3 of 12 points
    # Shown again, the answer is chosen.
    again = gent_client.get(url("assessment", track="support")).content.decode()
    assert f'value="{rows[0][2].pk}"' in again


def test_assessment_refuses_an_option_of_another_question(gent_client, gent):
    (q1, _w1, _b1), (_q2, _w2, best2) = first_options(Track.POLICY)[:2]
    response = gent_client.post(
        url("assessment", track="policy"), {"base_version": "0", f"q_{q1.pk}": str(best2.pk)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"q_{q1.pk}"]
    assert not StatusVersion.objects.exists()


def test_assessment_page_in_english(gent_client):
    gent_client.cookies["django_language"] = "en"
    question = AssessmentQuestion.objects.filter(track="awareness").order_by("order", "pk")[0]
    body = gent_client.get(url("assessment", track="awareness")).content.decode()
    assert escape(question.text_en) in body


# --- The circle exercise ----------------------------------------------------------------------


def test_goal_saves_today_ambition_targets_note_and_links(gent_client, gent):
    response = gent_client.get(url("goal", number=7))
    assert response.status_code == 200
    body = response.content.decode()
    assert "7.2" in body and "renewable energy" in body
    response = gent_client.post(
        url("goal", number=7),
        {
            "base_version": "0",
            "today": "some",
            "ambition": "strong",
            "targets": ["7.2", "7.a"],
            "note": "Zonnepanelen op alle scholen.",
            "links": "https://gent.be/energie\n\n https://gent.be/klimaat ",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("goals")
    assert StatusVersion.objects.get().document["goals"]["7"] == {
        "today": "some",
        "ambition": "strong",
        "targets": ["7.2", "7.a"],
        "note": "Zonnepanelen op alle scholen.",
        "links": ["https://gent.be/energie", "https://gent.be/klimaat"],
    }
    goals = gent_client.get(url("goals"))
    row = goals.context["goal_rows"][6]
    assert (row["goal"].number, row["value"]["today"], row["targets"]) == (7, "some", 2)
    assert row["goal"].n_targets == 5
    assert goals.content.decode().count('class="sdg-tile') == 17


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("targets", ["8.1"]),
        ("today", "enormous"),
        ("links", "javascript:alert(1)"),
        ("links", "\n".join(f"https://gent.be/{i}" for i in range(6))),
        ("note", "x" * 1001),
    ],
)
def test_goal_refuses_bad_input(gent_client, field, value):
    data = {"base_version": "0", "today": "some", "ambition": "some", field: value}
    response = gent_client.post(url("goal", number=7), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not StatusVersion.objects.exists()


# --- Milestones and their documents -----------------------------------------------------------


def _milestones(**rows):
    data = {"base_version": "0"}
    for kind, fields in rows.items():
        for name, value in fields.items():
            data[f"{kind}-{name}"] = value
    return data


def test_milestones_save_with_an_uploaded_document_and_download_it(gent_client, gent, contact):
    data = _milestones(
        council_decision={
            "achieved": "yes",
            "date": "2019-12-17",
            "upload": SimpleUploadedFile("../../Besluit gemeenteraad.PDF", PDF),
        },
        commitment={"achieved": "no"},
    )
    response = gent_client.post(url("milestones"), data)
    assert response.status_code == 302
    document = StatusDocument.objects.get()
    assert (document.municipality, document.extension, document.uploaded_by) == (
        gent,
        "pdf",
        contact.user,
    )
    assert document.name == "Besluit gemeenteraad.pdf"
    assert document.file.name.startswith(f"status/{GENT}/")
    assert "Besluit" not in document.file.name
    milestones = StatusVersion.objects.get().document["milestones"]
    assert milestones == {
        "council_decision": {
            "achieved": True,
            "date": "2019-12-17",
            "link": "",
            "document": document.pk,
        },
        # An explicit "no" is an answer too.
        "commitment": {"achieved": False, "date": None, "link": "", "document": None},
    }
    page = gent_client.get(url("milestones")).content.decode()
    assert url("document", pk=document.pk) in page
    download = gent_client.get(url("document", pk=document.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF


def test_milestone_upload_named_pdf_that_is_not_a_pdf_is_refused(gent_client, gent):
    data = _milestones(
        council_decision={
            "achieved": "yes",
            "upload": SimpleUploadedFile("besluit.pdf", b"<html><script>alert(1)</script>"),
        },
        commitment={"achieved": "yes"},
    )
    response = gent_client.post(url("milestones"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["council_decision-upload"]
    assert "not accepted" in errors[0] or "niet" in errors[0]
    assert not StatusDocument.objects.exists()
    assert not StatusVersion.objects.exists()


def test_a_milestone_document_can_be_removed(gent_client, gent, contact):
    gent_client.post(
        url("milestones"),
        _milestones(commitment={"achieved": "yes", "upload": SimpleUploadedFile("v.pdf", PDF)}),
    )
    document = StatusDocument.objects.get()
    data = _milestones(
        commitment={"achieved": "yes", "document": str(document.pk), "remove_document": "on"}
    )
    data["base_version"] = "1"
    assert gent_client.post(url("milestones"), data).status_code == 302
    assert StatusVersion.objects.get(number=2).document["milestones"]["commitment"] == {
        "achieved": True,
        "date": None,
        "link": "",
        "document": None,
    }


def test_milestone_cannot_point_at_another_municipalitys_document(gent_client, halle_status):
    data = _milestones(commitment={"achieved": "yes", "document": str(halle_status.pk)})
    response = gent_client.post(url("milestones"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["commitment-document"]
    assert not StatusVersion.objects.filter(municipality_id=GENT).exists()


def test_document_download_of_an_office_file_has_its_type(gent_client, gent, contact):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    gent_client.post(
        url("milestones"),
        _milestones(
            multi_year_plan={
                "achieved": "yes",
                "upload": SimpleUploadedFile("plan.xlsx", buffer.getvalue()),
            }
        ),
    )
    document = StatusDocument.objects.get()
    response = gent_client.get(url("document", pk=document.pk))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


# --- Awareness actions ------------------------------------------------------------------------


def test_add_edit_and_delete_an_awareness_action(gent_client, gent):
    response = gent_client.post(
        url("actions"),
        {
            "base_version": "0",
            "title": "SDG-week op het stadhuis",
            "date": "2018-03-22",
            "audiences": [Audience.CITIZENS, Audience.CIVIL_SERVANTS],
            "reach": "120",
        },
    )
    assert response.status_code == 302
    ((key, value),) = StatusVersion.objects.get().document["actions"].items()
    assert len(key) == 12 and int(key, 16) >= 0
    assert value == {
        "date": "2018-03-22",
        "title": "SDG-week op het stadhuis",
        "audiences": ["citizens", "civil_servants"],
        "reach": 120,
    }
    listing = gent_client.get(url("actions"))
    assert "SDG-week op het stadhuis" in listing.content.decode()
    assert url("action", key=key) in listing.content.decode()

    response = gent_client.post(
        url("action", key=key),
        {"base_version": "1", "title": "SDG-week", "audiences": ["politicians"], "reach": ""},
    )
    assert response.status_code == 302
    assert StatusVersion.objects.get(number=2).document["actions"][key] == {
        "date": None,
        "title": "SDG-week",
        "audiences": ["politicians"],
        "reach": None,
    }
    response = gent_client.post(url("action", key=key), {"base_version": "2", "delete": ""})
    assert response.status_code == 302
    assert StatusVersion.objects.get(number=3).document["actions"] == {}
    assert gent_client.get(url("action", key=key)).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"), [("reach", "-1"), ("reach", "10000001"), ("title", "")]
)
def test_action_refuses_bad_input(gent_client, field, value):
    data = {"base_version": "0", "title": "Actie", field: value}
    response = gent_client.post(url("actions"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not StatusVersion.objects.exists()
