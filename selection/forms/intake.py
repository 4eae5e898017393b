"""Forms for candidacy intake: the online application, the admin entry and the file import."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import limit_length
from selection.enums import CandidacyState
from selection.models import Candidacy
from selection.services.intake import (
    CANDIDACY_FIELDS,
    MAX_MOTIVATION_LENGTH,
    MIN_MOTIVATION_LENGTH,
    candidacy_validate,
)

SAVE_BUTTON = "save"
SUBMIT_BUTTON = "submit_candidacy"


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class _IntakeFormMixin:
    """Runs the intake service's completeness check, so a form shows the same errors."""

    submitting = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's TextField has no length; the service refuses more than this too.
        if "motivation" in self.fields:
            limit_length(self.fields["motivation"], MAX_MOTIVATION_LENGTH)

    def intake_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CANDIDACY_FIELDS if name in self.fields}

    def clean(self):
        cleaned_data = super().clean()
        if self.submitting:
            try:
                candidacy_validate(cleaned_data, submit=True)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned_data


class CandidacyApplicationForm(_IntakeFormMixin, forms.ModelForm):
    """A contact's application. Read-only (every field disabled) once the call is closed."""

    class Meta:
        model = Candidacy
        # The SDG status comes from the municipality's self-assessment (see the service).
        fields = [name for name in CANDIDACY_FIELDS if name != "sdg_status"]
        labels = {
            "motivation": gettext_lazy("Why does your municipality want to take part?"),
            "has_contact_person": gettext_lazy(
                "Our municipality has a contact person for the SDGs"
            ),
            "contact_name": gettext_lazy("Name of the contact person"),
            "contact_email": gettext_lazy("E-mail"),
            "contact_phone": gettext_lazy("Phone"),
            "has_twinning": gettext_lazy("Our municipality has a town twinning"),
            "twinning_partner": gettext_lazy("Twinning partner"),
            "flemish_gos_subsidy": gettext_lazy(
                "We receive the Flemish impulse subsidy for municipal development cooperation (GOS)"
            ),
            "federal_subsidy": gettext_lazy(
                "We receive a subsidy from the federal development-cooperation programme"
            ),
        }
        help_texts = {
            "twinning_partner": gettext_lazy("The partner municipality in the South."),
        }
        widgets = {"motivation": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, editable: bool = True, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        submitted = self.instance.pk is not None and self.instance.state == (
            CandidacyState.SUBMITTED
        )
        motivation = self.fields["motivation"]
        motivation.help_text = _(
            "At least %(minimum)d characters. What do you expect from the trajectory, and "
            "how do the SDGs fit your environment analysis and multi-year plan?"
        ) % {"minimum": MIN_MOTIVATION_LENGTH}
        motivation.widget.attrs.update(
            {
                "data-intake-minimum": str(MIN_MOTIVATION_LENGTH),
                "data-intake-counter": _("%(count)s characters, at least %(minimum)s")
                % {"count": "{count}", "minimum": MIN_MOTIVATION_LENGTH},
            }
        )
        self.fields["has_contact_person"].widget.attrs["data-intake-toggle"] = (
            "intake-contact-details"
        )
        self.fields["has_twinning"].widget.attrs["data-intake-toggle"] = "intake-twinning-partner"
        if not editable:
            for field in self.fields.values():
                field.disabled = True

        self.helper = FormHelper()
        self.helper.form_tag = editable
        self.helper.layout = Layout(
            Fieldset(_("Motivation"), "motivation"),
            Fieldset(
                _("Contact person"),
                "has_contact_person",
                Div(
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    css_id="intake-contact-details",
                ),
            ),
            Fieldset(
                _("Where your municipality stands"),
                "has_twinning",
                Div("twinning_partner", css_id="intake-twinning-partner"),
                "flemish_gos_subsidy",
                "federal_subsidy",
            ),
        )
        if not editable:
            return
        if submitted:
            buttons = [
                StrictButton(
                    _("Save changes"), type="submit", name=SAVE_BUTTON, css_class="btn-primary"
                )
            ]
        else:
            buttons = [
                StrictButton(
                    _("Save as draft"),
                    type="submit",
                    name=SAVE_BUTTON,
                    css_class="btn-outline-primary",
                ),
                StrictButton(
                    _("Submit candidacy"),
                    type="submit",
                    name=SUBMIT_BUTTON,
                    css_class="btn-primary",
                ),
            ]
        self.helper.layout.append(Div(*buttons, css_class="d-flex flex-wrap gap-2"))


class CandidacyAdminForm(_IntakeFormMixin, forms.ModelForm):
    """Staff entry in the admin; "submitted" cannot be undone, as for the online form."""

    submit = forms.BooleanField(
        label=gettext_lazy("Submitted"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "A submitted candidacy needs a motivation and complete contact and twinning "
            "details. It cannot go back to draft."
        ),
    )

    class Meta:
        model = Candidacy
        fields = ["programme", "municipality", *CANDIDACY_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            already = self.instance.state == CandidacyState.SUBMITTED
            self.fields["submit"].initial = already
            self.fields["submit"].disabled = already

    def clean(self):
        self.submitting = bool(self.cleaned_data.get("submit"))
        return super().clean()


class CandidacyImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "file",
            Div(StrictButton(_("Import"), type="submit", css_class="btn-primary")),
        )
