"""The small forms of a person's meeting pages: each is a choice among buttons."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .links import LINK_ANSWERS


class InvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Will you attend?"),
        choices=[(answer.value, answer.label) for answer in LINK_ANSWERS],
    )


class CalendarFeedForm(forms.Form):
    CREATE, RESET = "create", "reset"
    action = forms.ChoiceField(
        choices=[(CREATE, _("Make my calendar link")), (RESET, _("Make a new link"))]
    )


class ReminderOptOutForm(forms.Form):
    OPT_OUT, OPT_IN = "opt_out", "opt_in"
    action = forms.ChoiceField(
        choices=[(OPT_OUT, _("No more reminders")), (OPT_IN, _("Send me reminders again"))]
    )
