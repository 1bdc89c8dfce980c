"""A form field's widget that names its help and its errors, so that a screen reader announces them."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def widget(field: BoundField) -> SafeString:
    """``{% widget field %}``: the input with aria-describedby (help, then errors) and aria-invalid.

    The ids match templates/includes/field.html: ``<auto_id>_help`` and ``<auto_id>_error<n>``.
    """
    if not isinstance(field, BoundField):
        return SafeString("")  # as {{ field }} renders a missing field
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    described += [f"{field.auto_id}_error{n}" for n in range(1, len(field.errors) + 1)]
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
