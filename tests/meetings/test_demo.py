"""The reference calendar: facts exact, and a second load changes nothing."""

import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command

from meetings.demo import load_demo
from meetings.models import Delegation, Event, Meeting, Reminder
from tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("demo")


def history_rows() -> int:
    return sum(model.history.count() for model in (Meeting, Delegation, Event))


def test_second_load_changes_nothing(frozen_now):
    before = (history_rows(), list(Meeting.objects.values_list("slug", "updated_at", "sequence")))
    frozen_now.shift(dt.timedelta(hours=1))
    assert load_demo() == {}
    after = (history_rows(), list(Meeting.objects.values_list("slug", "updated_at", "sequence")))
    assert after == before


def test_load_demo_command_reports_nothing_changed(capsys):
    call_command("load_demo")
    assert capsys.readouterr().out == "Demo data already loaded: nothing changed.\n"


def test_load_demo_if_empty_keeps_a_staff_edit(capsys):
    Meeting.objects.filter(slug="2022-amm-55").update(title="Edited by the secretariat")
    call_command("load_demo", "--if-empty")
    assert capsys.readouterr().out == "The calendar has meetings already: demo data not loaded.\n"
    assert Meeting.objects.get(slug="2022-amm-55").title == "Edited by the secretariat"


@pytest.mark.django_db
def test_load_demo_if_empty_loads_an_empty_calendar(capsys):
    Meeting.objects.all().delete()
    call_command("load_demo", "--if-empty")
    assert capsys.readouterr().out.endswith("Demo data loaded.\n")
    assert Meeting.objects.filter(slug="2022-amm-55").count() == 1


def test_reference_event():
    event = Event.objects.get(slug="2022-55th-amm-and-related-meetings")
    assert (event.title, event.host.code, event.start_date, event.end_date) == (
        "55th AMM and Related Meetings",
        "KH",
        dt.date(2022, 7, 31),
        dt.date(2022, 8, 6),
    )
    assert list(event.meetings.values_list("slug", flat=True)) == [
        "2022-amm-55",
        "2022-apt-23",
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
    ]


@pytest.mark.parametrize(
    ("slug", "title", "day"),
    [
        ("2022-amm-55", "55th ASEAN Foreign Ministers' Meeting", dt.date(2022, 8, 3)),
        ("2022-pmc-ru", "ASEAN-Russia Post Ministerial Conference", dt.date(2022, 8, 4)),
        ("2022-apt-23", "23rd ASEAN Plus Three Foreign Ministers' Meeting", dt.date(2022, 8, 4)),
        ("2022-eas-12", "12th East Asia Summit Foreign Ministers' Meeting", dt.date(2022, 8, 5)),
        ("2022-arf-29", "29th ASEAN Regional Forum", dt.date(2022, 8, 5)),
    ],
)
def test_reference_meetings_in_phnom_penh(slug, title, day):
    meeting = Meeting.objects.select_related("venue", "host").get(slug=slug)
    assert (meeting.title, meeting.first_day, meeting.last_day, meeting.all_day) == (
        title,
        day,
        day,
        True,
    )
    assert (meeting.timezone, meeting.venue.city, meeting.host.code, meeting.published) == (
        "Asia/Phnom_Penh",
        "Phnom Penh",
        "KH",
        True,
    )
    # Local midnight in Phnom Penh (UTC+7) is 17:00 UTC the day before.
    assert meeting.start == dt.datetime.combine(day, dt.time(17), dt.UTC) - dt.timedelta(days=1)


def test_russia_confirmed_with_lavrov_at_three_meetings_only():
    russia = Delegation.objects.filter(participant__code="RU").select_related("meeting")
    confirmed = {
        d.meeting.slug: (d.attendance, d.head_name, d.head_title)
        for d in russia
        if d.meeting.slug.startswith("2022-")
    }
    lavrov = ("confirmed", "Sergey Lavrov", "Minister of Foreign Affairs")
    assert confirmed == {"2022-pmc-ru": lavrov, "2022-eas-12": lavrov, "2022-arf-29": lavrov}


def test_cambodia_confirmed_everywhere_headed_by_prak_sokhonn():
    heads = set(
        Delegation.objects.filter(
            participant__code="KH", meeting__slug__startswith="2022-"
        ).values_list("attendance", "head_name", "head_title")
    )
    assert heads == {
        ("confirmed", "Prak Sokhonn", "Minister of Foreign Affairs and International Cooperation")
    }


def test_reference_delegations_cover_every_attendance_state():
    states = set(
        Delegation.objects.filter(meeting__slug__startswith="2022-").values_list(
            "attendance", flat=True
        )
    )
    assert states == {"invited", "confirmed", "declined"}


def test_samples_are_labelled_and_upcoming():
    samples = Meeting.objects.filter(slug__startswith="sample-")
    assert samples.count() == 5
    assert all(m.title.startswith("[Sample]") and m.start > TODAY for m in samples)
    assert samples.filter(published=False).count() == 1


def test_delegations_are_written_through_the_service_as_the_record_has_them():
    khmer = Delegation.objects.get(meeting__slug="2022-amm-55", participant__code="KH")
    created = khmer.history.get(history_type="+")
    assert (
        khmer.attendance,
        khmer.answered_at,
        khmer.answered_via,
        khmer.revision,
        created.history_user,
        created.history_change_reason,
    ) == (
        "confirmed",
        dt.datetime(2022, 7, 31, tzinfo=zoneinfo.ZoneInfo("Asia/Phnom_Penh")),
        "demo",
        1,
        None,
        "Demo data",
    )
    # Recorded as invited a month before: no invitation goes, even to the upcoming samples.
    assert Reminder.objects.count() == 0
