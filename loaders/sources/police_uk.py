"""data.police.uk street-level crime: records per force, month, crime type and last outcome.

Reads raw monthly archives (`YYYY-MM-<force>-street.csv`) and the derived per-force aggregate
(`street_counts_by_force_month_type_outcome_*.csv`). A raw file is the primary record, so it
wins over the aggregate for the same force and month.

Streaming: a national year is 516 raw files and about 6 M rows, so each raw file is read once,
in blocks (BLOCK_BYTES), by pyarrow's CSV reader converting only the five columns the figures
use, and counted per month, force, crime type, outcome and LSOA local authority as it streams
(COUNT_KEYS); no row is kept. The checks the loader makes (month, force, crime type, outcome)
run on each block's distinct keys, which checks every row. A file the fast reader cannot vouch
for (another header, a row of the wrong width, text that is not UTF-8 in a column read, no line
break after the last row, or a bad cell) is read again by the strict reader (csvfile: the csv
module, exact line numbers), which names the line and column or reads it whole, so errors and
notes read as before. Both police.uk datasets use the same counts: read_street_data reuses its
last read while no file's size or modification time changed (loaders.fingerprints). Each file
is hashed as pyarrow reads it (fingerprints.HashingReader), so during a refresh the folder's
content hash costs no second read of the files.

Reader chosen by measurement (benchmarks/bench_ingest.py's synthetic year, 5.8 M rows, on the
2-core build machine): pyarrow open_csv + Arrow group_by 2.5 s and 211 MB peak; pandas
read_csv in 100k-row chunks 7.0 s and 151 MB; DuckDB read_csv of every file into a table 6.1 s
and 1.8 GB (later runs under load: 4.6-6.2 s, 9.0-11.2 s, 10.7-15 s; the order held). pyarrow
is the fastest, its memory is bounded by a block, it counts inside Arrow without a Python
object per row, and it is already a runtime dependency (pandas uses it).

The aggregate (~24k rows) is read by the strict reader, as before.

Archive snapshots: police.uk republishes every month in each later archive, with "Last outcome
category" brought up to date. Keep several archives side by side in sub-folders named after the
archive's month (`2025-06/2025-01-durham-street.csv`); for each force and month the latest
snapshot is used, so a crime whose outcome changed counts once, with its later outcome.

The monthly archive zip itself (`2025-06.zip`: `YYYY-MM/YYYY-MM-<force>-street.csv` and
`-outcomes.csv` for every force) may be the source, or sit in the folder: it is read straight
from the zip, streamed (loaders.sources.police_uk_archive), and is one snapshot like a folder.
With raw files for every force the per-force counts are the product's own; the third-party
aggregate then only fills force-months no raw file gives and is otherwise a cross-check.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from loaders import fingerprints
from loaders.areas import force_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, columns_frame, month_bounds
from loaders.sources import csvfile, police_uk_archive

MEASURE_ID = "police_street_records"
RAW_PATTERN = re.compile(r"(\d{4})-(\d{2})-(.+)-street\.csv")
AGGREGATE_GLOB = "street_counts_by_force_month_type_outcome_*.csv"
RAW_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
AGGREGATE_COLUMNS = ["Month", "Falls within", "Crime type", "Last outcome category", "Count"]
KEY_COLUMNS = ["Month", "Falls within", "Crime type", "Last outcome category"]

ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"
# police.uk leaves the outcome empty for anti-social behaviour; the breakdown says so in words.
NO_OUTCOME = "No outcome recorded"

CHARGED = "Charged or court outcome"
OUT_OF_COURT = "Out-of-court disposal"
UNABLE_TO_PROSECUTE = "Unable to prosecute suspect"
NO_SUSPECT = "No suspect identified"
NOT_PUBLIC_INTEREST = "Not in the public interest / other agency"
UNDER_INVESTIGATION = "Under investigation or status unavailable"
ASB_GROUP = "Anti-social behaviour (no outcome)"
# Display order for charts, from the most to the least conclusive ending.
OUTCOME_GROUP_ORDER: list[str] = [
    CHARGED,
    OUT_OF_COURT,
    UNABLE_TO_PROSECUTE,
    NO_SUSPECT,
    NOT_PUBLIC_INTEREST,
    UNDER_INVESTIGATION,
    ASB_GROUP,
]

# Every "Last outcome category" data.police.uk documents, grouped for charts. The loader
# rejects any category missing here, so a new police.uk label is added, never dropped.
OUTCOME_GROUPS: dict[str, str] = {
    "Awaiting court outcome": CHARGED,
    "Court result unavailable": CHARGED,
    "Court case unable to proceed": CHARGED,
    "Defendant found not guilty": CHARGED,
    "Defendant sent to Crown Court": CHARGED,
    "Offender sent to prison": CHARGED,
    "Offender given suspended prison sentence": CHARGED,
    "Offender fined": CHARGED,
    "Offender given community sentence": CHARGED,
    "Offender given conditional discharge": CHARGED,
    "Offender given absolute discharge": CHARGED,
    "Offender ordered to pay compensation": CHARGED,
    "Offender deprived of property": CHARGED,
    "Offender otherwise dealt with": CHARGED,
    "Suspect charged as part of another case": CHARGED,
    "Offender given a caution": OUT_OF_COURT,
    "Offender given penalty notice": OUT_OF_COURT,
    "Offender given a penalty notice": OUT_OF_COURT,
    "Local resolution": OUT_OF_COURT,
    "Offender given a drugs possession warning": OUT_OF_COURT,
    "Unable to prosecute suspect": UNABLE_TO_PROSECUTE,
    "Investigation complete; no suspect identified": NO_SUSPECT,
    "Formal action is not in the public interest": NOT_PUBLIC_INTEREST,
    "Further action is not in the public interest": NOT_PUBLIC_INTEREST,
    "Further investigation is not in the public interest": NOT_PUBLIC_INTEREST,
    "Action to be taken by another organisation": NOT_PUBLIC_INTEREST,
    "Under investigation": UNDER_INVESTIGATION,
    "Status update unavailable": UNDER_INVESTIGATION,
    NO_OUTCOME: ASB_GROUP,
}

_MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
# An LSOA name is "<local authority> <3 digits><letter>" ("County Durham 001A").
LSOA_NAME = r"^(?P<authority>.+) \d{3}[A-Z]$"
_LSOA_SUFFIX = r" \d{3}[A-Z]$"
# What a raw file is counted by: `authority` is the LSOA name's local authority ("" when the
# LSOA is blank); `unreadable_lsoa` holds an LSOA name that does not read as one, else "".
COUNT_KEYS = ["month", "area", "crime_type", "outcome", "authority", "unreadable_lsoa"]
# The columns the streaming reader converts; the others are only parsed (their field counts
# are still checked on every row).
STREAM_COLUMNS = ["Month", "Falls within", "Crime type", "Last outcome category", "LSOA name"]
BLOCK_BYTES = 4 << 20
READ_THREADS = min(
    4, os.cpu_count() or 1
)  # pyarrow reads a file in blocks of this many bytes: memory per file


def outcome_group(category: str) -> str:
    """The chart group of a police.uk outcome category; an unknown category is a KeyError."""
    try:
        return OUTCOME_GROUPS[category]
    except KeyError:
        raise KeyError(
            f"'{category}' is not a known police.uk outcome category; add it to OUTCOME_GROUPS"
        ) from None


@dataclass(frozen=True)
class RawFile:
    """A raw monthly file and the archive snapshot it comes from.

    `snapshot` is the month the archive was made: the name of the top-level folder that holds
    it (`2025-06/2025-01-durham-street.csv`, or `2025-06-archive/...`), or, for a file directly
    in the dataset folder, the file's own month. A later snapshot of the same force and month
    supersedes an earlier one.
    """

    path: Path
    month: str
    snapshot: str
    label: str


@dataclass(frozen=True)
class StreetData:
    """Every street file read, checked and counted; `counts` keeps the latest snapshot of each
    force and month. Shared by both police.uk datasets: never change it in place."""

    # One row per file and distinct COUNT_KEYS: `count` records, `first` the row (in file
    # order) where the combination first appears, with the file label and its snapshot.
    counts: pd.DataFrame
    aggregate: pd.DataFrame  # month, area, crime_type, outcome, count: months no raw file gives
    files: list[Path]
    notes: list[str]
    # The raw files and the counts file disagree: a raw file may be cut short (or the counts
    # file out of date), so the run is "success with warnings", never a plain success.
    warnings: list[str]
    # File label -> its records read again strictly (each with its line number), for the rare
    # note or error that must name a row.
    reread: dict[str, Callable[[], pd.DataFrame]]


def _read(path: Path, columns: list[str]) -> csvfile.Table:
    """Parse a CSV whose header must equal `columns`; short, long or cut-off rows fail."""
    return csvfile.read_csv(path, layout="the police.uk layout", expected_header=columns)


def _check_rows(table: csvfile.Table, areas: dict[str, str]) -> pd.DataFrame:
    """Validate the key columns; returns a frame of Month, area, crime type and outcome."""
    frame = table.frame
    month = frame["Month"]
    bad = ~month.str.fullmatch(_MONTH)
    if bad.any():
        raise table.error(bad, "Month", lambda r: f"Month '{r['Month']}' is not in YYYY-MM form")
    names = frame["Falls within"]
    for name in names.unique():
        if name in areas:
            continue
        try:
            areas[name] = force_code(name, "police.uk 'Falls within'")
        except UnknownAreaName as exc:
            raise table.error(names == name, "Falls within", str(exc)) from exc
    crime = frame["Crime type"].str.strip()
    if (crime == "").any():
        raise table.error(crime == "", "Crime type", "Crime type is blank")
    outcome = frame["Last outcome category"].replace("", NO_OUTCOME)
    unknown = ~outcome.isin(list(OUTCOME_GROUPS))
    if unknown.any():
        raise table.error(
            unknown,
            "Last outcome category",
            lambda r: (
                f"outcome '{r['Last outcome category']}' is not a known police.uk outcome "
                "category (see OUTCOME_GROUPS); no row is dropped silently"
            ),
        )
    return pd.DataFrame(
        {"month": month, "area": names.map(areas), "crime_type": crime, "outcome": outcome}
    )


def _force_area(table: csvfile.Table, mask, name: str, areas: dict[str, str]) -> str:
    """The force code of a 'Falls within' name, remembered in `areas`; unknown names stop."""
    try:
        areas[name] = force_code(name, "police.uk 'Falls within'")
    except UnknownAreaName as exc:
        raise table.error(mask, "Falls within", str(exc)) from exc
    return areas[name]


def _read_raw(raw: RawFile, areas: dict[str, str], notes: list[str]) -> pd.DataFrame:
    """One raw monthly file as checked records, each with its line number and Crime ID."""
    table = _read(raw.path, RAW_COLUMNS)
    notes += table.notes
    keys = _check_rows(table, areas)
    wrong = keys["month"] != raw.month
    if wrong.any():
        raise table.error(
            wrong,
            "Month",
            lambda r: f"Month '{r['Month']}' does not match the file name's month {raw.month}",
        )
    return keys.assign(
        crime_id=table.frame["Crime ID"],
        lsoa_name=table.frame["LSOA name"],
        line=table.lines,
        file=raw.label,
        snapshot=raw.snapshot,
    )


def _raw_counts(
    raw: RawFile,
    areas: dict[str, str],
    notes: list[str],
    streamed: pa.Table | None | str = "unread",
) -> pa.Table:
    """One raw monthly file streamed once and counted by COUNT_KEYS, checked as it streams.

    The checks run on each distinct key, which is exactly the check of every row. Anything
    the fast reader cannot vouch for (a header other than police.uk's, a row of the wrong
    width, text that is not UTF-8, no line break after the last row, or a bad cell) sends the
    file to the strict reader (csvfile), which names the line and column, or reads it whole.
    """
    counts = _stream_counts(raw.path) if isinstance(streamed, str) else streamed
    if counts is None or not _keys_are_valid(counts, raw.month, areas):
        return _arrow(_record_counts(_read_raw(raw, areas, notes)))
    names = pc.unique(counts["area"])
    codes = pa.array([areas[name] for name in names.to_pylist()], pa.string())
    outcome = counts["outcome"]
    return counts.set_column(
        COUNT_KEYS.index("area"), "area", pc.take(codes, pc.index_in(counts["area"], names))
    ).set_column(
        COUNT_KEYS.index("outcome"),
        "outcome",
        pc.if_else(pc.equal(outcome, ""), NO_OUTCOME, outcome),
    )


COUNT_SCHEMA = pa.schema(
    [*((key, pa.string()) for key in COUNT_KEYS), ("count", pa.int64()), ("first", pa.int64())]
)


def _arrow(counts: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(counts[COUNT_SCHEMA.names], COUNT_SCHEMA, preserve_index=False)


def _stream_counts(path: Path) -> pa.Table | None:
    """Counts per COUNT_KEYS (with 'Falls within' as `area`), or None for the strict reader."""
    try:
        with open(path, "rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return None
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) not in (b"\n", b"\r"):
                return None  # the strict reader decides whether the last row is whole
        with open(path, encoding="utf-8-sig", newline="") as handle:
            if next(csv.reader(handle), None) != RAW_COLUMNS:
                return None
        with fingerprints.HashingReader(path) as source:
            return _count_stream(source)
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowInvalid):
        return None


def _count_stream(source: fingerprints.HashingReader) -> pa.Table:
    """Count a file pyarrow reads from `source`, which hashes the bytes as they pass, so the
    refresh need not read the file a second time for its content hash."""
    reader = pa_csv.open_csv(
        source,
        read_options=pa_csv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            include_columns=STREAM_COLUMNS,
            column_types=dict.fromkeys(STREAM_COLUMNS, pa.string()),
            strings_can_be_null=False,
        ),
    )
    parts, seen = [], 0
    for batch in reader:
        parts.append(_batch_counts(batch, seen))
        seen += batch.num_rows
    if not parts:
        return COUNT_SCHEMA.empty_table()
    if len(parts) == 1:
        return parts[0]
    counted = pa.concat_tables(parts).group_by(COUNT_KEYS, use_threads=False)
    counted = counted.aggregate([("count", "sum"), ("first", "min")])
    return counted.rename_columns(COUNT_SCHEMA.names)


def _batch_counts(batch: pa.RecordBatch, offset: int) -> pa.Table:
    """One block of rows counted by COUNT_KEYS, in order of first appearance."""
    # A file names a few thousand LSOAs over ~10,000 rows: read each distinct name once.
    names = pc.dictionary_encode(batch.column("LSOA name"))
    lsoa = pc.utf8_trim_whitespace(names.dictionary)
    readable = pc.match_substring_regex(lsoa, LSOA_NAME)
    authority = pc.if_else(readable, pc.replace_substring_regex(lsoa, _LSOA_SUFFIX, ""), "")
    unreadable = pc.if_else(pc.or_(readable, pc.equal(lsoa, "")), "", lsoa)
    table = pa.table(
        {
            "month": batch.column("Month"),
            "area": batch.column("Falls within"),
            "crime_type": pc.utf8_trim_whitespace(batch.column("Crime type")),
            "outcome": batch.column("Last outcome category"),
            "authority": pc.take(authority, names.indices),
            "unreadable_lsoa": pc.take(unreadable, names.indices),
            "row": pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64)),
        }
    )
    counted = table.group_by(COUNT_KEYS, use_threads=False).aggregate(
        [("row", "count"), ("row", "min")]
    )
    return counted.rename_columns([*COUNT_KEYS, "count", "first"])


def _keys_are_valid(counts: pa.Table, month: str, areas: dict[str, str]) -> bool:
    """Whether every distinct key passes _check_rows' checks and has the file name's month."""
    if any(m != month or not re.fullmatch(_MONTH, m) for m in _distinct(counts, "month")):
        return False
    for name in _distinct(counts, "area"):
        if name not in areas:
            try:
                areas[name] = force_code(name, "police.uk 'Falls within'")
            except UnknownAreaName:
                return False
    if "" in _distinct(counts, "crime_type"):
        return False
    return all(o == "" or o in OUTCOME_GROUPS for o in _distinct(counts, "outcome"))


def _distinct(counts: pa.Table, column: str) -> list[str]:
    """A column's distinct values, in order of first appearance."""
    return pc.unique(counts[column]).to_pylist()


def _record_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Checked records (from the strict reader or an archive) counted by COUNT_KEYS."""
    lsoa = records["lsoa_name"].str.strip()
    authority = lsoa.str.extract(LSOA_NAME)["authority"]
    keyed = records[["month", "area", "crime_type", "outcome"]].assign(
        authority=authority.fillna(""),
        unreadable_lsoa=lsoa.where(authority.isna() & (lsoa != ""), ""),
        row=records["line"].to_numpy(),
    )
    counted = keyed.groupby(COUNT_KEYS, sort=False)["row"].agg(["count", "min"]).reset_index()
    return counted.rename(columns={"min": "first"}).astype({"count": "int64", "first": "int64"})


def _read_aggregate(path: Path, areas: dict[str, str], notes: list[str]) -> pd.DataFrame:
    """Validate the derived aggregate; one row per key with a whole-number Count."""
    table = _read(path, AGGREGATE_COLUMNS)
    notes += table.notes
    keys = _check_rows(table, areas)
    count = table.frame["Count"]
    bad = ~count.str.fullmatch(r"\d+")
    if bad.any():
        raise table.error(
            bad, "Count", lambda r: f"Count '{r['Count']}' is not a whole, non-negative number"
        )
    repeated = keys.duplicated(keep="first")
    if repeated.any():
        raise table.error(
            repeated,
            "Last outcome category",
            "this Month, force, Crime type and outcome already appear on an earlier row",
        )
    return keys.assign(count=count.astype("int64"), line=table.lines)


def find_raw_files(source_dir: Path) -> list[RawFile]:
    """Raw monthly files in the folder and in archive sub-folders named after their month."""
    found = []
    for path in sorted(source_dir.rglob("*-street.csv")):
        relative = path.relative_to(source_dir)
        match = RAW_PATTERN.fullmatch(path.name)
        if not path.is_file() or not match or any(p.startswith(".") for p in relative.parts):
            continue
        month = f"{match.group(1)}-{match.group(2)}"
        if not re.fullmatch(_MONTH, month):
            raise LoaderError(path, f"file name month {month} is not a real month")
        if len(relative.parts) == 1:
            found.append(RawFile(path, month, month, path.name))
            continue
        folder = relative.parts[0]
        label = re.match(_MONTH, folder)
        if label is None:
            raise LoaderError(
                source_dir / folder,
                "a folder of street files must be named after the month of the archive it "
                "came from (YYYY-MM, e.g. 2025-06), so a later archive can replace an earlier one",
            )
        if label.group(0) < month:
            raise LoaderError(
                path,
                f"the archive folder {folder} is dated {label.group(0)} but holds {month}, a "
                "later month; check the folder name",
            )
        found.append(RawFile(path, month, label.group(0), relative.as_posix()))
    return found


def read_street_data(source_dir: Path) -> StreetData:
    """Every street file read once and counted; the last read is reused while no file changed.

    police_uk_street and police_uk_outcomes both read this folder in the same refresh: the
    second is served the first one's counts when every file still has the size and modification
    time it had (loaders.fingerprints), so the files are read once per refresh, not once per
    dataset.
    """
    source_dir = Path(source_dir)
    key = _reuse_key(source_dir)
    if key is not None and _LAST_READ.get("key") == key:
        return _LAST_READ["street"]
    street = _read_street_data(source_dir)
    _LAST_READ.clear()
    if key is not None:
        _LAST_READ.update(key=key, street=street)
    return street


# The last StreetData read, with the fingerprint of the folder it was read from.
_LAST_READ: dict = {}


def _reuse_key(source_dir: Path) -> tuple | None:
    """What must be equal for a read to be reused; None when a file is too new to trust."""
    if police_uk_archive.is_archive(source_dir) and source_dir.is_file():
        files = {source_dir.name: fingerprints.stat_of(source_dir)}
    elif source_dir.is_dir():
        files = fingerprints.folder_fingerprint(source_dir, sorted(source_dir.rglob("*")))
    else:
        return None
    if not fingerprints.trusted(files):
        return None
    return (
        str(source_dir.resolve()),
        os.environ.get("POLICE_UK_ARCHIVE_MONTHS", ""),
        tuple(sorted((name, *stat) for name, stat in files.items())),
    )


def _read_street_data(source_dir: Path) -> StreetData:
    """Read and count every street file; raw monthly files win over the aggregate.

    Where several archive snapshots give the same force and month, the latest snapshot is the
    published record (police.uk republishes each month whole, with outcomes brought up to date
    and records a force has cancelled removed); earlier snapshots are kept aside so revisions
    can be counted, never added to the latest.
    """
    if police_uk_archive.is_archive(source_dir):
        # SOURCE_POLICE_UK_STREET may name the monthly archive zip itself.
        raw_files, aggregate_files, archive_paths = [], [], [source_dir]
    else:
        if not source_dir.is_dir():
            raise LoaderError(source_dir, "folder not found; expected the police_uk_street folder")
        raw_files = find_raw_files(source_dir)
        aggregate_files = sorted(p for p in source_dir.glob(AGGREGATE_GLOB) if p.is_file())
        archive_paths = sorted(p for p in source_dir.glob("*.zip") if p.is_file())
    if not raw_files and not aggregate_files and not archive_paths:
        raise LoaderError(
            source_dir,
            "no street-level files found: expected a police.uk archive zip, "
            f"YYYY-MM-<force>-street.csv files or {AGGREGATE_GLOB}",
        )
    areas: dict[str, str] = {}
    notes: list[str] = []
    warnings: list[str] = []
    parts: list[pa.Table] = []
    reread: dict[str, Callable[[], pd.DataFrame]] = {}
    # (month, area, snapshot) -> the raw file that gave it
    owner: dict[tuple[str, str, str], str] = {}
    # pyarrow parses outside the GIL, so files are streamed READ_THREADS at a time; they are
    # checked, counted and any error raised in file order, as a one-by-one read would.
    pool = ThreadPoolExecutor(max_workers=READ_THREADS)
    try:
        streamed = pool.map(_stream_counts, [raw.path for raw in raw_files])
        for raw, fast in zip(raw_files, streamed, strict=True):
            _count_raw(raw, fast, areas, notes, owner, parts, reread)
    finally:
        pool.shutdown(cancel_futures=True)
    for path in archive_paths:
        archive = police_uk_archive.survey(path)
        for records in police_uk_archive.read_street(archive, areas, _check_rows):
            firsts = records.groupby(["month", "area"], sort=False)["line"].min()
            label = records["file"].iloc[0]
            for (month, area), line in firsts.items():
                key = (month, area, archive.snapshot)
                if owner.setdefault(key, label) != label:
                    raise LoaderError(
                        label,
                        f"{area} {month} is already given by {owner[key]}; counting both would "
                        "double it",
                        row=int(line),
                        column="Falls within",
                    )
            parts.append(_labelled(_arrow(_record_counts(records)), label, archive.snapshot))
            reread[label] = partial(_archive_records, archive, label, areas)
        notes += police_uk_archive.skipped_notes(archive)
        notes += police_uk_archive.read_outcomes(archive, areas, _force_area)

    all_counts = pa.concat_tables(parts) if parts else _labelled(COUNT_SCHEMA.empty_table(), "", "")
    all_counts = all_counts.to_pandas()
    latest = all_counts.groupby(["month", "area"], sort=False)["snapshot"].transform("max")
    is_latest = all_counts["snapshot"] == latest
    counts, superseded = all_counts[is_latest], all_counts[~is_latest]
    notes += _missing_outcome_notes(counts)
    notes += _snapshot_notes(counts, superseded, reread)

    covered_keys = set(
        counts[["month", "area"]].drop_duplicates().itertuples(index=False, name=None)
    )
    aggregate_parts: list[pd.DataFrame] = []
    seen_aggregate: dict[tuple[str, str], str] = {}
    for path in aggregate_files:
        agg = _read_aggregate(path, areas, notes)
        firsts = agg.groupby(["month", "area"], sort=False)["line"].min()
        for (month, area), line in firsts.items():
            if (month, area) in seen_aggregate:
                raise LoaderError(
                    path,
                    f"{area} {month} is already given by {seen_aggregate[(month, area)]}",
                    row=int(line),
                    column="Falls within",
                )
            seen_aggregate[(month, area)] = path.name
        covered = pd.MultiIndex.from_frame(agg[["month", "area"]]).isin(list(covered_keys))
        if covered.any():
            warnings.extend(_compare_totals(agg[covered], counts, path.name))
        aggregate_parts.append(agg[~covered])
    columns = ["month", "area", "crime_type", "outcome", "count"]
    aggregate = (
        pd.concat([p[columns] for p in aggregate_parts], ignore_index=True)
        if aggregate_parts
        else pd.DataFrame(
            {c: pd.Series([], dtype="int64" if c == "count" else "str") for c in columns}
        )
    )
    return StreetData(
        counts=counts.reset_index(drop=True),
        aggregate=aggregate,
        files=[r.path for r in raw_files] + aggregate_files + archive_paths,
        notes=notes,
        warnings=warnings,
        reread=reread,
    )


def _count_raw(raw, fast, areas, notes, owner, parts, reread) -> None:
    """Check and count one raw file (streamed already, or None), refusing a force-month that
    another file of the same snapshot gives."""
    counts = _raw_counts(raw, areas, notes, fast)
    for area in _distinct(counts, "area"):  # every row has the file name's month
        month, key = raw.month, (raw.month, area, raw.snapshot)
        if key in owner:
            records = _read_raw(raw, dict(areas), [])
            here = (records["month"] == month) & (records["area"] == area)
            raise LoaderError(
                raw.path,
                f"{area} {month} is already given by {owner[key]}; counting both would double it",
                row=int(records.loc[here, "line"].min()),
                column="Falls within",
            )
        owner[key] = raw.label
    parts.append(_labelled(counts, raw.label, raw.snapshot))
    reread[raw.label] = partial(_read_raw, raw, areas, [])


def _archive_records(archive, label: str, areas: dict[str, str]) -> pd.DataFrame:
    """One archive member's records again, for the rare note or error that needs each row."""
    chunks = police_uk_archive.read_street(archive, dict(areas), _check_rows, only=label)
    return pd.concat(list(chunks), ignore_index=True)


def _labelled(counts: pa.Table, label: str, snapshot: str) -> pa.Table:
    """Counts with the file they come from and its archive snapshot."""
    rows = counts.num_rows
    return counts.append_column("file", pa.repeat(pa.scalar(label), rows)).append_column(
        "snapshot", pa.repeat(pa.scalar(snapshot), rows)
    )


def _missing_outcome_notes(counts: pd.DataFrame) -> list[str]:
    """Crimes (not anti-social behaviour) published with no outcome, per file."""
    missing = counts[
        (counts["outcome"] == NO_OUTCOME) & (counts["crime_type"] != ANTI_SOCIAL_BEHAVIOUR)
    ]
    return [
        f"{name}: {count} crimes (not anti-social behaviour) have no outcome; they are counted "
        f"under '{NO_OUTCOME}'."
        for name, count in missing.groupby("file", sort=True)["count"].sum().items()
        if count
    ]


def _snapshot_notes(
    counts: pd.DataFrame, superseded: pd.DataFrame, reread: dict[str, Callable]
) -> list[str]:
    """Say which archive replaced which, and how many crimes it revised, added or withdrew.

    Only the files of a force-month given by more than one snapshot are read again, record by
    record, to compare Crime IDs; every other file was counted in one pass.
    """
    if superseded.empty:
        return []
    keys = superseded[["month", "area"]].drop_duplicates()
    labels = pd.concat([superseded, counts.merge(keys)])["file"].unique()
    records = pd.concat([reread[label]() for label in labels], ignore_index=True)
    latest = counts[["month", "area", "snapshot"]].drop_duplicates()
    is_latest = records.merge(latest, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    records, earlier_records = records[is_latest], records[~is_latest]
    notes = []
    for (month, area), earlier in earlier_records.groupby(["month", "area"], sort=True):
        later = records[(records["month"] == month) & (records["area"] == area)]
        # The most recent earlier record of each crime is the one the later archive revises.
        earlier = earlier[earlier["crime_id"] != ""].sort_values("snapshot")
        before = earlier.drop_duplicates("crime_id", keep="last").set_index("crime_id")["outcome"]
        after = (
            later[later["crime_id"] != ""]
            .drop_duplicates("crime_id")
            .set_index("crime_id")["outcome"]
        )
        both = before.index.intersection(after.index)
        changed = int((before[both] != after[both]).sum())
        withdrawn = len(before.index.difference(after.index))
        added = len(after.index.difference(before.index))
        notes.append(
            f"{area} {month}: archive {later['snapshot'].iloc[0]} ({later['file'].iloc[0]}) "
            f"replaces the earlier archive(s) {', '.join(sorted(earlier['snapshot'].unique()))}. "
            f"{len(both):,} crimes are in both and count once, with the later outcome; "
            f"{changed:,} of them have a new outcome. {added:,} crimes are new and {withdrawn:,} "
            "are no longer published (police.uk removes records a force has cancelled or "
            "reclassified), so they are not counted."
        )
    return notes


def load(source_dir: Path) -> LoadResult:
    """Count street-level records per force-month; raw monthly files win over the aggregate."""
    street = read_street_data(source_dir)
    columns = ["month", "area", "crime_type", "outcome"]
    raw_counts = street.counts.groupby(columns, sort=False)["count"].sum().reset_index()
    counts = pd.concat([raw_counts, street.aggregate], ignore_index=True)
    periods = {m: month_bounds(int(m[:4]), int(m[5:])) for m in counts["month"].unique()}
    months = counts["month"].tolist()
    # Built column by column: a dict per row cost a quarter of a second on a national year.
    observations = columns_frame(
        {
            "measure_id": MEASURE_ID,
            "area_code": counts["area"].tolist(),
            "period_start": [periods[m][0] for m in months],
            "period_end": [periods[m][1] for m in months],
            "period_type": "month",
            "value": counts["count"].to_numpy(dtype="float64"),
            "numerator": np.nan,
            "denominator": np.nan,
            "breakdown": [
                {"crime_type": crime, "outcome": outcome}
                for crime, outcome in zip(
                    counts["crime_type"].tolist(), counts["outcome"].tolist(), strict=True
                )
            ],
        },
        len(counts),
    )
    return LoadResult(
        observations=observations,
        files=list(street.files),
        notes=list(street.notes),
        warnings=list(street.warnings),
    )


def _compare_totals(aggregate: pd.DataFrame, raw: pd.DataFrame, name: str) -> list[str]:
    """Plain notes for force-months where the aggregate total differs from the raw file's."""
    agg_totals = aggregate.groupby(["month", "area"])["count"].sum()
    raw_totals = raw.groupby(["month", "area"])["count"].sum()
    notes = []
    for (month, area), total in agg_totals.items():
        kept = int(raw_totals.get((month, area), 0))
        if int(total) != kept:
            notes.append(
                f"{name}: {area} {month} totals {int(total):,} records but the raw street file "
                f"has {kept:,}; the raw file's figures were kept. Is the raw file cut short?"
            )
    return notes
