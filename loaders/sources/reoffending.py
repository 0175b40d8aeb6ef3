"""MoJ proven reoffending, England and Wales: annual offender cohorts and the latest cohort's
reoffending by index offence group.

Read from the JSON the WIAH project builds from the MoJ Proven Reoffending Statistics:
`timeSeries[]` (one entry per April-March cohort) and `byOffenceGroup[]` (the cohort named by
`latestCohort`). A cohort is the offenders released from custody, or given a non-custodial
conviction, caution or warning, in the financial year; a proven reoffence is one committed within
a year and proven within a further six months. National figures only: there is no force-area or
sex split in this source.

Published rates are stored as published (one decimal place), with the counts they come from as
numerator and denominator; a rate that does not match its counts is refused, since a figure on
screen must be the one in the file.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

from loaders.areas import ENGLAND_AND_WALES
from loaders.errors import LoaderError
from loaders.frames import LoadResult, observation_frame

RATE = "reoffending_rate"
OFFENDERS = "reoffending_offenders"
REOFFENDERS = "reoffending_reoffenders"
REOFFENCES = "reoffending_reoffences"
PER_REOFFENDER = "reoffences_per_reoffender"

_COHORT = re.compile(r"(\d{4})/(\d{2})")
_DATE = re.compile(r"(\d{4})-04")
# Published rates and averages are rounded; this is half a unit of the last place shown.
_TOLERANCE = {1: 0.05, 2: 0.005}


def _field(path: Path, item: dict, key: str, where: str, row: int, section: str, kind: str):
    """One value of an entry, of the expected kind: a whole count, a number or a label."""
    column = f"{section}.{key}"
    if key not in item:
        raise LoaderError(path, f"{where} has no '{key}'", row=row, column=column)
    value = item[key]
    if kind == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if not ok and isinstance(value, float) and value.is_integer() and value >= 0:
            value, ok = int(value), True
        if not ok:
            raise LoaderError(
                path,
                f"{where}: {key} is {value!r}, not a whole non-negative count",
                row=row,
                column=column,
            )
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0:
            raise LoaderError(
                path, f"{where}: {key} is {value!r}, not a non-negative number", row, column
            )
        value = float(value)
    elif not isinstance(value, str) or not value.strip():
        raise LoaderError(path, f"{where}: {key} is {value!r}, not a label", row=row, column=column)
    return value


def _check_ratio(path, published, top, bottom, scale, places, where, row, column) -> None:
    """A published rate or average must be its counts' ratio, to the places it is shown."""
    if bottom == 0:
        if published != 0:
            raise LoaderError(path, f"{where}: {column} is {published} with a zero base", row)
        return
    exact = scale * top / bottom
    if abs(exact - published) > _TOLERANCE[places] + 1e-9:
        raise LoaderError(
            path,
            f"{where}: published {published} does not match its counts ({top:,} / {bottom:,} "
            f"gives {exact:.{places + 2}f}); the fields may be in the wrong order",
            row=row,
            column=column,
        )


def _entries(path: Path, data: dict, section: str) -> list:
    entries = data.get(section)
    if not isinstance(entries, list) or not entries:
        raise LoaderError(path, f"expected a non-empty list '{section}'", column=section)
    for i, item in enumerate(entries, start=1):
        if not isinstance(item, dict):
            raise LoaderError(path, f"{section} entry {i} is not an object", row=i, column=section)
    return entries


def _cohort_year(path: Path, cohort: str, row: int, column: str) -> int:
    """'2012/13' -> 2012; the second part must be the following year."""
    match = _COHORT.fullmatch(cohort)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise LoaderError(
            path, f"cohort '{cohort}' is not a financial year such as 2012/13", row, column
        )
    return int(match.group(1))


def _parse(path: Path) -> object:
    """A JSON file's content; one that cannot be read fails the load, naming where."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise LoaderError(path, "file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise LoaderError(
            path, f"not readable as JSON ({exc.msg}; cut short?)", exc.lineno, f"char {exc.colno}"
        ) from None


def load(source_dir: Path) -> LoadResult:
    """Cohort figures per financial year and the latest cohort by index offence group."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the reoffending folder")
    files = sorted(p for p in source_dir.glob("*.json") if p.is_file())
    parsed: dict[Path, object] = {}
    unrecognised: dict[str, str] = {}
    for candidate in files:
        data = _parse(candidate)
        if isinstance(data, dict) and "timeSeries" not in data:
            # Valid JSON, but not this publication (another table saved beside it).
            unrecognised[candidate.name] = "a JSON file without 'timeSeries': another table"
            continue
        parsed[candidate] = data
    if len(parsed) != 1:
        found = ", ".join(p.name for p in parsed) or "none"
        raise LoaderError(
            source_dir,
            f"expected one proven reoffending JSON file, found {len(parsed)} ({found})"
            + ("; keep only the latest edition" if parsed else ""),
        )
    path, data = next(iter(parsed.items()))
    if not isinstance(data, dict):
        raise LoaderError(path, "expected a JSON object with 'timeSeries' and 'byOffenceGroup'")

    rows: list[dict] = []
    cohorts: dict[str, dict] = {}
    cohort_offenders: dict[str, int] = {}
    for i, item in enumerate(_entries(path, data, "timeSeries"), start=1):

        def get(key, kind, item=item, i=i):
            where = f"timeSeries entry {i}" + (
                f" (cohort {item['cohort']})" if isinstance(item.get("cohort"), str) else ""
            )
            return _field(path, item, key, where, i, "timeSeries", kind)

        cohort = get("cohort", "label")
        year = _cohort_year(path, cohort, i, "timeSeries.cohort")
        starts = get("date", "label")
        if _DATE.fullmatch(starts) is None or int(starts[:4]) != year:
            raise LoaderError(
                path,
                f"cohort {cohort}: date '{starts}' should be {year}-04, the April it starts",
                row=i,
                column="timeSeries.date",
            )
        if cohort in cohorts:
            raise LoaderError(
                path, f"cohort {cohort} appears twice", row=i, column="timeSeries.cohort"
            )
        offenders, reoffenders = get("offenders", "count"), get("reoffenders", "count")
        reoffences = get("reoffences", "count")
        rate, average = get("reoffendingRate", "number"), get("avgReoffences", "number")
        where = f"cohort {cohort}"
        if reoffenders > offenders:
            raise LoaderError(
                path, f"{where}: more reoffenders than offenders", i, "timeSeries.reoffenders"
            )
        _check_ratio(
            path, rate, reoffenders, offenders, 100, 1, where, i, "timeSeries.reoffendingRate"
        )
        _check_ratio(
            path, average, reoffences, reoffenders, 1, 2, where, i, "timeSeries.avgReoffences"
        )
        period = {
            "area_code": ENGLAND_AND_WALES,
            "period_start": date(year, 4, 1),
            "period_end": date(year + 1, 3, 31),
            "period_type": "financial_year",
            "breakdown": {},
        }
        rows += [
            {**period, "measure_id": OFFENDERS, "value": offenders},
            {**period, "measure_id": REOFFENDERS, "value": reoffenders},
            {**period, "measure_id": REOFFENCES, "value": reoffences},
            {
                **period,
                "measure_id": RATE,
                "value": rate,
                "numerator": reoffenders,
                "denominator": offenders,
            },
            {
                **period,
                "measure_id": PER_REOFFENDER,
                "value": average,
                "numerator": reoffences,
                "denominator": reoffenders,
            },
        ]
        cohorts[cohort] = period
        cohort_offenders[cohort] = offenders

    latest = data.get("latestCohort")
    if latest not in cohorts:
        raise LoaderError(
            path,
            f"latestCohort {latest!r} is not one of the cohorts in timeSeries",
            column="latestCohort",
        )
    notes: list[str] = []
    groups: set[str] = set()
    totals = {"offenders": 0, "reoffenders": 0}
    for i, item in enumerate(_entries(path, data, "byOffenceGroup"), start=1):
        where = f"byOffenceGroup entry {i}"
        group = _field(path, item, "group", where, i, "byOffenceGroup", "label")
        where = f"offence group '{group}'"
        offenders = _field(path, item, "offenders", where, i, "byOffenceGroup", "count")
        reoffenders = _field(path, item, "reoffenders", where, i, "byOffenceGroup", "count")
        rate = _field(path, item, "reoffendingRate", where, i, "byOffenceGroup", "number")
        if group in groups:
            raise LoaderError(path, f"{where} appears twice", row=i, column="byOffenceGroup.group")
        if reoffenders > offenders:
            raise LoaderError(
                path, f"{where}: more reoffenders than offenders", i, "byOffenceGroup.reoffenders"
            )
        _check_ratio(
            path, rate, reoffenders, offenders, 100, 1, where, i, "byOffenceGroup.reoffendingRate"
        )
        groups.add(group)
        totals["offenders"] += offenders
        totals["reoffenders"] += reoffenders
        period = {**cohorts[latest], "breakdown": {"offence_group": group}}
        rows += [
            {**period, "measure_id": OFFENDERS, "value": offenders},
            {**period, "measure_id": REOFFENDERS, "value": reoffenders},
            {
                **period,
                "measure_id": RATE,
                "value": rate,
                "numerator": reoffenders,
                "denominator": offenders,
            },
        ]
    cohort_total = cohort_offenders[latest]
    if totals["offenders"] != cohort_total:
        notes.append(
            f"The offence groups of cohort {latest} add up to {totals['offenders']:,} offenders "
            f"but the cohort has {cohort_total:,}; both are stored as published."
        )
    return LoadResult(
        observations=observation_frame(rows),
        files=[path],
        notes=notes,
        unrecognised=unrecognised,
    )
