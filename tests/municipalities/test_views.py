import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def detail(nis_code):
    return reverse("portal:home", args=[nis_code])


def test_contact_sees_own_municipality(client, contact):
    client.force_login(contact.user)
    response = client.get(detail("44021"))
    assert response.status_code == 200
    assert response.context["municipality"].pk == "44021"
    assert contact.user.email in response.content.decode()


def test_contact_gets_404_for_other_municipality(client, contact, other_contact):
    client.force_login(contact.user)
    response = client.get(detail("23027"))
    assert response.status_code == 404
    assert other_contact.user.email not in response.content.decode()


def test_contact_gets_same_404_for_unknown_code(client, contact):
    client.force_login(contact.user)
    assert client.get(detail("23027")).status_code == client.get(detail("00000")).status_code


def test_board_member_cannot_open_municipality_pages(client, board_member):
    client.force_login(board_member.user)
    assert client.get(detail("44021")).status_code == 404


def test_staff_sees_any_municipality(client, staff_user, reference_data):
    client.force_login(staff_user)
    response = client.get(detail("23027"))
    assert response.status_code == 200
    assert "Halle" in response.content.decode()


def test_municipality_page_shows_17_goals(client, contact):
    client.force_login(contact.user)
    response = client.get(detail("44021"))
    assert len(response.context["goals"]) == 17
    assert "Geen armoede" in response.content.decode()


def test_staff_pages_forbidden_to_contact_and_board(client, contact, board_member):
    for user in (contact.user, board_member.user):
        client.force_login(user)
        assert client.get(reverse("selection:programme_overview")).status_code == 403
    client.force_login(contact.user)
    assert client.get(reverse("selection:board_home")).status_code == 403
