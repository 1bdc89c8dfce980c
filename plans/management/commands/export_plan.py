from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.workbooks import export
from roadmap.models import Country


class Command(BaseCommand):
    help = (
        "Write a country's current plan as a workbook (the one /countries/<iso3>/plan.xlsx gives)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="ISO 3166 alpha-3 code, such as JAM")
        parser.add_argument("-o", "--output", help="The file to write (default: plan-<iso3>.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        country = Country.objects.filter(iso3=options["country"].upper()).first()
        if country is None:
            raise CommandError(f"No country with the code {options['country']}.")
        target = Path(options["output"] or export.filename(country))
        data = export.export_plan(country)
        # Written beside the target, then moved into place; private (0600): the data is sensitive.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"Wrote {country.name}'s plan to {target}."))
