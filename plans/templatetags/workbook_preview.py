"""How the workbook preview shows a change's fields: the workbook's column names and plain values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from plans.choices import Stage, Status
from plans.templatetags.update_forms import plain_number
from plans.workbooks import schema

register = template.Library()

# Translated when shown, in the reader's language (the workbook's own headers, lazily).
LABELS: dict[str, StrOrPromise] = {
    **{c.field: c.header for columns in schema.COLUMNS.values() for c in columns},
    **{f.field: f.label for f in schema.PLAN_FIELDS},
}


@register.filter
def column_label(name: str) -> str:
    label = LABELS.get(name)
    return str(label) if label is not None else _(name.replace("_", " ").capitalize())


@register.filter
def cell_value(value: Any, name: str = "") -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_number(value)
    if name in ("status", "baseline_status") and value in Status.values:
        return str(Status(value).label)
    if name == "stage" and value in Stage.values:
        return str(Stage(value).label)
    return str(value)
