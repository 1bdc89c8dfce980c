"""Fault drill: the site under traffic loses PostgreSQL for a while, then a gunicorn worker mid-request.

    .venv/bin/python scripts/fault_drill.py                     (full drill: PostgreSQL away 20 s)
    FAULT_SECONDS=3 .venv/bin/python scripts/fault_drill.py     (.ci/run's short version)

It makes a database of its own (FAULT_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/roadmap_faults, dropped first and at the end), loads the
demonstration data, and serves the site with gunicorn (2 workers, DEBUG off, production settings behind
a reverse proxy, as scripts/smoke.py does) on a free loopback port. Readers browse the dashboard,
country pages and lists, and writers record status updates, each with a numbered note, from a few
threads in bounded loops. Then:

1. PostgreSQL is stopped (pg_ctlcluster ... stop -m fast) for FAULT_SECONDS and started again.
   While it is down /healthz answers 503, every page and write answers 503 with the plain page (no
   traceback, no database message); once it is back the site answers again by itself, with the same
   gunicorn processes.
2. A gunicorn worker is killed (SIGKILL) while writes are in flight, FAULT_KILLS times.
3. Every write the site accepted (a redirect) is in the database; every write answered otherwise or
   cut off is either wholly there or not at all: each action's history is an unbroken chain whose last
   status is the action's status, with no note twice.

WARNING: PostgreSQL is a server shared with everything else on the machine: stopping it breaks the
connections of every other program using it (other test runs fail). Keep FAULT_SECONDS short on a
shared machine; the full drill (20 s) is for a machine of its own.

The first failed check ends it with a non-zero status; gunicorn is stopped and PostgreSQL started again
whatever happens.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from django_otp.oath import totp
from smoke import (
    CREATE_STAFF,
    SMOKE_TOTP_KEY,
    Browser,
    Response,
    SmokeFailure,
    check,
    drop_database,
    free_port,
    manage,
    production_env,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parent.parent
OUTAGE = float(os.environ.get("FAULT_SECONDS", "20"))
KILLS = int(os.environ.get("FAULT_KILLS", "3"))
READERS, WRITERS = 3, 3
READ_PATHS = ["/", "/countries/", "/countries/jam/", "/actions/", "/actions/?status=completed"]
# What must never reach a reader: a traceback or the database's own words.
LEAKS = re.compile(
    r"Traceback|OperationalError|InterfaceError|psycopg|5432|connection to server", re.I
)
STATUSES = ["not_started", "limited", "substantial", "completed"]


def pg_cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False
        ).returncode
        == 0
    )


@dataclass
class Tally:
    """What the traffic saw, by phase and status; and every write with what the site answered."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)
    writes: dict[str, str] = field(
        default_factory=dict
    )  # note marker -> "accepted" / status / "cut"
    phase: str = "warm-up"
    posting: int = 0  # writes on their way

    def saw(self, what: str) -> None:
        with self.lock:
            self.answers[(self.phase, what)] += 1

    def problem(self, what: str) -> None:
        with self.lock:
            if len(self.problems) < 50:
                self.problems.append(f"[{self.phase}] {what}")


def signed_in_browser(port: int, password: str) -> Browser:
    """Signed in through both steps: IMPACS staff give their authenticator app's code with DEBUG off."""
    browser = Browser(port)
    login = browser.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    if login.status != 200 or token is None:
        raise SmokeFailure(f"the sign-in page answered {login.status}")
    answer = browser.request(
        "POST",
        "/accounts/login/",
        form={"csrfmiddlewaretoken": token[1], "username": "smoke", "password": password},
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}/accounts/login/"},
    )
    if answer.status != 302 or answer.headers["Location"] != "/accounts/login/code/":
        raise SmokeFailure(f"signing in answered {answer.status}, not the code step")
    code_page = browser.get("/accounts/login/code/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', code_page.text)
    if token is None:
        raise SmokeFailure(f"the code step answered {code_page.status}")
    answer = browser.request(
        "POST",
        "/accounts/login/code/",
        form={
            "csrfmiddlewaretoken": token[1],
            "code": f"{totp(bytes.fromhex(SMOKE_TOTP_KEY)):06d}",
        },
        headers={"Origin": browser.origin, "Referer": f"{browser.origin}/accounts/login/code/"},
    )
    if answer.status != 302 or answer.headers["Location"] != "/":
        raise SmokeFailure(f"the code step answered {answer.status}")
    return browser


def same_session(signed_in: Browser) -> Browser:
    """Another browser with the same signed-in session (a code is good for one sign-in only)."""
    browser = Browser(signed_in.port)
    browser.cookies = dict(signed_in.cookies)
    return browser


def judge(tally: Tally, response: Response, path: str) -> None:
    """A page answered while the database may be away: fine, or the plain 503 page; nothing else."""
    if response.status in (200, 302):
        tally.saw(str(response.status))
        return
    tally.saw(str(response.status))
    if response.status != 503:
        tally.problem(f"{path} answered {response.status}")
    elif "temporarily unavailable" not in response.text or LEAKS.search(response.text):
        tally.problem(f"{path}: the 503 page is not the plain page: {response.text[:200]!r}")


def reader(browser: Browser, tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100_000):  # bounded; the stop event ends it long before
        if stop.is_set():
            return
        path = rng.choice(READ_PATHS)
        try:
            judge(tally, browser.get(path), path)
        except OSError as exc:  # a worker killed under this request
            tally.saw(f"cut ({type(exc).__name__})")
        time.sleep(0.05)


def writer(
    browser: Browser, tally: Tally, stop: threading.Event, actions: list[int], name: str
) -> None:
    rng = random.Random(name)
    today = dt.date.today().isoformat()
    for number in range(100_000):
        if stop.is_set():
            return
        action = rng.choice(actions)
        path = f"/actions/{action}/"
        try:
            page = browser.get(path)
            judge(tally, page, path)
            if page.status != 200:
                time.sleep(0.2)
                continue
            version = re.search(r'name="version" value="(\d+)"', page.text)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if not version or not token:
                tally.problem(f"{path} has no status form")
                continue
            marker = f"drill {name}-{number}"
            with tally.lock:
                tally.writes[marker] = "sent"
                tally.posting += 1
            answer = browser.request(
                "POST",
                f"/actions/{action}/status/",
                form={
                    "csrfmiddlewaretoken": token[1],
                    "status": rng.choice(STATUSES),
                    "reported_on": today,
                    "note": f"{marker}: reported in the fault drill.",
                    "evidence_url": "",
                    "version": version[1],
                },
                headers={"Origin": browser.origin, "Referer": browser.origin + path},
            )
            outcome = "accepted" if answer.status == 302 else str(answer.status)
            with tally.lock:
                tally.writes[marker] = outcome
                tally.posting -= 1
            # 409: another writer changed the action first, a deliberate refusal.
            if answer.status not in (302, 409):
                judge(tally, answer, f"POST {path}status/")
            else:
                tally.saw(f"write {answer.status}")
        except OSError as exc:
            tally.saw(f"cut ({type(exc).__name__})")
            with tally.lock:
                for marker, outcome in tally.writes.items():
                    if outcome == "sent" and marker.startswith(f"drill {name}-"):
                        tally.writes[marker] = "cut"
                        tally.posting -= 1
        time.sleep(0.02)


def gunicorn_workers(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return sorted(int(pid) for pid in out.split())


def wait_for(what: str, condition: object, seconds: float) -> float:
    """Seconds until condition() holds; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.25)
    raise SmokeFailure(f"{what}: not within {seconds:.0f} s")


def health(browser: Browser) -> int:
    try:
        return browser.get("/healthz", proxied=False).status
    except OSError:
        return 0


def check_writes(database_url: str, tally: Tally) -> None:
    print("Writes: every accepted one is there, none is half done:")
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT u.action_id, u.from_status, u.to_status, u.note, a.status "
            "FROM plans_statusupdate u JOIN plans_action a ON a.id = u.action_id "
            "WHERE u.action_id IN (SELECT action_id FROM plans_statusupdate WHERE note LIKE 'drill %%') "
            # Rows of one action are written one at a time under its row lock, so ids follow the commits.
            "ORDER BY u.action_id, u.id"
        ).fetchall()
    notes = collections.Counter(note.split(":")[0] for _, _, _, note, _ in rows)
    outcomes = collections.Counter(tally.writes.values())
    accepted = [m for m, outcome in tally.writes.items() if outcome == "accepted"]
    lost = [m for m in accepted if m not in notes]
    check(not lost, f"all {len(accepted)} accepted writes are in the database (lost: {lost[:5]})")
    doubled = [m for m, n in notes.items() if m.startswith("drill ") and n > 1]
    check(not doubled, f"no write recorded twice ({doubled[:5]})")
    unanswered = {m: o for m, o in tally.writes.items() if o != "accepted"}
    landed = [m for m in unanswered if m in notes]
    print(
        f"      outcomes: {dict(outcomes)}; of the {len(unanswered)} not accepted, "
        f"{len(landed)} committed before the failure reached them (whole, checked below)"
    )
    chains: dict[int, list[tuple[str, str, str]]] = collections.defaultdict(list)
    for action, from_status, to_status, _, status in rows:
        chains[action].append((from_status, to_status, status))
    broken = []
    for action, chain in chains.items():
        for (_, before, _), (after_from, _, _) in itertools.pairwise(chain):
            if after_from != before:
                broken.append(action)
        if chain[-1][1] != chain[-1][2]:
            broken.append(action)
    check(
        not broken,
        f"the history of each of the {len(chains)} written actions is an unbroken chain ending in "
        f"the action's status (broken: {sorted(set(broken))[:5]})",
    )


def main() -> int:
    database_url = os.environ.get(
        "FAULT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roadmap_faults"
    )
    port = free_port(int(os.environ.get("FAULT_PORT") or 0))
    password = secrets.token_urlsafe(16)
    env = production_env(database_url, password) | {"DB_CONN_MAX_AGE": "60"}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logs = Path(tempfile.mkdtemp(prefix="fault-drill-"))
    server: subprocess.Popen[bytes] | None = None
    stop = threading.Event()
    tally = Tally()
    threads: list[threading.Thread] = []
    try:
        drop_database(database_url, create_afresh=True)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        manage(env, "shell", "--no-imports", "--command", CREATE_STAFF)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        with psycopg.connect(database_url) as connection:
            actions = [
                row[0]
                for row in connection.execute(
                    "SELECT a.id FROM plans_action a JOIN plans_actionplan p ON p.id = a.plan_id "
                    "WHERE p.is_current ORDER BY a.id LIMIT 40"
                )
            ]
        print(f"$ gunicorn on 127.0.0.1:{port}, 2 workers (logs in {logs})", flush=True)
        with (logs / "stdout.log").open("wb") as out, (logs / "stderr.log").open("wb") as err:
            server = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "gunicorn", "--config", "gunicorn.conf.py"),
                    *("--bind", f"127.0.0.1:{port}", "roadmap.wsgi"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
        probe = Browser(port)
        wait_until_serving(server, probe)
        workers_before = gunicorn_workers(server.pid)
        signed_in = signed_in_browser(port, password)
        for n in range(READERS):
            browser = same_session(signed_in)
            threads.append(
                threading.Thread(target=reader, args=(browser, tally, stop, n), daemon=True)
            )
        for n in range(WRITERS):
            browser = same_session(signed_in)
            share = actions[n::WRITERS]
            threads.append(
                threading.Thread(
                    target=writer, args=(browser, tally, stop, share, f"w{n}"), daemon=True
                )
            )
        for thread in threads:
            thread.start()
        wait_for("traffic flows", lambda: sum(tally.answers.values()) >= 30, 60)

        print(f"PostgreSQL stopped for {OUTAGE:g} s under traffic:")
        tally.phase = "database down"
        pg_cluster("stop")
        try:
            waited = wait_for("/healthz says 503", lambda: health(probe) == 503, 10)
            check(True, f"/healthz answers 503 ({waited:.1f} s after the stop)")
            down = probe.get("/healthz", proxied=False)
            check(b"unavailable" in down.body, f"/healthz says: {down.text}")
            time.sleep(max(0.0, OUTAGE - waited))
        finally:
            tally.phase = "database back"
            pg_cluster("start")
        recovered = wait_for("the site answers again", lambda: health(probe) == 200, 60)
        check(True, f"the site answers again by itself, {recovered:.1f} s after PostgreSQL started")
        check(
            server.poll() is None and gunicorn_workers(server.pid) == workers_before,
            "with the same gunicorn master and workers (no restart)",
        )
        tally.phase = "after recovery"
        time.sleep(3)

        print(f"A gunicorn worker killed (SIGKILL) mid-request, {KILLS} times:")
        tally.phase = "worker killed"
        for _ in range(KILLS):
            # While a write is on its way, so that a worker may well be inside its transaction.
            wait_for("a write on its way", lambda: tally.posting > 0, 30)
            time.sleep(random.uniform(0, 0.05))
            victim = random.choice(gunicorn_workers(server.pid))
            os.kill(victim, signal.SIGKILL)
            wait_for(
                "gunicorn replaces the worker",
                lambda victim=victim: (
                    len(gunicorn_workers(server.pid)) == len(workers_before)
                    and victim not in gunicorn_workers(server.pid)
                ),
                30,
            )
            time.sleep(1.5)
        check(True, f"gunicorn replaced each killed worker ({KILLS} kills)")
        tally.phase = "after kills"
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

        print("What the traffic saw:")
        for phase in [
            "warm-up",
            "database down",
            "database back",
            "after recovery",
            "worker killed",
            "after kills",
        ]:
            seen = {what: n for (p, what), n in sorted(tally.answers.items()) if p == phase}
            print(f"      {phase}: {seen}")
        down_answers = {w for (p, w) in tally.answers if p == "database down"}
        check("503" in down_answers, "pages and writes answered 503 while PostgreSQL was down")
        steady = [
            (p, w)
            for (p, w) in tally.answers
            if p in ("warm-up", "after recovery", "after kills")
            and w not in ("200", "302", "write 302", "write 409")
        ]
        check(not steady, f"no error before the stop, after recovery or after the kills ({steady})")
        check(
            not tally.problems,
            "every answer was a page or the plain 503 page"
            + "".join(f"\n{p}" for p in tally.problems),
        )
        check_writes(database_url, tally)
    except (SmokeFailure, subprocess.CalledProcessError, OSError, ValueError) as exc:
        print(f"FAULT DRILL FAILED: {exc}", file=sys.stderr)
        for problem in tally.problems[:10]:
            print(f"      {problem}", file=sys.stderr)
        for name in ("stdout.log", "stderr.log"):
            path = logs / name
            if path.exists():
                print(f"--- {path} (last 30 lines) ---", file=sys.stderr)
                print(
                    "\n".join(path.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr
                )
        return 1
    finally:
        stop.set()
        if not pg_ready():
            pg_cluster("start")
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if os.environ.get("FAULT_KEEP_DATABASE") != "1":
            try:
                drop_database(database_url)
            except psycopg.Error as exc:
                print(f"could not drop the drill's database: {exc}", file=sys.stderr)
    print("Fault drill passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
