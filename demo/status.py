"""The demo's SDG status history: the 50 municipalities of 2017-2019, from start to end.

Each municipality's demo contact updates the status at the start of the trajectory (May
2017), every half year, and at its end (December 2019), through the same service a contact
uses; a snapshot follows each round. Where a municipality starts comes from the SDG status of
its candidacy; pilots, coached intensively, progress faster than the outreach group. All of it
is generated from the demo's seed and labelled "[Demo]" where it is text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from municipalities.enums import (
    Audience,
    Contribution,
    MilestoneKind,
    SdgStatusLevel,
    StatusPart,
    Track,
)
from municipalities.models import AssessmentQuestion, SDGTarget
from municipalities.services.snapshots import snapshot_take
from municipalities.services.status import status_update
from selection.enums import Outcome
from selection.models import Programme

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class Round:
    saved: datetime  # when the contacts update (spread over the days before)
    label: str  # the snapshot taken after the round
    taken: datetime


ROUNDS = [
    Round(
        datetime(2017, 5, 15, 10, tzinfo=BRUSSELS),
        "[Demo] Start proeftraject (mei 2017)",
        datetime(2017, 5, 16, 9, tzinfo=BRUSSELS),
    ),
    Round(
        datetime(2017, 12, 20, 10, tzinfo=BRUSSELS),
        "[Demo] Momentopname 1 januari 2018",
        datetime(2018, 1, 1, 0, 5, tzinfo=BRUSSELS),
    ),
    Round(
        datetime(2018, 6, 20, 10, tzinfo=BRUSSELS),
        "[Demo] Momentopname 1 juli 2018",
        datetime(2018, 7, 1, 0, 5, tzinfo=BRUSSELS),
    ),
    Round(
        datetime(2018, 12, 20, 10, tzinfo=BRUSSELS),
        "[Demo] Momentopname 1 januari 2019",
        datetime(2019, 1, 1, 0, 5, tzinfo=BRUSSELS),
    ),
    Round(
        datetime(2019, 6, 20, 10, tzinfo=BRUSSELS),
        "[Demo] Momentopname 1 juli 2019",
        datetime(2019, 7, 1, 0, 5, tzinfo=BRUSSELS),
    ),
    Round(
        datetime(2019, 12, 18, 10, tzinfo=BRUSSELS),
        "[Demo] Einde proeftraject (december 2019)",
        datetime(2019, 12, 31, 17, tzinfo=BRUSSELS),
    ),
]

START = {
    SdgStatusLevel.NOT_STARTED: 0.05,
    SdgStatusLevel.EXPLORING: 0.2,
    SdgStatusLevel.ACTIVE: 0.4,
    SdgStatusLevel.ADVANCED: 0.6,
}
# Progress per half year: the pilots are coached, the outreach group hears about it.
GROWTH = {Outcome.PILOT: 0.11, Outcome.OUTREACH: 0.045}
# A milestone is reached once a municipality's progress passes its threshold, and never
# before the year it could be: the multi-year plans 2020-2025 were adopted in December 2019,
# the coalition agreements after the elections of October 2018.
MILESTONES = {
    MilestoneKind.COORDINATOR: (0.3, 2017),
    MilestoneKind.COMMITMENT: (0.4, 2017),
    MilestoneKind.ENVIRONMENT_ANALYSIS: (0.35, 2018),
    MilestoneKind.COALITION_AGREEMENT: (0.45, 2019),
    MilestoneKind.COUNCIL_DECISION: (0.5, 2018),
    MilestoneKind.MULTI_YEAR_PLAN: (0.55, 2019),
}
ACTION_TITLES = [
    "[Demo] SDG-week in de bibliotheek",
    "[Demo] Vorming SDG's voor het managementteam",
    "[Demo] SDG-infoavond voor verenigingen",
    "[Demo] SDG-wandeling langs lokale projecten",
    "[Demo] Workshop SDG's voor de gemeenteraad",
    "[Demo] Duurzaamheidsbeurs met lokale bedrijven",
]


def _contribution(level: float) -> str:
    if level >= 0.6:
        return Contribution.STRONG
    if level >= 0.25:
        return Contribution.SOME
    return Contribution.NONE


class _History:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.questions = {
            track: list(
                AssessmentQuestion.objects.filter(track=track, active=True).prefetch_related(
                    "options"
                )
            )
            for track in Track.values
        }
        self.targets: dict[str, list[str]] = {}
        for goal, code in SDGTarget.objects.values_list("goal_id", "code"):
            self.targets.setdefault(str(goal), []).append(code)

    def assessment(self, progress: float) -> dict:
        values = {}
        for track, questions in self.questions.items():
            answers = {}
            for question in questions:
                options = sorted(question.options.all(), key=lambda o: o.points)
                wanted = progress * (len(options) - 1) + self.rng.uniform(-0.6, 0.6)
                index = min(max(round(wanted), 0), len(options) - 1)
                answers[str(question.pk)] = options[index].pk
            values[("assessment", track)] = answers
        return values

    def goals(self, progress: float, interest: dict[str, float], previous: dict) -> dict:
        values = {}
        for goal, weight in interest.items():
            level = progress * weight
            today = _contribution(level)
            ambition = _contribution(min(level + 0.3, 1.0))
            old = previous.get(goal) or {}
            targets = list(old.get("targets") or [])
            wanted = {Contribution.NONE: 0, Contribution.SOME: 1, Contribution.STRONG: 3}[today]
            for code in self.targets[goal]:
                if len(targets) >= wanted:
                    break
                if code not in targets:
                    targets.append(code)
            values[("goals", goal)] = {
                "today": today,
                "ambition": ambition,
                "targets": targets,
                "note": old.get("note") or "",
                "links": [],
            }
        return values

    def milestones(self, progress: float, at: datetime, previous: dict) -> dict:
        values = {}
        for kind, (threshold, year) in MILESTONES.items():
            if (previous.get(kind) or {}).get("achieved"):
                continue
            if progress >= threshold and at.year >= year:
                values[("milestones", kind)] = {"achieved": True, "date": at.date().isoformat()}
        return values

    def actions(self, progress: float, at: datetime, number: int, outcome: str) -> dict:
        if self.rng.random() > (0.8 if outcome == Outcome.PILOT else 0.35) * (0.5 + progress):
            return {}
        audiences = self.rng.sample(Audience.values, k=self.rng.randint(1, 3))
        return {
            ("actions", f"demo{number:02d}"): {
                "date": at.date().isoformat(),
                "title": ACTION_TITLES[number % len(ACTION_TITLES)],
                "audiences": audiences,
                "reach": self.rng.choice([25, 40, 60, 120, 250, 800]),
            }
        }


def seed_status_history(*, rng: random.Random, programme: Programme, contacts: dict, staff) -> int:
    """Give the programme's candidates a status history and take a snapshot after each round.

    Returns the number of versions written.
    """
    history = _History(rng)
    candidacies = list(
        programme.candidacies.select_related("municipality").order_by("municipality_id")
    )
    progress = {c.pk: START[c.sdg_status] + rng.uniform(-0.05, 0.05) for c in candidacies}
    interest = {
        c.pk: {str(g): rng.uniform(0.4, 1.3) for g in rng.sample(range(1, 18), k=rng.randint(4, 9))}
        for c in candidacies
    }
    versions = 0
    numbers = {c.municipality_id: 0 for c in candidacies}
    documents: dict[str, dict] = {c.municipality_id: {} for c in candidacies}
    for number, round_ in enumerate(ROUNDS):
        for candidacy in candidacies:
            nis = candidacy.municipality_id
            if number:
                step = GROWTH.get(candidacy.outcome, 0.03) * rng.uniform(0.6, 1.4)
                progress[candidacy.pk] = min(progress[candidacy.pk] + step, 1.0)
            level = progress[candidacy.pk]
            saved = round_.saved.replace(hour=9 + rng.randint(0, 8), minute=rng.randint(0, 59))
            document = documents[nis]
            parts = [
                (StatusPart.ASSESSMENT, history.assessment(level)),
                (
                    StatusPart.GOALS,
                    history.goals(level, interest[candidacy.pk], document.get("goals", {})),
                ),
                (
                    StatusPart.MILESTONES,
                    history.milestones(level, saved, document.get("milestones", {})),
                ),
                (StatusPart.ACTIONS, history.actions(level, saved, number, candidacy.outcome)),
            ]
            for kind, values in parts:
                if not values:
                    continue
                version = status_update(
                    municipality=candidacy.municipality,
                    actor=contacts[nis],
                    base_version=numbers[nis],
                    values=values,
                    kind=kind,
                    at=saved,
                )
                if version is not None:
                    versions += 1
                    numbers[nis], documents[nis] = version.number, version.document
        snapshot_take(label=round_.label, actor=staff, at=round_.taken)
    return versions
