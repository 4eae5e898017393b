"""A person's own settings for meetings: the secret calendar feed and the reminder opt-out.

Each person acts on their own rows only, so the actor is the person (from the session, or
from the signed opt-out link); there is no one else's permission to check.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import CalendarFeed, ReminderOptOut

# 32 random bytes: the URL is the only key to the feed, as with any calendar subscription.
TOKEN_BYTES = 32


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _check(user) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied


@transaction.atomic
def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    """The person's calendar feed, made on first use."""
    _check(user)
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new secret URL for the person's feed: the old one answers 404 from now on."""
    _check(user)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_new_token())
    feed.token = _new_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


@transaction.atomic
def reminder_opt_out(*, user) -> ReminderOptOut:
    """No more reminders for the person; invitations, updates and cancellations still go.
    Reminders already planned are skipped when they fall due (the send task checks)."""
    _check(user)
    opt_out, _ = ReminderOptOut.objects.get_or_create(user=user)
    return opt_out


@transaction.atomic
def reminder_opt_in(*, user) -> None:
    """Reminders again, from the next one that falls due."""
    _check(user)
    ReminderOptOut.objects.filter(user=user).delete()
