"""CSV and XLSX export: the importer's columns, local times with the zone, text kept as text."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from meetings.imports import COLUMNS, meetings_csv, meetings_xlsx
from meetings.models import Meeting
from tests.factories import FormatFactory, MeetingFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def yangon_meeting():
    venue = VenueFactory(
        name="MICC-II", city="Naypyidaw", country_code="MM", timezone="Asia/Yangon"
    )
    return MeetingFactory(
        format=FormatFactory(code="SOM", name="Senior Officials' Meeting"),
        number=7,
        title='=HYPERLINK("http://evil.example")',
        venue=venue,
        start=dt.datetime(2030, 8, 3, 2, 30, tzinfo=dt.UTC),
        end=dt.datetime(2030, 8, 3, 5, 0, tzinfo=dt.UTC),
        description="<p>Agenda, “draft”</p>",
    )


def test_meetings_csv_has_importer_columns_and_local_times(yangon_meeting):
    data = meetings_csv(Meeting.objects.all())

    assert data.decode("utf-8") == (
        "\ufeff" + ",".join(COLUMNS) + "\r\n"
        '2030-som-7,SOM,7,,"\'=HYPERLINK(""http://evil.example"")",,MICC-II,Naypyidaw,,'
        "2030-08-03,09:00,2030-08-03,11:30,Asia/Yangon,UTC+6:30,scheduled,,in_person,yes,"
        '"<p>Agenda, “draft”</p>",\r\n'
    )


def test_meetings_xlsx_has_typed_cells_and_text_never_a_formula(yangon_meeting):
    book = openpyxl.load_workbook(io.BytesIO(meetings_xlsx(Meeting.objects.all())))
    sheet = book.worksheets[0]

    header, row = list(sheet.iter_rows(values_only=True))
    cells = dict(zip(header, sheet[2], strict=True))
    assert header == COLUMNS
    assert {
        name: (cells[name].value, cells[name].data_type)
        for name in ("title", "first_day", "start_time", "timezone", "utc_offset")
    } == {
        "title": ('=HYPERLINK("http://evil.example")', "s"),
        "first_day": (dt.datetime(2030, 8, 3, 0, 0), "d"),
        "start_time": (dt.time(9, 0), "d"),
        "timezone": ("Asia/Yangon", "s"),
        "utc_offset": ("UTC+6:30", "s"),
    }


def test_admin_export_action_downloads_selection_as_csv(client, editor, yangon_meeting, frozen_now):
    MeetingFactory(number=8, title="Not selected")
    client.force_login(editor)

    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "export_csv", "_selected_action": [yangon_meeting.pk]},
    )

    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "text/csv; charset=utf-8",
        'attachment; filename="meetings-2026-11-02.csv"',
    )
    assert [line.split(",")[0] for line in response.content.decode().splitlines()] == [
        "\ufeffslug",
        "2030-som-7",
    ]


def test_admin_export_view_follows_changelist_filter(client, viewer, yangon_meeting, frozen_now):
    MeetingFactory(number=8, title="Other format")
    client.force_login(viewer)

    response = client.get(
        reverse("admin:meetings_meeting_export", args=["xlsx"]),
        {"format__id__exact": yangon_meeting.format_id},
    )

    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    slugs = [row[0] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert (response.status_code, response["Content-Disposition"], slugs) == (
        200,
        'attachment; filename="meetings-2026-11-02.xlsx"',
        ["slug", "2030-som-7"],
    )


def test_admin_export_view_unknown_kind_is_400(client, viewer):
    client.force_login(viewer)

    response = client.get(reverse("admin:meetings_meeting_export", args=["pdf"]))

    assert (response.status_code, response.content.decode()) == (
        400,
        "Unknown export format “pdf”: use csv or xlsx.",
    )


def test_admin_export_view_needs_staff_login(client, yangon_meeting):
    response = client.get(reverse("admin:meetings_meeting_export", args=["csv"]))

    assert (response.status_code, response["Location"]) == (
        302,
        "/admin/login/?next=/admin/meetings/meeting/export/csv/",
    )
