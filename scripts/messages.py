"""The translation catalogues (locale/<lang>/LC_MESSAGES/django.po and .mo): update them, or check them.

    python scripts/messages.py update   # makemessages for es, fr and nl, then compile the .mo files
    python scripts/messages.py check    # CI: fails unless every catalogue is complete and compiled

`check` fails when makemessages would change a catalogue (a string was added, changed or removed in the
code), when a catalogue has an untranslated or fuzzy entry or a format error, or when a committed .mo
file is not what its .po compiles to. Both need GNU gettext (msgfmt, xgettext); serving the site does
not, because the compiled .mo files are committed. `make messages` and `make messages-check` call this.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["es", "fr", "nl"]
MAKEMESSAGES = [
    "makemessages",
    *[f"--locale={lang}" for lang in LANGUAGES],
    "--no-obsolete",
    "--add-location=file",  # no line numbers, so that moving code does not change the catalogues
    *[f"--ignore={path}" for path in (".venv", "tests", "bench", "scripts", "staticfiles", "docs")],
]
# A line of a .po file that changes on every run of makemessages without meaning anything.
VOLATILE = re.compile(r'^"POT-Creation-Date: .*"$', re.MULTILINE)


def po_file(lang: str) -> Path:
    return ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"


def manage(*args: str) -> None:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def msgfmt(po: Path, mo: Path) -> str:
    """Compile as Django's compilemessages does, with statistics; the statistics line is returned."""
    done = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", str(mo), str(po)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{po.relative_to(ROOT)}: msgfmt failed:\n{done.stderr}")
    return done.stderr.strip()


def update() -> None:
    manage(*MAKEMESSAGES)
    manage("compilemessages", "--ignore=.venv")


def check() -> int:
    problems: list[str] = []
    before = {lang: po_file(lang).read_text(encoding="utf-8") for lang in LANGUAGES}
    try:
        manage(*MAKEMESSAGES, "--verbosity=0")
        for lang in LANGUAGES:
            after = po_file(lang).read_text(encoding="utf-8")
            if VOLATILE.sub("", after) != VOLATILE.sub("", before[lang]):
                problems.append(
                    f"{po_file(lang).relative_to(ROOT)} is not up to date with the code's strings: "
                    "run `make messages`, translate the new entries, and commit."
                )
    finally:
        for lang in LANGUAGES:
            po_file(lang).write_text(before[lang], encoding="utf-8")

    with tempfile.TemporaryDirectory() as scratch:
        for lang in LANGUAGES:
            po = po_file(lang)
            compiled = Path(scratch) / f"{lang}.mo"
            stats = msgfmt(po, compiled)
            if "fuzzy" in stats or "untranslated" in stats:
                problems.append(
                    f"{po.relative_to(ROOT)} has entries to translate or review: {stats}"
                )
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != compiled.read_bytes():
                problems.append(
                    f"{mo.relative_to(ROOT)} is not what its .po compiles to: run `make messages`."
                )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"Catalogues complete and compiled: {', '.join(LANGUAGES)}.")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if shutil.which("msgfmt") is None:
        raise SystemExit("GNU gettext is needed (Debian: apt-get install gettext).")
    if command == "update":
        update()
    elif command == "check":
        raise SystemExit(check())
    else:
        raise SystemExit(__doc__)
