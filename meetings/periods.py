"""When a meeting runs: times at the venue -> the UTC start and end it is stored with.

The one rule for every door that takes a meeting's dates (admin form, API, importer).
Pure: no database, no clock. A refusal is a ValidationError keyed by the argument at
fault (`start`, `end`, `first_day`, `last_day`), with a code, so that each door can
show it under its own field.
"""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError

from meetings.validators import localize, validate_period

MIDNIGHT = dt.time(0)


def local_period(
    *,
    zone: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    all_day: bool = False,
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a meeting held in the IANA zone `zone`.

    Give `start` and `end`, each aware or naive (a wall-clock time at the venue; with
    `all_day`, midnight at the venue, the end exclusive), or, for an all-day meeting,
    `first_day` and `last_day` (inclusive). Raises ValidationError for a time the venue's
    clocks skip, an all-day time that is not midnight, or an end not after the start.
    A wall-clock time the clocks pass twice is the first of the two, as `localize` reads it.
    """
    if first_day is not None and last_day is not None and start is None and end is None:
        return _days_period(zone, first_day, last_day)
    if start is None or end is None or first_day is not None or last_day is not None:
        raise TypeError("local_period takes start and end, or first_day and last_day.")
    start_at = _instant(start, zone, field="start", all_day=all_day)
    end_at = _instant(end, zone, field="end", all_day=all_day)
    validate_period(start_at, end_at)
    return start_at.astimezone(dt.UTC), end_at.astimezone(dt.UTC)


def _days_period(zone: str, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight starting `first` to midnight ending `last`, at the venue, in UTC."""
    if last < first:
        raise ValidationError(
            {
                "last_day": ValidationError(
                    "The last day cannot be before the first day.", code="last_before_first"
                )
            }
        )
    start = _localized(dt.datetime.combine(first, MIDNIGHT), zone, field="first_day")
    end = _localized(
        dt.datetime.combine(last + dt.timedelta(days=1), MIDNIGHT), zone, field="last_day"
    )
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _instant(value: dt.datetime, zone: str, *, field: str, all_day: bool) -> dt.datetime:
    """`value` as an aware instant: a naive one read at the venue, an all-day one at midnight."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = _localized(value.replace(tzinfo=None), zone, field=field)
    if all_day and value.astimezone(zoneinfo.ZoneInfo(zone)).time() != MIDNIGHT:
        raise ValidationError(
            {
                field: ValidationError(
                    "An all-day meeting's %(field)s is midnight in %(zone)s; or give first_day "
                    "and last_day.",
                    code="not_midnight",
                    params={"field": field, "zone": zone},
                )
            }
        )
    return value


def _localized(wall: dt.datetime, zone: str, *, field: str) -> dt.datetime:
    """`localize`, its refusal keyed by `field`."""
    try:
        return localize(wall, zone)
    except ValidationError as exc:
        raise ValidationError({field: exc}) from exc
