"""A realistic synthetic calendar at scale, for benchmarks (`make bench`).

Rows are written with bulk_create, not one service call per meeting, so 20,000
meetings load in about a minute; the values obey the same invariants the
services keep (UTC instants with the venue's zone, local first/last day,
unique format numbers, ASCII slugs).
"""

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from meetings.demo import load_demo
from meetings.enums import AttendanceStatus, DelegationLevel, MeetingMode, MeetingStatus
from meetings.formatting import ordinal
from meetings.models import Delegation, Event, Format, Meeting, Participant, Venue

PREFIX = "gen-"
# One venue in every ASEAN capital, so every zone (and the half-hour one) is used.
CAPITALS = [
    ("National Convention Centre", "Naypyidaw", "MM", "Asia/Yangon", "19.7633", "96.0785"),
    ("Sokha Hotel", "Phnom Penh", "KH", "Asia/Phnom_Penh", "11.5564", "104.9282"),
    ("Queen Sirikit Centre", "Bangkok", "TH", "Asia/Bangkok", "13.7563", "100.5018"),
    ("ASEAN Secretariat", "Jakarta", "ID", "Asia/Jakarta", "-6.2088", "106.8456"),
    ("National Convention Centre", "Vientiane", "LA", "Asia/Vientiane", "17.9757", "102.6331"),
    ("National Convention Centre", "Hanoi", "VN", "Asia/Ho_Chi_Minh", "21.0278", "105.8342"),
    (
        "Kuala Lumpur Convention Centre",
        "Kuala Lumpur",
        "MY",
        "Asia/Kuala_Lumpur",
        "3.1390",
        "101.6869",
    ),
    ("Marina Bay Sands", "Singapore", "SG", "Asia/Singapore", "1.2834", "103.8607"),
    (
        "Philippine International Convention Center",
        "Manila",
        "PH",
        "Asia/Manila",
        "14.5995",
        "120.9842",
    ),
    (
        "International Convention Centre",
        "Bandar Seri Begawan",
        "BN",
        "Asia/Brunei",
        "4.9031",
        "114.9398",
    ),
    ("Dili Convention Centre", "Dili", "TL", "Asia/Dili", "-8.5569", "125.5603"),
]
LOCAL_TITLES = ["កិច្ចប្រជុំ", "การประชุม", "ກອງປະຊຸມ", "အစည်းအဝေး", "Hội nghị"]
HEADS = ["Minister of Foreign Affairs", "Deputy Minister", "Permanent Secretary", "Ambassador"]


class Command(BaseCommand):
    help = "Replace the generated calendar with N synthetic meetings (about 10 delegations each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--meetings", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=20220803)
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, meetings: int, seed: int, batch: int, **options) -> None:
        rng = random.Random(seed)
        load_demo()
        with transaction.atomic():
            self._clear()
            venues = self._venues()
            participants = list(Participant.objects.order_by("code"))
            formats = list(Format.objects.order_by("code"))
            numbers = {
                f.pk: (
                    Meeting.objects.filter(format=f, number__isnull=False)
                    .order_by("-number")
                    .values_list("number", flat=True)
                    .first()
                    or 0
                )
                + 1000
                for f in formats
            }
            created = 0
            while created < meetings:
                size = min(batch, meetings - created)
                rows = [
                    self._meeting(created + i, rng, venues, formats, numbers) for i in range(size)
                ]
                Meeting.objects.bulk_create(rows, batch_size=500)
                self._events_and_delegations(rows, rng, participants)
                created += size
                self.stderr.write(f"\r{created}/{meetings} meetings", ending="")
        self.stderr.write("")
        if connection.vendor == "postgresql":
            # Fresh statistics, as after any bulk load: without them the planner guesses
            # (and autovacuum may be off or not have run yet).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            f"Generated {meetings} meetings, "
            f"{Delegation.objects.filter(meeting__slug__startswith=PREFIX).count()} delegations."
        )

    def _clear(self) -> None:
        Delegation.objects.filter(meeting__slug__startswith=PREFIX).delete()
        Meeting.objects.filter(slug__startswith=PREFIX).delete()
        Event.objects.filter(slug__startswith=PREFIX).delete()

    def _venues(self) -> list[Venue]:
        venues = []
        for name, city, country, tz, lat, lon in CAPITALS:
            venue, _ = Venue.objects.get_or_create(
                name=name,
                city=city,
                defaults={
                    "country_code": country,
                    "timezone": tz,
                    "latitude": Decimal(lat),
                    "longitude": Decimal(lon),
                },
            )
            venues.append(venue)
        return venues

    def _meeting(self, i: int, rng: random.Random, venues, formats, numbers) -> Meeting:
        venue = rng.choice(venues)
        fmt = rng.choice(formats)
        zone = zoneinfo.ZoneInfo(venue.timezone)
        # Spread over ten years around today, denser near today as a real calendar is.
        offset_days = int(rng.triangular(-3650, 1825, 0))
        day = timezone.localdate() + dt.timedelta(days=offset_days)
        all_day = rng.random() < 0.2
        if all_day:
            length = rng.choice([1, 1, 2, 3])
            start = dt.datetime.combine(day, dt.time(0), zone)
            end = dt.datetime.combine(day + dt.timedelta(days=length), dt.time(0), zone)
            last_day = day + dt.timedelta(days=length - 1)
        else:
            start = dt.datetime.combine(
                day, dt.time(rng.choice([8, 9, 10, 14, 15]), rng.choice([0, 30])), zone
            )
            end = start + dt.timedelta(hours=rng.choice([2, 3, 4, 8]))
            last_day = end.date()
        number = None
        if rng.random() < 0.7:
            number = numbers[fmt.pk]
            numbers[fmt.pk] += 1
        title = f"{ordinal(number)} {fmt.name}" if number else fmt.name
        if rng.random() < 0.1:
            title = f"{rng.choice(LOCAL_TITLES)} {fmt.short_name}"
        roll = rng.random()
        status = (
            MeetingStatus.CANCELLED
            if roll < 0.05
            else MeetingStatus.POSTPONED
            if roll < 0.07
            else MeetingStatus.TENTATIVE
            if roll < 0.15
            else MeetingStatus.HELD
            if end < timezone.now()
            else MeetingStatus.SCHEDULED
        )
        return Meeting(
            format=fmt,
            number=number,
            title=title,
            slug=f"{PREFIX}{i + 1}",
            venue=venue,
            host_id=None,
            start=start.astimezone(dt.UTC),
            end=end.astimezone(dt.UTC),
            all_day=all_day,
            first_day=day,
            last_day=last_day,
            timezone=venue.timezone,
            status=status,
            mode=rng.choice(list(MeetingMode)),
            published=rng.random() >= 0.05,
            description="Generated for benchmarks.",
            sequence=rng.randint(0, 3),
            revision=1,
        )

    def _events_and_delegations(
        self, rows: list[Meeting], rng: random.Random, participants: list[Participant]
    ) -> None:
        by_code = {p.code: p for p in participants}
        delegations = []
        for index in range(0, len(rows), 5):
            group = rows[index : index + 5]
            venue = group[0].venue
            assert venue is not None  # _meeting gives every generated meeting a venue
            host = by_code.get(venue.country_code)
            event = Event.objects.create(
                title=f"Generated umbrella event {group[0].slug}",
                slug=f"{PREFIX}{group[0].slug}",
                host=host,
                start_date=min(m.first_day for m in group),
                end_date=max(m.last_day for m in group),
            )
            Meeting.objects.filter(pk__in=[m.pk for m in group]).update(event=event, host=host)
        answered = timezone.now()
        for meeting in rows:
            for participant in rng.sample(participants, 10):
                attendance = rng.choice(list(AttendanceStatus))
                delegations.append(
                    Delegation(
                        meeting=meeting,
                        participant=participant,
                        attendance=attendance,
                        answered_at=None if attendance == AttendanceStatus.INVITED else answered,
                        answered_via="" if attendance == AttendanceStatus.INVITED else "demo",
                        head_name=f"Delegate {participant.code}-{meeting.pk}",
                        head_title=rng.choice(HEADS),
                        level=rng.choice(list(DelegationLevel)),
                        contact_emails=f"desk@{participant.code.lower()}.mfa.example",
                        invited_at=answered,
                        revision=1,
                    )
                )
        Delegation.objects.bulk_create(delegations, batch_size=2000)
