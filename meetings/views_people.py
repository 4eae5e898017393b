"""The meeting pages of the people invited: their meetings and answers, the one-click answer
link of the mails, the calendar feed and the reminder opt-out.

Reads go through meetings.selectors_people, writes through the services (the answer through
meetings.services.invitation_answer). The three pages opened from a mail or a calendar
program need no login: their signed or secret token is the key, and any token that does not
work (tampered, expired, reset, unknown) answers 404, whatever the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.uploads import CONTENT_TYPES

from . import services
from .enums import Answer
from .forms_people import CalendarFeedForm, InvitationAnswerForm, ReminderOptOutForm
from .ics import calendar_feed_ics
from .links import LINK_ANSWERS, answer_token_open, answer_url, opt_out_token_open, opt_out_url
from .selectors import meeting_document_for_user
from .selectors_people import (
    calendar_feed_by_token,
    calendar_feed_for_user,
    invitation_answerable,
    invitation_for_user,
    reminders_opted_out,
)
from .selectors_people import (
    my_meetings as my_meetings_read,
)
from .services_people import (
    calendar_feed_get_or_create,
    calendar_feed_reset,
    reminder_opt_in,
    reminder_opt_out,
)


def _absolute(request, path: str) -> str:
    base = getattr(settings, "SITE_URL", "")
    return base.rstrip("/") + path if base else request.build_absolute_uri(path)


# --- A person's meetings -------------------------------------------------------------------


@require_GET
def my_meetings(request):
    meetings = my_meetings_read(user=request.user)
    for invitation in meetings.upcoming:
        invitation.answerable = invitation_answerable(invitation)
    return render(
        request,
        "meetings/my_meetings.html",
        {
            "upcoming": meetings.upcoming,
            "past": meetings.past,
            "answers": [(a.value, a.label) for a in LINK_ANSWERS],
            "opted_out": reminders_opted_out(user=request.user),
            "opt_out_url": opt_out_url(request.user),
        },
    )


@require_GET
def document(request, pk: int):
    """A file of a meeting the person is invited to (meetings.selectors.
    meeting_document_for_user: staff and the meeting's invitees); 404 for anyone else."""
    stored = meeting_document_for_user(user=request.user, pk=pk)
    try:
        content = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        content,
        as_attachment=True,
        filename=stored.name,
        content_type=CONTENT_TYPES.get(stored.extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def answer(request, pk: int):
    """Record the person's own answer; anyone else's invitation id answers 404."""
    invitation = invitation_for_user(user=request.user, pk=pk)
    form = InvitationAnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose yes, no or maybe."))
    done = reverse("meetings:my_meetings") + f"#invitation-{invitation.pk}"
    if not invitation_answerable(invitation):
        messages.error(request, _("This meeting is over: answers are closed."))
        return redirect(done)
    try:
        invitation = services.invitation_answer(
            invitation=invitation, answer=form.cleaned_data["answer"], actor=request.user
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your answer for %(meeting)s: %(answer)s.")
            % {"meeting": invitation.meeting.title, "answer": invitation.get_answer_display()},
        )
    return redirect(done)


# --- The one-click answer link of the mails ------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def answer_link(request, token: str):
    """The page a mail's "yes / no / maybe" link opens, without a login.

    The signed token names the invitation and the answer and works until the meeting ends.
    A GET only shows what the click would record, with one button to confirm: mail
    servers' link scanners and the previews of mail and chat programs open every link in a
    message, so an answer recorded on GET would be recorded by them, not by the person.
    The POST of the button records it.
    """
    opened = answer_token_open(token)
    if opened is None:
        raise Http404
    invitation, chosen = opened
    if request.method == "POST":
        try:
            services.invitation_answer(invitation=invitation, answer=chosen, actor=None)
        except ValidationError as error:
            # E.g. the meeting ended between the page and the click.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Thank you: your answer is recorded as “%(answer)s”.")
                % {"answer": Answer(chosen).label},
            )
        return redirect(request.path)
    others = [
        (answer.label, answer_url(invitation, answer))
        for answer in LINK_ANSWERS
        if answer != chosen
    ]
    return render(
        request,
        "meetings/answer_link.html",
        {
            "invitation": invitation,
            "meeting": invitation.meeting,
            "chosen": Answer(chosen),
            "recorded": invitation.answer == chosen,
            "answerable": invitation_answerable(invitation),
            "others": others,
        },
    )


# --- The calendar feed ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def calendar(request):
    """The person's secret calendar URL, and the button that makes a new one (the old URL
    stops working at once)."""
    if request.method == "POST":
        form = CalendarFeedForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Unknown action."))
        if form.cleaned_data["action"] == CalendarFeedForm.RESET:
            calendar_feed_reset(user=request.user)
            messages.success(
                request, _("Your calendar has a new link. The old link no longer works.")
            )
        else:
            calendar_feed_get_or_create(user=request.user)
            messages.success(request, _("Your calendar link is ready."))
        return redirect("meetings:calendar")
    feed = calendar_feed_for_user(user=request.user)
    url = _absolute(request, reverse("meetings:calendar_feed", args=[feed.token])) if feed else None
    return render(
        request,
        "meetings/calendar.html",
        {
            "feed": feed,
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
            "create": CalendarFeedForm.CREATE,
            "reset": CalendarFeedForm.RESET,
        },
    )


@login_not_required
@require_GET
def calendar_feed(request, token: str):
    """The person's meetings for their calendar program, which cannot log in: the secret
    token is the key; an unknown or reset one answers 404."""
    feed = calendar_feed_by_token(token=token)
    if feed is None:
        raise Http404
    response = HttpResponse(
        calendar_feed_ics(user=feed.user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="sdg-meetings.ics"'
    # The feed is personal: no proxy or browser keeps a copy.
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    return response


# --- Opting out of reminders ---------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    """Stop (or restart) the reminders of the person the signed link of a mail names.

    A GET only shows the choice (a link scanner would otherwise opt people out); the
    button's POST makes it. Invitations, updates and cancellations are sent anyway.
    """
    person = opt_out_token_open(token)
    if person is None:
        raise Http404
    if request.method == "POST":
        form = ReminderOptOutForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Unknown action."))
        if form.cleaned_data["action"] == ReminderOptOutForm.OPT_OUT:
            reminder_opt_out(user=person)
            messages.success(request, _("You will receive no more reminders."))
        else:
            reminder_opt_in(user=person)
            messages.success(request, _("You will receive reminders again."))
        return redirect(request.path)
    return render(
        request,
        "meetings/opt_out.html",
        {
            "person": person,
            "opted_out": reminders_opted_out(user=person),
            "opt_out": ReminderOptOutForm.OPT_OUT,
            "opt_in": ReminderOptOutForm.OPT_IN,
        },
    )


# The body a mail program POSTs for a one-click unsubscribe (RFC 8058, section 3.1).
ONE_CLICK_BODY = "One-Click"


@login_not_required
@csrf_exempt
@require_POST
def opt_out_one_click(request, token: str):
    """The mail's List-Unsubscribe-Post target: a mail program stops the reminders in one
    request, without the page.

    No CSRF token: the POST comes from the mail program, not from a page of ours, and the
    signed token names the person, so nobody can stop someone else's reminders without
    their mail. Only a POST with the RFC 8058 body works: a link scanner's GET or HEAD gets
    405 and changes nothing.
    """
    person = opt_out_token_open(token)
    if person is None:
        raise Http404
    if request.POST.get("List-Unsubscribe") != ONE_CLICK_BODY:
        return HttpResponseBadRequest(_("Unknown action."))
    reminder_opt_out(user=person)
    return HttpResponse(_("You will receive no more reminders."), content_type="text/plain")
