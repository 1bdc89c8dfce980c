from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = _("User preferences")

    def ready(self) -> None:
        from preferences import signals

        signals.connect()
