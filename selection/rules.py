"""Who may do what in the selection. Predicates take (user, object)."""

import rules


@rules.predicate
def is_board_member(user) -> bool:
    """True for a user with an active seat on any programme's advisory board."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.board_memberships.filter(active=True).exists()


rules.add_rule("is_board_member", is_board_member)
rules.add_perm("selection.view_programme_overview", rules.is_staff)
rules.add_perm("selection.view_board_home", is_board_member)
