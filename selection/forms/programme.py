from django import forms
from django.utils.translation import gettext_lazy as _

from selection.services.programme import REASON_MAX_LENGTH
from selection.services.scoring import LIFT_REASON_MAX_LENGTH


class PhaseForm(forms.Form):
    """Move the programme to another phase; a step back needs a reason."""

    phase = forms.ChoiceField(label=_("Phase"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Needed to move back to an earlier phase; kept in the history."),
    )

    def __init__(self, *args, phases: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = phases


class ConflictLiftForm(forms.Form):
    """Staff lift a member's declared conflict of interest, with a reason."""

    reason = forms.CharField(
        label=_("Reason for lifting the conflict"),
        max_length=LIFT_REASON_MAX_LENGTH,
        widget=forms.TextInput,
    )
