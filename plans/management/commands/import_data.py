from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans import backup


class Command(BaseCommand):
    help = (
        "Read a file written by export_data into this database. The whole file is checked before "
        "anything is written, then written in one transaction. Refuses a database that already has "
        "plans unless --replace is given. Authors without an account here get one, inactive and "
        "without a usable password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='The file to read ("-" reads standard input).')
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete every plan in this database (with its actions, history and KPIs) and "
            "import the file's instead.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = (
                sys.stdin.read()
                if options["file"] == "-"
                else Path(options["file"]).read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from None
        try:
            result = backup.import_data(text, replace=options["replace"])
        except backup.ImportRefused as exc:
            raise CommandError(f"Nothing was imported.\n{exc}") from None
        new_users = result.pop("new users")
        summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in result.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
        if new_users:
            self.stdout.write(
                f"New accounts for authors who had none here, inactive and without a usable "
                f"password: {', '.join(new_users)}. An administrator can activate them in the admin."
            )
