"""Solve an optimiser input file and print the result as JSON: the same engine as the web."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from selection.optimiser import InputError, solve_json


class Command(BaseCommand):
    help = (
        "Solve the optimiser input in FILE (JSON, as written by selection_export; `-` reads "
        "standard input) and print the result as JSON. Bad input exits with code 2."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="input JSON file, or - for standard input")

    def handle(self, *args, file, **options):
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
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
