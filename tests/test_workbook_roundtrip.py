from __future__ import annotations

from plans.workbooks import diff, export
from tests.builders import country


def test_an_unedited_export_imports_as_no_changes(demo: dict[str, int]) -> None:
    data = export.export_plan(country("JAM"))
    changes = diff.preview(country("JAM"), data)
    assert changes.problems == []
    assert changes.changes == []


def test_the_reader_sees_every_row_of_the_export(demo: dict[str, int]) -> None:
    from plans.models import Action
    from plans.workbooks.read import Reference, read_workbook

    data = export.export_plan(country("JAM"))
    book = read_workbook(data, Reference.load())
    assert len(book.rows["Actions"]) == Action.objects.filter(plan__country__iso3="JAM").count()
    assert book.plan["title"]
    assert book.rows["KPI values"]
