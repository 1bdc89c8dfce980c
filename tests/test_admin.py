from __future__ import annotations

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from plans.models import StatusUpdate

pytestmark = pytest.mark.django_db


def admin_url(model: type[Model], action: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_changelist_and_change_page_loads_for_a_superuser(
    admin_user_client: Client, demo
) -> None:
    for model, model_admin in admin.site._registry.items():
        response = admin_user_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model
        response = admin_user_client.get(admin_url(model, "changelist"), {"q": "a"})
        assert response.status_code == 200, model
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is not None:
            response = admin_user_client.get(admin_url(model, "change", obj.pk))
            assert response.status_code == 200, model
        if model_admin.has_add_permission(response.wsgi_request):
            assert admin_user_client.get(admin_url(model, "add")).status_code == 200, model


def test_status_updates_cannot_be_added_changed_or_deleted_in_admin(
    admin_user_client: Client, demo
) -> None:
    update = StatusUpdate.objects.first()
    assert update is not None
    before = StatusUpdate.objects.count()
    assert admin_user_client.get(admin_url(StatusUpdate, "add")).status_code == 403
    response = admin_user_client.post(
        admin_url(StatusUpdate, "change", update.pk), {"note": "Rewritten"}
    )
    assert response.status_code == 403
    response = admin_user_client.post(admin_url(StatusUpdate, "delete", update.pk), {"post": "yes"})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.note != "Rewritten"
    assert StatusUpdate.objects.count() == before
    # Read-only view still works for a correction to be looked up.
    assert admin_user_client.get(admin_url(StatusUpdate, "change", update.pk)).status_code == 200


def test_the_admin_names_the_sites_icon_so_browsers_ask_for_no_missing_favicon(
    admin_user_client: Client,
) -> None:
    page = admin_user_client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    assert "Roadmap Tracker administration" in page  # the admin's own header is kept
