"""data.police.uk street-level crime: records per force, month, crime type and last outcome.

Reads raw monthly archives (`YYYY-MM-<force>-street.csv`) and the derived per-force aggregate
(`street_counts_by_force_month_type_outcome_*.csv`). A raw file is the primary record, so it
wins over the aggregate for the same force and month. Files are parsed with pandas and checked
vectorised (the aggregate alone has ~24k rows), with one cheap csv pass for field counts and
line numbers, so any error can still name the exact line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.areas import force_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, month_bounds, observation_frame

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


def outcome_group(category: str) -> str:
    """The chart group of a police.uk outcome category; an unknown category is a KeyError."""
    try:
        return OUTCOME_GROUPS[category]
    except KeyError:
        raise KeyError(
            f"'{category}' is not a known police.uk outcome category; add it to OUTCOME_GROUPS"
        ) from None


@dataclass
class _Frame:
    """One file parsed as text columns, with each row's line number for error messages."""

    path: Path
    frame: pd.DataFrame
    lines: np.ndarray

    def error(
        self, mask: pd.Series | np.ndarray, column: str, message: str | Callable[[pd.Series], str]
    ) -> LoaderError:
        """An error at the first row where mask is true; message may use that row's values."""
        index = int(np.flatnonzero(np.asarray(mask))[0])
        text = message(self.frame.iloc[index]) if callable(message) else message
        return LoaderError(self.path, text, row=int(self.lines[index]), column=column)


def _read(path: Path, columns: list[str]) -> _Frame:
    """Parse a CSV whose header must equal `columns`; short, long or cut-off rows fail."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoaderError(path, "file is not UTF-8 text", row=line) from None
    if not text.strip():
        raise LoaderError(path, "file is empty; expected a header row", row=1, column=columns[0])
    # pandas pads a short row with empty strings, which would hide a cut-off row, so field
    # counts and line numbers come from one quick pass of the csv module.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise LoaderError(path, f"header is not readable as CSV: {exc}", row=1) from None
    if header != columns:
        i = next(i for i in range(len(header) + 1) if i >= len(columns) or header[i] != columns[i])
        if i >= len(columns):
            column, found = header[i], f"an extra column '{header[i]}'"
        else:
            column = columns[i]
            found = f"'{header[i]}'" if i < len(header) else "nothing"
        raise LoaderError(
            path,
            f"header differs from the police.uk layout: column {i + 1} should be "
            f"'{columns[i] if i < len(columns) else '(none)'}' but is {found}",
            row=1,
            column=column,
        )
    lines: list[int] = []
    width = len(columns)
    last: list[str] = header
    try:
        for record in reader:
            if not record:
                continue  # pandas skips blank lines too, so the row numbering stays aligned
            if len(record) != width:
                short = len(record) < width
                raise LoaderError(
                    path,
                    f"row has {len(record)} fields but the header names {width}"
                    + ("; it is cut short" if short else ""),
                    row=reader.line_num,
                    column=columns[len(record)] if short else columns[-1],
                )
            lines.append(reader.line_num)
            last = record
    except csv.Error as exc:
        raise LoaderError(path, f"not readable as CSV: {exc}", row=reader.line_num) from None
    if not text.endswith(("\n", "\r")):
        raise LoaderError(
            path,
            "the file ends part-way through this row (no line break after it), so it looks "
            "cut short; download it again",
            row=reader.line_num,
            column=columns[len(last) - 1],
        )
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if len(frame) != len(lines):  # the two parsers disagree: never guess which row is which
        raise LoaderError(path, f"pandas read {len(frame)} rows but the csv module {len(lines)}")
    return _Frame(path, frame, np.asarray(lines))


def _check_rows(table: _Frame, areas: dict[str, str]) -> pd.DataFrame:
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


def _read_raw(path: Path, file_month: str, areas: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Count one raw monthly file; returns the counts (with each key's first line) and how
    many crimes, not anti-social behaviour, had no outcome."""
    table = _read(path, RAW_COLUMNS)
    keys = _check_rows(table, areas)
    wrong = keys["month"] != file_month
    if wrong.any():
        raise table.error(
            wrong,
            "Month",
            lambda r: f"Month '{r['Month']}' does not match the file name's month {file_month}",
        )
    crimes_without_outcome = int(
        ((keys["outcome"] == NO_OUTCOME) & (keys["crime_type"] != ANTI_SOCIAL_BEHAVIOUR)).sum()
    )
    counts = (
        keys.assign(line=table.lines)
        .groupby(list(keys.columns), sort=False)
        .agg(count=("line", "size"), line=("line", "min"))
        .reset_index()
    )
    return counts, crimes_without_outcome


def _read_aggregate(path: Path, areas: dict[str, str]) -> pd.DataFrame:
    """Validate the derived aggregate; one row per key with a whole-number Count."""
    table = _read(path, AGGREGATE_COLUMNS)
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


def load(source_dir: Path) -> LoadResult:
    """Count street-level records per force-month; raw monthly files win over the aggregate."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the police_uk_street folder")
    raw_files = sorted(
        p for p in source_dir.iterdir() if p.is_file() and RAW_PATTERN.fullmatch(p.name)
    )
    aggregate_files = sorted(p for p in source_dir.glob(AGGREGATE_GLOB) if p.is_file())
    if not raw_files and not aggregate_files:
        raise LoaderError(
            source_dir,
            "no street-level files found: expected YYYY-MM-<force>-street.csv files or "
            f"{AGGREGATE_GLOB}",
        )
    areas: dict[str, str] = {}
    notes: list[str] = []
    raw_parts: list[pd.DataFrame] = []
    aggregate_parts: list[pd.DataFrame] = []
    raw_owner: dict[tuple[str, str], str] = {}  # (month, area) -> the raw file that gave it
    for path in raw_files:
        match = RAW_PATTERN.fullmatch(path.name)
        file_month = f"{match.group(1)}-{match.group(2)}"
        if not re.fullmatch(_MONTH, file_month):
            raise LoaderError(path, f"file name month {file_month} is not a real month")
        counts, without_outcome = _read_raw(path, file_month, areas)
        firsts = counts.groupby(["month", "area"], sort=False)["line"].min()
        for (month, area), line in firsts.items():
            if (month, area) in raw_owner:
                raise LoaderError(
                    path,
                    f"{area} {month} is already given by {raw_owner[(month, area)]}; "
                    "counting both would double it",
                    row=int(line),
                    column="Falls within",
                )
            raw_owner[(month, area)] = path.name
        if without_outcome:
            notes.append(
                f"{path.name}: {without_outcome} crimes (not anti-social behaviour) have no "
                f"outcome; they are counted under '{NO_OUTCOME}'."
            )
        raw_parts.append(counts)

    seen_aggregate: dict[tuple[str, str], str] = {}
    for path in aggregate_files:
        agg = _read_aggregate(path, areas)
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
        covered = pd.MultiIndex.from_frame(agg[["month", "area"]]).isin(list(raw_owner))
        if covered.any():
            notes.extend(_compare_totals(agg[covered], pd.concat(raw_parts), path.name))
        aggregate_parts.append(agg[~covered])

    columns = ["month", "area", "crime_type", "outcome", "count"]
    counts = pd.concat([part[columns] for part in raw_parts + aggregate_parts], ignore_index=True)
    periods = {m: month_bounds(int(m[:4]), int(m[5:])) for m in counts["month"].unique()}
    rows = [
        {
            "measure_id": MEASURE_ID,
            "area_code": area,
            "period_start": periods[month][0],
            "period_end": periods[month][1],
            "period_type": "month",
            "value": float(count),
            "breakdown": {"crime_type": crime, "outcome": outcome},
        }
        for month, area, crime, outcome, count in zip(
            *(counts[c].tolist() for c in columns), strict=True
        )
    ]
    return LoadResult(
        observations=observation_frame(rows),
        files=raw_files + aggregate_files,
        notes=notes,
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
                f"has {kept:,}; the raw file's figures were kept."
            )
    return notes
