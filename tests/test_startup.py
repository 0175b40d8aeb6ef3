"""Start-up as production runs it: `gunicorn -w 2 app:server` on an empty database, in demo mode.

Both workers build the app at once; everything they write at start (schema, registry, demo users)
must happen under the start-up lock, or one worker dies on a unique key and takes gunicorn down.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

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


def test_two_workers_start_together_on_an_empty_database(databases, tmp_path):
    url = databases.new()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEMO_MODE": "1",
        "REFRESH_ON_START": "0",
        "WARM_CACHE_ON_START": "0",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "300", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            if _get(f"http://127.0.0.1:{port}/login") == 200:
                break
            time.sleep(1)
        # Give the slower worker time to finish (or fail) its start as well.
        booted = 0
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
            assert _get(f"http://127.0.0.1:{port}/login") == 200
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            names = connection.scalars(sa.text("SELECT username FROM app_user")).all()
        engine.dispose()
        assert sorted(n for n in names if n.startswith("demo-")) == sorted(set(names))
        assert len(names) == 6
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
