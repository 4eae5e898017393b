import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password}, follow=True)


def test_login_staff_lands_on_dashboard(client, staff_user, password):
    response = login(client, "staff@example.org", password)
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")
    assert response.status_code == 200


def test_login_is_case_insensitive_on_email(client, staff_user, password):
    response = login(client, "Staff@Example.org", password)
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")


def test_login_board_member_lands_on_candidates_to_score(client, board_member, password):
    response = login(client, board_member.user.email, password)
    assert response.redirect_chain[-1][0] == reverse("selection:board_home")
    assert board_member.programme.name in response.content.decode()


def test_login_contact_lands_on_own_municipality(client, contact, password):
    response = login(client, contact.user.email, password)
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=["44021"])
    assert '<h1 class="h2">Gent</h1>' in response.content.decode()


def test_login_user_without_role_sees_explanation(client, db, password):
    from tests.factories import UserFactory

    user = UserFactory(password=password)
    response = login(client, user.email, password)
    assert response.status_code == 200
    assert response.templates[0].name == "core/no_role.html"


def test_login_wrong_password_shows_error_in_dutch(client, staff_user):
    response = login(client, "staff@example.org", "wrong")
    assert response.status_code == 200
    assert "Dit e-mailadres en wachtwoord horen bij geen enkel account." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures_blocks_even_the_right_password(client, staff_user, password):
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff@example.org", "password": "nope"})
    response = client.post(
        reverse("login"), {"username": "staff@example.org", "password": password}
    )
    assert response.status_code == 429
    body = response.content.decode()
    assert "Account tijdelijk geblokkeerd" in body
    assert AccessAttempt.objects.filter(username="staff@example.org").exists()
    assert "_auth_user_id" not in client.session


def test_lockout_message_in_english(client, staff_user, password):
    client.cookies["django_language"] = "en"
    for _ in range(6):
        response = client.post(
            reverse("login"), {"username": "staff@example.org", "password": "nope"}
        )
    assert response.status_code == 429
    assert "Account temporarily locked" in response.content.decode()


def test_lockout_of_one_account_leaves_others_alone(client, staff_user, contact, password):
    for _ in range(6):
        client.post(reverse("login"), {"username": "staff@example.org", "password": "nope"})
    response = login(client, contact.user.email, password)
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=["44021"])


def test_logout_requires_post_and_ends_session(client, staff_user, password):
    login(client, "staff@example.org", password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("start")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_working_link(client, staff_user):
    response = client.post(reverse("password_reset"), {"email": "staff@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff@example.org"]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/") :]
    response = client.get(path, follow=True)
    assert response.context["validlink"] is True
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url,
        {
            "new_password1": "Een nieuw wachtwoord 2017",
            "new_password2": "Een nieuw wachtwoord 2017",
        },
    )
    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Een nieuw wachtwoord 2017")


def test_password_reset_for_unknown_address_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
