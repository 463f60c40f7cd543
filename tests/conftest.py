import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.contrib.auth.models import Group

from meetings.demo import load_demo
from tests import snapshot
from tests.factories import UserFactory

# The demo's sample meetings are dated from "today"; tests fix today.
TODAY = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)


# Tests that run a Celery worker on the shared broker, or servers of their own on fixed
# ports, carry this mark: they run one after another on a single xdist worker (make test
# runs --dist loadgroup). A module's own mark, since xdist reads groups at collection.
SERVICES = pytest.mark.xdist_group("services")


# What the database vendor can change: these modules run on SQLite too (marked `vendor`;
# .ci/run's second pass). The rest of the suite runs on PostgreSQL only.
VENDOR_MODULES = {
    "tests/test_smoke.py",  # every page and door answers
    "tests/meetings/test_models.py",  # constraints
    "tests/meetings/test_demo.py",  # data migrations and the reference data
    "tests/meetings/test_response_cache.py",  # the version triggers
    "tests/meetings/test_caching.py",  # triggers against the tables the public reads
    "tests/meetings/test_feed_incremental.py",  # row fingerprints computed in SQL
    "tests/meetings/test_documents_outputs.py",  # documents in those fingerprints
    "tests/meetings/test_services.py",  # row locks and revisions
    "tests/meetings/test_reminders.py",  # the outbox: claims under row locks
    "tests/meetings/test_notices.py",  # change notices in that outbox
    "tests/meetings/test_follow.py",  # the follow outbox: unique keys, claims under locks
    "tests/meetings/test_tasks.py",
    "tests/meetings/test_tasks_worker.py",  # a worker on the database's own file
    "tests/reliability/test_backup_restore.py",  # dump and load on each vendor
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::", 1)[0] in VENDOR_MODULES:
            item.add_marker(pytest.mark.vendor)


@contextmanager
def eager_tasks(*, propagate: bool) -> Iterator[None]:
    """Celery runs queued tasks in this process (errors raised if `propagate`), then
    goes back to how it was."""
    from kombu import pools

    from aseancal.celery import app

    # Celery acquires a producer even in eager mode: start from fresh pools, not from ones
    # a broker test of this process closed (kombu.pools.reset) under the app's cached AMQP.
    pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)
    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, propagate
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def frozen_now():
    """The clock stopped at TODAY (it does not tick)."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """What `load_demo` writes at TODAY, recorded once per test process (tests/snapshot.py)."""
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=False):
        return snapshot.take(load_demo)


@pytest.fixture
def demo(db, frozen_now, demo_rows):
    """The reference calendar and the samples, as `load_demo` writes them at TODAY."""
    snapshot.restore(demo_rows)


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
    """Each test starts with every cache empty (they outlive transactions), and reads the
    calendar version on every request: an edit shows on the next one
    (tests/meetings/test_response_cache.py covers the production interval)."""
    from meetings import caching

    settings.RESPONSE_CACHE_REVALIDATE_SECONDS = 0
    caching.reset()
