"""Staff sessions end 8 hours after login (SESSION_COOKIE_AGE) and when the browser closes."""

import datetime as dt

import pytest

from tests.security.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, login, frozen_now):
    make_staff("editor", username="editor", password=PASSWORD)
    return login(client, "editor", PASSWORD)


def test_session_cookie_ends_with_the_browser(logged_in):
    cookie = logged_in.cookies["sessionid"]

    assert (logged_in.status_code, cookie["expires"], cookie["max-age"], cookie["httponly"]) == (
        302,
        "",
        "",
        True,
    )


def test_session_within_eight_hours_still_open(client, logged_in, frozen_now):
    frozen_now.shift(dt.timedelta(hours=7, minutes=59))

    assert client.get("/admin/").status_code == 200


def test_session_older_than_eight_hours_refused(client, logged_in, frozen_now, settings):
    frozen_now.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))

    response = client.get("/admin/meetings/meeting/")

    assert (settings.SESSION_COOKIE_AGE, response.status_code, response["Location"]) == (
        8 * 3600,
        302,
        "/admin/login/?next=/admin/meetings/meeting/",
    )
