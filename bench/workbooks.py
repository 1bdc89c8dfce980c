"""Workbook import cost (issue 11): preview and apply of a 40-action and a 400-action plan workbook.

Run by bench/run.py (section "Plan workbooks") with DATABASE_URL pointing at the 1x database. Each apply
runs in a transaction that is rolled back, so the benchmark database is left as it was.
Prints one JSON object: {"40": {"preview_ms", "preview_queries", "apply_ms", "apply_queries", "bytes"}, ...}.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from plans.workbooks import apply, diff, export  # noqa: E402
from roadmap.models import Country  # noqa: E402

SIZES = [40, 400]
COUNTRY = "DMA"  # no plan in the demonstration data: the workbook starts one


class RolledBack(Exception):
    pass


def workbook(country: Country, actions: int) -> bytes:
    book = load_workbook(io.BytesIO(export.export_plan(country)))
    book["Plan"]["B2"] = "Benchmark plan"
    book["Plan"]["B9"] = 2026
    for n in range(1, actions + 1):
        goal = n % 4 + 1
        code = f"{goal}.{n}"
        book["Actions"].append(
            [
                code,
                goal,
                None,
                f"Action {n}",
                "Police",
                "2026-01-01",
                "2027-06-30",
                None,
                "Limited progress",
            ]
        )
        book["Milestones"].append([code, "First step", "2026-06-30", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    country = Country.objects.get(iso3=COUNTRY)
    user = User.objects.get(username="bench")
    results = {}
    for size in SIZES:
        data = workbook(country, size)
        previews, applies = [], []
        for _ in range(runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as read:
                changes = diff.preview(country, data)
            previews.append((time.perf_counter() - started) * 1000)
            assert not changes.problems, changes.problems[:3]
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    with CaptureQueriesContext(connection) as written:
                        apply.apply_changes(changes, by=user, via="import of bench.xlsx")
                    applies.append((time.perf_counter() - started) * 1000)
                    raise RolledBack
            except RolledBack:
                pass
        results[str(size)] = {
            "bytes": len(data),
            "preview_ms": round(statistics.median(previews), 1),
            "preview_queries": len(read.captured_queries),
            "apply_ms": round(statistics.median(applies), 1),
            # Savepoints are bookkeeping, not reads or writes.
            "apply_queries": sum(
                1 for q in written.captured_queries if "SAVEPOINT" not in q["sql"].upper()
            ),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
