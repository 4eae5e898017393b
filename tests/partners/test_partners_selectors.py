"""government_involvement and the list reads: staff only, scoped to the programme, in order,
with a constant number of queries."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from meetings.enums import MeetingKind, MeetingStatus
from partners.enums import PartnerKind
from partners.selectors import (
    Involvement,
    Training,
    access_partner,
    access_report,
    government_involvement,
    partners_for_programme,
)
from tests.factories import municipality
from tests.partners.conftest import (
    InvitationFactory,
    MeetingFactory,
    PartnerContactFactory,
    PartnerFactory,
    SubsidyFactory,
    SubsidyReportFactory,
)

pytestmark = pytest.mark.django_db


def _world(programme, size: int = 1):
    """`size` of everything: partners of each kind, contacts, trainings, subsidies."""
    for n in range(size):
        gov = PartnerFactory(programme=programme, kind=PartnerKind.GOVERNMENT, name=f"Z-gov {n}")
        PartnerFactory(programme=programme, kind=PartnerKind.PROVINCE, name=f"A-prov {n}")
        contact = PartnerContactFactory(partner=gov, date=date(2018, 1, 1 + n))
        training = MeetingFactory(programme=programme)
        contact.meetings.add(training)
        InvitationFactory(meeting=training, municipality=municipality("44021"), attended=True)
        report_subsidy = SubsidyFactory(programme=programme, funder=gov)
        SubsidyReportFactory(subsidy=report_subsidy)
        SubsidyReportFactory(subsidy=report_subsidy)


def test_involvement_is_for_staff_only(programme, board_member, contact):
    for user in (AnonymousUser(), board_member.user, contact.user):
        with pytest.raises(PermissionDenied):
            government_involvement(user=user, programme=programme)


def test_involvement_lists_active_partners_government_first_then_by_name(
    programme, staff_user, foreign_partner
):
    board = PartnerFactory(
        programme=programme, kind=PartnerKind.BOARD_ORGANISATION, name="11.11.11"
    )
    zeta = PartnerFactory(programme=programme, kind=PartnerKind.GOVERNMENT, name="Zeta")
    alpha = PartnerFactory(programme=programme, kind=PartnerKind.GOVERNMENT, name="Alpha")
    province = PartnerFactory(programme=programme, kind=PartnerKind.PROVINCE, name="Provincie X")
    PartnerFactory(programme=programme, kind=PartnerKind.GOVERNMENT, name="Aaa", active=False)

    involvement = government_involvement(user=staff_user, programme=programme)

    assert isinstance(involvement, Involvement)
    assert involvement.partners == [alpha, zeta, province, board]


def test_involvement_contacts_by_date_with_partner_and_who(programme, staff_user, partner):
    late = PartnerContactFactory(partner=partner, date=date(2019, 2, 1))
    early = PartnerContactFactory(partner=partner, date=date(2017, 6, 8))
    PartnerContactFactory(partner=PartnerFactory(name="Elders"))  # another programme

    involvement = government_involvement(user=staff_user, programme=programme)

    assert involvement.contacts == [early, late]
    assert involvement.contacts[0].partner == partner
    assert involvement.contacts[0].who == early.who


def test_trainings_count_invited_attended_and_distinct_municipalities(programme, staff_user):
    training = MeetingFactory(programme=programme, kind=MeetingKind.PROVINCIAL_TRAINING)
    gent, halle = municipality("44021"), municipality("23027")
    InvitationFactory(meeting=training, municipality=gent, attended=True)
    InvitationFactory(meeting=training, municipality=gent, attended=True)
    InvitationFactory(meeting=training, municipality=halle, attended=False)
    InvitationFactory(meeting=training, municipality=halle, attended=None)
    InvitationFactory(meeting=training, municipality=None, attended=True)  # a board member
    InvitationFactory(meeting=training, municipality=halle, active=False, attended=None)

    [row] = government_involvement(user=staff_user, programme=programme).trainings

    assert row == Training(meeting=training, invited=5, attended=3, municipalities=1)


def test_trainings_are_provincial_trainings_and_workshops_with_the_government(
    programme, staff_user, partner, other_programme
):
    training = MeetingFactory(programme=programme, kind=MeetingKind.PROVINCIAL_TRAINING)
    joint = MeetingFactory(programme=programme, kind=MeetingKind.WORKSHOP)
    PartnerContactFactory(partner=partner).meetings.add(joint)
    with_ngo = MeetingFactory(programme=programme, kind=MeetingKind.WORKSHOP)
    ngo = PartnerFactory(programme=programme, kind=PartnerKind.BOARD_ORGANISATION)
    PartnerContactFactory(partner=ngo).meetings.add(with_ngo)
    MeetingFactory(programme=programme, kind=MeetingKind.WORKSHOP)  # nobody's
    linked_pilot = MeetingFactory(programme=programme, kind=MeetingKind.PILOT_MEETING)
    PartnerContactFactory(partner=partner).meetings.add(linked_pilot)
    MeetingFactory(programme=programme, status=MeetingStatus.DRAFT)
    MeetingFactory(programme=programme, status=MeetingStatus.CANCELLED)
    MeetingFactory(programme=other_programme)

    trainings = government_involvement(user=staff_user, programme=programme).trainings

    assert [t.meeting for t in trainings] == [training, joint]
    assert trainings[0].invited == trainings[0].attended == trainings[0].municipalities == 0


def test_subsidies_come_with_their_reports_by_due_date(programme, staff_user, partner):
    subsidy = SubsidyFactory(programme=programme, funder=partner)
    final = SubsidyReportFactory(subsidy=subsidy, title="Eindrapport", due_on=date(2020, 3, 31))
    interim = SubsidyReportFactory(subsidy=subsidy, title="Tussentijds", due_on=date(2018, 6, 30))
    SubsidyFactory(programme=PartnerFactory(name="Elders").programme)

    involvement = government_involvement(user=staff_user, programme=programme)

    assert involvement.subsidies == [subsidy]
    assert list(involvement.subsidies[0].reports.all()) == [interim, final]


@pytest.mark.parametrize("size", [1, 10])
def test_involvement_takes_a_constant_number_of_queries(
    programme, staff_user, size, django_assert_num_queries
):
    _world(programme, size)
    # partners; contacts + their meetings; trainings; subsidies + their reports
    with django_assert_num_queries(6):
        involvement = government_involvement(user=staff_user, programme=programme)
        for contact in involvement.contacts:
            assert contact.partner.name and contact.who.email
            list(contact.meetings.all())
        for subsidy in involvement.subsidies:
            assert subsidy.funder.name
            assert len(subsidy.reports.all()) == 2
    assert len(involvement.partners) == 2 * size
    assert len(involvement.trainings) == size


def test_kind_filter_and_other_programme_partner_is_404(
    programme, staff_user, partner, foreign_partner
):
    PartnerFactory(programme=programme, kind=PartnerKind.PROVINCE, name="Provincie Limburg")
    governments = partners_for_programme(
        user=staff_user, programme=programme, kind=PartnerKind.GOVERNMENT
    )
    assert list(governments) == [partner]
    with pytest.raises(Http404):
        access_partner(user=staff_user, programme=programme, pk=foreign_partner.pk)
    report = SubsidyReportFactory(subsidy=SubsidyFactory(programme=foreign_partner.programme))
    with pytest.raises(Http404):
        access_report(user=staff_user, programme=programme, pk=report.pk)
