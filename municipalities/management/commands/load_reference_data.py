from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from municipalities.services import reference_data_load


class Command(BaseCommand):
    help = "Load (or refresh) the Flemish municipalities, the 17 SDGs and their 169 targets."

    def handle(self, *args, **options):
        counts = reference_data_load()
        self.stdout.write(
            _(
                "Reference data loaded: %(provinces)d provinces, %(arrondissements)d "
                "arrondissements, %(municipalities)d municipalities, %(goals)d SDGs, "
                "%(targets)d targets."
            )
            % counts.__dict__
        )
