"""The staff's partner forms. Every field is bounded; the views hand cleaned data to
partners.services, the forms never save."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import (
    COMMENT_MAX_LENGTH,
    NAME_MAX_LENGTH,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from core.uploads import ACCEPT, MAX_SIZE, document_type
from meetings.models import Meeting

from .enums import PartnerKind

# A contact or report date of the programme lies within these years; anything else is a
# typing error.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class BoundedDateField(forms.DateField):
    """A date (a date input) between FIRST_YEAR and LAST_YEAR."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 30:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        result = super().to_python(value)
        if isinstance(result, dt.date) and not FIRST_YEAR <= result.year <= LAST_YEAR:
            raise ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="year",
            )
        return result


class PersonChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class MeetingMultipleChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({timezone.localtime(obj.starts_at):%d/%m/%Y})"


class PartnerFilterForm(forms.Form):
    """The partner list's filter (GET)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *PartnerKind.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "partner-filter"
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-12 col-md-4"),
                Column(
                    Submit("filter", _("Filter"), css_class="btn-outline-primary mt-md-4"),
                    css_class="col-12 col-md-2",
                ),
            )
        )

    def chosen_kind(self) -> str | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["kind"] or None
        return None


class ContactForm(forms.Form):
    """A contact with a partner: when, who of the staff, about what, how it ended, the
    meetings it concerned and a document (its content decides its type)."""

    date = BoundedDateField(label=_("Date"))
    who = PersonChoiceField(
        label=_("Staff member"), queryset=get_user_model().objects.none(), required=False
    )
    topic = forms.CharField(label=_("Topic"), max_length=NAME_MAX_LENGTH)
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    meetings = MeetingMultipleChoiceField(
        label=_("Linked meetings"), queryset=Meeting.objects.none(), required=False
    )
    document = forms.FileField(
        label=_("Document (PDF, image or Office file, at most %(mb)s MB)")
        % {"mb": MAX_SIZE // (1024 * 1024)},
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
        )
        self.fields["who"].help_text = _("Leave empty when it was you.")
        self.fields["meetings"].queryset = Meeting.objects.filter(programme=programme).order_by(
            "starts_at", "pk"
        )
        self.helper = FormHelper()
        # The template holds the <form> tag: it posts to the partner's contact URL.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("date", css_class="col-12 col-md-4"),
                Column("who", css_class="col-12 col-md-8"),
            ),
            Field("topic"),
            Field("outcome"),
            Field("meetings", size=6),
            Field("document"),
        )

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("A contact cannot lie in the future."), code="future")
        return date

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if upload:
            document_type(upload)
        return upload or None


class SubmitReportForm(forms.Form):
    """The day a report went to the funder (rendered beside each open report)."""

    submitted_on = BoundedDateField(label=_("Submitted on"))

    def clean_submitted_on(self):
        day = self.cleaned_data["submitted_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A report cannot be submitted in the future."), code="future")
        return day
