"""A programme's public page (no login) and the staff switch that publishes it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from rules.contrib.views import permission_required

from portal.public import public_programme
from selection.selectors import access_programme
from selection.services.public import programme_publish_page

ON, OFF = "on", "off"


class PublicSwitchForm(forms.Form):
    """The switch names the state wanted, not "toggle": two staff pressing the same button
    at once both publish, neither withdraws the page by accident."""

    public = forms.ChoiceField(
        choices=[(ON, gettext_lazy("Publish")), (OFF, gettext_lazy("Withdraw"))]
    )


@login_not_required
@require_safe
def public_page(request, pk: int):
    """The one page besides the login that needs no account.

    It shows only what :func:`portal.public.public_programme` copies out (a whitelist of
    public facts); a programme whose page is off answers 404, like one that does not exist.
    """
    return render(request, "portal/public.html", {"page": public_programme(pk=pk)})


@permission_required("selection.publish_page", raise_exception=True)
@require_POST
def public_switch(request, programme_pk: int):
    """Publish or withdraw the programme's public page; staff only, another id is 404."""
    programme = access_programme(user=request.user, pk=programme_pk, perm="selection.publish_page")
    form = PublicSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to publish or to withdraw the public page."))
        return redirect("selection:programme_detail", programme_pk=programme.pk)
    public = form.cleaned_data["public"] == ON
    programme_publish_page(actor=request.user, programme=programme, public=public)
    messages.success(
        request,
        _("The public page is published: anyone with the link can read it.")
        if public
        else _("The public page is withdrawn: its link now answers “page not found”."),
    )
    return redirect("selection:programme_detail", programme_pk=programme.pk)
