"""The demo's meetings: the 2017-2019 programme as it happened, and one coming board meeting.

2017-2019: pilot group meetings from the first one of 16 May 2017 to the closing one in
November 2019, info sessions for the outreach group, the annual SDG gathering of each year
and two advisory board meetings a year. They happened before the app existed, so they are
written as rows with their historical dates (published a fortnight before, answers in the
days after, attendance afterwards) and have no deliveries: nobody was sent a mail. The two
expectations the pilot group voiced on 16 May 2017 are recorded for the group as a whole and
reviewed at the autumn meeting of 2017 and at the closing meeting of 2019.

2026-2028: the programme is still being scored, so it has no groups yet; its board meets in
three weeks' time. That meeting is created and published through the services, like a
staff member would, so its invitations and reminders are planned and `make run` sends
them (var/mail/).

Everything is drawn from its own seed, so the rest of the demo stays as it was. Texts are
labelled "[Demo]".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from meetings.enums import (
    Answer,
    ContactScope,
    ExpectationCategory,
    Fulfilment,
    MeetingAudience,
    MeetingKind,
    MeetingStatus,
)
from meetings.models import AgendaItem, Expectation, ExpectationReview, Invitation, Meeting
from meetings.services import meeting_create, meeting_publish
from municipalities.enums import Audience
from selection.enums import Outcome
from selection.models import BoardMember, Candidacy, Programme

BRUSSELS = ZoneInfo("Europe/Brussels")
SEED = "sdgpilot-demo-meetings"
VVSG = "VVSG, Bischoffsheimlaan 1-8, 1000 Brussel"
FIRST_TITLE = "Eerste bijeenkomst pilootgroep"
FOLLOW_UP_TITLE = "Tweede bijeenkomst pilootgroep"
CLOSING_TITLE = "Slotbijeenkomst pilootgroep"
UPCOMING_BOARD_TITLE = "Klankbordgroep: bespreking van de kandidaturen 2026"

SUPPORT_TEXT = (
    "Het draagvlak voor de SDG's verbreden: ambtenaren, politici, burgers, bedrijven en "
    "verenigingen sensibiliseren en activeren."
)
POLICY_TEXT = (
    "Met de SDG's aan de slag gaan in het beleid: instrumenten en aanbevelingen om de SDG's "
    "te integreren in de omgevingsanalyse en de nieuwe meerjarenplannen."
)


@dataclass(frozen=True)
class Plan:
    """One meeting of the programme as it took place."""

    kind: str
    audience: str
    title: str
    day: date
    start: time
    end: time
    location: str = VVSG
    description: str = ""
    agenda: tuple[str, ...] = ()
    outcome: str = ""
    minutes: str = ""
    # The board meeting whose decision records every member present and voting.
    everyone_came: bool = False


@dataclass
class DemoMeetings:
    """What seed_meetings made, for the tests and the summary."""

    meetings: list[Meeting] = field(default_factory=list)
    first: Meeting | None = None
    follow_up: Meeting | None = None
    expectations: list[Expectation] = field(default_factory=list)


def _pilot(title, day, start, end, description, agenda=(), outcome="", location=VVSG):
    return Plan(
        MeetingKind.PILOT_MEETING,
        MeetingAudience.PILOT,
        title,
        day,
        start,
        end,
        location=location,
        description=description,
        agenda=agenda,
        outcome=outcome,
        minutes=f"[Demo] Verslag van de {title.lower()}." if outcome else "",
    )


def _board(day, title="Klankbordgroep", description="", *, everyone_came=False):
    return Plan(
        MeetingKind.BOARD_MEETING,
        MeetingAudience.BOARD,
        title,
        day,
        time(14, 0),
        time(16, 30),
        description=description
        or "[Demo] Stand van zaken van het proeftraject en advies over de volgende stappen.",
        agenda=("Stand van zaken", "Advies van de klankbordgroep", "Varia"),
        everyone_came=everyone_came,
    )


def _gathering(year, day, place):
    return Plan(
        MeetingKind.ANNUAL_GATHERING,
        MeetingAudience.ALL,
        f"Jaarlijkse SDG-bijeenkomst {year}",
        day,
        time(9, 30),
        time(16, 0),
        location=place,
        description=(
            "[Demo] De jaarlijkse bijeenkomst van alle deelnemende gemeenten, de "
            "pilootgroep en de ruimere groep, met de klankbordgroep: inspiratie, "
            "goede voorbeelden en ontmoeting."
        ),
        agenda=("Welkom", "Goede praktijken uit de gemeenten", "Workshops per SDG", "Netwerken"),
    )


def programme_plans() -> list[Plan]:
    """The meetings of 2017-2019, in order."""
    return [
        _board(
            date(2017, 5, 2),
            "Klankbordgroep: beslissing over de pilootgemeenten",
            "[Demo] De klankbordgroep beslist over de 20 pilootgemeenten.",
            everyone_came=True,
        ),
        _pilot(
            FIRST_TITLE,
            date(2017, 5, 16),
            time(10, 0),
            time(16, 0),
            "Kennismaking van de 20 pilootgemeenten en inventaris van hun verwachtingen "
            "over draagvlak en beleid.",
            agenda=(
                "Welkom en kennismaking",
                "Het SDG-proeftraject: aanpak en planning",
                "Verwachtingen van de gemeenten: draagvlak en beleid",
                "Afspraken en volgende stappen",
            ),
            outcome=(
                "[Demo] De pilootgemeenten formuleren twee verwachtingen: het draagvlak "
                "voor de SDG's verbreden en de SDG's integreren in de omgevingsanalyse en "
                "de nieuwe meerjarenplannen."
            ),
        ),
        Plan(
            MeetingKind.INFO_SESSION,
            MeetingAudience.OUTREACH,
            "Infosessie SDG's voor de ruimere groep",
            date(2017, 6, 20),
            time(13, 30),
            time(16, 30),
            description=(
                "[Demo] Voor de 30 gemeenten van de ruimere groep: de SDG's, het "
                "proeftraject en wat de gemeenten er vandaag al mee kunnen doen."
            ),
            agenda=("De SDG's in een notendop", "Het proeftraject", "Vragen en uitwisseling"),
        ),
        _pilot(
            FOLLOW_UP_TITLE,
            date(2017, 10, 17),
            time(13, 30),
            time(16, 30),
            "[Demo] Een eerste stand van zaken: wat is er sinds mei gebeurd rond draagvlak "
            "en beleid?",
            agenda=("Terugblik op de verwachtingen van 16 mei", "Ervaringen uit de gemeenten"),
            outcome="[Demo] De verwachtingen van 16 mei zijn deels ingelost.",
            location="Stadhuis Gent, Botermarkt 1, 9000 Gent",
        ),
        _board(date(2017, 11, 14)),
        _gathering(2017, date(2017, 12, 5), "Provinciehuis Antwerpen, Koningin Elisabethlei 22"),
        _pilot(
            "Bijeenkomst pilootgroep: de SDG's in de omgevingsanalyse",
            date(2018, 3, 20),
            time(13, 30),
            time(16, 30),
            "[Demo] Hoe de SDG's een plaats krijgen in de omgevingsanalyse.",
        ),
        _board(date(2018, 4, 24)),
        Plan(
            MeetingKind.INFO_SESSION,
            MeetingAudience.OUTREACH,
            "Infosessie SDG's en het meerjarenplan",
            date(2018, 6, 19),
            time(13, 30),
            time(16, 30),
            description="[Demo] Voor de ruimere groep: de SDG's in het meerjarenplan 2020-2025.",
        ),
        _pilot(
            "Bijeenkomst pilootgroep: SDG's en het meerjarenplan",
            date(2018, 10, 16),
            time(13, 30),
            time(16, 30),
            "[Demo] De SDG's koppelen aan de beleidsdoelstellingen van het meerjarenplan.",
        ),
        _board(date(2018, 11, 13)),
        _gathering(2018, date(2018, 12, 4), "Provinciehuis Limburg, Universiteitslaan 1, Hasselt"),
        _pilot(
            "Bijeenkomst pilootgroep: monitoring",
            date(2019, 3, 19),
            time(13, 30),
            time(16, 30),
            "[Demo] Indicatoren en opvolging van de SDG's in de gemeente.",
        ),
        _board(date(2019, 4, 23)),
        _board(date(2019, 11, 12)),
        _pilot(
            CLOSING_TITLE,
            date(2019, 11, 19),
            time(10, 0),
            time(16, 0),
            "[Demo] Terugblik op drie jaar proeftraject en op de verwachtingen van 2017.",
            outcome="[Demo] De pilootgemeenten verankerden de SDG's in hun meerjarenplan.",
        ),
        _gathering(
            2019, date(2019, 12, 3), "Provinciehuis Vlaams-Brabant, Provincieplein 1, Leuven"
        ),
    ]


def _local(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=BRUSSELS)


def _invitees(programme: Programme, contacts: dict[str, object]) -> dict[str, list]:
    """Per audience: (user, municipality id) of whom its meetings invited."""
    outcome = dict(
        Candidacy.objects.filter(
            programme=programme, outcome__in=[Outcome.PILOT, Outcome.OUTREACH]
        ).values_list("municipality_id", "outcome")
    )
    pilot = [(contacts[n], n) for n, o in sorted(outcome.items()) if o == Outcome.PILOT]
    outreach = [(contacts[n], n) for n, o in sorted(outcome.items()) if o == Outcome.OUTREACH]
    board = [
        (member.user, None)
        for member in BoardMember.objects.filter(programme=programme, active=True)
        .select_related("user")
        .order_by("pk")
    ]
    return {
        MeetingAudience.PILOT: pilot,
        MeetingAudience.OUTREACH: outreach,
        MeetingAudience.BOARD: board,
        MeetingAudience.ALL: pilot + outreach + board,
    }


def _answer(rng: random.Random, audience: str) -> tuple[str, bool | None]:
    """An answer and, from it, whether the person came."""
    weights = [82, 6, 7, 5] if audience == MeetingAudience.PILOT else [62, 12, 14, 12]
    answer = rng.choices([Answer.YES, Answer.MAYBE, Answer.NO, Answer.PENDING], weights)[0]
    if answer == Answer.YES:
        return answer, rng.random() < 0.93
    if answer == Answer.MAYBE:
        return answer, rng.random() < 0.5
    return answer, answer == Answer.PENDING and rng.random() < 0.15


def _past_meeting(rng, plan: Plan, *, programme, staff, invitees) -> Meeting:
    starts, ends = _local(plan.day, plan.start), _local(plan.day, plan.end)
    published = starts - timedelta(days=14 if plan.kind != MeetingKind.ANNUAL_GATHERING else 60)
    meeting = Meeting(
        programme=programme,
        kind=plan.kind,
        title=plan.title,
        starts_at=starts,
        ends_at=ends,
        location=plan.location,
        description=plan.description,
        status=MeetingStatus.PUBLISHED,
        audience=plan.audience,
        contact_scope=ContactScope.ALL,
        organiser=staff,
        published_at=published,
        minutes=plan.minutes,
        outcome=plan.outcome,
    )
    meeting._history_user, meeting._history_date = staff, published
    meeting.save()
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, order=k, title=title) for k, title in enumerate(plan.agenda)
    )
    invitations = []
    for user, nis_code in invitees[plan.audience]:
        answer, attended = _answer(rng, plan.audience)
        if plan.everyone_came:
            answer, attended = Answer.YES, True
        answered = published + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
        invitation = Invitation(
            meeting=meeting,
            user=user,
            municipality_id=nis_code,
            invited_at=published,
            answer=answer,
            answered_at=None if answer == Answer.PENDING else answered,
            attended=attended,
        )
        invitation._history_user = user if answer != Answer.PENDING else staff
        invitation._history_date = published if answer == Answer.PENDING else answered
        invitations.append(invitation)
    bulk_create_with_history(invitations, Invitation)
    return meeting


def _expectations(first: Meeting, staff) -> list[Expectation]:
    """The two expectations of 16 May 2017, for the pilot group as a whole."""
    rows = []
    for category, text, audiences in (
        (ExpectationCategory.SUPPORT, SUPPORT_TEXT, list(Audience.values)),
        (ExpectationCategory.POLICY, POLICY_TEXT, [Audience.CIVIL_SERVANTS, Audience.POLITICIANS]),
    ):
        expectation = Expectation(
            meeting=first,
            municipality=None,
            category=category,
            text=text,
            audiences=[str(a) for a in audiences],
            created_at=first.ends_at,
            created_by=staff,
        )
        expectation._history_user, expectation._history_date = staff, first.ends_at
        expectation.save()
        rows.append(expectation)
    return rows


REVIEWS = {
    FOLLOW_UP_TITLE: {
        ExpectationCategory.SUPPORT: (
            Fulfilment.PARTLY,
            "[Demo] Sensibilisering bij ambtenaren en in enkele gemeenteraden gestart; "
            "burgers, bedrijven en verenigingen nog nauwelijks bereikt.",
        ),
        ExpectationCategory.POLICY: (
            Fulfilment.PARTLY,
            "[Demo] Eerste instrumenten aangereikt (SDG-screening, koppeling aan "
            "beleidsdoelstellingen); de omgevingsanalyse begint pas in 2018.",
        ),
    },
    CLOSING_TITLE: {
        ExpectationCategory.SUPPORT: (
            Fulfilment.PARTLY,
            "[Demo] Breder draagvlak bij ambtenaren en politici; bij bedrijven en "
            "verenigingen blijft het werk.",
        ),
        ExpectationCategory.POLICY: (
            Fulfilment.MET,
            "[Demo] De pilootgemeenten gebruikten de SDG's in de omgevingsanalyse en "
            "koppelden hun meerjarenplan 2020-2025 aan de SDG's.",
        ),
    },
}


def _reviews(meetings: dict[str, Meeting], expectations: list[Expectation], staff) -> None:
    for title, verdicts in REVIEWS.items():
        meeting = meetings[title]
        for expectation in expectations:
            fulfilment, note = verdicts[expectation.category]
            review = ExpectationReview(
                expectation=expectation,
                meeting=meeting,
                fulfilment=fulfilment,
                note=note,
                reviewed_at=meeting.ends_at,
                reviewed_by=staff,
            )
            review._history_user, review._history_date = staff, meeting.ends_at
            review.save()


def seed_meetings(*, programme: Programme, staff, contacts: dict[str, object]) -> DemoMeetings:
    """The meetings of the decided 2017-2019 programme, after its decision (groups known)."""
    rng = random.Random(SEED)
    invitees = _invitees(programme, contacts)
    made = DemoMeetings()
    by_title = {}
    for plan in programme_plans():
        meeting = _past_meeting(rng, plan, programme=programme, staff=staff, invitees=invitees)
        made.meetings.append(meeting)
        by_title[plan.title] = meeting
    made.first, made.follow_up = by_title[FIRST_TITLE], by_title[FOLLOW_UP_TITLE]
    made.expectations = _expectations(made.first, staff)
    _reviews(by_title, made.expectations, staff)
    return made


def seed_upcoming_board_meeting(*, programme: Programme, staff, now=None) -> Meeting:
    """The current programme's board meets three weeks from now at 14:00 local time,
    published through the services: invitations and reminders are planned as for a
    meeting staff publish."""
    day = ((now or timezone.now()) + timedelta(days=21)).astimezone(BRUSSELS).date()
    meeting = meeting_create(
        actor=staff,
        programme=programme,
        kind=MeetingKind.BOARD_MEETING,
        title=UPCOMING_BOARD_TITLE,
        starts_at=_local(day, time(14, 0)),
        ends_at=_local(day, time(16, 30)),
        location=VVSG,
        description=(
            "[Demo] De klankbordgroep bespreekt de stand van de beoordeling van de "
            "kandidaturen en de planning van de beslissing."
        ),
        audience=MeetingAudience.BOARD,
        organiser=staff,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, order=k, title=title)
        for k, title in enumerate(
            ("Stand van de beoordeling", "Diversiteitsquota", "Planning van de beslissing")
        )
    )
    return meeting_publish(meeting=meeting, actor=staff)
