"""The app as production runs it: `gunicorn app:server` from the repository (so with its
gunicorn.conf.py), on a free 127.0.0.1 port.

- Two workers on an empty database, in demo mode: both build the app at once; everything they write
  at start (schema, registry, demo users) must happen under the start-up lock, or one worker dies on
  a unique key and takes gunicorn down.
- A forged `X-Forwarded-Proto: https` from 127.0.0.1 must not pass for HTTPS unless
  TRUSTED_PROXY_HOPS says a proxy is there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from loaders import users

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except OSError:
        return 0


@contextmanager
def gunicorn(url: str, tmp_path: Path, workers: int, **env):
    """Start gunicorn from the repository and wait until /login answers; yields (process, base
    url, log file)."""
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "REFRESH_ON_START": "0",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300"]
        + ["app:server"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            if _get(f"{base}/login") == 200:
                break
            time.sleep(1)
        yield server, base, log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_two_workers_start_together_on_an_empty_database(databases, tmp_path):
    url = databases.new()
    with gunicorn(url, tmp_path, 2, DEMO_MODE="1") as (server, base, log):
        # Give the slower worker time to finish (or fail) its start as well.
        deadline, booted = time.monotonic() + 240, 0
        while time.monotonic() < deadline and server.poll() is None:
            log.seek(0)
            booted = log.read().count("Demo mode: sign in")
            if booted >= 2:
                break
            time.sleep(1)
        log.seek(0)
        output = log.read()
        assert server.poll() is None, f"gunicorn exited ({server.returncode}):\n{output}"
        assert booted == 2, output
        assert len(_children(server.pid)) == 2, output
        for _ in range(4):  # either worker may answer; every answer is the sign-in page
            assert _get(f"{base}/login") == 200
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        names = connection.scalars(sa.text("SELECT username FROM app_user")).all()
    engine.dispose()
    assert sorted(names) == sorted(username for username, *_ in users.DEMO_USERS)


def _headers(base: str, **headers) -> dict:
    request = urllib.request.Request(f"{base}/login", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return {
            "cookies": response.headers.get_all("Set-Cookie") or [],
            "hsts": response.headers.get("Strict-Transport-Security"),
        }


def test_a_forged_forwarded_proto_is_not_believed_without_a_trusted_proxy(databases, tmp_path):
    url = databases.new()
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    with gunicorn(url, tmp_path, 1, SECRET_KEY="proxy-test", TRUSTED_PROXY_HOPS="0") as run:
        seen = _headers(run[1], **forged)
    assert seen["cookies"] and not any("Secure" in c for c in seen["cookies"])
    assert seen["hsts"] is None
    with gunicorn(url, tmp_path, 1, SECRET_KEY="proxy-test", TRUSTED_PROXY_HOPS="1") as run:
        trusted = _headers(run[1], **forged)
    assert all("Secure" in c for c in trusted["cookies"]) and trusted["hsts"]
