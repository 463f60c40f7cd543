"""Servers of the tests' own to break: a PostgreSQL cluster and a Redis, each private to
the test (own port, own directory), so restarting them never touches the shared ones;
and the app under gunicorn with production settings.

Skipped, with the reason, only where the server binaries are missing.
"""

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# The worker fixtures and helpers of the reminder tests, shared rather than copied.
from tests.meetings.test_tasks_worker import mailbox, shared_database, wait_for  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PG_PORT = 55432
REDIS_PORT = 56379
HOST = "faults.aseancal.test"


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal a process started in its own session, and its children; kill if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
    except ProcessLookupError:
        process.wait(30)


def needs(message: str) -> None:
    """Skip for want of a tool, or fail where the run must cover faults (REQUIRE_FAULTS=1, CI)."""
    if os.environ.get("REQUIRE_FAULTS") == "1":
        pytest.fail(f"REQUIRE_FAULTS=1 but this test {message}", pytrace=False)
    pytest.skip(message)


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres_binaries() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not found or not shutil.which("runuser"):
        needs("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and runuser")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        needs("needs the postgres system user to run a private cluster")
    return Path(found[-1]).parent


class PrivateCluster:
    """initdb'd in a directory of its own, served on PG_PORT, restarted at will."""

    def __init__(self, bindir: Path, directory: Path):
        self.bindir = bindir
        self.directory = directory
        self.data = directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}"

    def pg_ctl(self, *args: str) -> None:
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-t",
            "60",
            *args,
        )

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.directory,
        )

    def start(self) -> None:
        options = (
            f"-p {PG_PORT} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory}"
        )
        self.pg_ctl("-o", options, "start")

    def restart(self, mode: str) -> None:
        """`fast` ends sessions and checkpoints; `immediate` is a crash, replayed from WAL."""
        self.pg_ctl("-m", mode, "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-m", "immediate", "stop")


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster on port PG_PORT, trust auth, owned by the postgres user."""
    bindir = postgres_binaries()
    if not port_free(PG_PORT):
        pytest.fail(f"port {PG_PORT} is taken: a private cluster left running?")
    # Not under pytest's tmp_path: the postgres user must be able to reach it.
    directory = Path(tempfile.mkdtemp(prefix="aseancal-pg-"))
    shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(bindir, directory)
    try:
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


# -- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """redis-server on REDIS_PORT keeping nothing on disk: a restart loses every key."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.directory / f"redis-{self.starts}.log").open("wb")
        with log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(REDIS_PORT),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.answers, 30, "redis-server to answer")

    def answers(self) -> bool:
        import redis

        try:
            with redis.Redis(port=REDIS_PORT, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: what a crash or an OOM kill does; the in-memory queue is gone."""
        if self.process is not None:
            stop_group(self.process, signal.SIGKILL)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        needs("needs redis-server to run a private Redis")
    if not port_free(REDIS_PORT):
        pytest.fail(f"port {REDIS_PORT} is taken: a private Redis left running?")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


# -- the app, as production runs it -----------------------------------------------------------


def production_env(var: Path, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off, a real secret key), with the given servers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_", "REMINDER_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="aseancal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        # Templates resolve static names without a collectstatic manifest.
        DJANGO_STATIC_MANIFEST="0",
        ASEANCAL_VAR_DIR=str(var),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


class Gunicorn:
    """gunicorn serving aseancal.wsgi as docker-compose.yml runs it, on a free port."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "aseancal.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "20",
                    "--control-socket",
                    str(log.parent / f"gunicorn-{self.port}.ctl"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.listening, 60, "gunicorn to listen")

    def listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log.read_text()}")
        return not port_free(self.port)

    def stop(self) -> int:
        stop_group(self.process)
        return self.process.returncode


@pytest.fixture
def gunicorn():
    """Start gunicorn with `gunicorn(env, log)`; whatever is still running stops at the end."""
    started: list[Gunicorn] = []

    def start(env: dict[str, str], log: Path, **options) -> Gunicorn:
        server = Gunicorn(env, log, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
