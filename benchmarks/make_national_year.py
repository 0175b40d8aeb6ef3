"""Write a synthetic national year of police.uk street files, built from the real Durham rows.

The benchmark needs a year of all 43 forces (about 6 M rows, 516 files); only Durham's and
Cleveland's files are stored, and a national year must never be committed. So every force-month
file here is two of Durham's real monthly files back to back (about 11,000 rows), with the Month,
"Reported by" and "Falls within" cells rewritten to that month and force. Everything else (crime
types, outcomes, LSOA names, Crime IDs, quoting) is the real file's, so the loader does the same
work per row as on a published file.

The tree is police.uk's own download layout: `YYYY-MM/YYYY-MM-<force>-street.csv`.

    python benchmarks/make_national_year.py [DIR]    # default: a new temporary folder

prints the folder it wrote (its `police_uk_street/` holds the files).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.areas import POLICE_FORCE_AREAS, force_code  # noqa: E402

DEFAULT_PUBLIC = ROOT.parent / "shared" / "data" / "public"
YEAR = 2024
DURHAM_MONTHS = ("2025-01", "2025-02", "2025-03")
# How police.uk names the forces it does not call "<area> Police" (its 'Falls within').
POLICE_UK_NAMES = {
    "Metropolitan Police": "Metropolitan Police Service",
    "Durham": "Durham Constabulary",
    "London, City of": "City of London Police",
    "Devon & Cornwall": "Devon & Cornwall Police",
}
PREFIX = re.compile(rb"^([0-9a-f]*),(\d{4}-\d{2}),Durham Constabulary,Durham Constabulary,", re.M)


def forces() -> list[tuple[str, str]]:
    """(police.uk 'Falls within' name, file-name slug) for the 43 forces of England and Wales."""
    found = []
    for code, area in POLICE_FORCE_AREAS.items():
        name = POLICE_UK_NAMES.get(area, f"{area} Police")
        assert force_code(name) == code, name
        slug = re.sub(
            r"[^a-z]+", "-", name.lower().replace(" police", "").replace("&", "and")
        ).strip("-")
        found.append((name, slug.replace("-constabulary", "").replace("-service", "")))
    return found


def durham_rows(public: Path) -> tuple[bytes, list[bytes]]:
    """The header line and the three Durham files' data lines (each ends with a line break)."""
    header, bodies = b"", []
    for month in DURHAM_MONTHS:
        data = (public / "police_uk_street" / f"{month}-durham-street.csv").read_bytes()
        if not data.endswith(b"\n"):
            data += b"\r\n" if b"\r\n" in data else b"\n"
        first = data.index(b"\n") + 1
        header, body = data[:first], data[first:]
        rows = body.count(b"\n")
        if len(PREFIX.findall(body)) != rows:
            raise SystemExit(f"{month}: a row does not start with Crime ID, Month and Durham")
        bodies.append(body)
    return header, bodies


def write_year(target: Path, public: Path = DEFAULT_PUBLIC) -> tuple[Path, int, int]:
    """Write the tree under target/police_uk_street; returns (folder, files, data rows)."""
    header, bodies = durham_rows(public)
    folder = target / "police_uk_street"
    files = rows = 0
    for index, (name, slug) in enumerate(forces()):
        for month_number in range(1, 13):
            month = f"{YEAR}-{month_number:02d}"
            first = (index + month_number) % len(bodies)
            body = bodies[first] + bodies[(first + 1) % len(bodies)]
            prefix = rb"\1," + month.encode() + b"," + (name.encode() + b",") * 2
            out = folder / month / f"{month}-{slug}-street.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(header + PREFIX.sub(prefix, body))
            files += 1
            rows += body.count(b"\n")
    return folder, files, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", type=Path, help="folder to write into")
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    args = parser.parse_args()
    target = args.target or Path(tempfile.mkdtemp(prefix="lcjp-national-"))
    folder, files, rows = write_year(target, args.public)
    print(f"{folder}: {files} files, {rows:,} rows")


if __name__ == "__main__":
    main()
