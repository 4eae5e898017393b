"""Two people editing at once, the history, restoring a version, and the checks on a file."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from municipalities.enums import StatusPart
from municipalities.models import MunicipalityStatus, StatusDocument, StatusVersion
from municipalities.presentation import Lookups, change_lines, document_changes
from municipalities.services.documents import MAX_SIZE, status_document_upload
from municipalities.services.status import StatusConflict, status_update
from municipalities.status import MAX_ACTIONS, empty_document, with_parts
from tests.factories import MunicipalityContactFactory, UserFactory

pytestmark = pytest.mark.django_db

GENT = "44021"
PDF = b"%PDF-1.7\n%%EOF\n"


def url(name, **kwargs):
    return reverse(f"portal:{name}", kwargs={"nis_code": GENT, **kwargs})


@pytest.fixture
def colleague(gent):
    """A second contact of Gent, editing at the same time as the first."""
    return MunicipalityContactFactory(
        municipality=gent, user__first_name="Mira", user__last_name="Claes", user__password=None
    )


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def goal_post(base, today, ambition, note=""):
    return {"base_version": str(base), "today": today, "ambition": ambition, "note": note}


def base_version_in(response) -> int:
    return int(re.search(r'name="base_version" value="(\d+)"', response.content.decode())[1])


# --- Concurrent edits -------------------------------------------------------------------------


def test_second_save_of_the_same_goal_is_refused_with_what_changed(contact, colleague, gent):
    first, second = logged_in(contact.user), logged_in(colleague.user)
    # Both open SDG 7 on the empty status.
    assert base_version_in(first.get(url("goal", number=7))) == 0
    assert base_version_in(second.get(url("goal", number=7))) == 0
    assert first.post(url("goal", number=7), goal_post(0, "some", "some")).status_code == 302

    response = second.post(
        url("goal", number=7), goal_post(0, "strong", "strong", note="Onze windmolens")
    )
    assert response.status_code == 200
    assert StatusVersion.objects.count() == 1  # nothing saved
    (conflict,) = response.context["conflict"]
    assert conflict.author == contact.user.get_full_name()
    assert conflict.label == "SDG 7"
    assert "today some" in conflict.theirs or "vandaag" in conflict.theirs
    body = response.content.decode()
    assert escape(contact.user.get_full_name()) in body
    assert 'id="status-conflict"' in body
    # The user's input is kept, on the current version.
    assert "Onze windmolens" in body
    assert response.context["form"]["today"].value() == "strong"
    assert base_version_in(response) == 1

    # A second submit overwrites on purpose.
    again = second.post(
        url("goal", number=7), goal_post(1, "strong", "strong", note="Onze windmolens")
    )
    assert again.status_code == 302
    current = StatusVersion.objects.get(number=2)
    assert current.author == colleague.user
    assert current.document["goals"]["7"]["today"] == "strong"


def test_saves_of_different_parts_from_the_same_version_merge(contact, colleague, gent):
    first, second = logged_in(contact.user), logged_in(colleague.user)
    assert first.post(url("goal", number=7), goal_post(0, "some", "some")).status_code == 302
    # The colleague opened the milestones before that save.
    response = second.post(url("milestones"), {"base_version": "0", "commitment-achieved": "yes"})
    assert response.status_code == 302
    document = StatusVersion.objects.get(number=2).document
    assert document["goals"]["7"]["today"] == "some"
    assert document["milestones"]["commitment"]["achieved"] is True


def test_unchanged_rows_of_the_milestones_form_do_not_conflict(contact, colleague, gent):
    """The form posts all six milestones; only the row the user changed counts as theirs."""
    first, second = logged_in(contact.user), logged_in(colleague.user)
    first.post(url("milestones"), {"base_version": "0", "commitment-achieved": "yes"})
    response = second.post(url("milestones"), {"base_version": "0", "coordinator-achieved": "no"})
    assert response.status_code == 302
    milestones = StatusVersion.objects.get(number=2).document["milestones"]
    assert set(milestones) == {"commitment", "coordinator"}


def test_a_conflict_on_the_milestones_keeps_the_uploaded_file(contact, colleague, gent):
    first, second = logged_in(contact.user), logged_in(colleague.user)
    first.post(url("milestones"), {"base_version": "0", "commitment-achieved": "yes"})
    response = second.post(
        url("milestones"),
        {
            "base_version": "0",
            "commitment-achieved": "no",
            "commitment-upload": SimpleUploadedFile("verklaring.pdf", PDF),
        },
    )
    assert response.status_code == 200
    assert response.context["conflict"]
    document = StatusDocument.objects.get()
    body = response.content.decode()
    assert url("document", pk=document.pk) in body
    assert f'name="commitment-document" value="{document.pk}"' in body
    # Saved again: the milestone points at the file without choosing it again.
    data = {"base_version": "1", "commitment-achieved": "no", "commitment-document": document.pk}
    assert second.post(url("milestones"), data).status_code == 302
    assert StatusVersion.objects.get(number=2).document["milestones"]["commitment"] == {
        "achieved": False,
        "date": None,
        "link": "",
        "document": document.pk,
    }


def test_editing_an_action_someone_deleted_is_refused_not_404(contact, colleague, gent):
    status_update(
        municipality=gent,
        actor=contact.user,
        base_version=0,
        values={("actions", "a1"): {"title": "Klimaatwandeling"}},
        kind=StatusPart.ACTIONS,
    )
    first, second = logged_in(contact.user), logged_in(colleague.user)
    assert (
        first.post(url("action", key="a1"), {"base_version": "1", "delete": ""}).status_code == 302
    )
    response = second.post(url("action", key="a1"), {"base_version": "1", "title": "Fietstocht"})
    assert response.status_code == 200
    (conflict,) = response.context["conflict"]
    assert "Fietstocht" in conflict.mine
    assert "Fietstocht" in response.content.decode()
    assert StatusVersion.objects.count() == 2


def test_a_save_that_changes_nothing_says_so(contact, gent):
    client = logged_in(contact.user)
    client.post(url("goal", number=3), goal_post(0, "some", "strong"))
    response = client.post(url("goal", number=3), goal_post(1, "some", "strong"), follow=True)
    assert response.redirect_chain[-1][0] == url("goals")
    assert StatusVersion.objects.count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["success", "info"]


def test_a_base_version_from_the_future_is_a_form_error(contact, gent):
    client = logged_in(contact.user)
    response = client.post(url("goal", number=3), goal_post(5, "some", "strong"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not StatusVersion.objects.exists()


# --- History ----------------------------------------------------------------------------------


def test_history_lists_every_version_with_who_when_and_the_changes(contact, colleague, gent):
    first, second = logged_in(contact.user), logged_in(colleague.user)
    first.post(url("goal", number=7), goal_post(0, "none", "some"))
    second.post(url("goal", number=7), goal_post(1, "strong", "some"))
    second.post(url("actions"), {"base_version": "2", "title": "SDG-quiz", "reach": "40"})
    second.cookies["django_language"] = "en"
    response = second.get(url("history"))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.version.number for e in entries] == [3, 2, 1]
    assert [e.author for e in entries] == [
        colleague.user.get_full_name(),
        colleague.user.get_full_name(),
        contact.user.get_full_name(),
    ]
    assert entries[1].changes == ["SDG 7: today none → strong"]
    assert entries[1].part == "Circle exercise"
    assert entries[0].changes == ["Awareness action “SDG-quiz” added: reach 40"]
    assert entries[2].changes == ["SDG 7 filled in: today none, ambition some"]
    body = response.content.decode()
    assert "SDG 7: today none → strong" in body
    assert entries[1].when in body
    # A contact sees the history but cannot restore.
    assert not response.context["can_restore"]
    assert "/restore/" not in body


def test_staff_see_a_restore_button_per_earlier_version(client, staff_user, contact, gent):
    for today in ("some", "strong", "none"):
        status = getattr(gent, "status", None)
        status_update(
            municipality=gent,
            actor=contact.user,
            base_version=status.current.number if status else 0,
            values={("goals", "1"): {"today": today, "ambition": "strong"}},
            kind=StatusPart.GOALS,
        )
        gent.refresh_from_db()
    client.force_login(staff_user)
    body = client.get(url("history")).content.decode()
    assert body.count("/restore/") == 2
    assert url("restore", number=1) in body and url("restore", number=3) not in body
    assert body.count('name="base_version" value="3"') == 2


# --- Restore ----------------------------------------------------------------------------------


def _three_versions(gent, actor):
    for number, today in enumerate(("some", "strong", "none")):
        status_update(
            municipality=gent,
            actor=actor,
            base_version=number,
            values={("goals", "5"): {"today": today, "ambition": "some"}},
            kind=StatusPart.GOALS,
        )


def test_staff_restore_makes_a_new_version_equal_to_the_old_one(client, staff_user, contact, gent):
    _three_versions(gent, contact.user)
    client.force_login(staff_user)
    response = client.post(url("restore", number=1), {"base_version": "3"}, follow=True)
    assert response.redirect_chain[-1][0] == url("history")
    restored = StatusVersion.objects.get(number=4)
    assert restored.document == StatusVersion.objects.get(number=1).document
    assert (restored.part, restored.author, restored.restored_from.number) == (
        StatusPart.RESTORE,
        staff_user,
        1,
    )
    assert MunicipalityStatus.objects.get(municipality=gent).current == restored
    entry = response.context["entries"][0]
    assert entry.version == restored
    assert entry.changes  # none -> some, shown as a change


def test_contact_cannot_restore(client, contact, gent):
    _three_versions(gent, contact.user)
    client.force_login(contact.user)
    assert client.post(url("restore", number=1), {"base_version": "3"}).status_code == 403
    assert StatusVersion.objects.count() == 3


def test_another_contact_gets_404_on_restore(client, other_contact, contact, gent):
    _three_versions(gent, contact.user)
    client.force_login(other_contact.user)
    assert client.post(url("restore", number=1), {"base_version": "3"}).status_code == 404
    assert StatusVersion.objects.count() == 3


def test_restore_answers_405_to_a_get(client, staff_user, contact, other_contact, gent):
    for user in (staff_user, contact.user):
        client.force_login(user)
        assert client.get(url("restore", number=1)).status_code == 405
    client.force_login(other_contact.user)
    assert client.get(url("restore", number=1)).status_code == 404


@pytest.mark.parametrize(("number", "base"), [(1, "2"), (9, "3"), (3, "3"), (1, ""), (1, "-1")])
def test_a_stale_or_wrong_restore_redirects_with_an_error(
    client, staff_user, contact, gent, number, base
):
    _three_versions(gent, contact.user)
    client.force_login(staff_user)
    response = client.post(url("restore", number=number), {"base_version": base}, follow=True)
    assert response.redirect_chain[-1][0] == url("history")
    (message,) = list(response.context["messages"])
    assert message.level_tag == "error"
    assert StatusVersion.objects.count() == 3


# --- The checks on an uploaded file -----------------------------------------------------------


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


TYPES = "[Content_Types].xml"


ACCEPTED = [
    ("plan.pdf", PDF, "pdf"),
    ("foto.PNG", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "png"),
    ("foto.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "jpg"),
    ("nota.docx", _zip({TYPES: "<Types/>", "word/document.xml": "<w/>"}), "docx"),
    ("cijfers.xlsx", _zip({TYPES: "<Types/>", "xl/workbook.xml": "<w/>"}), "xlsx"),
    ("slides.pptx", _zip({TYPES: "<Types/>", "ppt/presentation.xml": "<p/>"}), "pptx"),
    ("nota.odt", _zip({"mimetype": "application/vnd.oasis.opendocument.text"}), "odt"),
    ("tabel.ods", _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), "ods"),
]


@pytest.mark.parametrize(("name", "content", "extension"), ACCEPTED)
def test_upload_accepts_what_its_content_says(contact, gent, name, content, extension):
    document = status_document_upload(
        municipality=gent, actor=contact.user, upload=SimpleUploadedFile(name, content)
    )
    assert document.extension == extension
    assert document.file.name.endswith("." + extension)
    assert document.file.read() == content


REFUSED = [
    ("besluit.pdf", b"<html><script>alert(1)</script></html>"),  # says pdf, is not
    ("besluit.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),  # a PNG named .pdf
    ("nota.docx", _zip({TYPES: "<Types/>", "xl/workbook.xml": "<w/>"})),  # an xlsx named .docx
    ("archief.docx", _zip({"readme.txt": "hello"})),  # a zip, not an Office file
    ("nota.odt", _zip({"mimetype": "application/zip"})),
    ("script.exe", b"MZ\x90\x00"),
    ("leeg.pdf", b""),
    ("pagina.html", b"%PDF-1.4 but named html"),
]


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_upload_refuses_what_is_not_what_it_claims(contact, gent, name, content):
    with pytest.raises(ValidationError):
        status_document_upload(
            municipality=gent, actor=contact.user, upload=SimpleUploadedFile(name, content)
        )
    assert not StatusDocument.objects.exists()


def test_upload_refuses_a_file_over_ten_megabytes(contact, gent):
    content = PDF + b"\0" * (MAX_SIZE - len(PDF) + 1)
    with pytest.raises(ValidationError, match="10"):
        status_document_upload(
            municipality=gent, actor=contact.user, upload=SimpleUploadedFile("groot.pdf", content)
        )
    assert not StatusDocument.objects.exists()


def test_upload_by_someone_else_is_refused(other_contact, gent):
    with pytest.raises(PermissionDenied):
        status_document_upload(
            municipality=gent, actor=other_contact.user, upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert not StatusDocument.objects.exists()


def test_stored_name_never_comes_from_the_user(contact, gent):
    document = status_document_upload(
        municipality=gent,
        actor=contact.user,
        upload=SimpleUploadedFile("..\\..\\etc/passwd\x00\r\n.pdf", PDF),
    )
    assert re.fullmatch(rf"status/{GENT}/[0-9a-f]{{32}}\.pdf", document.file.name)
    assert document.name == "passwd.pdf"


# --- Wording and the service fixes ------------------------------------------------------------


def test_change_lines_name_each_field():
    lookups = Lookups()
    before = {"today": "none", "ambition": "some", "targets": ["7.1"], "note": "", "links": []}
    after = {**before, "today": "strong", "targets": ["7.2"]}
    with translation.override("en"):
        assert change_lines(("goals", "7"), before, after, lookups) == [
            "SDG 7: today none → strong",
            "SDG 7: targets added: 7.2",
            "SDG 7: targets removed: 7.1",
        ]
        milestone = {"achieved": True, "date": "2019-12-17", "link": "", "document": None}
        after = with_parts(empty_document(), {("milestones", "commitment"): milestone})
        assert document_changes(empty_document(), after, lookups) == [
            "VVSG's SDG commitment declaration signed: achieved — → yes",
            "VVSG's SDG commitment declaration signed: date — → Dec. 17, 2019",
        ]


def test_conflict_names_the_version_that_changed_the_part(contact, colleague, gent):
    """Since the empty status: the first version changed SDG 1, the second only SDG 2."""
    for number, goal in enumerate(("1", "2")):
        status_update(
            municipality=gent,
            actor=contact.user if goal == "1" else UserFactory(password=None, is_staff=True),
            base_version=number,
            values={("goals", goal): {"today": "some"}},
            kind=StatusPart.GOALS,
        )
    with pytest.raises(StatusConflict) as refused:
        status_update(
            municipality=gent,
            actor=colleague.user,
            base_version=0,
            values={("goals", "1"): {"today": "strong"}},
            kind=StatusPart.GOALS,
        )
    (change,) = refused.value.changes
    assert (change.version.number, change.version.author) == (1, contact.user)


def test_the_number_of_awareness_actions_is_bounded(contact, gent):
    status_update(
        municipality=gent,
        actor=contact.user,
        base_version=0,
        values={("actions", f"k{i}"): {"title": f"Actie {i}"} for i in range(MAX_ACTIONS)},
        kind=StatusPart.ACTIONS,
    )
    client = logged_in(contact.user)
    response = client.post(url("actions"), {"base_version": "1", "title": "Nog een"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert StatusVersion.objects.count() == 1
    # Editing one of them still works.
    response = client.post(url("action", key="k3"), {"base_version": "1", "title": "Anders"})
    assert response.status_code == 302
