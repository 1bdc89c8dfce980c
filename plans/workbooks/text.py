"""The preview as plain text, for `manage.py import_plan`."""

from __future__ import annotations

from plans.templatetags.workbook_preview import cell_value, column_label
from plans.workbooks.diff import ChangeSet


def describe(changes: ChangeSet) -> str:
    if changes.problems:
        return "\n".join(["Errors:", *(f"  {p}" for p in changes.problems)])
    lines: list[str] = []
    if changes.is_empty:
        lines.append("No changes.")
    for sheet in changes.sheets():
        lines.append(
            f"{sheet['name']}: {len(sheet['new'])} new, {len(sheet['changed'])} changed, "
            f"{sheet['unchanged']} unchanged, {len(sheet['kept'])} kept (not in the file)"
        )
        for change in sheet["new"]:
            fields = "; ".join(
                f"{column_label(k)}: {cell_value(new, k)}"
                for k, (_old, new) in change.fields.items()
            )
            lines.append(f"  + row {change.row} {change.key}: {fields}")
        for change in sheet["changed"]:
            fields = "; ".join(
                f"{column_label(k)}: {cell_value(old, k)} -> {cell_value(new, k)}"
                for k, (old, new) in change.fields.items()
            )
            lines.append(f"  ~ row {change.row} {change.key}: {fields}")
    lines += [f"Note: {note}" for note in changes.notes]
    return "\n".join(lines)
