"""Signed links in the meeting mails: the one-click answer and the reminder opt-out.

Both are `django.core.signing` tokens under their own salt, so a token made for one purpose
never opens the other, and nothing is stored for them. The answer token names the
invitation and the answer; it is valid until the meeting (as it stands now, rescheduled or
not) has ended. The opt-out token names the person and does not expire: an old reminder's
link still stops the reminders.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .enums import Answer, MeetingStatus
from .models import Invitation

ANSWER_SALT = "meetings.answer"
OPT_OUT_SALT = "meetings.opt_out"
# The answers a link can carry; "pending" is not an answer.
LINK_ANSWERS = (Answer.YES, Answer.NO, Answer.MAYBE)


def answer_token(invitation: Invitation, answer: str) -> str:
    if answer not in LINK_ANSWERS:
        raise ValueError(f"not an answer: {answer!r}")
    return signing.dumps({"i": invitation.pk, "a": str(answer)}, salt=ANSWER_SALT)


def answer_url(invitation: Invitation, answer: str) -> str:
    """The path of the one-click answer page for this invitation and answer (the mail
    makes it absolute)."""
    return reverse("meetings:answer_link", kwargs={"token": answer_token(invitation, answer)})


def answer_token_open(token: str, *, now=None) -> tuple[Invitation, str] | None:
    """The invitation and answer a token carries, or None when the link must not work.

    A token works only if its signature holds (so neither the invitation id nor the answer
    can be changed, and a link made for one invitation never answers another), the
    invitation is still active, the meeting is published and it has not ended yet. Every
    failure gives None, so the page answers the same 404 whatever the reason.
    """
    try:
        data = signing.loads(token, salt=ANSWER_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        return None
    answer = data.get("a")
    if answer not in LINK_ANSWERS:
        return None
    invitation = (
        Invitation.objects.select_related("meeting", "user")
        .filter(pk=data["i"], active=True, meeting__status=MeetingStatus.PUBLISHED)
        .first()
    )
    if invitation is None or invitation.meeting.ends_at <= (now or timezone.now()):
        return None
    return invitation, answer


def opt_out_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=OPT_OUT_SALT)


def opt_out_url(user) -> str:
    """The path of the person's page to stop (or restart) reminders, for the mails."""
    return reverse("meetings:opt_out", kwargs={"token": opt_out_token(user)})


def one_click_opt_out_url(user) -> str:
    """The path a mail program POSTs to for the mail's one-click unsubscribe (RFC 8058)."""
    return reverse("meetings:opt_out_one_click", kwargs={"token": opt_out_token(user)})


def opt_out_token_open(token: str):
    """The active person an opt-out token names, or None for a tampered, foreign-salted or
    unknown token (the page then answers 404)."""
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return get_user_model().objects.filter(pk=data["u"], is_active=True).first()
