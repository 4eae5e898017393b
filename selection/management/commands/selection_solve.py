"""Solve an optimiser input file and print the result: the same engine as the web.

The JSON output is the optimiser's codes, the shape a stored run keeps; ``--format text``
says the same result in English sentences, with the words of the run page
(``selection.wording``).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from selection import wording
from selection.optimiser import InputError, solve_json


class Command(BaseCommand):
    help = (
        "Solve the optimiser input in FILE (JSON, as written by selection_export; `-` reads "
        "standard input) and print the result as JSON codes, or with --format text in English "
        "sentences. Bad input exits with code 2."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="input JSON file, or - for standard input")
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=["json", "text"],
            default="json",
            help="json (default): the result as codes; text: the result explained in English",
        )

    def handle(self, *args, file, output_format, **options):
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8") as handle:
                    text = handle.read()
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file", returncode=2) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read: {error}", returncode=2) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{file}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                returncode=2,
            ) from None
        try:
            result = solve_json(data)
        except InputError as error:
            raise CommandError(f"{file}: invalid input: {error}", returncode=2) from None
        if output_format == "text":
            with translation.override("en"):
                self.stdout.write("\n".join(wording.explanation(result, data)))
        else:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
