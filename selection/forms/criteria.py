"""The quotas of a programme's diversity criteria, edited as one form on the criteria page."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from selection.selectors.criteria import CriteriaOverview, QuotaRow
from selection.services.criteria import QUOTA_BOUND_MAX, quota_key


class QuotasVersionForm(forms.Form):
    """What the criteria and quotas were when the page was opened (``quotas_version``)."""

    version = forms.CharField(max_length=64, widget=forms.HiddenInput)


def _bound_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=QUOTA_BOUND_MAX,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0}),
    )


@dataclass
class QuotaLine:
    row: QuotaRow
    minimum: forms.BoundField
    maximum: forms.BoundField


@dataclass
class CriterionBlock:
    criterion: object
    lines: list[QuotaLine]
    errors: list[str] = field(default_factory=list)


class QuotasForm(QuotasVersionForm):
    """Per value of each diversity criterion "at least" and "at most"; both empty: no quota.

    The checks against the pilot group are the service's (``quotas_save``); its errors come
    back to the fields and criteria they concern through :meth:`add_service_error`.
    """

    def __init__(self, *args, overview: CriteriaOverview, **kwargs):
        super().__init__(*args, **kwargs)
        self.overview = overview
        self._names: dict[str, str] = {}  # quota_key -> field name
        self._criterion_errors: dict[int, list[str]] = {}
        for block in overview.diversity:
            pk = block.criterion.pk
            for index, row in enumerate(block.rows):
                for bound, label, saved in (
                    ("min", _("%(value)s: at least"), row.minimum),
                    ("max", _("%(value)s: at most"), row.maximum),
                ):
                    name = f"q{pk}_{index}_{bound}"
                    self.fields[name] = _bound_field(label % {"value": row.label})
                    # Once locked the page shows the quotas; the service refuses a save.
                    self.fields[name].disabled = bool(overview.locked)
                    self.initial.setdefault(name, saved)
                    self._names[quota_key(pk, row.value, bound)] = name
        self.initial.setdefault("version", overview.version)
        if self.is_bound:
            # A browser sends every field, empty or not; a field missing from a crafted or
            # truncated POST keeps its saved bound instead of removing it.
            self.data = self.data.copy()
            for name in self._names.values():
                if name not in self.data:
                    saved = self.initial.get(name)
                    self.data[name] = "" if saved is None else str(saved)

    def blocks(self) -> list[CriterionBlock]:
        """The page's rows per criterion; a field with an error is marked for the eye and
        for a screen reader (its messages are the element ``<id>-errors``)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = "form-control form-control-sm is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-errors"
        return [
            CriterionBlock(
                criterion=block.criterion,
                lines=[
                    QuotaLine(
                        row=row,
                        minimum=self[f"q{block.criterion.pk}_{index}_min"],
                        maximum=self[f"q{block.criterion.pk}_{index}_max"],
                    )
                    for index, row in enumerate(block.rows)
                ],
                errors=self._criterion_errors.get(block.criterion.pk, []),
            )
            for block in self.overview.diversity
        ]

    def quotas(self) -> dict[int, dict[str, tuple[int | None, int | None]]]:
        """The posted quotas in the shape ``quotas_save`` takes; the form must be valid."""
        result: dict[int, dict[str, tuple[int | None, int | None]]] = {}
        for block in self.overview.diversity:
            pk = block.criterion.pk
            result[pk] = {
                row.value: (
                    self.cleaned_data.get(f"q{pk}_{index}_min"),
                    self.cleaned_data.get(f"q{pk}_{index}_max"),
                )
                for index, row in enumerate(block.rows)
            }
        return result

    def add_service_error(self, error: ValidationError) -> None:
        """Put the service's refusal by the fields or criteria it concerns."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        criteria = {
            str(block.criterion.pk): block.criterion.pk for block in self.overview.diversity
        }
        for key, errors in error.error_dict.items():
            messages = [message for e in errors for message in e.messages]
            if key in self._names:
                self.add_error(self._names[key], messages)
            elif key in criteria:
                self._criterion_errors.setdefault(criteria[key], []).extend(messages)
            else:  # NON_FIELD_ERRORS, or a key of no row on this page
                self.add_error(None, messages)

    def has_criterion_errors(self) -> bool:
        return any(self._criterion_errors.values())
