from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from plans import backup


class Command(BaseCommand):
    help = (
        "Write all plan data (plans, actions, milestones, status history, national KPIs and their "
        "values), the reference data and the names of the history's authors, never a password, as "
        "JSON. `import_data` reads it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            help="The file to write (default: standard output). Readable by its owner only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = backup.export_data()
        text = backup.dumps(data)
        summary = ", ".join(
            f"{len(data[name])} {name.replace('_', ' ')}"
            for name in ["plans", "actions", "milestones", "status_updates", "kpis", "kpi_values"]
        )
        if not options["output"]:
            self.stdout.write(text)
            self.stderr.write(f"Exported {summary}.")  # standard output holds the JSON only
            return
        target = Path(options["output"])
        # Written beside the target, then moved into place: an earlier backup is never left
        # half overwritten. mkstemp makes the file private (0600): the data is sensitive.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(self.style.SUCCESS(f"Exported {summary} to {target}."))
