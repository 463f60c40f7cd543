"""The bodies the admin receives: its forms as a browser posts them, and an import file."""

import csv
import io

from meetings.models import Delegation, Event, Meeting, Participant, Venue

from .transport import wire


def no_rows(*prefixes: str) -> dict[str, str]:
    """The management forms of inline formsets left empty."""
    return {
        f"{prefix}-{name}": value
        for prefix in prefixes
        for name, value in (
            ("TOTAL_FORMS", "0"),
            ("INITIAL_FORMS", "0"),
            ("MIN_NUM_FORMS", "0"),
            ("MAX_NUM_FORMS", "1000"),
        )
    }


NO_INLINES = no_rows("delegations", "documents", "press_conferences", "press_contacts")


def change_url(obj) -> str:
    return f"/admin/meetings/{type(obj).__name__.lower()}/{obj.pk}/change/"


def meeting_form(meeting: Meeting, **values: str) -> dict[str, str]:
    """The meeting change form as a browser posts it, with `values` replacing fields."""
    data = {
        "event": str(meeting.event_id or ""),
        "format": str(meeting.format_id),
        "number": str(meeting.number or ""),
        "counterpart": "",
        "title": meeting.title,
        "venue": str(meeting.venue_id or ""),
        "host": str(meeting.host_id or ""),
        "timezone": meeting.timezone,
        "start_date": meeting.first_day.isoformat(),
        "end_date": meeting.last_day.isoformat(),
        "start_time": meeting.local_start.strftime("%H:%M"),
        "end_time": meeting.local_end.strftime("%H:%M"),
        "status": meeting.status,
        "status_note": meeting.status_note,
        "mode": meeting.mode,
        "published": "on",
        "description": meeting.description,
        "confirmation_deadline_0": "",
        "confirmation_deadline_1": "",
        "revision_seen": str(meeting.revision),
        "_save": "Save",
        **NO_INLINES,
    }
    return data | values


def delegation_form(delegation: Delegation, **values: str) -> dict[str, str]:
    return {
        "meeting": str(delegation.meeting_id),
        "participant": str(delegation.participant_id),
        "head_name": delegation.head_name,
        "head_title": delegation.head_title,
        "level": "minister",
        "attendance": "confirmed",
        "contact_emails": delegation.contact_emails,
        "notes": delegation.notes,
        "revision_seen": str(delegation.revision),
        "_save": "Save",
        "reminders-TOTAL_FORMS": "0",
        "reminders-INITIAL_FORMS": "0",
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "0",
    } | values


MEMBERSHIPS_NONE = {
    "memberships-TOTAL_FORMS": "0",
    "memberships-INITIAL_FORMS": "0",
    "memberships-MIN_NUM_FORMS": "0",
    "memberships-MAX_NUM_FORMS": "1000",
}


def participant_form(participant: Participant, **values: str) -> dict[str, str]:
    return {
        "code": participant.code,
        "name": participant.name,
        "official_name": participant.official_name,
        "name_local": participant.name_local,
        "kind": participant.kind,
        "_save": "Save",
        **MEMBERSHIPS_NONE,
    } | values


def venue_form(venue: Venue, **values: str) -> dict[str, str]:
    return {
        "name": venue.name,
        "name_local": venue.name_local,
        "city": venue.city,
        "country_code": venue.country_code,
        "address": venue.address,
        "timezone": venue.timezone,
        "latitude": str(venue.latitude),
        "longitude": str(venue.longitude),
        "_save": "Save",
    } | values


def event_form(event: Event, **values: str) -> dict[str, str]:
    return {
        "title": event.title,
        "slug": event.slug,
        "host": str(event.host_id),
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "description": event.description,
        "published": "on",
        "_save": "Save",
        **no_rows("documents", "press_contacts"),
    } | values


IMPORT_URL = "/admin/meetings/meeting/import/"
ROW = {
    "slug": "2026-amm-59",
    "format": "AMM",
    "number": "59",
    "title": "59th AMM",
    "event": "",
    "venue": "Peace Palace",
    "venue_city": "Phnom Penh",
    "host": "KH",
    "first_day": "2026-11-20",
    "start_time": "09:00",
    "last_day": "2026-11-20",
    "end_time": "12:00",
    "timezone": "Asia/Phnom_Penh",
    "status_note": "",
    "description": "",
    "published": "yes",
}


def csv_file(**cells: str) -> bytes:
    """A CSV export-like file of one row, cells quoted as a spreadsheet program would."""
    out = io.StringIO(newline="")
    row = ROW | cells
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([list(row), list(row.values())])
    return wire(out.getvalue())
