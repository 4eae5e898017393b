"""Every URL pattern outside a short allow-list sends an anonymous visitor to a login page."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Open to anonymous visitors on purpose.
ALLOWED = {
    "accounts/login/",
    "accounts/logout/",
    "accounts/password_reset/",
    "accounts/password_reset/done/",
    "accounts/reset/<uidb64>/<token>/",
    "accounts/reset/done/",
    "healthz",
    "i18n/setlang/",
    "admin/login/",
    "admin/logout/",
    # A contact's invitation link: the token is the key (municipalities.services.invitations).
    "invitation/<str:token>/",
    # Links in meeting mails and the calendar feed: a signed or secret token is the key, a
    # wrong one answers 404 (meetings.views_people).
    "meetings/answer/<str:token>/",
    "meetings/reminders/<str:token>/one-click/",
    "meetings/reminders/<str:token>/",
    "meetings/calendar/<str:token>.ics",
    # A programme's public page, once staff publish it; otherwise 404 (portal.views.public).
    "public/programmes/<int:pk>/",
}


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _example_url(pattern: str) -> str:
    """Turn a route or regex into a concrete path with placeholder values."""
    url = re.sub(r"<(?:\w+:)?(\w+)>", "1", pattern)
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", url)
    url = url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + url


def all_patterns():
    return sorted(set(_patterns(get_resolver())))


def test_url_inventory_contains_the_known_pages():
    patterns = all_patterns()
    assert "" in patterns
    assert "staff/" in patterns
    assert "municipalities/<str:nis_code>/" in patterns


@pytest.mark.parametrize("pattern", [p for p in all_patterns() if p not in ALLOWED])
def test_anonymous_is_sent_to_login(client, pattern):
    response = client.get(_example_url(pattern))
    assert response.status_code in {301, 302}, (pattern, response.status_code)
    location = response.headers["Location"]
    assert "/login/" in location, (pattern, location)


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/password_reset/", "/admin/login/", "/healthz"]
)
def test_allow_listed_pages_answer_anonymous(client, url):
    assert client.get(url).status_code in {200, 503}


def test_allow_list_names_only_existing_patterns():
    assert set(all_patterns()) >= ALLOWED
