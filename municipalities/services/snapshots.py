"""Snapshots: every municipality's SDG status at one moment, kept to follow progress.

A snapshot stores no status of its own: one entry per municipality points to the version
that was current then, so taking one costs two queries whatever the number of
municipalities.
"""

from __future__ import annotations

import datetime as dt

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import Municipality, Snapshot, SnapshotEntry, StatusVersion

LABEL_MAX_LENGTH = Snapshot._meta.get_field("label").max_length


def _versions_at(at: dt.datetime) -> list[tuple[str, int]]:
    """(NIS code, id of the latest version saved at or before `at`), in one query."""
    latest = (
        StatusVersion.objects.filter(municipality=OuterRef("pk"), created_at__lte=at)
        .order_by("-created_at", "-number")
        .values("pk")[:1]
    )
    return list(
        Municipality.objects.annotate(version_id=Subquery(latest))
        .filter(version_id__isnull=False)
        .order_by("pk")
        .values_list("pk", "version_id")
    )


def _with_key(key: str) -> Snapshot | None:
    return Snapshot.objects.filter(key=key).first()


def snapshot_take(
    *, label: str, actor=None, key: str | None = None, at: dt.datetime | None = None
) -> Snapshot:
    """Record the version each municipality had at `at` (default: now).

    Staff take snapshots by hand (`actor` must hold municipalities.take_snapshot); the
    half-yearly job passes no actor but a `key`. A key is taken once: asking again, even
    from two workers at the same moment, returns the snapshot that already has it.
    """
    if actor is not None and not rules.has_perm("municipalities.take_snapshot", actor):
        raise PermissionDenied
    label = label.strip()
    if not label or len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            "a snapshot needs a label of at most %(max)d characters",
            params={"max": LABEL_MAX_LENGTH},
        )
    if key is not None:
        existing = _with_key(key)
        if existing is not None:
            return existing
    at = at or timezone.now()
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(label=label, taken_at=at, taken_by=actor, key=key)
            SnapshotEntry.objects.bulk_create(
                SnapshotEntry(snapshot=snapshot, municipality_id=nis, version_id=version)
                for nis, version in _versions_at(at)
            )
    except IntegrityError:
        # Someone else took the snapshot of this key between the check and the insert.
        existing = _with_key(key) if key is not None else None
        if existing is None:
            raise
        return existing
    return snapshot
