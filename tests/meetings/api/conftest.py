import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The staff fixtures hash passwords; the slow production hasher adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle():
    """Anonymous throttling counts in its cache (per process in tests, as DJANGO_DEBUG is
    on): each test starts with a clean count."""
    throttle = caches[django_settings.THROTTLE_CACHE_ALIAS]
    throttle.clear()
    yield
    throttle.clear()


@pytest.fixture
def client_for():
    """An API client authenticated with the given user's token (anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def anon(client_for) -> APIClient:
    return client_for(None)
