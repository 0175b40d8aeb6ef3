"""What reading an MoJ tool's pivot cache costs, against the floor of merely parsing its XML.

Builds a cc_rdos_tool-shaped workbook with --records records (the real Q4 2025 tool has 345,590)
in the documented layout, then times: the floor (iterparse over the records part, counting
`<r>` and clearing, nothing else), loaders.sources.pivot_cache.iter_records (shared items
resolved, every record checked), and the whole cc_rdos_tool step of the CCSQ tools loader.
Prints seconds, records per second, the ratio to the floor and the peak resident memory.
Usage: .venv/bin/python benchmarks/bench_pivot_cache.py [--records 345590]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.sources import ccsq_tools  # noqa: E402
from loaders.sources.pivot_cache import find_cache, iter_records  # noqa: E402
from tests.pivot_xlsx import write_workbook  # noqa: E402

COURTS = [(f"Court {i}", ("London", "Midlands", "North East", "Wales")[i % 4]) for i in range(70)]
RECEIPT_TYPES = ["Triable-either-way trials", "Indictable only trials", "Committed for sentence"]
OFFENCES = ["00: All offences", *(f"{i:02d}: Group {i}" for i in range(1, 13)), "13: Not known"]


def records(count: int):
    made = 0
    for year in range(2016, 2026):
        for quarter in ("Q1", "Q2", "Q3", "Q4"):
            for court, region in COURTS:
                for rdos in ("1. Receipts", "2. Disposals", "3. Open"):
                    for receipt in RECEIPT_TYPES:
                        for offence in OFFENCES:
                            if made == count:
                                return
                            made += 1
                            yield (
                                year,
                                quarter,
                                receipt,
                                region,
                                "LJA",
                                court,
                                rdos,
                                offence,
                                made % 97,
                            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=345_590)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ccsq_tools.RDOS_TOOL
        write_workbook(path, [(list(ccsq_tools.RDOS_FIELDS), list(records(args.records)))])
        print(f"workbook: {path.stat().st_size / 1e6:.1f} MB, {args.records:,} records")

        started = time.perf_counter()
        with zipfile.ZipFile(path) as book, book.open("xl/pivotCache/pivotCacheRecords1.xml") as f:
            count, root = 0, None
            for event, element in iterparse(f, events=("start", "end")):
                if root is None:
                    root = element
                if event == "end" and element.tag.endswith("}r"):
                    count += 1
                    element.clear()
                    root.clear()
        floor = time.perf_counter() - started

        started = time.perf_counter()
        cache = find_cache(path, ccsq_tools.RDOS_FIELDS, "cc_rdos_tool")
        read = sum(1 for _ in iter_records(cache, ccsq_tools.RDOS_FIELDS))
        reader = time.perf_counter() - started

        started = time.perf_counter()
        out = ccsq_tools._Figures()
        ccsq_tools._rdos(path, out)
        loader = time.perf_counter() - started

    assert count == read == args.records
    for label, seconds in (
        ("floor (iterparse only)", floor),
        ("iter_records", reader),
        ("cc_rdos step", loader),
    ):
        print(
            f"{label:24s} {seconds:6.2f} s  {args.records / seconds:10,.0f} records/s  "
            f"ratio to floor {seconds / floor:4.2f}"
        )
    print(
        f"figures: {len(out.rows):,}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
