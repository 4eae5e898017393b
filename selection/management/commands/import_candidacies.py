"""Import a programme's candidacies from a CSV or XLSX file (see docs/import.md)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from selection.models import Programme
from selection.services.intake import ImportErrors, candidacies_import, format_import_error

# Exit code for a file or argument that cannot be used, as for other command-line errors.
BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Create or update a programme's candidacies from a CSV or XLSX file. All rows are "
        "imported, or none; problems are listed per row on stderr, with exit code 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme_id", type=int, help="The programme's id.")
        parser.add_argument("file", help="A .csv or .xlsx file; the first row names the columns.")
        parser.add_argument(
            "--user",
            help="E-mail of the staff user to record in the history (default: none).",
        )

    def handle(self, *args, programme_id: int, file: str, user: str | None, **options):
        try:
            programme = Programme.objects.get(pk=programme_id)
        except Programme.DoesNotExist:
            raise CommandError(
                _("No programme with id %(id)d.") % {"id": programme_id}, returncode=BAD_INPUT
            ) from None
        actor = None
        if user:
            actor = get_user_model().objects.filter(email__iexact=user, is_staff=True).first()
            if actor is None:
                raise CommandError(
                    _("No staff user with e-mail address %(email)s.") % {"email": user},
                    returncode=BAD_INPUT,
                )
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file}, returncode=BAD_INPUT)
        try:
            with path.open("rb") as handle:
                result = candidacies_import(
                    programme=programme, file=handle, filename=path.name, actor=actor
                )
        except ImportErrors as failure:
            for row, message in failure.errors:
                self.stderr.write(format_import_error(row, message))
            count = len(failure.errors)
            raise CommandError(
                ngettext(
                    "%(count)d problem in %(file)s: nothing was imported.",
                    "%(count)d problems in %(file)s: nothing was imported.",
                    count,
                )
                % {"count": count, "file": path.name},
                returncode=BAD_INPUT,
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(programme)s: %(created)d candidacies created, %(updated)d updated.")
                % {
                    "programme": programme,
                    "created": result.created,
                    "updated": result.updated,
                }
            )
        )
