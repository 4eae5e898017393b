"""Forms of the board members' pages: the conflict declaration and the review."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import COMMENT_MAX_LENGTH, MAX_POSITIVE_INT
from selection.enums import ConflictType
from selection.models import Criterion, Review, Score
from selection.services.scoring import NOT_APPLICABLE

DEFAULT_SCALE_LABELS = (
    pgettext_lazy("score scale", "very weak"),
    pgettext_lazy("score scale", "weak"),
    pgettext_lazy("score scale", "adequate"),
    pgettext_lazy("score scale", "good"),
    pgettext_lazy("score scale", "excellent"),
)

DRAFT, SUBMIT, SUBMIT_NEXT = "draft", "submit", "submit_next"
# Optional text areas, without the generic field template's branches for other widgets.
COMMENT_FIELD_TEMPLATE = "selection/board_comment_field.html"


class ConflictDeclarationForm(forms.Form):
    conflict_type = forms.ChoiceField(
        label=_("Do you have a conflict of interest with this candidacy?"),
        choices=ConflictType.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “Other”, optional otherwise."),
    )

    def __init__(self, *args, readonly: bool = False, conflict_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if conflict_locked:
            # Only staff lift a declared conflict: "no conflict" is not on offer.
            self.fields["conflict_type"].choices = [
                choice for choice in ConflictType.choices if choice[0] != ConflictType.NONE
            ]
        self.helper = FormHelper()
        self.helper.form_id = "conflict-form"
        buttons = []
        if readonly:
            for bound_field in self.fields.values():
                bound_field.disabled = True
        else:
            buttons = [StrictButton(_("Save declaration"), type="submit", css_class="btn-primary")]
        self.helper.layout = Layout(
            Field("conflict_type"),
            Div(Field("note"), css_id="conflict-note"),
            Div(*buttons, css_class="d-grid d-sm-flex gap-2"),
        )


class CriterionBlock(LayoutObject):
    """One criterion's card: the row of labelled scores and the comment on it.

    One template for the pair, rather than a Div holding two Fields that crispy renders
    one by one: that per-field machinery took a good part of the dossier page's time.
    """

    template = "selection/board_criterion.html"

    def __init__(self, score: str, comment: str):
        self.fields = [score, comment]

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        score, comment = self.fields
        if hasattr(form, "rendered_fields"):
            form.rendered_fields.update(self.fields)
        return render_to_string(
            self.template,
            {
                "score": form[score],
                "options": scale_options(form[score]),
                "comment": form[comment],
                "form_show_errors": context.get("form_show_errors", True),
            },
        )


@dataclass(frozen=True)
class ScaleOption:
    """One choice of a score row: the radio input's attributes, ready to write, and its label."""

    attrs: str
    id: str
    label: str
    not_applicable: bool


def _attributes(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html writes them: in order, a True value as a bare
    # name, a False one left out, anything else escaped. Safe: every name and value is
    # escaped here (format_html_join would do the same at ten times the cost per choice).
    return mark_safe(  # noqa: S308
        "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


def scale_options(bound_field) -> list[ScaleOption]:
    """The bound field's radio inputs as Django's radio_option.html writes them (type, name,
    value, then the widget's attributes: class, id, checked, disabled), without rendering a
    template per choice."""
    options = []
    for option in bound_field.subwidgets:
        widget = option.data
        value = {} if widget["value"] is None else {"value": widget["value"]}
        options.append(
            ScaleOption(
                attrs=_attributes(
                    {"type": widget["type"], "name": widget["name"], **value, **widget["attrs"]}
                ),
                id=widget["attrs"].get("id", ""),
                label=widget["label"],
                not_applicable=widget["value"] == NOT_APPLICABLE,
            )
        )
    return options


def scale_choices(criterion: Criterion) -> list[tuple[str, str]]:
    """Five labelled choices, "1 – very weak" … "5 – excellent", and "not applicable"."""
    labels = criterion.scale_labels
    if not isinstance(labels, list) or len(labels) != 5:
        labels = DEFAULT_SCALE_LABELS
    choices = [(str(n), f"{n} – {label}") for n, label in enumerate(labels, start=1)]
    return [*choices, (NOT_APPLICABLE, str(_("not applicable")))]


def score_field(criterion_pk: int) -> str:
    return f"score_{criterion_pk}"


def comment_field(criterion_pk: int) -> str:
    return f"comment_{criterion_pk}"


class ReviewForm(forms.Form):
    """One row of labelled choices per judgement criterion, a comment each, an overall one.

    Every score may stay empty here: whether a submission is complete is the service's rule
    (it raises IncompleteReview), so drafts can be saved half-way.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_POSITIVE_INT)
    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Set by the button pressed; anything but a submit button saves a draft.
    action = forms.CharField(required=False, max_length=20)

    def __init__(
        self,
        *args,
        criteria: list[Criterion],
        readonly: bool = False,
        submitted: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.options = {"criteria": criteria, "readonly": readonly, "submitted": submitted}
        blocks = []
        for criterion in criteria:
            self.fields[score_field(criterion.pk)] = forms.ChoiceField(
                label=criterion.name,
                choices=scale_choices(criterion),
                required=False,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                help_text=criterion.rubric,
            )
            self.fields[comment_field(criterion.pk)] = forms.CharField(
                label=_("Comment on this criterion"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            blocks.append(CriterionBlock(score_field(criterion.pk), comment_field(criterion.pk)))
        if readonly:
            for bound_field in self.fields.values():
                bound_field.disabled = True
        self.helper = FormHelper()
        self.helper.form_id = "review-form"
        self.helper.attrs = {"data-board-review": "1"}
        self.helper.layout = Layout(
            "version",
            *blocks,
            Field("comment", template=COMMENT_FIELD_TEMPLATE),
            Div(*([] if readonly else self._buttons(submitted)), css_class="board-actions"),
        )

    @staticmethod
    def _buttons(submitted: bool) -> list[StrictButton]:
        draft_label = _("Back to draft") if submitted else _("Save draft")
        submit_label = _("Save and keep submitted") if submitted else _("Submit")
        return [
            StrictButton(
                draft_label,
                type="submit",
                name="action",
                value=DRAFT,
                css_class="btn-outline-secondary",
            ),
            StrictButton(
                submit_label, type="submit", name="action", value=SUBMIT, css_class="btn-primary"
            ),
            StrictButton(
                _("Submit and next"),
                type="submit",
                name="action",
                value=SUBMIT_NEXT,
                css_class="btn-success",
            ),
        ]

    @staticmethod
    def initial_for(review: Review | None, scores: dict[int, Score]) -> dict:
        """The form's initial values from the saved review."""
        if review is None:
            return {"version": 0}
        initial = {"version": review.version, "comment": review.comment}
        for criterion_pk, score in scores.items():
            if score.not_applicable:
                initial[score_field(criterion_pk)] = NOT_APPLICABLE
            elif score.value is not None:
                initial[score_field(criterion_pk)] = str(score.value)
            initial[comment_field(criterion_pk)] = score.comment
        return initial

    def with_version(self, version: int) -> ReviewForm:
        """The same input, bound again with the review's current version."""
        data = self.data.copy()
        data["version"] = str(version)
        return type(self)(data=data, **self.options)

    @property
    def next_requested(self) -> bool:
        return self.cleaned_data.get("action") == SUBMIT_NEXT

    def review_kwargs(self) -> dict:
        """The arguments of `review_save` from the cleaned input."""
        data = self.cleaned_data
        return {
            "scores": {c.pk: data.get(score_field(c.pk)) or None for c in self.criteria},
            "comments": {c.pk: data.get(comment_field(c.pk), "") for c in self.criteria},
            "comment": data.get("comment", ""),
            "submit": data.get("action") in (SUBMIT, SUBMIT_NEXT),
            "version": data["version"],
        }
