"""Official texts (goal, target and KPI titles) in the reader's language only where one is on file."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from roadmap.models import OfficialText

register = template.Library()


@register.simple_tag
def official(obj: OfficialText | None, name: str = "title") -> SafeString | str:
    """The official text in the reader's language, or the English text inside a lang="en" span."""
    if obj is None:
        return ""
    language = get_language() or "en"
    text, on_file = obj.official(name, language)
    if on_file == language.split("-")[0]:
        return text
    return format_html('<span lang="{}">{}</span>', on_file, text)
