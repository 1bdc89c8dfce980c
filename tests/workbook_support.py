"""Real workbook files for the import tests, written with openpyxl."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from plans import backup
from plans.models import DataVersion
from plans.workbooks import export
from tests.builders import country

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def exported(iso3: str = "JAM") -> bytes:
    return export.export_plan(country(iso3))


def edited(data: bytes, change: Callable[[Workbook], Any]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find_row(sheet: Any, column: int, value: Any) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value} not in column {column} of {sheet.title}")


def upload(data: bytes, name: str = "plan-jam.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def snapshot() -> str:
    """Every row of plan and reference data (the backup's document), to compare before and after."""
    data = backup.export_data()
    data.pop("exported_at")
    data["data_version"] = DataVersion.current()
    return json.dumps(data, sort_keys=True, default=str)
