"""A person's own settings: not plan or reference data, so written here, not through plans.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    # Blank: no choice made yet, so the browser's language (Accept-Language) is used.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return str(self.user)


def preferred_language(user: object) -> str:
    """The language the user chose in the menu, or "" when none was chosen."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return ""
    return UserSettings.objects.filter(user_id=pk).values_list("language", flat=True).first() or ""


def remember_language(user: object, language: str) -> None:
    pk = getattr(user, "pk", None)
    if pk is not None:
        UserSettings.objects.update_or_create(user_id=pk, defaults={"language": language})
