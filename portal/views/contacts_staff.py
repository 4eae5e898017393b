"""Staff pages of the municipalities' contact persons: the list with their invitations,
inviting a new contact, and resending or revoking an invitation.

Staff only (403 for anyone else); an unknown invitation id answers 404. Reads go through
portal.selectors_contacts, writes through municipalities.services.invitations.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from municipalities.selectors import municipality_for_user
from municipalities.services.invitations import (
    INVITATION_DAYS,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_send,
)

from ..forms_contacts import ContactFilterForm, InviteContactForm
from ..selectors_contacts import (
    INVITE,
    contact_directory,
    invitation_for_staff,
    municipality_choices,
)


def _back(request):
    """Back to the list the action was taken from (its filters and page), else the list."""
    target = request.POST.get("next", "")
    if (
        target.startswith(reverse("portal:contacts"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\\" not in target
        and target.isprintable()
        and not any(character.isspace() for character in target)
    ):
        return redirect(target)
    return redirect("portal:contacts")


@permission_required(INVITE, raise_exception=True)
@require_GET
def contact_list(request):
    """Staff only: one page of municipalities with their contacts and invitations."""
    form = ContactFilterForm(request.GET or None)
    directory = contact_directory(
        user=request.user, filters=form.filters(), page_number=request.GET.get("page")
    )
    return render(
        request,
        "portal/contacts_staff.html",
        {
            "form": form,
            "directory": directory,
            "page": directory.page,
            "here": request.get_full_path(),
            "days": INVITATION_DAYS,
        },
    )


@permission_required(INVITE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def invite(request):
    """Invite a contact: the service checks the address (not yet a contact, account not
    deactivated) and revokes earlier open links of it, so only the newest mail works."""
    choices = municipality_choices(user=request.user)
    if request.method == "POST":
        form = InviteContactForm(request.POST, municipalities=choices)
        if form.is_valid():
            data = form.cleaned_data
            municipality = municipality_for_user(user=request.user, nis_code=data["municipality"])
            try:
                with transaction.atomic():
                    invitation, token = invitation_create(
                        municipality=municipality,
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        actor=request.user,
                    )
                    invitation_send(invitation=invitation, token=token, request_or_base_url=request)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s for %(municipality)s.")
                    % {"email": invitation.email, "municipality": municipality.name},
                )
                # The list of that one municipality, with the new invitation.
                return redirect(f"{reverse('portal:contacts')}?q={municipality.pk}")
    else:
        nis_code = request.GET.get("municipality", "")
        initial = {"municipality": nis_code} if nis_code in dict(choices) else {}
        form = InviteContactForm(initial=initial, municipalities=choices)
    return render(
        request, "portal/contacts_staff_invite.html", {"form": form, "days": INVITATION_DAYS}
    )


@permission_required(INVITE, raise_exception=True)
@require_POST
def resend(request, pk: int):
    """A new link for the same person; the old one stops working. Not for an accepted one."""
    invitation = invitation_for_staff(user=request.user, pk=pk)
    try:
        with transaction.atomic():
            new, token = invitation_resend(invitation=invitation, actor=request.user)
            invitation_send(invitation=new, token=token, request_or_base_url=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{invitation.email}: {message}")
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": new.email}
        )
    return _back(request)


@permission_required(INVITE, raise_exception=True)
@require_POST
def revoke(request, pk: int):
    """Make an open invitation's link stop working; a second revoke changes nothing."""
    invitation = invitation_for_staff(user=request.user, pk=pk)
    if invitation_revoke(invitation=invitation, actor=request.user):
        messages.success(
            request,
            _("The invitation of %(email)s was revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    else:
        messages.info(
            request,
            _("The invitation of %(email)s was no longer open; nothing changed.")
            % {"email": invitation.email},
        )
    return _back(request)
