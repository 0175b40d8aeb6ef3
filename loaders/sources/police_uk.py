"""data.police.uk street-level crime: records per force, month, crime type and last outcome.

Reads raw monthly archives (`YYYY-MM-<force>-street.csv`) and the derived per-force aggregate
(`street_counts_by_force_month_type_outcome_*.csv`). A raw file is the primary record, so it
wins over the aggregate for the same force and month. Files are read once with the csv module
(exact line numbers, cut-off rows) and checked vectorised with pandas (the aggregate alone has
~24k rows), so any error names the exact line and column.

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

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from loaders.areas import force_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, month_bounds, observation_frame
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


@dataclass
class StreetData:
    """Every street file read and checked; `records` keeps the latest snapshot of each month."""

    records: pd.DataFrame  # one row per published record: month, area, crime_type, outcome, ...
    aggregate: pd.DataFrame  # month, area, crime_type, outcome, count: months no raw file gives
    files: list[Path]
    notes: list[str]
    superseded: pd.DataFrame  # records of earlier snapshots, with the snapshot they come from
    # The raw files and the counts file disagree: a raw file may be cut short (or the counts
    # file out of date), so the run is "success with warnings", never a plain success.
    warnings: list[str]


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
    """Read and check every street file; raw monthly files win over the aggregate.

    Where several archive snapshots give the same force and month, the latest snapshot is the
    published record (police.uk republishes each month whole, with outcomes brought up to date
    and records a force has cancelled removed); earlier snapshots are kept aside so revisions
    can be counted, never added to the latest.
    """
    source_dir = Path(source_dir)
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
    parts: list[pd.DataFrame] = []
    # (month, area, snapshot) -> the raw file that gave it
    owner: dict[tuple[str, str, str], str] = {}
    for raw in raw_files:
        records = _read_raw(raw, areas, notes)
        firsts = records.groupby(["month", "area"], sort=False)["line"].min()
        for (month, area), line in firsts.items():
            key = (month, area, raw.snapshot)
            if key in owner:
                raise LoaderError(
                    raw.path,
                    f"{area} {month} is already given by {owner[key]}; counting both would "
                    "double it",
                    row=int(line),
                    column="Falls within",
                )
            owner[key] = raw.label
        parts.append(records)
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
            parts.append(records)
        notes += police_uk_archive.skipped_notes(archive)
        notes += police_uk_archive.read_outcomes(archive, areas, _force_area)

    all_records = pd.concat(parts, ignore_index=True) if parts else _empty_records()
    latest = all_records.groupby(["month", "area"], sort=False)["snapshot"].transform("max")
    is_latest = all_records["snapshot"] == latest
    records, superseded = all_records[is_latest], all_records[~is_latest]
    notes += _missing_outcome_notes(records)
    notes += _snapshot_notes(records, superseded)

    covered_keys = set(zip(records["month"], records["area"], strict=True))
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
            warnings.extend(_compare_totals(agg[covered], records, path.name))
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
        records=records.reset_index(drop=True),
        aggregate=aggregate,
        files=[r.path for r in raw_files] + aggregate_files + archive_paths,
        notes=notes,
        superseded=superseded.reset_index(drop=True),
        warnings=warnings,
    )


def _empty_records() -> pd.DataFrame:
    columns = [
        "month",
        "area",
        "crime_type",
        "outcome",
        "crime_id",
        "lsoa_name",
        "file",
        "snapshot",
    ]
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    return frame.assign(line=pd.Series([], dtype="int64"))


def _missing_outcome_notes(records: pd.DataFrame) -> list[str]:
    """Crimes (not anti-social behaviour) published with no outcome, per file."""
    missing = records[
        (records["outcome"] == NO_OUTCOME) & (records["crime_type"] != ANTI_SOCIAL_BEHAVIOUR)
    ]
    return [
        f"{name}: {count} crimes (not anti-social behaviour) have no outcome; they are counted "
        f"under '{NO_OUTCOME}'."
        for name, count in missing.groupby("file", sort=True).size().items()
    ]


def _snapshot_notes(records: pd.DataFrame, superseded: pd.DataFrame) -> list[str]:
    """Say which archive replaced which, and how many crimes it revised, added or withdrew."""
    notes = []
    for (month, area), earlier in superseded.groupby(["month", "area"], sort=True):
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
    raw_counts = street.records.groupby(columns, sort=False).size().rename("count").reset_index()
    counts = pd.concat([raw_counts, street.aggregate], ignore_index=True)
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
            *(counts[c].tolist() for c in [*columns, "count"]), strict=True
        )
    ]
    return LoadResult(
        observations=observation_frame(rows),
        files=list(street.files),
        notes=list(street.notes),
        warnings=list(street.warnings),
    )


def _compare_totals(aggregate: pd.DataFrame, raw: pd.DataFrame, name: str) -> list[str]:
    """Plain notes for force-months where the aggregate total differs from the raw file's."""
    agg_totals = aggregate.groupby(["month", "area"])["count"].sum()
    raw_totals = raw.groupby(["month", "area"]).size()
    notes = []
    for (month, area), total in agg_totals.items():
        kept = int(raw_totals.get((month, area), 0))
        if int(total) != kept:
            notes.append(
                f"{name}: {area} {month} totals {int(total):,} records but the raw street file "
                f"has {kept:,}; the raw file's figures were kept. Is the raw file cut short?"
            )
    return notes
