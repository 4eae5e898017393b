"""Invitations to become a municipality's contact: the service and the link's page."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from municipalities.models import ContactInvitation, MunicipalityContact
from municipalities.services.invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_create,
    invitation_open,
    invitation_send,
)
from tests.factories import BoardMemberFactory, MunicipalityContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(english):
    """Messages are asserted in English (tests/conftest.py)."""


NEW_PASSWORD = "Een nieuw wachtwoord 2017"


@pytest.fixture
def invited(gent, staff_user):
    return invitation_create(
        municipality=gent,
        email="  Jan.Peeters@Gent.BE ",
        first_name="Jan",
        last_name="Peeters",
        actor=staff_user,
    )


def accept(token, password=NEW_PASSWORD, first_name="Jan", last_name="Peeters"):
    return invitation_accept(
        token=token, password=password, first_name=first_name, last_name=last_name
    )


def page_data(**overrides):
    data = {
        "first_name": "Jan",
        "last_name": "Peeters",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


# --- Creating and sending ---------------------------------------------------------------------


def test_invitation_create_stores_only_the_tokens_hash(invited, gent, staff_user):
    invitation, token = invited
    assert len(token) >= 43
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = ContactInvitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    assert invitation.email == "jan.peeters@gent.be"
    assert invitation.municipality == gent
    assert invitation.created_by == staff_user
    expected = timezone.now() + timedelta(days=7)
    assert abs(invitation.expires_at - expected) < timedelta(minutes=1)
    assert invitation.accepted_at is None


def test_invitation_send_mails_the_link_only_after_commit(
    invited, django_capture_on_commit_callbacks, settings
):
    invitation, token = invited
    settings.ALLOWED_HOSTS = ["sdg.example.org"]
    request = RequestFactory().get("/", HTTP_HOST="sdg.example.org")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation_send(invitation=invitation, token=token, request_or_base_url=request)
        assert mail.outbox == []
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert message.to == ["jan.peeters@gent.be"]
    assert "Gent" in message.subject
    assert "\n" not in message.subject
    link = "http://sdg.example.org" + reverse("portal:invitation_accept", args=[token])
    assert link in message.body
    assert "Jan" in message.body


def test_invitation_send_with_a_base_url(invited, django_capture_on_commit_callbacks):
    invitation, token = invited
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(
            invitation=invitation, token=token, request_or_base_url="https://sdg.vvsg.be/"
        )
    assert f"https://sdg.vvsg.be/invitation/{token}/" in mail.outbox[0].body


def test_invitation_create_by_a_non_staff_user_is_refused(gent, contact):
    with pytest.raises(PermissionDenied):
        invitation_create(municipality=gent, email="x@example.org", actor=contact.user)
    assert not ContactInvitation.objects.exists()


def test_a_contact_of_another_municipality_cannot_be_invited(gent, staff_user, other_contact):
    with pytest.raises(ValidationError) as error:
        invitation_create(
            municipality=gent, email=other_contact.user.email.upper(), actor=staff_user
        )
    assert "Halle" in " ".join(error.value.message_dict["email"])
    assert not ContactInvitation.objects.exists()


def test_a_contact_of_the_same_municipality_is_already_a_contact(gent, staff_user, contact):
    with pytest.raises(ValidationError) as error:
        invitation_create(municipality=gent, email=contact.user.email, actor=staff_user)
    assert "already a contact of Gent" in " ".join(error.value.message_dict["email"])


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.org"])
def test_invitation_create_refuses_a_bad_address(gent, staff_user, email):
    with pytest.raises(ValidationError) as error:
        invitation_create(municipality=gent, email=email, actor=staff_user)
    assert "email" in error.value.message_dict
    assert not ContactInvitation.objects.exists()


def test_a_new_invitation_revokes_the_open_one(invited, gent, staff_user):
    first, first_token = invited
    second, second_token = invitation_create(
        municipality=gent, email="jan.peeters@gent.be", actor=staff_user
    )
    first.refresh_from_db()
    assert first.expires_at <= timezone.now()
    assert invitation_open(token=first_token) is None
    assert invitation_open(token=second_token) == second
    with pytest.raises(InvitationInvalid) as error:
        accept(first_token)
    assert error.value.code == "expired"


# --- Accepting ----------------------------------------------------------------------------------


def test_invitation_accept_makes_a_contact_with_the_password(invited, gent):
    invitation, token = invited
    user = accept(token, first_name="Johan", last_name="Peeters-Claes")
    assert user.email == "jan.peeters@gent.be"
    assert user.check_password(NEW_PASSWORD)
    assert (user.first_name, user.last_name) == ("Johan", "Peeters-Claes")
    assert MunicipalityContact.objects.get(user=user).municipality == gent
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user == user


def test_invitation_accept_works_once(invited):
    _invitation, token = invited
    accept(token)
    with pytest.raises(InvitationInvalid) as error:
        accept(token, password="Een ander wachtwoord 2018")
    assert error.value.code == "used"
    user = get_user_model().objects.get(email="jan.peeters@gent.be")
    assert user.check_password(NEW_PASSWORD)
    assert MunicipalityContact.objects.filter(user=user).count() == 1


def test_invitation_accept_after_seven_days_is_refused(invited):
    invitation, token = invited
    ContactInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(InvitationInvalid) as error:
        accept(token)
    assert error.value.code == "expired"
    assert not get_user_model().objects.filter(email="jan.peeters@gent.be").exists()


@pytest.mark.parametrize("token", ["not-a-token", "", "x" * 5000])
def test_invitation_accept_with_an_unknown_token_is_refused(invited, token):
    with pytest.raises(InvitationInvalid) as error:
        accept(token)
    assert error.value.code == "unknown"
    assert not MunicipalityContact.objects.exists()


def test_invitation_accept_refuses_a_weak_password_and_writes_nothing(invited):
    invitation, token = invited
    with pytest.raises(ValidationError) as error:
        accept(token, password="12345678")
    assert "password" in error.value.message_dict
    assert not get_user_model().objects.filter(email="jan.peeters@gent.be").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accept_by_an_existing_board_member_keeps_the_account(gent, staff_user):
    member = BoardMemberFactory(user__email="an@example.org", user__password=None)
    _invitation, token = invitation_create(
        municipality=gent, email="AN@example.org", actor=staff_user
    )
    user = accept(token)
    assert user.pk == member.user.pk
    assert user.check_password(NEW_PASSWORD)
    assert user.municipality_contact.municipality == gent


def test_invitation_accept_refused_when_the_address_became_a_contact_elsewhere(
    invited, other_contact
):
    invitation, token = invited
    user = UserFactory(email="jan.peeters@gent.be", password=None)
    MunicipalityContactFactory(user=user, municipality=other_contact.municipality)
    with pytest.raises(InvitationInvalid) as error:
        accept(token)
    assert error.value.code == "unavailable"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- The link's page -------------------------------------------------------------------------


def test_invitation_page_shows_the_municipality_and_the_address(client, invited):
    _invitation, token = invited
    response = client.get(reverse("portal:invitation_accept", args=[token]))
    assert response.status_code == 200
    assert response.templates[0].name == "portal/invitation_accept.html"
    content = response.content.decode()
    assert "Gent" in content
    assert "jan.peeters@gent.be" in content
    assert response.context["form"].initial["first_name"] == "Jan"


def test_invitation_page_sets_the_password_and_logs_in(client, invited, gent):
    _invitation, token = invited
    response = client.post(reverse("portal:invitation_accept", args=[token]), page_data())
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("portal:home", args=[gent.pk])
    user = get_user_model().objects.get(email="jan.peeters@gent.be")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert user.municipality_contact.municipality == gent
    # The link is spent: the same page now says so.
    again = client.get(reverse("portal:invitation_accept", args=[token]))
    assert again.templates[0].name == "portal/invitation_invalid.html"


def test_invitation_page_as_another_logged_in_user_logs_in_the_invitee(
    client, invited, other_contact
):
    _invitation, token = invited
    client.force_login(other_contact.user)
    client.post(reverse("portal:invitation_accept", args=[token]), page_data())
    user = get_user_model().objects.get(email="jan.peeters@gent.be")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "data",
    [
        {},
        page_data(password2="Een ander wachtwoord"),
        page_data(password1="12345678", password2="12345678"),
        page_data(first_name=""),
        page_data(first_name="x" * 151),
        page_data(password1="a\x00b", password2="a\x00b"),
    ],
    ids=["empty", "mismatch", "weak", "no-name", "long-name", "nul"],
)
def test_invitation_page_with_a_bad_form_writes_nothing(client, invited, data):
    invitation, token = invited
    response = client.post(reverse("portal:invitation_accept", args=[token]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user_model().objects.filter(email="jan.peeters@gent.be").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert "_auth_user_id" not in client.session


def test_invitation_page_email_cannot_be_changed_by_the_post(client, invited):
    _invitation, token = invited
    client.post(
        reverse("portal:invitation_accept", args=[token]),
        page_data(email="attacker@example.org"),
    )
    assert not get_user_model().objects.filter(email="attacker@example.org").exists()
    assert get_user_model().objects.filter(email="jan.peeters@gent.be").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_invitation_page_for_an_unknown_token_says_the_link_no_longer_works(
    client, invited, method
):
    response = getattr(client, method)(reverse("portal:invitation_accept", args=["not-a-token"]))
    assert response.status_code == 200
    assert response.templates[0].name == "portal/invitation_invalid.html"
    assert "VVSG" in response.content.decode()
    assert not get_user_model().objects.filter(email="jan.peeters@gent.be").exists()


def test_invitation_page_for_an_expired_token_says_the_link_no_longer_works(client, invited):
    invitation, token = invited
    ContactInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=8)
    )
    url = reverse("portal:invitation_accept", args=[token])
    assert client.get(url).templates[0].name == "portal/invitation_invalid.html"
    response = client.post(url, page_data())
    assert response.templates[0].name == "portal/invitation_invalid.html"
    assert not get_user_model().objects.filter(email="jan.peeters@gent.be").exists()
