"""Checks that what the site shows of a stored value cannot be turned against its readers.

Each output is parsed with the parser its consumers use (an HTML parser, JSON,
icalendar and vobject, feedparser, the e-mail parser) and compared with what the
project meant to write: no new script, handler or script URL in a page; JSON-LD
that parses and names the meeting exactly; one VEVENT per meeting whose text
properties survive serialisation; a well-formed Atom feed; mail headers without
line breaks, addressed to the intended recipients only.
"""

import email
import json
import re
from collections import Counter
from email.header import decode_header, make_header
from email.utils import getaddresses
from html.parser import HTMLParser

import feedparser
import icalendar
import vobject
from django.core.mail import EmailMessage

from meetings import ical, reminders
from meetings.changes import ChangeEntry, public_changes
from meetings.models import Meeting
from meetings.models.reminders import Reminder, ReminderKind
from meetings.selectors import public_meetings
from meetings.views.changes import NOT_XML

from . import tally

# Elements that run code, load resources or submit data: a page has as many of each
# as the template writes, whatever the data.
ACTIVE_TAGS = frozenset(
    {
        "applet",
        "audio",
        "base",
        "button",
        "embed",
        "form",
        "frame",
        "frameset",
        "iframe",
        "img",
        "input",
        "link",
        "math",
        "meta",
        "noscript",
        "object",
        "script",
        "select",
        "source",
        "style",
        "svg",
        "template",
        "textarea",
        "video",
    }
)
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
URL_ATTRIBUTES = frozenset(
    {"action", "background", "cite", "data", "formaction", "href", "poster", "src", "xlink:href"}
)
# Browsers ignore these before a URL's scheme and inside it.
_URL_NOISE = re.compile(r"[\x00-\x20]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
TEXT_PROPERTIES = ("UID", "SUMMARY", "LOCATION", "DESCRIPTION", "URL", "STATUS")
MAIL_HEADERS = [
    "Content-Type",
    "MIME-Version",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
]


class PageScan(HTMLParser):
    """What an HTML page holds that could run code, and the text of its <h1>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.active = Counter()
        self.handlers: list[tuple[str, str]] = []
        self.script_urls: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.h1 = ""
        self._open: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.active[tag] += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            url = _URL_NOISE.sub("", value or "").lower()
            if name in URL_ATTRIBUTES and url.startswith(SCRIPT_SCHEMES):
                self.script_urls.append((tag, name, value))
        if tag == "script":
            self.scripts.append((dict(attrs), ""))
            self._open = "script"
        elif tag == "h1":
            self._open = "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._open == "h1":
            self.h1 += data

    def json_ld(self) -> dict:
        blocks = [
            text for attrs, text in self.scripts if attrs.get("type") == "application/ld+json"
        ]
        assert len(blocks) == 1, blocks
        # Nothing in the block may look like markup: "<" is what closes a script early.
        assert "<" not in blocks[0]
        return json.loads(blocks[0])

    def shape(self) -> tuple:
        """What must not depend on the data: active elements and the script elements' attributes."""
        return (dict(self.active), [attrs for attrs, _ in self.scripts])


def assert_page_safe(html: str, baseline: PageScan) -> PageScan:
    """No handler attribute, no script URL, and the same active elements as a benign page."""
    scan = PageScan(html)
    assert (scan.handlers, scan.script_urls) == ([], [])
    assert scan.shape() == baseline.shape()
    return scan


def assert_meeting_page(html: str, meeting: Meeting, baseline: PageScan) -> None:
    """The meeting page shows the stored title as text and in JSON-LD, and nothing runs."""
    scan = assert_page_safe(html, baseline)
    assert scan.h1 == meeting.title
    data = scan.json_ld()
    assert (data["name"], data["url"].rsplit("/", 2)[-2]) == (meeting.title, meeting.slug)
    if meeting.venue_id:
        assert (data["location"]["name"], data["location"]["address"]["addressLocality"]) == (
            meeting.venue.name,
            meeting.venue.city,
        )


def _lines_folded(body: bytes) -> None:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert [line for line in lines if len(line) > 75 or b"\r" in line or b"\n" in line] == []


def assert_calendar(body: bytes, meetings: list[Meeting]) -> None:
    """One VEVENT per meeting, read alike by icalendar and vobject, text surviving the trip.

    `meetings` are fresh from the database; what the builder meant to write for
    each is rebuilt from them and compared with what the parsers read back.
    """
    _lines_folded(body)
    assert body.count(b"\r\nBEGIN:VEVENT\r\n") == len(meetings)
    built = {}
    for meeting in meetings:
        event = ical.meeting_event(ical.MeetingEntry.from_meeting(meeting))
        prefix = ical.SUMMARY_PREFIX.get(meeting.status, "")
        assert str(event["SUMMARY"]) == prefix + ical.clean_text(meeting.title)
        built[str(event["UID"])] = {name: str(event[name]) for name in TEXT_PROPERTIES}

    parsed = icalendar.Calendar.from_ical(body)
    events = parsed.walk("VEVENT")
    read = {str(e["UID"]): {name: str(e[name]) for name in TEXT_PROPERTIES} for e in events}
    assert (len(events), read) == (len(meetings), built)

    calendar = vobject.readOne(body.decode("utf-8"))
    vevents = calendar.contents.get("vevent", [])
    read = {
        e.uid.value: {name: e.contents[name.lower()][0].value for name in TEXT_PROPERTIES}
        for e in vevents
    }
    assert (len(vevents), read) == (len(meetings), built)


def assert_atom(body: bytes, entries: list[ChangeEntry]) -> None:
    """A well-formed Atom feed of these change entries, titled in one line of XML text."""
    feed = feedparser.parse(body)
    assert (feed.bozo, feed.version) == (0, "atom10"), feed.get("bozo_exception")
    titles = [NOT_XML.sub("", ical.clean_text(entry.title)) for entry in entries]
    assert [entry.title for entry in feed.entries] == titles


def assert_mail(message: EmailMessage, *, subject: str, recipients: list[str]) -> None:
    """The mail as it leaves: the headers written, one-line subject, only these recipients."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert parsed.keys() == MAIL_HEADERS
    # What a mail reader shows: the header unfolded (RFC 5322), encoded words decoded (RFC 2047).
    header = str(make_header(decode_header(_FOLD.sub("", parsed["Subject"]))))
    assert ("\r" in header, "\n" in header, header) == (False, False, subject)
    assert [address for _, address in getaddresses(parsed.get_all("To"))] == recipients
    assert message.recipients() == recipients


OUTPUTS = frozenset({"page", "ics", "feed", "api", "atom", "mail"})


def assert_outputs(client, meeting: Meeting, baseline: PageScan, shown=OUTPUTS) -> None:
    """The public outputs (of `shown`) that show `meeting`, reread from the database, are
    safe and exact: its page, its .ics, the feed, the API, the Atom changes feed and the
    invitation mail of each delegation that has addresses."""

    def get(path: str):
        response = tally.send("outputs", lambda: client.get(path), inputs=0)
        assert response.status_code == 200, (path, response.status_code)
        return response

    meeting = public_meetings().get(pk=meeting.pk)
    if "page" in shown:
        assert_meeting_page(get(meeting.get_absolute_url()).content.decode(), meeting, baseline)
    if "ics" in shown:
        assert_calendar(get(f"/meetings/{meeting.slug}.ics").content, [meeting])
    if "feed" in shown:
        assert_calendar(get("/feeds/meetings.ics").content, list(public_meetings()))
    if "api" in shown:
        assert_api_meeting(json.loads(get(f"/api/v1/meetings/{meeting.slug}/").content), meeting)
    if "atom" in shown:
        entries = public_changes(public_meetings(), limit=50)
        assert_atom(get("/feeds/changes.atom").content, entries)
    if "mail" in shown:
        for delegation in meeting.delegations.all():
            if delegation.addresses:
                assert_invitation(delegation)


def assert_api_meeting(data: dict, meeting: Meeting) -> None:
    """The API's JSON shows the stored text exactly."""
    assert {
        **{name: data[name] for name in ("title", "status_note", "description")},
        "venue": data["venue"]["name"] if data["venue"] else None,
        "event": data["event"]["title"] if data["event"] else None,
        "delegations": [
            (d["participant"], d["head_name"], d["head_title"]) for d in data["delegations"]
        ],
    } == {
        "title": meeting.title,
        "status_note": meeting.status_note,
        "description": meeting.description,
        "venue": meeting.venue.name if meeting.venue_id else None,
        "event": meeting.event.title if meeting.event_id else None,
        "delegations": [
            (d.participant.code, d.head_name, d.head_title) for d in meeting.delegations.all()
        ],
    }


def assert_invitation(delegation) -> None:
    """The invitation as reminders.py builds it: one-line subject, the stored addresses only."""
    # Saving the meeting may already have queued it (an invitation owed).
    row, created = Reminder.objects.get_or_create(
        delegation=delegation,
        step=reminders.INVITATION_STEP,
        defaults={"kind": ReminderKind.INVITATION, "due_at": delegation.meeting.start},
    )
    title = ical.clean_text(delegation.meeting.title)
    subject = reminders.subject_line(f"Invitation: please confirm your attendance at {title}")
    assert_mail(reminders.reminder_email(row), subject=subject, recipients=delegation.addresses)
    tally.count("mail headers")
    if created:
        row.delete()
