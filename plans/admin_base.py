"""The admin writes through plans/services.py like everyone else, and keeps what has history.

``OneDoorAdmin`` (a SimpleHistoryAdmin) sends the add and change forms, the inlines and deletions to the
write module with via="admin"; deleting a row with history is refused with a message saying what to do
instead; the bulk "delete selected" action is removed. Its history page shows each change the way the
site's "Changes" list does (plans/changes.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from plans import changes, services

VIA = "admin"


class ReadableChanges(HistoricalRecordContextHelper):
    """The admin's history page in the site's words: field labels, dates as 12 Jan 2027."""

    def format_delta_change(self, change: Any) -> Any:
        f = self.model._meta.get_field(change.field)
        related: dict[Any, Any] = {}
        if f.is_relation:
            found = f.related_model._default_manager.in_bulk(  # type: ignore[union-attr]
                [v for v in (change.old, change.new) if v is not None]
            )
            related = {(f.related_model, pk): obj for pk, obj in found.items()}
        old = changes.format_value(f, _pk(change.old), related)  # type: ignore[arg-type]
        new = changes.format_value(f, _pk(change.new), related)  # type: ignore[arg-type]
        return dataclasses.replace(change, field=changes.label_of(f), old=old, new=new)


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


class HistoryKeepingFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """An inline whose Delete tickbox is refused for a row with history, before anything is saved."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is None:
                continue
            reason = services.deletion_refused(form.instance)
            if reason:
                raise ValidationError(reason)


class OneDoorInline(admin.TabularInline):  # type: ignore[type-arg]
    formset = HistoryKeepingFormSet


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


class OneDoorAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableChanges(self.model, historical_record)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            services.update(
                obj,
                changes={
                    name: getattr(obj, name) for name in _model_fields(obj, form.changed_data)
                },
                by=_user(request),
                via=VIA,
            )
        else:
            services.create(obj, by=_user(request), via=VIA)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete(obj, by=_user(request), via=VIA)
        for obj in formset.new_objects:
            services.create(obj, by=_user(request), via=VIA)
        for obj, changed in formset.changed_objects:
            services.update(
                obj,
                changes={name: getattr(obj, name) for name in _model_fields(obj, changed)},
                by=_user(request),
                via=VIA,
            )
        formset.save_m2m()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete(obj, by=_user(request), via=VIA)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        reason = services.deletion_refused(obj) if obj is not None else None
        if reason:
            messages.error(request, reason)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])  # type: ignore[union-attr]
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest) -> Any:
        # "Delete selected" would delete rows with history in bulk: each is deleted on its own page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def _model_fields(obj: models.Model, names: list[str]) -> list[str]:
    concrete = {f.name for f in obj._meta.concrete_fields}
    return [name for name in names if name in concrete]
