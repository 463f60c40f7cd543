"""The admin's import: upload, preview (a dry run), confirm; refused when the plan moved."""

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services
from meetings.imports import RowError
from meetings.imports import tasks as import_tasks
from meetings.imports.admin_views import SIGNING_SALT
from meetings.imports.jobs import ImportJob
from meetings.models import Meeting
from tests.conftest import TODAY, eager_tasks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/meetings/meeting/import/"
HEADER = "slug,format,number,title,venue,first_day,start_time,last_day,end_time,timezone,published"
GOOD = (
    f"{HEADER}\n"
    ",AMM,56,,Phnom Penh,2030-08-03,09:00,2030-08-03,12:00,,yes\n"
    "2022-amm-55,AMM,55,55th AMM,Phnom Penh,2022-08-03,,2022-08-03,,,yes\n"
).encode()


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(client, data: bytes, name: str = "plan.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data)})


def test_admin_import_url_is_the_meeting_admins(db):
    assert reverse("admin:meetings_meeting_import") == IMPORT_URL


def test_admin_import_page_offers_upload(client, editor):
    client.force_login(editor)

    response = client.get(IMPORT_URL)

    html = response.content.decode()
    assert (
        response.status_code,
        html.count('<form method="post" enctype="multipart/form-data"'),
    ) == (
        200,
        1,
    )


def test_admin_import_preview_then_confirm_applies_the_plan(client, editor, demo, tmp_path):
    client.force_login(editor)

    preview = upload(client, GOOD)
    created_by_preview = Meeting.objects.filter(number=56).count()
    confirm = preview.context["confirm"]
    response = client.post(
        IMPORT_URL, {"token": confirm["token"].value(), "digest": confirm["digest"].value()}
    )

    result = preview.context["result"]
    html = " ".join(preview.content.decode().split())
    assert html.count("<strong>1</strong> to create, <strong>1</strong> to change") == 1
    assert (preview.status_code, result.counts, created_by_preview) == (
        200,
        {"create": 1, "change": 1, "unchanged": 0},
        0,
    )
    assert [(p.line, p.action, p.key, p.changes) for p in result.plans] == [
        (2, "create", "AMM 56", []),
        (
            3,
            "change",
            "2022-amm-55",
            [("title", "55th ASEAN Foreign Ministers' Meeting", "55th AMM")],
        ),
    ]
    assert (response.status_code, response["Location"]) == (
        302,
        "/admin/meetings/meeting/",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported plan.csv: 2 rows read: 1 created, 1 changed, 0 unchanged."
    ]
    amm_56 = Meeting.objects.get(format__code="AMM", number=56)
    assert (amm_56.history.first().history_user, Meeting.objects.get(number=55).title) == (
        editor,
        "55th AMM",
    )
    assert list((tmp_path / "imports").iterdir()) == []


# Line 2 is fine; line 3 has an unknown format, line 4 an hour that does not exist.
BAD_FILE = (
    f"{HEADER}\n"
    ",AMM,56,,Phnom Penh,2030-08-03,09:00,2030-08-03,12:00,,yes\n"
    ",XYZ,1,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Bangkok,yes\n"
    ",EAS,13,,,2030-08-03,25:00,2030-08-03,12:00,Asia/Jakarta,yes\n"
).encode()


def test_admin_import_bad_file_lists_every_bad_row_and_saves_nothing(client, editor, demo):
    client.force_login(editor)
    data = BAD_FILE

    response = upload(client, data)

    assert (response.status_code, response.context["errors"], response.context["confirm"]) == (
        400,
        [
            RowError(3, "unknown format code “XYZ”.", "format"),
            RowError(4, "“25:00” is not a time of day (00:00 to 23:59).", "start_time"),
        ],
        None,
    )
    assert Meeting.objects.filter(number=56).count() == 0


def test_admin_import_confirm_refused_when_calendar_changed_since_preview(client, editor, demo):
    client.force_login(editor)
    preview = upload(client, GOOD)
    confirm = preview.context["confirm"]
    meeting = Meeting.objects.get(slug="2022-amm-55")
    meeting.title = "55th AMM"
    services.meeting_save(meeting=meeting, by=None)

    response = client.post(
        IMPORT_URL, {"token": confirm["token"].value(), "digest": confirm["digest"].value()}
    )

    assert (response.status_code, response.context["result"].counts) == (
        409,
        {"create": 1, "change": 0, "unchanged": 1},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The calendar changed since the preview. Check the new preview and confirm."
    ]
    assert Meeting.objects.filter(number=56).count() == 0


def test_admin_import_token_of_another_user_is_refused(client, editor, demo):
    client.force_login(editor)
    confirm = upload(client, GOOD).context["confirm"]
    other = UserFactory(username="other-editor", is_superuser=True)
    client.force_login(other)

    response = client.post(
        IMPORT_URL, {"token": confirm["token"].value(), "digest": confirm["digest"].value()}
    )

    assert (response.status_code, [str(m) for m in get_messages(response.wsgi_request)]) == (
        302,
        ["This preview has expired: upload the file again."],
    )
    assert Meeting.objects.filter(number=56).count() == 0


def test_admin_import_wrong_kind_of_file_is_a_form_error(client, editor):
    client.force_login(editor)

    response = upload(client, b"%PDF-1.7", name="plan.pdf")

    assert (response.status_code, response.context["form"].errors) == (
        400,
        {"file": ["Choose a .csv, .xlsx or .ics file."]},
    )


def test_admin_import_damaged_workbook_is_a_form_error(client, editor):
    client.force_login(editor)

    response = upload(client, b"PK\x03\x04 not really a zip", name="plan.xlsx")

    assert (response.status_code, response.context["form"].errors) == (
        400,
        {
            "file": [
                "The file is not an Excel (.xlsx) workbook, or it is damaged: "
                "File is not a zip file"
            ]
        },
    )


def test_admin_import_needs_add_and_change_permission(client, viewer):
    client.force_login(viewer)

    assert client.get(IMPORT_URL).status_code == 403


def test_admin_changelist_links_import_and_filtered_export(client, editor, demo):
    client.force_login(editor)

    response = client.get("/admin/meetings/meeting/", {"status__exact": "held"})

    html = response.content.decode()
    assert html.count(f'<a href="{IMPORT_URL}">Import</a>') == 1
    assert html.count('href="/admin/meetings/meeting/export/csv/?status__exact=held"') == 1
    assert html.count('href="/admin/meetings/meeting/export/xlsx/?status__exact=held"') == 1


# Progress -------------------------------------------------------------------------------

PROGRESS_URL = "/admin/meetings/meeting/import/progress/"
STATUS_URL = "/admin/meetings/meeting/import/status/"


def rows(count: int) -> bytes:
    """A file creating `count` meetings: AMM 101, AMM 102, ..."""
    lines = [HEADER] + [
        f",AMM,{100 + n},,Phnom Penh,2030-08-03,09:00,2030-08-03,12:00,,yes"
        for n in range(1, count + 1)
    ]
    return "\n".join(lines).encode()


def script_upload(client, data: bytes, name: str = "plan.csv"):
    """The upload as import-progress.js sends it."""
    return client.post(
        IMPORT_URL, {"file": SimpleUploadedFile(name, data)}, HTTP_ACCEPT="application/json"
    )


def token_of(answer) -> str:
    return parse_qs(urlsplit(answer.json()["preview"]).query)["token"][0]


def progress(client, token: str) -> dict:
    response = client.get(PROGRESS_URL, {"token": token})
    assert response.status_code == 200
    return response.json()


def test_admin_import_script_upload_answers_where_to_preview_and_follow(client, editor, demo):
    client.force_login(editor)

    answer = script_upload(client, rows(30))

    token = token_of(answer)
    query = urlencode({"token": token})
    assert (answer.status_code, answer.json()) == (
        200,
        {"preview": f"{IMPORT_URL}?{query}", "progress": f"{PROGRESS_URL}?{query}"},
    )
    assert progress(client, token) == {
        "state": "running",
        "stage": "check",
        "done": 0,
        "total": 0,
        "label": "Reading the file…",
        "bad_rows": 0,
    }


def test_admin_import_progress_of_preview_counts_every_row(client, editor, demo):
    client.force_login(editor)
    token = token_of(script_upload(client, rows(30)))

    preview = client.get(IMPORT_URL, {"token": token})

    assert (preview.status_code, preview.context["result"].counts) == (
        200,
        {"create": 30, "change": 0, "unchanged": 0},
    )
    assert progress(client, token) == {
        "state": "ready",
        "stage": "check",
        "done": 30,
        "total": 30,
        "label": "Checked 30 of 30 rows",
        "bad_rows": 0,
    }
    html = preview.content.decode()
    assert html.count(f'data-progress="{PROGRESS_URL}?{urlencode({"token": token})}"') == 1
    assert Meeting.objects.filter(format__code="AMM", number__gt=100).count() == 0


def test_admin_import_progress_of_bad_file_reports_every_bad_row(client, editor, demo):
    client.force_login(editor)
    data = BAD_FILE
    token = token_of(script_upload(client, data))

    preview = client.get(IMPORT_URL, {"token": token})

    assert (preview.status_code, preview.context["errors"], preview.context["confirm"]) == (
        400,
        [
            RowError(3, "unknown format code “XYZ”.", "format"),
            RowError(4, "“25:00” is not a time of day (00:00 to 23:59).", "start_time"),
        ],
        None,
    )
    assert progress(client, token) == {
        "state": "failed",
        "stage": "check",
        "done": 3,
        "total": 3,
        "label": "Checked 3 of 3 rows",
        "bad_rows": 2,
    }
    assert Meeting.objects.filter(number=56).count() == 0


def test_admin_import_progress_of_another_user_is_not_found(client, editor, demo):
    client.force_login(editor)
    token = token_of(script_upload(client, rows(3)))
    other = UserFactory(username="other-editor", is_superuser=True)
    client.force_login(other)

    responses = [
        client.get(PROGRESS_URL, {"token": token}).status_code,
        client.get(STATUS_URL, {"token": token}).status_code,
        client.get(PROGRESS_URL, {"token": token + "x"}).status_code,
    ]

    assert responses == [404, 404, 404]


def test_admin_import_progress_needs_add_and_change_permission(client, editor, viewer, demo):
    client.force_login(editor)
    token = token_of(script_upload(client, rows(3)))
    client.force_login(viewer)

    assert client.get(PROGRESS_URL, {"token": token}).status_code == 403


def test_admin_import_script_upload_of_wrong_kind_answers_the_form_errors(client, editor):
    client.force_login(editor)

    answer = script_upload(client, b"%PDF-1.7", name="plan.pdf")

    assert (answer.status_code, answer.json()) == (
        400,
        {"errors": {"file": ["Choose a .csv, .xlsx or .ics file."]}},
    )


def test_admin_import_status_page_without_script_refreshes_while_running(client, editor, demo):
    client.force_login(editor)
    token = token_of(script_upload(client, rows(3)))

    response = client.get(STATUS_URL, {"token": token})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<noscript><meta http-equiv="refresh" content="2"></noscript>') == 1
    assert html.count(f'data-follow="{PROGRESS_URL}?{urlencode({"token": token})}"') == 1
    assert html.count('<p class="import-progress-label">Reading the file…</p>') == 1


def test_admin_import_progress_of_a_lost_process_reads_interrupted(client, editor, demo):
    client.force_login(editor)
    token = token_of(script_upload(client, rows(3)))

    with time_machine.travel(TODAY + dt.timedelta(minutes=6), tick=False):
        state = progress(client, token)
        page = client.get(STATUS_URL, {"token": token})

    assert state["state"] == "interrupted"
    assert (
        " ".join(page.content.decode().split()).count(
            "was interrupted (the server restarted): nothing was imported."
        )
        == 1
    )


# Large imports: a Celery task queued on commit --------------------------------------


@pytest.fixture
def eager_celery():
    """Tasks run in this process when queued, their errors raised."""
    with eager_tasks(propagate=True):
        yield


def confirm_large_import(client, count: int):
    """Upload `count` new rows, preview them and confirm: the token, the preview's digest
    and the confirmation's response."""
    token = token_of(script_upload(client, rows(count)))
    confirm = client.get(IMPORT_URL, {"token": token}).context["confirm"]
    digest = confirm["digest"].value()
    response = client.post(IMPORT_URL, {"token": token, "digest": digest})
    return token, digest, response


def test_admin_import_large_confirmed_import_runs_as_a_task_after_commit(
    client, superuser, demo, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 20
    client.force_login(superuser)

    with django_capture_on_commit_callbacks() as queued:
        token, _digest, response = confirm_large_import(client, 25)
    before_commit = (progress(client, token), Meeting.objects.filter(number__gt=100).count())
    for callback in queued:
        callback()
    state = progress(client, token)
    status = client.get(STATUS_URL, {"token": token})

    assert (response.status_code, response["Location"], len(queued)) == (
        302,
        f"{STATUS_URL}?{urlencode({'token': token})}",
        1,
    )
    assert before_commit == (
        {
            "state": "running",
            "stage": "check",
            "done": 25,
            "total": 25,
            "label": "Checked 25 of 25 rows",
            "bad_rows": 0,
        },
        0,
    )
    assert state == {
        "state": "done",
        "stage": "save",
        "done": 25,
        "total": 25,
        "label": "Saved 25 of 25 rows",
        "bad_rows": 0,
    }
    assert (status.status_code, status["Location"]) == (302, "/admin/meetings/meeting/")
    assert [str(m) for m in get_messages(status.wsgi_request)] == [
        "Imported plan.csv: 25 rows read: 25 created, 0 changed, 0 unchanged."
    ]
    amm_125 = Meeting.objects.get(format__code="AMM", number=125)
    assert (
        Meeting.objects.filter(number__gt=100).count(),
        amm_125.history.first().history_user,
    ) == (
        25,
        superuser,
    )
    assert progress(client, token)["state"] == "gone"


def test_admin_import_large_import_is_queued_by_name_with_an_expiry(
    client, superuser, demo, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 20
    client.force_login(superuser)
    sent = []
    monkeypatch.setattr(
        import_tasks.apply_import, "apply_async", lambda **options: sent.append(options)
    )

    with django_capture_on_commit_callbacks(execute=True):
        token, digest, _response = confirm_large_import(client, 20)

    file = signing.loads(token, salt=SIGNING_SALT)["file"]
    assert sent == [{"args": (file, "plan.csv", superuser.pk, digest), "expires": 300}]
    assert Meeting.objects.filter(number__gt=100).count() == 0


def test_admin_import_broker_away_fails_the_job_at_once(
    client, superuser, demo, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 20
    client.force_login(superuser)

    def broker_away(**options):
        raise OSError("Connection refused")

    monkeypatch.setattr(import_tasks.apply_import, "apply_async", broker_away)

    with django_capture_on_commit_callbacks(execute=True):
        token, _digest, response = confirm_large_import(client, 20)
    status = client.get(STATUS_URL, {"token": token})

    assert (response.status_code, progress(client, token)["state"]) == (302, "failed")
    assert (
        " ".join(status.content.decode().split()).count(
            "plan.csv: The import could not be started: nothing was imported."
        )
        == 1
    )


def stored_job(client, count: int) -> ImportJob:
    """The job of an upload previewed and confirmed, whose task has not run yet."""
    token = token_of(script_upload(client, rows(count)))
    client.get(IMPORT_URL, {"token": token})
    job = ImportJob(signing.loads(token, salt=SIGNING_SALT)["file"])
    job.start()
    return job


def test_import_task_applies_nothing_once_its_job_reads_interrupted(client, superuser, demo):
    client.force_login(superuser)
    job = stored_job(client, 3)

    with time_machine.travel(TODAY + dt.timedelta(minutes=6), tick=False):
        outcome = import_tasks.apply_import(job.file, "plan.csv", superuser.pk, "0" * 32)

    assert (outcome, Meeting.objects.filter(number__gt=100).count()) == ("interrupted", 0)


def test_import_task_without_its_upload_fails_the_job(client, superuser, demo):
    client.force_login(superuser)
    job = stored_job(client, 3)
    job.upload.unlink()

    outcome = import_tasks.apply_import(job.file, "plan.csv", superuser.pk, "0" * 32)

    assert (outcome, job.read()["summary"]) == (
        "failed",
        "The import stopped on an error: nothing was imported.",
    )


def test_import_task_of_a_changed_calendar_imports_nothing(client, superuser, demo):
    client.force_login(superuser)
    job = stored_job(client, 3)

    outcome = import_tasks.apply_import(job.file, "plan.csv", superuser.pk, "0" * 32)

    assert (outcome, Meeting.objects.filter(number__gt=100).count()) == ("stale", 0)
    assert job.upload.is_file()


def test_import_task_refuses_a_name_that_is_not_a_stored_upload(superuser):
    with pytest.raises(ValueError, match="Not the name of a stored upload"):
        import_tasks.apply_import("../../etc/passwd", "plan.csv", superuser.pk, "0" * 32)
