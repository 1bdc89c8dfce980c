"""A country's plan as a workbook: download it, upload an edited copy, preview, apply.

The preview is tied to the file and to the data version: the uploaded bytes are kept in a private
temporary directory under a random token, with their SHA-256 and the data version in the user's session.
Apply reads them back, checks both, compares again and writes through plans/workbooks/apply.py; if any
plan or reference data changed since the preview, Apply is refused and a fresh preview shown instead.
A national focal point imports their own countries' plans the same way, but Apply sends the changes
they may report as submissions for review (plans/workbooks/submit.py) and writes nothing to the plan.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from plans import services, visibility
from plans.models import DataVersion
from plans.views.access import viewer_required
from plans.workbooks import apply, diff, export, schema, submit
from plans.workbooks.read import WorkbookRefused
from roadmap.models import Country

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an import writes: IMPACS staff hold all of these (plans/roles.py), partners none.
IMPORT_PERMISSIONS = (
    "plans.add_statusupdate",
    "plans.change_milestone",
    "plans.add_indicatorvalue",
    "plans.change_indicatorvalue",
)
SESSION_KEY = "workbook_imports"
KEEP_SECONDS = 24 * 3600


def summarise(done: Counter[str]) -> str:
    """ "2 actions, 1 status update" from what apply wrote."""
    labels = {
        "plan": lambda n: ngettext("%(count)s plan", "%(count)s plans", n),
        "actions": lambda n: ngettext("%(count)s action", "%(count)s actions", n),
        "status updates": lambda n: ngettext(
            "%(count)s status update", "%(count)s status updates", n
        ),
        "milestones": lambda n: ngettext("%(count)s milestone", "%(count)s milestones", n),
        "KPIs": lambda n: ngettext("%(count)s KPI", "%(count)s KPIs", n),
        "KPI values": lambda n: ngettext("%(count)s KPI value", "%(count)s KPI values", n),
    }
    parts = [
        labels[kind](count) % {"count": count} if kind in labels else f"{count} {kind}"
        for kind, count in done.items()
    ]
    return ", ".join(parts) or _("no changes")


def upload_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "roadmap-workbooks"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


class UploadForm(forms.Form):
    workbook = forms.FileField(
        label=gettext_lazy("Plan workbook (.xlsx)"),
        help_text=gettext_lazy(
            "The workbook downloaded from the country page, edited in Excel or LibreOffice. At most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def clean_workbook(self) -> Any:
        upload = self.cleaned_data["workbook"]
        if upload.size > schema.MAX_FILE_BYTES:  # before reading a byte of it
            raise forms.ValidationError(
                _("The file is %(size)s MB; a plan workbook may be at most %(limit)s MB.")
                % {
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "limit": schema.MAX_FILE_BYTES // 1024 // 1024,
                }
            )
        return upload


@viewer_required
def plan_workbook(request: HttpRequest, iso3: str) -> HttpResponse:
    country = get_object_or_404(Country, iso3=iso3.upper())
    visibility.check_country(
        request.user, country.pk
    )  # another state's plan is 404 to a focal point
    response = HttpResponse(export.export_plan(country), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(country)}"'
    return response


def may_import(user: Any, country: Country) -> bool:
    """IMPACS staff import any country's plan; a focal point their own countries', for review."""
    return all(user.has_perm(p) for p in IMPORT_PERMISSIONS) or services.may_submit_for(
        user, country.pk
    )


def _importer(request: HttpRequest, country: Country) -> tuple[User, bool]:
    """The importing user, and whether their import is sent for review instead of applied."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    if all(user.has_perm(p) for p in IMPORT_PERMISSIONS):
        return user, False
    if services.may_submit_for(user, country.pk):
        return user, True
    raise PermissionDenied


def safe_name(name: str) -> str:
    """The uploaded file's own name, for the history: no path, no control characters, not too long."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "workbook.xlsx"
    return base[:100]


@login_required
def import_plan(request: HttpRequest, iso3: str) -> HttpResponse:
    country = get_object_or_404(Country, iso3=iso3.upper())
    visibility.check_country(request.user, country.pk)
    user, for_review = _importer(request, country)
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        found = kept_file(request, country.iso3, token)
        if found is None:
            messages.error(request, _("This preview has expired; upload the workbook again."))
            return redirect("plan_import", iso3=country.iso3.lower())
        send = _submit if for_review else _apply
        return send(request, country, user, token, *found)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(
            request,
            "plans/workbook_import.html",
            {"country": country, "form": form, "for_review": for_review},
        )
    if not form.is_valid():
        return _upload_page(request, country, form, for_review=for_review)
    upload = form.cleaned_data["workbook"]
    data = upload.read(schema.MAX_FILE_BYTES + 1)
    name = safe_name(upload.name)
    return _preview(request, country, form, data, name, for_review=for_review)


def _upload_page(
    request: HttpRequest,
    country: Country,
    form: UploadForm,
    changes: Any = None,
    *,
    for_review: bool = False,
) -> HttpResponse:
    return render(
        request,
        "plans/workbook_import.html",
        {"country": country, "form": form, "changes": changes, "for_review": for_review},
        status=400,
    )


def _preview(
    request: HttpRequest,
    country: Country,
    form: UploadForm,
    data: bytes,
    name: str,
    status: int = 200,
    *,
    for_review: bool = False,
) -> HttpResponse:
    version = DataVersion.current()
    try:
        changes = diff.preview(country, data)
    except WorkbookRefused as refused:
        form.add_error("workbook", str(refused))
        return _upload_page(request, country, form, for_review=for_review)
    if for_review and not changes.problems:
        submit.refuse_what_staff_do(changes)
    if changes.problems:
        form.add_error(
            "workbook",
            _(
                "The workbook has %(count)s error(s); nothing was written. Correct them and upload it again."
            )
            % {"count": len(changes.problems)},
        )
        return _upload_page(request, country, form, changes, for_review=for_review)
    token = ""
    if not changes.is_empty:
        token = keep(request, country.iso3, data, name, version)
    return render(
        request,
        "plans/workbook_preview.html",
        {
            "country": country,
            "changes": changes,
            "token": token,
            "filename": name,
            "form": UploadForm(),
            "for_review": for_review,
        },
        status=status,
    )


def keep(request: HttpRequest, scope: str, data: bytes, name: str, version: int) -> str:
    """Keep an uploaded file for its Apply: on disk under a random token, its hash in the session."""
    folder = upload_dir()
    now = time.time()
    for old in folder.iterdir():  # files of previews nobody applied
        if old.stat().st_mtime < now - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    # The newest few previews of this session; older ones expire (their files go within a day).
    kept = dict(list(request.session.get(SESSION_KEY, {}).items())[-4:])
    kept[token] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "name": name,
        "country": scope,
        "version": version,
    }
    request.session[SESSION_KEY] = kept
    return token


def kept_file(request: HttpRequest, scope: str, token: str) -> tuple[bytes, dict[str, Any]] | None:
    """The file kept for this token, if it is this user's, for this scope, and unchanged."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    path = upload_dir() / token if re.fullmatch(r"[\w-]+", token) else None
    if not entry or path is None or not path.exists() or entry["country"] != scope:
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return data, entry


def forget(request: HttpRequest, token: str) -> None:
    kept = request.session.get(SESSION_KEY, {})
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept
    if re.fullmatch(r"[\w-]+", token):
        (upload_dir() / token).unlink(missing_ok=True)


def _apply(
    request: HttpRequest,
    country: Country,
    user: User,
    token: str,
    data: bytes,
    entry: dict[str, Any],
) -> HttpResponse:
    name = entry["name"]
    if DataVersion.current() != entry["version"]:
        forget(request, token)
        messages.warning(
            request,
            _(
                "The plan data changed after your preview, so nothing was written. Here is a fresh "
                "preview of the same file: check it, then apply again."
            ),
        )
        return _preview(request, country, UploadForm(), data, name, status=409)
    changes = diff.preview(country, data)
    try:
        done = apply.apply_changes(
            changes, by=user, via=f"import of {name}", expected_version=entry["version"]
        )
    except apply.Stale:
        forget(request, token)
        messages.warning(
            request,
            _(
                "The plan data changed while applying, so nothing was written. Here is a fresh preview."
            ),
        )
        return _preview(request, country, UploadForm(), data, name, status=409)
    except apply.ApplyFailed as failed:
        messages.error(
            request,
            _("Nothing was written: %(reason)s") % {"reason": failed},
        )
        return _preview(request, country, UploadForm(), data, name, status=400)
    forget(request, token)
    summary = summarise(done)
    messages.success(
        request,
        _("%(file)s imported: %(summary)s.") % {"file": name, "summary": summary},
    )
    return redirect(country)


def _submit(
    request: HttpRequest,
    country: Country,
    user: User,
    token: str,
    data: bytes,
    entry: dict[str, Any],
) -> HttpResponse:
    """A focal point's Apply: the preview's changes sent as submissions for review, all or none."""
    name = entry["name"]

    def fresh(message: str, status: int) -> HttpResponse:
        forget(request, token)
        messages.warning(request, message)
        return _preview(request, country, UploadForm(), data, name, status, for_review=True)

    stale = _(
        "The plan data changed after your preview, so nothing was sent. Here is a fresh preview "
        "of the same file: check it, then submit it again."
    )
    if DataVersion.current() != entry["version"]:
        return fresh(stale, 409)
    changes = diff.preview(country, data)
    submit.refuse_what_staff_do(changes)
    try:
        done = submit.submit_changes(
            changes, by=user, source=f"import of {name}", expected_version=entry["version"]
        )
    except apply.Stale:
        return fresh(stale, 409)
    except apply.ApplyFailed as failed:
        messages.error(request, _("Nothing was sent: %(reason)s") % {"reason": failed})
        return _preview(request, country, UploadForm(), data, name, 400, for_review=True)
    forget(request, token)
    count = sum(done.values())
    messages.success(
        request,
        ngettext(
            "%(file)s: %(count)s change sent for review. The plan shows it once IMPACS approves it.",
            "%(file)s: %(count)s changes sent for review. The plan shows them once IMPACS approves "
            "them.",
            count,
        )
        % {"file": name, "count": count},
    )
    return redirect("reporting:mine")
