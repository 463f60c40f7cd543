"""Backups, as the README's "Backups" section makes them, restore to the same calendar.

The reference calendar plus a few changes with history (a rescheduling, a
cancellation, an answer, an edited description, planned reminders) is exported,
wiped and restored; the public outputs (the iCal feed's bytes, the API's JSON, the
changes feed) and the row count of every exported model must come back the same.
"""

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.utils import timezone

from meetings import reminders, services
from meetings.enums import AnswerChannel, AttendanceStatus
from meetings.models import Delegation, Meeting
from tests.factories import UserFactory
from tests.reliability.conftest import needs

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# The export the README documents, word for word (its output file aside).
EXPORT = "dumpdata meetings auth.group auth.user --natural-foreign --natural-primary"
PUBLIC_URLS = (
    "/feeds/meetings.ics",
    "/feeds/changes.atom",
    "/api/v1/meetings/?page_size=200",
    "/api/v1/delegations/?page_size=200",
)


@pytest.fixture
def staff(db):
    """A staff user in a group of its own, with permissions named by natural key.

    Not the migrations' groups: a transactional test before this one may have flushed them.
    """
    group = Group.objects.create(name="Backup operators")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="meetings", codename__in=["change_meeting", "view_meeting"]
        )
    )
    user = UserFactory(username="operator")
    user.groups.add(group)
    return user


# Not calendar data: a stamp that database triggers move on every write, the load included.
STAMP_MODELS = {"meetings.CalendarVersion"}


def exported_models() -> list:
    models = [*apps.get_app_config("meetings").get_models(), Group, User]
    return [model for model in models if model._meta.label not in STAMP_MODELS]


def make_changes(by: User) -> None:
    """Changes staff make in a day, each leaving history."""
    som = Meeting.objects.get(slug="sample-som")
    services.meeting_reschedule(
        meeting=som,
        by=by,
        start=som.start + dt.timedelta(days=1),
        end=som.end + dt.timedelta(days=1),
        reason="Venue availability",
    )
    services.meeting_cancel(
        meeting=Meeting.objects.get(slug="sample-arf-ism"), by=by, reason="Typhoon"
    )
    services.meeting_update(
        meeting=Meeting.objects.get(slug="sample-amm-retreat"),
        by=by,
        description="<p>Retreat <strong>agenda</strong> to follow.</p>",
    )
    invited = Delegation.objects.filter(
        meeting__slug="sample-eas-som", attendance=AttendanceStatus.INVITED
    ).first()
    services.delegation_record_answer(
        delegation=invited,
        attendance=AttendanceStatus.CONFIRMED,
        via=AnswerChannel.API,
        by=by,
        head_name="Head of the delegation",
    )
    reminders.reminders_plan(now=timezone.now())


def calendar_state(client) -> dict:
    """What the public sees, and what the database holds, freshly computed."""
    for alias in settings.CACHES:  # nothing may come from before the restore
        caches[alias].clear()
    responses = {url: client.get(url) for url in PUBLIC_URLS}
    history = [
        (
            model._meta.label,
            row.id,
            row.history_type,
            row.history_date,
            row.history_user.username if row.history_user else None,
            row.history_change_reason,
        )
        for model in (Meeting.history.model, Delegation.history.model)
        for row in model.objects.select_related("history_user").order_by("history_id")
    ]
    return {
        "statuses": {url: r.status_code for url, r in responses.items()},
        "bodies": {url: r.content for url, r in responses.items()},
        "etags": {url: r.get("ETag") for url, r in responses.items()},
        "counts": {m._meta.label: m._default_manager.count() for m in exported_models()},
        "history": history,
        "groups": {
            g.name: sorted(g.permissions.values_list("codename", flat=True))
            for g in Group.objects.all()
        },
        "users": sorted(User.objects.values_list("username", "password", "is_staff")),
    }


def test_readme_documents_the_export_the_tests_restore():
    readme = (ROOT / "README.md").read_text()
    assert f"manage.py {EXPORT}" in readme
    assert "pg_dump --format=custom" in readme
    assert "pg_restore" in readme


def test_dumpdata_export_restores_to_the_same_calendar(demo, staff, client, tmp_path):
    make_changes(staff)
    before = calendar_state(client)
    backup = tmp_path / "aseancal.json.gz"

    call_command(*EXPORT.split(), output=str(backup), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    wiped = (Meeting.objects.count(), Group.objects.count(), User.objects.count())
    call_command("load_export", str(backup), verbosity=0)
    after = calendar_state(client)

    assert wiped == (0, 0, 0)
    assert set(before["statuses"].values()) == {200}
    assert before["counts"]["meetings.Meeting"] > 0
    assert before["counts"]["meetings.Reminder"] > 0
    assert any(h[4] == "operator" for h in before["history"])
    assert before["groups"]["Backup operators"] == ["change_meeting", "view_meeting"]
    assert after["counts"] == before["counts"]
    assert after == before


def postgres_tools() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore back up PostgreSQL; this run is on SQLite")
    missing = [tool for tool in ("pg_dump", "pg_restore") if not shutil.which(tool)]
    if missing:
        needs(f"needs {' and '.join(missing)} (Debian's postgresql-client)")


def test_pg_dump_restores_to_the_same_calendar(demo, staff, client, tmp_path):
    postgres_tools()
    make_changes(staff)
    before = calendar_state(client)
    params = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
    server = ["-h", params["HOST"] or "localhost", "-p", str(params["PORT"] or 5432)]
    server += ["-U", params["USER"] or "postgres"]
    dump = tmp_path / "aseancal.dump"
    restored_name = f"{params['NAME']}_restored"

    subprocess.run(
        ["pg_dump", "--format=custom", *server, "-f", str(dump), params["NAME"]],
        check=True,
        env=env,
        timeout=120,
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        cursor.execute(f'CREATE DATABASE "{restored_name}"')
    original = connections["default"]
    restored = load_backend(params["ENGINE"]).DatabaseWrapper(
        {**params, "NAME": restored_name}, "default"
    )
    try:
        subprocess.run(
            [
                "pg_restore",
                "--exit-on-error",
                "--no-owner",
                *server,
                "-d",
                restored_name,
                str(dump),
            ],
            check=True,
            env=env,
            timeout=120,
        )
        connections["default"] = restored
        after = calendar_state(client)
    finally:
        connections["default"] = original
        restored.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')

    assert set(before["statuses"].values()) == {200}
    assert before["counts"]["meetings.Meeting"] > 0
    assert before["groups"]["Backup operators"] == ["change_meeting", "view_meeting"]
    assert after["counts"] == before["counts"]
    assert after == before
