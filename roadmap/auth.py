"""Sign-in and password rules beyond Django's own: demonstration accounts, and password changes
counted by django-axes like sign-ins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from roadmap.validators import has_visible_text

# The password `make run` gives the demonstration accounts (plans/demo.py): public, in the README.
DEMO_PASSWORD = "roadmap-demo"


def demo_sign_in_refused(password: str | None) -> bool:
    """With DEBUG off the public demonstration password signs no one in.

    Refusing the accounts rather than refusing to start: a production database that was once filled
    by `make run` (or restored from one) keeps serving everyone else, /healthz stays up, and the
    refusal holds whatever the accounts are called, even for a demo account made by hand or renamed.
    """
    return not settings.DEBUG and password == DEMO_PASSWORD


class SiteAuthenticationForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length after the field is made, so no validator enforces it: a
        # longer name would reach authenticate(), and django-axes' record of the failure (a 255-character
        # column) would fail on PostgreSQL with a 500. Refused here, with the form's message.
        username: Any = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))

    def clean(self) -> dict[str, Any]:
        if demo_sign_in_refused(self.data.get("password")):
            raise ValidationError(
                _(
                    "The demonstration accounts cannot sign in on this site. Ask an administrator "
                    "for an account of your own."
                ),
                code="demo_account",
            )
        return super().clean()


class CountedPasswordChangeForm(PasswordChangeForm):
    """The current password is checked through authenticate(), so django-axes counts a wrong one as
    a failed sign-in: a stolen session cannot guess it without limit, and the lock-out that follows is
    the sign-in's (AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES)."""

    def __init__(self, user: AbstractBaseUser, *args: Any, request: HttpRequest, **kwargs: Any):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        if demo_sign_in_refused(old_password):
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        user = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if user is None or user.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class NotBlankPasswordValidator:
    """Refuses a password made only of spaces or invisible characters (it looks empty where typed)."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if not has_visible_text(password):
            raise ValidationError(
                _("Your password cannot be made of spaces only."), code="password_blank"
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be made of spaces only.")


class NotSamePasswordValidator:
    """Refuses a new password equal to the current one, and the public demonstration password."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if password == DEMO_PASSWORD:
            raise ValidationError(
                _("This password is public (it is the demonstration accounts' password)."),
                code="password_demo",
            )
        current = getattr(user, "password", None)
        # hashers.check_password, not user.check_password: the latter may save a re-hashed password.
        if current and check_password(password, current):
            raise ValidationError(
                _("Your new password must differ from your current one."), code="password_unchanged"
            )

    def get_help_text(self) -> str:
        return _("Your new password must differ from your current one.")


class PasswordChangeRequestMixin:
    """For PasswordChangeView: hands the request to the form (authenticate() needs it)."""

    request: HttpRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["request"] = self.request
        return kwargs
