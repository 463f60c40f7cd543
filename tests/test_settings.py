"""Production settings refuse to start without a real secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_setup(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="aseancal.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_secret_key_without_debug_is_a_startup_error():
    result = run_setup(DJANGO_DEBUG="0")
    assert result.returncode == 1
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set." in result.stderr


def test_secret_key_given_starts():
    result = run_setup(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="q7-Vd2mZ0kLr9sXw4pTe1uYb8nHc3gJf6aQi5oWz_E2Rt0Ls9Kx",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert (result.returncode, result.stdout) == (0, "started\n")
