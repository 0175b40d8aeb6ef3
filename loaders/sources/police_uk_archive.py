"""data.police.uk monthly archive zips, read as published: straight from the zip, streamed.

The archive (https://data.police.uk/data/archive/, e.g. `2025-06.zip` or `latest.zip`) holds
one folder per month with a file per force and kind: `YYYY-MM/YYYY-MM-<force>-street.csv`,
`-outcomes.csv` and `-stop-and-search.csv`. Every member is read through zipfile and the csv
module in chunks of CHUNK_ROWS rows (nothing is extracted to disk), checked as strictly as a
loose street file (loaders.sources.police_uk), and handed over a chunk at a time, as the same
record frame a loose file gives, to be counted as it comes; so the national per-force counts
are computed by the product itself without holding every record.

An archive is one snapshot: its month is the archive's file name (`2025-06.zip`) or, for
`latest.zip`, the latest month folder it holds. police.uk repeats about three years in every
archive; only the latest ARCHIVE_MONTHS months are read (POLICE_UK_ARCHIVE_MONTHS, default 12)
so a national archive fits in memory, and the months left out are named in a note.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import LoaderError
from loaders.sources import csvfile

CHUNK_ROWS = 50_000
MEMBER = re.compile(
    r"(?:.*/)?(\d{4}-\d{2})/(\d{4}-\d{2})-(.+)-(street|outcomes|stop-and-search)\.csv"
)
ARCHIVE_NAME = re.compile(r"(\d{4}-(?:0[1-9]|1[0-2]))(?:\D.*)?\.zip", re.IGNORECASE)
OUTCOMES_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
]
STREET_KEEP = [
    "Crime ID",
    "Month",
    "Falls within",
    "LSOA name",
    "Crime type",
    "Last outcome category",
]


def archive_months() -> int:
    raw = os.environ.get("POLICE_UK_ARCHIVE_MONTHS", "12").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise LoaderError("POLICE_UK_ARCHIVE_MONTHS", f"'{raw}' is not a whole number of months")
    return int(raw)


@dataclass
class Archive:
    """An archive zip's members by kind, its snapshot month, and what it leaves out."""

    path: Path
    snapshot: str
    street: list[tuple[str, str]] = field(default_factory=list)  # (member, month)
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    def label(self, member: str) -> str:
        return f"{self.path.name}!{member}"


def is_archive(path: Path) -> bool:
    return Path(path).is_file() and Path(path).suffix.lower() == ".zip"


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoaderError(
            path, f"not a readable police.uk archive zip ({exc}); it may be cut short"
        ) from None


def survey(path: Path) -> Archive:
    """List an archive's members; a member that is not a police.uk file is refused."""
    path = Path(path)
    with _open(path) as book:
        entries = []
        for info in book.infolist():
            if info.is_dir():
                continue
            match = MEMBER.fullmatch(info.filename)
            if match is None:
                raise LoaderError(
                    f"{path}!{info.filename}",
                    "not a police.uk archive member (YYYY-MM/YYYY-MM-<force>-street.csv, "
                    "-outcomes.csv or -stop-and-search.csv); nothing in an archive is skipped "
                    "unnamed",
                )
            folder, month, _force, kind = match.groups()
            if folder != month or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise LoaderError(
                    f"{path}!{info.filename}",
                    f"the file's month {month} is not its folder {folder}",
                )
            entries.append((info.filename, month, kind))
    if not entries:
        raise LoaderError(path, "the archive holds no police.uk files")
    named = ARCHIVE_NAME.fullmatch(path.name)
    latest = max(month for _m, month, _k in entries)
    snapshot = named.group(1) if named else latest
    if latest > snapshot:
        raise LoaderError(
            path, f"the archive is named {snapshot} but holds {latest}, a later month"
        )
    keep = sorted({month for _m, month, _k in entries})[-archive_months() :]
    archive = Archive(path, snapshot)
    for member, month, kind in sorted(entries):
        if kind == "stop-and-search":
            archive.skipped["stop-and-search files (not a measure of this board)"] += 1
        elif month not in keep:
            archive.skipped[
                f"{kind} files for months before {keep[0]} (POLICE_UK_ARCHIVE_MONTHS)"
            ] += 1
        else:
            getattr(archive, "street" if kind == "street" else "outcomes").append((member, month))
    return archive


def _rows(book: zipfile.ZipFile, archive: Archive, member: str, expected: list[str]):
    """(header, chunks of (line numbers, rows)) for one member, streamed; a damaged or cut-short
    member is refused with its name."""
    where = archive.label(member)
    ends = {"newline": True}

    def lines(stream):
        last = ""
        for line in stream:
            last = line
            yield line
        ends["newline"] = last.endswith(("\n", "\r")) or last == ""

    try:
        with book.open(member) as raw:
            yield from _checked_rows(raw, where, expected, lines, ends)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise LoaderError(
            where, f"the member is damaged or cut short ({exc}); download the archive again"
        ) from None
    except UnicodeDecodeError:
        raise LoaderError(where, "member is not UTF-8 text") from None
    except csv.Error as exc:
        raise LoaderError(where, f"not readable as CSV: {exc}") from None


def _checked_rows(raw, where: str, expected: list[str], lines, ends):
    """The rows of one open member. A row the csv checks refuse may be damage the zip's CRC
    only reveals at the member's end, so the member is read to its end first: damage is then
    reported as damage, not as a bad row."""
    try:
        yield from _parse_rows(raw, where, expected, lines, ends)
    except (LoaderError, UnicodeDecodeError, csv.Error):
        while raw.read(1 << 20):  # raises BadZipFile on a CRC mismatch
            pass
        raise


def _parse_rows(raw, where: str, expected: list[str], lines, ends):
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(lines(text))
    header = next(reader, None)
    if header is None:
        raise LoaderError(where, "member is empty; expected a header row", row=1)
    if header != expected:
        raise csvfile.header_mismatch(Path(where), header, expected, "the police.uk layout")
    numbers: list[int] = []
    rows: list[list[str]] = []
    last: list[str] = header
    for record in reader:
        if not record:
            continue
        if len(record) != len(header):
            short = len(record) < len(header)
            raise LoaderError(
                where,
                f"row has {len(record)} fields but the header names {len(header)}"
                + ("; it is cut short" if short else ""),
                row=reader.line_num,
                column=header[len(record)] if short else header[-1],
            )
        numbers.append(reader.line_num)
        rows.append(record)
        last = record
        if len(rows) >= CHUNK_ROWS:
            yield header, numbers, rows
            numbers, rows = [], []
    if not ends["newline"]:
        raise LoaderError(
            where,
            "the member ends part-way through this row (no line break after it), so it "
            "looks cut short; download the archive again",
            row=reader.line_num,
            column=header[len(last) - 1],
        )
    if rows:
        yield header, numbers, rows


def _table(
    where: str, header: list[str], numbers: list[int], rows: list[list[str]], keep: list[str]
):
    positions = [header.index(c) for c in keep]
    frame = pd.DataFrame(
        {
            c: pd.Series([r[p] for r in rows], dtype="str")
            for c, p in zip(keep, positions, strict=True)
        }
    )
    return csvfile.Table(Path(where), header, frame, np.asarray(numbers, dtype=np.int64))


def read_street(archive: Archive, areas: dict[str, str], check_rows, only: str | None = None):
    """Every street member's records (or only the member labelled `only`), a chunk at a time,
    shaped as police_uk's raw-file records; the caller counts each chunk as it comes."""
    with _open(archive.path) as book:
        for member, month in archive.street:
            where = archive.label(member)
            if only is not None and where != only:
                continue
            for header, numbers, rows in _rows(book, archive, member, _street_columns()):
                table = _table(where, header, numbers, rows, STREET_KEEP)
                keys = check_rows(table, areas)
                wrong = keys["month"] != month
                if wrong.any():
                    raise table.error(
                        wrong,
                        "Month",
                        lambda r, month=month: (
                            f"Month '{r['Month']}' does not match the file name's month {month}"
                        ),
                    )
                yield (
                    keys.assign(
                        crime_id=table.frame["Crime ID"],
                        lsoa_name=table.frame["LSOA name"],
                        line=table.lines,
                        file=where,
                        snapshot=archive.snapshot,
                    )
                )


def read_outcomes(archive: Archive, areas: dict[str, str], area_of) -> list[str]:
    """Check every outcomes member and count its records per force and month, as a note: the
    board's outcome shares use the street files' last outcome, which these files bring up to
    date month by month."""
    counts: Counter = Counter()
    with _open(archive.path) as book:
        for member, _month in archive.outcomes:
            where = archive.label(member)
            for header, numbers, rows in _rows(book, archive, member, OUTCOMES_COLUMNS):
                table = _table(
                    where, header, numbers, rows, ["Month", "Falls within", "Outcome type"]
                )
                frame = table.frame
                bad = ~frame["Month"].str.fullmatch(r"\d{4}-(?:0[1-9]|1[0-2])")
                if bad.any():
                    raise table.error(
                        bad, "Month", lambda r: f"Month '{r['Month']}' is not YYYY-MM"
                    )
                blank = frame["Outcome type"].str.strip() == ""
                if blank.any():
                    raise table.error(blank, "Outcome type", "Outcome type is blank")
                for name in frame["Falls within"].unique():
                    if name not in areas:
                        area_of(table, frame["Falls within"] == name, name, areas)
                counts.update(frame["Falls within"].map(areas).tolist())
    if not archive.outcomes:
        return []
    total = sum(counts.values())
    return [
        f"{archive.path.name}: {len(archive.outcomes):,} outcomes files read and checked "
        f"({total:,} outcome records for {len(counts)} forces); the outcome shares use each "
        "crime's last outcome category from the street files of the same archive."
    ]


def skipped_notes(archive: Archive) -> list[str]:
    return [
        f"{archive.path.name}: {count:,} {what} were not read."
        for what, count in sorted(archive.skipped.items())
    ]


def _street_columns() -> list[str]:
    from loaders.sources.police_uk import RAW_COLUMNS

    return RAW_COLUMNS
