from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The state-of-affairs report of a programme (stand van zaken), as a page and a PDF.

    Above every other app in the dependency order: it reads the selection, the meetings, the
    municipalities' SDG status and the partners, each through that app's own selectors where
    they exist. It holds pages and reads only; it writes nothing.
    """

    name = "reports"
    verbose_name = _("Reports")
