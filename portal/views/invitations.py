"""Accepting an invitation to become a municipality's contact: the link of the e-mail."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from municipalities.services.invitations import (
    INVITATION_DAYS,
    InvitationInvalid,
    invitation_accept,
    invitation_open,
)
from portal.forms_invitations import InvitationAcceptForm

# Sessions come from the login form through django-axes; here the link is the credential.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _invalid(request):
    # 200, not 404: the page explains what to do, and says nothing about why the link fails.
    return render(request, "portal/invitation_invalid.html", {"days": INVITATION_DAYS})


@login_not_required
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The invitation's page: name and password, then logged in as the new contact.

    No login is needed: the 256-bit token in the URL is the key, and only an open
    invitation (unused, not expired) shows the form. Any other token gets the same page
    saying the link no longer works, whether it never existed, expired or was used.
    """
    invitation = invitation_open(token=token)
    if invitation is None:
        return _invalid(request)
    if request.method == "POST":
        form = InvitationAcceptForm(request.POST, invitation=invitation)
        if form.is_valid():
            try:
                user = invitation_accept(
                    token=token,
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except InvitationInvalid:
                return _invalid(request)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                login(request, user, backend=LOGIN_BACKEND)
                messages.success(
                    request,
                    _("Welcome! You are now a contact of %(municipality)s.")
                    % {"municipality": invitation.municipality.name},
                )
                return redirect("portal:home", nis_code=invitation.municipality_id)
    else:
        form = InvitationAcceptForm(invitation=invitation)
    return render(
        request,
        "portal/invitation_accept.html",
        {"invitation": invitation, "municipality": invitation.municipality, "form": form},
    )
