from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from roadmap.auth import CountedPasswordChangeForm, PasswordChangeRequestMixin


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness with a database round trip. Says nothing else about the site."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class SignOutView(LogoutView):
    """Sign out (POST only), then the sign-in page says so."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # After logout() the session is a new one, so the message survives the redirect.
        messages.info(request, _("You have signed out."))
        return response


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the site's own sign-in page (one form, one lockout policy)."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class PasswordChangeView(PasswordChangeRequestMixin, auth_views.PasswordChangeView):
    """Django's, with the current password checked like a sign-in (roadmap.auth)."""

    form_class = CountedPasswordChangeForm
