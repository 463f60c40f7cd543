"""Queries per request on the generated calendar: rendered (not in memory), then again
with the calendar version read (as after RESPONSE_CACHE_REVALIDATE seconds), then again
within that interval.

Run by `make bench` with the bench's environment; the same pages cost the same in the
test suite's small calendars (tests/meetings/test_views.py and api/test_queries.py), so
equal figures here show the count does not grow with the number of meetings.
"""

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aseancal.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from meetings import caching  # noqa: E402
from meetings.models import Meeting  # noqa: E402


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    if status != 200:
        raise SystemExit(f"{url} answered {status}")
    return len(queries)


def main() -> None:
    slug, month, feed = sys.argv[1:4]
    client = Client(HTTP_HOST="127.0.0.1")
    urls = {
        "home": "/",
        "list": "/meetings/",
        "meeting": f"/meetings/{slug}/",
        "month": month,
        "changes": "/changes/",
        "API list of 100": "/api/v1/meetings/?page_size=100",
        "API detail": f"/api/v1/meetings/{slug}/",
        "feed": feed,
        "search": "/search/?q=Vientiane",
    }
    parts = []
    for label, url in urls.items():
        caching.memory.clear()
        caching.feed_events.clear()
        # Assigned, not overridden: override_settings would empty the cache.
        settings.RESPONSE_CACHE_REVALIDATE_SECONDS = 0
        rendered = count(client, url)
        read_again = count(client, url)
        settings.RESPONSE_CACHE_REVALIDATE_SECONDS = 3600
        parts.append(f"{label} {rendered}/{read_again}/{count(client, url)}")
    print(
        f"queries per request with {Meeting.objects.count():,} meetings (rendered/"
        f"unchanged, version read/unchanged, within the interval): {', '.join(parts)}"
    )


if __name__ == "__main__":
    main()
