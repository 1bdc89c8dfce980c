"""Which language a request is answered in, without a prefix in the address."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware import locale
from django.utils import translation

SESSION_KEY = "language"


def supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware, with the signed-in user's choice first.

    The choice is copied into the session at sign-in (preferences.signals), so that no request pays a
    query for it; then come the language cookie that the menu sets and the browser's Accept-Language.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = (
            supported(request.session.get(SESSION_KEY)) if hasattr(request, "session") else None
        )
        if language is None:
            language = translation.get_language_from_request(request) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
