"""The staff's reminders page: what goes out when, what failed or was missed, a preview of
any mail, and the pause switch."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from .reminders import delivery_preview, dispatch_pause_set, reminders_overview

PAUSE, RESUME = "pause", "resume"


class DispatchSwitchForm(forms.Form):
    """The pause switch. It names the state wanted, not "toggle": two staff pressing the
    same button at once both pause, neither resumes by accident."""

    action = forms.ChoiceField(
        choices=[(PAUSE, gettext_lazy("Pause")), (RESUME, gettext_lazy("Resume"))]
    )


class PreviewForm(forms.Form):
    """?delivery=<id>: the mail to preview."""

    delivery = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


@permission_required("meetings.manage_meeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def reminders(request):
    if request.method == "POST":
        form = DispatchSwitchForm(request.POST)
        if form.is_valid():
            paused = form.cleaned_data["action"] == PAUSE
            dispatch_pause_set(actor=request.user, paused=paused)
            messages.success(
                request,
                _("Reminders are paused: nothing is sent until you resume.")
                if paused
                else _("Reminders are running again."),
            )
        else:
            messages.error(request, _("Choose to pause or to resume."))
        return redirect("meetings:reminders")
    preview_form = PreviewForm(request.GET)
    preview = None
    if preview_form.is_valid() and preview_form.cleaned_data["delivery"]:
        preview = delivery_preview(user=request.user, pk=preview_form.cleaned_data["delivery"])
    overview = reminders_overview(user=request.user)
    return render(
        request,
        "meetings/reminders.html",
        {
            "overview": overview,
            "preview": preview,
            "switch_action": RESUME if overview.paused else PAUSE,
        },
    )
