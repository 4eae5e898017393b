"""Reads of partners, contacts, trainings and subsidies, always for a given user (staff only).

Another programme's object in a URL gives 404: every ``access_*`` read is scoped to the
programme the page is about.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from meetings.enums import MeetingKind, MeetingStatus
from meetings.models import Meeting
from selection.models import Programme

from .enums import KIND_ORDER, PartnerKind
from .models import Partner, PartnerContact, Subsidy, SubsidyReport
from .rules import can

# Partners whose joint workshops count as trainings given together with the government.
GOVERNMENT_KINDS = (PartnerKind.GOVERNMENT, PartnerKind.PROVINCE)


@dataclass(frozen=True)
class Training:
    meeting: Meeting
    invited: int
    attended: int
    municipalities: int


@dataclass(frozen=True)
class Involvement:
    partners: list[Partner]
    contacts: list[PartnerContact]
    trainings: list[Training]
    subsidies: list[Subsidy]


def _require_staff(user, perm: str = "partners.see_involvement") -> None:
    """PermissionDenied for anyone but staff: partner data is internal to VVSG."""
    if not can(user, perm):
        raise PermissionDenied


def _kind_rank():
    return Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(KIND_ORDER)),
        default=Value(len(KIND_ORDER)),
        output_field=IntegerField(),
    )


def access_programme(*, user, pk: int) -> Programme:
    """The programme of a partners page: PermissionDenied for non-staff, 404 if unknown."""
    _require_staff(user)
    try:
        return Programme.objects.get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def partners_for_programme(
    *, user, programme: Programme, kind: str | None = None, active_only: bool = False
) -> QuerySet[Partner]:
    """The programme's partners, government first, then by name; staff only."""
    _require_staff(user)
    qs = Partner.objects.filter(programme=programme).select_related(
        "board_organisation", "province"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.annotate(
        kind_rank=_kind_rank(), contact_count=Count("contacts", distinct=True)
    ).order_by("kind_rank", "name", "pk")


def access_partner(*, user, programme: Programme, pk: int) -> Partner:
    """A partner of this programme; 404 for another programme's partner or an unknown id."""
    _require_staff(user)
    try:
        return Partner.objects.select_related("board_organisation", "province").get(
            programme=programme, pk=pk
        )
    except Partner.DoesNotExist:
        raise Http404 from None


def contacts_for_partner(*, user, partner: Partner) -> QuerySet[PartnerContact]:
    """The partner's contact log, oldest first, with the linked meetings."""
    _require_staff(user)
    return (
        PartnerContact.objects.filter(partner=partner)
        .select_related("partner", "who")
        .prefetch_related("meetings")
        .order_by("date", "pk")
    )


def contacts_for_programme(*, user, programme: Programme) -> QuerySet[PartnerContact]:
    """Every contact with the programme's partners, oldest first."""
    _require_staff(user)
    return (
        PartnerContact.objects.filter(partner__programme=programme)
        .select_related("partner", "who")
        .prefetch_related("meetings")
        .order_by("date", "pk")
    )


def access_contact(*, user, programme: Programme, pk: int) -> PartnerContact:
    """A contact of this programme's partners (for its document); 404 otherwise."""
    _require_staff(user)
    try:
        return PartnerContact.objects.select_related("partner").get(
            partner__programme=programme, pk=pk
        )
    except PartnerContact.DoesNotExist:
        raise Http404 from None


def trainings_for_programme(*, user, programme: Programme) -> list[Training]:
    """Trainings given together with the government, with their attendance.

    The programme's provincial SDG trainings, and its workshops linked through a contact to
    a government or province partner; drafts and cancelled meetings are not trainings given.
    Invited counts active invitations; attended and municipalities come from the
    attendance recorded on the invitations. One query.
    """
    _require_staff(user)
    joint = Q(kind=MeetingKind.PROVINCIAL_TRAINING) | Q(
        kind=MeetingKind.WORKSHOP,
        pk__in=PartnerContact.meetings.through.objects.filter(
            partnercontact__partner__programme=programme,
            partnercontact__partner__kind__in=GOVERNMENT_KINDS,
        ).values("meeting_id"),
    )
    meetings = (
        Meeting.objects.filter(joint, programme=programme, status=MeetingStatus.PUBLISHED)
        .annotate(
            invited_count=Count("invitations", filter=Q(invitations__active=True), distinct=True),
            attended_count=Count(
                "invitations", filter=Q(invitations__attended=True), distinct=True
            ),
            municipality_count=Count(
                "invitations__municipality",
                filter=Q(invitations__attended=True),
                distinct=True,
            ),
        )
        .order_by("starts_at", "pk")
    )
    return [
        Training(
            meeting=m,
            invited=m.invited_count,
            attended=m.attended_count,
            municipalities=m.municipality_count,
        )
        for m in meetings
    ]


def subsidies_for_programme(*, user, programme: Programme) -> QuerySet[Subsidy]:
    """The programme's subsidies with their funder and their reports (by due date)."""
    _require_staff(user)
    return (
        Subsidy.objects.filter(programme=programme)
        .select_related("funder")
        .prefetch_related(
            Prefetch("reports", queryset=SubsidyReport.objects.order_by("due_on", "pk"))
        )
        .order_by("starts_on", "pk")
    )


def access_report(*, user, programme: Programme, pk: int) -> SubsidyReport:
    """A report of one of this programme's subsidies; 404 otherwise."""
    _require_staff(user)
    try:
        return SubsidyReport.objects.select_related("subsidy").get(
            subsidy__programme=programme, pk=pk
        )
    except SubsidyReport.DoesNotExist:
        raise Http404 from None


def government_involvement(*, user, programme: Programme) -> Involvement:
    """How the government and the other partners are involved in the programme.

    Staff only (PermissionDenied otherwise). Active partners government first then by name;
    contacts by date with partner and staff member; joint trainings with attendance; the
    subsidies with their reports. A constant number of queries whatever the data size.
    """
    _require_staff(user)
    return Involvement(
        partners=list(partners_for_programme(user=user, programme=programme, active_only=True)),
        contacts=list(contacts_for_programme(user=user, programme=programme)),
        trainings=trainings_for_programme(user=user, programme=programme),
        subsidies=list(subsidies_for_programme(user=user, programme=programme)),
    )
