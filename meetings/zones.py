"""The time zones and countries staff pick from: where ASEAN meets first, then every place.

The full list is the tz database's zone.tab (from the tzdata package): one zone per place,
never a link such as "Asia/Saigon", nor "Factory", "localtime" or "Etc/GMT+7", which
`zoneinfo.available_timezones()` also lists. Country names come from its iso3166.tab.
"""

import importlib.resources
from functools import cache

# (zone, place): the capitals of ASEAN's members and dialogue partners, in the order staff
# look for them.
MEETING_PLACES = (
    ("Asia/Brunei", "Bandar Seri Begawan, Brunei"),
    ("Asia/Phnom_Penh", "Phnom Penh, Cambodia"),
    ("Asia/Jakarta", "Jakarta, Indonesia"),
    ("Asia/Vientiane", "Vientiane, Laos"),
    ("Asia/Kuala_Lumpur", "Kuala Lumpur, Malaysia"),
    ("Asia/Yangon", "Naypyidaw and Yangon, Myanmar"),
    ("Asia/Manila", "Manila, Philippines"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Bangkok", "Bangkok, Thailand"),
    ("Asia/Dili", "Dili, Timor-Leste"),
    ("Asia/Ho_Chi_Minh", "Hanoi and Ho Chi Minh City, Viet Nam"),
    ("Australia/Sydney", "Canberra and Sydney, Australia"),
    ("America/Toronto", "Ottawa and Toronto, Canada"),
    ("Asia/Shanghai", "Beijing, China"),
    ("Europe/Brussels", "Brussels, European Union"),
    ("Asia/Kolkata", "New Delhi, India"),
    ("Asia/Tokyo", "Tokyo, Japan"),
    ("Asia/Seoul", "Seoul, Republic of Korea"),
    ("Pacific/Auckland", "Wellington and Auckland, New Zealand"),
    ("Europe/Moscow", "Moscow, Russia"),
    ("Europe/London", "London, United Kingdom"),
    ("America/New_York", "Washington and New York, United States"),
    ("UTC", "UTC (online meetings)"),
)
# ASEAN's members and dialogue partners, first in the country list.
MEETING_COUNTRIES = (
    *("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN"),
    *("AU", "CA", "CN", "IN", "JP", "KR", "NZ", "RU", "GB", "US"),
    "BE",  # the European Union's seat
)


def _table(name: str) -> list[list[str]]:
    text = (importlib.resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def place_zones() -> tuple[str, ...]:
    """Every zone that names a place, sorted, and UTC."""
    return tuple(sorted({row[2] for row in _table("zone.tab")} | {"UTC"}))


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 code -> English short name."""
    return {row[0]: row[1] for row in _table("iso3166.tab")}


def zone_choices(current: str = "") -> list:
    """Grouped choices: the meeting places, then all zones (and a stored zone outside both,
    so that an older record still saves unchanged)."""
    groups: list = [
        ("Where ASEAN meets", [(zone, f"{place} ({zone})") for zone, place in MEETING_PLACES]),
        ("All places", [(zone, zone.replace("_", " ")) for zone in place_zones()]),
    ]
    if current and current not in place_zones() and current not in dict(MEETING_PLACES):
        groups.append(("Stored", [(current, current)]))
    return groups


def country_choices(current: str = "") -> list:
    names = country_names()
    first = [(code, f"{names.get(code, code)} ({code})") for code in MEETING_COUNTRIES]
    rest = sorted(
        (
            (code, f"{name} ({code})")
            for code, name in names.items()
            if code not in MEETING_COUNTRIES
        ),
        key=lambda item: item[1],
    )
    groups: list = [("ASEAN and its partners", first), ("All countries", rest)]
    if current and current not in names:
        groups.append(("Stored", [(current, current)]))
    return groups
