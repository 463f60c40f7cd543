"""Login lock-out (django-axes): keyed on username and address together, 5 failures,
a 15-minute cool-off, and the proxy's X-Forwarded-For trusted only when configured."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from aseancal.client_ip import client_ip
from tests.security.conftest import HOME, PASSWORD, make_staff

pytestmark = pytest.mark.django_db

AWAY = "203.0.113.9"


@pytest.fixture
def staff(db):
    make_staff("editor", username="editor", password=PASSWORD)
    make_staff("viewer", username="viewer", password=PASSWORD)


def logged_in_as(client) -> str | None:
    return client.session.get("_auth_user_id") and client.get("/admin/").context["user"].username


def fail(client, login, times: int, *, username: str = "editor", ip: str = HOME) -> list[int]:
    return [login(client, username, "wrong password", ip=ip).status_code for _ in range(times)]


def test_lockout_after_five_failures_refuses_right_password(client, login, staff, frozen_now):
    statuses = fail(client, login, 5)
    response = login(client, "editor", PASSWORD)

    # Four failures re-show the form; the fifth locks the pair out.
    assert statuses == [200, 200, 200, 200, 403]
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Login locked</h1>" in page
    assert "Login locked: 5 failed logins in a row for this\n    account from your address." in page
    assert "_auth_user_id" not in client.session


def test_lockout_four_failures_then_right_password_logs_in(client, login, staff, frozen_now):
    statuses = fail(client, login, 4)
    response = login(client, "editor", PASSWORD)

    assert (statuses, response.status_code, response["Location"]) == (
        [200, 200, 200, 200],
        302,
        "/admin/",
    )


def test_lockout_other_address_same_username_not_locked(client, login, staff, frozen_now):
    fail(client, login, 5, ip=HOME)

    response = login(client, "editor", PASSWORD, ip=AWAY)

    assert (response.status_code, response["Location"], logged_in_as(client)) == (
        302,
        "/admin/",
        "editor",
    )


def test_lockout_other_username_same_address_not_locked(client, login, staff, frozen_now):
    fail(client, login, 5, username="editor", ip=HOME)

    response = login(client, "viewer", PASSWORD, ip=HOME)

    assert (response.status_code, response["Location"], logged_in_as(client)) == (
        302,
        "/admin/",
        "viewer",
    )


def test_lockout_expires_after_cool_off(client, login, staff, frozen_now):
    fail(client, login, 5)

    frozen_now.shift(dt.timedelta(minutes=14, seconds=59))
    still_locked = login(client, "editor", PASSWORD).status_code
    # That attempt restarted the wait: past the first lock's end, still locked.
    frozen_now.shift(dt.timedelta(minutes=14, seconds=59))
    locked_again = login(client, "editor", PASSWORD).status_code
    frozen_now.shift(dt.timedelta(minutes=15, seconds=1))
    response = login(client, "editor", PASSWORD)

    assert (still_locked, locked_again, response.status_code, logged_in_as(client)) == (
        403,
        403,
        302,
        "editor",
    )


def test_lockout_reset_command_unlocks(client, login, staff, frozen_now):
    fail(client, login, 5)

    call_command("axes_reset", verbosity=0)
    response = login(client, "editor", PASSWORD)

    assert (response.status_code, logged_in_as(client)) == (302, "editor")


def test_lockout_spoofed_forwarded_for_ignored_without_proxy(client, login, staff, frozen_now):
    for n in range(5):
        client.post(
            "/admin/login/",
            {"username": "editor", "password": "wrong password"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": PASSWORD},
        REMOTE_ADDR=HOME,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )

    assert response.status_code == 403


def test_lockout_behind_proxy_counts_the_address_the_proxy_saw(
    client, login, staff, frozen_now, settings
):
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def post(password: str, forwarded: str):
        return client.post(
            "/admin/login/",
            {"username": "editor", "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    # The client's own X-Forwarded-For entries come first; the proxy appends what it saw.
    statuses = [post("wrong password", f"192.0.2.{n}, {HOME}").status_code for n in range(5)]
    locked = post(PASSWORD, HOME).status_code
    other_client = post(PASSWORD, AWAY)

    assert (statuses, locked, other_client.status_code) == ([200, 200, 200, 200, 403], 403, 302)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.9", "192.0.2.1"),
        (2, "192.0.2.1", "192.0.2.1"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_configured_proxies(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
