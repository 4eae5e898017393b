"""Staff pages of a programme's advisory board: the members, adding one (with the mail that
lets a new account choose a password), deactivating or reactivating a seat, and sending the
welcome mail again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from core.feedback import add_form_errors, flash_errors
from selection.forms.board_staff import BoardMemberActiveForm, BoardMemberAddForm
from selection.selectors import access_programme
from selection.selectors.board_staff import access_board_member, board_history, board_rows
from selection.services.board import (
    REASON_PHASES,
    board_change_effects,
    board_change_refusal,
    board_member_invite,
    board_member_set_active,
    board_member_welcome_again,
)

VIEW_PERM = "selection.view_programme_overview"


def _name(member) -> str:
    return member.user.get_full_name() or member.user.email


def _warn(request, warnings: list[str], programme) -> None:
    # What a change means in the phase stands on the board page itself: not twice.
    shown = set(board_change_effects(programme))
    for warning in warnings:
        if warning not in shown:
            messages.warning(request, warning)


@permission_required(VIEW_PERM, raise_exception=True)
def board_staff(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=VIEW_PERM)
    return render(
        request,
        "selection/board_staff.html",
        {
            "programme": programme,
            "rows": board_rows(user=request.user, programme=programme),
            "history": board_history(user=request.user, programme=programme),
            "refusal": board_change_refusal(programme),
            "effects": board_change_effects(programme),
            "reason_required": programme.phase in REASON_PHASES,
            "can_add": request.user.has_perm("selection.add_boardmember"),
            "can_change": request.user.has_perm("selection.change_boardmember"),
        },
    )


@permission_required("selection.add_boardmember", raise_exception=True)
def board_staff_add(request, programme_pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=VIEW_PERM)
    form = BoardMemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = board_member_invite(
                actor=request.user,
                programme=programme,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                new_organisation=data["new_organisation"],
                kind=data["kind"],
                language=data["language"],
                request_or_base_url=request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                add_form_errors(form, error)
        else:
            member = result.member
            if result.welcome:
                text = _(
                    "%(name)s is on the board. A mail with a link to choose a password went "
                    "to %(email)s."
                )
            else:
                text = _(
                    "%(name)s is on the board. Their account already existed: a mail told "
                    "%(email)s about the new seat."
                )
            messages.success(request, text % {"name": _name(member), "email": member.user.email})
            _warn(request, result.warnings, programme)
            return redirect("selection:board_staff", programme_pk=programme.pk)
    return render(
        request,
        "selection/board_staff_add.html",
        {
            "programme": programme,
            "form": form,
            "refusal": board_change_refusal(programme),
            "effects": board_change_effects(programme),
        },
    )


@permission_required("selection.change_boardmember", raise_exception=True)
@require_POST
def board_staff_active(request, programme_pk: int, pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=VIEW_PERM)
    member = access_board_member(user=request.user, programme=programme, pk=pk)
    form = BoardMemberActiveForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form.errors)
        return redirect("selection:board_staff", programme_pk=programme.pk)
    try:
        result = board_member_set_active(
            actor=request.user,
            member=member,
            active=form.cleaned_data["active"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        text = (
            _("%(name)s is an active member of the board again.")
            if result.member.active
            else _("%(name)s is no longer an active member of the board.")
        )
        messages.success(request, text % {"name": _name(result.member)})
        _warn(request, result.warnings, programme)
    return redirect("selection:board_staff", programme_pk=programme.pk)


@permission_required("selection.change_boardmember", raise_exception=True)
@require_POST
def board_staff_welcome(request, programme_pk: int, pk: int):
    programme = access_programme(user=request.user, pk=programme_pk, perm=VIEW_PERM)
    member = access_board_member(user=request.user, programme=programme, pk=pk)
    try:
        board_member_welcome_again(actor=request.user, member=member, request_or_base_url=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request,
            _("The welcome mail with a new link to choose a password went to %(email)s.")
            % {"email": member.user.email},
        )
    return redirect("selection:board_staff", programme_pk=programme.pk)
