"""Benchmark helpers run inside Django: `user` makes the signed-in benchmark user (IMPACS staff),
`session` prints a session key for it (for wrk), `html URL FILE` saves a page's HTML."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from plans.roles import IMPACS_STAFF  # noqa: E402


def main() -> None:
    what = sys.argv[1]
    if what == "user":
        user, _ = User.objects.get_or_create(username="bench", defaults={"first_name": "Bench"})
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get(name=IMPACS_STAFF)])
        # IMPACS staff sign in with a second factor when DEBUG is off: the session below has passed it.
        TOTPDevice.objects.get_or_create(user=user, defaults={"name": "bench", "confirmed": True})
    elif what == "session":
        user = User.objects.get(username="bench")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.create()
        print(session.session_key)


if __name__ == "__main__":
    main()
