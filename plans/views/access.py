"""Who may see and change what: checked on the server, in the view, with Django's permissions."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required

# Everything the site shows is law-enforcement sensitive: reading needs the view permission that both
# groups (IMPACS staff, Partner officials) hold. A signed-in user in neither group gets 403.
VIEW_PERMISSION = "plans.view_action"
viewer_required = permission_required(VIEW_PERMISSION, raise_exception=True)
