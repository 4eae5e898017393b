"""The staff ranking page and its exports: columns, sorting, filtering, number formatting.

Presentation only: the scores come from :mod:`selection.selectors.ranking`, which checks
that the user is staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property

from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from selection.enums import AggregationMethod, DiversityAttribute, SizeClass
from selection.models import Criterion, Programme
from selection.selectors.ranking import (
    DEFAULT_SORT,
    DISAGREEMENT_THRESHOLD,
    NO_LABEL,
    YES_LABEL,
    RankedCandidacy,
    ranked_with_criteria,
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True
    # The direction a first click sorts in: scores best first, names A to Z.
    descending_first: bool = True


@dataclass(frozen=True)
class Header:
    column: Column
    next_sort: str
    aria_sort: str


def _sort_value(row: RankedCandidacy, key: str, criteria_keys: dict[str, int]):
    if key == "rank":
        return row.rank
    if key == "name":
        return row.name.casefold()
    if key == "province":
        return row.province.casefold()
    if key == "n":
        return row.n_members
    if key in ("score", "median", "std", "range"):
        return getattr(row, key)
    return row.per_criterion.get(criteria_keys[key])


def _criterion_key(criterion: Criterion) -> str:
    return f"c{criterion.pk}"


HUNDREDTH = Decimal("0.01")


def two_decimals(value: float | None, decimal_separator: str) -> str:
    """`value` as `{{ value|floatformat:2|default:"–" }}` writes it, for a whole table at once.

    The same rounding (half up, from the shortest repr of the float), never "-0.00", and the
    active language's decimal separator, passed in once per table. Large or odd values go
    through the filter itself.
    """
    if value is None:
        return "–"
    number = Decimal(repr(value))
    try:
        rounded = number.quantize(HUNDREDTH, ROUND_HALF_UP) if number.is_finite() else None
    except InvalidOperation:  # more digits than the decimal context holds
        rounded = None
    if rounded is None or abs(rounded) >= 1000:
        # Digit grouping, where the settings ask for it, and odd values: the filter's business.
        return floatformat(value, 2) or "–"
    if not rounded:
        rounded = abs(rounded)
    return f"{rounded:f}".replace(".", decimal_separator)


@dataclass(frozen=True)
class RankingRow:
    """One row of the ranking page with its numbers written out (two decimals, "–" if none)."""

    ranked: RankedCandidacy
    score: str
    criterion_means: list[str]
    median: str
    std: str
    range: str


@dataclass
class RankingTable:
    programme: Programme
    method: str
    sort: str
    criteria: list[Criterion]
    rows: list[RankedCandidacy]
    total: int
    provinces: list[str]
    filters: dict[str, str] = field(default_factory=dict)
    threshold: float = DISAGREEMENT_THRESHOLD

    @property
    def columns(self) -> list[Column]:
        return [
            Column("rank", str(_("Rank")), descending_first=False),
            Column("name", str(_("Municipality")), numeric=False, descending_first=False),
            Column("province", str(_("Province")), numeric=False, descending_first=False),
            Column("score", str(_("Aggregate"))),
            *[Column(_criterion_key(c), f"{c.name} (×{float(c.weight):g})") for c in self.criteria],
            Column("median", str(_("Median"))),
            Column("n", str(pgettext_lazy("number of members who scored", "n"))),
            Column("std", str(_("Std. dev."))),
            Column("range", str(pgettext_lazy("spread of scores", "Range"))),
        ]

    @property
    def headers(self) -> list[Header]:
        """Each column with the sort a click on its header asks for next."""
        current = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        headers = []
        for column in self.columns:
            if column.key == current:
                next_sort = column.key if descending else f"-{column.key}"
                aria = "descending" if descending else "ascending"
            else:
                next_sort = f"-{column.key}" if column.descending_first else column.key
                aria = "none"
            headers.append(Header(column, next_sort, aria))
        return headers

    @cached_property
    def display_rows(self) -> list[RankingRow]:
        """The rows as the page shows them; formatted once, not cell by cell in the template."""
        separator = get_format("DECIMAL_SEPARATOR")
        return [
            RankingRow(
                ranked=row,
                score=two_decimals(row.score, separator),
                criterion_means=[two_decimals(m, separator) for m in row.criterion_means],
                median=two_decimals(row.median, separator),
                std=two_decimals(row.std, separator),
                range=two_decimals(row.range, separator),
            )
            for row in self.rows
        ]

    def export_header(self) -> list[str]:
        return [
            str(_("Rank")),
            str(_("NIS code")),
            str(_("Municipality")),
            str(_("Province")),
            str(_("Size class")),
            str(_("Outcome")),
            str(_("Aggregate")),
            *[c.name for c in self.criteria],
            str(_("Median")),
            str(_("Members")),
            str(_("Scores")),
            str(_("Std. dev.")),
            str(pgettext_lazy("spread of scores", "Range")),
            str(_("High disagreement")),
        ]

    def export_rows(self) -> list[list]:
        """The rows as shown, numbers as numbers (None where there is no score)."""
        return [
            [
                row.rank,
                row.candidacy.municipality_id,
                row.name,
                row.province,
                str(SizeClass(row.facts[DiversityAttribute.SIZE_CLASS]).label),
                row.candidacy.get_outcome_display(),
                row.score,
                *row.criterion_means,
                row.median,
                row.n_members,
                row.n_scores,
                row.std,
                row.range,
                str(YES_LABEL if row.high_disagreement else NO_LABEL),
            ]
            for row in self.rows
        ]


def _sorted(
    rows: list[RankedCandidacy], sort: str, criteria: list[Criterion]
) -> tuple[list[RankedCandidacy], str]:
    criteria_keys = {_criterion_key(c): c.pk for c in criteria}
    allowed = {"rank", "name", "province", "score", "median", "std", "range", "n"}
    key = sort.lstrip("-")
    if key not in allowed and key not in criteria_keys:
        sort, key = DEFAULT_SORT, DEFAULT_SORT
    descending = sort.startswith("-")
    # The rows come in rank order and Python's sort is stable (also with reverse=True), so
    # equal values keep their rank order. Missing values go last in both directions.
    present = [r for r in rows if _sort_value(r, key, criteria_keys) is not None]
    missing = [r for r in rows if _sort_value(r, key, criteria_keys) is None]
    present.sort(key=lambda r: _sort_value(r, key, criteria_keys), reverse=descending)
    return present + missing, sort


def ranking_table(
    *,
    user,
    programme: Programme,
    method: str = AggregationMethod.MEAN,
    sort: str = DEFAULT_SORT,
    province: str = "",
    size_class: str = "",
    outcome: str = "",
) -> RankingTable:
    """The ranking as the staff page and its exports show it: filtered, then sorted.

    Ranks stay those of the whole programme, so a filtered view still shows where a
    candidacy stands overall. An unknown sort falls back to the rank; an unknown method
    to the plain mean. Staff only.
    """
    if method not in AggregationMethod.values:
        method = AggregationMethod.MEAN
    criteria, ranked = ranked_with_criteria(user=user, programme=programme, method=method)
    provinces = sorted({row.province for row in ranked}, key=str.casefold)
    filters = {"province": province, "size_class": size_class, "outcome": outcome}
    rows = [
        row
        for row in ranked
        if (not province or row.province == province)
        and (not size_class or row.facts[DiversityAttribute.SIZE_CLASS] == size_class)
        and (not outcome or row.candidacy.outcome == outcome)
    ]
    rows, sort = _sorted(rows, sort, criteria)
    return RankingTable(
        programme=programme,
        method=method,
        sort=sort,
        criteria=criteria,
        rows=rows,
        total=len(ranked),
        provinces=provinces,
        filters=filters,
    )
