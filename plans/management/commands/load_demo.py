from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from plans.demo import DemoBuilder, create_demo_users
from plans.models import ActionPlan
from reporting import demo as reporting_demo


class Command(BaseCommand):
    help = (
        "Load the demonstration data: real plan stages and known dates for the 16 states, and "
        "illustrative actions, history and KPIs for the 12 drafted plans. Replaces an earlier "
        "demonstration; the same --as-of date always gives the same data. Creates the demo users "
        "admin, impacs, partner and focal (password roadmap-demo) only when DEBUG is on, with an open "
        "reporting cycle for focal (Jamaica)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="The date the history runs up to (YYYY-MM-DD; default today).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database that has no plans yet (make run uses this, so that "
            "what you record survives a restart).",
        )
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply actions and history (benchmarks)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        author = None
        if settings.DEBUG:
            users = create_demo_users()
            author = users["impacs"]
            self.stdout.write("Demo users: admin, impacs, partner, focal (password roadmap-demo).")
        else:
            self.stderr.write(
                "Demo users not created: DEBUG is off, and demo passwords must never reach a "
                "production site. Create accounts with `manage.py createsuperuser` and the admin."
            )
        if options["if_empty"] and ActionPlan.objects.exists():
            self.stdout.write("Plans already loaded: leaving them as they are.")
            return
        try:
            counts = DemoBuilder(as_of, scale=options["scale"], author=author).build()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demonstration data as of {as_of}: {summary}."))
        if author is not None:  # the reporting cycle needs its demo accounts (DEBUG on)
            self.stdout.write(f"Reporting: {reporting_demo.load(as_of, author)}.")
