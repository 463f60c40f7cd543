"""The reference data and the meetings a file names, fetched once per file by their keys."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet

from meetings.models import Event, Format, Meeting, Participant, Venue

CHUNK = 500  # keys per query: SQLite limits the parameters of one statement


class Lookups:
    """Formats, participants, venues, events and the meetings the rows name, by their keys."""

    def __init__(self, *, slugs: set[str], numbered: set[tuple[str, int]], pks: set[int]):
        self.formats = {f.code: f for f in Format.objects.all()}
        self.participants = {p.code: p for p in Participant.objects.all()}
        self.venues = {(v.name.casefold(), v.city.casefold()): v for v in Venue.objects.all()}
        self.venues_by_name: dict[str, list[Venue]] = {}
        for venue in self.venues.values():
            self.venues_by_name.setdefault(venue.name.casefold(), []).append(venue)
        self.events: dict[str, Event] = {}
        found = _meetings(self._conditions(slugs, numbered, pks))
        self.by_slug = {m.slug: m for m in found.values()}
        self.by_pk = found
        self.by_number = {(m.format.code, m.number): m for m in found.values() if m.number}

    def _conditions(
        self, slugs: set[str], numbered: set[tuple[str, int]], pks: set[int]
    ) -> list[Q]:
        """One condition a chunk of keys; numbers of unknown formats name nothing."""
        numbers_by_format: dict[int, set[int]] = {}
        for code, number in numbered:
            if code in self.formats:
                numbers_by_format.setdefault(self.formats[code].pk, set()).add(number)
        conditions = [Q(slug__in=chunk) for chunk in chunks(slugs)]
        conditions += [Q(pk__in=chunk) for chunk in chunks(pks)]
        for format_id, numbers in numbers_by_format.items():
            conditions += [Q(format_id=format_id, number__in=chunk) for chunk in chunks(numbers)]
        return conditions

    def load_events(self, slugs: set[str]) -> None:
        """Fetch the umbrella events these slugs name."""
        self.events = {
            e.slug: e for chunk in chunks(slugs) for e in Event.objects.filter(slug__in=chunk)
        }


def _meetings(conditions: list[Q]) -> dict[int, Meeting]:
    meetings: QuerySet[Meeting] = Meeting.objects.select_related(
        "format", "counterpart", "event", "venue", "host"
    )
    return {m.pk: m for condition in conditions for m in meetings.filter(condition)}


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """The values in sorted lists of at most `size`."""
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
