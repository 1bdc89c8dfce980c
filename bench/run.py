"""`make bench`: how the site's cost grows with its data, and how close it runs to this stack's limit.

1. Data at 1x (the demonstration data), 10x and 100x (load_demo --scale; bulk inserts), each in a database
   of its own: SQLite files by default, PostgreSQL databases when DATABASE_URL is a postgres:// URL.
2. Per page: SQL queries and server time per request (median, 95th percentile of --requests requests).
3. Throughput: gunicorn (2 workers) on PostgreSQL with DEBUG off, wrk at 16 connections for 20 s, signed in,
   against the dashboard, the floor (a minimal signed-in page) and the ceiling (the dashboard as a static file).
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
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
PY = sys.executable
AS_OF = "2026-11-28"  # fixed, so every run measures the same data
SCALES = [1, 10, 100]
THROUGHPUT_SCALES = [1, 100]
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/roadmap_bench"

# Budgets are ratios, so that they hold on any machine.
MAX_DASHBOARD_SLOWDOWN_AT_100X = 3.0
MIN_DASHBOARD_SHARE_OF_FLOOR = 0.5
MAX_REPEAT_VISIT_BYTES = 50_000


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
    if template and template.startswith(("postgres://", "postgresql://")):
        server = template.split("?", 1)[0].rsplit("/", 1)[0]
        return f"{server}/roadmap_bench_{scale}"
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


def measure_pages(url: str, requests: int) -> dict[str, dict[str, float]]:
    out = run([PY, "bench/measure.py", str(requests)], base_env(url), timeout=900)
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
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def wrk(url: str, cookie: str, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Cookie: {cookie}", url],
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
    with Gunicorn(url, port):
        for name, path in [
            ("dashboard", "/"),
            ("floor", "/accounts/password_change/"),
            ("ceiling", "/static/bench/dashboard.html"),
        ]:
            status, _, _ = fetch(base + path, cookie)
            assert status == 200, (path, status)
            wrk(base + path, cookie, 2)  # warm up: imports, connections and caches of both workers
            log(f"wrk {scale}x {name} ({seconds} s)")
            result[name] = wrk(base + path, cookie, seconds)
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
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration per target")
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (make bench installs it)")
    started = time.time()
    WORK.mkdir(exist_ok=True)
    given = os.environ.get("DATABASE_URL", "")
    pg_template = (
        given if given.startswith("postgres") else os.environ.get("BENCH_PG_URL", PG_DEFAULT)
    )
    page_urls = {s: database_url(given or None, s) for s in SCALES}
    pg_urls = {s: database_url(pg_template, s) for s in THROUGHPUT_SCALES}

    # Generate every database at once: the machine has two cores and most of the work is the database's.
    jobs = [start_data(u, s) for s, u in page_urls.items()]
    jobs += [start_data(u, s) for s, u in pg_urls.items() if u not in page_urls.values()]
    for job in jobs:
        if job is not None and job.wait() != 0:
            sys.exit("data generation failed")

    # DEBUG off serves hashed static names from the manifest that collectstatic writes.
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], base_env(page_urls[1]))
    pages: dict[int, dict[str, dict[str, float]]] = {}
    for scale, url in page_urls.items():
        log(f"measuring pages at {scale}x ({args.requests} requests each)")
        pages[scale] = measure_pages(url, args.requests)
    load: dict[int, dict[str, Any]] = {}
    for scale, url in pg_urls.items():
        load[scale] = throughput_and_weight(url, scale, args.seconds, args.port)

    report, failures = render(pages, load, page_urls, args, time.time() - started)
    # Plan workbooks (issue 11): a section of its own, appended to the report.
    workbook_lines, workbook_failures = workbook_section(page_urls[1])
    report += "\n".join(workbook_lines)
    failures += workbook_failures
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    log(f"wrote {args.output.relative_to(ROOT)}")
    if failures:
        sys.exit("budget missed:\n- " + "\n- ".join(failures))


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
        f"## Per page ({engine}, {args.requests} signed-in requests each, in-process, DEBUG off)",
        "",
        "| page | "
        + " | ".join(f"queries {s}x" for s in SCALES)
        + " | "
        + " | ".join(f"median {s}x (ms)" for s in SCALES)
        + " | p95 100x (ms) | cold 1x (ms) | cold 100x (ms) | size 1x (KB) |",
        "|---|" + "---:|" * (2 * len(SCALES) + 4),
    ]
    for page in pages[1]:
        queries = [pages[s][page]["queries"] for s in SCALES]
        lines.append(
            f"| `{page}` | "
            + " | ".join(str(q) for q in queries)
            + " | "
            + " | ".join(f"{pages[s][page]['median_ms']:.1f}" for s in SCALES)
            + f" | {pages[100][page]['p95_ms']:.1f} | {pages[1][page]['cold_ms']:.1f}"
            + f" | {pages[100][page]['cold_ms']:.1f} | {pages[1][page]['bytes'] / 1000:.1f} |"
        )
        if len(set(queries)) != 1:
            failures.append(f"{page}: queries differ across scales: {queries}")
    slowdown = pages[100]["/"]["median_ms"] / pages[1]["/"]["median_ms"]
    if slowdown > MAX_DASHBOARD_SLOWDOWN_AT_100X:
        failures.append(
            f"dashboard median at 100x is {slowdown:.2f}x its 1x time (budget {MAX_DASHBOARD_SLOWDOWN_AT_100X}x)"
        )
    lines += [
        "",
        "Scale: 1x is the demonstration data; 10x and 100x have ten and a hundred times the "
        "actions per plan and longer status histories (100x: about 36,000 actions and 860,000 status updates).",
        "",
        "## Throughput (gunicorn, 2 workers, PostgreSQL, DEBUG off; wrk 16 connections, "
        f"{args.seconds} s, signed in)",
        "",
        "| scale | dashboard (req/s) | floor: minimal signed-in page (req/s) | ceiling: static dashboard HTML (req/s) | dashboard / floor | floor / ceiling | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scale, result in load.items():
        share = result["dashboard"]["rps"] / result["floor"]["rps"]
        errors = sum(result[k]["errors"] for k in ("dashboard", "floor", "ceiling"))
        lines.append(
            f"| {scale}x | {result['dashboard']['rps']:.0f} | {result['floor']['rps']:.0f} | "
            f"{result['ceiling']['rps']:.0f} | {share:.2f} | {result['floor']['rps'] / result['ceiling']['rps']:.2f} | {errors} |"
        )
        if share < MIN_DASHBOARD_SHARE_OF_FLOOR:
            failures.append(
                f"{scale}x: dashboard throughput is {share:.2f} of the floor's (budget {MIN_DASHBOARD_SHARE_OF_FLOOR})"
            )
        if errors:
            failures.append(f"{scale}x: {errors} errors under load")
    weight = load[1]["weight"]
    dash = {s: pages[s]["/"] for s in SCALES}
    lines += [
        "",
        "## Reading the numbers",
        "",
        "- The dashboard's body is cached as HTML, keyed on the data version that every write bumps "
        "(`plans.models.DataVersion`) and on the date, so the timed requests are what users see between "
        f"changes: {dash[1]['median_ms']:.1f} ms at 1x and {dash[100]['median_ms']:.1f} ms at 100x. The first "
        f"view after a write rebuilds the figures: {dash[1]['cold_ms']:.0f} ms at 1x, "
        f'{dash[100]["cold_ms"]:.0f} ms at 100x (the "cold" columns), most of it the regional trend\'s '
        "aggregation over every status update (grouped by day in SQL).",
        "- The country page and the lists show more rows as the data grows (a plan at 100x has over 3,000 "
        "actions), so their time grows with what they show, with a fixed number of queries. Real plans have "
        "20 to 40 actions, as at 1x.",
        "- The CSV export writes every row of the filtered list: at 100x that is about 36,000 actions.",
    ]
    lines += [
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
        "",
        "## Budgets",
        "",
        f"- Queries per page identical at 1x, 10x and 100x: {'met' if not any('queries' in f for f in failures) else 'MISSED'}.",
        f"- Dashboard median server time at 100x within {MAX_DASHBOARD_SLOWDOWN_AT_100X:g}x of 1x: {slowdown:.2f}x, "
        f"{'met' if slowdown <= MAX_DASHBOARD_SLOWDOWN_AT_100X else 'MISSED'}.",
        f"- Dashboard throughput at least {MIN_DASHBOARD_SHARE_OF_FLOOR:g} of the floor at 1x and 100x, no errors: "
        f"{'met' if not any('throughput' in f or 'errors' in f for f in failures) else 'MISSED'}.",
        f"- Repeat visit under {MAX_REPEAT_VISIT_BYTES // 1000} KB: {weight['repeat_visit_bytes'] / 1000:.1f} KB, "
        f"{'met' if weight['repeat_visit_bytes'] < MAX_REPEAT_VISIT_BYTES else 'MISSED'}.",
        "",
    ]
    if weight["repeat_visit_bytes"] >= MAX_REPEAT_VISIT_BYTES:
        failures.append(f"repeat visit {weight['repeat_visit_bytes']} bytes")
    return "\n".join(lines), failures


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
