"""The admin's import: upload, preview (a dry run), confirm; refused when the plan moved."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services
from meetings.importer import RowError
from meetings.models import Meeting
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
        "plan.csv: 2 rows read: 1 created, 1 changed, 0 unchanged."
    ]
    amm_56 = Meeting.objects.get(format__code="AMM", number=56)
    assert (amm_56.history.first().history_user, Meeting.objects.get(number=55).title) == (
        editor,
        "55th AMM",
    )
    assert list((tmp_path / "imports").iterdir()) == []


def test_admin_import_bad_file_lists_every_bad_row_and_saves_nothing(client, editor, demo):
    client.force_login(editor)
    data = (
        f"{HEADER}\n"
        ",AMM,56,,Phnom Penh,2030-08-03,09:00,2030-08-03,12:00,,yes\n"
        ",XYZ,1,,,2030-08-03,09:00,2030-08-03,12:00,Asia/Bangkok,yes\n"
        ",EAS,13,,,2030-08-03,25:00,2030-08-03,12:00,Asia/Jakarta,yes\n"
    ).encode()

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
        {"file": ["The file is not an Excel (.xlsx) workbook: File is not a zip file"]},
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
