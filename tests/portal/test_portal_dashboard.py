"""The staff's dashboard: every figure against the data, who may open it, and a query count
that does not grow with the programme."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.models import Heartbeat
from core.services import BEAT_HEARTBEAT
from meetings.enums import Answer, DeliveryKind, DeliveryStatus, MeetingKind, MeetingStatus
from meetings.models import Delivery, Invitation, Meeting
from municipalities.enums import SdgStatusLevel, StatusPart
from municipalities.models import Municipality, MunicipalityStatus, StatusVersion
from portal.dashboard import MINUTES_DUE_DAYS, programme_dashboard
from selection.enums import CandidacyState, DecisionRule, Outcome, ProgrammePhase, Vote
from selection.models import Candidacy, Score
from selection.services.decision import decision_record
from selection.services.proposal import selection_run
from tests.factories import (
    BoardMemberFactory,
    CandidacyFactory,
    ConflictDeclarationFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    ReviewFactory,
    UserFactory,
    scored_programme,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
# The view reads the clock: the data is placed around the time the tests run.
NOW = timezone.now().astimezone(BRUSSELS).replace(microsecond=0)
URL = "/staff/dashboard/"


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.org", is_staff=True, password=None)


def meeting(programme, *, days: float, status=MeetingStatus.PUBLISHED, minutes="", title="M"):
    """A meeting of two hours starting `days` after NOW (negative: in the past)."""
    start = NOW + timedelta(days=days)
    return Meeting.objects.create(
        programme=programme,
        kind=MeetingKind.PILOT_MEETING,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=status,
        minutes=minutes,
        published_at=NOW if status != MeetingStatus.DRAFT else None,
    )


def status(nis_code: str, *, level: str, overall: int | None):
    version = StatusVersion.objects.create(
        municipality_id=nis_code,
        number=1,
        part=StatusPart.ASSESSMENT,
        overall_level=level,
        overall_score=overall,
        document={},
    )
    MunicipalityStatus.objects.create(municipality_id=nis_code, current=version)


def delivery(meeting, recipient, *, status: str, key: str):
    return Delivery.objects.create(
        meeting=meeting,
        kind=DeliveryKind.REMINDER,
        key=key,
        recipient=recipient,
        status=status,
        due_at=NOW - timedelta(days=1),
        deadline=NOW,
    )


# --- Query count --------------------------------------------------------------------------


def build(scale: int, staff):
    """A programme in deliberation with `scale` times everything the dashboard counts."""
    programme = scored_programme(per_province=4 * scale, size=6, members=2 * scale)
    run = selection_run(programme=programme, actor=staff)
    members = list(programme.board_members.order_by("pk"))
    decision_record(
        run=run,
        meeting_date=date(2017, 6, 1),
        quorum=1,
        votes={m.pk: (True, Vote.FOR) for m in members},
        actor=staff,
    )
    # Make the run stale: one counted score changes after it.
    score = Score.objects.filter(review__candidacy__programme=programme).order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(value=6 - score.value)
    candidacies = list(programme.candidacies.order_by("pk"))
    Candidacy.objects.filter(pk__in=[c.pk for c in candidacies[: 2 * scale]]).update(
        outcome=Outcome.PILOT
    )
    Candidacy.objects.filter(pk__in=[c.pk for c in candidacies[2 * scale : 3 * scale]]).update(
        outcome=Outcome.WITHDRAWN
    )
    used = {c.municipality_id for c in candidacies}
    free = Municipality.objects.exclude(pk__in=used).order_by("pk")
    for m in free[:scale]:
        CandidacyFactory(
            programme=programme, municipality=m, state=CandidacyState.DRAFT, submitted_at=None
        )
    contacts = [
        MunicipalityContactFactory(municipality_id=c.municipality_id, user__password=None)
        for c in candidacies[:scale]
    ]
    for i in range(scale):
        upcoming = meeting(programme, days=3 + i, title=f"Bijeenkomst {i}")
        for contact in contacts:
            Invitation.objects.create(
                meeting=upcoming, user=contact.user, municipality_id=contact.municipality_id
            )
        held = meeting(programme, days=-30 - i, title=f"Gehouden {i}")
        for k, contact in enumerate(contacts):
            delivery(held, contact.user, status=DeliveryStatus.FAILED, key=f"f{k}")
            delivery(held, contact.user, status=DeliveryStatus.MISSED, key=f"m{k}")
    for c in candidacies[:scale]:
        status(c.municipality_id, level=SdgStatusLevel.ACTIVE, overall=60)
    Heartbeat.objects.create(name=BEAT_HEARTBEAT, beat_at=timezone.now(), count=1)
    return programme


def _count_queries(client, staff, programme, django_assert_num_queries, expected):
    client.force_login(staff)
    with django_assert_num_queries(expected):
        response = client.get(URL, {"programme": programme.pk})
    assert response.status_code == 200
    return response


# Sessions and user (2), the programme, the other programmes, the candidacy counts, the
# progress (4), run and freshness, decision and votes, meetings (3), reminders (4), the
# groups (2), the map (2), the contacts (1).
QUERIES = 35


@pytest.mark.parametrize("scale", [1, 10])
def test_dashboard_query_count_is_constant(
    client, staff, reference_data, django_assert_num_queries, scale
):
    programme = build(scale, staff)
    html = _count_queries(
        client, staff, programme, django_assert_num_queries, QUERIES
    ).content.decode()
    # The data did grow: the page shows it.
    assert f'id="dashboard-candidacy-total">{21 * scale}<' in html


# --- The figures -------------------------------------------------------------------------

PENDING_A, PENDING_B, PILOT, OUTREACH, WITHDRAWN, DRAFT = (
    "44021",  # Gent
    "23027",  # Halle
    "11002",  # Antwerpen
    "31005",  # Brugge
    "71022",  # Hasselt
    "24062",  # Leuven
)


@pytest.fixture
def small(reference_data, staff):
    """A programme in the scoring phase with a little of everything, and another programme
    whose data must never show up."""
    programme = ProgrammeFactory(phase=ProgrammePhase.SCORING, starts_on=date(2017, 5, 16))
    other = ProgrammeFactory(starts_on=date(2015, 1, 1))
    c = {
        nis: CandidacyFactory(programme=programme, municipality_id=nis, outcome=outcome)
        for nis, outcome in [
            (PENDING_A, Outcome.PENDING),
            (PENDING_B, Outcome.PENDING),
            (PILOT, Outcome.PILOT),
            (OUTREACH, Outcome.OUTREACH),
            (WITHDRAWN, Outcome.WITHDRAWN),
        ]
    }
    CandidacyFactory(
        programme=programme, municipality_id=DRAFT, state=CandidacyState.DRAFT, submitted_at=None
    )
    CandidacyFactory(programme=other, municipality_id=DRAFT)
    # Scoring: the first member submitted two of the four rankable candidacies; the second
    # declared one conflict and keeps one draft.
    first = BoardMemberFactory(programme=programme, user__password=None, user__last_name="Aerts")
    second = BoardMemberFactory(programme=programme, user__password=None, user__last_name="Peeters")
    BoardMemberFactory(programme=other, user__password=None)
    for nis in (PENDING_A, PILOT):
        ReviewFactory(member=first, candidacy=c[nis])
    ConflictDeclarationFactory(member=second, candidacy=c[OUTREACH], conflict_type="employment")
    ReviewFactory(member=second, candidacy=c[PENDING_B], status="draft", submitted_at=None)
    # Meetings.
    upcoming = meeting(programme, days=5, title="Pilootbijeenkomst")
    answers = [Answer.YES, Answer.NO, Answer.MAYBE, Answer.PENDING, Answer.PENDING]
    for answer in answers:
        Invitation.objects.create(meeting=upcoming, user=UserFactory(password=None), answer=answer)
    Invitation.objects.create(meeting=upcoming, user=UserFactory(password=None), active=False)
    draft = meeting(programme, days=8, status=MeetingStatus.DRAFT, title="Infosessie")
    meeting(programme, days=2, status=MeetingStatus.CANCELLED, title="Afgelast")
    later = meeting(programme, days=40, title="Bijeenkomst later")
    Invitation.objects.create(meeting=later, user=UserFactory(password=None))
    overdue = meeting(programme, days=-(MINUTES_DUE_DAYS + 6), title="Zonder verslag")
    meeting(programme, days=-(MINUTES_DUE_DAYS + 6), minutes="Verslag", title="Met verslag")
    meeting(programme, days=-3, title="Pas gehouden")
    meeting(
        programme, days=-(MINUTES_DUE_DAYS + 6), status=MeetingStatus.CANCELLED, title="Afgelast"
    )
    meeting(other, days=-(MINUTES_DUE_DAYS + 6), title="Ander traject")
    other_upcoming = meeting(other, days=4, title="Ander traject later")
    Invitation.objects.create(meeting=other_upcoming, user=UserFactory(password=None))
    # Contacts: without a password; with one but never logged in; logged in (not listed);
    # of a withdrawn candidacy and of a municipality without candidacy (neither listed).
    no_password = MunicipalityContactFactory(municipality_id=PENDING_A, user__password=None)
    never = MunicipalityContactFactory(municipality_id=PILOT)
    active = MunicipalityContactFactory(municipality_id=PENDING_B)
    active.user.last_login = NOW
    active.user.save(update_fields=["last_login"])
    MunicipalityContactFactory(municipality_id=WITHDRAWN, user__password=None)
    MunicipalityContactFactory(municipality_id="46003", user__password=None)
    # Reminders: two failed, one missed, one sent.
    recipient = UserFactory(password=None)
    for key, state in [("a", "failed"), ("b", "failed"), ("c", "missed"), ("d", "sent")]:
        delivery(upcoming, recipient, status=state, key=key)
    Heartbeat.objects.create(name=BEAT_HEARTBEAT, beat_at=NOW - timedelta(seconds=90), count=3)
    # SDG status: the pilot advanced, one pending candidate exploring, the rest none.
    status(PILOT, level=SdgStatusLevel.ADVANCED, overall=80)
    status(PENDING_A, level=SdgStatusLevel.EXPLORING, overall=30)
    status("46003", level=SdgStatusLevel.ACTIVE, overall=55)  # no candidacy: in no group
    return {
        "programme": programme,
        "other": other,
        "members": (first, second),
        "upcoming": upcoming,
        "draft": draft,
        "later": later,
        "overdue": overdue,
        "contacts": (no_password, never),
    }


def test_dashboard_counts_candidacies_by_state(staff, small):
    d = programme_dashboard(user=staff, programme=small["programme"], now=NOW)
    assert [(row.key, row.count, row.percent) for row in d.candidacies.rows()] == [
        ("draft", 1, 17),
        ("pending", 2, 33),
        ("pilot", 1, 17),
        ("outreach", 1, 17),
        ("withdrawn", 1, 17),
    ]
    assert (d.candidacies.total, d.candidacies.submitted) == (6, 5)


def test_dashboard_phase_and_what_comes_next(staff, small):
    d = programme_dashboard(user=staff, programme=small["programme"], now=NOW)
    assert d.phase.phase == ProgrammePhase.SCORING
    assert d.phase.next_phase == ProgrammePhase.DELIBERATION
    assert [(s.phase, s.state) for s in d.phase.steps] == [
        ("applications", "done"),
        ("scoring", "current"),
        ("deliberation", "todo"),
        ("decided", "todo"),
    ]


def test_dashboard_scoring_progress_per_member(staff, small):
    d = programme_dashboard(user=staff, programme=small["programme"], now=NOW)
    first, second = small["members"]
    assert [(p.member, p.done, p.total, p.drafts, p.percent) for p in d.progress] == [
        (first, 2, 4, 0, 50),
        (second, 1, 4, 1, 25),
    ]


def test_dashboard_next_meetings_with_their_answers(staff, small):
    d = programme_dashboard(user=staff, programme=small["programme"], now=NOW)
    rows = [(r.meeting, r.yes, r.no, r.maybe, r.unanswered) for r in d.meetings]
    # Soonest first; the cancelled one and the other programme's are left out; the inactive
    # invitation does not count.
    assert rows == [
        (small["upcoming"], 1, 1, 1, 2),
        (small["draft"], 0, 0, 0, 0),
        (small["later"], 0, 0, 0, 1),
    ]


def test_dashboard_reminder_health(staff, small):
    r = programme_dashboard(user=staff, programme=small["programme"], now=NOW).reminders
    assert (r.failed, r.missed, r.paused, r.beat_age_s, r.beat_ok, r.ok) == (
        2,
        1,
        False,
        90.0,
        True,
        False,
    )


def test_dashboard_beat_that_stopped_is_not_ok(staff, small):
    Heartbeat.objects.filter(name=BEAT_HEARTBEAT).update(beat_at=NOW - timedelta(minutes=6))
    r = programme_dashboard(user=staff, programme=small["programme"], now=NOW).reminders
    assert (r.beat_age_minutes, r.beat_ok) == (6, False)
    Heartbeat.objects.all().delete()
    r = programme_dashboard(user=staff, programme=small["programme"], now=NOW).reminders
    assert (r.beat_age_s, r.beat_ok) == (None, False)


def test_dashboard_sdg_status_per_group(staff, small):
    d = programme_dashboard(user=staff, programme=small["programme"], now=NOW)
    levels = {g.key: {row.key: row.count for row in g.levels()} for g in d.groups}
    assert {g.key: (g.members, g.overall) for g in d.groups} == {
        "pilot": (1, 80.0),
        "outreach": (1, None),
        "candidate": (2, 30.0),
    }
    assert levels == {
        "pilot": {"not_started": 0, "exploring": 0, "active": 0, "advanced": 1, "none": 0},
        "outreach": {"not_started": 0, "exploring": 0, "active": 0, "advanced": 0, "none": 1},
        "candidate": {"not_started": 0, "exploring": 1, "active": 0, "advanced": 0, "none": 1},
    }
    # The page's table: a row per level, a column per group (pilot, outreach, candidates).
    assert [(level.key, [cell.count for cell in cells]) for level, cells in d.level_rows()] == [
        ("not_started", [0, 0, 0]),
        ("exploring", [0, 0, 1]),
        ("active", [0, 0, 0]),
        ("advanced", [1, 0, 0]),
        ("none", [0, 1, 1]),
    ]
    legend = {entry.css: entry.count for entry in d.map.legend}
    assert (legend["group-pilot"], legend["group-outreach"], legend["group-candidate"]) == (1, 1, 2)


def test_dashboard_attention(staff, small):
    a = programme_dashboard(user=staff, programme=small["programme"], now=NOW).attention
    assert a.stale_run is None
    assert (a.overdue_minutes, a.overdue_minutes_total) == ([small["overdue"]], 1)
    assert [
        (row.contact, row.never_logged_in, row.no_password) for row in a.contacts_without_login
    ] == [(small["contacts"][1], True, False), (small["contacts"][0], True, True)]  # by name
    assert a.contacts_without_login_total == 2
    # Published upcoming meetings only: two at the first, one at the later one.
    assert [(row.meeting, row.unanswered) for row in a.unanswered] == [
        (small["upcoming"], 2),
        (small["later"], 1),
    ]
    assert (a.unanswered_total, a.count) == (3, 6)


def test_dashboard_page_shows_the_figures_with_links(client, staff, small):
    client.force_login(staff)
    html = client.get(URL).content.decode()
    programme = small["programme"]
    assert f'data-programme="{programme.pk}"' in html  # the latest programme by default
    assert 'id="dashboard-candidacy-total">6<' in html
    assert 'data-phase="scoring"' in html
    # The bars are SVG rectangles whose width is the percentage: no inline style.
    assert '<rect class="dashboard-bar-fill dashboard-bar-progress" width="50"' in html
    assert '<rect class="dashboard-bar-fill dashboard-bar-progress" width="25"' in html
    assert "style=" not in html
    assert 'data-yes="1" data-no="1" data-maybe="1" data-unanswered="2"' in html
    assert 'id="dashboard-failed" data-count="2"' in html
    assert 'id="dashboard-missed" data-count="1"' in html
    assert 'id="dashboard-attention" data-count="6"' in html
    assert 'id="attention-minutes" data-count="1"' in html
    assert reverse("meetings:detail", args=[small["overdue"].pk]) in html
    assert 'id="attention-contacts" data-count="2"' in html
    assert reverse("portal:home", args=[PENDING_A]) in html
    assert 'id="attention-unanswered" data-count="3"' in html
    assert 'class="status-map-svg"' in html
    assert 'data-group="pilot" data-members="1"' in html
    # The old overview stays one click away, and so do the other programmes.
    assert reverse("selection:programme_overview") in html
    assert f"{URL}?programme={small['other'].pk}" in html
    assert reverse("selection:progress", args=[programme.pk]) in html


def test_dashboard_leaves_out_another_programme(client, staff, small):
    """The other programme has a draft candidacy, an overdue meeting and an unanswered
    invitation: choosing it shows only those."""
    client.force_login(staff)
    html = client.get(URL, {"programme": small["other"].pk}).content.decode()
    assert f'data-programme="{small["other"].pk}"' in html
    assert 'id="dashboard-candidacy-total">1<' in html
    assert 'id="attention-minutes" data-count="1"' in html
    assert 'id="attention-unanswered" data-count="1"' in html
    assert "Pilootbijeenkomst" not in html
    assert "attention-contacts" not in html


def test_dashboard_selection_decision_and_stale_run(client, staff, reference_data):
    programme = scored_programme(per_province=4, size=6, members=3)
    run = selection_run(programme=programme, actor=staff)
    a, b, c = programme.board_members.order_by("pk")
    decision = decision_record(
        run=run,
        meeting_date=date(2017, 6, 1),
        quorum=3,
        rule=DecisionRule.MAJORITY,
        votes={a.pk: (True, Vote.FOR), b.pk: (True, Vote.FOR), c.pk: (True, Vote.AGAINST)},
        actor=staff,
    )
    s = programme_dashboard(user=staff, programme=programme, now=NOW).selection
    assert (s.run, s.run_optimal, s.run_stale, s.decision) == (run, True, False, decision)
    assert (s.tally.votes_for, s.tally.votes_against, s.tally.present, s.tally.carried) == (
        2,
        1,
        3,
        True,
    )
    assert s.price_of_diversity == run.result["price_of_diversity"]
    assert programme_dashboard(user=staff, programme=programme, now=NOW).attention.stale_run is None
    # A counted score changes: the run is stale and needs attention while deliberating.
    score = Score.objects.filter(review__candidacy__programme=programme).order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(value=6 - score.value)
    d = programme_dashboard(user=staff, programme=programme, now=NOW)
    assert (d.selection.run_stale, d.attention.stale_run) == (True, run)
    client.force_login(staff)
    html = client.get(URL, {"programme": programme.pk}).content.decode()
    assert f'data-run="{run.pk}" data-stale="1"' in html
    assert f'id="attention-stale-run" data-run="{run.pk}"' in html
    assert 'data-rule="majority"' in html
    assert (
        'data-for="2" data-against="1" data-abstain="0" data-present="3" data-carried="1"' in html
    )
    assert reverse("selection:decision_detail", args=[decision.pk]) in html


def test_dashboard_of_an_empty_programme_renders(client, staff, reference_data):
    programme = ProgrammeFactory()
    client.force_login(staff)
    response = client.get(URL, {"programme": programme.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-candidacy-total">0<' in html
    assert 'id="dashboard-attention" data-count="0"' in html
    assert 'id="dashboard-reminders" data-ok="0"' in html  # beat never ran
    d = programme_dashboard(user=staff, programme=programme, now=NOW)
    assert (d.meetings, d.progress, d.selection.run, d.selection.decision) == ([], [], None, None)
    assert [g.members for g in d.groups] == [0, 0, 0]


def test_dashboard_without_any_programme_says_so(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'id="dashboard-empty"' in response.content.decode()


# --- Who may open it ---------------------------------------------------------------------


def test_staff_start_page_is_the_dashboard(client, staff):
    client.force_login(staff)
    assert client.get(reverse("start")).headers["Location"] == reverse("portal:dashboard")


def test_dashboard_refuses_everyone_but_staff(client, reference_data, small):
    assert client.get(URL).status_code == 302  # to the login page
    contact = MunicipalityContactFactory(municipality_id=PENDING_A, user__password=None)
    member = small["members"][0]
    for user in (contact.user, member.user, UserFactory(password=None)):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(URL, {"programme": small["programme"].pk}).status_code == 403
        with pytest.raises(PermissionDenied):
            programme_dashboard(user=user, programme=small["programme"])


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5", "١", "9" * 40, "1 OR 1=1"])
def test_dashboard_unknown_or_bad_programme_is_404(client, staff, reference_data, value):
    ProgrammeFactory()
    client.force_login(staff)
    assert client.get(URL, {"programme": value}).status_code == 404


def test_dashboard_takes_no_post(client, staff, reference_data):
    client.force_login(staff)
    assert client.post(URL).status_code == 405
