"""The admin as a whole: every registered model's pages, searches and filters render; the
"VVSG staff" group lets staff who are not superusers work in it, within its bounds."""

from datetime import date, timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.services import heartbeat_record
from meetings.enums import MeetingAudience, MeetingKind
from meetings.models import (
    AgendaItem,
    Delivery,
    Expectation,
    Invitation,
    Meeting,
    MeetingLink,
    ReminderRule,
)
from meetings.services import meeting_create, meeting_publish
from municipalities.models import (
    AssessmentQuestion,
    ContactInvitation,
    MunicipalityContact,
    Snapshot,
    SnapshotEntry,
    StatusVersion,
)
from municipalities.services.invitations import invitation_create
from municipalities.services.status import status_update
from selection.enums import Vote
from selection.models import (
    BoardMember,
    BoardOrganisation,
    Candidacy,
    Criterion,
    Decision,
    Programme,
    Review,
    SelectionRun,
)
from selection.services.decision import decision_record
from selection.services.proposal import selection_run
from tests.factories import MunicipalityContactFactory, UserFactory, municipality, scored_programme

pytestmark = pytest.mark.django_db

GROUP = "VVSG staff"
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
# At most this many choices of each filter are tried, so the test stays quick.
CHOICES_PER_FILTER = 3


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def superuser(db):
    return UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def world(reference_data, superuser):
    """A row of most models: a scored programme with a run and a decision, a published
    meeting with its parts, a contact, an invitation, a status version and a snapshot."""
    programme = scored_programme(per_province=4, size=8, members=2)
    run = selection_run(programme=programme, actor=superuser)
    members = list(programme.board_members.all())
    decision = decision_record(
        run=run,
        actor=superuser,
        meeting_date=date(2017, 5, 2),
        meeting_location="Brussel",
        quorum=2,
        minutes="",
        votes={member.pk: (True, Vote.FOR) for member in members},
    )
    gent = municipality("44021")
    contact = MunicipalityContactFactory(municipality=gent, user__email="an@gent.be")
    version = status_update(
        municipality=gent,
        actor=superuser,
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
    snapshot = Snapshot.objects.create(label="Mei 2017", taken_by=superuser)
    SnapshotEntry.objects.create(snapshot=snapshot, municipality=gent, version=version)
    invitation_create(municipality=gent, email="jan@gent.be", actor=superuser)
    starts = timezone.now() + timedelta(days=30)
    meeting = meeting_create(
        actor=superuser,
        programme=programme,
        kind=MeetingKind.BOARD_MEETING,
        title="Klankbordgroep",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        audience=MeetingAudience.BOARD,
    )
    AgendaItem.objects.create(meeting=meeting, order=1, title="Welkom")
    MeetingLink.objects.create(meeting=meeting, title="Verslag", url="https://example.org/v")
    meeting_publish(meeting=meeting, actor=superuser)
    Expectation.objects.create(meeting=meeting, category="support", text="Draagvlak verbreden.")
    heartbeat_record()
    return SimpleNamespace(
        programme=programme, run=run, decision=decision, contact=contact, meeting=meeting
    )


def staff_group() -> Group:
    """The group accounts' data migration installs; transactional tests flush it, so it is
    installed again when missing."""
    if not Group.objects.filter(name=GROUP).exists():
        migration = import_module("accounts.migrations.0003_vvsg_staff_group")
        migration.create_group(django_apps, None)
    return Group.objects.get(name=GROUP)


def _url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


# --- A superuser: every page of every registered model -----------------------------------


# One test per kind of page, over all models (the world is costly to build): each collects
# what fails, so that one run names every model that fails.


def test_every_registered_model_renders_for_a_superuser(client, world, superuser):
    client.force_login(superuser)
    failures = []
    for model in REGISTERED:
        model_admin = admin.site._registry[model]
        request = _request(superuser)
        answers = {"changelist": client.get(_url(model, "changelist")).status_code}
        expected = {"changelist": 200}
        answers["add"] = client.get(_url(model, "add")).status_code
        expected["add"] = 200 if model_admin.has_add_permission(request) else 403
        obj = model_admin.get_queryset(request).first()
        if obj is not None:
            answers["change"] = client.get(_url(model, "change", obj.pk)).status_code
            expected["change"] = 200
        if answers != expected:
            failures.append((model._meta.label, answers))
    assert failures == []


def test_search_works_on_every_model_that_has_search_fields(client, world, superuser):
    client.force_login(superuser)
    searchable = [m for m in REGISTERED if admin.site._registry[m].search_fields]
    assert len(searchable) >= 40
    failures = []
    for model in searchable:
        for term in ("Gent", "é 1"):
            response = client.get(_url(model, "changelist"), {"q": term})
            if response.status_code != 200 or response.context["cl"].query != term:
                failures.append((model._meta.label, term, response.status_code))
    assert failures == []


def test_every_list_filter_value_works(client, world, superuser):
    client.force_login(superuser)
    failures, tried = [], 0
    for model in REGISTERED:
        if not admin.site._registry[model].list_filter:
            continue
        cl = client.get(_url(model, "changelist")).context["cl"]
        for spec in cl.filter_specs:
            choices = [c for c in spec.choices(cl) if not c.get("selected")]
            for choice in choices[:CHOICES_PER_FILTER]:
                response = client.get(_url(model, "changelist") + choice["query_string"])
                # An invalid lookup would redirect to ?e=1.
                if response.status_code != 200:
                    failures.append((model._meta.label, choice["query_string"]))
                tried += 1
    assert failures == []
    assert tried >= 100


def test_search_finds_the_row_and_not_the_others(client, world, superuser):
    client.force_login(superuser)
    response = client.get(_url(Candidacy, "changelist"), {"q": "44021"})
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(
        Candidacy.objects.filter(municipality_id="44021")
    )
    response = client.get(_url(MunicipalityContact, "changelist"), {"q": "an@gent.be"})
    assert list(response.context["cl"].result_list) == [world.contact]


def test_the_audit_rows_are_read_only_even_for_a_superuser(client, world, superuser):
    client.force_login(superuser)
    for model in (Decision, SelectionRun, Review, Delivery, Invitation, StatusVersion):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(_request(superuser)), model
        assert not model_admin.has_change_permission(_request(superuser)), model
        assert not model_admin.has_delete_permission(_request(superuser)), model
    response = client.post(_url(Decision, "delete", world.decision.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Decision.objects.filter(pk=world.decision.pk).exists()


def test_a_programme_page_shows_its_criteria_and_candidacies(client, world, superuser):
    client.force_login(superuser)
    response = client.get(_url(Programme, "change", world.programme.pk))
    content = response.content.decode()
    for criterion in world.programme.criteria.all():
        assert criterion.name in content
    assert world.programme.candidacies.count() == 20
    for candidacy in world.programme.candidacies.select_related("municipality"):
        assert candidacy.municipality.name in content


def test_a_meeting_page_shows_agenda_invitations_and_read_only_deliveries(client, world, superuser):
    client.force_login(superuser)
    response = client.get(_url(Meeting, "change", world.meeting.pk))
    content = response.content.decode()
    assert "Welkom" in content
    invitations = list(world.meeting.invitations.select_related("user"))
    assert len(invitations) == 2
    for invitation in invitations:
        assert str(invitation.user) in content
    deliveries = response.context["inline_admin_formsets"]
    delivery_inline = next(f for f in deliveries if f.opts.model is Delivery)
    assert not delivery_inline.has_add_permission
    assert not delivery_inline.has_change_permission
    assert not delivery_inline.has_delete_permission


# --- The "VVSG staff" group ---------------------------------------------------------------

MAIN_MODELS = [
    User,
    MunicipalityContact,
    ContactInvitation,
    AssessmentQuestion,
    Programme,
    BoardOrganisation,
    BoardMember,
    Candidacy,
    Criterion,
    Meeting,
    ReminderRule,
    Expectation,
]
VIEW_ONLY_MODELS = [Decision, SelectionRun, Review, Delivery, Invitation, StatusVersion, Snapshot]


def _partner_models():
    from django.apps import apps

    if not apps.is_installed("partners"):
        return []
    return [m for m in apps.get_app_config("partners").get_models() if m in admin.site._registry]


@pytest.fixture
def group_staff(db):
    user = UserFactory(email="medewerker@example.org", is_staff=True)
    user.groups.add(staff_group())
    return user


def test_a_staff_member_in_the_group_opens_the_main_changelists_and_add_forms(
    client, world, group_staff
):
    client.force_login(group_staff)
    for model in [*MAIN_MODELS, *_partner_models()]:
        assert client.get(_url(model, "changelist")).status_code == 200, model
        assert client.get(_url(model, "add")).status_code == 200, model
    for model in VIEW_ONLY_MODELS:
        assert client.get(_url(model, "changelist")).status_code == 200, model
        assert client.get(_url(model, "add")).status_code == 403, model
    for page in ("candidacy", "boardmember", "meeting"):
        assert (
            client.get(
                reverse(
                    f"admin:selection_{page}_import"
                    if page != "meeting"
                    else "admin:meetings_meeting_import"
                )
            ).status_code
            == 200
        )


def test_a_staff_member_in_the_group_cannot_delete_a_decision(client, world, group_staff):
    client.force_login(group_staff)
    assert client.get(_url(Decision, "change", world.decision.pk)).status_code == 200
    assert client.get(_url(Decision, "delete", world.decision.pk)).status_code == 403
    response = client.post(_url(Decision, "delete", world.decision.pk), {"post": "yes"})
    assert response.status_code == 403
    changelist = client.get(_url(Decision, "changelist"))
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(
        changelist.wsgi_request
    )
    assert Decision.objects.filter(pk=world.decision.pk).exists()
    assert not group_staff.has_perm("selection.delete_decision")
    assert not group_staff.has_perm("selection.delete_candidacy")


def test_the_group_deletes_only_what_is_harmless():
    group = staff_group()
    deletable = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.filter(codename__startswith="delete_")
    }
    assert deletable == {
        "meetings.delete_meeting",
        "meetings.delete_agendaitem",
        "meetings.delete_meetinglink",
        "selection.delete_quota",
    }
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def test_a_published_meeting_cannot_be_deleted_by_the_group(client, world, group_staff):
    client.force_login(group_staff)
    response = client.post(_url(Meeting, "delete", world.meeting.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Meeting.objects.filter(pk=world.meeting.pk).exists()


def test_staff_without_the_group_get_no_admin_pages(client, world):
    plain = UserFactory(email="zonder-groep@example.org", is_staff=True)
    client.force_login(plain)
    assert client.get(_url(Candidacy, "changelist")).status_code == 403
    assert client.get(reverse("admin:selection_candidacy_import")).status_code == 403


def test_a_group_member_cannot_make_anyone_superuser(client, world, group_staff, superuser):
    client.force_login(group_staff)
    page = client.get(_url(User, "change", group_staff.pk))
    assert page.status_code == 200
    assert "is_superuser" not in page.context["adminform"].form.fields
    response = client.post(
        _url(User, "change", group_staff.pk),
        {
            "email": group_staff.email,
            "first_name": "Mia",
            "last_name": "Medewerker",
            "language": "nl",
            "is_active": "on",
            "is_superuser": "on",
            "user_permissions": [1],
        },
    )
    assert response.status_code == 302
    group_staff.refresh_from_db()
    assert group_staff.first_name == "Mia"
    assert not group_staff.is_superuser
    assert not group_staff.user_permissions.exists()
    # A superuser's account is not theirs to change (a new address would take it over).
    response = client.post(
        _url(User, "change", superuser.pk),
        {"email": "overname@example.org", "first_name": "", "last_name": "", "language": "nl"},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "beheer@example.org"


def test_the_group_migration_is_reversible_and_repeatable(db):
    migration = import_module("accounts.migrations.0003_vvsg_staff_group")
    staff_group()
    migration.remove_group(django_apps, None)
    assert not Group.objects.filter(name=GROUP).exists()
    migration.create_group(django_apps, None)
    migration.create_group(django_apps, None)
    group = Group.objects.get(name=GROUP)
    expected = {
        (app_label, codename)
        for app_label in migration.GRANTS
        for codename in migration.codenames(app_label)
    }
    assert {(p.content_type.app_label, p.codename) for p in group.permissions.all()} == expected
    assert ("selection", "view_decision") in expected
    assert ("selection", "change_decision") not in expected
