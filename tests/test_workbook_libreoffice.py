"""A workbook saved by LibreOffice Calc (as a partner without Excel would) imports like Excel's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from plans.workbooks import diff
from tests.builders import country
from tests.workbook_support import edited, exported, find_row

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="needs LibreOffice (soffice); .ci/run installs it: apt-get install libreoffice-calc-nogui",
)


def through_libreoffice(data: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "plan-jam.xlsx"
    source.write_bytes(data)
    out = tmp_path / "out"
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    return (out / "plan-jam.xlsx").read_bytes()


def test_a_workbook_saved_by_libreoffice_reads_as_the_same_plan(
    demo: dict[str, int], tmp_path: Path
) -> None:
    def change(book: Any) -> None:
        actions = book["Actions"]
        actions.cell(row=find_row(actions, 1, "2.3"), column=4).value = "Saved by LibreOffice"

    saved = through_libreoffice(edited(exported(), change), tmp_path)
    changes = diff.preview(country("JAM"), saved)
    assert changes.problems == []
    assert [(c.key, list(c.fields), c.fields["title"][1]) for c in changes.changes] == [
        ("2.3", ["title"], "Saved by LibreOffice")
    ]
