"""The admin of the municipality models: invitations (one, resent, imported) and the status."""

import io
import os
import re

import pytest
from django.contrib import admin
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from municipalities.models import (
    AssessmentQuestion,
    ContactInvitation,
    Snapshot,
    SnapshotEntry,
    StatusDocument,
)
from municipalities.resources import InvitationImportStorage, import_directory
from municipalities.services.invitations import invitation_create, invitation_open
from municipalities.services.status import status_update
from tests.factories import MunicipalityContactFactory, UserFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


IMPORT_URL = "admin:municipalities_contactinvitation_import"
PROCESS_URL = "admin:municipalities_contactinvitation_process_import"
HEADER = "name;email;nis_code\n"


@pytest.fixture
def admin_user(db):
    return UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def empty_import_directory():
    """Stored uploads are shared by the whole run's media directory: each test starts empty."""
    directory = import_directory()
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.iterdir():
        path.unlink()


def stored_uploads() -> list:
    return list(import_directory().iterdir())


def csv_file(text: str, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "contacts.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file):
    return client.post(reverse(IMPORT_URL), {"import_file": file, "resource": "0"})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+/invitation/(\S+)/", body)


# --- Every page renders ---------------------------------------------------------------------


@pytest.fixture
def status_data(reference_data, admin_user):
    gent = municipality("44021")
    version = status_update(
        municipality=gent,
        actor=admin_user,
        base_version=0,
        values={
            ("goals", "7"): {
                "today": "some",
                "ambition": "strong",
                "targets": [],
                "note": "",
                "links": [],
            }
        },
        kind="goals",
    )
    snapshot = Snapshot.objects.create(label="Raad van bestuur mei 2017", taken_by=admin_user)
    SnapshotEntry.objects.create(snapshot=snapshot, municipality=gent, version=version)
    StatusDocument.objects.create(
        municipality=gent,
        file="status/44021/x.pdf",
        name="besluit.pdf",
        extension="pdf",
        size=10,
        uploaded_by=admin_user,
    )
    invitation_create(municipality=gent, email="jan@gent.be", actor=admin_user)
    return version, snapshot


MUNICIPALITY_MODELS = [
    model for model in admin.site._registry if model._meta.app_label == "municipalities"
]
READ_ONLY = {
    "province",
    "arrondissement",
    "municipality",
    "sdggoal",
    "sdgtarget",
    "statusversion",
    "municipalitystatus",
    "snapshot",
    "statusdocument",
}


@pytest.mark.parametrize("model", MUNICIPALITY_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_pages_render_for_a_superuser(admin_client, status_data, model):
    name = model._meta.model_name
    changelist = admin_client.get(reverse(f"admin:municipalities_{name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:municipalities_{name}_add"))
    assert add.status_code == (403 if name in READ_ONLY else 200)
    obj = model.objects.first()
    if obj is not None:
        change = admin_client.get(reverse(f"admin:municipalities_{name}_change", args=[obj.pk]))
        assert change.status_code == 200


def test_status_models_cannot_be_changed_in_the_admin(admin_client, status_data):
    version, snapshot = status_data
    response = admin_client.post(
        reverse("admin:municipalities_snapshot_change", args=[snapshot.pk]), {"label": "Anders"}
    )
    assert response.status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.label == "Raad van bestuur mei 2017"
    assert (
        admin_client.get(reverse("admin:municipalities_statusversion_delete", args=[version.pk]))
    ).status_code == 403


def test_snapshot_list_shows_its_entry_count(admin_client, status_data):
    response = admin_client.get(reverse("admin:municipalities_snapshot_changelist"))
    [row] = response.context["cl"].result_list
    assert row._entry_count == 1


def test_assessment_question_with_its_options_is_added_in_the_admin(admin_client, reference_data):
    response = admin_client.post(
        reverse("admin:municipalities_assessmentquestion_add"),
        {
            "track": "awareness",
            "order": "9",
            "active": "on",
            "text_nl": "Kent het personeel de SDG's?",
            "text_en": "Do the staff know the SDGs?",
            "help_nl": "",
            "help_en": "",
            "options-TOTAL_FORMS": "2",
            "options-INITIAL_FORMS": "0",
            "options-MIN_NUM_FORMS": "0",
            "options-MAX_NUM_FORMS": "1000",
            "options-0-order": "0",
            "options-0-text_nl": "Nee",
            "options-0-text_en": "No",
            "options-0-points": "0",
            "options-1-order": "1",
            "options-1-text_nl": "Ja",
            "options-1-text_en": "Yes",
            "options-1-points": "3",
        },
    )
    assert response.status_code == 302
    question = AssessmentQuestion.objects.get(text_en="Do the staff know the SDGs?")
    assert sorted(question.options.values_list("points", flat=True)) == [0, 3]


def test_invitation_admin_never_shows_the_token(admin_client, reference_data, admin_user):
    invitation, token = invitation_create(
        municipality=municipality("44021"), email="jan@gent.be", actor=admin_user
    )
    for url in (
        reverse("admin:municipalities_contactinvitation_changelist"),
        reverse("admin:municipalities_contactinvitation_change", args=[invitation.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert "jan@gent.be" in content
        assert token not in content
        assert invitation.token_hash not in content


def test_plain_staff_without_admin_permissions_cannot_import(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse(IMPORT_URL)).status_code == 403


# --- One invitation ---------------------------------------------------------------------------


def test_admin_add_invitation_goes_through_the_service_and_mails(
    admin_client, reference_data, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:municipalities_contactinvitation_add"),
            {
                "municipality": "44021",
                "email": " Jan@Gent.BE",
                "first_name": "Jan",
                "last_name": "Peeters",
                "_save": "Save",
            },
        )
    assert response.status_code == 302
    invitation = ContactInvitation.objects.get()
    assert (invitation.email, invitation.municipality_id) == ("jan@gent.be", "44021")
    assert invitation.created_by == admin_user
    [message] = mail.outbox
    [token] = links(message.body)
    assert invitation_open(token=token) == invitation


def test_admin_add_invitation_for_a_contact_elsewhere_is_a_form_error(
    admin_client, other_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:municipalities_contactinvitation_add"),
            {"municipality": "44021", "email": other_contact.user.email, "_save": "Save"},
        )
    assert response.status_code == 200
    assert "Halle" in str(response.context["adminform"].form.errors["email"])
    assert not ContactInvitation.objects.exists()
    assert mail.outbox == []


def test_admin_resend_gives_a_new_link_and_stops_the_old(
    admin_client, reference_data, admin_user, django_capture_on_commit_callbacks
):
    old, old_token = invitation_create(
        municipality=municipality("44021"), email="jan@gent.be", actor=admin_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:municipalities_contactinvitation_changelist"),
            {"action": "resend_invitations", "_selected_action": [old.pk]},
        )
    assert response.status_code == 302
    assert invitation_open(token=old_token) is None
    [message] = mail.outbox
    [token] = links(message.body)
    new = invitation_open(token=token)
    assert new.pk != old.pk
    assert new.email == "jan@gent.be"


def test_admin_revoke_stops_the_link(admin_client, reference_data, admin_user):
    invitation, token = invitation_create(
        municipality=municipality("44021"), email="jan@gent.be", actor=admin_user
    )
    admin_client.post(
        reverse("admin:municipalities_contactinvitation_changelist"),
        {"action": "revoke_invitations", "_selected_action": [invitation.pk]},
    )
    assert invitation_open(token=token) is None


# --- The import -------------------------------------------------------------------------------

VALID = HEADER + "Jan Peeters;jan@gent.be;44021\nAn Claes;an@halle.be;23027\n"


def test_import_dry_run_shows_the_rows_and_creates_nothing(
    admin_client, reference_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, csv_file(VALID))
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    rows = response.context["result"].valid_rows()
    assert [row.diff for row in rows] == [
        ["Jan", "Peeters", "jan@gent.be", "44021", "Gent"],
        ["An", "Claes", "an@halle.be", "23027", "Halle"],
    ]
    content = response.content.decode()
    assert "jan@gent.be" in content and "Halle" in content
    assert not ContactInvitation.objects.exists()
    assert mail.outbox == []


def test_import_confirmed_creates_the_invitations_and_sends_the_mails(
    admin_client, reference_data, admin_user, django_capture_on_commit_callbacks
):
    preview = upload(admin_client, csv_file(VALID))
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse(
        "admin:municipalities_contactinvitation_changelist"
    )
    invitations = {i.email: i for i in ContactInvitation.objects.all()}
    assert set(invitations) == {"jan@gent.be", "an@halle.be"}
    assert invitations["an@halle.be"].municipality_id == "23027"
    assert invitations["jan@gent.be"].first_name == "Jan"
    assert invitations["jan@gent.be"].created_by == admin_user
    assert sorted(m.to[0] for m in mail.outbox) == ["an@halle.be", "jan@gent.be"]
    for message in mail.outbox:
        [token] = links(message.body)
        assert invitation_open(token=token).email == message.to[0]
    # The stored upload is gone once imported.
    assert stored_uploads() == []


def test_import_of_an_xlsx_with_first_and_last_name_columns(admin_client, reference_data):
    rows = [
        ["Voornaam", "Achternaam", "E-mailadres", "NIS-code"],
        ["Jan", "Peeters", "jan@gent.be", 44021],
    ]
    preview = upload(admin_client, xlsx_file(rows))
    assert preview.context["confirm_form"] is not None
    confirm(admin_client, preview)
    invitation = ContactInvitation.objects.get()
    assert (invitation.first_name, invitation.last_name) == ("Jan", "Peeters")
    assert invitation.municipality_id == "44021"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("Piet Goossens;piet@example.org;99999", "unknown NIS code"),
        ("Piet Goossens;not-an-email;44021", "“not-an-email” is not a valid e-mail address"),
        ("Piet Goossens;;44021", "the e-mail address is empty"),
        ("Piet Goossens;JAN@gent.be;44021", "already in row 2"),
        ("Piet Goossens;halle-contact@example.org;44021", "Halle"),
        ("Piet Goossens;piet@example.org;", "NIS code is empty"),
    ],
    ids=["nis", "email", "no-email", "duplicate", "contact-elsewhere", "no-nis"],
)
def test_import_with_one_bad_row_names_the_row_and_imports_nothing(
    admin_client, reference_data, bad_row, message, django_capture_on_commit_callbacks
):
    MunicipalityContactFactory(
        municipality=municipality("23027"), user__email="halle-contact@example.org"
    )
    text = HEADER + "Jan Peeters;jan@gent.be;44021\n" + bad_row + "\nAn Claes;an@halle.be;23027\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, csv_file(text))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number + 1 == 3
    content = response.content.decode()
    assert "Row 3" in content
    assert message in content
    assert not ContactInvitation.objects.exists()
    assert mail.outbox == []
    assert stored_uploads() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("naam;telefoon;nis_code\nJan;09;44021\n", "unknown column"),
        ("name;nis_code\nJan;44021\n", "the column email is missing"),
        ("name;first_name;email;nis_code\nJan;Jan;jan@gent.be;44021\n", "either the column name"),
        ("email;email;nis_code\na@b.be;c@d.be;44021\n", "are the same column"),
    ],
)
def test_import_with_a_bad_header_imports_nothing(admin_client, reference_data, text, message):
    response = upload(admin_client, csv_file(text))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert message in response.content.decode()
    assert not ContactInvitation.objects.exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("contacts.xlsx", VALID.encode()), "not a readable XLSX workbook"),
        (SimpleUploadedFile("contacts.txt", VALID.encode()), "Upload a .csv or .xlsx file"),
        (SimpleUploadedFile("contacts.csv", b"PK\x03\x04junk"), "This is an XLSX workbook"),
        (SimpleUploadedFile("contacts.csv", b""), ""),
    ],
    ids=["text-as-xlsx", "txt", "xlsx-as-csv", "empty"],
)
def test_import_of_a_file_that_is_not_what_it_says_is_a_clear_error(
    admin_client, reference_data, file, message
):
    response = upload(admin_client, file)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert response.context["form"].errors["import_file"]
    assert message in response.content.decode()
    assert not ContactInvitation.objects.exists()


def test_import_refuses_a_file_over_the_size_limit(admin_client, reference_data):
    big = HEADER + "Jan;jan@gent.be;44021\n" * 120_000
    response = upload(admin_client, csv_file(big))
    assert "larger than 2 MB" in str(response.context["form"].errors["import_file"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"import_file_name": "../../etc/passwd"},
        {"import_file_name": "0" * 32},
        {"format": "7"},
        {"format": "x"},
    ],
)
def test_import_confirmation_with_forged_fields_imports_nothing(
    admin_client, reference_data, overrides
):
    preview = upload(admin_client, csv_file(VALID))
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(overrides)
    response = admin_client.post(reverse(PROCESS_URL), data)
    assert response.status_code == 200
    assert not ContactInvitation.objects.exists()


def test_import_confirmed_after_the_file_became_invalid_imports_nothing(
    admin_client, reference_data, django_capture_on_commit_callbacks
):
    preview = upload(admin_client, csv_file(VALID))
    # Between the preview and the confirmation, one address becomes a contact elsewhere.
    MunicipalityContactFactory(municipality=municipality("11002"), user__email="an@halle.be")
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse(IMPORT_URL)
    assert not ContactInvitation.objects.exists()
    assert mail.outbox == []


def test_stale_stored_uploads_are_removed(reference_data):
    stale = import_directory() / ("a" * 32)
    stale.write_bytes(b"x")
    old = timezone.now().timestamp() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    storage = InvitationImportStorage()
    storage.save(b"new")
    assert stored_uploads() == [import_directory() / storage.name]


def test_import_lists_every_problem_of_a_row(admin_client, reference_data):
    response = upload(admin_client, csv_file(HEADER + "Piet;not-an-email;99999\n"))
    [invalid] = response.context["result"].invalid_rows
    assert set(invalid.error_dict) == {"email", "nis_code"}
    content = response.content.decode()
    assert "Row 2, email" in content
    assert "Row 2, nis_code" in content


def test_import_row_numbers_count_blank_rows(admin_client, reference_data):
    text = HEADER + "Jan;jan@gent.be;44021\n;;\n\nPiet;piet@example.org;99999\n"
    response = upload(admin_client, csv_file(text))
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number + 1 == 5
    assert "Row 5, nis_code" in response.content.decode()
