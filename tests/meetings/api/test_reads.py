"""Reads: exact bodies for the reference calendar, visibility, lookups, conditional GET."""

import datetime as dt

import pytest

from meetings import services
from meetings.models import Delegation, Event, Meeting, Venue
from tests.conftest import TODAY
from tests.factories import FormatFactory, MeetingFactory, UserFactory
from tests.meetings.api.expected import NO_PRESS, field_problem, problem

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
STAMP = "2026-11-02T03:00:00Z"  # TODAY, when the demo was loaded
EVENT = {"slug": "2022-55th-amm-and-related-meetings", "title": "55th AMM and Related Meetings"}
PHNOM_PENH_VENUE = {
    "name": "Phnom Penh",
    "name_local": "ភ្នំពេញ",
    "city": "Phnom Penh",
    "country": "KH",
    "address": "",
    "timezone": "Asia/Phnom_Penh",
    "latitude": 11.5564,
    "longitude": 104.9282,
}
MEMBERS_2022 = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]  # by name
PRAK_SOKHONN = {
    "head_name": "Prak Sokhonn",
    "head_title": "Minister of Foreign Affairs and International Cooperation",
    "level": "minister",
    "attendance": "confirmed",
}
LAVROV = {
    "head_name": "Sergey Lavrov",
    "head_title": "Minister of Foreign Affairs",
    "level": "minister",
    "attendance": "confirmed",
}
MYANMAR_DECLINED = {
    "head_name": "",
    "head_title": "",
    "level": "non_political",
    "attendance": "declined",
}
INVITED = {"head_name": "", "head_title": "", "level": "", "attendance": "invited"}

# slug: (format code, format name, number, counterpart, title, day, invited by name, answers)
REFERENCE = {
    "2022-amm-55": (
        "AMM",
        "ASEAN Foreign Ministers' Meeting",
        55,
        None,
        "55th ASEAN Foreign Ministers' Meeting",
        "2022-08-03",
        MEMBERS_2022,
        {"KH": PRAK_SOKHONN, "MM": MYANMAR_DECLINED},
    ),
    "2022-pmc-ru": (
        "PMC",
        "Post Ministerial Conference",
        None,
        "RU",
        "ASEAN-Russia Post Ministerial Conference",
        "2022-08-04",
        ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "RU", "SG", "TH", "VN"],
        {"KH": PRAK_SOKHONN, "RU": LAVROV},
    ),
    "2022-apt-23": (
        "APT",
        "ASEAN Plus Three Foreign Ministers' Meeting",
        23,
        None,
        "23rd ASEAN Plus Three Foreign Ministers' Meeting",
        "2022-08-04",
        ["BN", "KH", "CN", "ID", "JP", "LA", "MY", "MM", "PH", "KR", "SG", "TH", "VN"],
        {"KH": PRAK_SOKHONN},
    ),
    "2022-eas-12": (
        "EAS",
        "East Asia Summit Foreign Ministers' Meeting",
        12,
        None,
        "12th East Asia Summit Foreign Ministers' Meeting",
        "2022-08-05",
        # fmt: off
        [
            "AU",
            "BN",
            "KH",
            "CN",
            "IN",
            "ID",
            "JP",
            "LA",
            "MY",
            "MM",
            "NZ",
            "PH",
            "KR",
            "RU",
            "SG",
            "TH",
            "US",
            "VN",
        ],
        # fmt: on
        {"KH": PRAK_SOKHONN, "RU": LAVROV},
    ),
    "2022-arf-29": (
        "ARF",
        "ASEAN Regional Forum",
        29,
        None,
        "29th ASEAN Regional Forum",
        "2022-08-05",
        # fmt: off
        [
            "AU",
            "BD",
            "BN",
            "KH",
            "CA",
            "CN",
            "KP",
            "EU",
            "IN",
            "ID",
            "JP",
            "LA",
            "MY",
            "MN",
            "MM",
            "NZ",
            "PK",
            "PG",
            "PH",
            "KR",
            "RU",
            "SG",
            "LK",
            "TH",
            "TL",
            "US",
            "VN",
        ],
        # fmt: on
        {"KH": PRAK_SOKHONN, "RU": LAVROV},
    ),
}
NEXT_DAY = {"2022-08-03": "2022-08-04", "2022-08-04": "2022-08-05", "2022-08-05": "2022-08-06"}


def expected_meeting(slug: str, *, detail: bool = True) -> dict:
    """The API body of a reference meeting, written out from docs/domain.md's facts."""
    code, name, number, counterpart, title, day, invited, answers = REFERENCE[slug]
    ids = dict(Delegation.objects.filter(meeting__slug=slug).values_list("participant__code", "pk"))
    body = {
        "slug": slug,
        "title": title,
        "format": {"code": code, "name": name},
        "number": number,
        "counterpart": counterpart,
        "status": "held",
        "status_note": "",
        "mode": "in_person",
        "start": f"{day}T00:00:00+07:00",
        "end": f"{NEXT_DAY[day]}T00:00:00+07:00",
        "all_day": True,
        "daily_hours": False,
        "timezone": "Asia/Phnom_Penh",
        "first_day": day,
        "last_day": day,
        "venue": {"id": Venue.objects.get(name="Phnom Penh").pk, **PHNOM_PENH_VENUE},
        "host": "KH",
        "event": EVENT,
        "delegations": [
            {
                "id": ids[participant],
                "participant": participant,
                **answers.get(participant, INVITED),
            }
            for participant in invited
        ],
        "url": f"{SITE}/meetings/{slug}/",
        "ical_url": f"{SITE}/meetings/{slug}.ics",
        "sequence": 0,
        "updated_at": STAMP,
        "published": True,
    }
    if detail:
        body |= {
            "description": "",
            "confirmation_deadline": None,
            "chair": "KH",
            # Cambodia coordinated ASEAN-Russia relations until July 2024.
            "co_chair": "KH" if counterpart == "RU" else None,
            "created_at": STAMP,
            "press": NO_PRESS,
            "documents": [],
            "sources": [],
        }
    return body


@pytest.mark.parametrize("slug", list(REFERENCE))
def test_reference_meeting_detail_is_exact(demo, anon, slug):
    response = anon.get(f"/api/v1/meetings/{slug}/")
    assert (response.status_code, response.json()) == (200, expected_meeting(slug))


def test_reference_amm_start_carries_the_venue_offset(demo, anon):
    body = anon.get("/api/v1/meetings/2022-amm-55/").json()
    assert (body["start"], body["end"], body["timezone"]) == (
        "2022-08-03T00:00:00+07:00",
        "2022-08-04T00:00:00+07:00",
        "Asia/Phnom_Penh",
    )


def test_meeting_list_of_reference_meetings_is_exact(demo, anon):
    response = anon.get("/api/v1/meetings/", {"to": "2022-12-31"})
    assert (response.status_code, response.json()) == (
        200,
        {
            "count": 5,
            "next": None,
            "previous": None,
            "results": [
                expected_meeting(slug, detail=False)
                for slug in [
                    "2022-amm-55",
                    "2022-apt-23",
                    "2022-pmc-ru",
                    "2022-arf-29",
                    "2022-eas-12",
                ]
            ],
        },
    )


def test_meeting_list_default_order_is_calendar_order(demo, anon):
    slugs = [m["slug"] for m in anon.get("/api/v1/meetings/").json()["results"]]
    assert slugs == [
        "2022-amm-55",
        "2022-apt-23",
        "2022-pmc-ru",
        "2022-arf-29",
        "2022-eas-12",
        "sample-som",
        "sample-arf-ism",
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]


def test_meeting_list_ordering_by_updated_at_descending(demo, anon, frozen_now):
    meeting = Meeting.objects.get(slug="2022-arf-29")
    frozen_now.shift(60)
    services.meeting_update(meeting=meeting, by=None, description="Chair's statement issued.")
    slugs = [
        m["slug"] for m in anon.get("/api/v1/meetings/?ordering=-updated_at").json()["results"]
    ]
    assert slugs[0] == "2022-arf-29"


def test_unpublished_meeting_hidden_from_anonymous(demo, anon):
    listed = {m["slug"] for m in anon.get("/api/v1/meetings/?page_size=200").json()["results"]}
    response = anon.get("/api/v1/meetings/sample-amm-retreat/")
    assert ("sample-amm-retreat" in listed, response.status_code, response.json()) == (
        False,
        404,
        problem(404, "No Meeting matches the given query."),
    )


def test_unpublished_meeting_shown_to_viewer(demo, client_for, viewer):
    client = client_for(viewer)
    listed = [m["slug"] for m in client.get("/api/v1/meetings/?status=tentative").json()["results"]]
    detail = client.get("/api/v1/meetings/sample-amm-retreat/").json()
    assert (listed, detail["published"], detail["title"]) == (
        ["sample-eas-som", "sample-amm-retreat"],
        False,
        "[Sample] AMM Retreat (draft, unpublished)",
    )


def test_unpublished_meeting_hidden_from_staff_without_view_permission(demo, client_for):
    nobody = UserFactory(username="clerk")
    response = client_for(nobody).get("/api/v1/meetings/sample-amm-retreat/")
    assert response.status_code == 404


def test_unpublished_event_not_named_to_anonymous(db, anon, client_for, viewer):
    event = Event.objects.create(
        slug="draft-event",
        title="Draft event",
        start_date=TODAY.date(),
        end_date=TODAY.date(),
        published=False,
    )
    meeting = MeetingFactory(event=event)
    public = anon.get(f"/api/v1/meetings/{meeting.slug}/").json()["event"]
    staff = client_for(viewer).get(f"/api/v1/meetings/{meeting.slug}/").json()["event"]
    events = [e["slug"] for e in anon.get("/api/v1/events/").json()["results"]]
    assert (public, staff, events) == (None, {"slug": "draft-event", "title": "Draft event"}, [])


def test_delegation_contacts_hidden_from_anonymous(demo, anon):
    lavrov = Delegation.objects.get(meeting__slug="2022-pmc-ru", participant__code="RU")
    response = anon.get(f"/api/v1/delegations/{lavrov.pk}/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "id": lavrov.pk,
            "meeting": "2022-pmc-ru",
            "participant": "RU",
            **LAVROV,
            "answered_at": "2022-07-27T21:00:00Z",  # 28 July, Moscow
            "updated_at": STAMP,
        },
    )


def test_delegation_contacts_shown_to_viewer(demo, client_for, viewer):
    lavrov = Delegation.objects.get(meeting__slug="2022-pmc-ru", participant__code="RU")
    response = client_for(viewer).get(f"/api/v1/delegations/{lavrov.pk}/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "id": lavrov.pk,
            "meeting": "2022-pmc-ru",
            "participant": "RU",
            **LAVROV,
            "answered_at": "2022-07-27T21:00:00Z",
            "updated_at": STAMP,
            "answered_via": "demo",
            "invited_at": "2022-07-04T17:00:00Z",
            "contact_emails": ["asean-desk@ru.mfa.example"],
            "reminders_paused": False,
            "notes": "",
        },
    )


def test_delegations_of_unpublished_meeting_hidden_from_anonymous(demo, anon, client_for, viewer):
    query = {"meeting": "sample-amm-retreat"}
    public = anon.get("/api/v1/delegations/", query).json()["count"]
    staff = client_for(viewer).get("/api/v1/delegations/", query).json()["count"]
    assert (public, staff) == (
        0,
        Delegation.objects.filter(meeting__slug="sample-amm-retreat").count(),
    )


def test_delegations_filtered_by_participant_any_case(demo, anon):
    body = anon.get("/api/v1/delegations/", {"participant": "ru", "attendance": "confirmed"}).json()
    assert sorted(d["meeting"] for d in body["results"]) == [
        "2022-arf-29",
        "2022-eas-12",
        "2022-pmc-ru",
    ]


def test_delegation_filter_bad_attendance_is_400(demo, anon):
    response = anon.get("/api/v1/delegations/", {"attendance": "maybe"})
    assert (response.status_code, response.json()) == (
        400,
        field_problem(
            {"attendance": ["Select a valid choice. maybe is not one of the available choices."]}
        ),
    )


def test_format_by_code_any_case(demo, anon):
    response = anon.get("/api/v1/formats/eas/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "code": "EAS",
            "name": "East Asia Summit Foreign Ministers' Meeting",
            "short_name": "EAS FMM",
            "description": "",
            "url": f"{SITE}/formats/eas/",
        },
    )


def test_formats_list_is_every_format(demo, anon):
    codes = [f["code"] for f in anon.get("/api/v1/formats/").json()["results"]]
    assert codes == ["AMM", "APT", "ARF", "EAS", "EAS_SOM", "PMC", "SOM", "SUMMIT"]


def test_participant_by_code_any_case(demo, anon):
    response = anon.get("/api/v1/participants/tl/")
    assert (response.status_code, response.json()) == (
        200,
        {
            "code": "TL",
            "name": "Timor-Leste",
            "official_name": "Democratic Republic of Timor-Leste",
            "name_local": "Repúblika Demokrátika Timór-Leste",
            "kind": "state",
            "memberships": [
                {"role": "arf_participant", "start": None, "end": None, "notes": ""},
                {"role": "member", "start": "2025-10-26", "end": None, "notes": "11th member"},
                {
                    "role": "observer",
                    "start": "2022-11-11",
                    "end": "2025-10-26",
                    "notes": "Observer status agreed in principle at the 40th/41st Summits, "
                    "Phnom Penh",
                },
            ],
            "url": f"{SITE}/countries/tl/",
        },
    )


def test_unknown_participant_is_404(demo, anon):
    response = anon.get("/api/v1/participants/xx/")
    assert (response.status_code, response.json()) == (
        404,
        problem(404, "No Participant matches the given query."),
    )


def test_venues_list_is_exact(demo, anon):
    manila = Venue.objects.get(name="Manila")
    phnom_penh = Venue.objects.get(name="Phnom Penh")
    assert anon.get("/api/v1/venues/").json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": manila.pk,
                "name": "Manila",
                "name_local": "Maynila",
                "city": "Manila",
                "country": "PH",
                "address": "",
                "timezone": "Asia/Manila",
                "latitude": 14.5995,
                "longitude": 120.9842,
            },
            {"id": phnom_penh.pk, **PHNOM_PENH_VENUE},
        ],
    }


def test_reference_event_is_exact(demo, anon):
    response = anon.get("/api/v1/events/2022-55th-amm-and-related-meetings/")
    assert (response.status_code, response.json()) == (
        200,
        {
            **EVENT,
            "host": "KH",
            "start_date": "2022-07-31",
            "end_date": "2022-08-06",
            "description": "Cambodia, ASEAN chair in 2022, hosts the 55th ASEAN Foreign "
            "Ministers' Meeting and Related Meetings in Phnom Penh. Meeting times were not "
            "published; the dates are those publicly reported.",
            "published": True,
            "meetings": ["2022-amm-55", "2022-apt-23", "2022-pmc-ru", "2022-arf-29", "2022-eas-12"],
            "programme": [
                programme_row(slug, title, code, day)
                for slug, title, code, day in [
                    ("2022-amm-55", "55th ASEAN Foreign Ministers' Meeting", "AMM", 3),
                    ("2022-apt-23", "23rd ASEAN Plus Three Foreign Ministers' Meeting", "APT", 4),
                    ("2022-pmc-ru", "ASEAN-Russia Post Ministerial Conference", "PMC", 4),
                    ("2022-arf-29", "29th ASEAN Regional Forum", "ARF", 5),
                    ("2022-eas-12", "12th East Asia Summit Foreign Ministers' Meeting", "EAS", 5),
                ]
            ],
            "url": "http://127.0.0.1:8000/events/2022-55th-amm-and-related-meetings/",
            "press": NO_PRESS,
            "documents": [],
        },
    )


def programme_row(slug: str, title: str, code: str, day: int) -> dict:
    """A reference meeting in an event's programme: all day, held, in Phnom Penh."""
    return {
        "slug": slug,
        "title": title,
        "format": code,
        "status": "held",
        "all_day": True,
        "start": f"2022-08-{day:02d}T00:00:00+07:00",
        "end": f"2022-08-{day + 1:02d}T00:00:00+07:00",
        "timezone": "Asia/Phnom_Penh",
        "first_day": f"2022-08-{day:02d}",
        "last_day": f"2022-08-{day:02d}",
        "url": f"http://127.0.0.1:8000/meetings/{slug}/",
    }


def test_sample_event_lists_only_published_meetings_to_anonymous(demo, anon):
    body = anon.get("/api/v1/events/sample-senior-officials-meetings/").json()
    assert body["meetings"] == [
        "sample-som",
        "sample-arf-ism",
        "sample-eas-som",
        "sample-asean-japan-pmc",
    ]


def test_unknown_api_address_is_json_404(db, anon):
    response = anon.get("/api/v1/meetings/a.b/")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/problem+json",
        problem(404, "Not found."),
    )


def test_format_parameter_is_a_filter_not_a_renderer(demo, anon):
    response = anon.get("/api/v1/meetings/", {"format": "json"})
    assert (response.status_code, response.json()) == (
        400,
        field_problem(
            {"format": ["Select a valid choice. JSON is not one of the available choices."]}
        ),
    )


# Conditional GET ---------------------------------------------------------------------------


def test_detail_etag_gives_304_when_unchanged(demo, anon):
    first = anon.get("/api/v1/meetings/2022-amm-55/")
    again = anon.get("/api/v1/meetings/2022-amm-55/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", first["ETag"])


def test_detail_etag_changes_when_a_delegation_answers(demo, anon, editor):
    first = anon.get("/api/v1/meetings/2022-amm-55/")
    brunei = Delegation.objects.get(meeting__slug="2022-amm-55", participant__code="BN")
    services.delegation_record_answer(
        delegation=brunei, attendance="confirmed", via="api", by=editor
    )
    again = anon.get("/api/v1/meetings/2022-amm-55/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again["ETag"] != first["ETag"]) == (200, True)


def test_list_etag_gives_304_and_moves_with_the_data(demo, anon, editor):
    first = anon.get("/api/v1/meetings/?format=ARF")
    unchanged = anon.get("/api/v1/meetings/?format=ARF", HTTP_IF_NONE_MATCH=first["ETag"])
    services.meeting_cancel(
        meeting=Meeting.objects.get(slug="2022-arf-29"), by=editor, reason="Test"
    )
    changed = anon.get("/api/v1/meetings/?format=ARF", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (unchanged.status_code, changed.status_code) == (304, 200)


def test_etag_is_the_same_for_the_same_data(demo, anon):
    etags = {anon.get("/api/v1/meetings/").headers["ETag"] for _ in range(3)}
    assert len(etags) == 1


def test_responses_vary_with_credentials(demo, anon):
    response = anon.get("/api/v1/meetings/2022-amm-55/")
    # Origin: set by the CORS middleware on every public read (tests/meetings/test_cors.py).
    assert response["Vary"] == "Accept, Authorization, Cookie, origin"


# Throttling --------------------------------------------------------------------------------


def test_anonymous_clients_are_throttled(db, anon, client_for, editor, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    statuses = [anon.get("/api/v1/formats/").status_code for _ in range(3)]
    authenticated = client_for(editor).get("/api/v1/formats/").status_code
    assert (statuses, authenticated) == ([200, 200, 429], 200)


# Pagination and hostile input ----------------------------------------------------------------


def test_page_size_above_the_maximum_is_capped_at_200(db, anon):
    fmt = FormatFactory(code="SOM")
    for n in range(201):
        MeetingFactory(format=fmt, number=n + 1, start=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    body = anon.get("/api/v1/meetings/", {"page_size": 1000}).json()
    assert (body["count"], len(body["results"]), body["next"]) == (
        201,
        200,
        "http://testserver/api/v1/meetings/?page=2&page_size=1000",
    )


def test_default_page_size_is_50(db, anon):
    fmt = FormatFactory(code="SOM")
    for n in range(51):
        MeetingFactory(format=fmt, number=n + 1, start=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    first = anon.get("/api/v1/meetings/").json()
    last = anon.get("/api/v1/meetings/", {"page": 2}).json()
    assert (len(first["results"]), [m["slug"] for m in last["results"]], last["previous"]) == (
        50,
        ["2030-som-51"],
        "http://testserver/api/v1/meetings/",
    )


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ("page=0", 400, field_problem({"page": ["Give a whole number from 1."]})),
        ("page=last", 400, field_problem({"page": ["Give a whole number from 1."]})),
        ("page=99999999999999999999", 404, problem(404, "Invalid page.")),
        ("page_size=0", 400, field_problem({"page_size": ["Give a whole number from 1."]})),
        ("page_size=ten", 400, field_problem({"page_size": ["Give a whole number from 1."]})),
        (
            "ordering=title",
            400,
            field_problem(
                {"ordering": ["Order by one of: start, -start, updated_at, -updated_at."]}
            ),
        ),
        ("q=%00", 400, field_problem({"q": ["Null characters are not allowed."]})),
        ("country=K%00", 400, field_problem({"country": ["Null characters are not allowed."]})),
        ("from=2022-02-30", 400, field_problem({"from": ["Enter a valid date."]})),
        (
            "to=2022-01-01&from=2022-12-31",
            400,
            field_problem({"to": ["“to” must not be before “from”."]}),
        ),
        (
            "format=%ED%A0%80",
            400,
            field_problem(
                {
                    "format": [
                        "Select a valid choice. \ufffd\ufffd\ufffd is not one of the available "
                        "choices."
                    ]
                }
            ),
        ),
    ],
)
def test_bad_list_parameter_is_400_or_404_naming_it(demo, anon, query, status, body):
    response = anon.get(f"/api/v1/meetings/?{query}")
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/meetings/%00/",
        "/api/v1/meetings/a.ics/",
        "/api/v1/participants/k%00/",
        "/api/v1/delegations/-1/",
        "/api/v1/delegations/99999999999999999999/",
    ],
)
def test_malformed_address_is_json_404(db, anon, path):
    response = anon.get(path)
    assert (response.status_code, response.json()) == (404, problem(404, "Not found."))


def test_huge_id_is_404(db, anon):
    response = anon.get("/api/v1/venues/999999999999999999/")
    assert (response.status_code, response.json()) == (
        404,
        problem(404, "No Venue matches the given query."),
    )


def test_a_declined_delegations_head_is_blank_except_for_staff(demo, client_for, superuser):
    Delegation.objects.filter(meeting__slug="2022-amm-55", participant__code="MM").update(
        head_name="Wunna Maung Lwin", head_title="Minister for Foreign Affairs"
    )

    def myanmar(user) -> list[tuple[str, str, str]]:
        client = client_for(user)
        response = client.get("/api/v1/meetings/2022-amm-55/")
        assert response.status_code == 200, response.content[:300]
        detail = response.json()["delegations"]
        listed = client.get("/api/v1/delegations/?meeting=2022-amm-55").json()["results"]
        return [
            (d["head_name"], d["head_title"], d["attendance"])
            for d in [*detail, *listed]
            if d["participant"] == "MM"
        ]

    assert (myanmar(None), myanmar(superuser)) == (
        [("", "", "declined")] * 2,
        [("Wunna Maung Lwin", "Minister for Foreign Affairs", "declined")] * 2,
    )
