"""`make run`'s supervisor (scripts/run-dev): restarts what stops, stops everything on time."""

import importlib.machinery
import importlib.util
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "run-dev"


@pytest.fixture
def run_dev(monkeypatch):
    loader = importlib.machinery.SourceFileLoader("run_dev", str(SCRIPT))
    spec = importlib.util.spec_from_loader("run_dev", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    monkeypatch.setattr(module, "RESTART_PAUSE", (0.05, 0.2))
    monkeypatch.setattr(module, "POLL", 0.02)
    return module


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_child_that_stops_is_started_again(run_dev, tmp_path):
    starts = tmp_path / "starts"
    crashing = run_dev.Child(
        "worker", python(f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"), False
    )
    site = run_dev.Child("site", python("import time; time.sleep(1.5)"), True)

    status = run_dev.supervise([crashing, site], grace=1)

    assert (status, len(starts.read_text()) >= 3) == (0, True)


def test_the_site_stopping_stops_the_rest(run_dev):
    worker = run_dev.Child("worker", python("import time; time.sleep(60)"), False)
    site = run_dev.Child("site", python("raise SystemExit(7)"), True)

    status = run_dev.supervise([worker, site], grace=5)

    assert (status, worker.process.returncode) == (7, -signal.SIGTERM)


def test_sigterm_stops_everything_and_kills_what_ignores_it(run_dev):
    stubborn = run_dev.Child(
        "worker",
        python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
        ),
        False,
    )
    polite = run_dev.Child("site", python("import time; time.sleep(60)"), True)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    began = time.monotonic()

    status = run_dev.supervise([stubborn, polite], grace=0.5)

    took = time.monotonic() - began
    assert (status, stubborn.process.returncode, polite.process.returncode) == (
        0,
        -signal.SIGKILL,
        -signal.SIGTERM,
    )
    assert took < 10, f"{took:.1f} s"  # not the 60 s the stubborn child would wait
