from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from plans.models import ActionPlan


def site(request: HttpRequest) -> dict[str, Any]:
    """Tell every page whether it shows demonstration data (one query, only if a template asks)."""
    return {
        "demo_mode": SimpleLazyObject(lambda: ActionPlan.objects.filter(is_demo=True).exists()),
    }
