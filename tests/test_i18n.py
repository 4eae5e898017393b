import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def test_login_page_is_dutch_by_default(client):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="nl">' in body
    assert "Inloggen" in body
    assert "Wachtwoord vergeten?" in body


def test_browser_language_does_not_override_dutch_default(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nl">' in body


def test_language_switch_to_english_and_back(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Forgot your password?" in body
    response = client.post(
        reverse("set_language"), {"language": "nl", "next": reverse("login")}, follow=True
    )
    assert "Wachtwoord vergeten?" in response.content.decode()


def test_language_switch_keeps_logged_in_user_on_page(client, staff_user):
    client.force_login(staff_user)
    url = reverse("selection:programme_overview")
    response = client.post(reverse("set_language"), {"language": "en", "next": url}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Programme overview" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, staff_user, language, text):
    client.force_login(staff_user)
    client.cookies["django_language"] = language
    response = client.get("/municipalities/99999/")
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.parametrize(("language", "text"), [("nl", "Geen toegang"), ("en", "No access")])
def test_403_page_in_both_languages(client, contact, language, text):
    client.force_login(contact.user)
    client.cookies["django_language"] = language
    response = client.get(reverse("selection:programme_overview"))
    assert response.status_code == 403
    assert text in response.content.decode()


def test_500_page_in_both_languages(rf):
    from django.utils import translation
    from django.views.defaults import server_error

    for language, text in [("nl", "Er ging iets mis"), ("en", "Something went wrong")]:
        with translation.override(language):
            response = server_error(rf.get("/"))
        assert response.status_code == 500
        assert text in response.content.decode()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_message_is_translated(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--statistics", "--check", "-o", "/dev/null", str(po)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    assert " translated message" in result.stderr
