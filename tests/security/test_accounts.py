"""Staff accounts: password length, and where a login lands."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.security.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError) as caught:
        validate_password("Tq7#vLm2$kP")  # 11 characters, nothing else wrong

    assert caught.value.messages == [
        "This password is too short. It must contain at least 12 characters."
    ]
    assert validate_password("Tq7#vLm2$kPz") is None


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", ""],
)
def test_login_with_a_refused_next_lands_on_the_admin_index(client, next_url):
    make_staff("editor", username="editor", password=PASSWORD)

    response = client.post(
        "/admin/login/?next=" + next_url,
        {"username": "editor", "password": PASSWORD, "next": next_url},
    )

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(response["Location"]).status_code == 200


def test_login_with_a_local_next_goes_there(client):
    make_staff("editor", username="editor", password=PASSWORD)

    response = client.post(
        "/admin/login/",
        {"username": "editor", "password": PASSWORD, "next": "/admin/meetings/meeting/"},
    )

    assert (response.status_code, response["Location"]) == (302, "/admin/meetings/meeting/")
