"""The staff page of a programme's advisory board: the list, adding a member with the mail
that sets a password, deactivating and reactivating a seat, and what they refuse."""

import re
import threading
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from selection.admin import BoardMemberInline
from selection.enums import ConflictType, OrganisationKind, ProgrammePhase, ReviewStatus, Vote
from selection.models import BoardMember, BoardOrganisation, Decision, Programme, Review
from selection.selectors.board_staff import board_rows
from selection.selectors.ranking import candidate_scores
from selection.services.board import (
    board_change_refusal,
    board_member_add,
    board_member_invite,
    board_member_set_active,
)
from selection.services.decision import decision_confirm, decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    BoardOrganisationFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE = "https://sdg.example.org"


@pytest.fixture
def manager(db):
    """Staff who may seat board members (the admin's add and change permissions)."""
    user = UserFactory(email="bureau@example.org", is_staff=True, password=None)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="selection",
            codename__in=["add_boardmember", "change_boardmember"],
        )
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def scoring(reference_data):
    return ProgrammeFactory(phase=ProgrammePhase.SCORING)


@pytest.fixture
def ngo(db):
    return BoardOrganisationFactory(name="11.11.11", kind=OrganisationKind.NGO)


def _add_url(programme):
    return reverse("selection:board_staff_add", args=[programme.pk])


def _active_url(member):
    return reverse("selection:board_staff_active", args=[member.programme_id, member.pk])


def _post_add(client, programme, **data):
    body = {"email": "an@example.org", "first_name": "An", "last_name": "Peeters"}
    body.update({"language": "nl", **data})
    return client.post(_add_url(programme), body)


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)


# --- Adding ---------------------------------------------------------------------------------


def test_add_new_person_seats_them_and_mails_a_working_password_link(
    manager_client, scoring, ngo, django_capture_on_commit_callbacks
):
    client = manager_client
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_add(manager_client, scoring, organisation=ngo.pk)
    assert response.status_code == 302
    member = BoardMember.objects.get(programme=scoring)
    assert (member.user.email, member.organisation, member.active) == ("an@example.org", ngo, True)
    assert not member.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["an@example.org"]
    assert scoring.name in message.subject
    assert message.body.startswith("Beste An,")  # Dutch by default

    # The link is Django's own password reset confirmation: it sets the password once.
    manager_client.logout()
    link = _link(message)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    set_url = page.redirect_chain[-1][0]
    new = "een lang en sterk wachtwoord 2017"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(new)
    assert client.get(link, follow=True).context["validlink"] is False


def test_add_new_person_mail_in_their_chosen_language(
    manager_client, scoring, ngo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post_add(manager_client, scoring, organisation=ngo.pk, language="en")
    assert get_user_model().objects.get(email="an@example.org").language == "en"
    [message] = mail.outbox
    assert "Choose a password for your account an@example.org" in message.body


def test_add_existing_account_gets_a_notice_without_password_link(
    manager_client, scoring, ngo, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="expert@example.org", first_name="Els")  # has a password
    existing.last_login = timezone.now()
    existing.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_add(
            manager_client, scoring, email="Expert@Example.org ", organisation=ngo.pk
        )
    assert response.status_code == 302
    member = BoardMember.objects.get(programme=scoring)
    assert member.user == existing
    existing.refresh_from_db()
    assert existing.first_name == "Els"  # an existing account keeps its name
    [message] = mail.outbox
    assert "/accounts/reset/" not in message.body
    assert reverse("selection:board_home") in message.body


def test_add_existing_account_without_password_gets_the_password_link(
    manager, manager_client, scoring, ngo, django_capture_on_commit_callbacks
):
    """Seated elsewhere by an import (no mail, no password): this seat mails the link."""
    board_member_add(
        actor=manager,
        programme=ProgrammeFactory(),
        email="geimporteerd@example.org",
        first_name="Ine",
        last_name="",
        organisation=ngo.name,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _post_add(manager_client, scoring, email="geimporteerd@example.org", organisation=ngo.pk)
    [message] = mail.outbox
    assert "/accounts/reset/" in message.body


def test_add_rolled_back_sends_no_mail(manager, scoring, ngo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        board_member_invite(
            actor=manager,
            programme=scoring,
            email="an@example.org",
            organisation=ngo,
            request_or_base_url=BASE,
        )
    assert len(callbacks) == 1  # queued for after commit, not sent inside the transaction
    assert mail.outbox == []


def test_add_with_new_organisation_and_kind_creates_it(manager_client, scoring):
    response = _post_add(
        manager_client, scoring, new_organisation="Cifal Flanders", kind=OrganisationKind.NETWORK
    )
    assert response.status_code == 302
    organisation = BoardOrganisation.objects.get(name="Cifal Flanders")
    assert organisation.kind == OrganisationKind.NETWORK
    assert BoardMember.objects.get(programme=scoring).organisation == organisation


def test_add_new_organisation_without_kind_is_refused(manager_client, scoring):
    response = _post_add(manager_client, scoring, new_organisation="Platforma")
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert not BoardOrganisation.objects.filter(name="Platforma").exists()
    assert not get_user_model().objects.filter(email="an@example.org").exists()


def test_add_typed_name_of_an_existing_organisation_reuses_it(manager_client, scoring, ngo):
    response = _post_add(manager_client, scoring, new_organisation="11.11.11")
    assert response.status_code == 302
    assert BoardOrganisation.objects.filter(name__iexact="11.11.11").count() == 1
    assert BoardMember.objects.get(programme=scoring).organisation == ngo


def test_add_without_organisation_or_with_both_is_refused(manager_client, scoring, ngo):
    neither = _post_add(manager_client, scoring)
    assert neither.context["form"].errors["organisation"]
    both = _post_add(manager_client, scoring, organisation=ngo.pk, new_organisation="X", kind="ngo")
    assert both.context["form"].errors["new_organisation"]
    assert not BoardMember.objects.exists()


@pytest.mark.parametrize("email", ["not-an-address", "an@", "a b@example.org", ""])
def test_add_with_a_malformed_address_is_refused(manager_client, scoring, ngo, email):
    response = _post_add(manager_client, scoring, email=email, organisation=ngo.pk)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not BoardMember.objects.exists()
    assert mail.outbox == []


def test_add_person_already_on_the_board_says_so_and_keeps_one_seat(
    manager_client, scoring, ngo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _post_add(manager_client, scoring, organisation=ngo.pk)
        # The same form posted again (a double click, or a second tab).
        second = _post_add(manager_client, scoring, email="AN@example.org", organisation=ngo.pk)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "an@example.org" in second.context["form"].errors["email"][0]
    assert BoardMember.objects.filter(programme=scoring).count() == 1
    assert len(mail.outbox) == 1


def test_add_person_with_an_inactive_seat_points_to_reactivating(manager_client, scoring, ngo):
    seat = BoardMemberFactory(programme=scoring, user__email="oud@example.org", active=False)
    response = _post_add(manager_client, scoring, email="oud@example.org", organisation=ngo.pk)
    assert response.status_code == 200
    assert "reactivate" in response.context["form"].errors["email"][0].lower() or (
        "heractiveer" in response.context["form"].errors["email"][0].lower()
    )
    seat.refresh_from_db()
    assert not seat.active
    assert BoardMember.objects.filter(programme=scoring).count() == 1


def test_add_municipality_contact_is_refused(manager_client, scoring, ngo, gent):
    contact = MunicipalityContactFactory(municipality=gent, user__password=None)
    response = _post_add(manager_client, scoring, email=contact.user.email, organisation=ngo.pk)
    assert response.status_code == 200
    assert gent.name in response.context["form"].errors["email"][0]
    assert not BoardMember.objects.exists()


def test_add_deactivated_account_is_refused(manager_client, scoring, ngo):
    UserFactory(email="weg@example.org", is_active=False, password=None)
    response = _post_add(manager_client, scoring, email="weg@example.org", organisation=ngo.pk)
    assert response.context["form"].errors["email"]
    assert not BoardMember.objects.exists()


def test_add_is_for_staff_with_the_permission(client, staff, scoring, ngo, board_member):
    for user in (staff, board_member.user):
        client.force_login(user)
        assert client.get(_add_url(scoring)).status_code == 403
        assert _post_add(client, scoring, organisation=ngo.pk).status_code == 403
    assert not BoardMember.objects.filter(programme=scoring).exists()
    with pytest.raises(PermissionDenied):
        board_member_invite(
            actor=staff,
            programme=scoring,
            email="an@example.org",
            organisation=ngo,
            request_or_base_url=BASE,
        )


def test_add_to_an_unknown_programme_is_404(manager_client, ngo):
    response = manager_client.post(
        reverse("selection:board_staff_add", args=[999_999]), {"email": "an@example.org"}
    )
    assert response.status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_add_same_new_person_at_once_seats_them_once(reference_data, manager, scoring, ngo):
    """Two staff add the same new person at the same moment: one seat, one account."""
    barrier = threading.Barrier(2)
    outcomes = []

    def add():
        try:
            barrier.wait()
            board_member_invite(
                actor=manager,
                programme=scoring,
                email="tegelijk@example.org",
                organisation=ngo,
                request_or_base_url=BASE,
            )
            outcomes.append("seated")
        except ValidationError as error:
            outcomes.append(error.message_dict["email"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and "seated" in outcomes
    [refusal] = [outcome for outcome in outcomes if outcome != "seated"]
    assert "tegelijk@example.org" in refusal  # "... is already a member of this board."
    assert BoardMember.objects.filter(programme=scoring).count() == 1
    assert get_user_model().objects.filter(email="tegelijk@example.org").count() == 1


def test_admin_add_stays_silent(manager, scoring):
    """The bare write the admin and the import use sends no mail."""
    board_member_add(
        actor=manager,
        programme=scoring,
        email="stil@example.org",
        first_name="",
        last_name="",
        organisation="Nieuw",
        kind=OrganisationKind.NGO,
    )
    assert mail.outbox == []


# --- The list ------------------------------------------------------------------------------


def test_list_shows_members_with_login_progress_and_conflicts(staff_client, scoring):
    gent_candidacy = CandidacyFactory(programme=scoring, municipality_id="44021")
    seen = BoardMemberFactory(programme=scoring, user__email="seen@example.org")
    seen.user.last_login = timezone.now()
    seen.user.save()
    ConflictDeclarationFactory(
        member=seen, candidacy=gent_candidacy, conflict_type=ConflictType.EMPLOYMENT
    )
    gone = BoardMemberFactory(programme=scoring, user__email="gone@example.org", active=False)
    BoardMemberFactory(user__email="elsewhere@example.org")  # another programme's board
    response = staff_client.get(reverse("selection:board_staff", args=[scoring.pk]))
    assert response.status_code == 200
    rows = {row.member.user.email: row for row in response.context["rows"]}
    assert set(rows) == {"seen@example.org", "gone@example.org"}
    assert rows["seen@example.org"].logged_in and rows["seen@example.org"].conflicts == 1
    assert rows["seen@example.org"].progress.total == 1
    assert rows["seen@example.org"].progress.done == 1
    assert rows["gone@example.org"].progress is None and not rows["gone@example.org"].logged_in
    assert [row.member for row in response.context["rows"]] == [seen, gone]  # active first
    assert b"elsewhere@example.org" not in response.content
    # Staff without the admin permissions read the list but get no buttons.
    assert reverse("selection:board_staff_add", args=[scoring.pk]).encode() not in response.content
    assert _active_url(gone).encode() not in response.content


def test_list_is_staff_only(client, board_member, contact, programme):
    url = reverse("selection:board_staff", args=[programme.pk])
    for user in (board_member.user, contact.user):
        client.force_login(user)
        assert client.get(url).status_code == 403


def _fill(programme, count):
    for i in range(count):
        member = BoardMemberFactory(programme=programme, user__password=None, active=i % 3 != 0)
        LogEntry.objects.log_actions(
            user_id=member.user_id, queryset=[member], action_flag=1, single_object=True
        )


def test_list_runs_a_constant_number_of_queries(manager_client, scoring):
    url = reverse("selection:board_staff", args=[scoring.pk])
    _fill(scoring, 3)
    manager_client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert manager_client.get(url).status_code == 200
    _fill(scoring, 30)
    with CaptureQueriesContext(connection) as large:
        response = manager_client.get(url)
    assert len(response.context["rows"]) == 33
    assert len(large.captured_queries) == len(small.captured_queries)


def test_rows_selector_is_staff_only(board_member, programme):
    with pytest.raises(PermissionDenied):
        board_rows(user=board_member.user, programme=programme)


# --- Deactivating and reactivating ----------------------------------------------------------


def test_deactivate_then_reactivate_with_history(manager_client, scoring):
    member = BoardMemberFactory(programme=scoring)
    response = manager_client.post(_active_url(member), {"active": "0", "reason": "Op pensioen"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.active
    response = manager_client.post(_active_url(member), {"active": "1"})
    member.refresh_from_db()
    assert member.active
    entries = list(
        LogEntry.objects.filter(object_id=str(member.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert len(entries) == 2 and "Op pensioen" in entries[0]
    page = manager_client.get(reverse("selection:board_staff", args=[scoring.pk]))
    assert "Op pensioen" in page.content.decode()


def test_deactivate_twice_is_refused_not_toggled(manager_client, scoring):
    """A stale page, or a double click, posts "deactivate" again: it stays inactive."""
    member = BoardMemberFactory(programme=scoring)
    manager_client.post(_active_url(member), {"active": "0"})
    response = manager_client.post(_active_url(member), {"active": "0"}, follow=True)
    member.refresh_from_db()
    assert not member.active
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert LogEntry.objects.filter(object_id=str(member.pk)).count() == 1


def test_deactivate_member_of_another_programme_is_404(manager_client, scoring):
    other = BoardMemberFactory()  # another programme's seat
    url = reverse("selection:board_staff_active", args=[scoring.pk, other.pk])
    assert manager_client.post(url, {"active": "0"}).status_code == 404
    welcome = reverse("selection:board_staff_welcome", args=[scoring.pk, other.pk])
    assert manager_client.post(welcome).status_code == 404
    other.refresh_from_db()
    assert other.active


def test_deactivate_needs_the_change_permission(client, staff, scoring):
    member = BoardMemberFactory(programme=scoring)
    client.force_login(staff)
    assert client.post(_active_url(member), {"active": "0"}).status_code == 403
    member.refresh_from_db()
    assert member.active


def test_deactivated_member_reviews_stop_counting_and_the_warning_says_so(manager, scored, staff):
    member = scored.board_members.order_by("pk").first()
    scored.phase = ProgrammePhase.SCORING
    scored.save()
    before = {r.candidacy.pk: r.score for r in candidate_scores(user=staff, programme=scored)}
    result = board_member_set_active(actor=manager, member=member, active=False)
    submitted = Review.objects.filter(member=member, status=ReviewStatus.SUBMITTED).count()
    assert str(submitted) in result.warnings[0]
    after = {r.candidacy.pk: r.score for r in candidate_scores(user=staff, programme=scored)}
    assert before != after


def test_deliberation_change_needs_a_reason_and_makes_runs_stale(manager, scored, staff):
    from selection.selectors.runs import run_freshness

    run = selection_run(programme=scored, actor=staff)
    member = scored.board_members.order_by("pk").first()
    with pytest.raises(ValidationError) as error:
        board_member_set_active(actor=manager, member=member, active=False)
    assert "reason" in error.value.message_dict
    result = board_member_set_active(actor=manager, member=member, active=False, reason="Treedt af")
    assert any("optimiser" in w or "optimalisatie" in w for w in result.warnings)
    assert run_freshness(user=staff, run=run).settings_changed


def _draft(programme, staff):
    run = selection_run(programme=programme, actor=staff)
    return decision_record(
        run=run,
        meeting_date=date(2017, 5, 2),
        quorum=2,
        votes={m.pk: (True, Vote.FOR) for m in programme.board_members.all()},
        actor=staff,
    )


def test_draft_decision_blocks_board_changes(manager, manager_client, scored, staff, ngo):
    draft = _draft(scored, staff)
    member = scored.board_members.order_by("pk").first()
    with pytest.raises(ValidationError) as error:
        board_member_set_active(actor=manager, member=member, active=False, reason="Weg")
    assert error.value.code == "draft_decision"
    response = _post_add(manager_client, scored, organisation=ngo.pk)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    member.refresh_from_db()
    assert member.active
    assert scored.board_members.count() == 3
    # Once the draft is discarded the board can change again.
    draft.delete()
    board_member_set_active(actor=manager, member=member, active=False, reason="Weg")


def test_after_confirmed_decision_the_decision_keeps_its_board(manager, scored, staff):
    draft = _draft(scored, staff)
    decision_confirm(decision=draft, actor=staff)
    member = scored.board_members.order_by("pk").first()
    votes = list(draft.votes.values_list("member_id", "present", "vote").order_by("member_id"))
    result = board_member_set_active(actor=manager, member=member, active=False, reason="Weg")
    assert result.warnings  # says the decision keeps what it recorded
    draft.refresh_from_db()
    assert list(draft.votes.values_list("member_id", "present", "vote").order_by("member_id")) == (
        votes
    )
    assert Decision.objects.get(pk=draft.pk).status == "confirmed"


def test_welcome_again_only_for_members_who_never_logged_in(
    manager_client, scoring, django_capture_on_commit_callbacks
):
    fresh = BoardMemberFactory(programme=scoring, user__password=None)
    seen = BoardMemberFactory(programme=scoring)
    seen.user.last_login = timezone.now()
    seen.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("selection:board_staff_welcome", args=[scoring.pk, fresh.pk]))
        manager_client.post(reverse("selection:board_staff_welcome", args=[scoring.pk, seen.pk]))
    assert [m.to for m in mail.outbox] == [[fresh.user.email]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_admin_does_not_switch_a_seat_on_or_off(client, scoring):
    """(De)activating is the board page's service (draft decisions, reasons): the admin's
    seat page and the programme's inline show the flag read-only."""
    member = BoardMemberFactory(programme=scoring, active=True)
    client.force_login(UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True))
    url = reverse("admin:selection_boardmember_change", args=[member.pk])
    response = client.post(
        url,
        {
            "programme": scoring.pk,
            "user": member.user_id,
            "organisation": member.organisation_id,
            "active": "",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.active is True
    changelist = client.get(reverse("admin:selection_boardmember_changelist"))
    assert 'name="form-0-active"' not in changelist.content.decode()


def test_a_draft_decision_blocks_new_seats_in_the_admin_and_the_import_write(
    client, manager, scored, staff, ngo
):
    """The board page's rule holds wherever a seat is made: the bare write (the import's),
    the admin's seat form and the programme's inline."""
    draft = _draft(scored, staff)
    newcomer = UserFactory(email="nieuw@example.org")
    with pytest.raises(ValidationError) as error:
        board_member_add(
            actor=manager,
            programme=scored,
            email=newcomer.email,
            first_name="",
            last_name="",
            organisation=ngo.name,
        )
    assert error.value.code == "draft_decision"
    client.force_login(UserFactory(email="beheer@example.org", is_staff=True, is_superuser=True))
    seat = {"programme": scored.pk, "user": newcomer.pk, "organisation": ngo.pk, "active": "on"}
    response = client.post(reverse("admin:selection_boardmember_add"), seat)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [board_change_refusal(scored)]
    inline_admin = BoardMemberInline(Programme, admin.site)
    request = RequestFactory().post("/")
    request.user = manager
    formset_class = inline_admin.get_formset(request, scored)
    members = list(scored.board_members.order_by("pk"))
    data = {
        "board_members-TOTAL_FORMS": str(len(members) + 1),
        "board_members-INITIAL_FORMS": str(len(members)),
        f"board_members-{len(members)}-user": newcomer.pk,
        f"board_members-{len(members)}-organisation": ngo.pk,
    }
    for index, member in enumerate(members):
        data |= {
            f"board_members-{index}-id": member.pk,
            f"board_members-{index}-programme": scored.pk,
            f"board_members-{index}-user": member.user_id,
            f"board_members-{index}-organisation": member.organisation_id,
        }
    formset = formset_class(data, instance=scored, prefix="board_members")
    assert not formset.is_valid()
    assert list(formset.non_form_errors()) == [board_change_refusal(scored)]
    # The same inline without a new row is fine.
    data["board_members-TOTAL_FORMS"] = str(len(members))
    assert formset_class(data, instance=scored, prefix="board_members").is_valid()
    # Without the draft, the same seat is made.
    draft.delete()
    assert client.post(reverse("admin:selection_boardmember_add"), seat).status_code == 302
    assert BoardMember.objects.filter(programme=scored, user=newcomer, active=True).exists()
