"""PostgreSQL restarted under a stream of API writes: nothing confirmed is lost.

gunicorn serves the app with production settings (persistent connections with
health checks, DEBUG off) on a private cluster; a thread creates meetings through
the API one after another while the cluster is restarted twice: once `fast`
(sessions ended, checkpoint) and once `immediate` (a crash, recovered from WAL).
"""

import datetime as dt
import json
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

import psycopg
import pytest

from tests.conftest import SERVICES

from .conftest import HOST, manage, production_env, wait_for

pytestmark = [pytest.mark.faults, SERVICES]

WRITES_PER_PHASE = 15
SETUP = """
import json
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from meetings.models import Venue

user = User.objects.create_user("writer", is_staff=True)
user.groups.add(Group.objects.get(name="Secretariat editors"))
venue = Venue.objects.order_by("pk").first()
print(json.dumps({"token": Token.objects.create(user=user).key, "venue": venue.pk}))
"""


@dataclass(frozen=True)
class Answer:
    title: str
    phase: int  # how many restarts had begun when the request was sent
    status: int  # 0: no HTTP answer at all
    body: str


class Writer(threading.Thread):
    """Creates meetings through the API, one after another, until told to stop."""

    def __init__(self, base: str, token: str, venue: int):
        super().__init__(daemon=True)
        self.base, self.token, self.venue = base, token, venue
        self.answers: list[Answer] = []
        self.phase = 0
        self.halt = threading.Event()

    def payload(self, n: int) -> tuple[str, bytes]:
        title = f"Fault write {n:04d}"
        start = dt.datetime(2031, 1, 6, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=n)
        body = {
            "format": "SOM",
            "title": title,
            "venue": self.venue,
            "host": "KH",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=3)).isoformat(),
            "published": True,
        }
        return title, json.dumps(body).encode()

    def post(self, data: bytes) -> tuple[int, str]:
        request = urllib.request.Request(
            f"{self.base}/api/v1/meetings/",
            data=data,
            method="POST",
            headers={
                "Host": HOST,
                "X-Forwarded-Proto": "https",  # behind the TLS proxy, as in production
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except OSError as error:
            return 0, repr(error)

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            n += 1
            phase = self.phase
            title, data = self.payload(n)
            status, body = self.post(data)
            self.answers.append(Answer(title, phase, status, body))

    def confirmed(self, phase: int) -> int:
        return sum(1 for a in list(self.answers) if a.phase == phase and 200 <= a.status < 300)


def test_postgres_restarted_during_writes_keeps_every_confirmed_write(
    private_postgres, gunicorn, tmp_path, capsys
):
    database = f"{private_postgres.url}/aseancal"
    with psycopg.connect(f"{private_postgres.url}/postgres", autocommit=True) as admin:
        admin.execute("CREATE DATABASE aseancal")
    env = production_env(tmp_path / "var", DATABASE_URL=database)
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    ids = json.loads(manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    server = gunicorn(env, tmp_path / "gunicorn.log")
    writer = Writer(server.base, ids["token"], ids["venue"])
    try:
        writer.start()
        for phase, mode in enumerate(("fast", "immediate"), start=1):
            wait_for(
                lambda: writer.confirmed(writer.phase) >= WRITES_PER_PHASE,
                90,
                f"{WRITES_PER_PHASE} confirmed writes in phase {writer.phase}",
            )
            writer.phase = phase
            private_postgres.restart(mode)
        # Served again by the same processes: no restart of the app.
        wait_for(
            lambda: writer.confirmed(2) >= WRITES_PER_PHASE,
            90,
            f"{WRITES_PER_PHASE} confirmed writes after the second restart",
        )
    finally:
        writer.halt.set()
        writer.join(90)
    ready = urllib.request.urlopen(
        urllib.request.Request(f"{server.base}/readyz", headers={"Host": HOST}), timeout=30
    )
    ready_body = json.loads(ready.read())
    gunicorn_alive = server.process.poll() is None
    exit_status = server.stop()
    log = server.log.read_text()

    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT m.title, (SELECT count(*) FROM meetings_historicalmeeting h "
            "  WHERE h.id = m.id AND h.history_type = '+') "
            "FROM meetings_meeting m WHERE m.title LIKE 'Fault write %'"
        ).fetchall()
        orphans = conn.execute(
            "SELECT count(*) FROM meetings_historicalmeeting h WHERE h.title LIKE 'Fault write %'"
            " AND NOT EXISTS (SELECT 1 FROM meetings_meeting m WHERE m.id = h.id)"
        ).fetchone()[0]

    answers = writer.answers
    confirmed = {a.title for a in answers if 200 <= a.status < 300}
    failed = [a for a in answers if not 200 <= a.status < 300]
    found = {title for title, _ in rows}
    by_status = Counter(a.status for a in answers)
    with capsys.disabled():
        print(
            f"\npostgres restarted twice (fast, immediate) during writes: {len(answers)} "
            f"requests, {len(confirmed)} confirmed (2xx), errors by status "
            f"{dict(sorted((s, n) for s, n in by_status.items() if not 200 <= s < 300))}, "
            f"{len(found)} rows found, {len(confirmed & found)} of the confirmed among them, "
            f"{len(found - confirmed)} written though answered 503 (connection lost in COMMIT)"
        )

    # Every write the API confirmed is in the database; nothing appeared that was not sent.
    assert confirmed - found == set()
    assert found <= {a.title for a in answers}
    # A write that failed failed whole: each meeting has its one creation record, and no
    # creation record lacks its meeting.
    assert [title for title, creations in rows if creations != 1] == []
    assert orphans == 0
    # Failures were clean: 503 with a JSON reason, never a 500, a traceback or a dropped
    # connection.
    assert {a.status for a in failed} <= {503}
    assert [a.body for a in failed if "Traceback" in a.body] == []
    assert all(json.loads(a.body)["detail"] for a in failed)
    # The app recovered by itself: the same master, no worker replaced, ready again.
    assert gunicorn_alive
    assert ready.status == 200
    assert ready_body == {"status": "ok", "database": "ok", "broker": "ok"}
    assert len(re.findall(r"Booting worker with pid", log)) == 2
    assert "Internal Server Error" not in log
    assert exit_status == 0
    assert min(writer.confirmed(phase) for phase in (0, 1, 2)) >= WRITES_PER_PHASE
