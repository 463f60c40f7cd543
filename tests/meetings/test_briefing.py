"""The briefing staff send round: meetings in date order in the venue's time, delegations
members first, answers counted, no contact address; as an admin page and as a workbook."""

import datetime as dt
import io
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import services
from meetings.briefing import briefing
from meetings.briefing_xlsx import briefing_xlsx, sheet_names
from meetings.enums import AttendanceStatus, DelegationLevel, MeetingStatus
from meetings.models import Delegation, Event, Meeting
from tests.factories import MeetingFactory, ParticipantFactory, UserFactory, VenueFactory

EVENT = "2022-55th-amm-and-related-meetings"
MEMBERS = [
    "Brunei Darussalam",
    "Cambodia",
    "Indonesia",
    "Lao PDR",
    "Malaysia",
    "Myanmar",
    "Philippines",
    "Singapore",
    "Thailand",
    "Viet Nam",
]
# Timor-Leste takes part in the ARF, and is not yet a member in 2022: it reads among the others.
ARF_OTHERS = [
    "Australia",
    "Bangladesh",
    "Canada",
    "China",
    "DPRK",
    "European Union",
    "India",
    "Japan",
    "Mongolia",
    "New Zealand",
    "Pakistan",
    "Papua New Guinea",
    "Republic of Korea",
    "Russia",
    "Sri Lanka",
    "Timor-Leste",
    "United States",
]
PRAK_SOKHONN = (
    "Prak Sokhonn",
    "Minister of Foreign Affairs and International Cooperation",
    "Minister",
)
LAVROV = ("Sergey Lavrov", "Minister of Foreign Affairs", "Minister")
NO_ANSWER = ("No answer yet", "", "", "", "")
DECLINED_HEAD = ("Kyaw Min", "Permanent Secretary, Ministry of Foreign Affairs")
HOSTILE_HEAD = '=HYPERLINK("http://evil.example","Click")'


def lines(meeting) -> list[tuple[str, ...]]:
    return [
        (
            line.participant,
            line.answer,
            line.answered_on,
            line.head_name,
            line.head_title,
            line.level,
        )
        for line in meeting.delegations
    ]


def event_briefing():
    event = Event.objects.get(slug=EVENT)
    return briefing(
        title=event.title, slug=event.slug, meetings=Meeting.objects.filter(event=event)
    )


@pytest.fixture
def declined_head(demo):
    """Myanmar's delegation to the 55th AMM, which declined, with a head recorded."""
    delegation = Delegation.objects.get(meeting__slug="2022-amm-55", participant__code="MM")
    delegation.head_name, delegation.head_title = DECLINED_HEAD
    services.delegation_save(delegation=delegation, by=None)
    return delegation


@pytest.fixture
def hostile_head(demo):
    """Brunei's delegation to the 55th AMM, headed by a formula."""
    delegation = Delegation.objects.get(meeting__slug="2022-amm-55", participant__code="BN")
    delegation.head_name = HOSTILE_HEAD
    services.delegation_save(delegation=delegation, by=None)
    return delegation


def test_event_briefing_lists_meetings_in_date_order_in_the_venues_time(demo):
    content = event_briefing()

    assert (content.title, content.slug, content.as_of) == (
        "55th AMM and Related Meetings",
        EVENT,
        "Monday 2 November 2026, 03:00 UTC",
    )
    assert [
        (m.short_name, m.title, m.when, m.where, m.mode, m.status, m.status_note)
        for m in content.meetings
    ] == [
        (
            "55th AMM",
            "55th ASEAN Foreign Ministers' Meeting",
            "Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            "",
        ),
        (
            "23rd APT FMM",
            "23rd ASEAN Plus Three Foreign Ministers' Meeting",
            "Thursday 4 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            "",
        ),
        (
            "PMC Russia",
            "ASEAN-Russia Post Ministerial Conference",
            "Thursday 4 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            "",
        ),
        (
            "29th ARF",
            "29th ASEAN Regional Forum",
            "Friday 5 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            "",
        ),
        (
            "12th EAS FMM",
            "12th East Asia Summit Foreign Ministers' Meeting",
            "Friday 5 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            "",
        ),
    ]


def test_event_briefing_lists_members_first_then_the_others_with_answers(declined_head):
    amm, apt, pmc, arf, eas = event_briefing().meetings
    cambodia = ("Cambodia", "Confirmed", "Sun 31 Jul 2022", *PRAK_SOKHONN)
    russia = ("Russia", "Confirmed", "Thu 28 Jul 2022", *LAVROV)

    def members(**answers):
        return [answers.get(name, (name, *NO_ANSWER)) for name in MEMBERS]

    assert lines(amm) == members(
        Cambodia=cambodia,
        Myanmar=(
            "Myanmar",
            "Declined",
            "Wed 3 Aug 2022",
            *DECLINED_HEAD,
            "Non-political representative",
        ),
    )
    assert lines(apt) == members(Cambodia=cambodia) + [
        (name, *NO_ANSWER) for name in ("China", "Japan", "Republic of Korea")
    ]
    assert lines(pmc) == [*members(Cambodia=cambodia), russia]
    assert lines(arf) == members(Cambodia=cambodia) + [
        russia if name == "Russia" else (name, *NO_ANSWER) for name in ARF_OTHERS
    ]
    assert [line[0] for line in lines(eas)] == MEMBERS + [
        "Australia",
        "China",
        "India",
        "Japan",
        "New Zealand",
        "Republic of Korea",
        "Russia",
        "United States",
    ]
    assert [(line.participant, line.member) for line in arf.delegations][9:11] == [
        ("Viet Nam", True),
        ("Australia", False),
    ]
    assert [
        (m.counts.confirmed, m.counts.declined, m.counts.no_answer)
        for m in (amm, apt, pmc, arf, eas)
    ] == [(1, 1, 8), (1, 0, 12), (2, 0, 9), (2, 0, 25), (2, 0, 16)]
    assert amm.counts.text == "1 confirmed, 1 declined, 8 no answer yet"


def test_briefing_shows_hours_and_the_reason_of_a_postponement(db, frozen_now):
    venue = VenueFactory(name="Peace Palace", city="Phnom Penh")
    meeting = MeetingFactory(
        title="ASEAN Senior Officials' Meeting",
        venue=venue,
        start=dt.datetime(2022, 8, 3, 2, 0, tzinfo=dt.UTC),
        end=dt.datetime(2022, 8, 3, 5, 30, tzinfo=dt.UTC),
    )
    services.meeting_postpone(meeting=meeting, by=None, reason="Typhoon warning")
    Delegation.objects.create(
        meeting=meeting,
        participant=ParticipantFactory(name="Ruritania"),
        attendance=AttendanceStatus.CONFIRMED,
        answered_at=dt.datetime(2022, 8, 1, 18, 30, tzinfo=dt.UTC),  # 2 August in Phnom Penh
        level=DelegationLevel.SENIOR_OFFICIAL,
    )

    [brief] = briefing(
        title="SOM", slug="som", meetings=Meeting.objects.filter(pk=meeting.pk)
    ).meetings

    assert (brief.when, brief.where, brief.status, brief.status_note) == (
        "Wednesday 3 August 2022, 09:00–12:30 (Phnom Penh time, UTC+7)",
        "Peace Palace, Phnom Penh",
        "Postponed",
        "Typhoon warning",
    )
    assert lines(brief) == [("Ruritania", "Confirmed", "Tue 2 Aug 2022", "", "", "Senior official")]


def test_briefing_queries_do_not_grow_with_delegations(demo):
    event = Event.objects.get(slug=EVENT)
    meetings = Meeting.objects.filter(event=event)
    with CaptureQueriesContext(connection) as before:
        first = briefing(title=event.title, slug=event.slug, meetings=meetings)
    amm = Meeting.objects.get(slug="2022-amm-55")
    for n in range(20):
        Delegation.objects.create(
            meeting=amm, participant=ParticipantFactory(code=f"Q{chr(65 + n)}", name=f"Guest {n}")
        )
    MeetingFactory(event=event, start=dt.datetime(2022, 8, 6, 2, 0, tzinfo=dt.UTC))

    with CaptureQueriesContext(connection) as after:
        second = briefing(title=event.title, slug=event.slug, meetings=meetings)

    assert (len(before), len(after)) == (2, 2)
    assert (len(first.meetings), len(second.meetings)) == (5, 6)
    assert len(second.meetings[0].delegations) == len(first.meetings[0].delegations) + 20


# The workbook


def open_book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def values(sheet, first: int, last: int) -> list[tuple]:
    return list(sheet.iter_rows(min_row=first, max_row=last, values_only=True))


def test_workbook_has_a_summary_and_a_sheet_per_meeting(declined_head):
    book = open_book(briefing_xlsx(event_briefing()))

    assert book.sheetnames == [
        "Summary",
        "55th AMM",
        "23rd APT FMM",
        "PMC Russia",
        "29th ARF",
        "12th EAS FMM",
    ]
    summary, amm = book["Summary"], book["55th AMM"]
    assert values(summary, 1, 5) == [
        ("Briefing: 55th AMM and Related Meetings",) + (None,) * 7,
        ("As of Monday 2 November 2026, 03:00 UTC",) + (None,) * 7,
        (None,) * 8,
        (
            "Meeting",
            "When",
            "Where",
            "Mode",
            "Status",
            "Confirmed",
            "Declined",
            "No answer yet",
        ),
        (
            "55th ASEAN Foreign Ministers' Meeting",
            "Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7)",
            "Phnom Penh",
            "In person",
            "Held",
            1,
            1,
            8,
        ),
    ]
    assert values(amm, 1, 13) == [
        ("Briefing: 55th AMM and Related Meetings",) + (None,) * 5,
        ("As of Monday 2 November 2026, 03:00 UTC",) + (None,) * 5,
        ("55th ASEAN Foreign Ministers' Meeting",) + (None,) * 5,
        (None,) * 6,
        ("When", "Wednesday 3 August 2022, all day (Phnom Penh time, UTC+7)") + (None,) * 4,
        ("Where", "Phnom Penh") + (None,) * 4,
        ("Mode", "In person") + (None,) * 4,
        ("Status", "Held") + (None,) * 4,
        ("Answers", "1 confirmed, 1 declined, 8 no answer yet") + (None,) * 4,
        (None,) * 6,
        (
            "Participant",
            "Answer",
            "Answered on",
            "Head of delegation",
            "Head's title",
            "Level",
        ),
        ("Brunei Darussalam", "No answer yet", None, None, None, None),
        ("Cambodia", "Confirmed", "Sun 31 Jul 2022", *PRAK_SOKHONN),
    ]
    assert values(amm, 17, 17) == [
        ("Myanmar", "Declined", "Wed 3 Aug 2022", *DECLINED_HEAD, "Non-political representative")
    ]
    assert (amm.max_row, book["29th ARF"].max_row) == (11 + 10, 11 + 27)
    assert [cell.font.bold for cell in amm[11]] == [True] * 6
    assert (summary.freeze_panes, amm.freeze_panes, amm.print_title_rows) == (
        "A5",
        "A12",
        "$11:$11",
    )
    assert (amm.column_dimensions["A"].width, amm.column_dimensions["E"].width) == (26, 44)
    assert amm.page_setup.orientation == "landscape"


def test_workbook_keeps_formulas_as_quoted_text(hostile_head):
    book = open_book(briefing_xlsx(event_briefing()))

    cell = book["55th AMM"]["D12"]
    assert (cell.value, cell.data_type) == ("'" + HOSTILE_HEAD, "s")
    formulas = [
        c.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []


def test_sheet_names_are_unique_short_and_without_forbidden_characters(db, frozen_now):
    venue = VenueFactory()
    titles = [
        "SOM: [draft] a/b\\c*d?",
        "SOM: [draft] a/b\\c*d?",
        "summary",
        "Exceptionally long sheet names, one",  # formats' short names hold 40
        "Exceptionally long sheet names, two",
    ]
    meetings = [
        MeetingFactory(venue=venue, title=title, number=None, format__short_name=title)
        for title in titles
    ]
    content = briefing(
        title="x", slug="x", meetings=Meeting.objects.filter(pk__in=[m.pk for m in meetings])
    )

    assert sheet_names(content.meetings) == [
        "SOM- -draft- a-b-c-d-",
        "SOM- -draft- a-b-c-d- (2)",
        "summary (2)",
        "Exceptionally long sheet names,",
        "Exceptionally long sheet na (2)",
    ]
    assert open_book(briefing_xlsx(content)).sheetnames[1:] == sheet_names(content.meetings)


# The admin


class Tables(HTMLParser):
    """The text of each briefing table's rows, cell by cell, and of the page's h2 headings."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._h2: list[str] | None = None
        self._in_table = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._in_table = ("class", "briefing-delegations") in attrs
            if self._in_table:
                self.tables.append([])
        elif tag == "tr" and self._in_table:
            self.tables[-1].append([])
        elif tag in ("th", "td") and self._in_table:
            self._cell = []
        elif tag == "h2":
            self._h2 = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "h2" and self._h2 is not None:
            self.headings.append("".join(self._h2).strip())
            self._h2 = None

    def handle_data(self, data):
        for part in (self._cell, self._h2):
            if part is not None:
                part.append(data)


def page_url(model: str, pk: int) -> str:
    return reverse(f"admin:meetings_{model}_briefing", args=[pk])


def xlsx_url(model: str, pk: int) -> str:
    return reverse(f"admin:meetings_{model}_briefing_xlsx", args=[pk])


def test_urls_are_under_the_admin(demo):
    event = Event.objects.get(slug=EVENT)
    amm = Meeting.objects.get(slug="2022-amm-55")

    assert [
        page_url("meeting", amm.pk),
        xlsx_url("meeting", amm.pk),
        page_url("event", event.pk),
        xlsx_url("event", event.pk),
    ] == [
        f"/admin/meetings/meeting/{amm.pk}/briefing/",
        f"/admin/meetings/meeting/{amm.pk}/briefing.xlsx",
        f"/admin/meetings/event/{event.pk}/briefing/",
        f"/admin/meetings/event/{event.pk}/briefing.xlsx",
    ]


def test_viewer_reads_the_event_briefing_page_without_contact_addresses(
    client, viewer, declined_head
):
    event = Event.objects.get(slug=EVENT)
    client.force_login(viewer)

    response = client.get(page_url("event", event.pk))

    page = response.content.decode()
    found = Tables(page)
    assert (response.status_code, response.templates[0].name) == (
        200,
        "admin/meetings/briefing.html",
    )
    assert found.headings == [
        "55th ASEAN Foreign Ministers' Meeting",
        "23rd ASEAN Plus Three Foreign Ministers' Meeting",
        "ASEAN-Russia Post Ministerial Conference",
        "29th ASEAN Regional Forum",
        "12th East Asia Summit Foreign Ministers' Meeting",
    ]
    header = ["Participant", "Answer", "Answered on", "Head of delegation", "Head's title", "Level"]
    no_answer = ["No answer yet", "", "", "", ""]
    assert found.tables[0] == [
        header,
        ["Brunei Darussalam", *no_answer],
        ["Cambodia", "Confirmed", "Sun 31 Jul 2022", *PRAK_SOKHONN],
        *[[name, *no_answer] for name in ("Indonesia", "Lao PDR", "Malaysia")],
        # The head of a declined delegation: staff see it (the public pages do not).
        ["Myanmar", "Declined", "Wed 3 Aug 2022", *DECLINED_HEAD, "Non-political representative"],
        *[[name, *no_answer] for name in ("Philippines", "Singapore", "Thailand", "Viet Nam")],
    ]
    assert [len(table) - 1 for table in found.tables] == [10, 13, 11, 27, 18]
    assert page.count('<link rel="stylesheet" href="/static/css/briefing-print.css">') == 1
    assert page.count(f'<a href="{xlsx_url("event", event.pk)}">Briefing (Excel)</a>') == 1
    assert page.count("mfa.example") == 0  # the contact addresses
    assert page.count(" style=") == 0


def test_meeting_briefing_download_is_named_after_the_slug(client, viewer, declined_head):
    amm = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(viewer)

    response = client.get(xlsx_url("meeting", amm.pk))

    assert (response.status_code, response["Content-Type"], response["Content-Disposition"]) == (
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        'attachment; filename="briefing-2022-amm-55.xlsx"',
    )
    book = open_book(response.content)
    assert book.sheetnames == ["Summary", "55th AMM"]
    texts = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert [text for text in texts if "@" in text or "mfa.example" in text] == []
    assert "Kyaw Min" in texts


def test_event_briefing_download(client, viewer, demo):
    event = Event.objects.get(slug=EVENT)
    client.force_login(viewer)

    response = client.get(xlsx_url("event", event.pk))

    assert (response.status_code, response["Content-Disposition"]) == (
        200,
        f'attachment; filename="briefing-{EVENT}.xlsx"',
    )
    assert len(open_book(response.content).sheetnames) == 6


def test_changelist_action_downloads_the_selected_meetings(client, viewer, demo):
    picked = Meeting.objects.filter(slug__in=["2022-arf-29", "2022-amm-55"])
    client.force_login(viewer)

    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {
            "action": "briefing_selected_xlsx",
            "_selected_action": [m.pk for m in picked],
        },
    )

    assert (response.status_code, response["Content-Disposition"]) == (
        200,
        'attachment; filename="briefing-selected-2026-11-02.xlsx"',
    )
    book = open_book(response.content)
    assert book.sheetnames == ["Summary", "55th AMM", "29th ARF"]
    assert book["Summary"]["A1"].value == "Briefing: 2 selected meetings"


def test_change_forms_link_to_the_briefing(client, editor, demo):
    event = Event.objects.get(slug=EVENT)
    amm = Meeting.objects.get(slug="2022-amm-55")
    client.force_login(editor)

    meeting_form = client.get(reverse("admin:meetings_meeting_change", args=[amm.pk]))
    event_form = client.get(reverse("admin:meetings_event_change", args=[event.pk]))

    for response, model, pk in ((meeting_form, "meeting", amm.pk), (event_form, "event", event.pk)):
        page = response.content.decode()
        assert response.status_code == 200
        assert f'<a href="{page_url(model, pk)}">Briefing (print)</a>' in page
        assert f'<a href="{xlsx_url(model, pk)}">Briefing (Excel)</a>' in page
    assert "Reschedule…" in meeting_form.content.decode()


@pytest.mark.parametrize("kind", ["page", "xlsx"])
@pytest.mark.parametrize("model", ["meeting", "event"])
def test_anonymous_is_sent_to_login(client, demo, kind, model):
    pk = (Meeting if model == "meeting" else Event).objects.order_by("pk").first().pk
    url = (page_url if kind == "page" else xlsx_url)(model, pk)

    response = client.get(url)

    assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={url}")


@pytest.mark.parametrize("kind", ["page", "xlsx"])
@pytest.mark.parametrize("model", ["meeting", "event"])
def test_staff_without_rights_is_refused(client, demo, kind, model):
    pk = (Meeting if model == "meeting" else Event).objects.order_by("pk").first().pk
    client.force_login(UserFactory(username="nobody"))

    response = client.get((page_url if kind == "page" else xlsx_url)(model, pk))

    assert response.status_code == 403


@pytest.mark.parametrize("kind", ["page", "xlsx"])
@pytest.mark.parametrize("model", ["meeting", "event"])
def test_unknown_id_is_404(client, viewer, demo, kind, model):
    client.force_login(viewer)

    response = client.get((page_url if kind == "page" else xlsx_url)(model, 987654))

    assert response.status_code == 404


def test_briefing_page_queries_do_not_grow_with_delegations(client, viewer, demo):
    event = Event.objects.get(slug=EVENT)
    client.force_login(viewer)
    url = page_url("event", event.pk)
    client.get(url)  # sessions and permissions read once
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    amm = Meeting.objects.get(slug="2022-amm-55")
    for n in range(20):
        Delegation.objects.create(
            meeting=amm, participant=ParticipantFactory(code=f"Q{chr(65 + n)}", name=f"Guest {n}")
        )

    with CaptureQueriesContext(connection) as after:
        response = client.get(url)

    assert response.content.decode().count("Guest ") == 20
    assert len(after) == len(before)


def test_status_is_shown_only_with_its_note_when_postponed_or_cancelled(demo):
    amm = Meeting.objects.get(slug="2022-amm-55")
    amm.status_note = "A note left from before"
    amm.status = MeetingStatus.HELD
    services.meeting_save(meeting=amm, by=None)

    [brief] = briefing(title="AMM", slug="amm", meetings=Meeting.objects.filter(pk=amm.pk)).meetings

    assert (brief.status, brief.status_note) == ("Held", "")
