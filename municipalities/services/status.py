"""Writes to a municipality's SDG status: a save, a restore, an uploaded document.

Every write appends a StatusVersion (who, when, the whole status) and moves the
municipality's MunicipalityStatus to it, under a lock on that row, so two saves never
interleave and none is lost.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import StatusPart
from ..models import (
    Municipality,
    MunicipalityStatus,
    SDGTarget,
    StatusDocument,
    StatusVersion,
)
from ..status import (
    MAX_ACTIONS,
    Catalogue,
    Path,
    changed_paths,
    clean_part,
    empty_document,
    part,
    scores,
    with_parts,
)


@dataclass(frozen=True)
class ConflictingChange:
    """A part that someone else changed since the form was opened."""

    path: Path
    theirs: Any  # the value now saved
    mine: Any  # the value this save wanted
    version: StatusVersion  # the version that changed it last


class StatusConflict(Exception):
    """The save started from an older version and someone changed the same parts since."""

    def __init__(self, changes: list[ConflictingChange], current: StatusVersion):
        super().__init__("the status changed since this form was opened")
        self.changes = changes
        self.current = current


def _targets_by_goal() -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for goal, code in SDGTarget.objects.values_list("goal_id", "code"):
        result.setdefault(str(goal), set()).add(code)
    return result


def _lock(municipality: Municipality) -> MunicipalityStatus | None:
    """The municipality's status row, locked for this transaction (None before the first save).

    Before the first save there is no row to lock, so the municipality row is locked instead:
    two first saves queue behind it just like later ones behind the status row.
    """
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    return (
        MunicipalityStatus.objects.select_for_update()
        .select_related("current")
        .filter(municipality=municipality)
        .first()
    )


def _document_at(municipality: Municipality, number: int) -> dict:
    if number <= 0:
        return empty_document()
    version = StatusVersion.objects.filter(municipality=municipality, number=number).first()
    if version is None:
        raise ValidationError(_("There is no such version."))
    return version.document


def _last_change(municipality: Municipality, path: Path, since: int) -> StatusVersion:
    """The latest version after `since` that changed `path`."""
    versions = list(
        StatusVersion.objects.filter(municipality=municipality, number__gte=since)
        .select_related("author")
        .order_by("number")
    )
    last = versions[-1]
    # Version 0 is the empty status before the first save: compare the first one with it.
    documents = [empty_document()] if since <= 0 else []
    documents += [version.document for version in versions]
    offset = len(documents) - len(versions)
    for i, (before, after) in enumerate(itertools.pairwise(documents)):
        if part(before, path) != part(after, path):
            last = versions[i + 1 - offset]
    return last


def _append(
    *,
    municipality: Municipality,
    status: MunicipalityStatus | None,
    document: dict,
    actor,
    kind: str,
    at: dt.datetime | None = None,
    restored_from: StatusVersion | None = None,
) -> StatusVersion:
    result = scores(document, Catalogue.load())
    number = status.current.number + 1 if status else 1
    version = StatusVersion.objects.create(
        municipality=municipality,
        number=number,
        created_at=at or timezone.now(),
        author=actor,
        part=kind,
        restored_from=restored_from,
        document=document,
        awareness_score=result.tracks["awareness"],
        support_score=result.tracks["support"],
        policy_score=result.tracks["policy"],
        overall_score=result.overall,
        overall_level=result.level,
    )
    if status is None:
        try:
            with transaction.atomic():
                MunicipalityStatus.objects.create(municipality=municipality, current=version)
        except IntegrityError:  # pragma: no cover - the municipality row lock prevents it
            raise StatusConflict([], version) from None
    else:
        status.current = version
        status.save(update_fields=["current"])
    return version


@transaction.atomic
def status_update(
    *,
    municipality: Municipality,
    actor,
    base_version: int,
    values: dict[Path, Any],
    kind: str,
    at: dt.datetime | None = None,
) -> StatusVersion | None:
    """Save the parts a contact or staff member edited; None when nothing changed.

    `base_version` is the version the form showed. Parts whose submitted value equals what
    that version held were not edited and are left as they are now. An edited part that
    someone else changed since is refused with StatusConflict (nothing is saved), naming what
    they changed; edits to other parts are merged onto the current version.
    """
    if not rules.has_perm("municipalities.update_sdg_status", actor, municipality):
        raise PermissionDenied
    if kind not in StatusPart.values or kind == StatusPart.RESTORE:
        raise ValidationError(_("Unknown kind of change."))
    status = _lock(municipality)
    current = status.current.document if status else empty_document()
    current_number = status.current.number if status else 0
    if not 0 <= base_version <= current_number:
        raise ValidationError(_("There is no such version."))
    base = current if base_version == current_number else _document_at(municipality, base_version)

    catalogue = Catalogue.load()
    documents = set(
        StatusDocument.objects.filter(municipality=municipality).values_list("pk", flat=True)
    )
    targets = _targets_by_goal() if any(p[0] == "goals" for p in values) else {}
    cleaned = {
        path: clean_part(path, value, catalogue=catalogue, targets=targets, documents=documents)
        for path, value in values.items()
    }
    edited = {path: value for path, value in cleaned.items() if value != part(base, path)}
    conflicts = [
        ConflictingChange(
            path=path,
            theirs=part(current, path),
            mine=value,
            version=_last_change(municipality, path, base_version),
        )
        for path, value in edited.items()
        if part(current, path) != part(base, path) and part(current, path) != value
    ]
    if conflicts:
        raise StatusConflict(conflicts, status.current)
    document = with_parts(current, edited)
    actions = len(document.get("actions", {}))
    if actions > MAX_ACTIONS and actions > len(current.get("actions", {})):
        raise ValidationError(
            _("At most %(n)s awareness actions can be kept.") % {"n": MAX_ACTIONS}
        )
    if not changed_paths(current, document):
        return None
    return _append(
        municipality=municipality, status=status, document=document, actor=actor, kind=kind, at=at
    )


@transaction.atomic
def status_restore(
    *, municipality: Municipality, actor, number: int, base_version: int
) -> StatusVersion:
    """Make an earlier version current again, as a new version (the history keeps both).

    Staff only. Refused with StatusConflict when the status changed since the page was
    opened, so a restore never undoes a change its author has not seen.
    """
    if not rules.has_perm("municipalities.restore_sdg_status", actor, municipality):
        raise PermissionDenied
    status = _lock(municipality)
    if status is None:
        raise ValidationError(_("There is nothing to restore."))
    if status.current.number != base_version:
        raise StatusConflict([], status.current)
    earlier = StatusVersion.objects.filter(municipality=municipality, number=number).first()
    if earlier is None or earlier.number == status.current.number:
        raise ValidationError(_("There is no such version."))
    return _append(
        municipality=municipality,
        status=status,
        document=earlier.document,
        actor=actor,
        kind=StatusPart.RESTORE,
        restored_from=earlier,
    )
