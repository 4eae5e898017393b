"""Shared fixtures of the meetings tests: a programme with its pilot and outreach groups
and their contacts, an advisory board, published meetings with their invitations, and the
default reminder policy.

Meetings and invitations are made directly (not through meetings.services), so a test of
one part does not depend on another; tests of the services call them themselves.
"""

import sys
import types
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import factory
import pytest
from django.apps import apps as django_apps
from django.urls import NoReverseMatch, URLResolver, include, path, reverse
from django.utils import timezone

from meetings.enums import MeetingAudience, MeetingKind, MeetingStatus
from meetings.models import Invitation, Meeting, ReminderRule
from selection.enums import CandidacyState, Outcome
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
    municipality,
)

BRUSSELS = ZoneInfo("Europe/Brussels")

# Real NIS codes: Gent, Antwerpen, Hasselt in the pilot group; Halle, Brugge in the outreach
# group (Gent and Halle are contact_a and contact_b of the URL x role matrix).
PILOT_NIS = ("44021", "11002", "71022")
OUTREACH_NIS = ("23027", "31005")


def local(*args) -> datetime:
    """A Brussels wall-clock time: local(2026, 3, 31, 10) is 10:00 in Brussels."""
    return datetime(*args, tzinfo=BRUSSELS)


def days_ahead(days: int, hour: int = 10, minute: int = 0) -> datetime:
    """`hour`:`minute` Brussels time, `days` days from today (negative: in the past)."""
    day = (timezone.now() + timedelta(days=days)).astimezone(BRUSSELS).date()
    return local(day.year, day.month, day.day, hour, minute)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A published pilot group meeting a fortnight ahead, 10:00-12:00 Brussels time."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    kind = MeetingKind.PILOT_MEETING
    title = factory.Sequence(lambda n: f"Bijeenkomst pilootgroep {n + 1}")
    starts_at = factory.LazyFunction(lambda: days_ahead(14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    location = "VVSG, Bischoffsheimlaan 1-8, Brussel"
    status = MeetingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    audience = MeetingAudience.PILOT


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory, password=None)


@dataclass
class ProgrammeWorld:
    """A programme after its decision: who is in which group, and who sits on the board."""

    programme: object
    pilot_contacts: list = field(default_factory=list)  # MunicipalityContact, 4 (Gent has 2)
    outreach_contacts: list = field(default_factory=list)  # MunicipalityContact, 2
    board: list = field(default_factory=list)  # active BoardMember, 2
    inactive_member: object = None  # a BoardMember whose seat is inactive
    staff: object = None  # the organiser of the meetings

    @property
    def pilot_users(self) -> list:
        return [contact.user for contact in self.pilot_contacts]

    @property
    def outreach_users(self) -> list:
        return [contact.user for contact in self.outreach_contacts]

    @property
    def board_users(self) -> list:
        return [member.user for member in self.board]


@pytest.fixture
def meetings_world(reference_data) -> ProgrammeWorld:
    """A decided programme: Gent, Antwerpen, Hasselt in the pilot group (Gent with two
    contacts), Halle and Brugge in the outreach group, one contact each; two active board
    members and an inactive one; a staff organiser. One contact (Antwerpen's) reads English."""
    programme = ProgrammeFactory()
    world = ProgrammeWorld(programme=programme)
    for nis in PILOT_NIS + OUTREACH_NIS:
        outcome = Outcome.PILOT if nis in PILOT_NIS else Outcome.OUTREACH
        CandidacyFactory(
            programme=programme,
            municipality=municipality(nis),
            state=CandidacyState.SUBMITTED,
            outcome=outcome,
        )
        language = "en" if nis == "11002" else "nl"
        contact = MunicipalityContactFactory(
            municipality=municipality(nis), user__password=None, user__language=language
        )
        group = world.pilot_contacts if outcome == Outcome.PILOT else world.outreach_contacts
        group.append(contact)
        if nis == "44021":
            group.append(
                MunicipalityContactFactory(municipality=municipality(nis), user__password=None)
            )
    world.board = [BoardMemberFactory(programme=programme, user__password=None) for _ in "ab"]
    world.inactive_member = BoardMemberFactory(
        programme=programme, user__password=None, active=False
    )
    world.staff = UserFactory(is_staff=True, password=None, first_name="Sofie", last_name="Staf")
    return world


@pytest.fixture
def make_meeting(meetings_world):
    """make_meeting(invite=[users], **fields): a meeting of the world's programme (by
    default a published pilot meeting a fortnight ahead, organised by the world's staff)
    with an active invitation for each user given (default: the pilot contacts)."""

    def make(*, invite=None, **fields):
        fields.setdefault("programme", meetings_world.programme)
        fields.setdefault("organiser", meetings_world.staff)
        meeting = MeetingFactory(**fields)
        users = meetings_world.pilot_users if invite is None else invite
        contact_of = {
            c.user_id: c.municipality_id
            for c in meetings_world.pilot_contacts + meetings_world.outreach_contacts
        }
        for user in users:
            InvitationFactory(meeting=meeting, user=user, municipality_id=contact_of.get(user.pk))
        return meeting

    return make


@pytest.fixture
def published_meeting(make_meeting):
    """A published pilot group meeting a fortnight ahead, 10:00-12:00 Brussels time, with
    the four pilot contacts invited."""
    return make_meeting(title="Tweede bijeenkomst pilootgroep")


@pytest.fixture
def board_meeting(make_meeting, meetings_world):
    """A published advisory board meeting three weeks ahead, the two active members invited."""
    return make_meeting(
        kind=MeetingKind.BOARD_MEETING,
        audience=MeetingAudience.BOARD,
        title="Klankbordgroep",
        starts_at=days_ahead(21, 14),
        invite=meetings_world.board_users,
    )


@pytest.fixture
def reminder_rules(db):
    """The default reminder policy of migration 0004 (transactional tests flush it)."""
    if not ReminderRule.objects.exists():
        import_module("meetings.migrations.0004_default_reminder_rules").add_rules(
            django_apps, None
        )
    return ReminderRule.objects.all()


@pytest.fixture
def meetings_urls(settings):
    """The meetings URLs, staff reminders page included, until the root URLconf has them:
    a URLconf of the project's patterns plus namespace "meetings" with every meetings URL
    module. Does nothing once `meetings:reminders` reverses."""
    try:
        reverse("meetings:reminders")
    except NoReverseMatch:
        yield from _meetings_urlconf(settings)
    else:
        yield


def _meetings_urlconf(settings):
    root = import_module(settings.ROOT_URLCONF)
    patterns = []
    for name in ("meetings.urls", "meetings.urls_people", "meetings.urls_reminders"):
        try:
            patterns += list(import_module(name).urlpatterns)
        except ImportError:
            continue
    module = types.ModuleType("tests_meetings_urlconf")
    module.urlpatterns = [
        entry
        for entry in root.urlpatterns
        if not (isinstance(entry, URLResolver) and entry.namespace == "meetings")
    ] + [path("", include((patterns, "meetings")))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    yield
    sys.modules.pop(module.__name__, None)
