"""Hostile text through the secretariat's admin forms, as a logged-in superuser.

Each request carries a hostile value in every text field at once: it is refused with
errors naming exactly the fields whose value the validators refuse (and nothing is
written), or saved with exactly the values they define, which every public output
then shows safely.
"""

import zoneinfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, note
from hypothesis import strategies as st

from meetings import reminders
from meetings.forms import MeetingAdminForm, VenueAdminForm
from meetings.models import Delegation, Event, Meeting, Participant, Venue
from meetings.selectors import meeting_title_default
from meetings.validators import split_addresses, validate_calendar_year

from . import tally
from .conftest import isolated
from .expect import REFUSED, admin_value, rich_text
from .outputs import assert_outputs
from .posts import (
    change_url,
    delegation_form,
    event_form,
    meeting_form,
    participant_form,
    venue_form,
)
from .state import calendar_state
from .strategies import (
    DATES,
    HOSTILE,
    KNOWN,
    NUMBERS,
    ONE_MB_PAYLOAD,
    TIMES,
    fits_one_request,
    hostile_text,
    hostile_values,
    shown,
    spread,
    with_examples,
)
from .transport import post_form, received

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]


def form_errors(response) -> set[str]:
    return set(response.context["adminform"].form.errors)


def assert_refused(response, fields: set[str], before: dict) -> None:
    """The form came back naming exactly `fields`, and nothing was written."""
    assert (response.status_code, form_errors(response)) == (200, fields)
    assert calendar_state() == before


# Meetings ------------------------------------------------------------------------------------

MEETING_TEXT = ("title", "status_note", "description", "slug")


@HOSTILE
@with_examples("values", spread(MEETING_TEXT))
@given(values=hostile_values(MEETING_TEXT))
def test_admin_meeting_change_hostile_text_refused_or_stored_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        meeting = Meeting.objects.get(pk=world.meeting.pk)
        before = calendar_state()
        expected = {
            name: admin_value(Meeting, name, values[name])
            for name in ("title", "status_note", "description")
        }

        response = tally.send(
            "admin meeting change",
            lambda: post_form(client, change_url(meeting), meeting_form(meeting, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Meeting.objects.get(pk=meeting.pk)
        assert (stored.title, stored.status_note, stored.description, stored.slug) == (
            expected["title"] or meeting_title_default(meeting),
            expected["status_note"],
            rich_text(expected["description"]),
            meeting.slug,  # read-only: a posted slug is ignored
        )
        assert_outputs(client, stored, baseline)


def test_admin_body_past_the_upload_limit_refused_whole(client, superuser, world):
    """Two 1 MB values: Django refuses the body before any form reads it, writing nothing."""
    client.force_login(superuser)
    meeting = world.meeting
    before = calendar_state()
    form = meeting_form(meeting, title=ONE_MB_PAYLOAD, description=ONE_MB_PAYLOAD)

    response = tally.send(
        "admin meeting change", lambda: post_form(client, change_url(meeting), form), inputs=2
    )

    assert (response.status_code, calendar_state()) == (400, before)


@HOSTILE
# The change form takes every known payload in these fields; a third of them will do here.
@with_examples("values", spread(("title", "status_note", "description"), KNOWN[::3]))
@given(values=hostile_values(("title", "status_note", "description")))
def test_admin_meeting_add_hostile_text_refused_or_created_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        before = calendar_state()
        expected = {name: admin_value(Meeting, name, value) for name, value in values.items()}
        form = meeting_form(world.meeting, number="61", revision_seen="", **values)

        response = tally.send(
            "admin meeting add",
            lambda: post_form(client, "/admin/meetings/meeting/add/", form),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        created = Meeting.objects.get(number=61)
        assert (created.title, created.status_note, created.description, created.slug) == (
            expected["title"] or "61st ASEAN Foreign Ministers' Meeting",
            expected["status_note"],
            rich_text(expected["description"]),
            "2026-amm-61",
        )
        assert_outputs(client, created, baseline, shown={"page", "ics"})


# The fields a meeting's time is entered with, each as the form posts it.
WHEN_CORPUS = {
    "start_date": DATES,
    "end_date": DATES,
    "start_time": TIMES,
    "end_time": TIMES,
    "timezone": ("Asia/Bangkok", "asia/bangkok", " Asia/Bangkok", "Asia/Bangkok\x00", "UTC"),
    "number": NUMBERS,
    "confirmation_deadline_0": DATES,
    "confirmation_deadline_1": TIMES,
}
WHEN_FIELDS = tuple(WHEN_CORPUS)
# Form fields and the posted values they parse (the deadline is split in two).
PARSED_FROM = {
    "start_date": ("start_date",),
    "end_date": ("end_date",),
    "start_time": ("start_time",),
    "end_time": ("end_time",),
    "timezone": ("timezone",),
    "number": ("number",),
    "confirmation_deadline": ("confirmation_deadline_0", "confirmation_deadline_1"),
}


# The admin gives model datetime fields a split date-and-time field.
DEADLINE_FIELD = forms.SplitDateTimeField(required=False)


def when_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(sorted({value for corpus in WHEN_CORPUS.values() for value in corpus})),
        st.dates().map(lambda day: day.isoformat()),
        st.times().map(lambda moment: moment.isoformat()),
        hostile_text(),
    )


def when_examples() -> list[dict[str, str]]:
    """Each date, time, zone and number payload once, the rest of the form valid; the
    calendar's far ends; then known text payloads in all of these fields at once."""
    zones, numbers = WHEN_CORPUS["timezone"], NUMBERS
    examples = [
        *({"start_date": day, "number": numbers[n % len(numbers)]} for n, day in enumerate(DATES)),
        *({"start_time": time, "timezone": zones[n % len(zones)]} for n, time in enumerate(TIMES)),
        *(
            {"confirmation_deadline_0": day, "confirmation_deadline_1": time}
            for day, time in zip(DATES[::4], TIMES[::2], strict=True)
        ),
    ]
    edges = [
        {"start_date": "0001-01-01", "start_time": "00:00"},
        {"end_date": "9999-12-31", "end_time": "23:59", "timezone": "America/Adak"},
        {"all_day": "on", "start_date": "9999-12-31", "end_date": "9999-12-31"},
        {"all_day": "on", "start_date": "0001-01-01", "end_date": "0001-01-01"},
        {"confirmation_deadline_0": "2026-11-19", "confirmation_deadline_1": "09:00"},
    ]
    return examples + edges + spread(WHEN_FIELDS, KNOWN[::8])


def at_the_venue(deadline, zone: str):
    """The deadline the form stores: the wall-clock time entered, read in the venue's zone
    (the first of two readings when the clocks go back)."""
    if deadline is None:
        return None
    return timezone.make_naive(deadline).replace(tzinfo=zoneinfo.ZoneInfo(zone))


def parsed_when(form: dict[str, str]) -> tuple[dict[str, object], set[str]]:
    """Each field of the group as the form's own field parses the posted values, and the
    fields that refuse theirs."""
    parsed, refused = {}, set()
    for name, sources in PARSED_FROM.items():
        field = (
            DEADLINE_FIELD
            if name == "confirmation_deadline"
            else MeetingAdminForm.base_fields[name]
        )
        raw = [received(form[source]) for source in sources]
        try:
            parsed[name] = field.clean(raw if len(raw) > 1 else raw[0])
            if name == "confirmation_deadline" and parsed[name] is not None:
                validate_calendar_year(parsed[name])
        except ValidationError:
            refused.add(name)
    return parsed, refused


@HOSTILE
@with_examples("values", when_examples())
@given(
    values=st.dictionaries(st.sampled_from(WHEN_FIELDS), when_value(), min_size=1).filter(
        fits_one_request
    )
)
def test_admin_meeting_dates_zone_and_number_refused_by_name_or_stored(
    client, superuser, world, values
):
    """Dates, times, the zone, the ordinal and the deadline parse or are refused by name."""
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        meeting = Meeting.objects.get(pk=world.meeting.pk)
        before = calendar_state()
        form = meeting_form(meeting, **values)
        parsed, refused = parsed_when(form)

        response = tally.send(
            "admin meeting dates",
            lambda: post_form(client, change_url(meeting), form),
            inputs=len(values),
        )

        if response.status_code == 200:
            # A value that parses may still be refused with another ("the end must be after
            # the start"): the error then names another field of the group.
            errors = form_errors(response)
            assert errors, errors
            assert refused <= errors <= set(PARSED_FROM), errors
            assert calendar_state() == before
            return
        assert (response.status_code, refused) == (302, set())
        stored = Meeting.objects.get(pk=meeting.pk)
        all_day = "all_day" in values
        assert (
            stored.all_day,
            stored.first_day,
            stored.last_day,
            None if all_day else stored.local_start.time(),
            None if all_day else stored.local_end.time(),
            stored.timezone,
            stored.number,
            stored.confirmation_deadline,
        ) == (
            all_day,
            parsed["start_date"],
            parsed["end_date"],
            None if all_day else parsed["start_time"],
            None if all_day else parsed["end_time"],
            parsed["timezone"] or meeting.venue.timezone,
            parsed["number"],
            at_the_venue(
                parsed["confirmation_deadline"], parsed["timezone"] or meeting.venue.timezone
            ),
        )
        # Reminders are planned from these dates: the pass runs whatever they are.
        reminders.reminders_plan(now=stored.created_at)


# Delegations ---------------------------------------------------------------------------------

DELEGATION_TEXT = ("head_name", "head_title", "notes", "contact_emails")
EMAILS = (
    "a@example.com",
    "a@example.com, b@example.com;c@example.com\nd@example.com",
    '"a b"@example.com',
    '"a\\"b"@example.com',
    '"a\x01b"@example.com',
    "üser@exämple.com",
    "a@[127.0.0.1]",
    "a@example.com\r\nBcc: evil@example.com",
    "a@example.com%0d%0aBcc:evil@example.com",
    "=?utf-8?q?evil?= <a@example.com>",
    "Evil <a@example.com>",
    "a@example.com>, <evil@example.com",
    "@example.com",
    "a@example.com" + "m" * 250,
)


def delegation_examples() -> list[dict[str, str]]:
    examples = spread(DELEGATION_TEXT)
    for n, example in enumerate(examples):
        example["contact_emails"] = EMAILS[n % len(EMAILS)] if n % 2 else example["contact_emails"]
    return examples


@HOSTILE
@with_examples("values", delegation_examples())
@given(
    values=st.fixed_dictionaries(
        {
            "head_name": hostile_text(),
            "head_title": hostile_text(),
            "notes": hostile_text(),
            "contact_emails": st.one_of(st.sampled_from(EMAILS), st.emails(), hostile_text()),
        }
    ).filter(fits_one_request)
)
def test_admin_delegation_hostile_head_and_contacts_refused_or_stored_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        delegation = Delegation.objects.get(pk=world.delegation.pk)
        before = calendar_state()
        expected = {name: admin_value(Delegation, name, value) for name, value in values.items()}

        response = tally.send(
            "admin delegation change",
            lambda: post_form(
                client, change_url(delegation), delegation_form(delegation, **values)
            ),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Delegation.objects.get(pk=delegation.pk)
        assert {name: getattr(stored, name) for name in expected} == expected
        assert stored.addresses == split_addresses(expected["contact_emails"])
        assert_outputs(client, stored.meeting, baseline, shown={"page", "ics", "atom", "mail"})


# Reference data shown with meetings ----------------------------------------------------------

PARTICIPANT_TEXT = ("name", "official_name", "name_local")
VENUE_TEXT = ("name", "name_local", "city", "address")
EVENT_TEXT = ("title", "slug", "description")


@HOSTILE
@with_examples("values", spread(PARTICIPANT_TEXT))
@given(values=hostile_values(PARTICIPANT_TEXT))
def test_admin_participant_hostile_names_refused_or_stored_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        host = Participant.objects.get(pk=world.host.pk)
        before = calendar_state()
        expected = {name: admin_value(Participant, name, value) for name, value in values.items()}

        response = tally.send(
            "admin participant change",
            lambda: post_form(client, change_url(host), participant_form(host, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Participant.objects.get(pk=host.pk)
        assert {name: getattr(stored, name) for name in expected} == expected
        assert_outputs(client, world.meeting, baseline, shown={"page", "ics"})


@HOSTILE
@with_examples("code", KNOWN[::6])
@given(code=hostile_text())
def test_admin_participant_add_hostile_code_refused_by_name(client, superuser, world, code):
    note(shown(code))
    client.force_login(superuser)
    with isolated():
        before = calendar_state()
        form = participant_form(Participant(code="", name="Timor-Leste", kind="state"), code=code)

        response = tally.send(
            "admin participant add",
            lambda: post_form(client, "/admin/meetings/participant/add/", form),
        )

        if admin_value(Participant, "code", code) is REFUSED:
            assert_refused(response, {"code"}, before)
        else:
            assert response.status_code == 302
            assert Participant.objects.filter(code=received(code).strip()).count() == 1


@HOSTILE
@with_examples("values", spread(VENUE_TEXT))
@given(values=hostile_values(VENUE_TEXT))
def test_admin_venue_hostile_names_refused_or_stored_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        venue = Venue.objects.get(pk=world.venue.pk)
        before = calendar_state()
        expected = {
            name: admin_value(Venue, name, value, VenueAdminForm) for name, value in values.items()
        }

        response = tally.send(
            "admin venue change",
            lambda: post_form(client, change_url(venue), venue_form(venue, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Venue.objects.get(pk=venue.pk)
        assert {name: getattr(stored, name) for name in expected} == expected
        assert_outputs(client, world.meeting, baseline, shown={"page", "ics"})


@HOSTILE
@with_examples(
    "values",
    [{"timezone": zone} for zone in KNOWN[::12]]
    + [{"country_code": code} for code in KNOWN[1::12]]
    + [{"latitude": number} for number in (*NUMBERS, "NaN", "Infinity", "1e400", "91")],
)
@given(
    values=st.dictionaries(
        st.sampled_from(("timezone", "country_code", "latitude", "longitude")),
        hostile_text(),
        min_size=1,
    ).filter(fits_one_request)
)
def test_admin_venue_hostile_zone_country_and_position_refused_by_name(
    client, superuser, world, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        venue = Venue.objects.get(pk=world.venue.pk)
        before = calendar_state()
        expected = {
            name: admin_value(Venue, name, value, VenueAdminForm) for name, value in values.items()
        }

        response = tally.send(
            "admin venue zone",
            lambda: post_form(client, change_url(venue), venue_form(venue, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Venue.objects.get(pk=venue.pk)
        assert {name: getattr(stored, name) for name in expected} == expected


@HOSTILE
@with_examples("values", spread(EVENT_TEXT))
@given(values=hostile_values(EVENT_TEXT))
def test_admin_event_hostile_title_and_slug_refused_or_stored_exactly(
    client, superuser, world, baseline, values
):
    note(shown(values))
    client.force_login(superuser)
    with isolated():
        event = Event.objects.create(
            title="59th AMM and Related Meetings",
            slug="2026-59th-amm",
            host=world.host,
            start_date=world.meeting.first_day,
            end_date=world.sibling.last_day,
        )
        Meeting.objects.filter(pk__in=[world.meeting.pk, world.sibling.pk]).update(event=event)
        before = calendar_state()
        expected = {name: admin_value(Event, name, value) for name, value in values.items()}

        response = tally.send(
            "admin event change",
            lambda: post_form(client, change_url(event), event_form(event, **values)),
            inputs=len(values),
        )

        refused = {name for name, value in expected.items() if value is REFUSED}
        if refused:
            assert_refused(response, refused, before)
            return
        assert response.status_code == 302
        stored = Event.objects.get(pk=event.pk)
        assert (stored.title, stored.slug, stored.description) == (
            expected["title"],
            expected["slug"],
            rich_text(expected["description"]),
        )
        assert_outputs(client, world.meeting, baseline, shown={"page", "ics"})
