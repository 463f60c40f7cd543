"""The anonymous throttle: keyed on the client address a forged header cannot change, and
counted in a cache every worker shares in production."""

import os
import uuid

import pytest
from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from aseancal.settings import _throttle_cache
from meetings.api.throttling import AnonThrottle
from tests.meetings.api.expected import problem


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setitem(AnonThrottle.THROTTLE_RATES, "anon", "3/minute")


def statuses(client: APIClient, forwarded: list[str], remote: str = "203.0.113.9") -> list[int]:
    return [
        client.get("/api/v1/formats/", HTTP_X_FORWARDED_FOR=value, REMOTE_ADDR=remote).status_code
        for value in forwarded
    ]


FORGED = ["1.1.1.1", "2.2.2.2", "3.3.3.3, 4.4.4.4", "5.5.5.5", "not an address"]


def test_forged_forwarded_for_does_not_reset_the_count_without_proxies(
    db, settings, three_a_minute, anon
):
    settings.PROXY_COUNT = 0
    assert statuses(anon, FORGED) == [200, 200, 200, 429, 429]


def test_forged_forwarded_for_does_not_reset_the_count_behind_one_proxy(
    db, settings, three_a_minute, anon
):
    """The proxy appends the address it saw; whatever the client put before it is ignored."""
    settings.PROXY_COUNT = 1
    forged = [f"{value}, 198.51.100.7" for value in FORGED]
    assert statuses(anon, forged) == [200, 200, 200, 429, 429]


def test_behind_one_proxy_each_client_address_counts_apart(db, settings, three_a_minute, anon):
    settings.PROXY_COUNT = 1
    first = statuses(anon, ["198.51.100.7"] * 4)
    other = statuses(anon, ["198.51.100.8"])
    assert (first, other) == ([200, 200, 200, 429], [200])


def test_throttled_answer_is_a_problem_with_retry_after(db, three_a_minute, anon, frozen_now):
    for _ in range(3):
        anon.get("/api/v1/formats/")
    response = anon.get("/api/v1/formats/")
    assert (
        response.status_code,
        response["Content-Type"],
        response["Retry-After"],
        response.json(),
    ) == (
        429,
        "application/problem+json",
        "60",
        problem(429, "Request was throttled. Expected available in 60 seconds."),
    )


def test_drf_trusts_as_many_proxies_as_the_login_lock_out():
    assert api_settings.NUM_PROXIES == settings.PROXY_COUNT


@pytest.mark.parametrize(
    ("debug", "feed_cache_url", "broker_url", "expected"),
    [
        (
            False,
            "",
            "redis://redis:6379/0",
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://redis:6379/0",
                "KEY_PREFIX": "api_throttle",
            },
        ),
        (
            False,
            "redis://cache:6379/1",
            "redis://redis:6379/0",
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://cache:6379/1",
                "KEY_PREFIX": "api_throttle",
            },
        ),
        (
            False,
            "",
            "filesystem://",
            {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
        ),
        (
            True,
            "",
            "redis://redis:6379/0",
            {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
        ),
    ],
)
def test_production_counts_in_the_shared_redis(debug, feed_cache_url, broker_url, expected):
    assert (
        _throttle_cache(debug=debug, feed_cache_url=feed_cache_url, broker_url=broker_url)
        == expected
    )


REDIS_URL = next(
    (
        url
        for url in (os.environ.get("FEED_CACHE_URL", ""), os.environ.get("CELERY_BROKER_URL", ""))
        if url.startswith("redis://")
    ),
    "",
)


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (CELERY_BROKER_URL=redis://...)")
def test_counts_in_redis_are_shared_between_workers(db, settings, three_a_minute):
    """Two workers are two cache connections: the second sees the first one's count."""
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        settings.THROTTLE_CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A prefix of its own: nothing else in that Redis is read or removed.
            "KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}",
        },
    }
    first_worker = statuses(APIClient(), ["x"] * 2)
    caches[settings.THROTTLE_CACHE_ALIAS].close()
    del caches[settings.THROTTLE_CACHE_ALIAS]
    second_worker = statuses(APIClient(), ["y"] * 2)
    assert (first_worker, second_worker) == ([200, 200], [200, 429])
