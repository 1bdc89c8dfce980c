from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.models import DataVersion
from plans.workbooks import apply, diff, schema
from plans.workbooks.read import WorkbookRefused
from plans.workbooks.text import describe
from roadmap.models import Country


class Command(BaseCommand):
    help = (
        "Import a country's plan workbook: print the preview (new, changed, unchanged and kept rows, "
        "and every error with its cell), then apply it, all or nothing, unless --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="ISO 3166 alpha-3 code, such as JAM")
        parser.add_argument("file", help="The .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="Print the preview only.")

    def handle(self, *args: Any, **options: Any) -> None:
        country = Country.objects.filter(iso3=options["country"].upper()).first()
        if country is None:
            raise CommandError(f"No country with the code {options['country']}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if path.stat().st_size > schema.MAX_FILE_BYTES:
            raise CommandError(
                f"{path} is {path.stat().st_size / 1024 / 1024:.1f} MB; a plan workbook may be at "
                f"most {schema.MAX_FILE_BYTES // 1024 // 1024} MB."
            )
        data = path.read_bytes()
        version = DataVersion.current()
        try:
            changes = diff.preview(country, data)
        except WorkbookRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(describe(changes))
        if changes.problems:
            raise CommandError(
                f"{len(changes.problems)} error(s) in {path.name}; nothing was written."
            )
        if changes.is_empty or options["dry_run"]:
            if options["dry_run"] and not changes.is_empty:
                self.stdout.write("Dry run: nothing was written.")
            return
        try:
            done = apply.apply_changes(
                changes, by=None, via=f"import of {path.name}", expected_version=version
            )
        except apply.Stale as stale:
            raise CommandError(
                "The data changed during the import; nothing was written."
            ) from stale
        except apply.ApplyFailed as failed:
            raise CommandError(f"Nothing was written: {failed}") from failed
        summary = ", ".join(f"{n} {kind}" for kind, n in done.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {summary}."))
