from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The pages on where municipalities stand: the contacts' own and the staff overviews.

    Above `municipalities`, `selection` and `meetings` in the dependency order: it shows a
    municipality's status (municipalities) with its group in a programme (selection) and,
    later, its sessions (meetings). It holds pages only; the rules live in those apps.
    """

    name = "portal"
    verbose_name = _("Municipality portal")
