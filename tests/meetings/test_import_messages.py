"""What the importer says: UTC offsets in any notation, file names as given, all-day rows
as days (meetings/imports/offsets.py, when.py, checker.py, admin_views.py)."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from meetings import services
from meetings.imports import import_calendar, meetings_csv, meetings_xlsx
from meetings.imports.offsets import read_offset
from meetings.models import Meeting

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/meetings/meeting/import/"
HEADER = "slug,format,number,title,first_day,start_time,last_day,end_time,timezone,utc_offset"
FORMS = "UTC+7, UTC+6:30, +07:00, +0700, +07, GMT+7, or Z for UTC itself"


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def one_row(zone: str, offset: str, day: str = "2030-08-03") -> bytes:
    """A new timed meeting (AMM 90) at 09:00-12:00 in `zone`, with `offset` as given."""
    return f'{HEADER}\n,AMM,90,,{day},09:00,{day},12:00,{zone},"{offset}"\n'.encode()


# -- UTC offsets ----------------------------------------------------------------------------

ACCEPTED = [
    ("Asia/Vientiane", offset)
    for offset in (
        "+07:00",
        "+0700",
        "+07",
        "+7",
        "UTC+7",
        "UTC+07:00",
        "UTC+0700",
        "GMT+7",
        "utc+7",
        " UTC + 7 ",
        "'+07:00",  # the exporter's quote against formulas
    )
] + [
    ("Asia/Yangon", "+06:30"),
    ("Asia/Yangon", "+0630"),
    ("Asia/Yangon", "UTC+6:30"),
    ("Asia/Yangon", "GMT+06:30"),
    ("Asia/Kolkata", "+05:30"),
    ("America/Sao_Paulo", "-03:00"),
    ("America/Sao_Paulo", "-0300"),
    ("America/Sao_Paulo", "UTC-3"),
    ("America/Sao_Paulo", "GMT-3"),
    ("America/Sao_Paulo", "\u221203:00"),  # the typographers' minus sign
    ("UTC", "Z"),
    ("UTC", "z"),
    ("UTC", "UTC"),
    ("UTC", "GMT"),
    ("UTC", "+00:00"),
    ("UTC", "-00:00"),
    ("UTC", "UTC+0"),
]


@pytest.mark.parametrize(("zone", "offset"), ACCEPTED)
def test_import_accepts_the_zones_offset_in_any_notation(demo, zone, offset):
    result = import_calendar(one_row(zone, offset), name="plan.csv", dry_run=True)

    assert (result.report(), [(p.line, p.action, p.key) for p in result.plans]) == (
        "",
        [(2, "create", "AMM 90")],
    )


@pytest.mark.parametrize(
    ("zone", "offset", "expected"),
    [
        ("Asia/Vientiane", "+08:00", "+07:00 (UTC+7)"),
        ("Asia/Vientiane", "+0800", "+0700 (UTC+7)"),
        ("Asia/Vientiane", "+08", "+07 (UTC+7)"),
        ("Asia/Vientiane", "+8", "+7 (UTC+7)"),
        ("Asia/Vientiane", "UTC+8", "UTC+7"),
        ("Asia/Vientiane", "UTC+08:00", "UTC+07:00 (UTC+7)"),
        ("Asia/Vientiane", "GMT+8", "GMT+7 (UTC+7)"),
        ("Asia/Vientiane", "-07:00", "+07:00 (UTC+7)"),
        ("Asia/Vientiane", "Z", "+07:00 (UTC+7)"),
        ("Asia/Vientiane", "UTC", "UTC+7"),
        ("Asia/Yangon", "+07:00", "+06:30 (UTC+6:30)"),
        ("Asia/Yangon", "+07", "+06:30 (UTC+6:30)"),
        ("Asia/Yangon", "UTC+7", "UTC+6:30"),
        ("America/Sao_Paulo", "+03:00", "-03:00 (UTC-3)"),
        ("America/Sao_Paulo", "\u221202:00", "\u221203:00 (UTC-3)"),
        ("UTC", "+07:00", "+00:00 (UTC+0)"),
        ("UTC", "GMT+1", "GMT+0 (UTC+0)"),
    ],
)
def test_import_refuses_another_offset_in_the_notation_given(demo, zone, offset, expected):
    result = import_calendar(one_row(zone, offset), name="plan.csv", dry_run=True)

    assert result.report() == (
        f"line 2, utc_offset: “{offset}” does not match {zone}, which is {expected} at the start."
    )
    assert (result.plans, result.summary()) == ([], "1 row read: 1 bad row; nothing imported.")


def test_import_compares_the_offset_at_the_start_of_the_meeting(demo):
    # Sydney is at UTC+10 in winter (August) and at UTC+11 in summer (January).
    winter = import_calendar(one_row("Australia/Sydney", "+11:00"), dry_run=True)
    summer = import_calendar(
        one_row("Australia/Sydney", "+11:00", day="2031-01-15"), name="plan.csv", dry_run=True
    )

    assert (winter.report(), summer.report()) == (
        "line 2, utc_offset: “+11:00” does not match Australia/Sydney, which is +10:00 "
        "(UTC+10) at the start.",
        "",
    )


@pytest.mark.parametrize("offset", ["seven", "+700", "+25:00", "+07:75", "UTC+", "+07:00:00"])
def test_import_refuses_an_offset_it_cannot_read_and_says_how_to_write_one(demo, offset):
    result = import_calendar(one_row("Asia/Vientiane", offset), dry_run=True)

    assert result.report() == (
        f"line 2, utc_offset: “{offset}” is not a UTC offset: write it as {FORMS}."
    )


def test_import_admin_lists_an_offset_mismatch_with_its_line_and_column(client, editor, demo):
    client.force_login(editor)

    response = client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("plan.csv", one_row("Asia/Vientiane", "+08:00"))},
    )

    rows = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", response.content.decode()
    )
    assert (response.status_code, rows) == (
        400,
        [
            (
                "2",
                "utc_offset",
                "“+08:00” does not match Asia/Vientiane, which is +07:00 (UTC+7) at the start.",
            )
        ],
    )


def test_read_offset_gives_minutes_east_of_utc():
    assert [read_offset(text).minutes for text in ("+07:00", "UTC-3:30", "Z", "GMT", "+0545")] == [
        420,
        -210,
        0,
        0,
        345,
    ]


# -- file names as given ----------------------------------------------------------------------

GOOD = (
    f"{HEADER}\n"
    ",AMM,56,,2030-08-03,09:00,2030-08-03,12:00,Asia/Phnom_Penh,+07:00\n"
    "2022-amm-55,AMM,55,55th AMM,2022-08-03,,2022-08-03,,Asia/Phnom_Penh,UTC+7\n"
).encode()


def test_import_admin_messages_keep_the_file_name_as_given(client, editor, demo):
    client.force_login(editor)

    preview = client.post(IMPORT_URL, {"file": SimpleUploadedFile("plan.csv", GOOD)})
    confirm = preview.context["confirm"]
    done = client.post(
        IMPORT_URL,
        {"token": confirm["token"].value(), "digest": confirm["digest"].value()},
        follow=True,
    )

    assert re.findall(r"<h2>(.*?)</h2>", preview.content.decode())[0] == "Preview of plan.csv"
    assert re.findall(r'<li class="success">(.*?)</li>', done.content.decode()) == [
        "Imported plan.csv: 2 rows read: 1 created, 1 changed, 0 unchanged."
    ]


def test_import_admin_refusal_keeps_the_file_name_as_given(client, editor, demo):
    client.force_login(editor)

    response = client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("plan.csv", one_row("Asia/Vientiane", "+08:00"))},
    )

    assert re.findall(r"<h2>(.*?)</h2>", response.content.decode())[0] == (
        "plan.csv cannot be imported"
    )


# -- all-day rows as days ----------------------------------------------------------------------

ALL_DAY = (
    f"{HEADER}\n"
    "2030-amm-retreat,AMM,,AMM Retreat,2030-01-17,,2030-01-18,,Asia/Manila,UTC+8\n"
    "2022-amm-55,AMM,55,,2022-08-04,,2022-08-05,,Asia/Phnom_Penh,+07:00\n"
).encode()


def test_import_preview_shows_an_all_day_row_as_days_without_a_time(demo):
    result = import_calendar(ALL_DAY, name="plan.csv", dry_run=True)

    assert [(p.line, p.action, p.when, p.changes) for p in result.plans] == [
        (2, "create", "2030-01-17, all day (Asia/Manila)", []),
        (
            3,
            "change",
            "2022-08-04, all day (Asia/Phnom_Penh)",
            [("start", "2022-08-03", "2022-08-04"), ("end", "2022-08-03", "2022-08-05")],
        ),
    ]


def test_import_preview_shows_a_timed_meeting_becoming_all_day(demo):
    meeting = Meeting.objects.get(slug="2022-amm-55")
    services.meeting_reschedule(
        meeting=meeting,
        by=None,
        start=dt.datetime(2022, 8, 3, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2022, 8, 3, 5, 0, tzinfo=dt.UTC),
        all_day=False,
    )
    data = (
        f"{HEADER}\n2022-amm-55,AMM,55,,2022-08-03,,2022-08-03,,Asia/Phnom_Penh,UTC+7\n"
    ).encode()

    result = import_calendar(data, name="plan.csv", dry_run=True)

    assert [(p.when, p.changes) for p in result.plans] == [
        (
            "2022-08-03, all day (Asia/Phnom_Penh)",
            [
                ("all_day", "no", "yes"),
                ("start", "2022-08-03 09:00 UTC+7", "2022-08-03"),
                ("end", "2022-08-03 12:00 UTC+7", "2022-08-03"),
            ],
        )
    ]


def test_import_admin_preview_of_all_day_rows_shows_no_midnight(client, editor, demo):
    client.force_login(editor)

    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("plan.csv", ALL_DAY)})

    html = response.content.decode()
    created = re.search(r'<table id="import-created">.*?</table>', html, re.DOTALL).group(0)
    changed = re.search(r'<table id="import-changed">.*?</table>', html, re.DOTALL).group(0)
    assert re.findall(r"<td>([^<]*)</td></tr>", created) == ["2030-01-17, all day (Asia/Manila)"]
    assert re.findall(r"<td>(start|end)</td><td>([^<]*)</td><td>([^<]*)</td>", changed) == [
        ("start", "2022-08-03", "2022-08-04"),
        ("end", "2022-08-03", "2022-08-05"),
    ]
    assert (response.status_code, "00:00" in html) == (200, False)


def test_import_command_prints_all_day_rows_as_days(demo, tmp_path, capsys):
    path = tmp_path / "plan.csv"
    path.write_bytes(ALL_DAY)

    call_command("import_calendar", str(path), "--dry-run")

    assert capsys.readouterr().out.splitlines() == [
        "line 2: create 2030-amm-retreat: AMM Retreat, 2030-01-17, all day (Asia/Manila)",
        "line 3: 2022-amm-55: start: 2022-08-03 -> 2022-08-04",
        "line 3: 2022-amm-55: end: 2022-08-03 -> 2022-08-05",
        "plan.csv: 2 rows read: 1 would be created, 1 would be changed, 0 unchanged. "
        "Dry run: nothing saved.",
    ]


def test_export_shows_an_all_day_meeting_as_days_without_times(demo):
    meetings = Meeting.objects.filter(slug="2022-amm-55")

    csv_row = list(csv.reader(io.StringIO(meetings_csv(meetings).decode("utf-8-sig"))))[1]
    sheet = openpyxl.load_workbook(io.BytesIO(meetings_xlsx(meetings))).worksheets[0]
    header, row = list(sheet.iter_rows())

    cells = {head.value: cell for head, cell in zip(header, row, strict=True)}
    assert csv_row[9:15] == ["2022-08-03", "", "2022-08-03", "", "Asia/Phnom_Penh", "UTC+7"]
    assert {
        name: (cells[name].value, cells[name].number_format)
        for name in ("first_day", "start_time", "last_day", "end_time")
    } == {
        "first_day": (dt.datetime(2022, 8, 3), "yyyy-mm-dd"),
        "start_time": (None, "General"),
        "last_day": (dt.datetime(2022, 8, 3), "yyyy-mm-dd"),
        "end_time": (None, "General"),
    }
