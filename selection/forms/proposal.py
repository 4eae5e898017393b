from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import (
    LONG_TEXT_MAX_LENGTH,
    MAX_ID,
    NAME_MAX_LENGTH,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from selection.enums import AggregationMethod, AmendmentAction, DecisionRule, Vote

# No board comes near this; it keeps a typing error from reaching the database.
MAX_QUORUM = 1000


class CandidacyChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.municipality.name} ({obj.municipality.province.name})"


class CandidacyMultipleChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.municipality.name} ({obj.municipality.province.name})"


class RunForm(forms.Form):
    """Run the optimiser: aggregation method and optional must-include / must-exclude."""

    method = forms.ChoiceField(
        label=_("Aggregation"),
        choices=AggregationMethod.choices,
        initial=AggregationMethod.MEAN,
    )
    include = CandidacyMultipleChoiceField(
        label=_("Must be in the pilot group"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Optional. Hold Ctrl (or Cmd) to choose more than one."),
    )
    exclude = CandidacyMultipleChoiceField(
        label=_("Must not be in the pilot group"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Optional. Hold Ctrl (or Cmd) to choose more than one."),
    )

    def __init__(self, *args, candidacies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["include"].queryset = candidacies
        self.fields["exclude"].queryset = candidacies
        self.helper = FormHelper()
        self.helper.form_id = "run-form"
        self.helper.layout = Layout(
            Field("method"),
            Row(
                Column("include", css_class="col-12 col-md-6"),
                Column("exclude", css_class="col-12 col-md-6"),
            ),
            Submit("run", _("Run the optimiser"), css_class="btn-primary"),
        )


class WithdrawForm(forms.Form):
    """Mark one candidacy of a run as withdrawn (the button on each selected row)."""

    candidacy = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class DecisionForm(forms.Form):
    """The meeting, the quorum, the minutes, and per active member: present and vote."""

    meeting_date = forms.DateField(
        label=_("Meeting date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    meeting_location = forms.CharField(label=_("Meeting location"), max_length=NAME_MAX_LENGTH)
    quorum = forms.IntegerField(
        label=_("Quorum"),
        min_value=1,
        max_value=MAX_QUORUM,
        help_text=_("Members who must be present for a valid decision."),
    )
    rule = forms.ChoiceField(
        label=_("Decision rule"),
        choices=DecisionRule.choices,
        initial=DecisionRule.UNANIMITY,
        help_text=_("Stated before the vote: how the votes carry the decision."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=LONG_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        # A quorum above the board's size could never be met.
        self.fields["quorum"].max_value = max(1, len(self.members))
        self.fields["quorum"].validators.append(MaxValueValidator(max(1, len(self.members))))
        member_rows = []
        for member in self.members:
            present, vote = f"present_{member.pk}", f"vote_{member.pk}"
            name = member.user.get_full_name() or member.user.email
            self.fields[present] = forms.BooleanField(
                label=_("%(name)s (%(organisation)s) present")
                % {"name": name, "organisation": member.organisation.name},
                required=False,
            )
            self.fields[vote] = forms.ChoiceField(
                label=_("Vote of %(name)s") % {"name": name},
                choices=[("", _("No vote")), *Vote.choices],
                required=False,
            )
            member_rows.append(
                Row(
                    Column(Field(present), css_class="col-12 col-sm-7"),
                    Column(Field(vote), css_class="col-12 col-sm-5"),
                    css_class="decision-member border-bottom pt-2 mx-0",
                )
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Meeting"),
                Row(
                    Column("meeting_date", css_class="col-12 col-sm-4"),
                    Column("meeting_location", css_class="col-12 col-sm-5"),
                    Column("quorum", css_class="col-12 col-sm-3"),
                ),
                "rule",
                "minutes",
            ),
            Fieldset(_("Attendance and votes"), *member_rows) if member_rows else HTML(""),
        )

    def clean(self):
        data = super().clean()
        for member in self.members:
            if data.get(f"vote_{member.pk}") and not data.get(f"present_{member.pk}"):
                self.add_error(f"vote_{member.pk}", _("Only a member who is present can vote."))
        return data

    def votes(self) -> dict[int, tuple[bool, str]]:
        """Per member id: (present, vote), for the service."""
        return {
            m.pk: (
                bool(self.cleaned_data.get(f"present_{m.pk}")),
                self.cleaned_data.get(f"vote_{m.pk}") or "",
            )
            for m in self.members
        }


class AmendmentForm(forms.Form):
    """One change by hand to the proposal, with its reason."""

    candidacy = CandidacyChoiceField(label=_("Municipality"), queryset=None)
    # A blank first choice, so that an unused extra row stays unchanged and is skipped.
    action = forms.ChoiceField(
        label=_("Change"), choices=[("", "---------"), *AmendmentAction.choices]
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000)

    def __init__(self, *args, candidacies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidacy"].queryset = candidacies
        # The inline table shows the labels as column heads only: each field needs its own
        # accessible name for screen readers.
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label


class BaseAmendmentFormSet(forms.BaseFormSet):
    def __init__(self, *args, candidacies, **kwargs):
        self.candidacies = candidacies
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.template = "bootstrap5/table_inline_formset.html"

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["candidacies"] = self.candidacies
        return kwargs

    def amendments(self) -> list[tuple]:
        """(candidacy, action, reason) of every filled row, for the service."""
        return [
            (f.cleaned_data["candidacy"], f.cleaned_data["action"], f.cleaned_data["reason"])
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("candidacy")
        ]


# Django builds as many rows as the posted TOTAL_FORMS says, up to 2,000 by default: seconds
# of work per request. A decision amends a handful of places.
MAX_AMENDMENTS = 50
AmendmentFormSet = forms.formset_factory(
    AmendmentForm,
    formset=BaseAmendmentFormSet,
    extra=3,
    can_delete=False,
    max_num=MAX_AMENDMENTS,
    absolute_max=MAX_AMENDMENTS,
    validate_max=True,
)
