"""Staff reads of a programme's advisory board: every seat with its account, organisation,
conflicts and scoring progress, one seat by id, and the board's change history.

Staff only, like the other staff reads: anyone else gets nothing or PermissionDenied, and a
seat of another programme is Http404. A fixed number of queries, whatever the board's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404

from selection.enums import ConflictType
from selection.models import BoardMember, Programme
from selection.selectors import staff_can
from selection.selectors.ranking import MemberProgress, member_progress

#: The newest changes the board page lists.
HISTORY_ROWS = 30


def _require_staff(user) -> None:
    if not staff_can(user, "selection.view_programme_overview"):
        raise PermissionDenied


@dataclass
class BoardRow:
    """One seat on the board page. ``progress`` is the scoring progress of an active member
    (None for an inactive one: their reviews do not count)."""

    member: BoardMember
    conflicts: int
    progress: MemberProgress | None

    @property
    def logged_in(self) -> bool:
        return self.member.user.last_login is not None


def board_rows(*, user, programme: Programme) -> list[BoardRow]:
    """Every seat of the programme's board, active ones first, by name; staff only.

    ``conflicts`` counts the member's declared conflicts of interest on this programme's
    candidacies that stand (lifted ones became "no conflict"). The progress is the ranking's
    own (`member_progress`). Five queries.
    """
    _require_staff(user)
    members = list(
        BoardMember.objects.filter(programme=programme)
        .select_related("user", "organisation")
        .annotate(
            conflict_count=Count(
                "conflict_declarations",
                filter=~Q(conflict_declarations__conflict_type=ConflictType.NONE),
            )
        )
        .order_by("-active", "user__last_name", "user__first_name", "pk")
    )
    progress = {p.member.pk: p for p in member_progress(user=user, programme=programme)}
    return [
        BoardRow(member=m, conflicts=m.conflict_count, progress=progress.get(m.pk)) for m in members
    ]


def access_board_member(*, user, programme: Programme, pk: int) -> BoardMember:
    """One seat of this programme's board; PermissionDenied for non-staff, Http404 for an
    unknown id or a seat of another programme (no hint that it exists)."""
    _require_staff(user)
    try:
        return BoardMember.objects.select_related("user", "organisation", "programme").get(
            pk=pk, programme=programme
        )
    except BoardMember.DoesNotExist:
        raise Http404 from None


def board_history(*, user, programme: Programme) -> list[LogEntry]:
    """The newest changes to the programme's seats, from the admin's change history (the
    board page's writes and the admin's own); staff only; two queries."""
    _require_staff(user)
    content_type = ContentType.objects.get_for_model(BoardMember)
    ids = BoardMember.objects.filter(programme=programme).values_list("pk", flat=True)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids])
        .select_related("user")
        .order_by("-action_time", "-pk")[:HISTORY_ROWS]
    )
