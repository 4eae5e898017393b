"""Board members' pages: their candidacies, the conflict declaration and the dossier."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from selection.forms.scoring import ConflictDeclarationForm, ReviewForm, score_field
from selection.rules import can
from selection.selectors.scoring import (
    SHOW_CHOICES,
    DeclarationRequired,
    boards_for_user,
    candidacy_for_declaration,
    dossier_for_user,
    next_todo_for_member,
)
from selection.services.scoring import (
    IncompleteReview,
    StaleReview,
    conflict_declare,
    review_save,
)


def board_home(request):
    """A member's list of candidacies: 403 for anyone without an active seat.

    Checked through `can`, not `permission_required`: Django grants a superuser every
    permission, which would open this page to a superuser without a seat.
    """
    if not can(request.user, "selection.view_board_home"):
        raise PermissionDenied
    show = request.GET.get("show")
    return render(
        request,
        "selection/board_home.html",
        {
            "boards": boards_for_user(user=request.user, show=show),
            "show": show if show in SHOW_CHOICES else None,
        },
    )


@require_http_methods(["GET", "POST"])
def board_declare(request, pk: int):
    target = candidacy_for_declaration(user=request.user, pk=pk)
    declaration = target.declaration
    initial = (
        {"conflict_type": declaration.conflict_type, "note": declaration.note}
        if declaration
        else {}
    )
    readonly = not target.can_change
    locked = target.conflict_locked
    status = 200
    if request.method == "POST" and readonly:
        form = ConflictDeclarationForm(initial=initial, readonly=True, conflict_locked=locked)
        messages.error(request, _("A declaration can only be changed while the board is scoring."))
        status = 403
    elif request.method == "POST":
        form = ConflictDeclarationForm(data=request.POST, initial=initial, conflict_locked=locked)
        if form.is_valid():
            try:
                declaration = conflict_declare(
                    member=target.member,
                    candidacy=target.candidacy,
                    conflict_type=form.cleaned_data["conflict_type"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if declaration.has_conflict:
                    messages.info(
                        request,
                        _("Your conflict of interest for %(name)s is recorded.")
                        % {"name": target.candidacy.municipality.name},
                    )
                    return redirect("selection:board_home")
                return redirect("selection:board_dossier", pk=pk)
    else:
        form = ConflictDeclarationForm(initial=initial, readonly=readonly, conflict_locked=locked)
    return render(
        request, "selection/board_declare.html", {"target": target, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def board_dossier(request, pk: int):
    try:
        dossier = dossier_for_user(user=request.user, pk=pk)
    except DeclarationRequired:
        return redirect("selection:board_declare", pk=pk)
    options = {
        "criteria": dossier.criteria,
        "readonly": not dossier.can_edit,
        "submitted": dossier.submitted,
    }
    stale, status = False, 200
    if request.method == "POST" and dossier.can_edit:
        form = ReviewForm(data=request.POST, **options)
        if form.is_valid():
            try:
                review_save(
                    member=dossier.member,
                    candidacy=dossier.candidacy,
                    actor=request.user,
                    **form.review_kwargs(),
                )
            except StaleReview as exc:
                stale = True
                form = form.with_version(exc.current_version)
                dossier = dossier_for_user(user=request.user, pk=pk)
            except IncompleteReview as exc:
                for criterion_pk in exc.missing:
                    form.add_error(score_field(criterion_pk), _("Choose a score or n/a."))
                form.add_error(None, exc)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _after_save(
                    request,
                    dossier,
                    submitted=form.review_kwargs()["submit"],
                    next_requested=form.next_requested,
                )
    else:
        form = ReviewForm(initial=ReviewForm.initial_for(dossier.review, dossier.scores), **options)
        if request.method == "POST":
            # Scoring closed while the page was open: say so, change nothing.
            messages.error(request, _("Scoring is closed: this review can no longer be changed."))
            status = 403
    return render(
        request,
        "selection/board_dossier.html",
        {"dossier": dossier, "form": form, "stale": stale},
        status=status,
    )


def _after_save(request, dossier, *, submitted: bool, next_requested: bool):
    name = dossier.candidacy.municipality.name
    if not submitted:
        messages.success(request, _("Draft saved for %(name)s.") % {"name": name})
        return redirect("selection:board_dossier", pk=dossier.candidacy.pk)
    messages.success(request, _("Review of %(name)s submitted.") % {"name": name})
    if not next_requested:
        return redirect("selection:board_dossier", pk=dossier.candidacy.pk)
    following = next_todo_for_member(member=dossier.member, after_pk=dossier.candidacy.pk)
    if following is None:
        messages.info(request, _("You have no candidacies left to score."))
        return redirect("selection:board_home")
    return redirect("selection:board_dossier", pk=following.pk)
