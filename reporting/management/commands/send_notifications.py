from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting import notifications


class Command(BaseCommand):
    help = (
        "Send today's reporting e-mails (one digest per person and day): cycle openings, reminders, "
        "returned submissions, the reviewers' digest. Retries e-mails that failed. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = notifications.run(options["today"])
        self.stdout.write(
            f"E-mails sent: {counts['sent']}, failed (retried next run): {counts['failed']}."
        )
