"""The staff's meeting forms. Every field is bounded; the views hand cleaned data to
meetings.services, the forms never save."""

from __future__ import annotations

import re
from datetime import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import (
    COMMENT_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    NAME_MAX_LENGTH,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
)
from core.uploads import ACCEPT, MAX_SIZE, document_type
from municipalities.enums import Audience
from municipalities.models import Municipality
from selection.models import Programme

from .enums import (
    ContactScope,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from .selectors import PAST, UPCOMING

LINK_MAX_LENGTH = 500
REASON_MAX_LENGTH = 100
# A meeting of the programme is planned within these years; anything else is a typing error
# (and year 1 or 9999 would not survive the conversion to UTC).
FIRST_YEAR, LAST_YEAR = 2000, 2100
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
_NIS = re.compile(r"^\d{5}$")
SIMPLE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "online_link",
    "description",
    "audience",
    "contact_scope",
)


class MunicipalityMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Municipalities by NIS code: anything but five digits is not a choice (it never reaches
    the database, where a NUL character or a huge string would be an error)."""

    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else [value]:
            if item in self.empty_values:
                continue
            if not isinstance(item, str) or not _NIS.match(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.nis_code})"


class MunicipalityChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and (not isinstance(value, str) or not _NIS.match(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def label_from_instance(self, obj):
        return obj.name


class PersonMultipleChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class LocalDateTimeField(forms.DateTimeField):
    """A date and time on the Brussels wall clock (a datetime-local input), made aware in
    the current time zone; a time that does not exist or is ambiguous there (the last
    Sundays of March and October) is refused by Django's own check."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 30:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        result = super().to_python(value)
        if isinstance(result, datetime) and not FIRST_YEAR <= result.year <= LAST_YEAR:
            raise ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
                code="year",
            )
        return result


class MeetingForm(forms.Form):
    """A meeting's facts, audience and times (local time); on a published meeting a change
    of time or place is a reschedule, which the service tells the invitees about."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=NAME_MAX_LENGTH)
    programme = BoundedModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    starts_at = LocalDateTimeField(label=_("Starts at"))
    ends_at = LocalDateTimeField(label=_("Ends at"))
    location = forms.CharField(label=_("Place"), max_length=NAME_MAX_LENGTH, required=False)
    online_link = forms.URLField(
        label=_("Online link"),
        max_length=LINK_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=LONG_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=MeetingAudience.choices)
    contact_scope = forms.ChoiceField(label=_("Contacts invited"), choices=ContactScope.choices)
    chosen_municipalities = MunicipalityMultipleChoiceField(
        label=_("Chosen municipalities"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("For the audience “chosen municipalities and people”."),
    )
    chosen_people = PersonMultipleChoiceField(
        label=_("Chosen people"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("For the audience “chosen municipalities and people”."),
    )

    def __init__(self, *args, meeting=None, **kwargs):
        if meeting is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(meeting, name) for name in SIMPLE_FIELDS},
                "programme": meeting.programme_id,
                "chosen_municipalities": list(
                    meeting.chosen_municipalities.values_list("pk", flat=True)
                ),
                "chosen_people": list(meeting.chosen_people.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["programme"].queryset = Programme.objects.order_by("-starts_on", "-pk")
        self.fields["chosen_municipalities"].queryset = Municipality.objects.order_by("name")
        self.fields["chosen_people"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("email")
        )
        published = meeting is not None and meeting.status == MeetingStatus.PUBLISHED
        self.helper = FormHelper()
        self.helper.form_id = "meeting-form"
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-12 col-md-4"),
                Column("programme", css_class="col-12 col-md-8"),
            ),
            Field("title"),
            Row(
                Column("starts_at", css_class="col-12 col-md-6"),
                Column("ends_at", css_class="col-12 col-md-6"),
            ),
            Row(
                Column("location", css_class="col-12 col-md-6"),
                Column("online_link", css_class="col-12 col-md-6"),
            ),
            Field("description"),
            Fieldset(
                _("Who is invited"),
                Row(
                    Column("audience", css_class="col-12 col-md-6"),
                    Column("contact_scope", css_class="col-12 col-md-6"),
                ),
                Row(
                    Column("chosen_municipalities", css_class="col-12 col-md-6"),
                    Column("chosen_people", css_class="col-12 col-md-6"),
                ),
            ),
            Submit(
                "save",
                _("Save and tell the invitees") if published else _("Save"),
                css_class="btn-primary",
            ),
        )

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if data.get("audience") == MeetingAudience.CHOSEN and not (
            data.get("chosen_municipalities") or data.get("chosen_people")
        ):
            self.add_error(
                "chosen_municipalities", _("Choose the municipalities or the people to invite.")
            )
        if (
            not (data.get("location") or data.get("online_link"))
            and "online_link" not in self.errors
        ):
            self.add_error("location", _("Give a place or an online link."))
        return data

    def service_fields(self) -> dict:
        """The cleaned data as meetings.services' keyword arguments."""
        data = dict(self.cleaned_data)
        data["chosen_municipalities"] = list(data["chosen_municipalities"])
        data["chosen_people"] = list(data["chosen_people"])
        return data


class MeetingFilterForm(forms.Form):
    """The list's filters (GET)."""

    WHEN = [(UPCOMING, _("Upcoming")), (PAST, _("Past")), ("all", _("All"))]

    programme = BoundedModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *MeetingKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *MeetingStatus.choices],
        required=False,
    )
    when = forms.ChoiceField(label=_("When"), choices=WHEN, required=False, initial=UPCOMING)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.order_by("-starts_on", "-pk")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "meeting-filter"
        self.helper.layout = Layout(
            Row(
                Column("programme", css_class="col-12 col-md-3"),
                Column("kind", css_class="col-12 col-md-3"),
                Column("status", css_class="col-6 col-md-2"),
                Column("when", css_class="col-6 col-md-2"),
                Column(
                    Submit("filter", _("Filter"), css_class="btn-outline-primary mt-md-4"),
                    css_class="col-12 col-md-2",
                ),
            )
        )

    def filters(self) -> dict:
        if not self.is_bound:
            return {"when": UPCOMING}
        if not self.is_valid():
            return {"when": UPCOMING}
        data = self.cleaned_data
        return {
            "programme": data.get("programme"),
            "kind": data.get("kind") or None,
            "status": data.get("status") or None,
            "when": data.get("when") or UPCOMING,
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the meeting's history)"),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )


class ReportForm(forms.Form):
    """The minutes and the short outcome report (rendered inside the meeting's page)."""

    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=LONG_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    outcome = forms.CharField(
        label=_("Outcome report"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short public report of the outcome."),
    )


class DocumentForm(forms.Form):
    """A file for the meeting: PDF, Office or an image; its content decides its type."""

    file = forms.FileField(
        label=_("Document (PDF, image or Office file, at most %(mb)s MB)")
        % {"mb": MAX_SIZE // (1024 * 1024)},
        max_length=NAME_MAX_LENGTH,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        document_type(upload)
        return upload


class AttendanceForm(forms.Form):
    """A checkbox per active invitee: ticked attended, unticked did not."""

    attended = forms.TypedMultipleChoiceField(
        label=_("Attended"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, invitations, **kwargs):
        self.invitations = list(invitations)
        if "initial" not in kwargs:
            kwargs["initial"] = {"attended": [i.pk for i in self.invitations if i.attended]}
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (invitation.pk, _label_of(invitation)) for invitation in self.invitations
        ]
        self.helper = FormHelper()
        self.helper.form_id = "attendance-form"
        self.helper.layout = Layout(
            Field("attended"),
            Submit("save", _("Save the attendance"), css_class="btn-primary"),
        )

    def attendance(self) -> dict[int, bool]:
        ticked = set(self.cleaned_data["attended"])
        return {invitation.pk: invitation.pk in ticked for invitation in self.invitations}


def _label_of(invitation) -> str:
    person = invitation.user.get_full_name() or invitation.user.email
    if invitation.municipality_id:
        return f"{person} ({invitation.municipality.name})"
    return person


class ExpectationForm(forms.Form):
    """An expectation raised at this meeting, by a municipality or the group as a whole."""

    municipality = MunicipalityChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("The group as a whole"),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ExpectationCategory.choices)
    text = forms.CharField(
        label=_("Expectation"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audiences = forms.MultipleChoiceField(
        label=_("About"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.helper = FormHelper()
        self.helper.form_id = "expectation-form"
        self.helper.layout = Layout(
            Row(
                Column("municipality", css_class="col-12 col-md-6"),
                Column("category", css_class="col-12 col-md-6"),
            ),
            Field("text"),
            Field("audiences"),
            Submit("record", _("Record the expectation"), css_class="btn-primary"),
        )


class ReviewForm(forms.Form):
    """Per earlier expectation: met / partly / not at this meeting, with a note. A row left
    empty is not reviewed now (an earlier review at this meeting stays)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for expectation, review in rows:
            fulfilment = forms.ChoiceField(
                label=_("Met?"),
                choices=[("", "—"), *Fulfilment.choices],
                required=False,
                initial=review.fulfilment if review else "",
            )
            note = forms.CharField(
                label=_("Note"),
                max_length=COMMENT_MAX_LENGTH,
                required=False,
                initial=review.note if review else "",
            )
            self.fields[f"fulfilment_{expectation.pk}"] = fulfilment
            self.fields[f"note_{expectation.pk}"] = note
        for expectation, review in rows:
            self.rows.append(
                {
                    "expectation": expectation,
                    "review": review,
                    "fulfilment": self[f"fulfilment_{expectation.pk}"],
                    "note": self[f"note_{expectation.pk}"],
                }
            )

    def reviews(self) -> list[tuple[object, str, str]]:
        """(expectation, fulfilment, note) of each row given a fulfilment."""
        result = []
        for row in self.rows:
            pk = row["expectation"].pk
            fulfilment = self.cleaned_data.get(f"fulfilment_{pk}")
            if fulfilment:
                result.append(
                    (row["expectation"], fulfilment, self.cleaned_data.get(f"note_{pk}", ""))
                )
        return result


# --- Agenda and links --------------------------------------------------------------------

# More than enough for a day's programme; a bound keeps a crafted POST small.
AGENDA_MAX_ITEMS = 40
LINKS_MAX = 20


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=NAME_MAX_LENGTH)
    minutes = forms.IntegerField(
        label=pgettext_lazy("duration", "Minutes"), min_value=1, max_value=600, required=False
    )
    description = forms.CharField(
        label=_("Explanation"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MeetingLinkForm(forms.Form):
    title = forms.CharField(label=_("Link text"), max_length=NAME_MAX_LENGTH)
    url = forms.URLField(label=_("Address"), max_length=LINK_MAX_LENGTH, assume_scheme="https")


AgendaFormSet = forms.formset_factory(
    AgendaItemForm,
    extra=3,
    can_delete=True,
    max_num=AGENDA_MAX_ITEMS,
    validate_max=True,
    absolute_max=AGENDA_MAX_ITEMS,
)
LinkFormSet = forms.formset_factory(
    MeetingLinkForm,
    extra=2,
    can_delete=True,
    max_num=LINKS_MAX,
    validate_max=True,
    absolute_max=LINKS_MAX,
)


class AgendaVersionForm(forms.Form):
    """What the agenda was when the page was opened (meetings.services.agenda_version)."""

    version = forms.CharField(max_length=64, widget=forms.HiddenInput)


def filled_rows(formset) -> list[dict]:
    """The rows of a valid formset that are filled in and not marked to be deleted, in
    their order on the page."""
    return [
        {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
