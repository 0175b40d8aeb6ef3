"""Refresh time before and after the release-over-release checks (issue 13); prints figures.

For each dataset, a current vintage is loaded first; then the same files are loaded again as a
new vintage (force=True) with the checks off (as before issue 13) and on, alternating, so both
compare against a current vintage of the same size. The checks must not double a refresh.

Usage: .venv/bin/python benchmarks/bench_release_checks.py [--runs 3] [--public DIR] [--demo]
--demo adds the generated demo police.uk tree (about 400,000 figures), the largest load there is.
Set DATABASE_URL to a PostgreSQL server to measure there (a throwaway database is created).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import DEFAULT_PUBLIC, fresh_database  # noqa: E402
from config import Settings  # noqa: E402
from loaders import demo  # noqa: E402
from loaders.datasets import DATASETS  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.measures import measures_for_dataset  # noqa: E402
from loaders.models import Dataset  # noqa: E402
from loaders.refresh import refresh_dataset, sync_registry  # noqa: E402
from loaders.release_checks import compare_with_current  # noqa: E402

TODAY = date(2026, 11, 26)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-release-"))
    sources = [
        (spec, args.public / spec.folder, False)
        for spec in DATASETS.values()
        if not spec.submission
    ]
    if args.demo:
        demo.write_demo_files(workdir / "demo", today=TODAY)
        police = DATASETS["police_uk_street"]
        sources.append((police, workdir / "demo" / police.folder, True))

    engine = make_engine(fresh_database(workdir))
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, Settings().lcjp)
    print(f"Refresh with and without release checks ({args.runs} runs each, medians)")
    print(f"  {'dataset':<40} {'checks off':>11} {'checks on':>11} {'ratio':>6} {'check':>9}")
    total_off = total_on = 0.0
    for spec, folder, is_demo in sources:
        first = refresh_dataset(factory, spec, folder, is_demo=is_demo, today=TODAY, force=True)
        if first.status == "failed":
            print(f"  {spec.id}: could not load ({first.error})")
            continue
        off, on = [], []
        for _ in range(args.runs):
            for enabled, times in ((False, off), (True, on)):
                check = replace(spec.release_check, enabled=enabled)
                start = time.perf_counter()
                outcome = refresh_dataset(
                    factory, spec, folder, is_demo=is_demo, today=TODAY, force=True, check=check
                )
                times.append(time.perf_counter() - start)
                if outcome.status == "failed":
                    raise SystemExit(f"{spec.id}: {outcome.error}")
        # The comparison alone, against the current vintage, on the frame the loader gives.
        frame = spec.loader(folder).observations
        with factory() as session:
            current = session.get(Dataset, spec.id).current_vintage_id
            start = time.perf_counter()
            compare_with_current(
                session, current, frame, measures_for_dataset(spec.id), spec.release_check
            )
            check_alone = time.perf_counter() - start
        median_off, median_on = statistics.median(off), statistics.median(on)
        total_off += median_off
        total_on += median_on
        label = spec.id + (f" (demo, {len(frame):,} rows)" if is_demo else "")
        print(
            f"  {label:<40} {median_off:>10.2f}s {median_on:>10.2f}s "
            f"{median_on / median_off:>6.2f} {check_alone:>8.3f}s"
        )
    print(
        f"  {'all':<40} {total_off:>10.2f}s {total_on:>10.2f}s {total_on / total_off:>6.2f}"
        "   (the checks must not double a refresh: ratio well under 2)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
