import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import caches

from meetings.demo import load_demo
from tests.factories import UserFactory

# The demo's sample meetings are dated from "today"; tests fix today.
TODAY = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now():
    """The clock stopped at TODAY (it does not tick)."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def demo(db, frozen_now):
    """The reference calendar and the samples, loaded as `load_demo` loads them."""
    load_demo()


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="Secretariat editors"))
    return user


@pytest.fixture
def viewer(db):
    user = UserFactory(username="viewer")
    user.groups.add(Group.objects.get(name="Secretariat viewers"))
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture(autouse=True)
def _fresh_response_cache(settings):
    """Each test starts with an empty in-memory response cache (it outlives transactions),
    and reads the calendar version on every request: an edit shows on the next one
    (tests/meetings/test_response_cache.py covers the production interval)."""
    from meetings import feeds, response_cache, selectors

    settings.RESPONSE_CACHE_REVALIDATE_SECONDS = 0
    response_cache.memory.clear()
    feeds._by_fingerprint.clear()
    selectors.forget_answer_hashes()
    # The feeds' Last-Modified dates live there (feeds.stable_since).
    caches[django_settings.FEED_CACHE_ALIAS].clear()
