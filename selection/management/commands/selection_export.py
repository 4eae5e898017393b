"""Write a programme's optimiser input as JSON, for auditors: ``selection_solve`` reads it."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from selection.enums import AggregationMethod
from selection.models import Programme
from selection.selectors.proposal import proposal_input


def auditor():
    """An unsaved staff user: the command line has staff-equivalent access to the scores.

    Whoever can run management commands can read the database anyway; the selectors still
    go through their permission checks.
    """
    return get_user_model()(email="auditor@localhost", is_staff=True, is_active=True)


class Command(BaseCommand):
    help = (
        "Print the optimiser input (candidates with scores and facts, quotas, size, seed) of "
        "a programme as JSON, e.g. `selection_export 1 > input.json`."
    )

    def add_arguments(self, parser):
        parser.add_argument("programme_id", type=int, help="id of the programme")
        parser.add_argument(
            "--method",
            choices=AggregationMethod.values,
            default=AggregationMethod.MEAN,
            help="score aggregation: mean (default) or zscore (normalised per member)",
        )

    def handle(self, *args, programme_id, method, **options):
        try:
            programme = Programme.objects.get(pk=programme_id)
        except Programme.DoesNotExist:
            raise CommandError(f"no programme with id {programme_id}", returncode=2) from None
        data = proposal_input(user=auditor(), programme=programme, method=method)
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
