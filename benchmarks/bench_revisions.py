"""Time the revision query on police-sized vintages; prints medians, asserts nothing.

Two loads of a synthetic police.uk-shaped dataset (every force × 24 months × 14 crime types × 29
outcomes ≈ 400,000 rows per vintage) go through the real refresh path; the second changes about
1% of the counts, as a later police.uk archive does when outcomes are updated. Then
loaders.revisions.revisions is timed for what a card asks (one force; every force).

Usage: .venv/bin/python benchmarks/bench_revisions.py [--runs 5] [--months 24]
Set DATABASE_URL to a PostgreSQL server to measure there (a throwaway database is created).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks.common import fresh_database, median_ms  # noqa: E402
from config import Settings  # noqa: E402
from loaders.datasets import DATASETS  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.frames import LoadResult, month_bounds, observation_frame  # noqa: E402
from loaders.models import Area  # noqa: E402
from loaders.refresh import refresh_dataset, sync_registry  # noqa: E402
from loaders.revisions import latest_revisions, revisions  # noqa: E402

MEASURE = "police_street_records"
CRIME_TYPES = [f"Crime type {n:02d}" for n in range(14)]
OUTCOMES = [f"Outcome {n:02d}" for n in range(29)]


def synthetic_loader(forces: list[str], months: int, revised_share: float, seed: int):
    """A loader returning a police-shaped frame; `revised_share` of counts differ by seed."""

    def load(_folder: Path) -> LoadResult:
        periods = [month_bounds(2023 + m // 12, m % 12 + 1) for m in range(months)]
        keys = list(itertools.product(forces, periods, CRIME_TYPES, OUTCOMES))
        base = np.random.default_rng(0).integers(0, 500, len(keys))
        changed = np.random.default_rng(seed).random(len(keys)) < revised_share
        values = base + changed.astype(int)
        frame = observation_frame(
            [
                {
                    "measure_id": MEASURE,
                    "area_code": force,
                    "period_start": start,
                    "period_end": end,
                    "period_type": "month",
                    "value": float(value),
                    "breakdown": {"crime_type": crime, "outcome": outcome},
                }
                for (force, (start, end), crime, outcome), value in zip(keys, values, strict=True)
            ]
        )
        marker = Path(tempfile.mkstemp(prefix=f"bench-vintage-{seed}-")[1])
        marker.write_text(str(seed))  # a distinct content hash for each load
        return LoadResult(frame, files=[marker])

    return load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-revisions-"))
    url = fresh_database(workdir)
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, Settings().lcjp)
    with factory() as session:
        forces = list(
            session.scalars(
                sa.select(Area.code)
                .where(Area.area_type == "police_force_area")
                .order_by(Area.code)
            )
        )
    spec = DATASETS["police_uk_street"]
    today = date(2026, 1, 1)
    for seed, share in ((0, 0.0), (1, 0.01)):
        forged = dataclasses.replace(
            spec, loader=synthetic_loader(forces, args.months, share, seed)
        )
        start = time.perf_counter()
        outcome = refresh_dataset(factory, forged, workdir, today=today)
        print(
            f"load {seed + 1}: {outcome.status}, {outcome.rows:,} rows in "
            f"{time.perf_counter() - start:.1f}s ({engine.dialect.name})"
        )

    def one_force():
        with factory() as session:
            return latest_revisions(revisions(session, MEASURE, area_codes=[forces[0]]))

    def every_force():
        with factory() as session:
            return latest_revisions(revisions(session, MEASURE, area_type="police_force_area"))

    print(f"revisions() on the current vintage against the previous one, median of {args.runs}")
    for name, call in (("one force", one_force), ("every force", every_force)):
        found = len(call())
        median, fastest = median_ms(call, args.runs)
        print(
            f"  {name:<12} {found:>7,} revised figures  median {median:8.1f} ms  min {fastest:8.1f} ms"
        )
    engine.dispose()
    drop_database(url)


def drop_database(url: str) -> None:
    """Remove the throwaway PostgreSQL database (SQLite files stay in the temporary folder)."""
    if not url.startswith("postgresql"):
        return
    parsed = sa.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
