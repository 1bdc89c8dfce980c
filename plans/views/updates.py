"""Writes by IMPACS staff: status updates, milestones, KPI values (issue 5 fills this in).

Contract with the action page (plans/views/lists.py): ``forms_for(request, action)`` returns the extra
template context for the update forms; it is empty for users who may not write.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from plans.models import Action


def forms_for(request: HttpRequest, action: Action) -> dict[str, Any]:
    return {}
