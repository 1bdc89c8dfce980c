"""All plan data as one JSON document: `manage.py export_data` and `import_data` (README "Backups").

The document holds every plan with what hangs off it (actions, milestones, status history, national KPIs
and their values), all the reference data (countries, goals, targets, indicators) and the users who
wrote the history: username, names and e-mail address, never a password.

Plan data keeps its ids, so that bookmarked addresses such as /actions/<id>/ still work after a
restore. Reference data is matched by its natural key (ISO code, goal number, target or indicator code)
and takes the file's values; users are matched by username and left as they are.

An import checks the whole file before it writes anything, then writes it in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from plans import services
from plans.models import (
    Action,
    ActionPlan,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    StatusUpdate,
)
from roadmap.models import Country, Goal, Indicator, Target

FORMAT = "roadmap-tracker-data"
# Bump when a field or section changes meaning; an import refuses any other version.
VERSION = 1
MAX_PROBLEMS = 20
# Fields added after version 1 that a file may lack: read as blank, so older files still import.
OPTIONAL_FIELDS = {
    "goals": {f"{name}_{code}" for name in ("title", "description") for code in ("es", "fr", "nl")},
    "targets": {f"title_{code}" for code in ("es", "fr", "nl")},
    "indicators": {f"title_{code}" for code in ("es", "fr", "nl")},
}


@dataclass(frozen=True)
class Section:
    name: str
    model: type[models.Model]
    key: str  # the natural key of reference data, or "id" for plan data (ids are kept)


# In the order they are written: each section points only to sections above it.
REFERENCE = [
    Section("goals", Goal, "number"),
    Section("countries", Country, "iso3"),
    Section("targets", Target, "code"),
    Section("indicators", Indicator, "code"),
]
PLAN_DATA = [
    Section("plans", ActionPlan, "id"),
    Section("actions", Action, "id"),
    Section("milestones", Milestone, "id"),
    Section("status_updates", StatusUpdate, "id"),
    Section("kpis", IndicatorTarget, "id"),
    Section("kpi_values", IndicatorValue, "id"),
]
NATURAL_KEYS: dict[type[models.Model], str] = {
    **{section.model: section.key for section in REFERENCE},
    User: "username",
}
USER_FIELDS = ["username", "first_name", "last_name", "email"]
# Worked out by save() from other fields, so not part of the file.
DERIVED = {(Target, "sort_key")}


class ImportRefused(Exception):
    """The file cannot be imported. Nothing was written; the problems say why."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS} more problems.")
        super().__init__("\n".join(shown))


def fields_of(section: Section) -> list[models.Field[Any, Any]]:
    plan_data = section.key == "id"
    return [
        f
        for f in section.model._meta.concrete_fields
        if (plan_data or not f.primary_key) and (section.model, f.name) not in DERIVED
    ]


# Export


def export_data() -> dict[str, Any]:
    """Everything, read in one transaction so that the document is consistent."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A snapshot of the whole database as of the first query, while staff keep working.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _export()
    with transaction.atomic():
        return _export()


def _export() -> dict[str, Any]:
    sections = {section.name: _rows(section) for section in REFERENCE + PLAN_DATA}
    authors = {
        row["author"]
        for name in ("status_updates", "kpi_values")
        for row in sections[name]
        if row["author"] is not None
    }
    users = User.objects.filter(username__in=authors).order_by("username").values(*USER_FIELDS)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "users": list(users),
        **sections,
    }


def _rows(section: Section) -> list[dict[str, Any]]:
    names, lookups = [], []
    for f in fields_of(section):
        names.append(f.name)
        related = f.related_model if f.is_relation else None
        if related in NATURAL_KEYS:
            lookups.append(f"{f.name}__{NATURAL_KEYS[related]}")  # type: ignore[index]
        else:
            lookups.append(f.attname)
    rows = [
        dict(zip(names, map(_encode, values), strict=True))
        for values in section.model._default_manager.values_list(*lookups)
    ]
    # Sorted here rather than by the database, so that SQLite and PostgreSQL write the same file.
    return sorted(rows, key=lambda row: row[section.key])


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates and date-times
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


# Import


@dataclass
class Checked:
    """A file that passed every check: the objects to write, nothing written yet."""

    new_users: list[User] = field(default_factory=list)
    reference: dict[str, list[models.Model]] = field(default_factory=dict)
    plan_data: dict[str, list[models.Model]] = field(default_factory=dict)
    created_reference: int = 0


def import_data(
    text: str, replace: bool = False, *, by: User | None = None, via: str = "restore"
) -> dict[str, Any]:
    """Check the file, then write it. Raises ImportRefused, having written nothing."""
    checked = check(loads(text), replace)
    return write(checked, replace, by=by, via=via)


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ImportRefused([f"This is not a JSON file ({exc})."]) from None


def check(data: Any, replace: bool) -> Checked:
    """Every check that can be made before writing; reads the database, never writes."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(
            [f'This is not a Roadmap Tracker data file: it has no "format": "{FORMAT}".']
        )
    if data.get("version") != VERSION:
        raise ImportRefused(
            [
                f"This file is format version {data.get('version')!r}; this site reads version "
                f"{VERSION} only."
            ]
        )
    plans_here = ActionPlan.objects.count()
    if plans_here and not replace:
        raise ImportRefused(
            [
                f"This database already has {plans_here} plans. Import into a database without "
                "plans, or pass --replace to delete them (with their actions, history and KPIs) "
                "and import the file's."
            ]
        )
    problems = _shape_problems(data)
    if problems:
        raise ImportRefused(problems)
    checker = _Checker()
    checker.users(data["users"])
    for section in REFERENCE:
        checker.reference(section, data[section.name])
    for section in PLAN_DATA:
        checker.plan_data(section, data[section.name])
    if checker.problems:
        raise ImportRefused(checker.problems)
    return checker.checked


def _shape_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    expected = {"users": set(USER_FIELDS)} | {
        section.name: {f.name for f in fields_of(section)} for section in REFERENCE + PLAN_DATA
    }
    unknown = set(data) - set(expected) - {"format", "version", "exported_at"}
    if unknown:
        problems.append(f"Unknown sections: {', '.join(sorted(unknown))}.")
    for name, keys in expected.items():
        rows = data.get(name)
        if not isinstance(rows, list):
            problems.append(f'The section "{name}" is missing or is not a list.')
            continue
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                problems.append(f"{name}[{index}] is not an object.")
                continue
            for optional in OPTIONAL_FIELDS.get(name, set()) - set(row):
                row[optional] = ""
            if missing := keys - set(row):
                problems.append(f"{name}[{index}] lacks {', '.join(sorted(missing))}.")
            if extra := set(row) - keys:
                problems.append(f"{name}[{index}] has unknown fields {', '.join(sorted(extra))}.")
    return problems


class _Checker:
    def __init__(self) -> None:
        self.checked = Checked()
        self.problems: list[str] = []
        # Natural key -> object (from the file, else from the database), per model.
        self.known: dict[type[models.Model], dict[Any, models.Model]] = {}
        # Ids of the plan data in the file, per model.
        self.ids: dict[type[models.Model], set[int]] = {}

    def users(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["username"] = str(row["username"])
        existing = User.objects.in_bulk([row["username"] for row in rows], field_name="username")
        known: dict[Any, models.Model] = {}
        for index, row in enumerate(rows):
            where = f"users[{index}] ({row['username']!r})"
            if row["username"] in known:
                self.problems.append(f"{where}: this username appears twice.")
                continue
            user = existing.get(row["username"])
            if user is None:
                # Keeps the history's authors without opening a door: an administrator decides
                # whether the account is used again (activate it, set a password, add a group).
                user = User(**row, is_active=False)
                user.set_unusable_password()
                if not self._clean(user, where, validate_unique=True):
                    continue
                self.checked.new_users.append(user)
            known[row["username"]] = user
        self.known[User] = known

    def reference(self, section: Section, rows: list[dict[str, Any]]) -> None:
        model, key = section.model, section.key
        existing = model._default_manager.in_bulk(field_name=key)
        in_file: dict[Any, models.Model] = {}
        for index, row in enumerate(rows):
            where = f"{section.name}[{index}] ({key} {row[key]!r})"
            obj = self._build(section, row, where, existing_by_key=existing)
            if obj is None:
                continue
            if getattr(obj, key) in in_file:
                self.problems.append(f"{where}: this {key} appears twice.")
                continue
            if self._clean(obj, where, validate_unique=True):
                in_file[getattr(obj, key)] = obj
                self.checked.created_reference += obj.pk is None
        self.known[model] = {**existing, **in_file}
        self.checked.reference[section.name] = list(in_file.values())

    def plan_data(self, section: Section, rows: list[dict[str, Any]]) -> None:
        ids: set[int] = set()
        objects = []
        # Every id first, so that a row with a problem does not also fail the rows pointing to it.
        pk = section.model._meta.pk
        for row in rows:
            with contextlib.suppress(ValidationError):  # reported with the row below
                ids.add(pk.to_python(row["id"]))  # type: ignore[union-attr]
        self.ids[section.model] = ids
        seen: set[int] = set()
        for index, row in enumerate(rows):
            where = f"{section.name}[{index}] (id {row['id']!r})"
            obj = self._build(section, row, where)
            if obj is None:
                continue
            if obj.pk in seen:
                self.problems.append(f"{where}: this id appears twice.")
                continue
            seen.add(obj.pk)
            if self._clean(obj, where, validate_unique=False):
                objects.append(obj)
        self._check_unique_in_file(section, objects)
        self.checked.plan_data[section.name] = objects

    def _build(
        self,
        section: Section,
        row: dict[str, Any],
        where: str,
        existing_by_key: dict[Any, models.Model] | None = None,
    ) -> models.Model | None:
        """The object the row describes, with its references resolved; None if it cannot be."""
        values: dict[str, Any] = {}
        problems = []
        for f in fields_of(section):
            raw = row[f.name]
            try:
                if f.is_relation:
                    values[f.attname if self._is_plan_data(f) else f.name] = self._resolve(f, raw)
                elif raw is None:
                    if not f.null:
                        raise ValidationError("This field cannot be empty.")
                    values[f.attname] = None
                else:
                    values[f.attname] = f.to_python(raw)
            except ValidationError as exc:
                problems.append(f"{where}: {f.name}: {' '.join(exc.messages)}")
        if problems:
            self.problems.extend(problems)
            return None
        if existing_by_key is not None:
            # Reference data: update the row of the same key if this database has it.
            obj = existing_by_key.get(values[section.key]) or section.model()
            for name, value in values.items():
                setattr(obj, name, value)
            return obj
        return section.model(**values)

    def _is_plan_data(self, f: models.Field[Any, Any]) -> bool:
        return f.related_model not in NATURAL_KEYS

    def _resolve(self, f: models.Field[Any, Any], raw: Any) -> Any:
        if raw is None:
            if not f.null:
                raise ValidationError("This field cannot be empty.")
            return None
        related: Any = f.related_model
        if related in NATURAL_KEYS:
            found = self.known[related].get(raw)
            if found is None and related is User:
                # An author left out of the file's users, but with an account here.
                found = User.objects.filter(username=raw).first()
            if found is None:
                raise ValidationError(
                    f"{related._meta.verbose_name} {raw!r} is neither in the file nor in this "
                    "database."
                )
            return found
        if raw not in self.ids.get(related, set()):
            raise ValidationError(f"{related._meta.verbose_name} id {raw!r} is not in the file.")
        return raw

    def _clean(self, obj: models.Model, where: str, validate_unique: bool) -> bool:
        relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
        try:
            obj.full_clean(
                exclude=relations, validate_unique=validate_unique, validate_constraints=False
            )
            for constraint in obj._meta.constraints:
                if isinstance(constraint, models.CheckConstraint):
                    # Asks the database to evaluate the condition on these values: a read.
                    constraint.validate(type(obj), obj)  # type: ignore[attr-defined]
        except ValidationError as exc:
            self.problems.extend(f"{where}: {message}" for message in _messages(exc))
            return False
        return True

    def _check_unique_in_file(self, section: Section, objects: list[models.Model]) -> None:
        """The plan tables are empty when the file is written: only the file can clash with itself."""
        for constraint in section.model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            seen: set[tuple[Any, ...]] = set()
            for obj in objects:
                if not _condition_holds(constraint.condition, obj):
                    continue
                key = tuple(_identity(obj, name) for name in constraint.fields)
                if key in seen:
                    self.problems.append(
                        f"{section.name} (id {obj.pk}): {constraint.violation_error_message}"
                    )
                seen.add(key)


def _identity(obj: models.Model, name: str) -> Any:
    """A field's value, a reference by its natural key (a new country has no id yet)."""
    f = obj._meta.get_field(name)
    if f.related_model in NATURAL_KEYS:
        related = getattr(obj, name)
        return None if related is None else getattr(related, NATURAL_KEYS[f.related_model])  # type: ignore[index]
    return getattr(obj, f.attname)  # type: ignore[union-attr]


def _condition_holds(condition: Any, obj: models.Model) -> bool:
    """Evaluate a unique constraint's condition: the plain `field=value` and `field__isnull` kind."""
    if condition is None:
        return True
    if condition.connector != "AND" or condition.negated:
        raise NotImplementedError(f"Cannot check the condition {condition} of a file's row.")
    for lookup, expected in condition.children:
        name, _, operator = lookup.partition("__")
        value = getattr(obj, obj._meta.get_field(name).attname)  # type: ignore[union-attr]
        if operator == "":
            holds = value == expected
        elif operator == "isnull":
            holds = (value is None) == expected
        else:
            raise NotImplementedError(f"Cannot check the condition {condition} of a file's row.")
        if not holds:
            return False
    return True


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return exc.messages


def write(
    checked: Checked, replace: bool, *, by: User | None = None, via: str = "restore"
) -> dict[str, Any]:
    """Write a checked file in one transaction: all of it, or (on any error) nothing."""
    try:
        with transaction.atomic():
            if ActionPlan.objects.exists():
                if not replace:
                    raise ImportRefused(["Plans were added to this database during the import."])
                # With their actions, status history and KPIs; the deletions stay in the history.
                services.delete_plans(ActionPlan.objects.all(), by=by, via=via)
            for user in checked.new_users:
                user.save()
            for objects in checked.reference.values():
                for obj in objects:
                    services.save(obj, by=by, via=via)
            for section in PLAN_DATA:
                # Objects point to saved reference rows and users by instance, to each other by id.
                services.bulk_create(
                    section.model, checked.plan_data[section.name], by=by, via=via, batch_size=1000
                )
            # The ids came from the file: move PostgreSQL's sequences past them.
            statements = connection.ops.sequence_reset_sql(
                no_style(), [section.model for section in PLAN_DATA]
            )
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    except DatabaseError as exc:
        raise ImportRefused(
            [f"The database refused the data, so nothing was imported: {exc}"]
        ) from exc
    return {
        **{name: len(objects) for name, objects in checked.plan_data.items()},
        "reference rows created": checked.created_reference,
        "new users": [user.username for user in checked.new_users],
    }
