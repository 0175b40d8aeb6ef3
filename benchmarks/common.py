"""What every benchmark needs: a throwaway database (SQLite, or PostgreSQL when DATABASE_URL
points at a server), an app on the real files with an OPCC analyst, and a median timer."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_login  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from config import Settings  # noqa: E402

DEFAULT_PUBLIC = ROOT.parent / "shared" / "data" / "public"


def fresh_database(workdir: Path) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite'}"
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"lcjp_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.make_url(base).set(database=name).render_as_string(False)


def median_ms(func, runs: int) -> tuple[float, float]:
    """(median, fastest) of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def bench_app(public: Path, name: str, *, refresh_on_start: bool = True, **settings):
    """(app, session factory) on a fresh database loaded from `public`, with an analyst 'bench'."""
    from app import create_app
    from loaders import users

    workdir = Path(tempfile.mkdtemp(prefix=f"lcjp-bench-{name}-"))
    app = create_app(
        Settings(
            database_url=fresh_database(workdir),
            secret_key="bench",
            public_data_dir=public,
            instance_dir=workdir / "instance",
            refresh_on_start=refresh_on_start,
            testing=True,
            **settings,
        ).resolved()
    )
    factory = app.server.extensions["lcjp"].session_factory
    users.create_user(factory, "bench", "bench-password-1", role="analyst")
    return app, factory


@contextmanager
def signed_in(app, factory, username: str = "bench"):
    """Call callbacks directly, inside a request signed in as `username`; yields the user."""
    from loaders import users

    with factory() as session:
        user = users.find_user(session, username)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user
