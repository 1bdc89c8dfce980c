"""Text rules shared by models and forms."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def has_visible_text(text: str) -> bool:
    """Whether anything in the text shows: not only spaces, line breaks or invisible characters
    (zero-width spaces and joiners, the byte-order mark, soft hyphens: Unicode's format characters)."""
    return any(
        not char.isspace() and unicodedata.category(char) not in {"Cf", "Cc"} for char in text
    )


def validate_visible_text(text: str) -> None:
    if text and not has_visible_text(text):
        raise ValidationError(
            _("Write something: only spaces or invisible characters were entered."),
            code="invisible",
        )
