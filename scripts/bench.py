"""`make bench`: load a calendar at scale, serve it with the production stack, measure.

Serves with gunicorn (2 sync workers, production settings) on PostgreSQL when
DATABASE_URL is set (else SQLite under var/bench/), measures every public
surface with wrk, and prints one table: req/s, p50, p99 and the ratio to
/healthz measured in the same run, with the targets of the performance issue.
"""

import argparse
import contextlib
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        SITE_URL=f"http://127.0.0.1:{port}",
        ASEANCAL_BENCH="1",
        LOG_LEVEL="WARNING",
        # Production throttles anonymous API clients; one load generator would only get 429s.
        API_ANON_RATE=env.get("BENCH_API_ANON_RATE", "100000000/second"),
    )
    env.setdefault("ASEANCAL_VAR_DIR", str(ROOT / "var" / "bench"))
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if get(url)[0] == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"server did not answer {url}")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
# A wrk script giving each request a URL of its own, so no response comes from memory.
UNCACHED = ROOT / "scripts" / "wrk-uncached.lua"
# The same for search, rotating the terms searched (places, people, formats, a typo).
SEARCHES = ROOT / "scripts" / "wrk-search.lua"


def wrk(
    url: str,
    duration: int,
    connections: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        latency[pct] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rate,
        "p50": latency["50"],
        "p99": latency["99"],
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def pick_targets(env: dict[str, str]) -> dict[str, str]:
    """A feed window holding about 1,000 published meetings, a meeting, a month."""
    script = (
        "from meetings.models import Meeting\n"
        "from django.utils import timezone\n"
        "days = list(Meeting.objects.filter(published=True, slug__startswith='gen-', "
        "first_day__gte=timezone.localdate()).order_by('first_day')"
        ".values_list('first_day', flat=True)[:1000])\n"
        "m = Meeting.objects.filter(published=True, slug__startswith='gen-', "
        "first_day__gte=timezone.localdate()).order_by('first_day').first()\n"
        "print(days[0], days[-1], m.slug, m.pk)\n"
    )
    first, last, slug, pk = manage(env, "shell", "-c", script).splitlines()[-1].split()
    return {"from": first, "to": last, "slug": slug, "pk": pk}


def settle(base: str, seconds: float = 120) -> None:
    """Wait until the server has worked off what the last load left queued."""
    deadline = time.monotonic() + seconds
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        get(base + "/healthz")
        quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
        time.sleep(0.05)


def time_request(url: str) -> float:
    start = time.perf_counter()
    status, _, _ = get(url)
    assert status == 200, (url, status)
    return time.perf_counter() - start


def touch_meeting(env: dict[str, str], pk: str) -> None:
    manage(
        env,
        "shell",
        "-c",
        (
            "from meetings.models import Meeting\nfrom meetings import services\n"
            f"m = Meeting.objects.get(pk={pk})\nm.title = m.title + ' (updated)'\n"
            "services.meeting_save(meeting=m, by=None, reason='bench')\n"
        ),
    )


def start_nginx(port: int, upstream: int, workdir: Path) -> subprocess.Popen | None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        return None
    # nginx's workers run as another user and write their cache here (a throwaway dir).
    os.chmod(workdir, 0o777)  # noqa: S103
    lines = []
    for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines():
        line = line.replace("/var/cache/nginx", str(workdir))
        if "# bench: pid" in line:
            line = f"pid {workdir}/nginx.pid;"
        elif "# bench: upstream" in line:
            line = f"server 127.0.0.1:{upstream};"
        elif "# bench: listen" in line:
            line = f"listen 127.0.0.1:{port};"
        lines.append(line)
    conf = "\n".join(lines)
    path = workdir / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen([nginx, "-c", str(path), "-g", "daemon off;"])
    wait_up(f"http://127.0.0.1:{port}/healthz")
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meetings", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8300)
    args = parser.parse_args()
    env = server_env(args.port)
    Path(env["ASEANCAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"

    started = time.perf_counter()
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    count = manage(
        env,
        "shell",
        "-c",
        (
            "from meetings.models import Meeting; "
            "print(Meeting.objects.filter(slug__startswith='gen-').count())"
        ),
    ).splitlines()[-1]
    if count != str(args.meetings):
        manage(env, "generate_calendar", "--meetings", str(args.meetings))
    print(
        f"calendar of {args.meetings} meetings ready on {database} "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    targets = pick_targets(env)

    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "aseancal.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    rows: list[tuple[str, dict]] = []
    notes: list[str] = []
    try:
        wait_up(base + "/healthz")
        feed = f"/feeds/meetings.ics?from={targets['from']}&to={targets['to']}"
        # The first request of a fresh server builds every VEVENT: the cold build.
        started = time.perf_counter()
        status, headers, body = get(base + feed)
        cold = time.perf_counter() - started
        etag = headers.get("ETag", "")
        events = body.count(b"BEGIN:VEVENT")
        notes.append(f"feed: {events} events, {len(body):,} bytes, status {status}, ETag {etag}")
        month = f"/calendar/{targets['from'][:4]}/{targets['from'][5:7]}/"
        cases = [
            ("/healthz (floor)", "/healthz", None, None),
            (
                f"bytes from memory ({len(body) // 1024} KB)",
                f"/_bench/bytes/{len(body)}",
                None,
                None,
            ),
            ("feed, 1,000 meetings (200)", feed, None, None),
            ("feed, 1,000 meetings (304)", feed, {"If-None-Match": etag} if etag else None, None),
            ("meeting list page", "/meetings/", None, None),
            ("meeting page", f"/meetings/{targets['slug']}/", None, None),
            ("month page", month, None, None),
            ("API meeting list, 100 items", "/api/v1/meetings/?page_size=100", None, None),
            ("API meeting detail", f"/api/v1/meetings/{targets['slug']}/", None, None),
            ("/readyz", "/readyz", None, None),
            # Every request a new URL: what a page costs when it is not in memory.
            ("meeting list page, each uncached", "/meetings/", None, UNCACHED),
            ("meeting page, each uncached", f"/meetings/{targets['slug']}/", None, UNCACHED),
            ("month page, each uncached", month, None, UNCACHED),
            ("API list of 100, each uncached", "/api/v1/meetings/?page_size=100", None, UNCACHED),
            ("search page", "/search/?q=Vientiane", None, None),
            ("search page, each uncached", "/search/?q=Vientiane", None, SEARCHES),
        ]
        for label, path, extra, script in cases:
            settle(base)
            get(base + path, extra)  # warm both workers' caches before measuring
            get(base + path, extra)
            rows.append((label, wrk(base + path, args.duration, args.connections, extra, script)))
            print(f"  measured {label}", flush=True)

        # One change, then the next request: it must not rebuild the unchanged events.
        settle(base)
        touch_meeting(env, targets["pk"])
        # Workers read the calendar version again after RESPONSE_CACHE_REVALIDATE seconds.
        time.sleep(float(env.get("RESPONSE_CACHE_REVALIDATE", "1")) + 0.2)
        # Each worker holds its own VEVENTs: the first two requests after the change.
        after = [time_request(base + feed) for _ in range(2)]
        notes.append(
            f"feed cold build {cold * 1000:.0f} ms; first requests after one meeting changed "
            f"{after[0] * 1000:.1f} ms and {after[1] * 1000:.1f} ms = "
            f"{max(after) / cold:.1%} of cold (target <= 5%)"
        )

        with tempfile.TemporaryDirectory(prefix="aseancal-nginx-") as workdir:
            nginx = start_nginx(args.port + 1, args.port, Path(workdir))
            if nginx is None:
                notes.append(
                    "nginx not installed: proxy rows skipped (apt-get install nginx-light)"
                )
            else:
                try:
                    proxied = f"http://127.0.0.1:{args.port + 1}{feed}"
                    get(proxied)
                    _, proxied_headers, _ = get(proxied)
                    rows.append(
                        (
                            "nginx proxy_cache, feed (200)",
                            wrk(proxied, args.duration, args.connections),
                        )
                    )
                    rows.append(
                        (
                            "nginx proxy_cache, feed (304)",
                            wrk(
                                proxied,
                                args.duration,
                                args.connections,
                                {"If-None-Match": proxied_headers.get("ETag", etag)},
                            ),
                        )
                    )
                    rows.append(
                        (
                            "nginx, static file",
                            wrk(
                                f"http://127.0.0.1:{args.port + 1}/static/admin/css/base.css",
                                args.duration,
                                args.connections,
                            ),
                        )
                    )
                finally:
                    nginx.terminate()
                    nginx.wait(timeout=10)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    counts = subprocess.run(
        [PYTHON, "scripts/bench_queries.py", targets["slug"], month, feed],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    notes.append(counts.stdout.strip() or f"query counts: {counts.stderr.strip()[-300:]}")
    planner = subprocess.run(
        [PYTHON, "scripts/bench_planner.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    notes.append(planner.stdout.strip() or f"planner: {planner.stderr.strip()[-300:]}")

    floor = rows[0][1]["rps"]
    memory = rows[1][1]["rps"]
    print(
        f"\nmachine: {os.cpu_count()} cores; gunicorn 2 sync workers; {database}; "
        f"wrk -t2 -c{args.connections} -d{args.duration}s; {dt.date.today()}"
    )
    print(
        f"| {'case':<34} | {'req/s':>9} | {'p50 ms':>8} | {'p99 ms':>8} | "
        f"{'/healthz':>8} | {'non-2xx':>7} |"
    )
    print(f"|{'-' * 36}|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
    for label, result in rows:
        print(
            f"| {label:<34} | {result['rps']:>9.1f} | {result['p50']:>8.2f} | "
            f"{result['p99']:>8.2f} | {result['rps'] / floor:>8.2f} | {result['non2xx']:>7} |"
        )
    by_label = dict(rows)
    targets_table = [
        (
            "feed 304 >= 0.9 x bytes from memory",
            by_label["feed, 1,000 meetings (304)"]["rps"] / memory,
            0.9,
        ),
        (
            "feed 304 >= 0.9 x /healthz (the stricter reading)",
            by_label["feed, 1,000 meetings (304)"]["rps"] / floor,
            0.9,
        ),
        (
            "feed 200 >= 0.8 x bytes from memory",
            by_label["feed, 1,000 meetings (200)"]["rps"] / memory,
            0.8,
        ),
        ("meeting list page >= 0.5 x /healthz", by_label["meeting list page"]["rps"] / floor, 0.5),
        ("meeting page >= 0.5 x /healthz", by_label["meeting page"]["rps"] / floor, 0.5),
        ("month page >= 0.5 x /healthz", by_label["month page"]["rps"] / floor, 0.5),
        (
            "API list of 100 >= 0.3 x /healthz",
            by_label["API meeting list, 100 items"]["rps"] / floor,
            0.3,
        ),
        ("search page >= 0.5 x /healthz", by_label["search page"]["rps"] / floor, 0.5),
    ]
    if database == "PostgreSQL":
        targets_table.append(
            (
                "search page, each uncached >= 0.05 x /healthz",
                by_label["search page, each uncached"]["rps"] / floor,
                0.05,
            )
        )
    print()
    for label, ratio, goal in targets_table:
        print(f"{'met ' if ratio >= goal else 'MISSED'}  {label}: {ratio:.2f}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
