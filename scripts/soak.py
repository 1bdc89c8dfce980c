"""`make soak`: the site under a realistic mix of readers and writers for minutes, on PostgreSQL.

1. A fresh database (SOAK_DATABASE_URL, default roadmap_soak) gets the demonstration data and simulated
   users: partner officials and IMPACS staff, each signed in with a session of their own.
2. gunicorn (2 workers, DEBUG off) serves it on the loopback; SOAK_USERS (50) threads act as those users
   for SOAK_SECONDS (600), each doing one task after another with a short pause between: partners browse
   the dashboard, country pages, the lists and exports; staff record status updates and KPI values.
3. It passes only with no server error (no 5xx, no failed connection), no lost write (every write the
   site accepted is in the database, and in its history where the model keeps one, counted exactly; every
   refusal is a deliberate 400/409 page with a message) and each worker's memory (RSS from /proc) at the
   end within 20 % of its size after the warm-up.
4. It prints requests per second and the median and 95th percentile per page, and writes them into the
   "Soak" section of docs/benchmarks.md (which `make bench` keeps).

Tasks are functions, one per thing a person does, listed in TASKS by role with a weight: a branch adds a
task (a focal point submitting, a reviewer approving, a workbook import) by writing one function and
adding it to TASKS (and the role's users to ROLE_GROUPS).

Run inside Django as ``soak.py prepare`` and ``soak.py verify RUN``: the orchestrator calls those.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/roadmap_soak"
MAX_RSS_GROWTH = 0.20
SOAK_MARKER = "<!-- soak -->"
SOAK_END = "<!-- /soak -->"
# Simulated users by role: {role: (group, share of the users)}.
ROLE_GROUPS = {"partner": ("Partner officials", 0.8), "staff": ("IMPACS staff", 0.2)}


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Inside Django: prepare the users and sessions, verify the writes ----------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(users: int) -> None:
    """Make the simulated users, sign each in (a session of its own) and print what the load needs."""
    django_setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plans.models import Action, IndicatorTarget

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions: dict[str, list[str]] = defaultdict(list)
    counts = split(users)
    for role, (group_name, _) in ROLE_GROUPS.items():
        group = Group.objects.get(name=group_name)
        for n in range(counts[role]):
            user, _ = User.objects.get_or_create(username=f"soak-{role}-{n}")
            user.set_unusable_password()
            user.save()
            user.groups.set([group])
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            # Everyone's session has passed the second factor, as IMPACS staff's must with DEBUG off.
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "soak", "confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.create()
            sessions[role].append(session.session_key)
    actions = list(
        Action.objects.current().values_list("pk", "plan_id", "goal_id", "plan__country__iso3")
    )
    kpis: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, plan_id, goal_id in IndicatorTarget.objects.values_list(
        "pk", "plan_id", "indicator__goal_id"
    ):
        kpis[(plan_id, goal_id)].append(pk)
    print(
        json.dumps(
            {
                "sessions": sessions,
                "countries": sorted({a[3].lower() for a in actions}),
                "actions": [a[0] for a in actions],
                "kpi_actions": [[a[0], kpis[(a[1], a[2])]] for a in actions if kpis[(a[1], a[2])]],
            }
        )
    )


def verify(run: str) -> None:
    """Print what the database holds of this run's writes: notes of status updates and KPI values, and
    the same in their change history where the model keeps one (django-simple-history)."""
    django_setup()
    from plans.models import IndicatorValue, StatusUpdate

    prefix = f"soak {run} "
    out: dict[str, Any] = {}
    models: list[tuple[str, Any]] = [("status", StatusUpdate), ("kpi", IndicatorValue)]
    for name, model in models:
        out[name] = sorted(
            model._default_manager.filter(note__startswith=prefix).values_list("note", flat=True)
        )
        history = getattr(model, "history", None)
        if history is not None:
            out[f"{name} history"] = sorted(
                history.filter(note__startswith=prefix, history_type="+").values_list(
                    "note", flat=True
                )
            )
    print(json.dumps(out))


def split(users: int) -> dict[str, int]:
    counts = {role: max(1, round(users * share)) for role, (_, share) in ROLE_GROUPS.items()}
    counts["partner"] += users - sum(counts.values())
    return counts


# --- The load -------------------------------------------------------------------------------------


@dataclass
class Stats:
    """What every simulated user saw, shared between the threads (under a lock)."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)
    undeliberate: list[str] = field(
        default_factory=list
    )  # refusals without a message, or unexpected
    refusals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Context:
    """One simulated user: its session and what it may pick from."""

    base: tuple[str, int]
    session: str
    data: dict[str, Any]
    stats: Stats
    run: str
    rng: random.Random
    sequence: list[int]  # shared counter of writes, for unique notes
    csrf: str = ""

    def request(
        self, page: str, path: str, method: str = "GET", form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """One request; records its time under ``page`` and any server error."""
        cookie = f"sessionid={self.session}" + (f"; csrftoken={self.csrf}" if self.csrf else "")
        headers = {"Cookie": cookie, "Host": "localhost"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(*self.base, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status, response_headers = response.status, dict(response.getheaders())
            conn.close()
        except OSError as error:
            with self.stats.lock:
                self.stats.server_errors.append(f"{method} {path}: {error!r}")
            return 0, {}, ""
        elapsed = (time.perf_counter() - started) * 1000
        match = re.search(r"csrftoken=([^;]+)", response_headers.get("Set-Cookie", ""))
        if match:
            self.csrf = match.group(1)
        with self.stats.lock:
            self.stats.times[page].append(elapsed)
            if status >= 500:
                self.stats.server_errors.append(f"{method} {path}: {status}")
        return status, response_headers, text

    def get(self, page: str, path: str) -> str:
        status, _, text = self.request(page, path)
        if 0 < status < 500 and status != 200:
            with self.stats.lock:
                self.stats.undeliberate.append(f"GET {path}: {status}")
        return text

    def note(self) -> str:
        with self.stats.lock:
            self.sequence[0] += 1
            return (
                f"soak {self.run} {self.sequence[0]}: progress reported by the national commission"
            )

    def write(self, page: str, path: str, form: dict[str, str], kind: str, note: str) -> None:
        """POST a form; a redirect is an accepted write, a 400/409 with a message a deliberate refusal."""
        form["csrfmiddlewaretoken"] = self.csrf
        status, headers, text = self.request(page, path, "POST", form)
        with self.stats.lock:
            if status == 302:
                self.stats.accepted[kind].append(note)
            elif status in (400, 409) and 'class="message message-error"' in text:
                self.stats.refusals[f"{kind} {status}"] += 1
            elif 0 < status < 500:
                self.stats.undeliberate.append(f"POST {path}: {status}")
        if status == 302:  # the person sees the page with the message
            self.get("action page", urllib.parse.urlsplit(headers["Location"]).path)


def field_value(html: str, name: str, after: str = "") -> str | None:
    start = html.find(after) if after else 0
    if start < 0:
        return None
    match = re.search(
        rf'name="{name}"[^>]*?value="([^"]*)"|value="([^"]*)"[^>]*?name="{name}"', html[start:]
    )
    return next((g for g in match.groups() if g is not None), None) if match else None


# Partner officials (and everyone): reading.


def browse_dashboard(c: Context) -> None:
    c.get("dashboard", "/")


def browse_country(c: Context) -> None:
    c.get("country page", f"/countries/{c.rng.choice(c.data['countries'])}/")


def browse_countries(c: Context) -> None:
    sort = c.rng.choice(["", "?sort=name", "?sort=-completion", "?sort=stage"])
    c.get("/countries/", f"/countries/{sort}")


def browse_actions(c: Context) -> None:
    filters = c.rng.choice(
        [
            "",
            f"?country={c.rng.choice(c.data['countries']).upper()}",
            "?status=limited&sort=-due_date",
            "?overdue=on",
            f"?goal={c.rng.randint(1, 4)}&page=2",
            "?q=customs",
        ]
    )
    c.get("/actions/", f"/actions/{filters}")


def read_action(c: Context) -> None:
    c.get("action page", f"/actions/{c.rng.choice(c.data['actions'])}/")


def export_list(c: Context) -> None:
    country = c.rng.choice(c.data["countries"]).upper()
    path = c.rng.choice(
        [
            f"/actions/?country={country}&export=csv",
            "/countries/?export=xlsx",
            "/actions/?export=csv",
        ]
    )
    c.get("export", path)


# IMPACS staff: writing (a few actions, so that two people sometimes change the same one).


def record_status_update(c: Context) -> None:
    action = c.rng.choice(c.data["actions"][:40])
    page = c.get("action page", f"/actions/{action}/")
    version = field_value(page, "version")
    reported_on = field_value(page, "reported_on")
    if version is None or reported_on is None:
        return
    note = c.note()
    c.write(
        "status update (POST)",
        f"/actions/{action}/status/",
        {
            "status": c.rng.choice(["not_started", "limited", "substantial", "completed"]),
            "reported_on": reported_on,
            "note": note,
            "evidence_url": "",
            "version": version,
        },
        "status",
        note,
    )


def record_kpi_value(c: Context) -> None:
    action, kpis = c.rng.choice(c.data["kpi_actions"])
    kpi = c.rng.choice(kpis)
    page = c.get("action page", f"/actions/{action}/")
    url = f"/actions/{action}/kpis/{kpi}/values/"
    seen = field_value(page, "seen", after=f'action="{url}"')
    year = field_value(page, "year", after=f'action="{url}"')
    if seen is None or year is None:
        return
    note = c.note()
    c.write(
        "KPI value (POST)",
        url,
        {
            "year": year,
            "value": str(c.rng.randint(0, 1)),
            "note": note,
            "correction": "on",
            "seen": seen,
        },
        "kpi",
        note,
    )


# {role: [(weight, task)]}. To add (one function each): a focal point submitting a status change or a KPI
# value and answering a returned submission (branch reporting), an IMPACS reviewer approving or returning
# submissions (reporting), a workbook import now and then (branch workbooks).
TASKS: dict[str, list[tuple[int, Callable[[Context], None]]]] = {
    "partner": [
        (4, browse_dashboard),
        (4, browse_country),
        (2, browse_countries),
        (3, browse_actions),
        (2, read_action),
        (1, export_list),
    ],
    "staff": [
        (2, browse_dashboard),
        (2, browse_country),
        (2, read_action),
        (3, record_status_update),
        (2, record_kpi_value),
    ],
}


def simulated_user(c: Context, role: str, until: float, pause: tuple[float, float]) -> None:
    weights = [w for w, _ in TASKS[role]]
    tasks = [t for _, t in TASKS[role]]
    while time.monotonic() < until:
        task = c.rng.choices(tasks, weights)[0]
        try:
            task(c)
        except Exception as error:  # a bug in the script must not look like a server fault
            with c.stats.lock:
                c.stats.undeliberate.append(f"{task.__name__}: script error {error!r}")
        time.sleep(c.rng.uniform(*pause))


# --- Orchestration --------------------------------------------------------------------------------


def env_for(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="soak-" + "k" * 50,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(url: str) -> None:
    import psycopg

    server, name = url.split("?", 1)[0].rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def workers(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="soak", choices=["soak", "prepare", "verify"])
    parser.add_argument("run", nargs="?", default="")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS") or 600))
    parser.add_argument("--users", type=int, default=int(os.environ.get("SOAK_USERS") or 50))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT") or 8108))
    parser.add_argument(
        "--pause", type=float, nargs=2, default=(1.0, 5.0), help="think time between tasks, seconds"
    )
    parser.add_argument(
        "--database", default=os.environ.get("SOAK_DATABASE_URL") or DEFAULT_DATABASE
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--conditions", default=os.environ.get("SOAK_CONDITIONS", ""))
    args = parser.parse_args()
    if args.command == "prepare":
        return prepare(args.users)
    if args.command == "verify":
        return verify(args.run)
    if not args.database.startswith(("postgres://", "postgresql://")):
        sys.exit("the soak runs on PostgreSQL: set SOAK_DATABASE_URL to a postgres:// URL")

    env = env_for(args.database)
    log(
        f"fresh database {args.database.rsplit('/', 1)[1]}: migrate, demonstration data, {args.users} users"
    )
    fresh_database(args.database)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "load_demo"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    data = json.loads(
        run([PY, __file__, "prepare", "--users", str(args.users)], env).splitlines()[-1]
    )

    gunicorn = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "roadmap.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        result = soak(args, data, gunicorn.pid)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=60)
    stored = json.loads(run([PY, __file__, "verify", result["run"]], env).splitlines()[-1])
    failures = judge(result, stored)
    report = render(result, stored, failures, args)
    print(report)
    write_section(args.output, report)
    log(f"wrote the soak section of {args.output}")
    if failures:
        sys.exit("soak failed:\n- " + "\n- ".join(failures))


def soak(args: argparse.Namespace, data: dict[str, Any], master: int) -> dict[str, Any]:
    base = ("127.0.0.1", args.port)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection(*base, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        sys.exit("gunicorn did not start")
    stats, sequence = Stats(), [0]
    run_id = time.strftime("%Y%m%d%H%M%S")
    started = time.monotonic()
    until = started + args.seconds
    threads = []
    for role, sessions in data["sessions"].items():
        for n, session in enumerate(sessions):
            context = Context(
                base, session, data, stats, run_id, random.Random(f"{role}{n}"), sequence
            )
            thread = threading.Thread(
                target=simulated_user, args=(context, role, until, args.pause)
            )
            threads.append(thread)
    log(f"{len(threads)} simulated users for {args.seconds} s on 127.0.0.1:{args.port}")
    for thread in threads:
        thread.start()
    warm_up = min(60.0, args.seconds / 5)
    time.sleep(warm_up)
    pids = workers(master)
    after_warm_up = {pid: rss_kb(pid) for pid in pids}
    log(f"after {warm_up:.0f} s warm-up: worker RSS {after_warm_up} KB")
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    now = workers(master)
    at_end = {pid: rss_kb(pid) for pid in now}
    log(f"at the end: worker RSS {at_end} KB")
    return {
        "run": run_id,
        "stats": stats,
        "elapsed": elapsed,
        "warm_up": warm_up,
        "rss_warm": after_warm_up,
        "rss_end": at_end,
        "users": len(threads),
    }


def judge(result: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    stats: Stats = result["stats"]
    failures = [f"server error: {e}" for e in stats.server_errors[:20]]
    failures += [f"not a deliberate refusal: {e}" for e in stats.undeliberate[:20]]
    for kind in ("status", "kpi"):
        accepted = sorted(stats.accepted[kind])
        for where in (kind, f"{kind} history"):
            if where not in stored:
                continue
            if stored[where] != accepted:
                lost = len(set(accepted) - set(stored[where]))
                extra = len(stored[where]) - len(accepted) + lost
                failures.append(
                    f"{where}: {len(accepted)} writes accepted, {len(stored[where])} stored "
                    f"({lost} lost, {extra} not acknowledged or doubled)"
                )
    if set(result["rss_warm"]) != set(result["rss_end"]):
        failures.append(
            f"workers changed: {sorted(result['rss_warm'])} -> {sorted(result['rss_end'])}"
        )
    for pid, warm in result["rss_warm"].items():
        end = result["rss_end"].get(pid)
        if end and end > warm * (1 + MAX_RSS_GROWTH):
            failures.append(
                f"worker {pid} grew from {warm} KB to {end} KB (budget +{MAX_RSS_GROWTH:.0%})"
            )
    return failures


def render(result: dict[str, Any], stored: dict[str, Any], failures: list[str], args: Any) -> str:
    stats: Stats = result["stats"]
    total = sum(len(v) for v in stats.times.values())
    lines = [
        SOAK_MARKER,
        "## Soak (`make soak`)",
        "",
        f"Written by `make soak` ({time.strftime('%Y-%m-%d %H:%M %Z')}): {result['users']} simulated users "
        f"({', '.join(f'{len(v)} {k}' for k, v in sorted(stats_roles(args).items()))}) for "
        f"{result['elapsed']:.0f} s, think time {args.pause[0]:g}-{args.pause[1]:g} s, against gunicorn "
        "(2 workers, DEBUG off) on PostgreSQL, loopback. "
        f"Conditions: {args.conditions or 'not stated'}; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        f"{total} requests, {total / result['elapsed']:.1f} requests/s.",
        "",
        "| page | requests | median (ms) | p95 (ms) |",
        "|---|---:|---:|---:|",
    ]
    for page, times in sorted(stats.times.items()):
        lines.append(
            f"| {page} | {len(times)} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} |"
        )
    accepted = {k: len(v) for k, v in stats.accepted.items()}
    lines += [
        "",
        f"- Writes accepted: {accepted.get('status', 0)} status updates, {accepted.get('kpi', 0)} KPI values; "
        f"in the database afterwards: {len(stored['status'])} and {len(stored['kpi'])}"
        + (
            f"; in the change history: {len(stored['status history'])} and {len(stored['kpi history'])}"
            if "status history" in stored and "kpi history" in stored
            else " (the change history is checked too once the models keep one)"
        )
        + ".",
        "- Refused deliberately (a 400/409 page with a message): "
        + (", ".join(f"{n} {k}" for k, n in sorted(stats.refusals.items())) or "none")
        + f"; server errors: {len(stats.server_errors)}; other refusals: {len(stats.undeliberate)}.",
        "- Worker memory (RSS) after the warm-up and at the end: "
        + ", ".join(
            f"{result['rss_warm'][pid] / 1024:.0f} -> {result['rss_end'].get(pid, 0) / 1024:.0f} MB"
            for pid in sorted(result["rss_warm"])
        )
        + f" (budget +{MAX_RSS_GROWTH:.0%}).",
        "- Result: " + ("passed." if not failures else "FAILED: " + "; ".join(failures[:5])),
        SOAK_END,
    ]
    return "\n".join(lines)


def stats_roles(args: Any) -> dict[str, list[int]]:
    return {role: list(range(n)) for role, n in split(args.users).items()}


def write_section(path: Path, section: str) -> None:
    """Put the soak section into docs/benchmarks.md, replacing the previous one."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if SOAK_MARKER in text and SOAK_END in text:
        before, rest = text.split(SOAK_MARKER, 1)
        text = before + section + rest.split(SOAK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
