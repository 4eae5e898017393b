"""Staff reads of every municipality's SDG status, with the group each has in a programme.

Every function takes the user and refuses anyone who may not see the overviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import rules
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from municipalities.enums import Track
from municipalities.models import (
    AssessmentQuestion,
    Municipality,
    Province,
    SDGGoal,
    StatusVersion,
)
from municipalities.selectors import municipalities_for_user
from municipalities.status import GOAL_NUMBERS, part
from selection.enums import Group
from selection.models import Programme
from selection.selectors.groups import latest_programme, municipality_groups

OVERVIEW = "municipalities.view_status_overview"


class GroupFilter(models.TextChoices):
    """Which municipalities an overview shows, by their group in the chosen programme."""

    CANDIDATES = "candidates", _("Candidates of the programme")
    PILOT = "pilot", _("Pilot group")
    OUTREACH = "outreach", _("Outreach group")
    ALL = "all", _("All municipalities")


@dataclass(frozen=True)
class OverviewFilters:
    """What an overview shows. No programme means the one that started last."""

    programme: Programme | None = None
    group: str = GroupFilter.CANDIDATES
    province: Province | None = None
    size_class: str = ""
    with_status: bool = False


@dataclass(frozen=True)
class GoalCell:
    """One SDG of the circle exercise; None where the municipality has not filled it in."""

    number: int
    today: str | None
    ambition: str | None


@dataclass(frozen=True)
class OverviewRow:
    municipality: Municipality
    group: str | None  # Group value in the programme, None without a candidacy there
    size_class: str | None  # SizeClass value under the programme's bands
    version: StatusVersion | None  # the current version, None before the first save

    @property
    def group_label(self) -> str:
        return str(Group(self.group).label) if self.group else ""

    def goal(self, number: str) -> GoalCell:
        value = part(self.version.document, ("goals", number)) if self.version else None
        if not isinstance(value, dict):
            return GoalCell(int(number), None, None)
        return GoalCell(int(number), value.get("today"), value.get("ambition"))

    @cached_property
    def goals(self) -> list[GoalCell]:
        return [self.goal(number) for number in GOAL_NUMBERS]

    @property
    def track_scores(self) -> list[tuple[str, int | None]]:
        """(track, percent) for the three tracks, None where nothing is answered."""
        return [
            (track, self.version.track_score(track) if self.version else None)
            for track in Track.values
        ]


@dataclass(frozen=True)
class StatusOverview:
    programme: Programme | None
    filters: OverviewFilters
    rows: list[OverviewRow]


def _check(user) -> None:
    """Only staff see the overviews of every municipality: PermissionDenied for anyone else."""
    if not rules.has_perm(OVERVIEW, user):
        raise PermissionDenied


def in_group(municipalities: models.QuerySet, *, groups: dict[str, str], group: str):
    """The municipalities of a GroupFilter value, given a programme's groups (NIS -> Group)."""
    if group == GroupFilter.ALL:
        return municipalities
    wanted = (
        set(groups)
        if group == GroupFilter.CANDIDATES
        else {nis for nis, value in groups.items() if value == group}
    )
    return municipalities.filter(pk__in=sorted(wanted))


def status_overview(*, user, filters: OverviewFilters) -> StatusOverview:
    """Every municipality the filters select, with its group, size class and current status.

    Staff only (PermissionDenied for anyone else). Three queries whatever the number of
    municipalities: the default programme (when none is chosen), its groups, and the
    municipalities with their province, current version and its author. The size class is
    the programme's own (Programme.size_class) on the 2018 population, so without a
    programme a size filter matches nothing.
    """
    _check(user)
    programme = filters.programme or latest_programme()
    groups = municipality_groups(programme=programme) if programme else {}
    municipalities = in_group(
        municipalities_for_user(user=user).select_related("status__current__author"),
        groups=groups,
        group=filters.group,
    )
    if filters.province is not None:
        municipalities = municipalities.filter(province=filters.province)
    if filters.with_status:
        municipalities = municipalities.filter(status__isnull=False)
    rows = []
    for municipality in municipalities.order_by("name", "pk"):
        size_class = programme.size_class(municipality.population_2018) if programme else None
        if filters.size_class and size_class != filters.size_class:
            continue
        status = getattr(municipality, "status", None)
        rows.append(
            OverviewRow(
                municipality=municipality,
                group=groups.get(municipality.pk),
                size_class=size_class,
                version=status.current if status else None,
            )
        )
    return StatusOverview(programme=programme, filters=filters, rows=rows)


def overview_goals(*, user) -> list[SDGGoal]:
    """The 17 goals, the heatmap's columns. Staff only, like the overview they head."""
    _check(user)
    return list(SDGGoal.objects.order_by("number"))


def overview_questions(*, user) -> list[AssessmentQuestion]:
    """The active self-assessment questions with their options, in the order they are asked.

    Staff only. Two queries (questions, options).
    """
    _check(user)
    questions = AssessmentQuestion.objects.filter(active=True).prefetch_related("options")
    track_order = {track: i for i, track in enumerate(Track.values)}
    return sorted(questions, key=lambda q: (track_order.get(q.track, 99), q.order, q.pk))
