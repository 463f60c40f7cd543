"""Shared by the security tests: staff users made without password hashing, and a client
that logs in through the real admin login form."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {"viewer": "Secretariat viewers", "editor": "Secretariat editors"}
PASSWORD = "a-long-test-password"  # noqa: S105 (test accounts)
HOME = "198.51.100.7"  # the address logins come from unless a test says otherwise
# A production key: 50+ characters, many different ones, no development prefix.
PRODUCTION_KEY = "q7-Vd2mZ0kLr9sXw4pTe1uYb8nHc3gJf6aQi5oWz_E2Rt0Ls9Kx"  # noqa: S105


def make_staff(role: str, *, username: str | None = None, password: str | None = None):
    """A user in the role (anonymous: None): viewer or editor (migration 0002's groups),
    or superuser. Without a password unless one is given (hashing is slow on purpose)."""
    if role == "anonymous":
        return None
    user = get_user_model().objects.create(
        username=username or f"{role}-user",
        email=f"{role}@example.org",
        is_staff=True,
        is_superuser=role == "superuser",
    )
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    if role in GROUPS:
        user.groups.add(Group.objects.get(name=GROUPS[role]))
    return user


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with only the given DJANGO_* variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(  # a fresh interpreter: settings are read once, at start-up
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "DJANGO_ALLOWED_HOSTS": "calendar.example.org",
        "SITE_URL": "https://calendar.example.org",
        **extra,
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Logins check passwords; Argon2's deliberate cost only slows these tests
    (test_passwords.py puts the production hashers back)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login():
    """Post the admin login form: login(client, username, password, token="", ip=...)."""

    def post(client, username: str, password: str, *, token: str = "", ip: str = HOME):
        data = {"username": username, "password": password, "next": "/admin/"}
        if token:
            data["otp_token"] = token
        return client.post("/admin/login/", data, REMOTE_ADDR=ip)

    return post
