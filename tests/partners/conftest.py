"""Fixtures of the partners tests: local factories for partners, contacts, subsidies and
reports, and a published meeting with invitations (made directly, not through services)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
import pytest
from django.utils import timezone

from meetings.enums import MeetingAudience, MeetingKind, MeetingStatus
from meetings.models import Invitation, Meeting
from partners.enums import PartnerKind
from partners.models import Partner, PartnerContact, Subsidy, SubsidyReport
from tests.factories import ProgrammeFactory, UserFactory

BRUSSELS = ZoneInfo("Europe/Brussels")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Partner {n + 1}")
    kind = PartnerKind.OTHER
    role = "Werkt mee aan het proeftraject."


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    date = date(2018, 3, 1)
    who = factory.SubFactory(UserFactory, is_staff=True, password=None)
    topic = factory.Sequence(lambda n: f"Overleg {n + 1}")
    outcome = "Afspraken gemaakt."


class SubsidyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subsidy

    programme = factory.SubFactory(ProgrammeFactory)
    funder = factory.SubFactory(
        PartnerFactory, programme=factory.SelfAttribute("..programme"), kind=PartnerKind.GOVERNMENT
    )
    amount = Decimal("100000.00")
    starts_on = date(2017, 5, 16)
    ends_on = date(2019, 12, 31)
    reference = factory.Sequence(lambda n: f"SUB-{n + 1}")


class SubsidyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubsidyReport

    subsidy = factory.SubFactory(SubsidyFactory)
    title = factory.Sequence(lambda n: f"Rapport {n + 1}")
    due_on = date(2018, 6, 30)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    kind = MeetingKind.PROVINCIAL_TRAINING
    title = factory.Sequence(lambda n: f"SDG-vorming {n + 1}")
    starts_at = factory.Sequence(
        lambda n: datetime(2018, 2, 1, 10, tzinfo=BRUSSELS) + timedelta(days=n)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    status = MeetingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    audience = MeetingAudience.PILOT


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory, password=None)


@pytest.fixture
def other_programme(reference_data):
    return ProgrammeFactory(name="Een ander traject")


@pytest.fixture
def partner(programme):
    return PartnerFactory(
        programme=programme, name="Agentschap Binnenlands Bestuur", kind=PartnerKind.GOVERNMENT
    )


@pytest.fixture
def foreign_partner(other_programme):
    return PartnerFactory(programme=other_programme, name="Partner elders")
