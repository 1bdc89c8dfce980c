"""The admin's reference-data workbook: export, upload, preview and apply targets and KPI definitions.

Served under /admin/reference-workbook/ behind the admin's own sign-in check (``admin_view``) and the
model permissions of targets and indicators. Writes go through plans/services.py.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from plans.models import DataVersion
from plans.views.workbooks import XLSX, UploadForm, forget, keep, kept_file, safe_name
from plans.workbooks import reference
from plans.workbooks.apply import ApplyFailed, Stale
from plans.workbooks.read import WorkbookRefused

SCOPE = "reference"
EDIT_PERMISSIONS = (
    "roadmap.add_target",
    "roadmap.change_target",
    "roadmap.add_indicator",
    "roadmap.change_indicator",
)
VIEW_PERMISSIONS = ("roadmap.view_target", "roadmap.view_indicator")


def _user(request: HttpRequest, permissions: tuple[str, ...]) -> User:
    user = request.user
    if not isinstance(user, User) or not all(user.has_perm(p) for p in permissions):
        raise PermissionDenied
    return user


def download(request: HttpRequest) -> HttpResponse:
    _user(request, VIEW_PERMISSIONS)
    response = HttpResponse(reference.export_reference(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roadmap-reference.xlsx"'
    return response


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("Import targets and KPI definitions"),
        **context,
    }
    return render(request, "admin/reference_workbook.html", context, status=status)


def upload(request: HttpRequest) -> HttpResponse:
    user = _user(request, EDIT_PERMISSIONS)
    if request.method == "POST" and "token" in request.POST:
        return _apply(request, user, request.POST["token"])
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _page(request, {"form": form})
    if not form.is_valid():
        return _page(request, {"form": form}, 400)
    file = form.cleaned_data["workbook"]
    return _preview(request, form, file.read(), safe_name(file.name))


def _preview(
    request: HttpRequest, form: UploadForm, data: bytes, name: str, status: int = 200
) -> HttpResponse:
    version = DataVersion.current()
    try:
        changes = reference.preview(data)
    except WorkbookRefused as refused:
        form.add_error("workbook", str(refused))
        return _page(request, {"form": form}, 400)
    if changes.problems:
        form.add_error("workbook", _("The workbook has errors; nothing was written."))
        return _page(request, {"form": form, "changes": changes}, 400)
    token = keep(request, SCOPE, data, name, version) if not changes.is_empty else ""
    return _page(
        request,
        {"form": UploadForm(), "changes": changes, "token": token, "filename": name},
        status,
    )


def _apply(request: HttpRequest, user: User, token: str) -> HttpResponse:
    found = kept_file(request, SCOPE, token)
    if found is None:
        messages.error(request, _("This preview has expired; upload the workbook again."))
        return redirect("reference_import")
    data, entry = found
    forget(request, token)
    if DataVersion.current() != entry["version"]:
        messages.warning(
            request,
            _(
                "The data changed after your preview, so nothing was written. Here is a fresh preview."
            ),
        )
        return _preview(request, UploadForm(), data, entry["name"], 409)
    try:
        done = reference.apply_reference(
            reference.preview(data),
            by=user,
            via=f"import of {entry['name']}",
            expected_version=entry["version"],
        )
    except Stale:
        messages.warning(request, _("The data changed while applying; nothing was written."))
        return _preview(request, UploadForm(), data, entry["name"], 409)
    except ApplyFailed as failed:
        messages.error(request, _("Nothing was written: %(reason)s") % {"reason": failed})
        return _preview(request, UploadForm(), data, entry["name"], 400)
    summary = ", ".join(f"{n} {kind}" for kind, n in done.items())
    messages.success(
        request, _("%(file)s imported: %(summary)s.") % {"file": entry["name"], "summary": summary}
    )
    return redirect("admin:roadmap_target_changelist")


urlpatterns = [
    path("reference.xlsx", admin.site.admin_view(download), name="reference_workbook"),
    path("import/", admin.site.admin_view(upload), name="reference_import"),
]
