"""Forms of a municipality's own pages: the self-assessment, the circle exercise, the
milestones and the awareness actions.

Each form carries the version of the status it was opened on (``base_version``), so the
service can tell a change made meanwhile by someone else from the user's own edit. A form
turns its fields into the values of the status document (``values()``); the checks that
decide what may be stored are the service's (municipalities.status.clean_part), the form's
own checks are there to put the message next to the field.
"""

from __future__ import annotations

import datetime as dt

from crispy_forms.bootstrap import InlineRadios, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.forms import MAX_POSITIVE_INT
from municipalities.enums import Audience, Contribution, MilestoneKind
from municipalities.services.documents import ACCEPT, document_type
from municipalities.status import (
    LINK_LENGTH,
    MAX_LINKS,
    MAX_REACH,
    NOTE_LENGTH,
    TITLE_LENGTH,
    Path,
)

EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
YES, NO = "yes", "no"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"min": EARLIEST.isoformat(), "max": LATEST.isoformat(), **(attrs or {})},
            format="%Y-%m-%d",
        )


def date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        validators=[_date_in_range],
    )


def _date_in_range(value: dt.date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(_("Choose a date between 2000 and 2100."))


def _submit(label) -> StrictButton:
    return StrictButton(label, type="submit", name="save", css_class="btn-primary")


class StatusForm(forms.Form):
    """A form on one municipality's status, opened on version `base_version`."""

    base_version = forms.IntegerField(
        min_value=0, max_value=MAX_POSITIVE_INT, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.form_method = "post"

    def clean(self):
        cleaned = super().clean()
        # Hidden fields show no error of their own: say it above the form.
        hidden = [name for name, field in self.fields.items() if field.widget.is_hidden]
        if any(name in self.errors for name in hidden):
            self.add_error(None, _("This form is out of date or was changed: open the page again."))
        return cleaned

    def move_to(self, number: int) -> None:
        """After a refused save: the same input, on the current version, so that the next
        submit overwrites the other person's change on purpose."""
        self.data = self.data.copy()
        self.data[self.add_prefix("base_version")] = str(number)

    def values(self) -> dict[Path, object]:
        raise NotImplementedError


# --- The self-assessment ------------------------------------------------------------------


def question_field(question) -> str:
    return f"q_{question.pk}"


class AssessmentForm(StatusForm):
    """One radio choice per active question of a track."""

    def __init__(self, *args, track: str, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.track = track
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question_field(question)] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                required=False,
                widget=forms.RadioSelect,
                choices=[(str(option.pk), option.text) for option in question.options.all()],
            )
        self.helper.layout = Layout(
            Field("base_version"),
            *(Field(question_field(q)) for q in self.questions),
            Div(_submit(_("Save answers")), css_class="d-grid d-sm-flex gap-2"),
        )

    @staticmethod
    def initial_for(answers: dict | None, questions) -> dict:
        answers = answers or {}
        return {
            question_field(q): str(answers[str(q.pk)])
            for q in questions
            if answers.get(str(q.pk)) is not None
        }

    def values(self) -> dict[Path, object]:
        answers = {
            str(q.pk): int(self.cleaned_data[question_field(q)])
            for q in self.questions
            if self.cleaned_data.get(question_field(q))
        }
        return {("assessment", self.track): answers}


# --- The circle exercise --------------------------------------------------------------------


class GoalForm(StatusForm):
    """Today's contribution and the ambition on one SDG, its targets, a note and links."""

    today = forms.ChoiceField(
        label=pgettext_lazy("circle exercise", "What we contribute today"),
        choices=Contribution.choices,
        widget=forms.RadioSelect,
    )
    ambition = forms.ChoiceField(
        label=pgettext_lazy("circle exercise", "What we want to contribute in the coming years"),
        choices=Contribution.choices,
        widget=forms.RadioSelect,
    )
    targets = forms.MultipleChoiceField(
        label=gettext_lazy("Targets we work on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    links = forms.CharField(
        label=gettext_lazy("Evidence links"),
        help_text=gettext_lazy("Up to 5 web addresses (https://...), one per line."),
        required=False,
        max_length=MAX_LINKS * (LINK_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url"}),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = [
            (
                target.code,
                format_html(
                    '<strong>{}</strong> <span lang="en">{}</span>', target.code, target.text_en
                ),
            )
            for target in targets
        ]
        self.helper.layout = Layout(
            Field("base_version"),
            Div(
                Div(InlineRadios("today"), css_class="col-sm-6"),
                Div(InlineRadios("ambition"), css_class="col-sm-6"),
                css_class="row",
            ),
            Field("targets", css_class="portal-targets"),
            Field("note"),
            Field("links"),
            Div(_submit(_("Save this goal")), css_class="d-grid d-sm-flex gap-2"),
        )

    @staticmethod
    def initial_for(goal: dict | None) -> dict:
        goal = goal or {}
        return {
            "today": goal.get("today") or Contribution.NONE,
            "ambition": goal.get("ambition") or Contribution.NONE,
            "targets": list(goal.get("targets") or []),
            "note": goal.get("note") or "",
            "links": "\n".join(goal.get("links") or []),
        }

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines()]
        links = [line for line in lines if line]
        if len(links) > MAX_LINKS:
            raise ValidationError(_("At most %(n)s links.") % {"n": MAX_LINKS})
        check = URLValidator(schemes=["http", "https"])
        for link in links:
            if len(link) > LINK_LENGTH:
                raise ValidationError(
                    _("A link has at most %(n)s characters.") % {"n": LINK_LENGTH}
                )
            try:
                check(link)
            except ValidationError:
                raise ValidationError(
                    _("“%(link)s” is not a web address (https://...).") % {"link": link[:80]}
                ) from None
        return links

    def values(self, number: int) -> dict[Path, object]:
        data = self.cleaned_data
        return {
            ("goals", str(number)): {
                "today": data["today"],
                "ambition": data["ambition"],
                "targets": data["targets"],
                "note": data["note"],
                "links": data["links"],
            }
        }


# --- The milestones ---------------------------------------------------------------------------


def milestone_field(kind: str, name: str) -> str:
    return f"{kind}-{name}"


class MilestoneDocument(LayoutObject):
    """The milestone's current document (a download link) and the box to remove it."""

    template = "portal/_milestone_document.html"

    def __init__(self, kind: str):
        self.kind = kind
        self.fields = [milestone_field(kind, "remove_document")]

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        if hasattr(form, "rendered_fields"):
            form.rendered_fields.update(self.fields)
        return render_to_string(
            self.template,
            {
                "document": form.document_of(self.kind),
                "remove": form[self.fields[0]],
                "nis_code": form.nis_code,
            },
        )


class MilestonesForm(StatusForm):
    """All six milestones in one form: achieved, a date, a link and a document each."""

    def __init__(self, *args, documents: dict, nis_code: str, **kwargs):
        """`documents`: the municipality's own uploaded files, by id."""
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.nis_code = nis_code
        document_choices = [("", "")] + [(str(pk), d.name) for pk, d in documents.items()]
        rows = []
        for kind, label in MilestoneKind.choices:
            self.fields[milestone_field(kind, "achieved")] = forms.ChoiceField(
                label=_("Achieved?"),
                required=False,
                widget=forms.RadioSelect,
                choices=[(YES, _("Yes")), (NO, _("No"))],
            )
            self.fields[milestone_field(kind, "date")] = date_field(_("Date"))
            self.fields[milestone_field(kind, "link")] = forms.URLField(
                label=_("Link"),
                required=False,
                max_length=LINK_LENGTH,
                assume_scheme="https",
                widget=forms.URLInput(attrs={"placeholder": "https://"}),
            )
            self.fields[milestone_field(kind, "document")] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                choices=document_choices,
                widget=forms.HiddenInput,
            )
            self.fields[milestone_field(kind, "upload")] = forms.FileField(
                label=_("Document (PDF, image or Office file, at most 10 MB)"),
                required=False,
                max_length=200,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )
            self.fields[milestone_field(kind, "remove_document")] = forms.BooleanField(
                label=_("Remove the document"), required=False
            )
            rows.append(
                Fieldset(
                    label,
                    InlineRadios(milestone_field(kind, "achieved")),
                    Div(
                        Div(Field(milestone_field(kind, "date")), css_class="col-sm-4"),
                        Div(Field(milestone_field(kind, "link")), css_class="col-sm-8"),
                        css_class="row",
                    ),
                    Field(milestone_field(kind, "document")),
                    MilestoneDocument(kind),
                    Field(milestone_field(kind, "upload")),
                    css_class="border rounded p-3 mb-3",
                    css_id=f"milestone-{kind}",
                )
            )
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Field("base_version"),
            *rows,
            Div(_submit(_("Save milestones")), css_class="d-grid d-sm-flex gap-2"),
        )

    @staticmethod
    def initial_for(milestones: dict | None) -> dict:
        initial = {}
        for kind in MilestoneKind.values:
            value = (milestones or {}).get(kind)
            if value is None:
                continue
            initial[milestone_field(kind, "achieved")] = YES if value.get("achieved") else NO
            initial[milestone_field(kind, "date")] = value.get("date") or ""
            initial[milestone_field(kind, "link")] = value.get("link") or ""
            if value.get("document") is not None:
                initial[milestone_field(kind, "document")] = str(value["document"])
        return initial

    def clean(self):
        cleaned = super().clean()
        for kind in MilestoneKind.values:
            name = milestone_field(kind, "upload")
            upload = cleaned.get(name)
            if upload:
                try:
                    document_type(upload)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def uploads(self) -> dict[str, object]:
        """The files chosen in this submit, by milestone."""
        return {
            kind: self.cleaned_data[milestone_field(kind, "upload")]
            for kind in MilestoneKind.values
            if self.cleaned_data.get(milestone_field(kind, "upload"))
        }

    def attach(self, kind: str, document_pk: int) -> None:
        """A file of this submit is stored: the milestone points at it, also when the form
        is shown again (after a refused save the file need not be chosen again)."""
        self.cleaned_data[milestone_field(kind, "document")] = document_pk
        self.cleaned_data[milestone_field(kind, "remove_document")] = False
        self.data = self.data.copy()
        self.data[self.add_prefix(milestone_field(kind, "document"))] = str(document_pk)
        self.data.pop(self.add_prefix(milestone_field(kind, "remove_document")), None)

    def document_of(self, kind: str):
        """The document the form currently points this milestone at (for the template)."""
        raw = self[milestone_field(kind, "document")].value()
        try:
            return self.documents.get(int(raw))
        except (TypeError, ValueError):
            return None

    def values(self) -> dict[Path, object]:
        data = self.cleaned_data
        values: dict[Path, object] = {}
        for kind in MilestoneKind.values:
            achieved = data.get(milestone_field(kind, "achieved"))
            document = data.get(milestone_field(kind, "document"))
            if data.get(milestone_field(kind, "remove_document")):
                document = None
            day = data.get(milestone_field(kind, "date"))
            values[("milestones", kind)] = {
                "achieved": None if not achieved else achieved == YES,
                "date": day.isoformat() if day else None,
                "link": data.get(milestone_field(kind, "link")) or "",
                "document": document,
            }
        return values


# --- The awareness actions --------------------------------------------------------------------


class ActionForm(StatusForm):
    """One awareness action: when, what, whom it reached and how many people."""

    date = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        validators=[_date_in_range],
    )
    title = forms.CharField(label=gettext_lazy("What was it?"), max_length=TITLE_LENGTH)
    audiences = forms.MultipleChoiceField(
        label=gettext_lazy("Audiences"),
        required=False,
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reach = forms.IntegerField(
        label=gettext_lazy("Reach (number of people)"),
        required=False,
        min_value=0,
        max_value=MAX_REACH,
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        buttons = [_submit(_("Save action") if editing else _("Add action"))]
        if editing:
            buttons.append(
                StrictButton(
                    _("Delete action"), type="submit", name="delete", css_class="btn-outline-danger"
                )
            )
        self.helper.layout = Layout(
            Field("base_version"),
            Field("title"),
            Div(
                Div(Field("date"), css_class="col-sm-6"),
                Div(Field("reach"), css_class="col-sm-6"),
                css_class="row",
            ),
            Field("audiences"),
            Div(*buttons, css_class="d-grid d-sm-flex gap-2"),
        )

    @staticmethod
    def initial_for(action: dict | None) -> dict:
        action = action or {}
        return {
            "date": action.get("date") or "",
            "title": action.get("title") or "",
            "audiences": list(action.get("audiences") or []),
            "reach": action.get("reach"),
        }

    def values(self, key: str) -> dict[Path, object]:
        data = self.cleaned_data
        return {
            ("actions", key): {
                "date": data["date"].isoformat() if data.get("date") else None,
                "title": data["title"],
                "audiences": data["audiences"],
                "reach": data.get("reach"),
            }
        }


class DeleteActionForm(StatusForm):
    """Deleting an action needs only the version the page showed."""


class RestoreForm(forms.Form):
    base_version = forms.IntegerField(min_value=0, max_value=MAX_POSITIVE_INT)
