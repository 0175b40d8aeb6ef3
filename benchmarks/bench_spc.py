"""Time the SPC engine and chart builder on series of board-sized and long lengths; prints medians.

Usage: .venv/bin/python benchmarks/bench_spc.py [--runs 20]
The overview computes one SPC result per measure and area, so this is what it costs per chart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from layouts.spc_chart import create_figure, spc_table  # noqa: E402
from loaders.events import builtin_events, events_for, spc_options_for  # noqa: E402
from loaders.spc import spc  # noqa: E402


def series(length: int) -> tuple[pd.Series, list]:
    ends = pd.date_range(end="2025-12-31", periods=length, freq="ME")
    values = pd.Series(1000 + np.random.default_rng(7).normal(0, 50, length).cumsum(), index=ends)
    periods = [(end.replace(day=1), end) for end in ends]
    return values, periods


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    events = builtin_events()
    chart_events = events_for("crown_open_cases", events)
    print(f"{'points':>7} {'options ms':>11} {'spc ms':>8} {'figure ms':>10} {'table ms':>9}")
    for length in (12, 40, 120, 600):
        values, periods = series(length)
        options = spc_options_for("crown_open_cases", periods, events)
        result = spc(values, "down_good", target=1000, rebase_at=options[0], exclude=options[1])
        print(
            f"{length:>7} "
            f"{median_ms(lambda p=periods: spc_options_for('crown_open_cases', p, events), args.runs):>11.2f} "
            f"{median_ms(lambda v=values, o=options: spc(v, 'down_good', 1000, *o), args.runs):>8.2f} "
            f"{median_ms(lambda r=result: create_figure(r, events=chart_events), args.runs):>10.2f} "
            f"{median_ms(lambda r=result: spc_table(r, events=chart_events), args.runs):>9.2f}"
        )


if __name__ == "__main__":
    main()
