"""The SDG status document: its parts, how a value of each is checked, scores and differences.

A municipality's status is one JSON document per version::

    {
      "assessment": {"awareness": {"<question id>": <option id>, ...}, "support": {}, "policy": {}},
      "goals": {"7": {"today": "some", "ambition": "strong", "targets": ["7.2"],
                      "note": "...", "links": ["https://..."]}, ...},
      "milestones": {"multi_year_plan": {"achieved": true, "date": "2019-12-17",
                                         "link": "", "document": 12}, ...},
      "actions": {"<uuid>": {"date": "2018-03-22", "title": "...",
                             "audiences": ["citizens"], "reach": 120}, ...},
    }

A *path* names one part a person edits as a unit: ("assessment", track), ("goals", "7"),
("milestones", kind) or ("actions", id). Two saves conflict only when they change the same
path (see services.status.status_update). Nothing here writes to the database.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .enums import Audience, Contribution, MilestoneKind, SdgStatusLevel, Track

Path = tuple[str, str]

GOAL_NUMBERS = tuple(str(n) for n in range(1, 18))
NOTE_LENGTH = 1000
TITLE_LENGTH = 200
LINK_LENGTH = 500
MAX_LINKS = 5
MAX_REACH = 10_000_000
MAX_ACTIONS = 200

# Level boundaries on the overall score (percent of the points the questions can give).
LEVEL_FROM = (
    (70, SdgStatusLevel.ADVANCED),
    (35, SdgStatusLevel.ACTIVE),
    (1, SdgStatusLevel.EXPLORING),
)


def empty_document() -> dict:
    return {
        "assessment": {track: {} for track in Track.values},
        "goals": {},
        "milestones": {},
        "actions": {},
    }


def part(document: dict, path: Path) -> Any:
    """The value at a path, None when it was never filled in."""
    section, key = path
    return (document or {}).get(section, {}).get(key)


def with_parts(document: dict, values: dict[Path, Any]) -> dict:
    """A copy of the document with the given paths set (None removes a part)."""
    result = copy.deepcopy(document) if document else empty_document()
    for section in empty_document():
        result.setdefault(section, {})
    for (section, key), value in values.items():
        if value is None:
            result[section].pop(key, None)
        else:
            result[section][key] = value
    return result


def paths(document: dict) -> set[Path]:
    return {(section, key) for section, values in (document or {}).items() for key in values}


def changed_paths(before: dict, after: dict) -> list[Path]:
    """The paths whose value differs between two documents, in a stable order."""
    order = {section: i for i, section in enumerate(empty_document())}
    keys = paths(before) | paths(after)
    changed = [p for p in keys if part(before, p) != part(after, p)]

    def sort_key(p):
        section, key = p
        return (order.get(section, 99), int(key) if key.isdigit() else 0, key)

    return sorted(changed, key=sort_key)


# --- Scores --------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The active questions with their options: {question id: (track, {option id: points})}."""

    questions: dict[int, tuple[str, dict[int, int]]]

    @classmethod
    def load(cls) -> Catalogue:
        from .models import AssessmentOption

        questions: dict[int, tuple[str, dict[int, int]]] = {}
        rows = AssessmentOption.objects.filter(question__active=True).values_list(
            "question_id", "question__track", "pk", "points"
        )
        for question_id, track, option_id, points in rows:
            questions.setdefault(question_id, (track, {}))[1][option_id] = points
        return cls(questions)

    def track_questions(self, track: str) -> dict[int, dict[int, int]]:
        return {q: options for q, (t, options) in self.questions.items() if t == track}


@dataclass(frozen=True)
class Scores:
    tracks: dict[str, int | None]  # percent per track, None when nothing is answered there
    overall: int | None
    level: str
    unanswered: int  # active questions without an answer


def level_for(score: int | None) -> str:
    for bound, level in LEVEL_FROM:
        if score is not None and score >= bound:
            return level
    return SdgStatusLevel.NOT_STARTED


def scores(document: dict, catalogue: Catalogue) -> Scores:
    """Per track, the points of the chosen answers as a percentage of the most there are."""
    tracks: dict[str, int | None] = {}
    got_all = most_all = 0
    answered_any = False
    unanswered = 0
    for track in Track.values:
        answers = part(document, ("assessment", track)) or {}
        got = most = 0
        answered = False
        for question_id, options in catalogue.track_questions(track).items():
            most += max(options.values(), default=0)
            chosen = answers.get(str(question_id))
            if chosen in options:
                got += options[chosen]
                answered = True
            else:
                unanswered += 1
        tracks[track] = round(100 * got / most) if answered and most else (0 if answered else None)
        got_all, most_all = got_all + got, most_all + most
        answered_any = answered_any or answered
    overall = round(100 * got_all / most_all) if answered_any and most_all else None
    return Scores(tracks=tracks, overall=overall, level=level_for(overall), unanswered=unanswered)


# --- Checking a value before it is saved ---------------------------------------------


def _date(value, label: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        parsed = dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("%(label)s: not a valid date.") % {"label": label}) from None
    if not dt.date(2000, 1, 1) <= parsed <= dt.date(2100, 12, 31):
        raise ValidationError(_("%(label)s lies outside 2000-2100.") % {"label": label})
    return parsed.isoformat()


def _link(value) -> str:
    value = str(value or "").strip()
    if not value:
        return ""
    if len(value) > LINK_LENGTH:
        raise ValidationError(_("A link has at most %(n)s characters.") % {"n": LINK_LENGTH})
    URLValidator(schemes=["http", "https"])(value)
    return value


def _text(value, limit: int) -> str:
    value = str(value or "").strip()
    if "\x00" in value:
        raise ValidationError(_("The text contains a character that cannot be stored."))
    if len(value) > limit:
        raise ValidationError(_("At most %(n)s characters.") % {"n": limit})
    return value


def clean_part(
    path: Path,
    value: Any,
    *,
    catalogue: Catalogue,
    targets: dict[str, set[str]],
    documents: set[int],
) -> Any:
    """The value as it is stored, or ValidationError. None clears the part.

    `targets` maps a goal number to its target codes; `documents` are the ids of the
    municipality's own uploaded files (a milestone may only point at those).
    """
    section, key = path
    if value is None:
        return None
    if section == "assessment":
        if key not in Track.values or not isinstance(value, dict):
            raise ValidationError(_("Unknown part of the self-assessment."))
        questions = catalogue.track_questions(key)
        cleaned = {}
        for question_id, option_id in value.items():
            if option_id in (None, ""):
                continue
            try:
                question_id, option_id = int(question_id), int(option_id)
            except (TypeError, ValueError):
                raise ValidationError(_("Unknown answer.")) from None
            if option_id not in questions.get(question_id, {}):
                raise ValidationError(_("Unknown answer."))
            cleaned[str(question_id)] = option_id
        return cleaned or None
    if section == "goals":
        if key not in GOAL_NUMBERS or not isinstance(value, dict):
            raise ValidationError(_("Unknown goal."))
        today, ambition = value.get("today") or "none", value.get("ambition") or "none"
        if today not in Contribution.values or ambition not in Contribution.values:
            raise ValidationError(_("Choose none, some or strong."))
        chosen = sorted(set(value.get("targets") or []), key=_target_sort)
        unknown = set(chosen) - targets.get(key, set())
        if unknown:
            raise ValidationError(
                _("These targets do not belong to this goal: %(codes)s")
                % {"codes": ", ".join(sorted(unknown))}
            )
        links = [_link(link) for link in value.get("links") or []]
        links = [link for link in links if link]
        if len(links) > MAX_LINKS:
            raise ValidationError(_("At most %(n)s links.") % {"n": MAX_LINKS})
        return {
            "today": today,
            "ambition": ambition,
            "targets": chosen,
            "note": _text(value.get("note"), NOTE_LENGTH),
            "links": links,
        }
    if section == "milestones":
        if key not in MilestoneKind.values or not isinstance(value, dict):
            raise ValidationError(_("Unknown milestone."))
        document = value.get("document")
        if document is not None and document not in documents:
            raise ValidationError(_("Unknown document."))
        achieved = value.get("achieved")
        cleaned = {
            "achieved": bool(achieved),
            "date": _date(value.get("date"), _("The date")),
            "link": _link(value.get("link")),
            "document": document,
        }
        # An explicit "no" is an answer and is kept; only a row left blank is removed.
        if achieved is None and not cleaned["date"] and not cleaned["link"] and document is None:
            return None
        return cleaned
    if section == "actions":
        if not isinstance(value, dict) or not key or len(key) > 40:
            raise ValidationError(_("Unknown awareness action."))
        audiences = sorted(set(value.get("audiences") or []))
        if set(audiences) - set(Audience.values):
            raise ValidationError(_("Unknown audience."))
        reach = value.get("reach")
        if reach in (None, ""):
            reach = None
        else:
            try:
                reach = int(reach)
            except (TypeError, ValueError):
                raise ValidationError(_("The reach is a number of people.")) from None
            if not 0 <= reach <= MAX_REACH:
                raise ValidationError(_("The reach is a number of people."))
        title = _text(value.get("title"), TITLE_LENGTH)
        if not title:
            raise ValidationError(_("An awareness action needs a title."))
        return {
            "date": _date(value.get("date"), _("The date")),
            "title": title,
            "audiences": audiences,
            "reach": reach,
        }
    raise ValidationError(_("Unknown part of the status."))


def _target_sort(code: str):
    goal, _sep, target = str(code).partition(".")
    return (
        int(goal) if goal.isdigit() else 0,
        (0, int(target)) if target.isdigit() else (1, target),
    )


def current_level(municipality) -> str:
    """The overall level the municipality's current self-assessment gives (not started if none)."""
    from .models import MunicipalityStatus

    level = (
        MunicipalityStatus.objects.filter(municipality=municipality)
        .values_list("current__overall_level", flat=True)
        .first()
    )
    return level or SdgStatusLevel.NOT_STARTED
