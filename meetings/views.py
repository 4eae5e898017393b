"""The staff's meeting pages: the list, create and edit, the meeting's page with its
actions (publish or record as held, cancel, next year's gathering, minutes, documents),
attendance and expectations. Staff only (403 for anyone else); an unknown id answers 404.
The download of a meeting's document also serves its invitees (meeting_document_for_user).
Reads go through meetings.selectors, writes through meetings.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from core.feedback import add_form_errors, flash_errors
from core.uploads import CONTENT_TYPES
from municipalities.enums import Audience

from . import services
from .enums import MeetingAudience, MeetingKind, MeetingStatus
from .forms import (
    AgendaFormSet,
    AgendaVersionForm,
    AttendanceForm,
    CancelForm,
    DocumentForm,
    ExpectationForm,
    LinkFormSet,
    MeetingFilterForm,
    MeetingForm,
    ReportForm,
    ReviewForm,
    filled_rows,
)
from .selectors import (
    access_meeting,
    answer_counts,
    expectation_municipalities,
    expectations_raised,
    expectations_to_review,
    invitations_of,
    meeting_document_for_user,
    meetings_for_staff,
    reviews_at,
)

MANAGE = "meetings.manage_meeting"
PAGE_SIZE = 50


@permission_required(MANAGE, raise_exception=True)
@require_GET
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None)
    meetings = meetings_for_staff(user=request.user, **form.filters())
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/meeting_list.html", {"form": form, "page": page})


def _create_initial(query) -> dict:
    """The new meeting's programme, kind and audience when a link from another staff page
    names them (?programme=&kind=&audience=); anything else is ignored."""
    initial = {}
    programme = query.get("programme", "")
    if programme.isdigit():
        initial["programme"] = int(programme)
    if query.get("kind") in MeetingKind.values:
        initial["kind"] = query["kind"]
    if query.get("audience") in MeetingAudience.values:
        initial["audience"] = query["audience"]
    return initial


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    form = MeetingForm(request.POST or None, initial=_create_initial(request.GET))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, **form.service_fields())
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request, _("The meeting is saved as a draft: publish it to invite its audience.")
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    if meeting.status == MeetingStatus.CANCELLED:
        messages.error(request, _("A cancelled meeting cannot be changed."))
        return redirect("meetings:detail", pk=meeting.pk)
    form = MeetingForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        sequence = meeting.sequence
        try:
            meeting = services.meeting_update(
                meeting=meeting, actor=request.user, **form.service_fields()
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            if meeting.sequence != sequence:
                messages.success(
                    request, _("The meeting is moved: its invitees are sent an update.")
                )
            else:
                messages.success(request, _("The meeting is saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_agenda(request, pk: int):
    """The meeting's agenda items (in their order) and links, edited together."""
    meeting = access_meeting(user=request.user, pk=pk)
    if meeting.status == MeetingStatus.CANCELLED:
        messages.error(request, _("A cancelled meeting cannot be changed."))
        return redirect("meetings:detail", pk=meeting.pk)
    data = request.POST if request.method == "POST" else None
    agenda = AgendaFormSet(
        data,
        prefix="agenda",
        initial=list(
            meeting.agenda.order_by("order", "pk").values("title", "minutes", "description")
        ),
    )
    links = LinkFormSet(
        data, prefix="links", initial=list(meeting.links.order_by("pk").values("title", "url"))
    )
    version = AgendaVersionForm(data, initial={"version": services.agenda_version(meeting)})
    problem = None
    if data is not None and agenda.is_valid() and links.is_valid() and version.is_valid():
        try:
            services.meeting_agenda_save(
                meeting=meeting,
                actor=request.user,
                items=filled_rows(agenda),
                links=filled_rows(links),
                version=version.cleaned_data["version"],
            )
        except ValidationError as error:
            problem = error.messages[0]
        else:
            messages.success(request, _("The agenda and the links are saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    elif data is not None:
        problem = _("Some rows are not right: see the messages by the fields.")
    return render(
        request,
        "meetings/agenda.html",
        {
            "meeting": meeting,
            "agenda_formset": agenda,
            "links_formset": links,
            "version_form": version,
            "problem": problem,
        },
        status=400 if problem else 200,
    )


def _detail(request, meeting, **forms):
    invitations = list(invitations_of(user=request.user, meeting=meeting))
    now = timezone.now()
    context = {
        "meeting": meeting,
        "agenda": meeting.agenda.order_by("order", "pk"),
        "documents": meeting.documents.order_by("name", "pk"),
        "links": meeting.links.order_by("pk"),
        "invitations": invitations,
        "withdrawn": invitations_of(user=request.user, meeting=meeting, active=False).count(),
        "counts": answer_counts(invitations=invitations),
        "attended": sum(1 for invitation in invitations if invitation.attended),
        "expectations": expectations_raised(user=request.user, meeting=meeting),
        "reviews": reviews_at(user=request.user, meeting=meeting),
        "report_form": forms.get("report_form")
        or ReportForm(initial={"minutes": meeting.minutes, "outcome": meeting.outcome}),
        "document_form": forms.get("document_form") or DocumentForm(),
        "cancel_form": CancelForm(),
        "can_publish": meeting.status == MeetingStatus.DRAFT and meeting.starts_at > now,
        "can_record_held": meeting.status == MeetingStatus.DRAFT and meeting.starts_at <= now,
        "can_edit": meeting.status != MeetingStatus.CANCELLED,
        "can_cancel": meeting.status != MeetingStatus.CANCELLED and meeting.starts_at > now,
        "can_repeat": meeting.kind == MeetingKind.ANNUAL_GATHERING,
        "started": meeting.starts_at <= now,
    }
    return render(request, "meetings/meeting_detail.html", context)


@permission_required(MANAGE, raise_exception=True)
@require_GET
def meeting_detail(request, pk: int):
    return _detail(request, access_meeting(user=request.user, pk=pk))


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_publish(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    was_draft = meeting.status == MeetingStatus.DRAFT
    try:
        services.meeting_publish(meeting=meeting, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        count = meeting.invitations.filter(active=True).count()
        if was_draft:
            messages.success(
                request,
                _("The meeting is published: %(count)d people are invited.") % {"count": count},
            )
        else:
            messages.success(
                request,
                _("The invitations are up to date: %(count)d people are invited.")
                % {"count": count},
            )
    return redirect("meetings:detail", pk=meeting.pk)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_record_held(request, pk: int):
    """A past draft entered afterwards becomes published without any mail; on to its
    attendance. A second press (the page was stale) says so and changes nothing."""
    meeting = access_meeting(user=request.user, pk=pk)
    was_draft = meeting.status == MeetingStatus.DRAFT
    try:
        services.meeting_record_held(meeting=meeting, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("meetings:detail", pk=meeting.pk)
    if was_draft:
        count = meeting.invitations.filter(active=True).count()
        messages.success(
            request,
            _(
                "The meeting is recorded as held, without any mail: %(count)d people are on "
                "its list. Tick who attended."
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("This meeting is already published: record who attended."))
    return redirect("meetings:attendance", pk=meeting.pk)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_cancel(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("meetings:detail", pk=meeting.pk)
    try:
        services.meeting_cancel(
            meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The meeting is cancelled: its invitees are told."))
    return redirect("meetings:detail", pk=meeting.pk)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_next_year(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    try:
        new = services.gathering_next_year(meeting=meeting, actor=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("meetings:detail", pk=meeting.pk)
    messages.success(
        request,
        _("Next year's gathering is saved as a draft: check it and publish it."),
    )
    return redirect("meetings:detail", pk=new.pk)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_report(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        services.meeting_report_save(
            meeting=meeting,
            actor=request.user,
            minutes=form.cleaned_data["minutes"],
            outcome=form.cleaned_data["outcome"],
        )
        messages.success(request, _("The minutes and the outcome report are saved."))
        return redirect("meetings:detail", pk=meeting.pk)
    return _detail(request, meeting, report_form=form)


@permission_required(MANAGE, raise_exception=True)
@require_POST
def meeting_document_add(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.meeting_document_add(
                meeting=meeting, actor=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("“%(name)s” is added.") % {"name": document.name})
            return redirect("meetings:detail", pk=meeting.pk)
    return _detail(request, meeting, document_form=form)


@require_GET
def meeting_document(request, pk: int):
    """A meeting's file, as an attachment with the type its content was checked to be.

    For staff and for the meeting's invitees while they may see it (the selector decides,
    meetings.rules); anyone else, and an unknown id, gets 404."""
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


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    invitations = list(invitations_of(user=request.user, meeting=meeting))
    form = AttendanceForm(request.POST or None, invitations=invitations)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.attendance_record(
                meeting=meeting, actor=request.user, attended=form.attendance()
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                _("The attendance is saved (%(count)d changed).") % {"count": count},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/attendance.html",
        {
            "meeting": meeting,
            "form": form,
            "invitations": invitations,
            "started": meeting.starts_at <= timezone.now(),
        },
    )


@permission_required(MANAGE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_expectations(request, pk: int):
    meeting = access_meeting(user=request.user, pk=pk)
    municipalities = expectation_municipalities(meeting=meeting)
    rows = expectations_to_review(user=request.user, meeting=meeting)
    reviewing = request.method == "POST" and "review" in request.POST
    recording = request.method == "POST" and not reviewing
    form = ExpectationForm(request.POST if recording else None, municipalities=municipalities)
    review_form = ReviewForm(request.POST if reviewing else None, rows=rows)
    if recording and form.is_valid():
        try:
            services.expectation_record(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The expectation is recorded."))
            return redirect("meetings:expectations", pk=meeting.pk)
    if reviewing and review_form.is_valid():
        try:
            # All the rows or none of them.
            with transaction.atomic():
                for expectation, fulfilment, note in review_form.reviews():
                    services.expectation_review(
                        expectation=expectation,
                        meeting=meeting,
                        actor=request.user,
                        fulfilment=fulfilment,
                        note=note,
                    )
        except ValidationError as error:
            add_form_errors(review_form, error)
        else:
            messages.success(request, _("The reviews are saved."))
            return redirect("meetings:expectations", pk=meeting.pk)
    expectations = list(expectations_raised(user=request.user, meeting=meeting))
    for expectation in expectations:
        expectation.audience_labels = [
            Audience(value).label for value in expectation.audiences if value in Audience.values
        ]
    return render(
        request,
        "meetings/expectations.html",
        {
            "meeting": meeting,
            "form": form,
            "review_form": review_form,
            "expectations": expectations,
        },
    )
