from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from preferences.middleware import SESSION_KEY, supported
from preferences.models import remember_language


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect back), and the choice kept for the signed-in user."""
    response = django_set_language(request)
    language = supported(request.POST.get("language"))
    if language:
        request.session[SESSION_KEY] = language
        if request.user.is_authenticated:
            remember_language(request.user, language)
    return response
