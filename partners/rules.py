"""Who may do what with the programme's partners, contacts and subsidies: staff only."""

import rules

rules.add_perm("partners.manage_partners", rules.is_staff)
rules.add_perm("partners.see_involvement", rules.is_staff)


def can(user, perm: str, obj=None) -> bool:
    """Whether an authenticated user holds `perm` by the rules alone (no model permissions)."""
    return bool(getattr(user, "is_authenticated", False) and rules.has_perm(perm, user, obj))
