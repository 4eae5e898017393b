"""A municipality's own pages: its start page, the status it keeps up to date, its history.

Open to the municipality's contacts and to staff; any other municipality's id (and an id
of something that is not this municipality's) answers 404. Reads go through
municipalities.selectors, writes through municipalities.services.
"""

from __future__ import annotations

import datetime as dt
import uuid

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from meetings.selectors_people import municipality_upcoming_meetings
from municipalities.enums import Audience, Contribution, SdgStatusLevel, StatusPart, Track
from municipalities.presentation import author_name, conflict_texts, history_entries
from municipalities.selectors import (
    StatusView,
    assessment_questions,
    municipality_contacts,
    sdg_goal,
    sdg_goals,
    status_document_for_user,
    status_documents,
    status_for_user,
    status_history,
    status_lookups,
    status_todo,
    status_version,
)
from municipalities.services.documents import CONTENT_TYPES, status_document_upload
from municipalities.services.status import StatusConflict, status_restore, status_update
from municipalities.status import level_for, part
from portal.forms import (
    ActionForm,
    AssessmentForm,
    DeleteActionForm,
    GoalForm,
    MilestonesForm,
    RestoreForm,
    StatusForm,
)
from selection.enums import Group
from selection.selectors.groups import group_of

# --- Shared ------------------------------------------------------------------------------


def _levels(view: StatusView) -> list[dict]:
    """The three tracks and the overall level, with their scores."""
    version = view.version
    rows = []
    for track, label in Track.choices:
        score = version.track_score(track) if version else None
        rows.append(
            {
                "track": track,
                "label": label,
                "score": score,
                "level": SdgStatusLevel(level_for(score)).label,
            }
        )
    return rows


def _goal_rows(goals, document: dict) -> list[dict]:
    """Per SDG: what the circle exercise holds, in words."""
    rows = []
    for goal in goals:
        value = part(document, ("goals", str(goal.number)))
        rows.append(
            {
                "goal": goal,
                "value": value,
                "today": Contribution(value.get("today") or "none").label if value else None,
                "ambition": Contribution(value.get("ambition") or "none").label if value else None,
                "targets": len(value.get("targets") or []) if value else 0,
            }
        )
    return rows


def _save(request, view: StatusView, form: StatusForm, *, values, kind: str, done: str):
    """Save a valid form's values: a redirect to `done`, or None when the form is shown again
    (with the other person's change when someone saved the same part meanwhile)."""
    try:
        version = status_update(
            municipality=view.municipality,
            actor=request.user,
            base_version=form.cleaned_data["base_version"],
            values=values,
            kind=kind,
        )
    except StatusConflict as conflict:
        form.conflict = conflict_texts(
            conflict.changes, status_lookups(user=request.user, municipality=view.municipality)
        )
        form.move_to(conflict.current.number)
        return None
    except ValidationError as error:
        if form.cleaned_data["base_version"] > view.number:
            form.add_error(None, _("This form is out of date: open the page again."))
        else:
            form.add_error(None, error)
        return None
    if version is None:
        messages.info(request, _("Nothing changed: the status already was as you saved it."))
    else:
        messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
    return redirect(done)


def _render(request, template: str, view: StatusView, form=None, **context):
    return render(
        request,
        template,
        {
            "view": view,
            "municipality": view.municipality,
            "form": form,
            "conflict": getattr(form, "conflict", None),
            **context,
        },
    )


# --- The start page ----------------------------------------------------------------------


@require_GET
def home(request, nis_code: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    municipality = view.municipality
    membership = group_of(municipality=municipality)
    goals = sdg_goals()
    return _render(
        request,
        "portal/home.html",
        view,
        contacts=municipality_contacts(user=request.user, municipality=municipality),
        goals=goals,
        goal_rows=_goal_rows(goals, view.document),
        programme=membership[0] if membership else None,
        group=Group(membership[1]).label if membership else None,
        todo=status_todo(view),
        levels=_levels(view),
        overall=SdgStatusLevel(view.version.overall_level).label if view.version else None,
        updated_by=author_name(view.version.author) if view.version else None,
        tracks=Track.choices,
        upcoming_meetings=municipality_upcoming_meetings(
            user=request.user, municipality=municipality
        ),
    )


# --- The self-assessment -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assessment(request, nis_code: str, track: str):
    if track not in Track.values:
        raise Http404
    view = status_for_user(user=request.user, nis_code=nis_code)
    questions = assessment_questions(track=track)
    path = ("assessment", track)
    initial = {
        "base_version": view.number,
        **AssessmentForm.initial_for(view.part(path), questions),
    }
    if request.method == "POST":
        form = AssessmentForm(request.POST, track=track, questions=questions, initial=initial)
        if form.is_valid():
            done = reverse("portal:home", args=[nis_code])
            response = _save(
                request, view, form, values=form.values(), kind=StatusPart.ASSESSMENT, done=done
            )
            if response:
                return response
    else:
        form = AssessmentForm(initial=initial, track=track, questions=questions)
    return _render(
        request,
        "portal/assessment.html",
        view,
        form,
        track=track,
        track_label=Track(track).label,
        tracks=Track.choices,
    )


# --- The circle exercise -----------------------------------------------------------------


@require_GET
def goals(request, nis_code: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    return _render(
        request, "portal/goals.html", view, goal_rows=_goal_rows(sdg_goals(), view.document)
    )


@require_http_methods(["GET", "POST"])
def goal(request, nis_code: str, number: int):
    if not 1 <= number <= 17:
        raise Http404
    view = status_for_user(user=request.user, nis_code=nis_code)
    sdg, targets = sdg_goal(number=number)
    initial = {
        "base_version": view.number,
        **GoalForm.initial_for(view.part(("goals", str(number)))),
    }
    if request.method == "POST":
        form = GoalForm(request.POST, targets=targets, initial=initial)
        if form.is_valid():
            done = reverse("portal:goals", args=[nis_code])
            response = _save(
                request, view, form, values=form.values(number), kind=StatusPart.GOALS, done=done
            )
            if response:
                return response
    else:
        form = GoalForm(initial=initial, targets=targets)
    return _render(request, "portal/goal.html", view, form, goal=sdg)


# --- The milestones ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def milestones(request, nis_code: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    documents = status_documents(user=request.user, municipality=view.municipality)
    initial = {
        "base_version": view.number,
        **MilestonesForm.initial_for(view.document.get("milestones")),
    }
    options = {"documents": documents, "nis_code": nis_code, "initial": initial}
    if request.method == "POST":
        form = MilestonesForm(request.POST, request.FILES, **options)
        if form.is_valid():
            # Each file is checked by the form; once stored, the milestone points at it.
            for kind, upload in form.uploads().items():
                document = status_document_upload(
                    municipality=view.municipality, actor=request.user, upload=upload
                )
                documents[document.pk] = document
                form.attach(kind, document.pk)
            done = reverse("portal:milestones", args=[nis_code])
            response = _save(
                request, view, form, values=form.values(), kind=StatusPart.MILESTONES, done=done
            )
            if response:
                return response
    else:
        form = MilestonesForm(**options)
    return _render(request, "portal/milestones.html", view, form)


@require_GET
def document(request, nis_code: str, pk: int):
    """A milestone's file, as an attachment with the type its content was checked to be."""
    stored = status_document_for_user(user=request.user, nis_code=nis_code, pk=pk)
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


# --- The awareness actions ---------------------------------------------------------------


def _action_rows(view: StatusView) -> list[dict]:
    """The awareness actions, the latest first, with their audiences in words."""
    rows = [
        {
            "key": key,
            "title": value.get("title"),
            "date": dt.date.fromisoformat(value["date"]) if value.get("date") else None,
            "audiences": [Audience(a).label for a in value.get("audiences") or []],
            "reach": value.get("reach"),
        }
        for key, value in (view.document.get("actions") or {}).items()
    ]
    return sorted(rows, key=lambda row: (row["date"] or dt.date.min, row["key"]), reverse=True)


@require_http_methods(["GET", "POST"])
def actions(request, nis_code: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    initial = {"base_version": view.number}
    if request.method == "POST":
        form = ActionForm(request.POST, initial=initial)
        if form.is_valid():
            key = uuid.uuid4().hex[:12]
            done = reverse("portal:actions", args=[nis_code])
            response = _save(
                request, view, form, values=form.values(key), kind=StatusPart.ACTIONS, done=done
            )
            if response:
                return response
    else:
        form = ActionForm(initial=initial)
    return _render(request, "portal/actions.html", view, form, actions=_action_rows(view))


def _action_then(request, view: StatusView, key: str) -> dict | None:
    """The action as the form showed it: now, or (someone deleted it since) in the version
    the form was opened on."""
    action = view.part(("actions", key))
    if action is not None or request.method != "POST":
        return action
    try:
        number = int(request.POST.get("base_version", ""))
    except ValueError:
        return None
    if not 0 < number <= view.number:
        return None
    earlier = status_version(user=request.user, municipality=view.municipality, number=number)
    return part(earlier.document, ("actions", key)) if earlier else None


@require_http_methods(["GET", "POST"])
def action(request, nis_code: str, key: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    then = _action_then(request, view, key)
    if then is None:
        raise Http404
    initial = {"base_version": view.number, **ActionForm.initial_for(then)}
    form = None
    if request.method == "POST":
        done = reverse("portal:actions", args=[nis_code])
        if "delete" in request.POST:
            deletion = DeleteActionForm(request.POST)
            if deletion.is_valid():
                response = _save(
                    request,
                    view,
                    deletion,
                    values={("actions", key): None},
                    kind=StatusPart.ACTIONS,
                    done=done,
                )
                if response:
                    return response
            # Shown again with what the user saw, and the reason the deletion was refused.
            form = ActionForm(deletion.data, initial=initial, editing=True)
            form.is_valid()
            form.conflict = getattr(deletion, "conflict", None)
            for error in deletion.non_field_errors():
                form.add_error(None, error)
        else:
            form = ActionForm(request.POST, initial=initial, editing=True)
            if form.is_valid():
                response = _save(
                    request, view, form, values=form.values(key), kind=StatusPart.ACTIONS, done=done
                )
                if response:
                    return response
    else:
        form = ActionForm(initial=initial, editing=True)
    return _render(request, "portal/action.html", view, form, key=key, action=then)


# --- The history -------------------------------------------------------------------------


@require_GET
def history(request, nis_code: str):
    view = status_for_user(user=request.user, nis_code=nis_code)
    versions = status_history(user=request.user, municipality=view.municipality)
    lookups = status_lookups(user=request.user, municipality=view.municipality)
    return _render(
        request,
        "portal/history.html",
        view,
        entries=history_entries(versions, lookups),
        can_restore=rules.has_perm(
            "municipalities.restore_sdg_status", request.user, view.municipality
        ),
    )


@require_http_methods(["GET", "POST"])
def restore(request, nis_code: str, number: int):
    """Staff make an earlier version current again; a contact of the municipality gets 403
    (they see the history), anyone else 404, before the method is looked at (a GET answers
    405 only to those who may see the municipality)."""
    view = status_for_user(user=request.user, nis_code=nis_code)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not rules.has_perm("municipalities.restore_sdg_status", request.user, view.municipality):
        raise PermissionDenied
    done = redirect("portal:history", nis_code=nis_code)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the history again and choose the version to restore."))
        return done
    try:
        version = status_restore(
            municipality=view.municipality,
            actor=request.user,
            number=number,
            base_version=form.cleaned_data["base_version"],
        )
    except StatusConflict:
        messages.error(
            request,
            _(
                "The status changed while you had the history open: nothing was restored. "
                "Check the latest version and try again."
            ),
        )
    except ValidationError:
        messages.error(
            request, _("There is no version %(number)s to restore.") % {"number": number}
        )
    else:
        messages.success(
            request,
            _("Version %(old)s restored as version %(new)s.")
            % {"old": number, "new": version.number},
        )
    return done
