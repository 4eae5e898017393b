"""The login lockout counts one account however its address is written."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

from accounts.security import client_ip_address, normalised_username

pytestmark = pytest.mark.django_db

SPELLINGS = [
    "STAFF@EXAMPLE.ORG",
    "Staff@Example.Org",
    "  staff@example.org  ",
    "sTaFf@example.ORG ",
]


def post_login(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_lockout_in_lower_case_refuses_the_right_password_in_any_case(
    client, staff_user, password, spelling
):
    for _ in range(5):
        post_login(client, "staff@example.org", "nope")
    response = post_login(client, spelling, password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_lockout_in_any_case_refuses_the_right_password_in_lower_case(
    client, staff_user, password, spelling
):
    for _ in range(5):
        post_login(client, spelling, "nope")
    response = post_login(client, "staff@example.org", password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_in_mixed_spellings_add_up_to_one_lockout(client, staff_user, password):
    for spelling in ["staff@example.org", *SPELLINGS]:
        post_login(client, spelling, "nope")
    response = post_login(client, "Staff@example.org", password)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"staff@example.org"}


def test_admin_login_shares_the_lockout(client, staff_user, password):
    for _ in range(5):
        post_login(client, "staff@example.org", "nope")
    response = client.post(
        reverse("admin:login"), {"username": "STAFF@example.org", "password": password}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_normalised_username_reads_credentials_or_post(rf):
    request = rf.post("/", {"username": " Board09@Example.ORG "})
    assert normalised_username(request, None) == "board09@example.org"
    assert normalised_username(request, {"username": "X@Y.be "}) == "x@y.be"
    assert normalised_username(rf.post("/", {}), None) is None


def test_an_overlong_username_is_counted_and_locked_without_a_database_error(client):
    """Axes stores the attempted name in 255 characters; PostgreSQL refuses anything longer."""
    name = "x" * 5000 + "@example.org"
    for _ in range(5):
        response = client.post(reverse("admin:login"), {"username": name, "password": "nope"})
    assert response.status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.username == name[:255]
    assert attempt.failures_since_start == 5


def test_client_ip_without_proxy_is_the_peer_address(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_ip_address(request) == "10.0.0.5"


def test_client_ip_behind_one_proxy_ignores_what_the_client_wrote(rf):
    # The client forged the first entry; the proxy appended the address it saw.
    request = rf.get("/", REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip_address(request) == "203.0.113.7"
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip_address(request) == "6.6.6.6"


def test_client_ip_behind_a_proxy_without_header_is_the_peer_address(rf):
    request = rf.get("/", REMOTE_ADDR="172.18.0.2")
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip_address(request) == "172.18.0.2"


def test_lockout_behind_proxy_is_per_client_address(client, staff_user, password):
    with override_settings(TRUSTED_PROXY_COUNT=1):
        for _ in range(5):
            client.post(
                reverse("login"),
                {"username": "staff@example.org", "password": "nope"},
                REMOTE_ADDR="172.18.0.2",
                HTTP_X_FORWARDED_FOR="203.0.113.7",
            )
        locked = client.post(
            reverse("login"),
            {"username": "staff@example.org", "password": password},
            REMOTE_ADDR="172.18.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        other = client.post(
            reverse("login"),
            {"username": "staff@example.org", "password": password},
            REMOTE_ADDR="172.18.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
    assert locked.status_code == 429
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
