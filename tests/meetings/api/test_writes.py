"""Writes: who may make them, that they go through the services, and that bad input is a 400."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from meetings import services
from meetings.enums import AnswerChannel, MeetingStatus
from meetings.models import Delegation, Format, Meeting, Venue
from tests.conftest import TODAY
from tests.factories import (
    FormatFactory,
    MeetingFactory,
    ParticipantFactory,
    UserFactory,
    VenueFactory,
)
from tests.meetings.api.expected import NO_PRESS, field_problem, problem

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
# 2030-08-03 09:00 in Phnom Penh (UTC+7)
START = dt.datetime(2030, 8, 3, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def calendar(db, frozen_now):
    """One upcoming 55th AMM in Phnom Penh, hosted by Cambodia, with Cambodia's delegation."""
    cambodia = ParticipantFactory(code="KH", name="Cambodia")
    ParticipantFactory(code="RU", name="Russia")
    amm = FormatFactory(code="AMM", name="ASEAN Foreign Ministers' Meeting", short_name="AMM")
    venue = VenueFactory(name="Phnom Penh", city="Phnom Penh")
    meeting = MeetingFactory(format=amm, number=55, venue=venue, host=cambodia, start=START)
    delegation = services.delegation_create(meeting=meeting, participant=cambodia, by=None)
    return meeting, delegation


def write_requests(meeting: Meeting, delegation: Delegation) -> dict[str, tuple[str, str, dict]]:
    slug, pk = meeting.slug, delegation.pk
    return {
        "meeting create": (
            "post",
            "/api/v1/meetings/",
            {
                "format": "AMM",
                "number": 56,
                "venue": meeting.venue_id,
                "start": "2031-07-20T09:00:00+07:00",
                "end": "2031-07-20T12:00:00+07:00",
            },
        ),
        "meeting update": ("patch", f"/api/v1/meetings/{slug}/", {"title": "55th AMM"}),
        "meeting cancel": ("post", f"/api/v1/meetings/{slug}/cancel/", {"reason": "Typhoon"}),
        "meeting postpone": ("post", f"/api/v1/meetings/{slug}/postpone/", {"reason": "Later"}),
        "meeting reschedule": (
            "post",
            f"/api/v1/meetings/{slug}/reschedule/",
            {"start": "2030-08-04T09:00:00+07:00", "end": "2030-08-04T12:00:00+07:00"},
        ),
        "meeting invite": ("post", f"/api/v1/meetings/{slug}/invite/", {}),
        "delegation create": (
            "post",
            "/api/v1/delegations/",
            {"meeting": slug, "participant": "ru"},
        ),
        "delegation update": ("patch", f"/api/v1/delegations/{pk}/", {"head_name": "Prak Sokhonn"}),
        "delegation answer": (
            "post",
            f"/api/v1/delegations/{pk}/answer/",
            {"attendance": "confirmed"},
        ),
    }


WRITES = [
    "meeting create",
    "meeting update",
    "meeting cancel",
    "meeting postpone",
    "meeting reschedule",
    "meeting invite",
    "delegation create",
    "delegation update",
    "delegation answer",
]
SUCCESS = {"meeting create": 201, "delegation create": 201}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("viewer", 403), ("editor", None), ("superuser", None)],
)
def test_permission_matrix(calendar, client_for, request, write, who, expected):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    method, url, payload = write_requests(*calendar)[write]
    response = getattr(client_for(user), method)(url, payload, format="json")
    assert response.status_code == (expected or SUCCESS.get(write, 200))


def test_anonymous_write_names_the_missing_credentials(calendar, anon):
    response = anon.post("/api/v1/meetings/", {}, format="json")
    assert (response.status_code, response.json(), response["WWW-Authenticate"]) == (
        401,
        problem(401, "Authentication credentials were not provided."),
        "Token",
    )


def test_viewer_write_is_refused_with_a_reason(calendar, client_for, viewer):
    meeting, _ = calendar
    response = client_for(viewer).post(f"/api/v1/meetings/{meeting.slug}/cancel/", format="json")
    assert (response.status_code, response.json()) == (
        403,
        problem(403, "You do not have permission to make this change."),
    )


def test_bad_token_is_401(calendar):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/v1/meetings/")
    assert (response.status_code, response.json()) == (401, problem(401, "Invalid token."))


def test_staff_session_may_write(calendar, editor):
    meeting, _ = calendar
    client = APIClient()
    client.force_login(editor)
    response = client.patch(f"/api/v1/meetings/{meeting.slug}/", {"mode": "virtual"}, format="json")
    assert (response.status_code, Meeting.objects.get(pk=meeting.pk).mode) == (200, "virtual")


def test_non_staff_session_may_not_write_but_its_token_may(calendar, client_for):
    meeting, _ = calendar
    clerk = UserFactory(username="clerk", is_staff=False)
    clerk.user_permissions.add(Permission.objects.get(codename="change_meeting"))
    session = APIClient()
    session.force_login(clerk)
    by_session = session.patch(
        f"/api/v1/meetings/{meeting.slug}/", {"mode": "hybrid"}, format="json"
    )
    by_token = client_for(clerk).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"mode": "hybrid"}, format="json"
    )
    assert (by_session.status_code, by_token.status_code) == (403, 200)


# Meetings ----------------------------------------------------------------------------------


def test_create_meeting_returns_it_and_records_the_user(calendar, client_for, editor):
    meeting, _ = calendar
    venue = meeting.venue
    response = client_for(editor).post(
        "/api/v1/meetings/",
        {
            "format": "amm",
            "number": 56,
            "venue": venue.pk,
            "host": "kh",
            "start": "2031-07-20T09:00:00+07:00",
            "end": "2031-07-20T12:30:00+07:00",
            "published": True,
            "description": "<p>Opening <script>x()</script>session</p>",
        },
        format="json",
    )
    created = Meeting.objects.get(slug="2031-amm-56")
    assert (response.status_code, response["Location"], response.json()) == (
        201,
        f"{SITE}/api/v1/meetings/2031-amm-56/",
        {
            "slug": "2031-amm-56",
            "title": "56th ASEAN Foreign Ministers' Meeting",
            "format": {"code": "AMM", "name": "ASEAN Foreign Ministers' Meeting"},
            "number": 56,
            "counterpart": None,
            "status": "scheduled",
            "status_note": "",
            "mode": "in_person",
            "start": "2031-07-20T09:00:00+07:00",
            "end": "2031-07-20T12:30:00+07:00",
            "all_day": False,
            "daily_hours": False,
            "timezone": "Asia/Phnom_Penh",
            "first_day": "2031-07-20",
            "last_day": "2031-07-20",
            "venue": {
                "id": venue.pk,
                "name": "Phnom Penh",
                "name_local": "",
                "city": "Phnom Penh",
                "country": "KH",
                "address": "",
                "timezone": "Asia/Phnom_Penh",
                "latitude": 11.5564,
                "longitude": 104.9282,
            },
            "host": "KH",
            "event": None,
            "delegations": [],
            "url": f"{SITE}/meetings/2031-amm-56/",
            "ical_url": f"{SITE}/meetings/2031-amm-56.ics",
            "sequence": 0,
            "updated_at": "2026-11-02T03:00:00Z",
            "published": True,
            "description": "<p>Opening session</p>",
            "confirmation_deadline": None,
            "chair": None,
            "co_chair": None,
            "created_at": "2026-11-02T03:00:00Z",
            "press": NO_PRESS,
            "documents": [],
            "sources": [],
        },
    )
    history = created.history.get()
    assert (history.history_user, history.history_change_reason) == (
        editor,
        "Created through the API",
    )


def test_create_all_day_meeting_from_its_days(calendar, client_for, editor):
    yangon = Venue.objects.create(
        name="Myanmar International Convention Centre",
        city="Naypyidaw",
        country_code="MM",
        timezone="Asia/Yangon",
        latitude=Decimal("19.745000"),
        longitude=Decimal("96.129700"),
    )
    response = client_for(editor).post(
        "/api/v1/meetings/",
        {
            "format": "AMM",
            "number": 60,
            "venue": yangon.pk,
            "all_day": True,
            "first_day": "2032-07-10",
            "last_day": "2032-07-12",
        },
        format="json",
    )
    body = response.json()
    stored = Meeting.objects.get(slug="2032-amm-60")
    assert (
        response.status_code,
        body["start"],
        body["end"],
        body["first_day"],
        body["last_day"],
        stored.start,
    ) == (
        201,
        "2032-07-10T00:00:00+06:30",
        "2032-07-13T00:00:00+06:30",
        "2032-07-10",
        "2032-07-12",
        dt.datetime(2032, 7, 9, 17, 30, tzinfo=dt.UTC),
    )


def test_create_all_day_meeting_from_midnights_as_shown(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        "/api/v1/meetings/",
        {
            "format": "AMM",
            "number": 57,
            "venue": meeting.venue_id,
            "all_day": True,
            "start": "2032-08-03T00:00:00+07:00",
            "end": "2032-08-05T00:00:00+07:00",
        },
        format="json",
    )
    body = response.json()
    assert (response.status_code, body["first_day"], body["last_day"]) == (
        201,
        "2032-08-03",
        "2032-08-04",
    )


BAD_MEETINGS = [
    (
        {"start": "2031-07-20T09:00:00"},
        {"start": ["start must carry a UTC offset (e.g. 2022-08-03T09:00:00+07:00)."]},
    ),
    (
        {"end": "2031-07-20T08:00:00+07:00"},
        {"end": ["The end must be after the start."]},
    ),
    (
        {"end": "2031-07-20T09:00:00+07:00"},
        {"end": ["The end must be after the start."]},
    ),
    ({"format": "XX"}, {"format": ["There is no format code “XX”."]}),
    ({"format": 7}, {"format": ["Give a format code as a string, e.g. “AMM”."]}),
    ({"venue": 999999}, {"venue": ["There is no venue with id 999999."]}),
    ({"venue": "1"}, {"venue": ["Give a venue id (an integer); see /api/v1/venues/."]}),
    ({"host": "ZZ"}, {"host": ["There is no participant code “ZZ”."]}),
    ({"counterpart": "Q"}, {"counterpart": ["Give a participant code as a string, e.g. “KH”."]}),
    ({"event": "no-such-event"}, {"event": ["There is no event slug “no-such-event”."]}),
    (
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": ["“Mars/Olympus_Mons” is not an IANA time zone name (e.g. Asia/Phnom_Penh)."]},
    ),
    (
        {"venue": None},
        {"timezone": ["Give an IANA time zone, or a venue that has one."]},
    ),
    ({"number": 0}, {"number": ["Ensure this value is greater than or equal to 1."]}),
    ({"number": "56"}, {"number": ["A valid integer is required."]}),
    ({"title": 56}, {"title": ["Not a valid string."]}),
    ({"published": "yes"}, {"published": ["Must be a valid boolean."]}),
    ({"status": "done"}, {"status": ['"done" is not a valid choice.']}),
    (
        {"start": "9999-12-31T23:00:00-12:00", "end": "9999-12-31T23:30:00-12:00"},
        {
            "start": ["start must fall between the years 1967 and 2200."],
            "end": ["end must fall between the years 1967 and 2200."],
        },
    ),
    (
        {"all_day": True},
        {
            "start": [
                "An all-day meeting's start is midnight in Asia/Phnom_Penh; or give first_day "
                "and last_day."
            ]
        },
    ),
    (
        {"all_day": True, "start": None, "end": None, "first_day": "2031-07-21"},
        {"start": ["This field may not be null."], "end": ["This field may not be null."]},
    ),
    (
        {"first_day": "2031-07-20", "last_day": "2031-07-20"},
        {"non_field_errors": ["Give start and end, or first_day and last_day, not both."]},
    ),
    (
        {
            "all_day": True,
            "start": "__drop__",
            "end": "__drop__",
            "first_day": "2031-07-21",
            "last_day": "2031-07-20",
        },
        {"last_day": ["The last day cannot be before the first day."]},
    ),
    (
        {"start": "__drop__", "end": "__drop__"},
        {"start": ["This field is required."]},
    ),
]


@pytest.mark.parametrize(("change", "errors"), BAD_MEETINGS)
def test_create_meeting_bad_input_is_400_naming_the_field(
    calendar, client_for, editor, change, errors
):
    meeting, _ = calendar
    payload = {
        "format": "AMM",
        "number": 56,
        "venue": meeting.venue_id,
        "start": "2031-07-20T09:00:00+07:00",
        "end": "2031-07-20T12:00:00+07:00",
    } | change
    payload = {name: value for name, value in payload.items() if value != "__drop__"}
    response = client_for(editor).post("/api/v1/meetings/", payload, format="json")
    assert (response.status_code, response.json(), Meeting.objects.count()) == (
        400,
        field_problem(errors),
        1,
    )


def test_create_meeting_with_a_taken_number_is_409_naming_the_field(calendar, client_for, editor):
    meeting, _ = calendar
    payload = {
        "format": "AMM",
        "number": 55,
        "venue": meeting.venue_id,
        "start": "2031-07-20T09:00:00+07:00",
        "end": "2031-07-20T12:00:00+07:00",
    }
    response = client_for(editor).post("/api/v1/meetings/", payload, format="json")
    assert (response.status_code, response.json(), Meeting.objects.count()) == (
        409,
        field_problem({"number": ["AMM number 55 already exists: 2030-amm-55."]}, status=409),
        1,
    )


def test_malformed_json_is_400(calendar, client_for, editor):
    response = client_for(editor).post(
        "/api/v1/meetings/", data="{not json", content_type="application/json"
    )
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/problem+json",
        problem(
            400,
            "JSON parse error - Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
    )


def test_json_that_is_not_an_object_is_400(calendar, client_for, editor):
    response = client_for(editor).post("/api/v1/meetings/", [1, 2], format="json")
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    )


def test_form_encoded_body_is_415(calendar, client_for, editor):
    response = client_for(editor).post(
        "/api/v1/meetings/", "format=AMM", content_type="application/x-www-form-urlencoded"
    )
    assert (response.status_code, response.json()) == (
        415,
        problem(415, 'Unsupported media type "application/x-www-form-urlencoded" in request.'),
    )


def test_update_title_raises_sequence_and_records_the_user(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"title": "AMM 55 (resumed)"}, format="json"
    )
    stored = Meeting.objects.get(pk=meeting.pk)
    history = stored.history.first()
    assert (
        response.status_code,
        response.json()["sequence"],
        stored.title,
        history.history_user,
        history.history_change_reason,
    ) == (200, 1, "AMM 55 (resumed)", editor, "Updated through the API")


def test_update_description_keeps_sequence_but_moves_updated_at(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"description": "Agenda to follow."}, format="json"
    )
    assert (response.status_code, response.json()["sequence"]) == (200, 0)


def test_update_venue_adopts_its_zone_and_keeps_the_instants(calendar, client_for, editor):
    meeting, _ = calendar
    manila = VenueFactory(name="PICC", city="Manila", country_code="PH", timezone="Asia/Manila")
    response = client_for(editor).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"venue": manila.pk}, format="json"
    )
    body = response.json()
    assert (response.status_code, body["timezone"], body["start"], body["sequence"]) == (
        200,
        "Asia/Manila",
        "2030-08-03T10:00:00+08:00",
        1,
    )


def test_update_all_day_zone_keeps_the_days(calendar, client_for, editor):
    meeting, _ = calendar
    client = client_for(editor)
    client.patch(
        f"/api/v1/meetings/{meeting.slug}/",
        {"all_day": True, "first_day": "2030-08-03", "last_day": "2030-08-04"},
        format="json",
    )
    response = client.patch(
        f"/api/v1/meetings/{meeting.slug}/", {"timezone": "Asia/Dili"}, format="json"
    )
    body = response.json()
    assert (response.status_code, body["start"], body["end"], body["last_day"]) == (
        200,
        "2030-08-03T00:00:00+09:00",
        "2030-08-05T00:00:00+09:00",
        "2030-08-04",
    )


def test_update_number_to_an_existing_one_is_409(calendar, client_for, editor):
    meeting, _ = calendar
    MeetingFactory(format=meeting.format, number=54, start=START - dt.timedelta(days=365))
    response = client_for(editor).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"number": 54}, format="json"
    )
    assert (response.status_code, response.json()) == (
        409,
        field_problem({"number": ["AMM number 54 already exists: 2029-amm-54."]}, status=409),
    )


def test_update_unknown_meeting_is_404(calendar, client_for, editor):
    response = client_for(editor).patch("/api/v1/meetings/1999-amm-32/", {}, format="json")
    assert (response.status_code, response.json()) == (
        404,
        problem(404, "No Meeting matches the given query."),
    )


def test_cancel_goes_through_the_service(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        f"/api/v1/meetings/{meeting.slug}/cancel/", {"reason": "Typhoon"}, format="json"
    )
    stored = Meeting.objects.get(pk=meeting.pk)
    history = stored.history.first()
    assert (
        response.status_code,
        response.json()["status"],
        response.json()["status_note"],
        stored.sequence,
        history.history_user,
        history.history_change_reason,
    ) == (200, "cancelled", "Typhoon", 1, editor, "Cancelled: Typhoon")


def test_postpone_then_reschedule_makes_it_scheduled_again(calendar, client_for, editor):
    meeting, _ = calendar
    client = client_for(editor)
    client.post(f"/api/v1/meetings/{meeting.slug}/postpone/", {"reason": "Later"}, format="json")
    response = client.post(
        f"/api/v1/meetings/{meeting.slug}/reschedule/",
        {"start": "2030-09-01T14:00:00+07:00", "end": "2030-09-01T17:00:00+07:00"},
        format="json",
    )
    body = response.json()
    assert (
        response.status_code,
        body["status"],
        body["start"],
        body["end"],
        body["sequence"],
        Meeting.objects.get(pk=meeting.pk).history.first().history_change_reason,
    ) == (
        200,
        "scheduled",
        "2030-09-01T14:00:00+07:00",
        "2030-09-01T17:00:00+07:00",
        2,
        "Rescheduled",
    )


def test_reschedule_to_all_day(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        f"/api/v1/meetings/{meeting.slug}/reschedule/",
        {"all_day": True, "first_day": "2030-08-10", "last_day": "2030-08-11", "reason": "Retreat"},
        format="json",
    )
    body = response.json()
    assert (response.status_code, body["all_day"], body["start"], body["end"]) == (
        200,
        True,
        "2030-08-10T00:00:00+07:00",
        "2030-08-12T00:00:00+07:00",
    )


def test_reschedule_without_times_is_400(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        f"/api/v1/meetings/{meeting.slug}/reschedule/", {"reason": "?"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"non_field_errors": ["Give start and end, or first_day and last_day."]}),
    )


def test_reschedule_naive_end_is_400(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        f"/api/v1/meetings/{meeting.slug}/reschedule/",
        {"start": "2030-09-01T14:00:00+07:00", "end": "2030-09-01T17:00:00"},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"end": ["end must carry a UTC offset (e.g. 2022-08-03T09:00:00+07:00)."]}),
    )


def test_invite_adds_the_formats_participants(demo, client_for, editor):
    som = services.meeting_create(
        by=None,
        format=Format.objects.get(code="SOM"),
        venue=Venue.objects.get(name="Manila"),
        start=dt.datetime(2027, 3, 2, 1, tzinfo=dt.UTC),
        end=dt.datetime(2027, 3, 2, 4, tzinfo=dt.UTC),
        published=True,
    )
    response = client_for(editor).post(f"/api/v1/meetings/{som.slug}/invite/", format="json")
    again = client_for(editor).post(f"/api/v1/meetings/{som.slug}/invite/", format="json")
    assert (
        response.status_code,
        [d["participant"] for d in response.json()],
        again.json(),
    ) == (
        200,
        # ASEAN's 11 members in 2027, by name
        ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"],
        [],
    )


# Delegations -------------------------------------------------------------------------------


def test_answer_goes_through_the_service(calendar, client_for, editor):
    _, delegation = calendar
    response = client_for(editor).post(
        f"/api/v1/delegations/{delegation.pk}/answer/",
        {
            "attendance": "confirmed",
            "head_name": "Prak Sokhonn",
            "head_title": "Minister of Foreign Affairs and International Cooperation",
            "level": "minister",
        },
        format="json",
    )
    stored = Delegation.objects.get(pk=delegation.pk)
    history = stored.history.first()
    assert (
        response.status_code,
        response.json()["attendance"],
        response.json()["answered_at"],
        stored.answered_via,
        stored.head_name,
        history.history_user,
        history.history_change_reason,
    ) == (
        200,
        "confirmed",
        "2026-11-02T03:00:00Z",
        AnswerChannel.API,
        "Prak Sokhonn",
        editor,
        "Confirmed through API",
    )


def test_answer_shows_in_the_meeting(calendar, client_for, editor, anon):
    meeting, delegation = calendar
    client_for(editor).post(
        f"/api/v1/delegations/{delegation.pk}/answer/", {"attendance": "declined"}, format="json"
    )
    delegations = anon.get(f"/api/v1/meetings/{meeting.slug}/").json()["delegations"]
    assert delegations == [
        {
            "id": delegation.pk,
            "participant": "KH",
            "head_name": "",
            "head_title": "",
            "level": "",
            "attendance": "declined",
        }
    ]


def test_answer_must_be_confirmed_or_declined(calendar, client_for, editor):
    _, delegation = calendar
    response = client_for(editor).post(
        f"/api/v1/delegations/{delegation.pk}/answer/", {"attendance": "invited"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"attendance": ['"invited" is not a valid choice.']}),
    )


def test_create_delegation_through_the_service(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        "/api/v1/delegations/",
        {
            "meeting": meeting.slug,
            "participant": "ru",
            "contact_emails": ["asean@mid.example", "desk@mid.example"],
            "attendance": "confirmed",
            "head_name": "Sergey Lavrov",
        },
        format="json",
    )
    created = Delegation.objects.get(meeting=meeting, participant__code="RU")
    assert (response.status_code, response["Location"], response.json()) == (
        201,
        f"{SITE}/api/v1/delegations/{created.pk}/",
        {
            "id": created.pk,
            "meeting": meeting.slug,
            "participant": "RU",
            "head_name": "Sergey Lavrov",
            "head_title": "",
            "level": "",
            "attendance": "confirmed",
            "answered_at": "2026-11-02T03:00:00Z",
            "updated_at": "2026-11-02T03:00:00Z",
            "answered_via": "api",
            "invited_at": "2026-11-02T03:00:00Z",
            "contact_emails": ["asean@mid.example", "desk@mid.example"],
            "reminders_paused": False,
            "notes": "",
        },
    )


def test_create_duplicate_delegation_is_409(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        "/api/v1/delegations/", {"meeting": meeting.slug, "participant": "KH"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        409,
        field_problem({"participant": ["KH already has a delegation to 2030-amm-55."]}, status=409),
    )


def test_create_delegation_bad_addresses_are_400(calendar, client_for, editor):
    meeting, _ = calendar
    response = client_for(editor).post(
        "/api/v1/delegations/",
        {"meeting": meeting.slug, "participant": "RU", "contact_emails": ["ok@mid.example", "x"]},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"contact_emails.1": ["Enter a valid email address."]}),
    )


def test_create_delegation_to_unknown_meeting_is_400(calendar, client_for, editor):
    response = client_for(editor).post(
        "/api/v1/delegations/", {"meeting": "1999-amm-32", "participant": "RU"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        field_problem({"meeting": ["There is no slug “1999-amm-32”."]}),
    )


def test_update_delegation_contacts(calendar, client_for, editor):
    _, delegation = calendar
    response = client_for(editor).patch(
        f"/api/v1/delegations/{delegation.pk}/",
        {"contact_emails": ["protocol@mfaic.example"], "reminders_paused": True},
        format="json",
    )
    stored = Delegation.objects.get(pk=delegation.pk)
    assert (response.status_code, stored.contact_emails, stored.reminders_paused) == (
        200,
        "protocol@mfaic.example",
        True,
    )


# Optimistic concurrency (If-Match) ---------------------------------------------------------


def test_if_match_with_current_etag_succeeds(calendar, client_for, editor):
    meeting, _ = calendar
    client = client_for(editor)
    etag = client.get(f"/api/v1/meetings/{meeting.slug}/")["ETag"]
    response = client.patch(
        f"/api/v1/meetings/{meeting.slug}/", {"mode": "virtual"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200


def test_if_match_with_stale_etag_is_412(calendar, client_for, editor, superuser):
    meeting, _ = calendar
    client = client_for(editor)
    etag = client.get(f"/api/v1/meetings/{meeting.slug}/")["ETag"]
    client_for(superuser).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"mode": "hybrid"}, format="json"
    )
    response = client.post(
        f"/api/v1/meetings/{meeting.slug}/cancel/",
        {"reason": "x"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert (response.status_code, response.json(), Meeting.objects.get(pk=meeting.pk).status) == (
        412,
        problem(412, "The object changed since you read it: its ETag no longer matches If-Match."),
        MeetingStatus.SCHEDULED,
    )


def test_if_match_on_delegation_answer(calendar, client_for, editor):
    _, delegation = calendar
    client = client_for(editor)
    etag = client.get(f"/api/v1/delegations/{delegation.pk}/")["ETag"]
    first = client.post(
        f"/api/v1/delegations/{delegation.pk}/answer/",
        {"attendance": "confirmed"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    second = client.post(
        f"/api/v1/delegations/{delegation.pk}/answer/",
        {"attendance": "declined"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert (first.status_code, second.status_code) == (200, 412)


def test_write_response_moves_updated_at(calendar, client_for, editor, frozen_now):
    meeting, _ = calendar
    frozen_now.shift(dt.timedelta(minutes=5))
    response = client_for(editor).patch(
        f"/api/v1/meetings/{meeting.slug}/", {"status_note": "Confirmed"}, format="json"
    )
    assert response.json()["updated_at"] == (TODAY + dt.timedelta(minutes=5)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


SURROGATE = "A lone surrogate (U+D800-U+DFFF) is not a character: send the text as UTF-8."


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ('{"title": "\\ud800"}', {"title": [SURROGATE]}),
        ('{"reason": "ok", "x": ["\\udfff"]}', {"x": [SURROGATE]}),
        ('{"\\ud800": 1}', {"non_field_errors": [f"A field name: {SURROGATE}"]}),
    ],
)
def test_lone_surrogate_in_json_is_400_naming_the_field(calendar, client_for, editor, body, errors):
    meeting, _ = calendar
    response = client_for(editor).generic(
        "PATCH", f"/api/v1/meetings/{meeting.slug}/", body, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (400, field_problem(errors))


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"timezone": "Asia/\x00"}, {"timezone": ["Null characters are not allowed."]}),
        ({"status": "\x00"}, {"status": ['"\x00" is not a valid choice.']}),
        ({"venue": 2**70}, {"venue": [f"There is no venue with id {2**70}."]}),
        (
            {"event": "a\x00"},
            {
                "event": [
                    "Give an event slug as a string, e.g. “2022-55th-amm-and-related-meetings”."
                ]
            },
        ),
        ({"number": 2**40}, {"number": ["Ensure this value is less than or equal to 32767."]}),
    ],
)
def test_hostile_update_is_400_naming_the_field(calendar, client_for, editor, change, errors):
    meeting, _ = calendar
    response = client_for(editor).patch(f"/api/v1/meetings/{meeting.slug}/", change, format="json")
    assert (response.status_code, response.json()) == (400, field_problem(errors))


# Unsupported methods -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "bad token", "viewer", "editor"])
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/api/v1/meetings/2030-amm-55/", "GET, PATCH, HEAD, OPTIONS"),
        ("put", "/api/v1/meetings/2030-amm-55/", "GET, PATCH, HEAD, OPTIONS"),
        ("patch", "/api/v1/meetings/", "GET, POST, HEAD, OPTIONS"),
        ("post", "/api/v1/formats/", "GET, HEAD, OPTIONS"),
        ("get", "/api/v1/meetings/2030-amm-55/cancel/", "POST, OPTIONS"),
        ("post", "/api/v1/", "GET, HEAD, OPTIONS"),
    ],
)
def test_unsupported_method_is_405_before_credentials_are_checked(
    calendar, client_for, request, viewer, editor, who, method, path, allow
):
    if who == "bad token":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    else:
        client = client_for(None if who == "anonymous" else request.getfixturevalue(who))
    response = getattr(client, method)(path, {}, format="json")
    assert (
        response.status_code,
        response["Allow"],
        response["Content-Type"],
        response.json(),
        Meeting.objects.get(slug="2030-amm-55").status,
    ) == (
        405,
        allow,
        "application/problem+json",
        problem(405, f'Method "{method.upper()}" not allowed.'),
        MeetingStatus.SCHEDULED,
    )


# Write responses carry the ETag a GET returns ----------------------------------------------


def test_write_responses_carry_the_etag_a_get_returns(calendar, client_for, editor):
    meeting, delegation = calendar
    client = client_for(editor)
    url = f"/api/v1/meetings/{meeting.slug}/"
    writes = [
        client.patch(url, {"status_note": "Confirmed"}, format="json"),
        client.post(f"{url}postpone/", {"reason": "Venue"}, format="json"),
        client.post(
            f"{url}reschedule/",
            {"start": "2030-09-01T14:00:00+07:00", "end": "2030-09-01T17:00:00+07:00"},
            format="json",
        ),
        client.post(f"{url}cancel/", {"reason": "Storm"}, format="json"),
    ]
    etags = [response["ETag"] for response in writes]
    read = client.get(url)
    answered = client.post(
        f"/api/v1/delegations/{delegation.pk}/answer/", {"attendance": "declined"}, format="json"
    )
    read_delegation = client.get(f"/api/v1/delegations/{delegation.pk}/")
    assert (
        [response.status_code for response in writes],
        len(set(etags)),
        etags[-1],
        answered.status_code,
        answered["ETag"],
    ) == ([200, 200, 200, 200], 4, read["ETag"], 200, read_delegation["ETag"])


def test_created_resources_carry_the_etag_a_get_returns(calendar, client_for, editor):
    meeting, _ = calendar
    client = client_for(editor)
    created_meeting = client.post(
        "/api/v1/meetings/",
        {
            "format": "AMM",
            "number": 56,
            "venue": meeting.venue_id,
            "start": "2031-07-20T09:00:00+07:00",
            "end": "2031-07-20T12:00:00+07:00",
        },
        format="json",
    )
    created_delegation = client.post(
        "/api/v1/delegations/", {"meeting": meeting.slug, "participant": "RU"}, format="json"
    )
    assert (
        created_meeting.status_code,
        created_meeting["ETag"],
        created_delegation.status_code,
        created_delegation["ETag"],
    ) == (
        201,
        client.get(created_meeting["Location"])["ETag"],
        201,
        client.get(created_delegation["Location"])["ETag"],
    )


def test_write_etag_is_accepted_by_if_match(calendar, client_for, editor):
    meeting, _ = calendar
    client = client_for(editor)
    url = f"/api/v1/meetings/{meeting.slug}/"
    first = client.patch(url, {"status_note": "Confirmed"}, format="json")
    second = client.patch(url, {"mode": "hybrid"}, format="json", HTTP_IF_MATCH=first["ETag"])
    stale = client.patch(url, {"mode": "virtual"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert (second.status_code, stale.status_code) == (200, 412)
