"""The one reading of typed whole numbers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.imports import cells
from meetings.imports.cells import CellError
from meetings.models.reminders import parse_days_before
from meetings.numbers import whole_number
from tests.factories import MeetingFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 12 ", 12),
        ("0", 0),
        ("007", 7),
        ("100", 100),
        ("101", None),  # above the bound
        ("²", None),  # isdigit() says yes, int() says no
        ("١٢", None),  # int() would read 12
        ("1_0", None),  # int() would read 10
        ("+5", None),
        ("-1", None),
        ("", None),
        ("1.0", None),
        ("9" * 4301, None),  # int() would raise its own error
        ("0" * 4301 + "5", 5),  # leading zeros cost nothing
        ("000", 0),
    ],
    ids=lambda value: value[:12] if isinstance(value, str) else repr(value),
)
def test_whole_number_reads_ascii_digits_within_bounds(text, expected):
    assert whole_number(text, high=100) == expected


def test_whole_number_lower_bound():
    assert [whole_number(t, low=1, high=9) for t in ("0", "1", "9")] == [None, 1, 9]


# -- every surface that reads a typed number, with digits int() would misread -------------

UNICODE_DIGITS = ["²", "١٢", "٣", "1_0", "9" * 4301]
DIGIT_IDS = ["superscript", "arabic-indic", "one-arabic-indic", "underscore", "4301-digits"]


@pytest.mark.parametrize("page", UNICODE_DIGITS, ids=DIGIT_IDS)
def test_changes_page_refuses_other_digits_naming_page(client, db, page):
    response = client.get(reverse("meetings:changes"), {"page": page})

    assert (response.status_code, response.context["errors"]) == (
        400,
        [("page", ["Enter a whole number from 1 to 20."])],
    )


@pytest.mark.parametrize("year", UNICODE_DIGITS, ids=DIGIT_IDS)
def test_admin_year_filter_refuses_other_digits(client, editor, year):
    MeetingFactory(number=1, start=dt.datetime(2030, 3, 1, 2, tzinfo=dt.UTC))  # a year to list
    client.force_login(editor)

    listing = client.get(reverse("admin:meetings_meeting_changelist"), {"year": year})
    export = client.get(reverse("admin:meetings_meeting_export", args=["csv"]), {"year": year})

    assert (listing.status_code, listing["Location"]) == (302, "/admin/meetings/meeting/?e=1")
    assert (export.status_code, export["Location"]) == (302, "/admin/meetings/meeting/")


def test_admin_year_filter_still_filters(client, editor):
    MeetingFactory(number=1, start=dt.datetime(2030, 3, 1, 2, tzinfo=dt.UTC))
    client.force_login(editor)

    response = client.get(reverse("admin:meetings_meeting_changelist"), {"year": "2030"})

    assert (response.status_code, response.context["cl"].result_count) == (200, 1)


def test_reminder_days_before_refuses_other_digits_by_name():
    with pytest.raises(ValidationError) as caught:
        parse_days_before("21, ², ١٢, 7")

    assert caught.value.messages == ["Not whole numbers of days between 0 and 366: ², ١٢."]
    assert parse_days_before("21, 007, 7") == (21, 7)


@pytest.mark.parametrize("value", UNICODE_DIGITS, ids=DIGIT_IDS)
def test_import_number_cell_refuses_other_digits(value):
    with pytest.raises(CellError) as caught:
        cells.number(value)

    assert str(caught.value) == f"“{value}” is not a whole number."
