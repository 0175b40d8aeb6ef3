"""Time partner-file checks and uploads on large files; prints figures, asserts nothing.

Usage: .venv/bin/python benchmarks/bench_submissions.py [--runs 3] [--megabytes 50]
Set DATABASE_URL to a PostgreSQL server to measure the upload there (a throwaway database).

Prints, for a valid force extract of about --megabytes MB, a CSV of the same size in which every
row repeats the first (a stuck export), and an Excel workbook of 13,000 rows: the seconds to read
and check each, and the seconds for the whole upload (check, save, refresh, store a vintage).
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from benchmarks.common import fresh_database  # noqa: E402
from config import Settings  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.measures import MEASURES  # noqa: E402
from loaders.refresh import sync_registry  # noqa: E402
from loaders.submissions.checking import check_file  # noqa: E402
from loaders.submissions.templates import TEMPLATES  # noqa: E402
from loaders.submissions.uploads import accept_upload  # noqa: E402

TODAY = date(2026, 11, 26)
POLICE = TEMPLATES["police_force_extract"]
WCU = TEMPLATES["wcu_witness_care"]


def force_extract(megabytes: float) -> bytes:
    """Every force, 2000-2025, every measure, with notes long enough to reach the size."""
    codes = POLICE.column("measure").allowed
    keys = len(POLICE.area_codes()) * 26 * 12 * len(codes)
    note = "n" * max(0, int(megabytes * 1_000_000 / keys) - 45)
    lines = [",".join(POLICE.column_names)]
    for area in sorted(POLICE.area_codes()):
        for year in range(2000, 2026):
            for month in range(1, 13):
                for code in codes:
                    if MEASURES[code].unit == "percent":
                        lines.append(f"{area},{year}-{month:02d},{code},,{month},100,{note}")
                    else:
                        lines.append(f"{area},{year}-{month:02d},{code},{year},,,{note}")
    return ("\n".join(lines) + "\n").encode()


def stuck_export(megabytes: float) -> bytes:
    row = "E23000008,2025-01,420,389,610,548,\n"
    return (
        ",".join(WCU.column_names) + "\n" + row * int(megabytes * 1_000_000 / len(row))
    ).encode()


def workbook(rows: int) -> bytes:
    """A Witness Care Unit workbook: every force, month after month from January 2000."""
    areas = sorted(WCU.area_codes())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(WCU.column_names)
    for i in range(rows):
        year, month = 2000 + i // len(areas) // 12, i // len(areas) % 12 + 1
        sheet.append([areas[i % len(areas)], f"{year}-{month:02d}", 420, 389, 610, 548, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=float, default=50)
    args = parser.parse_args()

    valid, stuck, book = (
        force_extract(args.megabytes),
        stuck_export(args.megabytes),
        workbook(13_000),
    )
    cases = [
        ("valid force extract", POLICE, "extract.csv", valid),
        ("stuck export (every row repeats)", WCU, "stuck.csv", stuck),
        ("Excel workbook, 13,000 rows", WCU, "book.xlsx", book),
    ]
    print(f"Checking files ({args.runs} runs each, median)")
    for label, template, name, data in cases:
        seconds, checked = timed(
            lambda t=template, n=name, d=data: check_file(t, n, d, today=TODAY), args.runs
        )
        print(
            f"  {label}: {len(data) / 1e6:.1f} MB, {checked.row_count:,} rows, "
            f"{checked.problem_count:,} problems: {seconds:.2f}s"
        )

    print("Uploading the valid extract into an empty cache (check, save, refresh, store)")
    times = []
    for _ in range(args.runs):
        workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-submissions-"))
        settings = Settings(
            database_url=fresh_database(workdir),
            secret_key="bench",
            instance_dir=workdir,
            testing=True,
        ).resolved()
        engine = make_engine(settings.database_url)
        migrate(engine)
        factory = make_sessionmaker(engine)
        sync_registry(factory, settings.lcjp)
        started = time.perf_counter()
        outcome = accept_upload(
            factory,
            engine,
            dataset_id="police_force_extract",
            file_name="extract.csv",
            data=valid,
            username="bench",
            user_id=None,
            submissions_dir=settings.submissions_dir,
            lock_dir=workdir,
            max_bytes=settings.submission_max_bytes,
            today=TODAY,
        )
        times.append(time.perf_counter() - started)
        assert outcome.accepted, outcome.problems[:3]
        engine.dispose()
    print(f"  {outcome.vintage_figures:,} figures: median {statistics.median(times):.2f}s")
    print(
        f"Peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
