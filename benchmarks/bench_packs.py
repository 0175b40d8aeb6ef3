"""Time board pack generation for each of the seven reports on the real files; prints, asserts
nothing. Cold = no chart drawn before (every PNG rendered by kaleido); warm = charts cached, so the
time is assembling figures plus writing the PDF, slides and workbook.

Usage: .venv/bin/python benchmarks/bench_packs.py [--public DIR] [--reports executive-board,...]
Set DATABASE_URL to a PostgreSQL server to measure there (a throwaway database is created).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from benchmarks.common import DEFAULT_PUBLIC, bench_app, signed_in  # noqa: E402
from callbacks import data, packs  # noqa: E402
from loaders import meetings  # noqa: E402
from loaders.reports import REPORTS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    parser.add_argument("--reports", default=",".join(REPORTS))
    args = parser.parse_args()
    app, factory = bench_app(args.public, "packs")

    print(f"Board packs on {args.public} as an OPCC analyst")
    print(
        f"  {'report':<26} {'measures':>8} {'cold s':>7} {'warm s':>7} {'PDF kB':>7} {'PPTX kB':>8}"
    )
    with signed_in(app, factory) as user, packs.chart_server():
        for report_id in args.reports.split(","):
            packs._PNG_CACHE.clear()
            data.forget_figures()
            start = time.perf_counter()
            packs.build_pack(report_id, user)
            cold = time.perf_counter() - start
            start = time.perf_counter()
            snapshot_id = packs.build_pack(report_id, user)
            warm = time.perf_counter() - start
            with factory() as session:
                snapshot, pdf = meetings.snapshot_file(session, snapshot_id, "pdf")
                _snapshot, pptx = meetings.snapshot_file(session, snapshot_id, "pptx")
                count = len(snapshot.measure_ids)
            print(
                f"  {report_id:<26} {count:>8} {cold:>7.1f} {warm:>7.1f} "
                f"{len(pdf) / 1024:>7.0f} {len(pptx) / 1024:>8.0f}"
            )


if __name__ == "__main__":
    main()
