"""The reference calendar (docs/domain.md) and clearly labelled sample meetings.

Loading is idempotent: a row is written only when a value differs, so a second
run changes nothing, not even history or `updated_at`.
"""

import datetime as dt
import zoneinfo
from collections import Counter
from decimal import Decimal
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

from meetings import services
from meetings.enums import (
    AnswerChannel,
    AttendanceStatus,
    DelegationLevel,
    MeetingMode,
    MeetingStatus,
    ParticipantKind,
    Role,
)
from meetings.models import (
    Chairmanship,
    CoordinatorTerm,
    Delegation,
    Event,
    Format,
    Meeting,
    Membership,
    Participant,
    Venue,
)
from meetings.selectors import expected_participants

STATE, ORG = ParticipantKind.STATE, ParticipantKind.ORGANISATION

# code, name, official name, name in local script, kind
PARTICIPANTS = [
    ("BN", "Brunei Darussalam", "Brunei Darussalam", "بروني دارالسلام", STATE),
    ("KH", "Cambodia", "Kingdom of Cambodia", "ព្រះរាជាណាចក្រកម្ពុជា", STATE),
    ("ID", "Indonesia", "Republic of Indonesia", "Republik Indonesia", STATE),
    ("LA", "Lao PDR", "Lao People's Democratic Republic", "ສາທາລະນະລັດ ປະຊາທິປະໄຕ ປະຊາຊົນລາວ", STATE),
    ("MY", "Malaysia", "Malaysia", "Malaysia", STATE),
    ("MM", "Myanmar", "Republic of the Union of Myanmar", "ပြည်ထောင်စု သမ္မတ မြန်မာနိုင်ငံတော်", STATE),
    ("PH", "Philippines", "Republic of the Philippines", "Republika ng Pilipinas", STATE),
    ("SG", "Singapore", "Republic of Singapore", "Singapore", STATE),
    ("TH", "Thailand", "Kingdom of Thailand", "ราชอาณาจักรไทย", STATE),
    (
        "VN",
        "Viet Nam",
        "Socialist Republic of Viet Nam",
        "Cộng hòa Xã hội chủ nghĩa Việt Nam",
        STATE,
    ),
    (
        "TL",
        "Timor-Leste",
        "Democratic Republic of Timor-Leste",
        "Repúblika Demokrátika Timór-Leste",
        STATE,
    ),
    ("AU", "Australia", "Commonwealth of Australia", "", STATE),
    ("CA", "Canada", "Canada", "", STATE),
    ("CN", "China", "People's Republic of China", "中华人民共和国", STATE),
    ("EU", "European Union", "European Union", "", ORG),
    ("IN", "India", "Republic of India", "भारत गणराज्य", STATE),
    ("JP", "Japan", "Japan", "日本国", STATE),
    ("KR", "Republic of Korea", "Republic of Korea", "대한민국", STATE),
    ("NZ", "New Zealand", "New Zealand", "Aotearoa", STATE),
    ("RU", "Russia", "Russian Federation", "Российская Федерация", STATE),
    ("GB", "United Kingdom", "United Kingdom of Great Britain and Northern Ireland", "", STATE),
    ("US", "United States", "United States of America", "", STATE),
    ("BD", "Bangladesh", "People's Republic of Bangladesh", "গণপ্রজাতন্ত্রী বাংলাদেশ", STATE),
    ("KP", "DPRK", "Democratic People's Republic of Korea", "조선민주주의인민공화국", STATE),
    ("MN", "Mongolia", "Mongolia", "Монгол Улс", STATE),
    ("PK", "Pakistan", "Islamic Republic of Pakistan", "اسلامی جمہوریہ پاكستان", STATE),
    ("PG", "Papua New Guinea", "Independent State of Papua New Guinea", "", STATE),
    ("LK", "Sri Lanka", "Democratic Socialist Republic of Sri Lanka", "ශ්‍රී ලංකා", STATE),
]

D = dt.date
# code, role, from, until, notes. A bound the sources do not give is left empty.
MEMBERSHIPS = [
    *[
        (code, Role.MEMBER, D(1967, 8, 8), None, "Founding member (Bangkok Declaration)")
        for code in ("ID", "MY", "PH", "SG", "TH")
    ],
    ("BN", Role.MEMBER, D(1984, 1, 7), None, ""),
    ("VN", Role.MEMBER, D(1995, 7, 28), None, ""),
    ("LA", Role.MEMBER, D(1997, 7, 23), None, ""),
    (
        "MM",
        Role.MEMBER,
        D(1997, 7, 23),
        None,
        "Leadership barred from high-level meetings since 2022; "
        "sends a non-political representative",
    ),
    ("KH", Role.MEMBER, D(1999, 4, 30), None, ""),
    (
        "TL",
        Role.OBSERVER,
        D(2022, 11, 11),
        D(2025, 10, 26),
        "Observer status agreed in principle at the 40th/41st Summits, Phnom Penh",
    ),
    ("TL", Role.MEMBER, D(2025, 10, 26), None, "11th member"),
    (
        "AU",
        Role.DIALOGUE_PARTNER,
        D(1974, 1, 1),
        None,
        "The first dialogue partner (1974; day not recorded)",
    ),
    *[
        (code, Role.DIALOGUE_PARTNER, None, None, "")
        for code in ("CA", "CN", "EU", "IN", "JP", "KR", "NZ", "RU", "US")
    ],
    (
        "GB",
        Role.DIALOGUE_PARTNER,
        D(2021, 8, 1),
        None,
        "The 11th dialogue partner (August 2021; day not recorded)",
    ),
    # 27 ARF participants in 2022; whether the UK has joined is not confirmed.
    *[
        (code, Role.ARF_PARTICIPANT, None, None, "")
        for code in (
            "BN",
            "KH",
            "ID",
            "LA",
            "MY",
            "MM",
            "PH",
            "SG",
            "TH",
            "VN",
            "TL",
            "AU",
            "CA",
            "CN",
            "EU",
            "IN",
            "JP",
            "KR",
            "NZ",
            "RU",
            "US",
            "BD",
            "KP",
            "MN",
            "PK",
            "PG",
            "LK",
        )
    ],
]

# code, name, short name, roles invited, also invited
FORMATS = [
    ("AMM", "ASEAN Foreign Ministers' Meeting", "AMM", {"members", "observers"}, []),
    ("PMC", "Post Ministerial Conference", "PMC", {"members", "counterpart"}, []),
    (
        "APT",
        "ASEAN Plus Three Foreign Ministers' Meeting",
        "APT FMM",
        {"members"},
        ["CN", "JP", "KR"],
    ),
    (
        "EAS",
        "East Asia Summit Foreign Ministers' Meeting",
        "EAS FMM",
        {"members"},
        ["AU", "CN", "IN", "JP", "NZ", "KR", "RU", "US"],
    ),
    (
        "EAS_SOM",
        "East Asia Summit Senior Officials' Meeting",
        "EAS SOM",
        {"members"},
        ["AU", "CN", "IN", "JP", "NZ", "KR", "RU", "US"],
    ),
    ("ARF", "ASEAN Regional Forum", "ARF", {"arf_participants"}, []),
    ("SUMMIT", "ASEAN Summit", "Summit", {"members", "observers"}, []),
    ("SOM", "ASEAN Senior Officials' Meeting", "SOM", {"members"}, []),
]

CHAIRS = [
    (2002, "KH"),
    (2011, "ID"),
    (2012, "KH"),
    (2013, "BN"),
    (2022, "KH"),
    (2023, "ID"),
    (2024, "LA"),
    (2025, "MY"),
    (2026, "PH"),
]
CHAIR_NOTES = {2011: "Indonesia and Brunei swapped (Brunei chaired 2013)", 2026: "Myanmar skipped"}

PHNOM_PENH = "Asia/Phnom_Penh"
REFERENCE_EVENT = "2022-55th-amm-and-related-meetings"
# format, number, counterpart, day (all in Phnom Penh; times not yet published)
REFERENCE_MEETINGS = [
    ("AMM", 55, None, D(2022, 8, 3)),
    ("PMC", None, "RU", D(2022, 8, 4)),
    ("APT", 23, None, D(2022, 8, 4)),
    ("EAS", 12, None, D(2022, 8, 5)),
    ("ARF", 29, None, D(2022, 8, 5)),
]
PRAK_SOKHONN = ("Prak Sokhonn", "Minister of Foreign Affairs and International Cooperation")
LAVROV = ("Sergey Lavrov", "Minister of Foreign Affairs")
REPORTED = dt.datetime(2022, 7, 28, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))
DEMO_REASON = "Demo data"

M = TypeVar("M", bound=models.Model)


class Loader:
    """Writes a row only when it differs, and counts what it did."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def upsert(self, model: type[M], lookup: dict, values: dict) -> M:
        """The row `lookup` finds, created or updated to hold `values`."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            self._save(obj, "created")
            return obj
        if any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            self._save(obj, "updated")
        return obj

    def _save(self, obj: models.Model, what: str) -> None:
        # Reference rows have no services; the history reason is given as services give it
        # (simple_history reads the attribute, which Model's type does not declare).
        obj._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        obj.save()
        self.counts[f"{obj._meta.verbose_name} {what}"] += 1

    def delegation(self, meeting: Meeting, participant: Participant, values: dict) -> None:
        """The participant's delegation to `meeting`, written through the service if it differs."""
        found = Delegation.objects.filter(meeting=meeting, participant=participant).first()
        if found is not None and all(getattr(found, k) == v for k, v in values.items()):
            return
        services.delegation_load(
            meeting=meeting, participant=participant, by=None, reason=DEMO_REASON, **values
        )
        self.counts[f"delegation {'created' if found is None else 'updated'}"] += 1


def _participants(load: Loader) -> dict[str, Participant]:
    for code, name, official, local, kind in PARTICIPANTS:
        load.upsert(
            Participant,
            {"code": code},
            {"name": name, "official_name": official, "name_local": local, "kind": kind},
        )
    by_code = {p.code: p for p in Participant.objects.all()}
    for code, role, start, end, notes in MEMBERSHIPS:
        load.upsert(
            Membership,
            {"participant": by_code[code], "role": role, "start": start},
            {"end": end, "notes": notes},
        )
    return by_code


def _formats(load: Loader, p: dict[str, Participant]) -> dict[str, Format]:
    formats = {}
    for code, name, short, roles, extra in FORMATS:
        fmt = load.upsert(
            Format,
            {"code": code},
            {
                "name": name,
                "short_name": short,
                "invites_members": "members" in roles,
                "invites_observers": "observers" in roles,
                "invites_dialogue_partners": "dialogue_partners" in roles,
                "invites_arf_participants": "arf_participants" in roles,
                "invites_counterpart": "counterpart" in roles,
            },
        )
        wanted = {p[c].pk for c in extra}
        if set(fmt.invited_participants.values_list("pk", flat=True)) != wanted:
            fmt.invited_participants.set(wanted)
            load.counts["format participants set"] += 1
        formats[code] = fmt
    return formats


def _governance(load: Loader, p: dict[str, Participant]) -> None:
    for year, code in CHAIRS:
        load.upsert(
            Chairmanship,
            {"year": year},
            {"participant": p[code], "notes": CHAIR_NOTES.get(year, "")},
        )
    load.upsert(
        CoordinatorTerm,
        {"partner": p["RU"], "coordinator": p["KH"]},
        {
            "start": None,
            "end": D(2024, 7, 26),
            "notes": "Country coordinator 2021-2024 (start day not recorded)",
        },
    )
    load.upsert(
        CoordinatorTerm,
        {"partner": p["RU"], "coordinator": p["MM"]},
        {"start": D(2024, 7, 26), "end": None, "notes": ""},
    )


def _all_day(first: dt.date, last: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(tz)
    start = dt.datetime.combine(first, dt.time(0), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _meeting(load: Loader, slug: str, values: dict, *, keep_dates: bool = False) -> Meeting:
    """Create the meeting through the service, or bring an existing one up to date."""
    meeting = Meeting.objects.filter(slug=slug).first()
    if meeting is None:
        meeting = services.meeting_save(
            meeting=Meeting(slug=slug, **values), by=None, reason=DEMO_REASON
        )
        load.counts["meeting created"] += 1
        return meeting
    if keep_dates:
        values = {k: v for k, v in values.items() if k not in {"start", "end"}}
    if any(getattr(meeting, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(meeting, name, value)
        services.meeting_save(meeting=meeting, by=None, reason=DEMO_REASON)
        load.counts["meeting updated"] += 1
    return meeting


def _delegations(load: Loader, meeting: Meeting, answers: dict[str, dict]) -> None:
    """Invite the format's participants, then set the answers the sources record."""
    for participant in expected_participants(
        format=meeting.format, on=meeting.first_day, counterpart=meeting.counterpart
    ):
        values = {
            "attendance": AttendanceStatus.INVITED,
            "answered_at": None,
            "answered_via": "",
            "head_name": "",
            "head_title": "",
            "level": "",
            "contact_emails": f"asean-desk@{participant.code.lower()}.mfa.example",
            "invited_at": meeting.start - dt.timedelta(days=30),
        } | answers.get(participant.code, {})
        load.delegation(meeting, participant, values)


def _answer(
    status: AttendanceStatus,
    at: dt.datetime,
    head: tuple[str, str] = ("", ""),
    level: str = DelegationLevel.MINISTER,
) -> dict:
    return {
        "attendance": status,
        "answered_at": at,
        "answered_via": AnswerChannel.DEMO,
        "head_name": head[0],
        "head_title": head[1],
        "level": level,
    }


def _reference(load: Loader, p: dict[str, Participant], f: dict[str, Format]) -> None:
    venue = load.upsert(
        Venue,
        {"name": "Phnom Penh", "city": "Phnom Penh"},
        {
            "name_local": "ភ្នំពេញ",
            "country_code": "KH",
            "timezone": PHNOM_PENH,
            "latitude": Decimal("11.556400"),
            "longitude": Decimal("104.928200"),
        },
    )
    event = load.upsert(
        Event,
        {"slug": REFERENCE_EVENT},
        {
            "title": "55th AMM and Related Meetings",
            "host": p["KH"],
            "start_date": D(2022, 7, 31),
            "end_date": D(2022, 8, 6),
            "published": True,
            "description": "Cambodia, ASEAN chair in 2022, hosts the 55th ASEAN Foreign "
            "Ministers' Meeting and Related Meetings in Phnom Penh. Meeting times were not "
            "published; the dates are those publicly reported.",
        },
    )
    chair_answer = _answer(
        AttendanceStatus.CONFIRMED,
        dt.datetime(2022, 7, 31, tzinfo=zoneinfo.ZoneInfo(PHNOM_PENH)),
        PRAK_SOKHONN,
    )
    for code, number, counterpart, day in REFERENCE_MEETINGS:
        start, end = _all_day(day, day, PHNOM_PENH)
        key = number or counterpart
        assert key is not None  # each reference meeting has a number or a counterpart
        slug = f"2022-{code.lower()}-{str(key).lower()}"
        meeting = _meeting(
            load,
            slug,
            {
                "event": event,
                "format": f[code],
                "number": number,
                "counterpart": p[counterpart] if counterpart else None,
                "venue": venue,
                "host": p["KH"],
                "start": start,
                "end": end,
                "all_day": True,
                "timezone": PHNOM_PENH,
                "status": MeetingStatus.HELD,
                "mode": MeetingMode.IN_PERSON,
                "published": True,
            },
        )
        answers = {"KH": chair_answer}
        if code in {"PMC", "EAS", "ARF"}:
            answers["RU"] = _answer(AttendanceStatus.CONFIRMED, REPORTED, LAVROV)
        if code == "AMM":
            answers["MM"] = _answer(
                AttendanceStatus.DECLINED,
                dt.datetime(2022, 8, 3, tzinfo=zoneinfo.ZoneInfo(PHNOM_PENH)),
                level=DelegationLevel.NON_POLITICAL,
            )
        _delegations(load, meeting, answers)


def _samples(load: Loader, p: dict[str, Participant], f: dict[str, Format], today: dt.date) -> None:
    """Upcoming meetings, labelled [Sample], so reminders can be seen working.

    They keep their dates while upcoming and move forward once past.
    """
    manila = "Asia/Manila"
    venue = load.upsert(
        Venue,
        {"name": "Manila", "city": "Manila"},
        {
            "name_local": "Maynila",
            "country_code": "PH",
            "timezone": manila,
            "latitude": Decimal("14.599500"),
            "longitude": Decimal("120.984200"),
        },
    )
    day = today + dt.timedelta(days=12)
    event = Event.objects.filter(slug="sample-senior-officials-meetings").first()
    if event is None or event.end_date < today:
        event = load.upsert(
            Event,
            {"slug": "sample-senior-officials-meetings"},
            {
                "title": "[Sample] Senior Officials' Meetings (demo data)",
                "host": p["PH"],
                "start_date": day,
                "end_date": day + dt.timedelta(days=3),
                "published": True,
                "description": "Sample meetings for trying the calendar; not real meetings.",
            },
        )
    zone = zoneinfo.ZoneInfo(manila)

    def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(
            event.start_date + dt.timedelta(days=days), dt.time(hour, minute), zone
        ).astimezone(dt.UTC)

    first, last = event.start_date + dt.timedelta(days=1), event.start_date + dt.timedelta(days=3)
    samples = [
        (
            "sample-som",
            "SOM",
            None,
            "[Sample] ASEAN Senior Officials' Meeting",
            at(0, 9),
            at(0, 12),
            False,
            MeetingStatus.SCHEDULED,
            True,
        ),
        (
            "sample-eas-som",
            "EAS_SOM",
            None,
            "[Sample] East Asia Summit Senior Officials' Meeting",
            at(1, 9, 30),
            at(1, 17),
            False,
            MeetingStatus.TENTATIVE,
            True,
        ),
        (
            "sample-arf-ism",
            "ARF",
            None,
            "[Sample] ARF Inter-Sessional Meeting",
            *_all_day(first, last, manila),
            True,
            MeetingStatus.SCHEDULED,
            True,
        ),
        (
            "sample-asean-japan-pmc",
            "PMC",
            "JP",
            "[Sample] ASEAN-Japan Post Ministerial Conference",
            at(2, 14),
            at(2, 16),
            False,
            MeetingStatus.CANCELLED,
            True,
        ),
        (
            "sample-amm-retreat",
            "AMM",
            None,
            "[Sample] AMM Retreat (draft, unpublished)",
            at(3, 9),
            at(3, 13),
            False,
            MeetingStatus.TENTATIVE,
            False,
        ),
    ]
    answered = timezone.now().replace(microsecond=0)
    for slug, code, counterpart, title, start, end, all_day, status, published in samples:
        existing = Meeting.objects.filter(slug=slug).first()
        meeting = _meeting(
            load,
            slug,
            {
                "event": event,
                "format": f[code],
                "number": None,
                "counterpart": p[counterpart] if counterpart else None,
                "title": title,
                "venue": venue,
                "host": p["PH"],
                "start": start,
                "end": end,
                "all_day": all_day,
                "timezone": manila,
                "status": status,
                "mode": MeetingMode.HYBRID,
                "published": published,
                "status_note": "Sample cancellation" if status == MeetingStatus.CANCELLED else "",
            },
            keep_dates=existing is not None and existing.end > timezone.now(),
        )
        if Delegation.objects.filter(meeting=meeting).exists():
            continue  # answers are the sample's own once made; keep them
        _delegations(
            load,
            meeting,
            {
                "PH": _answer(
                    AttendanceStatus.CONFIRMED, answered, level=DelegationLevel.SENIOR_OFFICIAL
                ),
                "SG": _answer(
                    AttendanceStatus.DECLINED, answered, level=DelegationLevel.SENIOR_OFFICIAL
                ),
            },
        )


@transaction.atomic
def load_demo(*, today: dt.date | None = None) -> Counter[str]:
    """Load the reference calendar and the sample meetings; returns what was written."""
    load = Loader()
    participants = _participants(load)
    formats = _formats(load, participants)
    _governance(load, participants)
    _reference(load, participants, formats)
    _samples(load, participants, formats, today or timezone.localdate())
    return load.counts
