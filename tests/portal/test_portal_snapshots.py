"""Snapshots of every municipality's status (by hand and half-yearly through Celery) and the
staff comparison of two of them per group."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from municipalities.enums import SdgStatusLevel
from municipalities.models import (
    Municipality,
    MunicipalityStatus,
    Snapshot,
    SnapshotEntry,
    StatusVersion,
)
from municipalities.services import snapshots as snapshot_service
from municipalities.services.snapshots import snapshot_take
from municipalities.tasks import take_half_yearly_snapshot
from portal.progress import ALL, bar_chart, comparison_for_user
from sdgpilot.celery import app
from selection.enums import Group, Outcome
from tests.factories import (
    CandidacyFactory,
    MunicipalityContactFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
GENT, HALLE, AARTSELAAR, ANTWERPEN, HASSELT = "44021", "23027", "11001", "11002", "71022"
T1, T2, T3 = (datetime(2018, month, 1, 12, tzinfo=BRUSSELS) for month in (1, 6, 12))


def save_version(nis_code, at, *, scores=(None, None, None, None), level="not_started", goals=()):
    """A new current version of the municipality's status, saved at `at`.

    `scores` is (awareness, support, policy, overall); `goals` maps SDG to today's value.
    """
    number = StatusVersion.objects.filter(municipality_id=nis_code).count() + 1
    awareness, support, policy, overall = scores
    version = StatusVersion.objects.create(
        municipality_id=nis_code,
        number=number,
        created_at=at,
        part="assessment",
        document={"goals": {str(goal): {"today": today} for goal, today in dict(goals).items()}},
        awareness_score=awareness,
        support_score=support,
        policy_score=policy,
        overall_score=overall,
        overall_level=level,
    )
    MunicipalityStatus.objects.update_or_create(
        municipality_id=nis_code, defaults={"current": version}
    )
    return version


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


# --- Taking a snapshot -----------------------------------------------------------------


def test_snapshot_takes_the_latest_version_at_or_before_the_moment(staff_user, reference_data):
    save_version(GENT, T1)
    middle = save_version(GENT, T2)
    save_version(GENT, T3)
    only_later = save_version(HALLE, T3)
    snapshot = snapshot_take(label="Raad van bestuur", actor=staff_user, at=T2)
    entries = dict(snapshot.entries.values_list("municipality_id", "version_id"))
    assert entries == {GENT: middle.pk}
    assert snapshot.taken_at == T2
    assert snapshot.taken_by == staff_user
    now = snapshot_take(label="Nu", actor=staff_user)
    assert dict(now.entries.values_list("municipality_id", "version_id")) == {
        GENT: StatusVersion.objects.get(municipality_id=GENT, number=3).pk,
        HALLE: only_later.pk,
    }


def test_snapshot_at_the_exact_moment_of_a_save_includes_it(reference_data):
    version = save_version(GENT, T2)
    snapshot = snapshot_take(label="Precies", at=T2)
    assert list(snapshot.entries.values_list("version_id", flat=True)) == [version.pk]


def test_snapshot_costs_the_same_queries_for_2_and_200_municipalities(reference_data):
    for nis in (GENT, HALLE):
        save_version(nis, T1)
    with CaptureQueriesContext(connection) as few:
        snapshot_take(label="Twee", at=T2)
    for nis in Municipality.objects.exclude(pk__in=[GENT, HALLE]).values_list("pk", flat=True)[
        :198
    ]:
        save_version(nis, T1)
    with CaptureQueriesContext(connection) as many:
        snapshot = snapshot_take(label="Tweehonderd", at=T2)
    assert snapshot.entries.count() == 200
    assert len(many) == len(few)


def test_snapshot_with_a_known_key_returns_the_first(reference_data):
    save_version(GENT, T1)
    first = snapshot_take(label="Automatisch", key="auto-2018-07-01", at=T2)
    save_version(HALLE, T2)
    again = snapshot_take(label="Nog eens", key="auto-2018-07-01")
    assert again == first
    assert Snapshot.objects.count() == 1
    assert SnapshotEntry.objects.count() == 1


def test_snapshot_key_taken_by_someone_else_meanwhile_returns_theirs(monkeypatch, reference_data):
    theirs = Snapshot.objects.create(label="Van de andere worker", key="auto-2019-01-01")
    # The check before the insert did not see it yet: the unique key refuses the insert.
    answers = iter([None, theirs])
    monkeypatch.setattr(snapshot_service, "_with_key", lambda key: next(answers))
    assert snapshot_take(label="Automatisch", key="auto-2019-01-01") == theirs
    assert Snapshot.objects.count() == 1


def test_snapshot_by_someone_without_the_permission_is_refused(reference_data):
    save_version(GENT, T1)
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None).user
    with pytest.raises(PermissionDenied):
        snapshot_take(label="Mag niet", actor=contact)
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize("label", ["", "   ", "x" * 121])
def test_snapshot_needs_a_label_of_at_most_120_characters(staff_user, label):
    with pytest.raises(ValidationError):
        snapshot_take(label=label, actor=staff_user)
    assert not Snapshot.objects.exists()


# --- The half-yearly job ---------------------------------------------------------------


def test_half_yearly_task_takes_one_snapshot_even_when_run_twice(monkeypatch, reference_data):
    save_version(GENT, T1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: date(2027, 1, 1))
    first = take_half_yearly_snapshot.apply()
    second = take_half_yearly_snapshot.apply()
    assert first.successful() and second.successful()
    assert first.get() == second.get()
    snapshot = Snapshot.objects.get()
    assert snapshot.pk == first.get()
    assert snapshot.key == "auto-2027-01-01"
    assert snapshot.taken_by is None
    assert "1 januari 2027" in snapshot.label
    assert list(snapshot.entries.values_list("municipality_id", flat=True)) == [GENT]


def test_beat_runs_the_snapshot_task_on_1_january_and_1_july():
    entry = app.conf.beat_schedule["take-half-yearly-snapshot"]
    assert entry["task"] == take_half_yearly_snapshot.name
    assert take_half_yearly_snapshot.name in app.tasks
    schedule = entry["schedule"]
    assert schedule == crontab(minute=0, hour=1, day_of_month=1, month_of_year="1,7")
    assert (schedule.minute, schedule.hour) == ({0}, {1})
    assert (schedule.day_of_month, schedule.month_of_year) == ({1}, {1, 7})
    assert app.conf.timezone == "Europe/Brussels"


# --- The snapshots page ----------------------------------------------------------------

SNAPSHOTS = reverse("portal:snapshots")


def test_snapshots_page_lists_them_with_their_size(staff_client, staff_user, reference_data):
    save_version(GENT, T1)
    save_version(HALLE, T1)
    snapshot_take(label="Start van het traject", actor=staff_user, at=T2)
    snapshot_take(label="Automatisch", key="auto-2018-07-01", at=T3)
    response = staff_client.get(SNAPSHOTS)
    assert response.status_code == 200
    rows = [(s.label, s.municipality_count, s.taken_by, p) for s, p in response.context["rows"]]
    assert [row[:3] for row in rows] == [
        ("Automatisch", 2, None),
        ("Start van het traject", 2, staff_user),
    ]
    assert rows[0][3].label == "Start van het traject" and rows[1][3] is None
    html = response.content.decode()
    assert "Start van het traject" in html
    newer, older = (snapshot for snapshot, _previous in response.context["rows"])
    assert f"?a={older.pk}&amp;b={newer.pk}" in html  # compare with the one before


def test_taking_a_snapshot_on_the_page(staff_client, staff_user, reference_data):
    save_version(GENT, T1)
    response = staff_client.post(SNAPSHOTS, {"label": "Raad van bestuur 12 maart"})
    assert response.status_code == 302
    assert response.headers["Location"] == SNAPSHOTS
    snapshot = Snapshot.objects.get()
    assert (snapshot.label, snapshot.taken_by, snapshot.entries.count()) == (
        "Raad van bestuur 12 maart",
        staff_user,
        1,
    )
    page = staff_client.get(SNAPSHOTS)
    (message,) = [str(m) for m in page.context["messages"]]
    assert "Raad van bestuur 12 maart" in message and " 1 " in message


@pytest.mark.parametrize("data", [{}, {"label": ""}, {"label": "x" * 121}, {"label": "\x00"}])
def test_a_bad_snapshot_form_is_shown_again_with_errors(staff_client, reference_data, data):
    response = staff_client.post(SNAPSHOTS, data)
    assert response.status_code == 200
    assert response.context["form"].errors["label"]
    assert not Snapshot.objects.exists()


def test_snapshots_page_refuses_everyone_but_staff(client, reference_data):
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None).user
    for user in (contact, UserFactory(password=None)):
        client.force_login(user)
        assert client.get(SNAPSHOTS).status_code == 403
        assert client.post(SNAPSHOTS, {"label": "Mag niet"}).status_code == 403
    assert not Snapshot.objects.exists()


# --- Comparing two snapshots -----------------------------------------------------------

COMPARE = reverse("portal:compare")


@pytest.fixture
def two_snapshots(reference_data):
    """Gent pilot, Halle outreach, Aartselaar candidate, Antwerpen no candidacy; Hasselt
    only saves after snapshot a."""
    programme = ProgrammeFactory()
    CandidacyFactory(programme=programme, municipality_id=GENT, outcome=Outcome.PILOT)
    CandidacyFactory(programme=programme, municipality_id=HALLE, outcome=Outcome.OUTREACH)
    CandidacyFactory(programme=programme, municipality_id=AARTSELAAR)
    CandidacyFactory(programme=programme, municipality_id=HASSELT, outcome=Outcome.PILOT)
    # Before a.
    save_version(GENT, T1, scores=(20, 40, None, 30), level="exploring", goals={7: "some"})
    save_version(HALLE, T1, scores=(10, 10, 10, 10), level="exploring", goals={7: "none"})
    save_version(AARTSELAAR, T1, level="not_started")
    save_version(ANTWERPEN, T1, scores=(50, 50, 50, 50), level="active", goals={13: "strong"})
    a = snapshot_take(label="a", at=T1)
    # Between a and b.
    save_version(GENT, T2, scores=(80, 60, 40, 60), level="active", goals={7: "strong", 13: "some"})
    save_version(HASSELT, T2, scores=(70, 50, 30, 50), level="active", goals={7: "some"})
    save_version(HALLE, T2, scores=(20, 10, 10, 15), level="exploring", goals={7: "none"})
    b = snapshot_take(label="b", at=T2)
    return programme, a, b


def test_comparison_figures_per_group(staff_client, two_snapshots):
    programme, a, b = two_snapshots
    response = staff_client.get(COMPARE, {"a": a.pk, "b": b.pk, "programme": programme.pk})
    assert response.status_code == 200
    groups = {g.key: g for g in response.context["comparison"].groups}
    assert list(groups) == [Group.PILOT, Group.OUTREACH, Group.CANDIDATE, ALL]

    pilot = groups[Group.PILOT]
    assert (pilot.a.count, pilot.b.count) == (1, 2)
    assert pilot.a.means == {"awareness": 20.0, "support": 40.0, "policy": None, "overall": 30.0}
    assert pilot.b.means == {"awareness": 75.0, "support": 55.0, "policy": 35.0, "overall": 55.0}
    assert [(c.a, c.b, c.difference) for c in pilot.scores] == [
        (20.0, 75.0, 55.0),
        (40.0, 55.0, 15.0),
        (None, 35.0, None),
        (30.0, 55.0, 25.0),
    ]
    assert pilot.a.levels == {"not_started": 0, "exploring": 1, "active": 0, "advanced": 0}
    assert pilot.b.levels == {"not_started": 0, "exploring": 0, "active": 2, "advanced": 0}
    assert (pilot.a.goals["7"], pilot.b.goals["7"]) == (1, 2)
    assert (pilot.a.goals["13"], pilot.b.goals["13"]) == (0, 1)

    outreach = groups[Group.OUTREACH]
    assert outreach.a.means["overall"] == 10.0 and outreach.b.means["overall"] == 15.0
    assert outreach.a.goals["7"] == outreach.b.goals["7"] == 0

    candidate = groups[Group.CANDIDATE]
    assert (candidate.a.count, candidate.b.count) == (1, 1)
    assert candidate.a.means == dict.fromkeys(["awareness", "support", "policy", "overall"])
    assert candidate.b.levels["not_started"] == 1

    everyone = groups[ALL]
    assert (everyone.a.count, everyone.b.count) == (4, 5)
    assert everyone.a.means["overall"] == round((30 + 10 + 50) / 3, 1)  # 30.0
    assert everyone.b.means["awareness"] == round((80 + 20 + 50 + 70) / 4, 1)  # 55.0
    assert everyone.b.levels == {"not_started": 1, "exploring": 1, "active": 3, "advanced": 0}
    assert (everyone.a.goals["13"], everyone.b.goals["13"]) == (1, 2)
    assert sum(everyone.b.goals.values()) == 2 + 2  # SDG 7: Gent, Hasselt; SDG 13: Gent, Antwerpen


def test_comparison_chart_is_drawn_on_the_server(staff_client, two_snapshots):
    programme, a, b = two_snapshots
    response = staff_client.get(COMPARE, {"a": a.pk, "b": b.pk, "programme": programme.pk})
    html = response.content.decode()
    assert html.count('class="progress-chart"') == 4
    # The pilot group's awareness: 20% in a and 75% in b, on a plot 300 units wide.
    pilot = response.context["comparison"].groups[0].chart
    assert [(bar.css, bar.width) for bar in pilot.bars[:2]] == [("bar-a", 60.0), ("bar-b", 225.0)]
    assert 'class="bar-b" x="150" y="21" width="225" height="13"' in html
    assert 'style="' not in html
    assert "<script" not in html.split('<main id="main"')[1].split("</main>")[0]


def test_bar_chart_geometry():
    chart = bar_chart([("Beleid", 50, None), ("Totaal", 120, 0)], title="Pilootgroep")
    a, b, c, d = chart.bars
    assert (d.width, d.value) == (0, 0)
    assert (a.x, a.width, a.value) == (150, 150.0, 50)
    assert (b.width, b.value) == (0, None)
    assert c.width == 300  # clipped at the maximum
    assert (c.y - a.y) == 2 * 13 + 2 + 14
    assert [tick.text for tick in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert [tick.x for tick in chart.ticks] == [150, 225, 300, 375, 450]
    assert chart.width == 500
    assert [label.text for label in chart.labels] == ["Beleid", "Totaal"]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"a": "1"},
        {"a": "abc", "b": "def"},
        {"a": "99999999999999999999999999", "b": "1"},
        {"a": "-1", "b": "0"},
        {"a": "424242", "b": "424243"},
    ],
)
def test_compare_without_two_valid_snapshots_shows_the_form(staff_client, two_snapshots, query):
    response = staff_client.get(COMPARE, query)
    assert response.status_code == 200
    assert response.context["comparison"] is None
    assert 'name="a"' in response.content.decode()


def test_compare_without_a_programme_uses_the_latest(staff_client, two_snapshots):
    _programme, a, b = two_snapshots
    later = ProgrammeFactory(starts_on=date(2020, 1, 1), ends_on=date(2022, 12, 31))
    CandidacyFactory(programme=later, municipality_id=HALLE, outcome=Outcome.PILOT)
    comparison = staff_client.get(COMPARE, {"a": a.pk, "b": b.pk}).context["comparison"]
    assert comparison.programme == later
    assert comparison.groups[0].b.count == 1  # Halle is the only pilot of the latest


def test_compare_query_count_does_not_grow_with_the_data(staff_client, two_snapshots):
    programme, a, b = two_snapshots
    query = {"a": a.pk, "b": b.pk, "programme": programme.pk}
    with CaptureQueriesContext(connection) as few:
        staff_client.get(COMPARE, query)
    others = Municipality.objects.exclude(pk__in=[GENT, HALLE, AARTSELAAR, ANTWERPEN, HASSELT])
    for i, nis in enumerate(others.values_list("pk", flat=True)[:150]):
        save_version(nis, T1, scores=(i % 100, 10, 20, 30), level="exploring", goals={5: "some"})
        if i % 3 == 0:
            CandidacyFactory(programme=programme, municipality_id=nis, outcome=Outcome.OUTREACH)
    big_a, big_b = snapshot_take(label="A", at=T2), snapshot_take(label="B", at=T3)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(
            COMPARE, {"a": big_a.pk, "b": big_b.pk, "programme": programme.pk}
        )
    assert response.context["comparison"].groups[-1].b.count == 155
    assert len(many) == len(few)


def test_compare_refuses_everyone_but_staff(client, two_snapshots):
    programme, a, b = two_snapshots
    contact = MunicipalityContactFactory(municipality_id=GENT, user__password=None).user
    client.force_login(contact)
    assert client.get(COMPARE, {"a": a.pk, "b": b.pk}).status_code == 403
    with pytest.raises(PermissionDenied):
        comparison_for_user(user=contact, a=a, b=b, programme=programme)
    assert client.get(SNAPSHOTS).status_code == 403


def test_compare_levels_use_the_scale_labels(staff_client, two_snapshots):
    programme, a, b = two_snapshots
    comparison = staff_client.get(
        COMPARE, {"a": a.pk, "b": b.pk, "programme": programme.pk}
    ).context["comparison"]
    assert [label for label, _changes in comparison.level_rows()] == [
        str(label) for label in SdgStatusLevel.labels
    ]
    titles = [title for title, _changes in comparison.goal_rows()]
    assert len(titles) == 17 and titles[6].startswith("SDG 7")
