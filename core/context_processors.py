import rules
from django.utils.functional import SimpleLazyObject


def roles(request):
    """The roles of the current user, for the navigation. Evaluated only when used."""
    user = getattr(request, "user", None)

    def compute():
        if user is None or not user.is_authenticated:
            return {}
        contact = getattr(user, "municipality_contact", None)
        return {
            "staff": user.is_staff,
            "board_member": rules.test_rule("is_board_member", user),
            "contact_municipality": contact.municipality if contact else None,
        }

    return {"roles": SimpleLazyObject(compute)}
