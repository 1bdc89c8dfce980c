"""The change history, readable: who changed what, when, through what, each field old -> new.

django-simple-history keeps a full copy of a row at each write (plans/services.py records who and the
channel). This module turns consecutive copies of a row into entries such as
"Due date 12 Jan 2027 -> 30 Jun 2027", with the fields' own labels and values formatted as the pages
show them. The action page, the country page and the admin's history use it.

Each list costs one query per model it covers, however long the history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.models import Action, ActionPlan, IndicatorTarget, IndicatorValue, Milestone
from roadmap.models import Country

PAGE_SIZE = 10
PAGE_PARAM = "changes"
EMPTY = "–"

# Bookkeeping that says nothing to a reader, and the parent a row never leaves.
HIDDEN_FIELDS = {
    "id",
    "version",
    "sort_key",
    "is_demo",
    "status_changed_on",
    "plan",
    "action",
    "indicator_target",
    "author",
    "recorded_at",
}

KINDS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One write to one row."""

    when: dt.datetime
    who: str
    via: str
    what: str
    kind: str  # "+", "~" or "-"
    changes: list[FieldChange] = field(default_factory=list)
    order: tuple[Any, ...] = ()

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


def format_value(f: models.Field[Any, Any], value: Any, related: dict[Any, Any]) -> str:
    """A field's value as the pages show it: dates as 12 Jan 2027, choices by their label."""
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        obj = related.get((f.related_model, value))
        return str(obj) if obj is not None else f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))  # type: ignore[arg-type]
    if isinstance(f, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(f, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def label_of(f: models.Field[Any, Any]) -> str:
    return capfirst(str(f.verbose_name))


def _tracked(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def diff(
    model: type[models.Model], old: Any, new: Any, related: dict[Any, Any]
) -> list[FieldChange]:
    """The fields that differ between two historical copies of a row, formatted."""
    out = []
    for f in _tracked(model):
        before, after = getattr(old, f.attname), getattr(new, f.attname)
        if before != after:
            out.append(
                FieldChange(
                    label_of(f),
                    format_value(f, before, related),
                    format_value(f, after, related),
                )
            )
    return out


def _who(record: Any) -> str:
    full = f"{record.u_first or ''} {record.u_last or ''}".strip()
    return full or record.u_name or ""


class Row:
    """One row of the combined history query, with the model's field names as attributes."""

    def __getattr__(self, name: str) -> Any:  # the columns, set in __init__
        raise AttributeError(name)

    def __init__(self, values: dict[str, Any], prefix: str):
        cut = len(prefix) + 2
        for name, value in values.items():
            setattr(self, name[cut:] if name.startswith(prefix + "__") else name, value)


def _related_objects(
    model: type[models.Model], records: Sequence[Any]
) -> dict[tuple[Any, Any], Any]:
    """The objects that changed foreign keys point to, one query per related model (rarely any)."""
    wanted: dict[Any, set[Any]] = defaultdict(set)
    previous: dict[Any, Any] = {}
    for record in records:
        before = previous.get(record.id)
        for f in _tracked(model):
            if not f.is_relation:
                continue
            value = getattr(record, f.attname)
            if before is not None and getattr(before, f.attname) != value:
                wanted[f.related_model].add(value)
                wanted[f.related_model].add(getattr(before, f.attname))
        previous[record.id] = record
    related: dict[tuple[Any, Any], Any] = {}
    for related_model, pks in wanted.items():
        found = related_model._default_manager.in_bulk([pk for pk in pks if pk is not None])
        for pk, obj in found.items():
            related[(related_model, pk)] = obj
    return related


def entries(model: type[models.Model], records: Iterable[Any], describe: Any) -> list[Entry]:
    """Entries for the historical copies of one model's rows, given oldest first."""
    records = sorted(records, key=lambda r: (r.h_date, r.h_id))
    related = _related_objects(model, records)
    previous: dict[Any, Any] = {}
    out = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        changes: list[FieldChange] = []
        if record.h_type == "~" and before is not None:
            changes = diff(model, before, record, related)
            if not changes:
                continue  # a save that changed nothing a reader sees
        out.append(
            Entry(
                when=record.h_date,
                who=_who(record),
                via=record.h_via or "",
                what=describe(record),
                kind=record.h_type,
                changes=changes,
                order=(record.h_date, model.__name__, record.h_id),
            )
        )
    return out


# --- One query for several histories (and, on the action page, the current milestones) ------------

META = ["tag", "h_id", "h_date", "h_type", "h_via", "u_first", "u_last", "u_name"]


def _history_branch(
    model: type[models.Model], extra: dict[str, Any] | None = None, **filters: Any
) -> tuple[str, Any, dict[str, Any]]:
    history: Any = model.history  # type: ignore[attr-defined]
    name = model.__name__
    exprs: dict[str, Any] = {
        "tag": Value(name),
        "h_id": F("history_id"),
        "h_date": F("history_date"),
        "h_type": F("history_type"),
        "h_via": F("history_change_reason"),
        "u_first": F("history_user__first_name"),
        "u_last": F("history_user__last_name"),
        "u_name": F("history_user__username"),
        f"{name}__id": F("id"),
    }
    for f in _tracked(model):
        exprs[f"{name}__{f.attname}"] = F(f.attname)
    for key, expr in (extra or {}).items():
        exprs[f"{name}__{key}"] = expr
    return name, history.filter(**filters), exprs


def union_rows(branches: list[tuple[str, Any, dict[str, Any]]]) -> dict[str, list[Row]]:
    """Run the branches as one UNION ALL query; rows grouped by branch tag."""
    names: list[str] = []
    fields: dict[str, Any] = {}
    annotated = []
    for _tag, queryset, exprs in branches:
        qs = queryset.annotate(**{f"x_{k}": v for k, v in exprs.items()})
        annotated.append(qs)
        for key in exprs:
            if key not in fields:
                names.append(key)
                fields[key] = qs.query.annotations[f"x_{key}"].output_field
    combined = None
    for (_tag, queryset, exprs), _qs in zip(branches, annotated, strict=True):
        padded = {
            # Typed NULLs: PostgreSQL cannot match an untyped NULL with the other branches' column.
            f"x_{k}": exprs[k] if k in exprs else Cast(Value(None), output_field=fields[k])
            for k in names
        }
        qs = queryset.order_by().annotate(**padded).values_list(*[f"x_{k}" for k in names])
        combined = qs if combined is None else combined.union(qs, all=True)
    grouped: dict[str, list[Row]] = defaultdict(list)
    for values in combined or []:
        row = dict(zip(names, values, strict=True))
        grouped[row["tag"]].append(Row(row, row["tag"]))
    return grouped


def newest_first(lists: Iterable[list[Entry]]) -> list[Entry]:
    return sorted((e for entries in lists for e in entries), key=lambda e: e.order, reverse=True)


def action_page_rows(action: Action) -> tuple[list[Milestone], list[Entry]]:
    """The action's milestones and its "Changes" list (its own and its milestones'), one query."""
    current = (
        "Current",
        Milestone.objects.filter(action=action),
        {
            "tag": Value("Current"),
            "Current__id": F("id"),
            "Current__title": F("title"),
            "Current__due_date": F("due_date"),
            "Current__completed_on": F("completed_on"),
        },
    )
    rows = union_rows(
        [
            current,
            _history_branch(Action, id=action.pk),
            _history_branch(Milestone, action_id=action.pk),
        ]
    )
    milestones = sorted(
        (
            Milestone(
                id=r.id,
                action=action,
                title=r.title,
                due_date=r.due_date,
                completed_on=r.completed_on,
            )
            for r in rows["Current"]
        ),
        key=lambda m: (m.due_date, m.pk),
    )
    for milestone in milestones:
        milestone._state.adding = False
        milestone._state.db = Milestone.objects.db
    changes = newest_first(
        [
            entries(Action, rows["Action"], lambda r: _("Action")),
            entries(
                Milestone,
                rows["Milestone"],
                lambda r: _("Milestone “%(title)s”") % {"title": r.title},
            ),
        ]
    )
    return milestones, changes


def action_changes(action: Action) -> list[Entry]:
    return action_page_rows(action)[1]


def country_changes(country: Country) -> list[Entry]:
    """The country's row, its plans, their national KPIs and KPI values: one query."""
    history: Any = ActionPlan.history  # type: ignore[attr-defined]
    plan_ids = history.filter(country_id=country.pk).values("id")
    kpi_history: Any = IndicatorTarget.history  # type: ignore[attr-defined]
    kpi_ids = kpi_history.filter(plan_id__in=plan_ids).values("id")
    rows = union_rows(
        [
            _history_branch(Country, id=country.pk),
            _history_branch(ActionPlan, country_id=country.pk),
            _history_branch(IndicatorTarget, {"code": F("indicator__code")}, plan_id__in=plan_ids),
            _history_branch(
                IndicatorValue,
                {"code": F("indicator_target__indicator__code")},
                indicator_target_id__in=kpi_ids,
            ),
        ]
    )
    return newest_first(
        [
            entries(Country, rows["Country"], lambda r: _("Country")),
            entries(
                ActionPlan,
                rows["ActionPlan"],
                lambda r: _("Plan “%(title)s”") % {"title": r.title},
            ),
            entries(
                IndicatorTarget,
                rows["IndicatorTarget"],
                lambda r: _("National KPI %(code)s") % {"code": r.code or "?"},
            ),
            entries(
                IndicatorValue,
                rows["IndicatorValue"],
                lambda r: (
                    _("%(code)s value for %(year)s: %(value)s")
                    % {"code": r.code or "?", "year": r.year, "value": _number(r.value)}
                ),
            ),
        ]
    )


def _number(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def page_of(all_entries: list[Entry], number: Any) -> Page[Entry]:
    """A page of the list, newest first; a bad page number gives the first or last page."""
    return Paginator(all_entries, PAGE_SIZE).get_page(number)
