"""Two-factor sign-in: an authenticator app (TOTP) and single-use backup codes, by django-otp.

Sign-in is two steps. The password step is Django's form behind django-axes; a user with a confirmed device
is not signed in by it, only remembered in the session as *pending* (for a few minutes), and the code step
signs them in. A wrong code is reported to django-axes as a failed sign-in of that username, so the same
lockout covers both steps, and a right password alone never resets the count of failures.

IMPACS staff and administrators must have a device when ``settings.OTP_REQUIRED`` is on (by default when
DEBUG is off): ``TwoFactorMiddleware`` sends them to enrol before any other page. Everyone else may turn it on.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plans.roles import IMPACS_STAFF

BACKUP_CODE_COUNT = 10
PENDING_SECONDS = 5 * 60
_PENDING = "twofactor_pending"  # {"user": pk, "backend": path, "next": url, "at": epoch seconds}
_NEW_CODES = "twofactor_new_codes"  # backup codes to show once, on the next page


def is_required_for(user: Any) -> bool:
    """Whether this user must sign in with a second factor (IMPACS staff and administrators)."""
    if not settings.OTP_REQUIRED or not user.is_authenticated:
        return False
    return bool(
        user.is_staff or user.is_superuser or user.groups.filter(name=IMPACS_STAFF).exists()
    )


def reset_devices(user: Any) -> int:
    """Remove every device of a user (authenticator app and backup codes); returns how many."""
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    return len(devices)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _new_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with a fresh set and return them (shown once, never stored plain
    anywhere else)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("Backup codes")), confirmed=True)
    codes = [StaticToken.random_token() for _unused in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _qr_svg(text: str) -> SafeString:
    """The QR code of ``text`` as inline SVG, drawn here: no script, no third-party service."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # The XML declaration is not allowed inside HTML; the markup is ours (no user input but the
    # otpauth URL, which the library escapes into path data, not text).
    return mark_safe(svg[svg.index("<svg") :])


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


# --- Sign-in, step 1 and step 2 -------------------------------------------------------------------


class SignInView(LoginView):
    """The password step. A user with a second factor goes on to the code step, not yet signed in."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not user_has_device(user):
            return super().form_valid(form)
        self.request.session[_PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return HttpResponseRedirect(reverse("two_factor_verify"))


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(_PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user else (None, None)


@login_not_required
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code step of sign-in: a code from the authenticator app or a backup code."""
    user, pending = _pending_user(request)
    if user is None or pending is None:
        messages.info(request, _("Sign in again: the sign-in took too long or was not started."))
        return redirect("login")
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(_PENDING, None)
            return get_lockout_response(request, None, credentials)
        if form.is_valid():
            with transaction.atomic():
                device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                request.session.pop(_PENDING, None)
                user.backend = pending["backend"]
                auth_login(request, user)
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(
                        request,
                        ngettext(
                            "You signed in with a backup code; %(count)d is left.",
                            "You signed in with a backup code; %(count)d are left.",
                            left,
                        )
                        % {"count": left},
                    )
                return redirect(_safe_next(request, pending["next"]))
            # A wrong code is a failed sign-in for the lockout, like a wrong password.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                request.session.pop(_PENDING, None)
                return get_lockout_response(request, None, credentials)
            form.add_error("code", _("That code is not right. Try the newest one your app shows."))
    return render(request, "registration/two_factor_verify.html", {"form": form})


# --- Enrolment and the user's own two-factor page -------------------------------------------------


def _confirmed_app(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: a new secret each time the page is shown (so it is shown once),
    confirmed by a code from the app; then the backup codes, once."""
    user = request.user
    if _confirmed_app(user) is not None:
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("two_factor")
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = CodeForm(request.POST or None)
    device = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            return redirect("two_factor_enrol")
        if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
            otp_login(request, device)
            request.session[_NEW_CODES] = codes
            messages.success(request, _("Two-factor sign-in is on."))
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            return redirect(reverse("two_factor_backup_codes") + query)
        form.add_error(
            "code", _("That code is not right. Check the clock of your phone and try again.")
        )
    if device is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(
            user=user, name=str(_("Authenticator app")), confirmed=False
        )
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _spaced(secret),
        "next": next_url,
        "required": is_required_for(user),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes just made, shown this once."""
    codes = request.session.pop(_NEW_CODES, None)
    if not codes:
        return redirect("two_factor")
    next_url = _safe_next(request, request.GET.get("next", "")) if request.GET.get("next") else ""
    return render(
        request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": next_url}
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The "Two-factor sign-in" page of the account menu: turn it on or off, new backup codes.

    Both changes ask for a current code, so a session left open is not enough to weaken the account.
    """
    user = request.user
    app = _confirmed_app(user)
    required = is_required_for(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and app is not None:
        action = request.POST.get("action")
        if form.is_valid() and match_token(user, form.cleaned_data["code"]) is not None:
            if action == "codes":
                request.session[_NEW_CODES] = _new_backup_codes(user)
                messages.success(request, _("New backup codes made; the old ones no longer work."))
                return redirect("two_factor_backup_codes")
            if action == "off" and not required:
                reset_devices(user)
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("two_factor")
        elif form.is_valid():
            form.add_error("code", _("That code is not right."))
    remaining = StaticToken.objects.filter(device__user=user).count() if app else 0
    context = {"form": form, "app": app, "required": required, "remaining": remaining}
    return render(request, "registration/two_factor.html", context)


# --- Enforcement ----------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """Before any page: a user who must use two-factor sign-in and has not passed it is sent to enrol
    (no device yet) or back to sign-in (a device, but a session that never gave a code)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            settings.OTP_REQUIRED
            and user.is_authenticated
            and not user.is_verified()
            and request.path not in self._open_paths()
            and is_required_for(user)
        ):
            if user_has_device(user):
                auth_logout(request)
                return redirect_to_login(request.get_full_path())
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('two_factor_enrol')}?{query}")
        return self.get_response(request)

    @staticmethod
    def _open_paths() -> set[str]:
        return {reverse("two_factor_enrol"), reverse("logout"), reverse("healthz")}
