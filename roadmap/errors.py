"""The pages shown when something fails: the server error (500), the database being away (503), and a
refused form (CSRF failure, 403).

None of them touches the database: they must render while it is down.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

# How long a client should wait before it tries again while the database is away (seconds).
RETRY_AFTER = 30
# Form fields not shown again: the token the failure is about, the forms' hidden "as loaded" fields and
# where to go next (plans/forms.py), and anything secret.
HIDDEN_FIELDS = ("csrfmiddlewaretoken", "version", "seen", "loaded", "next")
MAX_KEPT_CHARACTERS = 20_000
# The labels of the site's form fields, for what is given back (other fields show their name).
LABELS = {
    "note": _("Narrative note"),
    "evidence_url": _("Evidence link"),
    "reported_on": _("Reported for"),
    "status": _("New status"),
    "completed_on": _("Done on"),
    "year": _("Year"),
    "value": _("Value"),
    "username": _("Username"),
}


def database_unavailable(exception: BaseException | None) -> bool:
    """Whether an exception means the database cannot be reached (rather than a bug in a query).

    OperationalError covers a refused or broken connection ("connection refused", "server closed the
    connection unexpectedly", "the database system is shutting down"); InterfaceError a connection
    already closed under the site. Either way the fix is to wait, which a 503 says.
    """
    return isinstance(exception, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the database is away, else the plain 500 page.

    Django calls it inside its ``except`` block for any exception, raised in a view or a middleware,
    so the exception is still at hand here.
    """
    if database_unavailable(sys.exc_info()[1]):
        html = loader.render_to_string("503.html")
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: say what happened, give back what was typed, and how to send it again.

    A form is refused this way when its page was loaded before a sign-out or sign-in (in this tab or
    another one) or long ago, or when cookies are blocked. What was typed is shown again, read-only, to
    copy into the form once the page is reloaded: the back button cannot bring it back, since pages are
    not stored (roadmap.middleware.NoStoreMiddleware). Passwords are never shown again.
    """
    kept = [
        (LABELS.get(name, name), value[:MAX_KEPT_CHARACTERS])
        for name, values in request.POST.lists()
        if name not in HIDDEN_FIELDS and "password" not in name
        for value in values
        if value.strip()
    ]
    referer = request.headers.get("Referer", "")
    back = (
        referer
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    html = loader.render_to_string(
        "403_csrf.html", {"kept": kept, "back": back, "no_cookies": not request.COOKIES}, request
    )
    return HttpResponse(html, status=403)
