"""Time a full refresh of the real files and the main callbacks; prints medians, asserts nothing.

Usage: .venv/bin/python benchmarks/bench_refresh_and_callbacks.py [--runs 5] [--public DIR]
Set DATABASE_URL to a PostgreSQL server to measure there (a throwaway database is created).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_login  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from callbacks import data, effectiveness, police  # noqa: E402
from config import Settings  # noqa: E402
from loaders import users  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.refresh import refresh_all, sync_registry  # noqa: E402


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
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--public", type=Path, default=ROOT.parent / "shared" / "data" / "public")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-"))

    print(f"Full refresh of {args.public} ({args.runs} runs, each into an empty database)")
    refresh_times = []
    for _ in range(args.runs):
        engine = make_engine(fresh_database(workdir))
        migrate(engine)
        factory = make_sessionmaker(engine)
        sync_registry(factory, Settings().lcjp)
        start = time.perf_counter()
        outcomes = refresh_all(factory, public_data_dir=args.public, demo_dir=workdir / "demo")
        refresh_times.append(time.perf_counter() - start)
        engine.dispose()
    rows = sum(o.rows for o in outcomes)
    print(f"  refresh_all: median {statistics.median(refresh_times):.2f}s, {rows:,} rows")

    settings = Settings(
        database_url=fresh_database(workdir),
        secret_key="bench",
        public_data_dir=args.public,
        instance_dir=workdir / "instance",
        testing=True,
    ).resolved()
    app = create_app(settings)
    factory = app.server.extensions["lcjp"].session_factory
    users.create_user(factory, "bench", "bench-password-1", role="analyst")
    with factory() as session:
        user = users.find_user(session, "bench")

    callbacks = {
        "E&E tiles": lambda: effectiveness.update_tiles({}),
        "E&E national trend": lambda: effectiveness.update_trend({}),
        "E&E courts": lambda: effectiveness.update_courts({}),
        "E&E court drill-down": lambda: effectiveness.update_drill({"court": "CC-TEESSIDE"}),
        "E&E timeliness": lambda: effectiveness.update_timeliness({}),
        "Police crime by type": lambda: police.update_crime({"force": "E23000008"}),
        "Police outcome mix": lambda: police.update_outcomes({"outcome": "Out-of-court disposal"}),
    }
    print(f"Callbacks, median of {args.runs} runs (cold = figures cache emptied before each call)")
    print(f"  {'callback':<24} {'cold ms':>9} {'warm ms':>9}")
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        for name, call in callbacks.items():

            def cold(call=call):
                data._CACHE.clear()
                call()

            cold_ms, _ = median_ms(cold, args.runs)
            call()
            warm_ms, _ = median_ms(call, args.runs)
            print(f"  {name:<24} {cold_ms:>9.1f} {warm_ms:>9.1f}")


if __name__ == "__main__":
    main()
