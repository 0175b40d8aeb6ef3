"""The one shape every loader returns, and the rules a frame must pass before it is stored."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.areas import AreaSpec

OBSERVATION_COLUMNS = [
    "measure_id",
    "area_code",
    "period_start",
    "period_end",
    "period_type",
    "value",
    "numerator",
    "denominator",
    "breakdown",
]
KEY_COLUMNS = ["measure_id", "area_code", "period_start", "period_type", "breakdown_key"]
PERIOD_TYPES = {"month", "quarter", "year", "financial_year", "week", "snapshot"}
COUNT_UNITS = {"count"}
RATE_UNITS = {"percent"}


@dataclass(frozen=True)
class Boundary:
    """An area's outline from a reference dataset: a GeoJSON geometry object as JSON text."""

    area_code: str
    name: str
    geometry: str


@dataclass
class LoadResult:
    """What a loader read: observations in the standard shape, new areas, the files behind them.

    A reference dataset (area boundaries) may return no observations and only `boundaries`.
    `notes` are for information; `warnings` say the figures may be incomplete or inconsistent
    (two files disagree, a file was not read) and make the run "success with warnings".
    Every file in the source folder is accounted for (paths relative to the folder): `skipped`
    names files the loader knows and deliberately does not read, with why (a note);
    `unrecognised` files it looked at and could not place, with why (a warning); any other
    unread file is reported as unknown (a warning).
    `release_date` is the publication date when the files state one; otherwise the refresh
    takes the latest period loaded as the release's reference period.
    """

    observations: pd.DataFrame
    files: list[Path]
    areas: list[AreaSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    boundaries: list[Boundary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    unrecognised: dict[str, str] = field(default_factory=dict)
    release_date: date | None = None


def breakdown_key(breakdown: dict | None) -> str:
    """A stable text key for a breakdown dict, so uniqueness works on every database."""
    if not breakdown:
        return ""
    return "|".join(f"{k}={breakdown[k]}" for k in sorted(breakdown))


def breakdown_texts(breakdowns: Iterable[dict | None]) -> tuple[list[str], list[str]]:
    """Each breakdown's stored JSON text and breakdown_key, worked out once per distinct
    breakdown: a national police.uk year has 90,000 rows but a few hundred breakdowns, and
    encoding every row's took most of the time spent building rows to store."""
    texts: list[str] = []
    keys: list[str] = []
    known: dict[tuple, tuple[str, str]] = {}
    for breakdown in breakdowns:
        breakdown = breakdown or {}
        try:
            # with each value's type: 1, 1.0 and True are equal keys but encode differently
            memo = tuple((k, type(v), v) for k, v in breakdown.items())
            done = known.get(memo)
        except TypeError:  # a value that cannot be a dict key: worked out on its own
            memo, done = None, None
        if done is None:
            done = (json.dumps(breakdown, sort_keys=True), breakdown_key(breakdown))
            if memo is not None:
                known[memo] = done
        texts.append(done[0])
        keys.append(done[1])
    return texts, keys


def observation_frame(rows: list[dict]) -> pd.DataFrame:
    """Build a standard observation frame from row dicts, filling optional columns."""
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    for column in ("numerator", "denominator"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    frame["breakdown"] = [b if isinstance(b, dict) else {} for b in frame["breakdown"]]
    return frame


def columns_frame(columns: dict, size: int) -> pd.DataFrame:
    """The standard observation frame from whole columns (scalars are repeated): much faster
    than row dicts for loaders that derive tens of thousands of figures."""
    frame = pd.DataFrame({c: columns[c] for c in OBSERVATION_COLUMNS}, index=range(size))
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64")
    return frame


def quarter_bounds(quarter_end: date) -> tuple[date, date]:
    """First and last day of the calendar quarter that ends on quarter_end."""
    start_month = quarter_end.month - 2
    return date(quarter_end.year, start_month, 1), quarter_end


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a calendar month."""
    start = date(year, month, 1)
    next_start = date(year + month // 12, month % 12 + 1, 1)
    return start, date.fromordinal(next_start.toordinal() - 1)


def _distinct(column: pd.Series) -> set:
    """A column's distinct values, found by pandas (iterating an Arrow-backed text column in
    Python cost a national police.uk year a quarter of a second per check)."""
    return set(column.dropna().unique().tolist())


def validate_observations(
    frame: pd.DataFrame,
    *,
    measures: dict[str, str],
    area_codes: set[str],
    today: date,
    breakdown_keys: list[str] | None = None,
) -> list[str]:
    """Every rule the cache keeps, as plain-language problems; an empty list means valid.

    `measures` maps each measure id this dataset may write to its unit; `breakdown_keys`, each
    row's breakdown key when the caller has worked them out already.
    """
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        return [f"missing columns: {', '.join(missing)}"]
    if frame.empty:
        return ["the source produced no figures"]
    problems: list[str] = []
    unknown_measures = sorted(_distinct(frame["measure_id"]) - set(measures))
    if unknown_measures:
        problems.append(f"measures not registered for this dataset: {', '.join(unknown_measures)}")
    unknown_areas = sorted(_distinct(frame["area_code"]) - area_codes)
    if unknown_areas:
        problems.append(f"unknown area codes: {', '.join(unknown_areas[:20])}")
    bad_types = sorted(_distinct(frame["period_type"]) - PERIOD_TYPES)
    if bad_types:
        problems.append(f"unknown period types: {', '.join(bad_types)}")
    for column in ("measure_id", "area_code", "period_start", "period_end", "value"):
        nulls = int(frame[column].isna().sum())
        if nulls:
            problems.append(f"{nulls} rows have no {column}")
    # Whole-column checks, each measure's unit looked up once: not a Python call per row.
    if np.isinf(frame["value"].to_numpy(dtype="float64", na_value=np.nan)).any():
        problems.append("some values are infinite")
    count_rows = frame["measure_id"].isin([m for m, u in measures.items() if u in COUNT_UNITS])
    negative = frame[count_rows & (frame["value"] < 0)]
    if not negative.empty:
        first = negative.iloc[0]
        problems.append(
            f"{len(negative)} negative counts (first: {first.measure_id} {first.area_code} "
            f"{first.period_start})"
        )
    # A rate's numerator is part of its denominator; a ratio (e.g. years of backlog) may exceed 1.
    is_rate = frame["measure_id"].isin([m for m, u in measures.items() if u in RATE_UNITS])
    both = is_rate & frame["numerator"].notna() & frame["denominator"].notna()
    over = frame[both & (frame["numerator"] > frame["denominator"])]
    if not over.empty:
        problems.append(f"{len(over)} rows have a numerator larger than the denominator")
    backwards = frame[frame["period_start"] > frame["period_end"]]
    if not backwards.empty:
        problems.append(f"{len(backwards)} rows have a period that ends before it starts")
    future = frame[frame["period_start"] > today]
    if not future.empty:
        problems.append(f"{len(future)} rows are for periods that have not started yet")
    if breakdown_keys is None:
        breakdown_keys = breakdown_texts(frame["breakdown"])[1]
    keys = frame.assign(breakdown_key=breakdown_keys)
    duplicated = keys[keys.duplicated(KEY_COLUMNS, keep=False)]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        problems.append(
            f"{len(duplicated)} rows share a key (first: {first.measure_id} {first.area_code} "
            f"{first.period_start} {first.breakdown_key or 'total'})"
        )
    return problems
