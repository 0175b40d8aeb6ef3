"""Time a full refresh of the real files and the main callbacks; prints medians, asserts nothing.

Usage: .venv/bin/python benchmarks/bench_refresh_and_callbacks.py [--runs 5] [--public DIR]
Set DATABASE_URL to a PostgreSQL server to measure there (a throwaway database is created).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import flask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import DEFAULT_PUBLIC, bench_app, fresh_database, median_ms, signed_in  # noqa: E402
from callbacks import courts, data, effectiveness, force_page, police, subgroup  # noqa: E402
from config import Settings  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.refresh import refresh_all, sync_registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
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

    app, factory = bench_app(args.public, "callbacks")

    callbacks = {
        "E&E court tiles": lambda: courts.update_court_block({}),
        "E&E backlog forecast": lambda: courts.update_forecast("national", "8", ""),
        "E&E national trend": lambda: effectiveness.update_trend({}),
        "E&E courts": lambda: effectiveness.update_courts({}),
        "Court page": lambda: courts.update_court_page({"court": "CC-TEESSIDE"}),
        "Police crime by type": lambda: police.update_crime({"force": "E23000008"}),
        "Police outcome mix": lambda: police.update_outcomes({"outcome": "Out-of-court disposal"}),
        # The page grammar: every measure's row, the tiles, a section with its map, the Panel view.
        "E&E every-measure table": lambda: subgroup.update_measure_table(
            {"subgroup": "effectiveness-efficiency"}
        ),
        "E&E headline tiles": lambda: subgroup.update_tiles(
            {"subgroup": "effectiveness-efficiency"}
        ),
        "Section with force map": lambda: subgroup.section_content("police_charged_share", {}),
        "Force table, quarterly": lambda: force_page.update_force_table({"view": "quarterly"}),
    }
    print(
        f"Callbacks, median of {args.runs} runs (cold = every stored figure dropped before each "
        "call; warm = this worker's small cache, as the next request finds it)"
    )
    print(f"  {'callback':<24} {'cold ms':>9} {'warm ms':>9}")
    with signed_in(app, factory):
        for name, call in callbacks.items():

            def cold(call=call):
                data.forget_figures()
                call()

            def warm(call=call):
                flask.g.pop("lcjp_figures", None)  # a new request: no per-request memo
                call()

            cold_ms, _ = median_ms(cold, args.runs)
            call()
            warm_ms, _ = median_ms(warm, args.runs)
            print(f"  {name:<24} {cold_ms:>9.1f} {warm_ms:>9.1f}")


if __name__ == "__main__":
    main()
