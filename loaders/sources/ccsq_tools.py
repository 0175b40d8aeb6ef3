"""MoJ Criminal Court Statistics Quarterly as published: the Crown Court "tool" workbooks.

Reads `cc_rdos_tool.xlsx` (receipts, disposals and open cases by quarter, receipt type, region,
LCJB area, Crown Court and offence group), `cc_open_tool.xlsx` (open cases by age band) and
`timeliness_tool_Crown_Court.xlsx` from their pivot caches (loaders.sources.pivot_cache) into the
measures the gold CSVs feed (loaders.sources.ccsq), with each Crown Court's quarterly series from
2016 rather than the gold files' two points.

Label drift between the tools is normalised before anything is summed (official-formats.md
1a): code prefixes (`00: All offences`, `1. Receipts`, `01. All open cases`) are dropped,
`Not known` and `Unknown` are one value, case is ignored; `All` quarters and annual rows are
totals of the quarters and are dropped, never added. Every kind of record left out is counted in
a loader note. When the gold CSVs sit in the same folder they become a cross-check: any figure
both give must agree, and a disagreement is noted with both values (the tools' figure is kept).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

from loaders.areas import ENGLAND_AND_WALES, AreaSpec, crown_court_code, region_code
from loaders.errors import LoaderError
from loaders.frames import LoadResult, breakdown_key, observation_frame
from loaders.sources import ccsq
from loaders.sources.pivot_cache import PivotCache, find_cache, iter_records, read_caches

RDOS_TOOL = "cc_rdos_tool.xlsx"
OPEN_TOOL = "cc_open_tool.xlsx"
TIMELINESS_TOOL = "timeliness_tool_Crown_Court.xlsx"
TOOLS: tuple[str, ...] = (RDOS_TOOL, OPEN_TOOL, TIMELINESS_TOOL)
# Tools in a release that hold no measure the board shows (or whose layout is not yet known);
# discovery may stage them, and the loader names them in a note rather than ignoring them.
UNREAD_TOOLS: tuple[str, ...] = ("cc_waiting_hearing_tool.xlsx",)

RDOS_FIELDS = (
    "year",
    "quarter",
    "receipt_type",
    "region",
    "lcjb_area",
    "crown_court",
    "rdos",
    "offence_group",
    "value",
)
OPEN_FIELDS = (
    "year",
    "quarter",
    "receipt_type",
    "offence_group",
    "geographic_area",
    "age_open_grouped",
    "value",
)
TIMELINESS_DIMENSIONS = ("Year", "Quarter", "Geographic area", "Receipt type", "Offence group")
TIMELINESS_PERIOD_FIELD = "Annual or quarterly"
# Measure -> the words of its timeliness field name (matched ignoring order, case, punctuation:
# the exact spelling was not seen in a file, official-formats.md 1a).
TIMELINESS_MEASURES = {
    "crown_offence_to_completion_median": "offence to completion median",
    "crown_offence_to_completion_mean": "offence to completion mean",
    "crown_charge_to_completion_median": "charge to completion at the crown court median",
    "crown_charge_to_completion_mean": "charge to completion at the crown court mean",
}
REGIONAL_TIMELINESS = {"crown_offence_to_completion_median", "crown_offence_to_completion_mean"}

RDOS_MEASURES = {
    "receipts": "crown_receipts",
    "disposals": "crown_disposals",
    "open": "crown_open_cases",
}
ALL_OFFENCES = "all offences"
ALL_OPEN_CASES = "all open cases"
ALL_CASES_CLOSED = "all cases closed"
NATIONAL = "england and wales"
ONE_YEAR_PLUS = ("1 to 2 years", "2 years or more")
TOTAL_BANDS = {"total cases", "valid cases"}

_CODE_PREFIX = re.compile(r"^\s*\d+\s*[.:]\s*")
_RANGE = re.compile(r"(\d)\s*[-\u2013\u2014]\s*(\d)")
_QUARTER = re.compile(r"q?([1-4])", re.IGNORECASE)
_REGIONS = {r.casefold(): r for r in ccsq.HMCTS_REGIONS}


def normalise(value: object) -> str:
    """A label as the loader compares it: no code prefix, one spacing, case-folded,
    'Not known' = 'Unknown', '4-8 weeks' = '4 to 8 weeks'."""
    text = "" if value is None else str(value)
    text = _RANGE.sub(r"\1 to \2", _CODE_PREFIX.sub("", text))
    text = " ".join(text.split()).casefold()
    return "unknown" if text in {"not known", "unknown"} else text


def _words(name: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", name.casefold()))


def has_tools(folder: Path) -> bool:
    """True when a release folder holds the MoJ tool workbooks rather than only gold CSVs."""
    return any((Path(folder) / name).is_file() for name in TOOLS)


class _Figures:
    """Observations keyed as the cache keys them; a second figure for a key is refused."""

    def __init__(self) -> None:
        self.rows: dict[tuple, dict] = {}
        self.notes: list[str] = []
        self.areas: dict[str, AreaSpec] = {}

    def add(
        self,
        where: str,
        measure,
        area,
        quarter_end: date,
        value,
        num=None,
        den=None,
        breakdown=None,
    ):
        start, end = ccsq.quarter_bounds(quarter_end)
        key = (measure, area, start, "quarter", breakdown_key(breakdown))
        if key in self.rows:
            raise LoaderError(
                where,
                f"{measure} for {area} at {ccsq.quarter_label(quarter_end)} is given twice; "
                "a total and its parts may both be in the cache",
            )
        self.rows[key] = {
            "measure_id": measure,
            "area_code": area,
            "period_start": start,
            "period_end": end,
            "period_type": "quarter",
            "value": float(value),
            "numerator": num,
            "denominator": den,
            "breakdown": breakdown or {},
        }

    def region(self, name: str) -> str:
        code = region_code(name)
        label = ccsq.UNKNOWN_REGION_NAME if name == ccsq.UNKNOWN else name
        self.areas.setdefault(code, AreaSpec(code, label, "hmcts_region"))
        return code


def _quarter_end(cache: PivotCache, year: object, quarter: object) -> date | None:
    """The quarter's last day, or None for an `All` (whole-year) quarter."""
    q = normalise(quarter)
    if q in {"all", "all quarters", ""}:
        return None
    match = _QUARTER.fullmatch(q)
    try:
        y = int(float(year))
    except (TypeError, ValueError):
        y = None
    if match is None or y is None or not 2000 <= y <= 2100:
        raise LoaderError(
            cache.where(cache.records), f"quarter '{year} {quarter}' is not a year and Q1-Q4"
        )
    month = int(match.group(1)) * 3
    return date(y, month, 31 if month in (3, 12) else 30)


def _count(cache: PivotCache, value: object, what: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, float) or not math.isfinite(value) or value < 0 or value != int(value):
        raise LoaderError(
            cache.where(cache.records), f"value '{value}' for {what} is not a whole number of cases"
        )
    return value


def _dropped(counts: dict[str, int], tool: str) -> list[str]:
    return [f"{tool}: {n:,} records {why} were left out." for why, n in sorted(counts.items()) if n]


def _rdos(path: Path, out: _Figures) -> None:
    """Receipts, disposals and open cases per Crown Court and nationally, and backlog years."""
    cache = find_cache(path, RDOS_FIELDS, "cc_rdos_tool")
    offences = {normalise(i) for i in cache.fields[cache.names.index("offence_group")].items}
    use_total = ALL_OFFENCES in offences
    sums: dict[tuple[str, str, date], float] = defaultdict(float)
    court_region: dict[str, str] = {}
    dropped: dict[str, int] = defaultdict(int)
    for year, quarter, region, court, rdos, offence, value in iter_records(
        cache, ("year", "quarter", "region", "crown_court", "rdos", "offence_group", "value")
    ):
        q = _quarter_end(cache, year, quarter)
        if q is None:
            dropped["for 'All' quarters (whole-year totals)"] += 1
            continue
        offence = normalise(offence)
        if use_total and offence != ALL_OFFENCES:
            dropped["for single offence groups (the 'All offences' total is used)"] += 1
            continue
        measure = RDOS_MEASURES.get(normalise(rdos))
        if measure is None:
            raise LoaderError(
                cache.where(cache.records),
                f"rdos '{rdos}' is not Receipts, Disposals or Open",
                column="rdos",
            )
        value = _count(cache, value, f"{court} {rdos}")
        if value is None:
            dropped["with no value"] += 1
            continue
        region_name = ccsq._REGION_BY_KEY.get(normalise(region))
        if region_name is None:
            raise LoaderError(
                cache.where(cache.records),
                f"region '{region}' is not an HMCTS region ({', '.join(ccsq.HMCTS_REGIONS)})",
                column="region",
            )
        court_name = str(court).strip()
        if normalise(court_name) == "unknown":
            court_name = ccsq.UNKNOWN
        if court_region.setdefault(court_name, region_name) != region_name:
            raise LoaderError(
                cache.where(cache.records),
                f"court '{court_name}' is in region '{region_name}' and in "
                f"'{court_region[court_name]}'",
                column="region",
            )
        sums[(measure, court_name, q)] += value
        sums[(measure, "", q)] += value
    if not use_total:
        out.notes.append(
            f"{RDOS_TOOL}: the cache has no 'All offences' member, so the offence groups were "
            "added up."
        )
    out.notes += _dropped(dropped, RDOS_TOOL)
    where = cache.where(cache.records)
    for (measure, court, q), value in sorted(
        sums.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])
    ):
        if court == "":
            out.add(where, measure, ENGLAND_AND_WALES, q, value)
            continue
        code = crown_court_code(court)
        name = ccsq.UNKNOWN_COURT_NAME if court == ccsq.UNKNOWN else court
        out.areas.setdefault(
            code, AreaSpec(code, name, "crown_court", parent_code=out.region(court_region[court]))
        )
        out.add(where, measure, code, q, value)
        if measure == "crown_open_cases":
            year_of = [_shift(q, -k) for k in range(4)]
            disposals = [sums.get(("crown_disposals", court, p)) for p in year_of]
            if all(d is not None for d in disposals) and sum(disposals) > 0:
                annual = sum(disposals)
                out.add(where, "crown_backlog_years", code, q, value / annual, value, annual)


def _shift(q: date, quarters: int) -> date:
    index = q.year * 4 + (q.month // 3 - 1) + quarters
    year, month = divmod(index, 4)
    month = (month + 1) * 3
    return date(year, month, 31 if month in (3, 12) else 30)


def _area(out: _Figures, label: object, unused: dict[str, int]) -> str | None:
    """National or HMCTS region code for a geographic_area label; None (counted) otherwise."""
    name = normalise(label)
    if name == NATIONAL:
        return ENGLAND_AND_WALES
    if name in _REGIONS:
        return out.region(_REGIONS[name])
    unused[str(label)] += 1
    return None


def _open(path: Path, out: _Figures) -> None:
    """Open cases by age band (national) and the share open a year or more (national, regions)."""
    cache = find_cache(path, OPEN_FIELDS, "cc_open_tool")
    receipt_types = {normalise(i) for i in cache.fields[cache.names.index("receipt_type")].items}
    if ALL_OPEN_CASES not in receipt_types:
        raise LoaderError(
            cache.where(),
            "receipt_type has no 'All open cases' member, so open cases cannot be counted "
            "without adding remand splits twice",
            column="receipt_type",
        )
    bands = {normalise(b): b for b in ccsq.AGE_BANDS}
    counts: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
    dropped: dict[str, int] = defaultdict(int)
    unused: dict[str, int] = defaultdict(int)
    for year, quarter, receipt, offence, area, band, value in iter_records(cache, OPEN_FIELDS):
        q = _quarter_end(cache, year, quarter)
        if q is None:
            dropped["for 'All' quarters (whole-year totals)"] += 1
            continue
        if normalise(receipt) != ALL_OPEN_CASES:
            dropped["for single receipt types (the 'All open cases' total is used)"] += 1
            continue
        if normalise(offence) != ALL_OFFENCES:
            dropped["for single offence groups (the 'All offences' total is used)"] += 1
            continue
        band_key = normalise(band)
        if band_key in TOTAL_BANDS:
            dropped["of total and valid cases (the bands are added up instead)"] += 1
            continue
        if band_key not in bands:
            raise LoaderError(
                cache.where(cache.records),
                f"age band '{band}' is not one of the known bands {ccsq.AGE_BANDS}",
                column="age_open_grouped",
            )
        code = _area(out, area, unused)
        if code is None:
            continue
        value = _count(cache, value, f"{area} {band}")
        if value is None:
            dropped["with no value"] += 1
            continue
        cell = counts[(code, q)]
        cell[bands[band_key]] = cell.get(bands[band_key], 0.0) + value
    out.notes += _dropped(dropped, OPEN_TOOL)
    if unused:
        out.notes.append(
            f"{OPEN_TOOL}: records for {len(unused)} geographic areas that are neither England "
            f"and Wales nor an HMCTS region (LJAs, England, Unknown) were not used: "
            f"{sum(unused.values()):,} records."
        )
    where = cache.where(cache.records)
    for (code, q), cell in sorted(counts.items()):
        if code == ENGLAND_AND_WALES:
            for band in ccsq.AGE_BANDS:
                if band in cell:
                    out.add(
                        where,
                        "crown_open_by_age",
                        code,
                        q,
                        cell[band],
                        breakdown={"age_band": band},
                    )
        valid = sum(cell.values())
        older = sum(cell.get(b, 0.0) for b in ccsq.AGE_BANDS if normalise(b) in ONE_YEAR_PLUS)
        if valid > 0:
            out.add(where, "crown_open_1yr_share", code, q, 100 * older / valid, older, valid)


def _timeliness_cache(path: Path) -> tuple[PivotCache, dict[str, str]]:
    caches = read_caches(path)
    for cache in caches:
        if all(d in cache.names for d in TIMELINESS_DIMENSIONS):
            fields: dict[str, str] = {}
            for measure, words in TIMELINESS_MEASURES.items():
                hits = [n for n in cache.names if _words(n) == _words(words)]
                if len(hits) != 1:
                    raise LoaderError(
                        cache.where(),
                        f"{'no' if not hits else 'more than one'} cache field is named like "
                        f"'{words}' (fields: {', '.join(cache.names)})",
                        column=words,
                    )
                fields[measure] = hits[0]
            return cache, fields
    missing = next(d for d in TIMELINESS_DIMENSIONS if d not in caches[0].names)
    raise LoaderError(
        caches[0].where(),
        f"no pivot cache has the timeliness field '{missing}' (found: "
        f"{', '.join(caches[0].names)}); a renamed field is refused rather than guessed",
        column=missing,
    )


def _timeliness(path: Path, out: _Figures) -> None:
    """Offence-to-completion days (national and regions) and charge-to-completion (national)."""
    cache, fields = _timeliness_cache(path)
    period = TIMELINESS_PERIOD_FIELD if TIMELINESS_PERIOD_FIELD in cache.names else None
    wanted = [*TIMELINESS_DIMENSIONS, *fields.values(), *([period] if period else [])]
    dropped: dict[str, int] = defaultdict(int)
    unused: dict[str, int] = defaultdict(int)
    where = cache.where(cache.records)
    for record in iter_records(cache, wanted):
        year, quarter, area, receipt, offence = record[:5]
        values = dict(zip(fields, record[5 : 5 + len(fields)], strict=True))
        if period and normalise(record[-1]) != "quarterly":
            dropped["for annual periods"] += 1
            continue
        q = _quarter_end(cache, year, quarter)
        if q is None:
            dropped["for 'All' quarters (whole-year totals)"] += 1
            continue
        if normalise(receipt) != ALL_CASES_CLOSED:
            dropped["for single receipt types (the 'All cases closed' total is used)"] += 1
            continue
        if normalise(offence) != ALL_OFFENCES:
            dropped["for single offence groups (the 'All offences' total is used)"] += 1
            continue
        code = _area(out, area, unused)
        if code is None:
            continue
        for measure, value in values.items():
            if code != ENGLAND_AND_WALES and measure not in REGIONAL_TIMELINESS:
                continue
            if value is None:
                dropped["with no value for a timeliness measure"] += 1
                continue
            if not isinstance(value, float) or not math.isfinite(value) or value < 0:
                raise LoaderError(where, f"{fields[measure]} '{value}' is not a number of days")
            out.add(where, measure, code, q, value)
    out.notes += _dropped(dropped, TIMELINESS_TOOL)
    if unused:
        out.notes.append(
            f"{TIMELINESS_TOOL}: records for {len(unused)} geographic areas that are neither "
            f"England and Wales nor an HMCTS region were not used: {sum(unused.values()):,} records."
        )


def _cross_check(out: _Figures, gold: LoadResult) -> list[str]:
    """Gold figures where the tools give none fill gaps only for measures the tools do not
    read; any figure both give must agree (the tools' is kept)."""
    tool_measures = {row["measure_id"] for row in out.rows.values()}
    differ: list[str] = []
    only_gold = 0
    added = 0
    for row in gold.observations.to_dict("records"):
        key = (
            row["measure_id"],
            row["area_code"],
            row["period_start"],
            row["period_type"],
            breakdown_key(row["breakdown"]),
        )
        mine = out.rows.get(key)
        if mine is None:
            if row["measure_id"] in tool_measures:
                only_gold += 1
            else:
                out.rows[key] = row
                added += 1
            continue
        if not math.isclose(mine["value"], row["value"], rel_tol=1e-6, abs_tol=1e-6):
            differ.append(
                f"{row['measure_id']} {row['area_code']} {ccsq.quarter_label(row['period_end'])}"
                f"{' ' + key[4] if key[4] else ''}: tools {mine['value']:,.4g}, gold {row['value']:,.4g}"
            )
    notes = []
    if differ:
        notes.append(
            f"The gold CSVs disagree with the MoJ tools on {len(differ)} figures (the tools' "
            f"figures were kept): {'; '.join(differ[:10])}{' …' if len(differ) > 10 else ''}."
        )
    if added:
        notes.append(
            f"{added:,} figures for measures the tools loader does not read (waiting and hearing "
            "times) were taken from the gold CSVs."
        )
    if only_gold:
        notes.append(
            f"{only_gold:,} gold CSV figures have no counterpart in the tools and were not used."
        )
    return notes


def load(source_dir: Path) -> LoadResult:
    """Read a release folder of MoJ tool workbooks (and cross-check any gold CSVs beside them)."""
    source_dir = Path(source_dir)
    paths = [source_dir / name for name in TOOLS]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise LoaderError(
            missing[0],
            f"file is missing; a release folder of MoJ tools must contain {', '.join(TOOLS)}",
        )
    out = _Figures()
    _rdos(paths[0], out)
    _open(paths[1], out)
    _timeliness(paths[2], out)
    files = list(paths)
    unread = [source_dir / n for n in UNREAD_TOOLS if (source_dir / n).is_file()]
    if unread:
        out.notes.append(
            f"{', '.join(p.name for p in unread)}: not read (its figures are not among this "
            "loader's measures)."
        )
        files += unread  # accounted for: named in the note and part of the release's hash
    if all((source_dir / name).is_file() for name in ccsq.FILES):
        gold = ccsq.load_gold(source_dir)
        out.notes += _cross_check(out, gold)
        files += [source_dir / name for name in ccsq.FILES]
    frame = observation_frame(list(out.rows.values()))
    return LoadResult(
        observations=frame, files=files, areas=list(out.areas.values()), notes=out.notes
    )
