"""Backup drill: both ways of backing up the site's PostgreSQL database give back the same data.

    .venv/bin/python scripts/backup_drill.py      (.ci/run runs it; README "Backups")

1. A database of its own (BACKUP_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/roadmap_backup)
   gets the demonstration data (every kind of row the export holds).
2. pg_dump (custom format) -> pg_restore into a fresh database -> `export_data` of both: identical, and
   every table holds the same number of rows.
3. `export_data` -> `import_data` into a fresh, migrated database -> `export_data` again: identical.

The documents are compared whole, but for the moment each was written ("exported_at"). The drill's
databases are dropped at the end, whatever happens; the first difference ends it with a non-zero status.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-28"


class DrillFailure(Exception):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise DrillFailure(what)
    print(f"  ok  {what}")


def with_name(url: str, name: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def name_of(url: str) -> str:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise DrillFailure(f"BACKUP_DATABASE_URL needs a plain database name, not {name!r}")
    return name


def recreate(url: str, create: bool = True) -> None:
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name_of(url)}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name_of(url)}"')


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    return env | {"DATABASE_URL": url, "DEBUG": "1", "PYTHONUNBUFFERED": "1"}


def manage(url: str, *args: str) -> str:
    print(f"$ manage.py {' '.join(args)}   [{name_of(url)}]", flush=True)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise DrillFailure(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def export(url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(manage(url, "export_data"))
    document.pop("exported_at", None)
    return document


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for table in tables
        }


def pg_args(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    return [
        *("-h", parts.hostname or "127.0.0.1"),
        *("-p", str(parts.port or 5432)),
        *("-U", parts.username or "postgres"),
    ]


def difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    for section in sorted(set(a) | set(b)):
        if a.get(section) != b.get(section):
            left, right = a.get(section) or [], b.get(section) or []
            if isinstance(left, list) and isinstance(right, list):
                for i, (x, y) in enumerate(zip(left, right, strict=False)):
                    if x != y:
                        return f"{section}[{i}]: {x} != {y}"
                return f"{section}: {len(left)} rows against {len(right)}"
            return f"{section}: {left!r} != {right!r}"
    return ""


def main() -> int:
    source = os.environ.get(
        "BACKUP_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roadmap_backup"
    )
    restored = with_name(source, name_of(source) + "_restored")
    imported = with_name(source, name_of(source) + "_imported")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="backup-drill-"))
    try:
        print("The data to back up:")
        recreate(source)
        manage(source, "migrate", "--noinput", "--verbosity", "0")
        manage(source, "load_demo", "--as-of", AS_OF)
        original = export(source)
        check(original["plans"] and original["status_updates"], "the source has plans and history")

        print("pg_dump -> pg_restore into a fresh database:")
        dump = work / "roadmap.dump"
        subprocess.run(
            ["pg_dump", *pg_args(source), "--format=custom", "--file", str(dump), name_of(source)],
            check=True,
        )
        recreate(restored)
        subprocess.run(
            [
                "pg_restore",
                *pg_args(restored),
                "--no-owner",
                "--dbname",
                name_of(restored),
                str(dump),
            ],
            check=True,
        )
        check(dump.stat().st_size > 0, f"pg_dump wrote {dump.stat().st_size:,} bytes")
        after_restore = export(restored)
        check(
            after_restore == original,
            "export_data of the restored database is identical to the source's"
            + (f" ({difference(original, after_restore)})" if after_restore != original else ""),
        )
        counts = table_counts(source)
        check(
            table_counts(restored) == counts,
            f"every one of the {len(counts)} tables holds the same number of rows",
        )

        print("export_data -> import_data into a fresh database:")
        document = work / "roadmap.json"
        manage(source, "export_data", "--output", str(document))
        recreate(imported)
        manage(imported, "migrate", "--noinput", "--verbosity", "0")
        manage(imported, "import_data", str(document))
        after_import = export(imported)
        check(
            after_import == original,
            "export_data of the imported database is identical to the source's"
            + (f" ({difference(original, after_import)})" if after_import != original else ""),
        )
        sizes = {name: len(rows) for name, rows in original.items() if isinstance(rows, list)}
        print(f"      compared: {sizes}")
    except (DrillFailure, subprocess.CalledProcessError, OSError, psycopg.Error) as exc:
        print(f"BACKUP DRILL FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for url in (source, restored, imported):
            try:
                recreate(url, create=False)
            except psycopg.Error as exc:
                print(f"could not drop {name_of(url)}: {exc}", file=sys.stderr)
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    print(f"Backup drill passed in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
