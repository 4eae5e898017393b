"""How the SDG status reads to a person: the name of a part, a value, and what a save changed.

One home for that wording, used by the history page and by the message a refused save
shows ("SDG 7: today none → strong"). The texts of questions, answers and documents come
from a Lookups (selectors.status_lookups); nothing here queries the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .enums import Audience, Contribution, MilestoneKind, StatusPart, Track
from .status import Path, changed_paths, empty_document, part

EMPTY = "—"
ARROW = "→"


@dataclass(frozen=True)
class Lookups:
    """The texts a status refers to by id: questions and answers (also those no longer
    asked) and the municipality's documents."""

    questions: dict[int, Any] = field(default_factory=dict)  # id -> AssessmentQuestion
    options: dict[int, Any] = field(default_factory=dict)  # id -> AssessmentOption
    documents: dict[int, Any] = field(default_factory=dict)  # id -> StatusDocument


def author_name(user) -> str:
    if user is None:
        return _("someone")
    return user.get_full_name() or user.email


def when(moment: dt.datetime) -> str:
    return date_format(moment, "DATETIME_FORMAT", use_l10n=True)


def _day(value) -> str:
    if not value:
        return EMPTY
    try:
        return date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT", use_l10n=True)
    except ValueError:
        return str(value)


def _quote(text, length: int = 60) -> str:
    text = str(text or "").strip()
    if not text:
        return EMPTY
    return "“" + Truncator(" ".join(text.split())).chars(length) + "”"


def _choice(enum, value) -> str:
    if value in (None, ""):
        return EMPTY
    try:
        return str(enum(value).label).lower()
    except ValueError:
        return str(value)


def _yes_no(value) -> str:
    if value is None:
        return EMPTY
    return _("yes") if value else _("no")


def _document(pk, lookups: Lookups) -> str:
    if pk is None:
        return EMPTY
    document = lookups.documents.get(pk)
    return document.name if document else _("document %(id)s") % {"id": pk}


def _option(pk, lookups: Lookups) -> str:
    if pk is None:
        return EMPTY
    option = lookups.options.get(pk)
    return option.text if option else _("answer %(id)s") % {"id": pk}


def _question(pk: str, lookups: Lookups) -> str:
    question = lookups.questions.get(int(pk)) if str(pk).isdigit() else None
    return question.text if question else _("question %(id)s") % {"id": pk}


def _audiences(values: Iterable[str]) -> str:
    return ", ".join(_choice(Audience, v) for v in values) or EMPTY


# --- The name of a part ------------------------------------------------------------------


def path_label(path: Path, *values: Any) -> str:
    """What a person calls this part; an action by its title (from any of `values`)."""
    section, key = path
    if section == "assessment":
        return _("Self-assessment, %(track)s") % {"track": _choice(Track, key)}
    if section == "goals":
        return _("SDG %(number)s") % {"number": key}
    if section == "milestones":
        try:
            return str(MilestoneKind(key).label)
        except ValueError:
            return key
    if section == "actions":
        title = next((v.get("title") for v in values if isinstance(v, dict) and v.get("title")), "")
        return _("Awareness action %(title)s") % {"title": _quote(title, 40)}
    return f"{section} {key}"


def part_label(version) -> str:
    """What a version changed, in words ("Circle exercise"; "Version 3 restored")."""
    if version.part == StatusPart.RESTORE and getattr(version, "restored_number", None):
        return _("Version %(number)s restored") % {"number": version.restored_number}
    return str(version.get_part_display())


# --- A value in one line ------------------------------------------------------------------


def value_summary(path: Path, value: Any, lookups: Lookups) -> str:
    """A part's whole value in one line, e.g. for "their value" and "yours"."""
    section, _key = path
    if value is None:
        return pgettext("status value", "(empty)")
    if section == "assessment":
        answers = [
            f"{_question(q, lookups)}: {_option(o, lookups)}" for q, o in sorted(value.items())
        ]
        return "; ".join(answers) or pgettext("status value", "(empty)")
    if section == "goals":
        items = [
            _("today %(value)s") % {"value": _choice(Contribution, value.get("today"))},
            _("ambition %(value)s") % {"value": _choice(Contribution, value.get("ambition"))},
        ]
        if value.get("targets"):
            items.append(_("targets %(codes)s") % {"codes": ", ".join(value["targets"])})
        if value.get("note"):
            items.append(_("note %(text)s") % {"text": _quote(value["note"])})
        for link in value.get("links") or []:
            items.append(link)
        return ", ".join(items)
    if section == "milestones":
        items = [_("achieved %(value)s") % {"value": _yes_no(value.get("achieved"))}]
        if value.get("date"):
            items.append(_day(value["date"]))
        if value.get("link"):
            items.append(value["link"])
        if value.get("document") is not None:
            items.append(_document(value["document"], lookups))
        return ", ".join(items)
    if section == "actions":
        return ", ".join([_quote(value.get("title"), 80), *_action_details(value)])
    return str(value)


def _action_details(value: dict) -> list[str]:
    """An action's date, audiences and reach, as far as they are filled in."""
    items = []
    if value.get("date"):
        items.append(_day(value["date"]))
    if value.get("audiences"):
        items.append(_audiences(value["audiences"]))
    if value.get("reach") is not None:
        items.append(_("reach %(n)s") % {"n": value["reach"]})
    return items


# --- What changed -------------------------------------------------------------------------


def _line(label: str, name: str, before: str, after: str) -> str:
    return _("%(label)s: %(field)s %(before)s → %(after)s") % {
        "label": label,
        "field": name,
        "before": before,
        "after": after,
    }


def _set_lines(label: str, name: str, before: Iterable, after: Iterable, show) -> list[str]:
    before, after = list(before or []), list(after or [])
    lines = []
    added = [item for item in after if item not in before]
    removed = [item for item in before if item not in after]
    if added:
        lines.append(
            _("%(label)s: %(field)s added: %(items)s")
            % {"label": label, "field": name, "items": ", ".join(show(i) for i in added)}
        )
    if removed:
        lines.append(
            _("%(label)s: %(field)s removed: %(items)s")
            % {"label": label, "field": name, "items": ", ".join(show(i) for i in removed)}
        )
    return lines


def change_lines(path: Path, before: Any, after: Any, lookups: Lookups) -> list[str]:
    """What changed in one part, a line per field ("SDG 7: today none → strong")."""
    # An empty part ({}) reads as one never filled in.
    before, after = before or None, after or None
    if before == after:
        return []
    section, _key = path
    label = path_label(path, after, before)
    if section == "actions":
        if before is None:
            details = _action_details(after)
            if not details:
                return [_("%(label)s added") % {"label": label}]
            return [_("%(label)s added: %(value)s") % {"label": label, "value": ", ".join(details)}]
        if after is None:
            return [_("%(label)s deleted") % {"label": label}]
    if section == "goals" and before is None:
        return [
            _("%(label)s filled in: %(value)s")
            % {"label": label, "value": value_summary(path, after, lookups)}
        ]
    if after is None:
        return [_("%(label)s cleared") % {"label": label}]
    before = before or {}
    lines: list[str] = []
    if section == "assessment":
        for question in sorted(
            set(before) | set(after), key=lambda q: int(q) if q.isdigit() else 0
        ):
            if before.get(question) != after.get(question):
                lines.append(
                    _("%(label)s, %(question)s: %(before)s → %(after)s")
                    % {
                        "label": label,
                        "question": _question(question, lookups),
                        "before": _option(before.get(question), lookups),
                        "after": _option(after.get(question), lookups),
                    }
                )
        return lines
    if section == "goals":
        for name, word in (
            ("today", pgettext("circle exercise", "today")),
            ("ambition", pgettext("circle exercise", "ambition")),
        ):
            if before.get(name) != after.get(name):
                lines.append(
                    _line(
                        label,
                        word,
                        _choice(Contribution, before.get(name)),
                        _choice(Contribution, after.get(name)),
                    )
                )
        lines += _set_lines(label, _("targets"), before.get("targets"), after.get("targets"), str)
        if (before.get("note") or "") != (after.get("note") or ""):
            lines.append(
                _line(label, _("note"), _quote(before.get("note")), _quote(after.get("note")))
            )
        lines += _set_lines(label, _("links"), before.get("links"), after.get("links"), str)
        return lines
    if section == "milestones":
        if before.get("achieved") != after.get("achieved") or not before:
            lines.append(
                _line(
                    label,
                    _("achieved"),
                    _yes_no(before.get("achieved")),
                    _yes_no(after.get("achieved")),
                )
            )
        if before.get("date") != after.get("date"):
            lines.append(_line(label, _("date"), _day(before.get("date")), _day(after.get("date"))))
        if (before.get("link") or "") != (after.get("link") or ""):
            lines.append(
                _line(label, _("link"), before.get("link") or EMPTY, after.get("link") or EMPTY)
            )
        if before.get("document") != after.get("document"):
            lines.append(
                _line(
                    label,
                    _("document"),
                    _document(before.get("document"), lookups),
                    _document(after.get("document"), lookups),
                )
            )
        return lines
    if section == "actions":
        if before.get("title") != after.get("title"):
            lines.append(
                _line(label, _("title"), _quote(before.get("title")), _quote(after.get("title")))
            )
        if before.get("date") != after.get("date"):
            lines.append(_line(label, _("date"), _day(before.get("date")), _day(after.get("date"))))
        lines += _set_lines(
            label,
            _("audiences"),
            before.get("audiences"),
            after.get("audiences"),
            lambda a: _choice(Audience, a),
        )
        if before.get("reach") != after.get("reach"):
            lines.append(
                _line(
                    label,
                    _("reach"),
                    str(before["reach"]) if before.get("reach") is not None else EMPTY,
                    str(after["reach"]) if after.get("reach") is not None else EMPTY,
                )
            )
        return lines
    return [_("%(label)s changed") % {"label": label}]


def document_changes(before: dict | None, after: dict, lookups: Lookups) -> list[str]:
    """Every change from one whole status to the next, in the order of the parts."""
    before = before or empty_document()
    return [
        line
        for path in changed_paths(before, after)
        for line in change_lines(path, part(before, path), part(after, path), lookups)
    ]


@dataclass(frozen=True)
class HistoryEntry:
    version: Any  # StatusVersion
    author: str
    when: str
    part: str
    changes: list[str]


def history_entries(versions: Sequence, lookups: Lookups) -> list[HistoryEntry]:
    """The versions newest first, each with what it changed against the one before it."""
    ordered = sorted(versions, key=lambda v: v.number)
    numbers = {v.pk: v.number for v in ordered}
    entries = []
    previous = [None, *ordered]
    for before, version in itertools.pairwise(previous):
        version.restored_number = numbers.get(version.restored_from_id)
        entries.append(
            HistoryEntry(
                version=version,
                author=author_name(version.author),
                when=when(version.created_at),
                part=part_label(version),
                changes=document_changes(
                    before.document if before else None, version.document, lookups
                ),
            )
        )
    entries.reverse()
    return entries


# --- A refused save -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictText:
    label: str
    author: str
    when: str
    theirs: str
    mine: str


def conflict_texts(changes: Iterable, lookups: Lookups) -> list[ConflictText]:
    """Per part that someone else changed: who, when, their value and the user's."""
    return [
        ConflictText(
            label=path_label(change.path, change.theirs, change.mine),
            author=author_name(change.version.author),
            when=when(change.version.created_at),
            theirs=value_summary(change.path, change.theirs, lookups),
            mine=value_summary(change.path, change.mine, lookups),
        )
        for change in changes
    ]
