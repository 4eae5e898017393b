"""Who may do what with a meeting. Predicates take (user, meeting) or (user, invitation).

Staff manage every meeting. Anyone else sees a meeting only through an active invitation
to it, once it is published (a draft is nobody's business but the staff's; a cancelled
meeting stays visible to its invitees, who were told it is off):
- a municipality's contact sees the meetings they are invited to for that municipality,
  and only while they are still its contact;
- a board member sees the board meetings they are invited to while their seat on the
  meeting's programme is active;
- a person chosen by name (neither contact nor board member) sees what they are invited to.
"""

import rules

from .enums import MeetingAudience, MeetingStatus


def _invitation(user, meeting):
    """The user's active invitation to the meeting, read once per permission check."""
    if meeting is None or meeting.pk is None or not getattr(user, "is_authenticated", False):
        return None
    memo = is_invitee.context if is_invitee.context is not None else {}
    key = ("meetings.invitation", user.pk, meeting.pk)
    if key not in memo:
        memo[key] = meeting.invitations.filter(user=user, active=True).first()
    return memo[key]


@rules.predicate
def is_published(user, meeting) -> bool:
    return meeting is not None and meeting.status != MeetingStatus.DRAFT


@rules.predicate
def is_invitee(user, meeting) -> bool:
    """True when the user holds an active invitation that still matches their role.

    An invitation for a municipality counts only while the user is that municipality's
    contact; an invitation to a board meeting counts only while the user's seat on the
    meeting's programme is active. Other invitations (people chosen by name) count as such.
    """
    invitation = _invitation(user, meeting)
    if invitation is None:
        return False
    if invitation.municipality_id is not None:
        contact = getattr(user, "municipality_contact", None)
        return contact is not None and contact.municipality_id == invitation.municipality_id
    if meeting.audience == MeetingAudience.BOARD:
        seats = user.board_memberships.filter(programme_id=meeting.programme_id, active=True)
        return seats.exists()
    return True


@rules.predicate
def is_own_invitation(user, invitation) -> bool:
    """The invitation is the user's own, active one."""
    return (
        invitation is not None
        and getattr(user, "is_authenticated", False)
        and invitation.user_id == user.pk
        and invitation.active
    )


@rules.predicate
def can_see_invitation_meeting(user, invitation) -> bool:
    return invitation is not None and can_view_meeting.test(user, invitation.meeting)


can_view_meeting = rules.is_staff | (is_published & is_invitee)

# Staff: create, edit, publish, reschedule, cancel, attendance, expectations, minutes.
rules.add_perm("meetings.manage_meeting", rules.is_staff)
# The meeting's page, its documents and its calendar entry.
# Not "view_meeting": that is the admin's model permission, which rules would grant to everyone
# who may see one meeting.
rules.add_perm("meetings.see_meeting", can_view_meeting)
# Answering on one's own pages (the signed link is checked by its signature instead).
rules.add_perm("meetings.answer_invitation", is_own_invitation & can_see_invitation_meeting)
