"""Production settings: the deploy check passes unexempted, weak keys stop start-up, and
the headers (HSTS, SSL redirect behind the proxy, framing, referrer) are really sent."""

import json

import pytest

from aseancal.settings import DEVELOPMENT_SECRET_KEY
from tests.security.conftest import production_env, run_manage

CHECK_OK = "System check identified no issues (0 silenced).\n"


def test_deploy_check_with_production_settings_passes_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert (result.returncode, result.stdout) == (0, CHECK_OK)
    assert "WARNINGS" not in result.stderr
    assert "ERRORS" not in result.stderr


def test_deploy_check_silences_nothing():
    script = "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)"
    result = run_manage("shell", "--no-imports", "-c", script, **production_env())

    assert (result.returncode, result.stdout) == (0, "[]\n")


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "is not set"),
        (DEVELOPMENT_SECRET_KEY, "is a development key"),
        ("django-insecure-" + "k3Jx9Qm2Lp7Rz4Tn8Vw1Yb6Hc5Fg0Ds" * 2, "is a development key"),
        ("q7-Vd2mZ0kLr9sXw4pTe1uYb8nHc3gJf6aQi5oWz_E2Rt0Ls9", "is shorter than 50 characters"),
        ("ab" * 40, "has fewer than 5 different characters"),
    ],
    ids=["missing", "development-key", "insecure-prefix", "49-characters", "two-characters"],
)
def test_weak_secret_key_without_debug_stops_start_up(key, reason):
    result = run_manage("check", **production_env(DJANGO_SECRET_KEY=key))

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1].startswith(
        f"django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY {reason}. "
    )


# The response headers, from a request through the whole middleware stack in a process
# started with production settings (settings are read once, at start-up).
HEADERS_SCRIPT = """
import json
from django.test import Client
client = Client(HTTP_HOST="calendar.example.org")
plain = client.get("/admin/login/")
proxied = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "proxied": [proxied.status_code] + [proxied.headers.get(name) for name in (
        "Strict-Transport-Security", "X-Frame-Options", "Referrer-Policy",
        "X-Content-Type-Options", "Cross-Origin-Opener-Policy")],
    "csrf_cookie": [proxied.cookies["csrftoken"][flag] for flag in ("secure", "samesite")],
}))
"""


def test_production_headers_and_ssl_redirect_behind_the_proxy():
    # Pages render without the collectstatic manifest (a fresh checkout has none): this
    # is about headers; the smoke test serves the collected files.
    env = production_env(DJANGO_STATIC_MANIFEST="0")
    result = run_manage("shell", "--no-imports", "-c", HEADERS_SCRIPT, **env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        # Plain HTTP (no X-Forwarded-Proto: https from the proxy) is sent to HTTPS.
        "plain": [301, "https://calendar.example.org/admin/login/"],
        "proxied": [
            200,
            "max-age=31536000; includeSubDomains; preload",
            "DENY",
            "same-origin",
            "nosniff",
            "same-origin",
        ],
        "csrf_cookie": [True, "Lax"],
    }
