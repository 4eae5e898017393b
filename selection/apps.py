from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        # Connects the receivers that keep a confirmed decision frozen, in every process.
        from .services import decision  # noqa: F401
