"""Who may do what with a municipality. Predicates take (user, municipality)."""

import rules


@rules.predicate
def is_contact_for(user, municipality) -> bool:
    """True when the user is the contact person of this very municipality."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return False
    contact = getattr(user, "municipality_contact", None)
    return contact is not None and contact.municipality_id == municipality.pk


@rules.predicate
def is_municipality_contact(user) -> bool:
    return getattr(user, "is_authenticated", False) and hasattr(user, "municipality_contact")


rules.add_perm("municipalities.view_municipality_page", rules.is_staff | is_contact_for)
rules.add_perm("municipalities.update_sdg_status", rules.is_staff | is_contact_for)
# Staff only: restoring an earlier version, the overviews of every municipality, snapshots,
# exports and invitations.
rules.add_perm("municipalities.restore_sdg_status", rules.is_staff)
rules.add_perm("municipalities.view_status_overview", rules.is_staff)
rules.add_perm("municipalities.take_snapshot", rules.is_staff)
rules.add_perm("municipalities.invite_contact", rules.is_staff)

rules.add_rule("is_municipality_contact", is_municipality_contact)
