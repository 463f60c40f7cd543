"""Passwords are hashed with Argon2; older hashes are upgraded at the next login."""

import pytest
from django.contrib.auth.hashers import make_password

from aseancal import settings as project_settings
from tests.factories import UserFactory
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_hashers(settings, fast_password_hashing):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_new_user_password_hashed_with_argon2id():
    user = UserFactory(username="new-staff")

    algorithm, variant, *_ = user.password.split("$")
    assert (algorithm, variant, user.check_password("a-long-test-password")) == (
        "argon2",
        "argon2id",
        True,
    )


def test_pbkdf2_password_upgraded_to_argon2_at_login(client, login):
    user = UserFactory(username="old-staff")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = login(client, "old-staff", PASSWORD)

    user.refresh_from_db()
    assert (response.status_code, response["Location"], user.password.split("$")[0]) == (
        302,
        "/admin/",
        "argon2",
    )
