import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo.services import demo_password, demo_seed
from selection.models import Programme


class Command(BaseCommand):
    help = (
        "Create the demo programmes (2017-2019, decided; 2026-2028, in scoring) with demo "
        "accounts (development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, without error, when a programme already exists.",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                _("Demo data is only for development: it refuses to run with DEBUG off.")
            )
        if Programme.objects.exists():
            if if_empty:
                self.stdout.write(_("A programme exists already; no demo data added."))
                return
            raise CommandError(_("A programme exists already; demo data needs an empty database."))
        password = demo_password(os.environ.get("DEMO_PASSWORD"))
        summary = demo_seed(password=password)
        settings.DEMO_PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
        settings.DEMO_PASSWORD_FILE.write_text(password + "\n", encoding="utf-8")
        settings.DEMO_PASSWORD_FILE.chmod(0o600)
        self.stdout.write(
            _(
                "Demo programme created: %(candidacies)d candidacies, %(members)d board "
                "members, %(contacts)d contacts. Password for every demo account: %(password)s"
            )
            % {
                "candidacies": summary.candidacies,
                "members": summary.board_members,
                "contacts": summary.contacts,
                "password": password,
            }
        )
