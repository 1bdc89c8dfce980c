"""Smoke test of the production set-up: gunicorn, DEBUG off, PostgreSQL, collected static files.

    .venv/bin/python scripts/smoke.py      (.ci/run runs it after the test suites)

It makes a fresh database (SMOKE_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/roadmap_smoke,
dropped first if it exists), migrates, loads the demonstration data, adds an IMPACS staff account,
collects the static files and serves the site with gunicorn on a free local port, configured as in
production behind a reverse proxy: HTTPS redirect on, Secure cookies, HSTS, the proxy's headers
trusted. It then plays a browser behind that proxy over plain HTTP (TLS would end at the proxy, so it
sends X-Forwarded-Proto: https and returns the Secure cookies) and checks what a user and an operator
would notice. The first failed check ends it with a non-zero status; gunicorn is stopped whatever
happens, and the database dropped.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import brotli
import psycopg
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = "drafted plans complete"
FAR_FUTURE = 31536000  # a year, in seconds
HASHED_STATIC = r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)"


class SmokeFailure(Exception):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise SmokeFailure(what)
    print(f"  ok  {what}")


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """A browser behind the reverse proxy: the proxy's headers on every request, cookies kept."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.set_cookie: dict[str, str] = {}  # the last Set-Cookie header of each cookie

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        proxied: bool = True,
    ) -> Response:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "identity"}
        if proxied:
            sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.10"}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent |= {"Content-Type": "application/x-www-form-urlencoded"}
        sent |= headers or {}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
                self.set_cookie[name] = raw
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)


def free_port(wanted: int = 0) -> int:
    """The port asked for (0: any), checked free, so that no other server answers in our place."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            raise SmokeFailure(f"port {wanted} is in use: another server would answer") from None
        return int(sock.getsockname()[1])


def drop_database(url: str, create_afresh: bool = False) -> None:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise SmokeFailure(f"SMOKE_DATABASE_URL needs a plain database name, not {name!r}")
    server = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create_afresh:
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    shown = " ".join(arg for arg in args if "\n" not in arg)  # not the shell snippet itself
    print(f"$ manage.py {shown}", flush=True)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def production_env(database_url: str, password: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
    }
    return env | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        # Behind one reverse proxy that ends TLS; the HTTPS redirect and Secure cookies stay on.
        "SECURE_PROXY_SSL_HEADER": "1",
        "PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
        "SMOKE_PASSWORD": password,
        "SMOKE_TOTP_KEY": SMOKE_TOTP_KEY,
        "PYTHONUNBUFFERED": "1",  # as in the image: log lines reach the log as they happen
    }


CREATE_STAFF = """
import os
from django.contrib.auth.models import Group, User
user = User.objects.create_user("smoke", password=os.environ["SMOKE_PASSWORD"], first_name="Smoke")
user.groups.add(Group.objects.get(name="IMPACS staff"))
# Two-factor sign-in is required of IMPACS staff with DEBUG off: the account has its authenticator app.
from django_otp.plugins.otp_totp.models import TOTPDevice
TOTPDevice.objects.create(user=user, name="smoke", key=os.environ["SMOKE_TOTP_KEY"], confirmed=True)
"""
SMOKE_TOTP_KEY = secrets.token_hex(20)


def wait_until_serving(server: subprocess.Popen[bytes], browser: Browser) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SmokeFailure(f"gunicorn stopped at start-up (status {server.returncode})")
        try:
            browser.get("/healthz", proxied=False)
            return
        except OSError:
            time.sleep(0.3)
    raise SmokeFailure("gunicorn did not answer within 60 seconds")


def csp_directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values.split()
        for name, _, values in (part.strip().partition(" ") for part in policy.split(";"))
        if name
    }


def check_site(browser: Browser, password: str) -> str:
    """Sign in and read the pages; returns the dashboard's and country page's HTML."""
    print("The site, over HTTP, as an operator's probe and a browser behind the proxy see it:")
    health = browser.get("/healthz", proxied=False)
    check(health.status == 200, f"/healthz answers 200 over plain HTTP (got {health.status})")
    check(json.loads(health.body) == {"status": "ok", "database": "ok"}, "/healthz reports ok")
    plain = browser.get("/", proxied=False)
    check(
        plain.status == 301 and plain.headers["Location"] == f"{browser.origin}/",
        f"plain HTTP is redirected to HTTPS (got {plain.status} {plain.headers['Location']})",
    )
    login = browser.get("/accounts/login/")
    check(login.status == 200, f"the sign-in page answers 200 (got {login.status})")
    check(
        login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains",
        f"HSTS is sent: {login.headers['Strict-Transport-Security']}",
    )
    check("; Secure" in browser.set_cookie.get("csrftoken", ""), "the CSRF cookie is Secure")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    check(token, "the sign-in form carries a CSRF token")
    assert token is not None
    signed_in = browser.request(
        "POST",
        "/accounts/login/",
        form={"csrfmiddlewaretoken": token[1], "username": "smoke", "password": password},
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}/accounts/login/"},
    )
    check(
        signed_in.status == 302 and signed_in.headers["Location"] == "/accounts/login/code/",
        f"the right password leads to the code step (got {signed_in.status})",
    )
    code_page = browser.get("/accounts/login/code/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', code_page.text)
    assert token is not None
    code = f"{totp(bytes.fromhex(SMOKE_TOTP_KEY)):06d}"
    signed_in = browser.request(
        "POST",
        "/accounts/login/code/",
        form={"csrfmiddlewaretoken": token[1], "code": code},
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}/accounts/login/code/"},
    )
    check(
        signed_in.status == 302 and signed_in.headers["Location"] == "/",
        f"the authenticator app's code signs in, to the dashboard (got {signed_in.status})",
    )
    session = browser.set_cookie.get("sessionid", "")
    check(
        "; Secure" in session and "; HttpOnly" in session, "the session cookie is Secure, HttpOnly"
    )

    dashboard = browser.get("/")
    check(dashboard.status == 200, f"the dashboard answers 200 (got {dashboard.status})")
    check(HEADLINE in " ".join(dashboard.text.split()), f'the dashboard shows "{HEADLINE}"')
    country = browser.get("/countries/jam/")
    check(country.status == 200, f"/countries/jam/ answers 200 (got {country.status})")
    check("Jamaica" in country.text, "the country page names Jamaica")

    policy = dashboard.headers["Content-Security-Policy"] or ""
    print(f"      Content-Security-Policy: {policy}")
    directives = csp_directives(policy)
    check(directives.get("script-src") == ["'self'"], "CSP: script-src 'self' and nothing else")
    check(
        not any(
            "unsafe" in value
            for name in ("script-src", "default-src")
            for value in directives.get(name, [])
        ),
        "CSP: no 'unsafe-inline' or 'unsafe-eval' for scripts",
    )
    check(dashboard.headers["X-Frame-Options"] == "DENY", "X-Frame-Options: DENY")
    check(dashboard.headers["Referrer-Policy"] == "same-origin", "Referrer-Policy: same-origin")
    check(dashboard.headers["X-Content-Type-Options"] == "nosniff", "X-Content-Type-Options")
    return dashboard.text + country.text


def check_static(browser: Browser, pages: str) -> None:
    print("Static files, hashed, compressed and cached for good:")
    linked = set(re.findall(HASHED_STATIC, pages))
    stylesheet = next((url for url in sorted(linked) if "/css/site." in url), None)
    check(stylesheet, f"the pages link the stylesheet by a hashed name ({stylesheet})")
    plotly = next((url for url in linked if "/vendor/plotly.min." in url), None)
    check(plotly, f"the chart pages load plotly.js by a hashed name ({plotly})")
    assert plotly is not None
    check(re.fullmatch(HASHED_STATIC, plotly), f"plotly.js has a hashed name ({plotly})")
    for url in (stylesheet, plotly):
        assert url is not None
        plain = browser.get(url)
        check(plain.status == 200, f"{url} answers 200 (got {plain.status})")
        for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            answer = browser.get(url, headers={"Accept-Encoding": encoding})
            check(
                answer.headers["Content-Encoding"] == encoding
                and decompress(answer.body) == plain.body,
                f"served with Content-Encoding {encoding}: {len(answer.body):,} bytes, "
                f"{len(plain.body):,} uncompressed",
            )
        cache = plain.headers["Cache-Control"] or ""
        max_age = re.search(r"max-age=(\d+)", cache)
        check(
            max_age and int(max_age[1]) >= FAR_FUTURE and "immutable" in cache,
            f"Cache-Control: {cache}",
        )
        check("Accept-Encoding" in (plain.headers["Vary"] or ""), "Vary: Accept-Encoding")


def main() -> int:
    database_url = os.environ.get(
        "SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roadmap_smoke"
    )
    port = free_port(int(os.environ.get("SMOKE_PORT") or 0))
    password = secrets.token_urlsafe(16)
    env = production_env(database_url, password)
    # A stop request (Ctrl-C, SIGTERM from CI) unwinds through the finally blocks below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    logs = Path(tempfile.mkdtemp(prefix="smoke-gunicorn-"))
    access_log, error_log = logs / "stdout.log", logs / "stderr.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        drop_database(database_url, create_afresh=True)
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        manage(env, "shell", "--no-imports", "--command", CREATE_STAFF)  # an IMPACS staff account
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        print(f"$ gunicorn on 127.0.0.1:{port} (logs in {logs})", flush=True)
        with access_log.open("wb") as stdout, error_log.open("wb") as stderr:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "roadmap.wsgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=stderr,
            )
        browser = Browser(port)
        wait_until_serving(server, browser)
        pages = check_site(browser, password)
        check_static(browser, pages)
        check(
            '"GET /countries/jam/ HTTP/1.1" 200' in access_log.read_text(),
            "gunicorn's access log is on standard output",
        )
    except (SmokeFailure, subprocess.CalledProcessError, OSError, ValueError) as exc:
        print(f"SMOKE TEST FAILED: {exc}", file=sys.stderr)
        for path in (access_log, error_log):
            if path.exists():
                print(f"--- {path} (last 30 lines) ---", file=sys.stderr)
                print("\n".join(path.read_text().splitlines()[-30:]), file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if os.environ.get("SMOKE_KEEP_DATABASE") != "1":
            drop_database(database_url)
    shutil.rmtree(logs)
    print("Smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
