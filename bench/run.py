"""`make bench`: how the site's cost grows with its data, and how close it runs to this stack's limit.

1. Data at 1x (the demonstration data), 10x and 100x (load_demo --scale; bulk inserts), each in a database
   of its own: SQLite files by default, PostgreSQL databases when DATABASE_URL is a postgres:// URL.
2. Per page: SQL queries and server time per request (median, 95th percentile of --requests requests).
3. Throughput: gunicorn (2 workers) with DEBUG off on the same databases, wrk at 8 connections, signed in,
   against the dashboard, the country page, the lists, the floor (a minimal signed-in page) and the ceiling
   (the dashboard as a static file). Budgets are ratios to the cached dashboard measured in the same run.
4. Page weight of the dashboard: a first and a repeat visit (compressed, cached).
5. Prints a table, writes docs/benchmarks.md, exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
PY = sys.executable
AS_OF = "2026-11-28"  # fixed, so every run measures the same data
SCALES = [1, 10, 100]
THROUGHPUT_SCALES = [1, 100]
CONNECTIONS = 8
ROUNDS = 3

# Budgets are ratios, so that they hold on any machine (and on one that others are loading).
MAX_DASHBOARD_SLOWDOWN_AT_100X = 3.0
MIN_DASHBOARD_SHARE_OF_FLOOR = 0.5
# Each page's requests/s against the cached dashboard's, by scale.
MIN_SHARE_OF_DASHBOARD = {1: 0.5, 100: 0.25}
# The first view after a write (nothing cached) against the cached view, at 1x.
MAX_COLD_OVER_CACHED = 20.0
COLD_PAGES = ["/", "/countries/jam/"]
MAX_REPEAT_VISIT_BYTES = 50_000
# The first visit of the dashboard (HTML and every static asset, compressed): issue 14, point 6.
MAX_FIRST_VISIT_BYTES = 500_000
SOAK_MARKER, SOAK_END = "<!-- soak -->", "<!-- /soak -->"  # scripts/soak.py's section, kept


# Throughput targets by group, one function each (branches add theirs): {name: (address, budgeted)}.
# A budgeted page must serve MIN_SHARE_OF_DASHBOARD of the dashboard's requests/s.
def regional_targets() -> dict[str, tuple[str, bool]]:
    return {"dashboard": ("/", False), "country page": ("/countries/jam/", True)}


def list_targets() -> dict[str, tuple[str, bool]]:
    return {"/countries/": ("/countries/", True), "/actions/": ("/actions/", True)}


def reference_targets() -> dict[str, tuple[str, bool]]:
    return {
        "floor": ("/accounts/password_change/", False),
        "ceiling": ("/static/bench/dashboard.html", False),
    }


THROUGHPUT_GROUPS = [regional_targets, list_targets, reference_targets]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def base_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(args: list[str], env: dict[str, str], **kwargs: Any) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def database_url(template: str | None, scale: int) -> str:
    """SQLite files by default; with a postgres:// DATABASE_URL, databases named after its own
    (roadmap_speed -> roadmap_speed_bench_1), so that engineers sharing a server do not collide."""
    if template and template.startswith(("postgres://", "postgresql://")):
        server, name = template.split("?", 1)[0].rsplit("/", 1)
        return f"{server}/{name or 'roadmap'}_bench_{scale}"
    return f"sqlite:///{WORK / f'bench-{scale}.sqlite3'}"


def fingerprint() -> str:
    """Data is regenerated when the generator or the schema changes."""
    digest = hashlib.sha256()
    for path in sorted([ROOT / "plans" / "demo.py", *ROOT.glob("*/migrations/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def reset_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_data(url: str, scale: int) -> subprocess.Popen[str] | None:
    """Start filling a database in the background unless it already holds this generator's data."""
    marker = WORK / (hashlib.sha256(url.encode()).hexdigest()[:12] + ".done")
    if marker.exists() and marker.read_text() == fingerprint():
        log(f"reusing {scale}x data in {url}")
        return None
    reset_database(url)
    log(f"generating {scale}x data in {url}")
    env = base_env(url)
    script = (
        f"{PY} manage.py migrate --noinput -v0 && "
        f"{PY} manage.py load_demo --scale {scale} --as-of {AS_OF} 2>/dev/null && "
        f"{PY} bench/prepare.py user && echo -n {fingerprint()} > {marker}"
    )
    return subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, text=True)


def measure_pages(url: str, requests: int, cold_samples: int) -> dict[str, dict[str, float]]:
    out = run(
        [PY, "bench/measure.py", str(requests), str(cold_samples)], base_env(url), timeout=2400
    )
    return json.loads(out.strip().splitlines()[-1])


class Gunicorn:
    def __init__(self, url: str, port: int):
        self.url, self.port = url, port

    def __enter__(self) -> Gunicorn:
        env = base_env(self.url)
        self.process = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "roadmap.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def fetch(
    url: str, cookie: str = "", encoding: str = "br, gzip"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, dict(response.headers), response.read()


def warm(url: str, cookie: str) -> None:
    """Both workers build and cache the page before it is timed (each worker has its own cache, and a
    cold page at 100x takes seconds): rounds of as many parallel requests as connections."""
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for _ in range(3):
            statuses = list(pool.map(lambda _: fetch(url, cookie)[0], range(CONNECTIONS)))
            assert set(statuses) == {200}, (url, statuses)
    wrk(url, cookie, 2)  # and imports, connections


def wrk(url: str, cookie: str, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(g) for g in socket.groups()) if socket else 0
    )
    return {"rps": round(rps, 1), "errors": errors}


def transferred(headers: dict[str, str], body: bytes) -> int:
    return len(body) + sum(len(k) + len(v) + 4 for k, v in headers.items())


def throughput_and_weight(url: str, scale: int, seconds: int, port: int) -> dict[str, Any]:
    env = base_env(url)
    cookie = "sessionid=" + run([PY, "bench/prepare.py", "session"], env).strip()
    base = f"http://127.0.0.1:{port}"
    with Gunicorn(url, port):
        _, _, html = fetch(base + "/", cookie, encoding="identity")
    ceiling = ROOT / "staticfiles" / "bench" / "dashboard.html"
    ceiling.parent.mkdir(parents=True, exist_ok=True)
    ceiling.write_bytes(html)
    result: dict[str, Any] = {}
    targets = {name: path for group in THROUGHPUT_GROUPS for name, (path, _) in group().items()}
    with Gunicorn(url, port):
        for path in targets.values():
            warm(base + path, cookie)
        # Rounds over every target, so that a change in the machine's other load falls on all alike.
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for n in range(ROUNDS):
            log(f"wrk {scale}x round {n + 1} of {ROUNDS}: {len(targets)} targets, {seconds} s each")
            for name, path in targets.items():
                runs[name].append(wrk(base + path, cookie, seconds))
        for name, measured in runs.items():
            result[name] = {
                "rps": round(statistics.mean(m["rps"] for m in measured), 1),
                "errors": sum(m["errors"] for m in measured),
            }
        if scale == 1:
            result["weight"] = page_weight(base, cookie)
    return result


def page_weight(base: str, cookie: str) -> dict[str, Any]:
    _, headers, html = fetch(base + "/", cookie)
    page = transferred(headers, html)
    text = fetch(base + "/", cookie, encoding="identity")[2].decode()
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', text)))
    first, uncached = page, []
    for asset in assets:
        _, asset_headers, asset_body = fetch(base + asset)
        first += transferred(asset_headers, asset_body)
        cache = asset_headers.get("Cache-Control", "")
        max_age = re.search(r"max-age=(\d+)", cache)
        if not max_age or int(max_age.group(1)) < 31536000:
            uncached.append(asset)
    # A repeat visit fetches the HTML again; long-cached assets come from the browser cache.
    repeat = page + sum(transferred(*fetch(base + a)[1:]) for a in uncached)
    return {
        "first_visit_bytes": first,
        "repeat_visit_bytes": repeat,
        "html_bytes": len(html),
        "html_encoding": headers.get("Content-Encoding", "none"),
        "assets": len(assets),
        "not_long_cached": uncached,
    }


def versions() -> str:
    packages = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("Django", "django-tables2", "plotly", "psycopg", "gunicorn", "whitenoise")
    )
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}); "
        f"Python {platform.python_version()}; {packages}; {postgres}; wrk {wrk_version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per target and round")
    parser.add_argument(
        "--conditions",
        default=os.environ.get("BENCH_CONDITIONS", ""),
        help="what else was running on the machine, written into the report",
    )
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (make bench installs it)")
    started = time.time()
    WORK.mkdir(exist_ok=True)
    given = os.environ.get("DATABASE_URL", "")
    page_urls = {s: database_url(given or None, s) for s in SCALES}

    # Generate every database at once: the machine has two cores and most of the work is the database's.
    jobs = [start_data(u, s) for s, u in page_urls.items()]
    for job in jobs:
        if job is not None and job.wait() != 0:
            sys.exit("data generation failed")

    # DEBUG off serves hashed static names from the manifest that collectstatic writes.
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], base_env(page_urls[1]))
    pages: dict[int, dict[str, dict[str, float]]] = {}
    for scale, url in page_urls.items():
        log(f"measuring pages at {scale}x ({args.requests} requests each)")
        pages[scale] = measure_pages(url, args.requests, 5 if scale == 1 else 1)
    load: dict[int, dict[str, Any]] = {}
    for scale in THROUGHPUT_SCALES:
        load[scale] = throughput_and_weight(page_urls[scale], scale, args.seconds, args.port)

    report, failures = render(pages, load, page_urls, args, time.time() - started)
    # Plan workbooks (issue 11): a section of its own, appended to the report.
    workbook_lines, workbook_failures = workbook_section(page_urls[1])
    report += "\n".join(workbook_lines)
    failures += workbook_failures
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report + kept_soak_section(args.output))
    log(f"wrote {args.output.relative_to(ROOT)}")
    if failures:
        sys.exit("budget missed:\n- " + "\n- ".join(failures))


def kept_soak_section(path: Path) -> str:
    """The section `make soak` (scripts/soak.py) wrote into the same file, kept as it is."""
    text = path.read_text() if path.exists() else ""
    if SOAK_MARKER not in text or SOAK_END not in text:
        return ""
    return (
        "\n" + SOAK_MARKER + text.split(SOAK_MARKER, 1)[1].split(SOAK_END, 1)[0] + SOAK_END + "\n"
    )


def render(
    pages: dict[int, Any], load: dict[int, Any], urls: dict[int, str], args: Any, elapsed: float
) -> tuple[str, list[str]]:
    failures: list[str] = []
    engine = "PostgreSQL" if urls[1].startswith("postgres") else "SQLite"
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` ({time.strftime('%Y-%m-%d %H:%M %Z')}, {elapsed / 60:.1f} minutes). "
        f"Data as of {AS_OF}; machine: {versions()}.",
        "",
        f"Conditions: {args.conditions or 'not stated'}; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}. Budgets are ratios between pages measured in the "
        "same run, so that they hold on a machine others are loading; absolute numbers are not comparable "
        "between runs.",
        "",
        *pages_section(pages, engine, args, failures),
        *throughput_section(load, engine, args, failures),
    ]
    weight = load[1]["weight"]
    dash = {s: pages[s]["/"] for s in SCALES}
    lines += [
        "",
        "## Reading the numbers",
        "",
        "- The bodies of the dashboard, the country pages and the lists are cached as HTML (`plans/caching.py`), "
        "keyed on the data version that every write bumps, the date, the language, what the reader may see "
        "and the query string; the page around them (header, user name, messages, forms) is rendered per "
        "request. So the timed requests are what readers get between changes: the dashboard "
        f"{dash[1]['median_ms']:.1f} ms at 1x and {dash[100]['median_ms']:.1f} ms at 100x.",
        "- Cold is the first view after a write (nothing cached, in a warm process; the median of 5 at 1x, "
        "one request at the other scales): the dashboard "
        f"{dash[1]['cold_ms']:.0f} ms at 1x and {dash[100]['cold_ms']:.0f} ms at 100x, most of it at 100x the "
        "regional trend's aggregation over every status update. The country page and the lists grow with "
        "what they show when cold (a plan at 100x has over 3,000 actions); real plans have 20 to 40.",
        "- The CSV export writes every row of the filtered list (at 100x about 36,000 actions) and is never cached.",
        "",
        "The floor is `/accounts/password_change/`: sign-in check, session, base template and a small form.",
        "",
        "## Page weight of the dashboard (1x)",
        "",
        f"- First visit: {weight['first_visit_bytes'] / 1000:.1f} KB transferred (HTML and {weight['assets']} static "
        "assets, compressed by WhiteNoise; headers included).",
        f"- Repeat visit: {weight['repeat_visit_bytes'] / 1000:.1f} KB (the HTML, {weight['html_encoding']} encoding; "
        "every static asset is hashed and cached for a year)"
        + (
            f"; not long-cached: {', '.join(weight['not_long_cached'])}"
            if weight["not_long_cached"]
            else ""
        )
        + ".",
    ]
    if weight["repeat_visit_bytes"] >= MAX_REPEAT_VISIT_BYTES:
        failures.append(f"repeat visit {weight['repeat_visit_bytes']} bytes")
    if weight["first_visit_bytes"] >= MAX_FIRST_VISIT_BYTES:
        failures.append(f"first visit {weight['first_visit_bytes']} bytes")
    slowdown = pages[100]["/"]["median_ms"] / pages[1]["/"]["median_ms"]
    lines += [
        "",
        "## Budgets",
        "",
        *[f"- MISSED: {failure}" for failure in failures],
        f"- Queries per page identical at {', '.join(f'{s}x' for s in SCALES)}; dashboard median at 100x within "
        f"{MAX_DASHBOARD_SLOWDOWN_AT_100X:g}x of 1x ({slowdown:.2f}x); dashboard at least "
        f"{MIN_DASHBOARD_SHARE_OF_FLOOR:g} of the floor; country page, /countries/ and /actions/ at least "
        + " and ".join(
            f"{share:g} of the dashboard at {s}x" for s, share in MIN_SHARE_OF_DASHBOARD.items()
        )
        + f"; cold dashboard and country page within {MAX_COLD_OVER_CACHED:g}x their cached time at 1x; "
        f"no errors under load; first visit under {MAX_FIRST_VISIT_BYTES // 1000} KB "
        f"({weight['first_visit_bytes'] / 1000:.1f} KB); repeat visit under "
        f"{MAX_REPEAT_VISIT_BYTES // 1000} KB ({weight['repeat_visit_bytes'] / 1000:.1f} KB): "
        + ("every one met." if not failures else f"{len(failures)} missed (above)."),
        "",
    ]
    return "\n".join(lines), failures


def pages_section(pages: dict[int, Any], engine: str, args: Any, failures: list[str]) -> list[str]:
    lines = [
        f"## Per page ({engine}, {args.requests} signed-in requests each, in-process, DEBUG off)",
        "",
        "| page | "
        + " | ".join(f"queries {s}x" for s in SCALES)
        + " | "
        + " | ".join(f"median {s}x (ms)" for s in SCALES)
        + " | p95 100x (ms) | cold 1x (ms) | cold / cached 1x | cold 100x (ms) | size 1x (KB) |",
        "|---|" + "---:|" * (2 * len(SCALES) + 5),
    ]
    for page in pages[1]:
        queries = [pages[s][page]["queries"] for s in SCALES]
        cold_ratio = pages[1][page]["cold_ms"] / max(pages[1][page]["median_ms"], 0.1)
        lines.append(
            f"| `{page}` | "
            + " | ".join(str(q) for q in queries)
            + " | "
            + " | ".join(f"{pages[s][page]['median_ms']:.1f}" for s in SCALES)
            + f" | {pages[100][page]['p95_ms']:.1f} | {pages[1][page]['cold_ms']:.1f} | {cold_ratio:.1f}x"
            + f" | {pages[100][page]['cold_ms']:.1f} | {pages[1][page]['bytes'] / 1000:.1f} |"
        )
        if len(set(queries)) != 1:
            failures.append(f"{page}: queries differ across scales: {queries}")
        if page in COLD_PAGES and cold_ratio > MAX_COLD_OVER_CACHED:
            failures.append(
                f"{page}: cold at 1x is {cold_ratio:.1f}x the cached time (budget {MAX_COLD_OVER_CACHED:g}x)"
            )
    slowdown = pages[100]["/"]["median_ms"] / pages[1]["/"]["median_ms"]
    if slowdown > MAX_DASHBOARD_SLOWDOWN_AT_100X:
        failures.append(
            f"dashboard median at 100x is {slowdown:.2f}x its 1x time (budget {MAX_DASHBOARD_SLOWDOWN_AT_100X}x)"
        )
    return [
        *lines,
        "",
        "Scale: 1x is the demonstration data; 10x and 100x have ten and a hundred times the "
        "actions per plan and longer status histories (100x: about 36,000 actions and 860,000 status updates).",
        "",
    ]


def throughput_section(
    load: dict[int, Any], engine: str, args: Any, failures: list[str]
) -> list[str]:
    targets = {name: spec for group in THROUGHPUT_GROUPS for name, spec in group().items()}
    lines = [
        f"## Throughput (gunicorn, 2 workers, {engine}, DEBUG off; wrk {CONNECTIONS} connections, "
        f"{ROUNDS} rounds of {args.seconds} s per page, signed in)",
        "",
        "Requests per second (the mean of the rounds), and in brackets the share of the cached dashboard's "
        "in the same run.",
        "",
        "| scale | " + " | ".join(targets) + " | errors |",
        "|---|" + "---:|" * (len(targets) + 1),
    ]
    for scale, result in load.items():
        dashboard = result["dashboard"]["rps"]
        errors = sum(result[name]["errors"] for name in targets)
        cells = [
            f"{result[name]['rps']:.0f} ({result[name]['rps'] / dashboard:.2f})" for name in targets
        ]
        lines.append(f"| {scale}x | " + " | ".join(cells) + f" | {errors} |")
        minimum = MIN_SHARE_OF_DASHBOARD.get(scale, MIN_SHARE_OF_DASHBOARD[100])
        for name, (_, budgeted) in targets.items():
            share = result[name]["rps"] / dashboard
            if budgeted and share < minimum:
                failures.append(
                    f"{scale}x: {name} serves {share:.2f} of the dashboard's requests/s (budget {minimum:g})"
                )
        floor_share = dashboard / result["floor"]["rps"]
        if floor_share < MIN_DASHBOARD_SHARE_OF_FLOOR:
            failures.append(
                f"{scale}x: dashboard throughput is {floor_share:.2f} of the floor's (budget {MIN_DASHBOARD_SHARE_OF_FLOOR})"
            )
        if errors:
            failures.append(f"{scale}x: {errors} errors under load")
    return lines


# --- Plan workbooks (issue 11) ----------------------------------------------------------------------
# Kept apart from the page and throughput sections above, so that changes to either merge cleanly.

MAX_WORKBOOK_APPLY_RATIO = 10.0  # the 400-action apply within 10x the 40-action one


def workbook_section(url: str) -> tuple[list[str], list[str]]:
    """Preview and apply of a 40- and a 400-action workbook (bench/workbooks.py), with its budgets."""
    log("measuring workbook preview and apply (40 and 400 actions)")
    out = run([PY, "bench/workbooks.py"], base_env(url), timeout=900)
    result = json.loads(out.strip().splitlines()[-1])
    small, large = result["40"], result["400"]
    failures: list[str] = []
    ratio = large["apply_ms"] / small["apply_ms"]
    if large["preview_queries"] != small["preview_queries"]:
        failures.append(
            f"workbook preview queries grow with rows: {small['preview_queries']} -> {large['preview_queries']}"
        )
    # SQLite caps the parameters of one statement (999), so there a bulk insert of 400 rows goes in
    # batches; PostgreSQL takes each in one statement.
    if url.startswith("postgres") and large["apply_queries"] != small["apply_queries"]:
        failures.append(
            f"workbook apply queries grow with rows: {small['apply_queries']} -> {large['apply_queries']}"
        )
    if ratio > MAX_WORKBOOK_APPLY_RATIO:
        failures.append(f"400-action apply is {ratio:.1f}x the 40-action one (budget 10x)")
    lines = [
        "",
        "## Plan workbooks (1x database; a new plan with one milestone per action, median of 5)",
        "",
        "| actions | file (KB) | preview (ms) | preview queries | apply (ms) | apply queries |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size, row in result.items():
        lines.append(
            f"| {size} | {row['bytes'] / 1000:.1f} | {row['preview_ms']:.1f} | {row['preview_queries']} "
            f"| {row['apply_ms']:.1f} | {row['apply_queries']} |"
        )
    lines += [
        "",
        f"- Preview queries the same at 40 and 400 actions: "
        f"{'met' if small['preview_queries'] == large['preview_queries'] else 'MISSED'}.",
        f"- Apply writes in bulk (queries {small['apply_queries']} and {large['apply_queries']}; SQLite splits "
        "a large insert into batches of 999 parameters, so only PostgreSQL must show the same count): "
        f"{'met' if not any('apply queries' in f for f in failures) else 'MISSED'}.",
        f"- 400-action apply within {MAX_WORKBOOK_APPLY_RATIO:g}x the 40-action one: {ratio:.1f}x, "
        f"{'met' if ratio <= MAX_WORKBOOK_APPLY_RATIO else 'MISSED'}.",
        "",
    ]
    return lines, failures


if __name__ == "__main__":
    main()
