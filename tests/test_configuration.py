"""A bad configuration stops start-up with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    clean.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_naming(result: subprocess.CompletedProcess[str], variable: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_off_without_secret_key_stops_with_one_line() -> None:
    one_line_naming(manage({"DEBUG": "0"}), "SECRET_KEY")


def test_unknown_database_scheme_stops_with_one_line() -> None:
    one_line_naming(manage({"DEBUG": "1", "DATABASE_URL": "mongodb://localhost/x"}), "DATABASE_URL")


@pytest.mark.parametrize("variable, value", [("DEBUG", "maybe"), ("TIME_ZONE", "Mars/Olympus")])
def test_other_bad_values_name_their_variable(variable: str, value: str) -> None:
    one_line_naming(manage({"DEBUG": "1", variable: value}), variable)


def test_good_configuration_starts() -> None:
    result = manage({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
