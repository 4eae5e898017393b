"""How django-axes identifies a login attempt: the account and the client's address."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def normalise_email(value: str | None) -> str | None:
    """An e-mail address as accounts store it: trimmed and in lower case."""
    if value is None:
        return None
    return str(value).strip().lower()


# Axes keeps the attempted username in a 255-character column; no account's address is that
# long (the login form accepts 254), so a longer attempt is counted under its first 255.
ATTEMPT_USERNAME_LENGTH = 255


def normalised_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login attempt is for, as django-axes counts it (AXES_USERNAME_CALLABLE).

    Logins are case-insensitive on the e-mail address, so the lockout must be too: without
    this, five failures for "board09@example.org" leave "BOARD09@example.org" unlocked with
    the right password. Every spelling of an address counts as the stored one.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = normalise_email(credentials.get(field))
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = normalise_email(data.get(field))
    return value[:ATTEMPT_USERNAME_LENGTH] if value is not None else None


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address for django-axes (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it received the
    request from to X-Forwarded-For, so the client is that many entries from the right.
    Entries further left are written by the client and never trusted: reading them would let
    anyone pick a new address for every try and never be locked out. Without proxies (the
    default) the header is ignored and the peer address counts.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        # Axes stores it in an address column (inet on PostgreSQL): junk would fail there.
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
