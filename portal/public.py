"""The public page of a programme: what anyone may read without a login, once staff publish it.

The page is built from a whitelist. :func:`public_programme` copies the few public facts
into frozen dataclasses of plain strings, numbers and dates, so the template never holds a
model instance it could walk from (a criterion to its scores, a meeting to its invitees, a
programme to its board). What is public:

- the programme's name and period;
- the criteria (name and kind; for a diversity criterion the fact it is about) and the
  quotas on them;
- the municipalities of the pilot group and of the outreach group (names only), on the map;
- the meetings held (published, ended): kind, title, date, place and the short outcome
  report that staff write for the public.

Nothing else: no scores, reviews, rubrics or weights, no people (board members, contacts,
organisers), no contact data, no votes or decision notes, no minutes or documents, no
expectations, no candidacies that did not end up in a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.enums import MeetingKind, MeetingStatus
from meetings.models import Meeting
from municipalities.models import Municipality
from portal.map import NO_GROUP, LegendEntry, Region, StatusMap, css_class, map_shapes
from selection.enums import CriterionKind, Group
from selection.facts import attribute_label, value_label
from selection.models import Criterion, Programme, Quota
from selection.selectors.groups import municipality_groups

#: The groups the page names; a candidacy still pending (or any other) shows as no group.
PUBLIC_GROUPS = (Group.PILOT, Group.OUTREACH)


@dataclass(frozen=True)
class PublicQuota:
    value: str  # e.g. "Limburg" or "Rural areas"
    bounds: str  # e.g. "at least 4"


@dataclass(frozen=True)
class PublicCriterion:
    name: str
    kind: str  # the label of the kind
    fact: str  # for a diversity criterion: the candidacy fact, e.g. "Province"; else ""
    quotas: tuple[PublicQuota, ...]


@dataclass(frozen=True)
class PublicMunicipality:
    nis_code: str
    name: str


@dataclass(frozen=True)
class PublicMeeting:
    kind: str  # the label of the kind
    title: str
    starts_at: datetime
    place: str
    outcome: str


@dataclass(frozen=True)
class PublicProgramme:
    pk: int
    name: str
    starts_on: date
    ends_on: date
    is_demo: bool
    public_since: datetime | None
    criteria: tuple[PublicCriterion, ...]
    pilot: tuple[PublicMunicipality, ...]
    outreach: tuple[PublicMunicipality, ...]
    map: StatusMap
    meetings: tuple[PublicMeeting, ...]


def region_anchor(nis_code: str) -> str:
    """The id of a municipality's entry in the page's lists (the map links to it)."""
    return f"municipality-{nis_code}"


def _bounds(quota: Quota) -> str:
    if quota.minimum is not None and quota.maximum is not None:
        if quota.minimum == quota.maximum:
            return _("exactly %(count)s") % {"count": quota.minimum}
        return _("between %(minimum)s and %(maximum)s") % {
            "minimum": quota.minimum,
            "maximum": quota.maximum,
        }
    if quota.minimum is not None:
        return _("at least %(count)s") % {"count": quota.minimum}
    return _("at most %(count)s") % {"count": quota.maximum}


def _criteria(programme: Programme) -> tuple[PublicCriterion, ...]:
    criteria = (
        Criterion.objects.filter(programme=programme)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("quotas", queryset=Quota.objects.order_by("value", "pk")))
    )
    result = []
    # What the board scores first, then the quotas, as the selection itself reads them.
    for criterion in sorted(criteria, key=lambda c: c.kind != CriterionKind.JUDGEMENT):
        diversity = criterion.kind == CriterionKind.DIVERSITY
        result.append(
            PublicCriterion(
                name=criterion.name,
                kind=str(CriterionKind(criterion.kind).label),
                fact=attribute_label(criterion.attribute) if diversity else "",
                quotas=tuple(
                    PublicQuota(
                        value=value_label(criterion.attribute, quota.value), bounds=_bounds(quota)
                    )
                    for quota in criterion.quotas.all()
                )
                if diversity
                else (),
            )
        )
    return tuple(result)


def _groups_and_map(
    programme: Programme,
) -> tuple[tuple[PublicMunicipality, ...], tuple[PublicMunicipality, ...], StatusMap]:
    groups = {
        nis: group
        for nis, group in municipality_groups(programme=programme).items()
        if group in PUBLIC_GROUPS
    }
    labels = {
        Group.PILOT: str(Group.PILOT.label),
        Group.OUTREACH: str(Group.OUTREACH.label),
        NO_GROUP: _("Not in the pilot or outreach group"),
    }
    counts = dict.fromkeys(labels, 0)
    members = {Group.PILOT: [], Group.OUTREACH: []}
    shapes = map_shapes()
    paths = shapes["municipalities"]
    regions = []
    for nis, name in Municipality.objects.order_by("nis_code").values_list("nis_code", "name"):
        group = groups.get(nis, NO_GROUP)
        counts[group] += 1
        if group != NO_GROUP:
            members[group].append(PublicMunicipality(nis_code=nis, name=name))
        if nis in paths:
            regions.append(
                Region(
                    nis_code=nis,
                    name=name,
                    path=paths[nis],
                    css=css_class("group", group),
                    # Within the page only: to the municipality's entry in the lists, or
                    # to the legend for the others. No link leads behind the login.
                    url=f"#{region_anchor(nis)}" if group != NO_GROUP else "#public-map-legend",
                    caption=labels[group],
                )
            )
    status_map = StatusMap(
        view_box=shapes["viewBox"],
        regions=regions,
        provinces=list(shapes["provinces"].values()),
        legend=[
            LegendEntry(css=css_class("group", group), label=label, count=counts[group])
            for group, label in labels.items()
        ],
        colour_by="group",
    )

    def by_name(group):
        return tuple(sorted(members[group], key=lambda m: (m.name, m.nis_code)))

    return by_name(Group.PILOT), by_name(Group.OUTREACH), status_map


def _meetings_held(programme: Programme) -> tuple[PublicMeeting, ...]:
    """Published meetings that have ended; drafts, cancelled and coming ones stay off."""
    rows = (
        Meeting.objects.filter(
            programme=programme, status=MeetingStatus.PUBLISHED, ends_at__lte=timezone.now()
        )
        .order_by("starts_at", "pk")
        .values_list("kind", "title", "starts_at", "location", "outcome")
    )
    return tuple(
        PublicMeeting(
            kind=str(MeetingKind(kind).label) if kind in MeetingKind.values else kind,
            title=title,
            starts_at=starts_at,
            place=location,
            outcome=outcome,
        )
        for kind, title, starts_at, location, outcome in rows
    )


def public_programme(*, pk: int) -> PublicProgramme:
    """The public facts of a programme whose page staff published.

    An unknown programme and one whose page is off answer the same Http404, so the page
    tells nobody which programmes exist. No user is taken: the page is the same for all.
    """
    programme = Programme.objects.filter(pk=pk, public_page=True).first()
    if programme is None:
        raise Http404
    pilot, outreach, status_map = _groups_and_map(programme)
    return PublicProgramme(
        pk=programme.pk,
        name=programme.name,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        is_demo=programme.is_demo,
        public_since=programme.public_since,
        criteria=_criteria(programme),
        pilot=pilot,
        outreach=outreach,
        map=status_map,
        meetings=_meetings_held(programme),
    )
