"""The staff page of contact persons: the list, inviting, resending and revoking."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from municipalities.models import ContactInvitation, Municipality, MunicipalityContact
from municipalities.services.invitations import invitation_create, invitation_open
from portal.selectors_contacts import PAGE_SIZE, InvitationState
from selection.enums import Outcome
from tests.factories import (
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("portal:contacts")
INVITE = reverse("portal:contact_invite")
NEW_PASSWORD = "Een nieuw wachtwoord 2017"


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def resend_url(pk):
    return reverse("portal:contact_invitation_resend", args=[pk])


def revoke_url(pk):
    return reverse("portal:contact_invitation_revoke", args=[pk])


def invite_data(**overrides):
    data = {
        "municipality": "44021",
        "email": "jan.peeters@gent.be",
        "first_name": "Jan",
        "last_name": "Peeters",
    }
    data.update(overrides)
    return data


def link_in(message) -> str:
    [path] = re.findall(r"http://testserver(\S*/invitation/[^/\s]+/)", message.body)
    return path


def rows_by_nis(response) -> dict:
    return {row.municipality.pk: row for row in response.context["directory"].rows}


# --- Who may open the pages --------------------------------------------------------------


@pytest.mark.parametrize("role", ["contact", "board_member", "other_contact"])
def test_contact_pages_refuse_anyone_but_staff(client, request, gent, staff_user, role):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    invitation, _token = invitation_create(municipality=gent, email="x@gent.be", actor=staff_user)
    client.force_login(user)
    assert client.get(LIST).status_code == 403
    assert client.get(INVITE).status_code == 403
    assert client.post(INVITE, invite_data()).status_code == 403
    assert client.post(resend_url(invitation.pk)).status_code == 403
    assert client.post(revoke_url(invitation.pk)).status_code == 403
    assert ContactInvitation.objects.get() == invitation
    assert invitation_open(token=_token) is not None
    assert mail.outbox == []


def test_contact_pages_send_anonymous_visitors_to_the_login(client, reference_data):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("view", [resend_url, revoke_url])
@pytest.mark.parametrize("pk", [999_999, 2**63 - 1, 10**25])
def test_unknown_invitation_answers_404(staff_client, reference_data, view, pk):
    assert staff_client.post(view(pk)).status_code == 404
    assert mail.outbox == []


@pytest.mark.parametrize("view", [resend_url, revoke_url])
def test_actions_refuse_a_get(staff_client, gent, staff_user, view):
    invitation, _token = invitation_create(municipality=gent, email="x@gent.be", actor=staff_user)
    assert staff_client.get(view(invitation.pk)).status_code == 405


# --- The list -----------------------------------------------------------------------------


def test_list_shows_contacts_with_last_login_and_active(staff_client, gent):
    seen = MunicipalityContactFactory(
        municipality=gent, user__first_name="An", user__last_name="Aerts"
    )
    seen.user.last_login = timezone.now() - timedelta(days=3)
    seen.user.save()
    MunicipalityContactFactory(
        municipality=gent,
        user__first_name="Bart",
        user__last_name="Boon",
        user__email="bart@gent.be",
        user__is_active=False,
    )
    response = staff_client.get(LIST, {"q": "Gent"})
    row = rows_by_nis(response)["44021"]
    assert [contact.user.get_full_name() for contact in row.contacts] == ["An Aerts", "Bart Boon"]
    html = response.content.decode()
    block = html[html.index('id="municipality-44021"') :]
    block = block[: block.index("</tr>")]
    assert "An Aerts" in block and seen.user.email in block
    assert "Last login" in block
    assert "Never logged in" in block
    assert "deactivated" in block


def test_list_shows_the_newest_invitation_of_each_address_with_its_state(
    staff_client, gent, staff_user
):
    older, _ = invitation_create(municipality=gent, email="open@gent.be", actor=staff_user)
    newest, _ = invitation_create(municipality=gent, email="open@gent.be", actor=staff_user)
    expired, _ = invitation_create(municipality=gent, email="late@gent.be", actor=staff_user)
    ContactInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    accepted, _ = invitation_create(municipality=gent, email="done@gent.be", actor=staff_user)
    ContactInvitation.objects.filter(pk=accepted.pk).update(accepted_at=timezone.now())

    response = staff_client.get(LIST, {"q": "44021"})
    row = rows_by_nis(response)["44021"]
    states = {item.invitation.pk: item.state for item in row.invitations}
    assert states == {
        newest.pk: InvitationState.OPEN,
        expired.pk: InvitationState.EXPIRED,
        accepted.pk: InvitationState.ACCEPTED,
    }
    html = response.content.decode()
    # Open: resend and revoke; expired: resend only; accepted: neither.
    assert resend_url(newest.pk) in html and revoke_url(newest.pk) in html
    assert resend_url(expired.pk) in html and revoke_url(expired.pk) not in html
    assert resend_url(accepted.pk) not in html
    assert f"invitation-{older.pk}" not in html


def test_list_keeps_other_municipalities_invitations_apart(staff_client, gent, staff_user):
    halle = Municipality.objects.get(pk="23027")
    invitation_create(municipality=halle, email="secret@halle.be", actor=staff_user)
    MunicipalityContactFactory(municipality=halle, user__email="contact@halle.be")
    gent_row = rows_by_nis(staff_client.get(LIST, {"q": "44021"}))["44021"]
    assert gent_row.contacts == [] and gent_row.invitations == []
    halle_row = rows_by_nis(staff_client.get(LIST, {"q": "23027"}))["23027"]
    assert [i.invitation.email for i in halle_row.invitations] == ["secret@halle.be"]
    assert [c.user.email for c in halle_row.contacts] == ["contact@halle.be"]


def test_list_searches_by_name_and_nis_code(staff_client, reference_data):
    assert set(rows_by_nis(staff_client.get(LIST, {"q": "halle"}))) == set(
        Municipality.objects.filter(name__icontains="halle").values_list("pk", flat=True)
    )
    assert set(rows_by_nis(staff_client.get(LIST, {"q": " 44021 "}))) == {"44021"}
    assert rows_by_nis(staff_client.get(LIST, {"q": "Atlantis"})) == {}


def test_list_filters_by_programme_group(staff_client, reference_data):
    old = ProgrammeFactory(name="Oud", starts_on=timezone.localdate().replace(year=2010))
    programme = ProgrammeFactory(name="Nieuw")
    CandidacyFactory(programme=programme, municipality_id="44021", outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id="23027", outcome=Outcome.OUTREACH)
    CandidacyFactory(programme=programme, municipality_id="11002", outcome=Outcome.PENDING)
    CandidacyFactory(programme=programme, municipality_id="71016", outcome=Outcome.WITHDRAWN)
    CandidacyFactory(programme=old, municipality_id="31005", outcome=Outcome.PILOT)

    def nis(**query):
        return set(rows_by_nis(staff_client.get(LIST, query)))

    assert nis(group="pilot") == {"44021"}
    assert nis(group="outreach") == {"23027"}
    assert nis(group="candidates") == {"44021", "23027", "11002"}
    assert nis(group="pilot", programme=str(old.pk)) == {"31005"}
    # An unknown programme or group falls back to the defaults: the latest, all.
    assert nis(group="pilot", programme="999999") == {"44021"}
    assert len(nis(group="nonsense")) == PAGE_SIZE
    assert rows_by_nis(staff_client.get(LIST, {"group": "pilot"}))["44021"].group == "pilot"


def test_list_pages_through_all_municipalities(staff_client, reference_data):
    total = Municipality.objects.count()
    first = staff_client.get(LIST)
    assert first.context["page"].paginator.count == total
    assert len(first.context["directory"].rows) == PAGE_SIZE
    last_number = first.context["page"].paginator.num_pages
    last = staff_client.get(LIST, {"page": str(last_number)})
    names = [row.municipality.name for row in last.context["directory"].rows]
    assert names == sorted(names) and len(names) == total - PAGE_SIZE * (last_number - 1)
    # A page past the end shows the last; nonsense shows the first.
    assert staff_client.get(LIST, {"page": "9999"}).context["page"].number == last_number
    assert staff_client.get(LIST, {"page": "abc"}).context["page"].number == 1
    assert staff_client.get(LIST, {"page": "9" * 30}).context["page"].number == last_number


def _populate(count, staff_user):
    for index, municipality in enumerate(Municipality.objects.order_by("name", "pk")[:PAGE_SIZE]):
        for n in range(count):
            MunicipalityContactFactory(
                municipality=municipality, user__email=f"c{index}-{n}@example.org"
            )
            invitation_create(
                municipality=municipality, email=f"i{index}-{n}@example.org", actor=staff_user
            )


@pytest.mark.parametrize("count", [0, 1, 3])
def test_list_queries_constant(
    staff_client, staff_user, reference_data, django_assert_num_queries, count
):
    ProgrammeFactory()
    _populate(count, staff_user)
    # Session, user; the latest programme and its groups; the count, the page, the contacts
    # with their users, the invitations; the navigation's two role checks; the programmes
    # of the filter.
    with django_assert_num_queries(11):
        response = staff_client.get(LIST)
    rows = response.context["directory"].rows
    assert {len(row.contacts) for row in rows} == {count}
    assert {len(row.invitations) for row in rows} == {count}


def test_dashboard_links_the_page(staff_client, reference_data):
    assert f'href="{LIST}"' in staff_client.get(reverse("portal:dashboard")).content.decode()


# --- Inviting -----------------------------------------------------------------------------


def test_invite_form_preselects_the_municipality(staff_client, reference_data):
    response = staff_client.get(INVITE, {"municipality": "23027"})
    assert response.context["form"].initial == {"municipality": "23027"}
    assert staff_client.get(INVITE, {"municipality": "<x>"}).context["form"].initial == {}


def test_invite_mails_a_link_that_makes_a_contact_who_can_log_in(
    staff_client, staff_user, gent, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(INVITE, invite_data(email=" Jan.Peeters@Gent.BE "))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{LIST}?q=44021"
    invitation = ContactInvitation.objects.get()
    assert (invitation.municipality, invitation.email, invitation.created_by) == (
        gent,
        "jan.peeters@gent.be",
        staff_user,
    )
    [message] = mail.outbox
    assert message.to == ["jan.peeters@gent.be"]
    assert "Gent" in message.subject

    staff_client.logout()
    accept = client.post(
        link_in(message),
        {
            "first_name": "Jan",
            "last_name": "Peeters",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert accept.status_code == 302
    assert accept.headers["Location"] == reverse("portal:home", args=["44021"])
    user = get_user_model().objects.get(email="jan.peeters@gent.be")
    assert user.municipality_contact.municipality == gent
    client.logout()
    login = client.post(
        reverse("login"), {"username": "jan.peeters@gent.be", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert client.get(reverse("portal:home", args=["44021"])).status_code == 200
    # The list now shows the contact and the accepted invitation.
    staff_client.force_login(staff_user)
    row = rows_by_nis(staff_client.get(LIST, {"q": "44021"}))["44021"]
    assert [contact.user for contact in row.contacts] == [user]
    assert [item.state for item in row.invitations] == [InvitationState.ACCEPTED]


def test_invite_twice_only_the_newest_link_works(
    staff_client, gent, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(INVITE, invite_data()).status_code == 302
        assert staff_client.post(INVITE, invite_data()).status_code == 302
    first, second = mail.outbox
    assert ContactInvitation.objects.count() == 2
    assert "no longer works" not in client.get(link_in(second)).content.decode()
    assert client.get(link_in(first)).context.get("form") is None
    assert client.get(link_in(second)).context["form"] is not None
    row = rows_by_nis(staff_client.get(LIST, {"q": "44021"}))["44021"]
    assert [item.state for item in row.invitations] == [InvitationState.OPEN]


def test_invite_an_address_that_is_a_contact_elsewhere_keeps_the_input(
    staff_client, other_contact, gent
):
    email = other_contact.user.email
    response = staff_client.post(INVITE, invite_data(email=email.upper(), first_name="Jo"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "already the contact of Halle" in form.errors["email"][0]
    assert form["email"].value() == email.upper()
    assert form["first_name"].value() == "Jo"
    assert form["municipality"].value() == "44021"
    assert not ContactInvitation.objects.exists()
    assert mail.outbox == []


def test_invite_a_contact_of_the_same_municipality_is_refused(staff_client, contact):
    response = staff_client.post(INVITE, invite_data(email=contact.user.email))
    assert "already a contact of Gent" in response.context["form"].errors["email"][0]
    assert not ContactInvitation.objects.exists()


def test_invite_a_deactivated_account_is_refused(staff_client, reference_data):
    UserFactory(email="weg@gent.be", is_active=False)
    response = staff_client.post(INVITE, invite_data(email="weg@gent.be"))
    assert "deactivated" in response.context["form"].errors["email"][0]
    assert not ContactInvitation.objects.exists()


def test_invite_a_board_member_keeps_their_seat(staff_client, board_member):
    response = staff_client.post(INVITE, invite_data(email=board_member.user.email))
    assert response.status_code == 302
    assert ContactInvitation.objects.get().email == board_member.user.email


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"municipality": "99999"}, "municipality"),
        ({"municipality": ""}, "municipality"),
        ({"email": "not an address"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"last_name": "a\x00b"}, "last_name"),
    ],
)
def test_invite_with_bad_values_is_a_form_error(staff_client, reference_data, overrides, field):
    response = staff_client.post(INVITE, invite_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ContactInvitation.objects.exists()


# --- Resending and revoking ---------------------------------------------------------------


def test_resend_mails_a_new_link_and_the_old_one_stops(
    staff_client, gent, staff_user, django_capture_on_commit_callbacks
):
    old, old_token = invitation_create(
        municipality=gent, email="jan@gent.be", first_name="Jan", actor=staff_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(resend_url(old.pk), {"next": f"{LIST}?q=gent&page=1"})
    assert response.headers["Location"] == f"{LIST}?q=gent&page=1"
    [message] = mail.outbox
    new = ContactInvitation.objects.exclude(pk=old.pk).get()
    assert (new.email, new.first_name, new.municipality) == ("jan@gent.be", "Jan", gent)
    assert invitation_open(token=old_token) is None
    token = link_in(message).rstrip("/").rsplit("/", 1)[1]
    assert invitation_open(token=token) == new


def test_resend_an_accepted_invitation_is_refused(staff_client, gent, staff_user):
    invitation, _token = invitation_create(municipality=gent, email="jan@gent.be", actor=staff_user)
    ContactInvitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    response = staff_client.post(resend_url(invitation.pk), follow=True)
    assert "already been accepted" in response.content.decode()
    assert ContactInvitation.objects.count() == 1
    assert mail.outbox == []


def test_resend_to_an_address_that_became_a_contact_is_refused(
    staff_client, gent, staff_user, other_contact
):
    invitation, _token = invitation_create(
        municipality=gent, email="later@halle.be", actor=staff_user
    )
    other_contact.user.email = "later@halle.be"
    other_contact.user.save()
    response = staff_client.post(resend_url(invitation.pk), follow=True)
    assert "already the contact of Halle" in response.content.decode()
    assert ContactInvitation.objects.count() == 1


def test_revoke_stops_the_link_and_a_second_revoke_changes_nothing(
    staff_client, gent, staff_user, client
):
    invitation, token = invitation_create(municipality=gent, email="jan@gent.be", actor=staff_user)
    first = staff_client.post(revoke_url(invitation.pk), follow=True)
    assert "was revoked" in first.content.decode()
    assert invitation_open(token=token) is None
    invitation.refresh_from_db()
    revoked_at = invitation.expires_at
    second = staff_client.post(revoke_url(invitation.pk), follow=True)
    assert "no longer open" in second.content.decode()
    invitation.refresh_from_db()
    assert invitation.expires_at == revoked_at
    assert client.get(reverse("portal:invitation_accept", args=[token])).context.get("form") is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/admin/",
        "/\\evil.example",
        "",
        "/staff/contacts/\r\nSet-Cookie: x=1",
        "/staff/contacts/\x00",
    ],
)
def test_actions_go_back_only_to_the_list(staff_client, gent, staff_user, target):
    invitation, _token = invitation_create(municipality=gent, email="jan@gent.be", actor=staff_user)
    response = staff_client.post(revoke_url(invitation.pk), {"next": target})
    assert response.headers["Location"] == LIST


def test_contact_of_an_invited_municipality_sees_no_invitation(client, contact, staff_user):
    invitation_create(municipality=contact.municipality, email="new@gent.be", actor=staff_user)
    client.force_login(contact.user)
    home = client.get(reverse("portal:home", args=["44021"])).content.decode()
    assert "new@gent.be" not in home
    assert MunicipalityContact.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"q": "x" * 5_000},
        {"q": "' OR 1=1 --"},
        {"q": "%"},
        {"programme": "9" * 30, "group": "pilot"},
        {"programme": "-1", "group": ["pilot", "outreach"]},
        {"page": "-1"},
        {"page": "1e309"},
    ],
)
def test_list_with_junk_filters_falls_back_to_the_defaults(staff_client, reference_data, query):
    response = staff_client.get(LIST, query)
    assert response.status_code == 200
    assert response.context["page"].number >= 1
