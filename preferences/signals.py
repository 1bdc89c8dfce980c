from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in

from preferences.middleware import SESSION_KEY, supported
from preferences.models import preferred_language


def restore_language(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    """At sign-in, the language the user last chose comes back, whatever the browser says."""
    language = supported(preferred_language(user))
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language


def connect() -> None:
    user_logged_in.connect(restore_language, dispatch_uid="preferences-restore-language")
