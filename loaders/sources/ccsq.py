"""MoJ Criminal Court Statistics Quarterly (Crown Court): the nine gold CSVs as observations.

The files are third-party "gold" extracts of the MoJ tool workbooks (see PROVENANCE.md). They
are read exactly as published, checked strictly, and every problem names the file, the line
and the column, because a wrong backlog figure on the dashboard is worse than no figure.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.areas import ENGLAND_AND_WALES, AreaSpec, crown_court_code, region_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, breakdown_key, observation_frame, quarter_bounds
from loaders.sources.csvfile import final_row_check

TRAJECTORY = "gold_backlog_trajectory.csv"
BY_COURT = "gold_backlog_by_court.csv"
BACKLOG_RATIO = "gold_court_backlog_ratio.csv"
CASELOAD_AGE = "gold_caseload_age.csv"
AGE_SUMMARY = "gold_caseload_age_summary.csv"
OLDEST_BY_REGION = "gold_oldest_by_region.csv"
TIMELINESS_BY_REGION = "gold_timeliness_by_region.csv"
TIMELINESS_TREND = "gold_timeliness_trend.csv"
WAITING_HEARING = "gold_waiting_hearing.csv"

# Only the columns the loader uses are required, so a harmless extra column in a new release
# does not stop the load; a renamed or missing one does.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    TRAJECTORY: ("quarter_end", "disposals", "open", "receipts"),
    BY_COURT: ("region", "court", "open_latest", "open_year_ago"),
    BACKLOG_RATIO: ("region", "court", "open_latest", "annual_disposals", "years_of_backlog"),
    CASELOAD_AGE: ("quarter_end", "age_band", "age_order", "count"),
    AGE_SUMMARY: ("quarter_end", "total_cases", "valid_cases", "open_1yr_plus", "share_1yr_plus"),
    OLDEST_BY_REGION: (
        "quarter_end",
        "region",
        "geo_level",
        "valid_cases",
        "open_1yr_plus",
        "share_1yr_plus",
    ),
    TIMELINESS_BY_REGION: (
        "quarter_end",
        "region",
        "geo_level",
        "offence_to_completion_median",
        "offence_to_completion_mean",
    ),
    TIMELINESS_TREND: (
        "quarter_end",
        "offence_to_completion_mean",
        "offence_to_completion_median",
        "charge_to_completion_at_the_crown_court_mean",
        "charge_to_completion_at_the_crown_court_median",
    ),
    WAITING_HEARING: (
        "quarter_end",
        "hearing_mean_hearings",
        "hearing_mean_hours",
        "hearing_median_hours",
        "waiting_mean_weeks",
        "waiting_median_weeks",
    ),
}
FILES: tuple[str, ...] = tuple(REQUIRED_COLUMNS)

# Open-case age bands in the file's age_order (1..9); charts use this order. The loader checks
# every band and its age_order against this list, so a changed banding fails loudly.
AGE_BANDS: list[str] = [
    "Under 4 weeks",
    "4 to 8 weeks",
    "8 to 12 weeks",
    "12 to 16 weeks",
    "16 to 20 weeks",
    "20 to 26 weeks",
    "6 months to under 1 year",
    "1 to 2 years",
    "2 years or more",
]

# HMCTS regions used by the MoJ tools ("North East" is the old North Eastern circuit, which
# includes Yorkshire and Humber courts, not the North East of England).
HMCTS_REGIONS: tuple[str, ...] = (
    "London",
    "Midlands",
    "North East",
    "North West",
    "South East",
    "South West",
    "Wales",
)
UNKNOWN = "Unknown"
UNKNOWN_REGION_NAME = "Unknown region"
UNKNOWN_COURT_NAME = "Unknown court (not recorded)"
NATIONAL_NAME = "England and Wales"

_QUARTER_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_REGION_BY_KEY = {r.casefold(): r for r in (*HMCTS_REGIONS, UNKNOWN)}


def quarter_label(quarter_end: date) -> str:
    """'2025 Q4' for 2025-12-31: how people name a quarter in notes and titles."""
    return f"{quarter_end.year} Q{(quarter_end.month - 1) // 3 + 1}"


@dataclass
class _Row:
    line: int
    values: dict[str, str]


@dataclass
class _Table:
    """One file's rows as text, with the line each came from so errors can point at it."""

    path: Path
    rows: list[_Row]
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def error(self, row: _Row | None, column: str | None, message: str) -> LoaderError:
        return LoaderError(self.path, message, row=row.line if row else None, column=column)

    def text(self, row: _Row, column: str) -> str:
        value = row.values[column].strip()
        if not value:
            raise self.error(row, column, f"{column} is blank")
        return value

    def number(self, row: _Row, column: str, *, count: bool = False) -> float | None:
        """A published number, or None when the cell is blank (the caller notes the gap)."""
        raw = row.values[column].strip()
        if not raw:
            return None
        if not _NUMBER.fullmatch(raw):
            raise self.error(row, column, f"'{raw}' is not a number")
        value = float(raw)
        if not math.isfinite(value):
            raise self.error(row, column, f"'{raw}' is not a finite number")
        if count and (value < 0 or value != int(value)):
            raise self.error(row, column, f"'{raw}' is not a whole, non-negative number of cases")
        return value

    def share(self, row: _Row, column: str) -> float | None:
        value = self.number(row, column)
        if value is not None and not 0 <= value <= 1:
            raise self.error(row, column, f"share {value} is not between 0 and 1")
        return value

    def quarter_end(self, row: _Row, column: str = "quarter_end") -> date:
        raw = self.text(row, column)
        try:
            if not _ISO_DATE.fullmatch(raw):
                raise ValueError
            day = date.fromisoformat(raw)
        except ValueError:
            raise self.error(row, column, f"'{raw}' is not a date in YYYY-MM-DD form") from None
        if (day.month, day.day) not in _QUARTER_ENDS:
            raise self.error(row, column, f"{raw} is not the last day of a calendar quarter")
        return day

    def region(self, row: _Row, column: str = "region") -> str:
        raw = self.text(row, column)
        region = _REGION_BY_KEY.get(raw.casefold())
        if region is None:
            known = ", ".join(HMCTS_REGIONS)
            problem = UnknownAreaName(raw, f"{self.name}; known HMCTS regions: {known}")
            raise self.error(row, column, str(problem)) from problem
        return region


def _read_table(path: Path, required: Sequence[str]) -> _Table:
    """Read a CSV as text rows, failing on a missing file, column or field, or a cut-off end."""
    if not path.is_file():
        raise LoaderError(path, f"file is missing; the release folder must contain {path.name}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoaderError(path, "file is not UTF-8 text", row=line) from None
    if not text.strip():
        raise LoaderError(path, "file is empty; expected a header row", row=1, column=required[0])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        missing = [c for c in required if c not in header]
        twice = [c for c in required if header.count(c) > 1]
        if twice:
            raise LoaderError(path, f"column '{twice[0]}' appears twice", row=1, column=twice[0])
        if missing:
            raise LoaderError(
                path,
                f"required column '{missing[0]}' is not in the header (found: {', '.join(header)})",
                row=1,
                column=missing[0],
            )
        rows: list[_Row] = []
        last: list[str] = header
        for record in reader:
            if not record:
                continue  # a blank line carries no figures
            line, last = reader.line_num, record
            if len(record) < len(header):
                raise LoaderError(
                    path,
                    f"row is cut short: it has {len(record)} of the {len(header)} fields "
                    "the header names",
                    row=line,
                    column=header[len(record)],
                )
            if len(record) > len(header):
                raise LoaderError(
                    path,
                    f"row has {len(record)} fields but the header names {len(header)}; "
                    f"the extra fields come after '{header[-1]}'",
                    row=line,
                    column=header[-1],
                )
            rows.append(_Row(line, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        raise LoaderError(path, f"not readable as CSV: {exc}", row=reader.line_num) from None
    note = None
    if rows:
        note = final_row_check(
            path,
            text,
            header,
            last,
            reader.line_num,
            lambda i: [r.values[header[i]] for r in rows[:-1]],
        )
    return _Table(path, rows, [note] if note else [])


class _Output:
    """Collects observations, areas and notes, refusing two figures for the same key."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.notes: list[str] = []
        # Two files of the release disagree: the figures may be from different releases, so
        # the run is "success with warnings", never a plain success.
        self.warnings: list[str] = []
        self.areas: dict[str, AreaSpec] = {}
        self._keys: dict[tuple, str] = {}

    def add(
        self,
        table: _Table,
        row: _Row,
        key_column: str,
        measure_id: str,
        area_code: str,
        quarter_end: date,
        value: float,
        numerator: float | None = None,
        denominator: float | None = None,
        breakdown: dict | None = None,
    ) -> None:
        start, end = quarter_bounds(quarter_end)
        key = (measure_id, area_code, start, breakdown_key(breakdown))
        where = f"{table.name} row {row.line}"
        if key in self._keys:
            raise table.error(
                row,
                key_column,
                f"{measure_id} for {area_code} at {quarter_label(quarter_end)}"
                f"{' ' + breakdown_key(breakdown) if breakdown else ''} is given twice "
                f"(first at {self._keys[key]})",
            )
        self._keys[key] = where
        self.rows.append(
            {
                "measure_id": measure_id,
                "area_code": area_code,
                "period_start": start,
                "period_end": end,
                "period_type": "quarter",
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "breakdown": breakdown or {},
            }
        )

    def skip_blank(self, table: _Table, row: _Row, column: str, what: str) -> None:
        self.notes.append(
            f"{table.name} row {row.line}: {column} is blank for {what}; that figure was "
            "skipped, not filled in."
        )

    def region_area(self, region: str) -> str:
        code = region_code(region)
        name = UNKNOWN_REGION_NAME if region == UNKNOWN else region
        self.areas.setdefault(code, AreaSpec(code, name, "hmcts_region"))
        return code

    def court_area(self, table: _Table, row: _Row) -> tuple[str, str]:
        """The court's area code (adding court and region areas); returns (code, court)."""
        region = table.region(row)
        court = table.text(row, "court")
        if court.casefold() == UNKNOWN.casefold():
            court = UNKNOWN
        parent = self.region_area(region)
        code = crown_court_code(court)
        name = UNKNOWN_COURT_NAME if court == UNKNOWN else court
        known = self.areas.get(code)
        if known is None:
            self.areas[code] = AreaSpec(code, name, "crown_court", parent_code=parent)
        elif known.parent_code != parent:
            raise table.error(
                row,
                "region",
                f"court '{court}' is in region '{region}' here but in another region "
                f"({known.parent_code}) elsewhere in this release",
            )
        return code, court


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _trajectory(table: _Table, out: _Output) -> tuple[date, dict[date, float]]:
    """National receipts, disposals and open cases; returns the latest quarter and open cases.

    The latest quarter dates the court file, which does not state its own quarter.
    """
    if not table.rows:
        raise table.error(None, "quarter_end", "file has no rows, so the latest quarter is unknown")
    open_by_quarter: dict[date, float] = {}
    quarters: list[date] = []
    for row in table.rows:
        q = table.quarter_end(row)
        quarters.append(q)
        for column, measure in (
            ("receipts", "crown_receipts"),
            ("disposals", "crown_disposals"),
            ("open", "crown_open_cases"),
        ):
            value = table.number(row, column, count=True)
            if value is None:
                out.skip_blank(table, row, column, f"England and Wales {quarter_label(q)}")
                continue
            out.add(table, row, "quarter_end", measure, ENGLAND_AND_WALES, q, value)
            if column == "open":
                open_by_quarter[q] = value
    return max(quarters), open_by_quarter


def _by_court(
    table: _Table, out: _Output, latest: date, national_open: dict[date, float]
) -> dict[str, float]:
    """Open cases per court now and a year earlier; the file itself states no quarter."""
    year_ago = date(latest.year - 1, latest.month, latest.day)
    totals = {latest: 0.0, year_ago: 0.0}
    open_latest: dict[str, float] = {}
    for row in table.rows:
        code, court = out.court_area(table, row)
        for column, quarter in (("open_latest", latest), ("open_year_ago", year_ago)):
            value = table.number(row, column, count=True)
            if value is None:
                out.skip_blank(table, row, column, f"{court} ({quarter_label(quarter)})")
                continue
            out.add(table, row, "court", "crown_open_cases", code, quarter, value)
            totals[quarter] += value
            if column == "open_latest":
                open_latest[court] = value
    for quarter, total in totals.items():
        national = national_open.get(quarter)
        if national is not None and not _close(total, national):
            out.warnings.append(
                f"{table.name}: court open cases for {quarter_label(quarter)} add up to "
                f"{total:,.0f} but {TRAJECTORY} gives {national:,.0f} for England and Wales; "
                "the court file may be from a different release (its quarter is taken from "
                f"the latest quarter in {TRAJECTORY})."
            )
    return open_latest


def _backlog_ratio(
    table: _Table, out: _Output, latest: date, open_latest: dict[str, float]
) -> None:
    """Years to clear each court's backlog at the latest quarter (published value kept)."""
    for row in table.rows:
        code, court = out.court_area(table, row)
        years = table.number(row, "years_of_backlog")
        open_cases = table.number(row, "open_latest", count=True)
        disposals = table.number(row, "annual_disposals", count=True)
        if years is None:
            out.skip_blank(table, row, "years_of_backlog", court)
            continue
        ratio = open_cases / disposals if open_cases is not None and disposals else None
        if ratio is not None and not math.isclose(years, ratio, rel_tol=1e-6):
            out.warnings.append(
                f"{table.name} row {row.line}: {court} years_of_backlog {years:.4f} is not "
                f"open_latest / annual_disposals ({ratio:.4f}); the published value was kept."
            )
        published = open_latest.get(court)
        if open_cases is not None and published is not None and not _close(open_cases, published):
            out.warnings.append(
                f"{table.name} row {row.line}: {court} open_latest {open_cases:,.0f} differs "
                f"from {BY_COURT} ({published:,.0f})."
            )
        # A ratio, not a rate: open cases may exceed a year's disposals (backlog over a year).
        out.add(
            table,
            row,
            "court",
            "crown_backlog_years",
            code,
            latest,
            years,
            numerator=open_cases,
            denominator=disposals,
        )


def _caseload_age(table: _Table, out: _Output) -> dict[date, float]:
    """National open cases by age band; returns the total of the bands by quarter."""
    totals: dict[date, float] = {}
    for row in table.rows:
        q = table.quarter_end(row)
        band = table.text(row, "age_band")
        if band not in AGE_BANDS:
            raise table.error(
                row, "age_band", f"age band '{band}' is not one of the known bands {AGE_BANDS}"
            )
        order = table.number(row, "age_order")
        if order != AGE_BANDS.index(band) + 1:
            raise table.error(
                row,
                "age_order",
                f"age_order {order} for '{band}' should be {AGE_BANDS.index(band) + 1}",
            )
        value = table.number(row, "count", count=True)
        if value is None:
            out.skip_blank(table, row, "count", f"'{band}' at {quarter_label(q)}")
            continue
        out.add(
            table,
            row,
            "age_band",
            "crown_open_by_age",
            ENGLAND_AND_WALES,
            q,
            value,
            breakdown={"age_band": band},
        )
        totals[q] = totals.get(q, 0.0) + value
    return totals


def _share_figures(
    table: _Table, row: _Row, out: _Output, what: str
) -> tuple[float, float | None, float | None] | None:
    """(percent, open a year or more, valid cases), or None for a blank, noted."""
    share = table.share(row, "share_1yr_plus")
    older = table.number(row, "open_1yr_plus", count=True)
    valid = table.number(row, "valid_cases", count=True)
    if share is None:
        out.skip_blank(table, row, "share_1yr_plus", what)
        return None
    if older is not None and valid and not math.isclose(share, older / valid, rel_tol=1e-6):
        out.warnings.append(
            f"{table.name} row {row.line}: share_1yr_plus {share:.4f} for {what} is not "
            f"open_1yr_plus / valid_cases ({older / valid:.4f}); the published share was kept."
        )
    return share * 100, older, valid


def _age_summary(
    table: _Table, out: _Output, national_open: dict[date, float], band_totals: dict[date, float]
) -> dict[date, tuple[float, float | None, float | None]]:
    """National share open a year or more; the single source of the national figure."""
    national: dict[date, tuple[float, float | None, float | None]] = {}
    mismatched_total: list[str] = []
    mismatched_bands: list[str] = []
    for row in table.rows:
        q = table.quarter_end(row)
        total = table.number(row, "total_cases", count=True)
        figures = _share_figures(table, row, out, f"England and Wales {quarter_label(q)}")
        if total is not None and q in national_open and not _close(total, national_open[q]):
            mismatched_total.append(quarter_label(q))
        if figures is None:
            continue
        valid = figures[2]
        if valid is not None and q in band_totals and not _close(valid, band_totals[q]):
            mismatched_bands.append(quarter_label(q))
        out.add(table, row, "quarter_end", "crown_open_1yr_share", ENGLAND_AND_WALES, q, *figures)
        national[q] = figures
    if mismatched_total:
        out.warnings.append(
            f"{table.name}: total_cases differs from open cases in {TRAJECTORY} for "
            f"{', '.join(mismatched_total)}."
        )
    if mismatched_bands:
        out.warnings.append(
            f"{table.name}: valid_cases differs from the sum of the age bands in {CASELOAD_AGE} "
            f"for {', '.join(mismatched_bands)}."
        )
    return national


def _national_row(table: _Table, row: _Row) -> bool:
    """True for the England and Wales row of a region file, False for a region row."""
    level = table.text(row, "geo_level")
    if level == "region":
        return False
    if level != "national":
        raise table.error(row, "geo_level", f"geo_level '{level}' is not 'region' or 'national'")
    region = table.text(row, "region")
    if region != NATIONAL_NAME:
        raise table.error(row, "region", f"a national row should be '{NATIONAL_NAME}'")
    return True


def _oldest_by_region(
    table: _Table, out: _Output, national: dict[date, tuple[float, float | None, float | None]]
) -> None:
    """Regional share open a year or more; national rows only fill quarters the summary lacks."""
    disagree: list[str] = []
    for row in table.rows:
        q = table.quarter_end(row)
        if _national_row(table, row):
            figures = _share_figures(table, row, out, f"England and Wales {quarter_label(q)}")
            if figures is None:
                continue
            if q in national:
                if not all(
                    (a is None and b is None) or (a is not None and b is not None and _close(a, b))
                    for a, b in zip(figures, national[q], strict=True)
                ):
                    disagree.append(quarter_label(q))
                continue
            out.add(
                table, row, "quarter_end", "crown_open_1yr_share", ENGLAND_AND_WALES, q, *figures
            )
            continue
        region = table.region(row)
        figures = _share_figures(table, row, out, f"{region} {quarter_label(q)}")
        if figures is not None:
            code = out.region_area(region)
            out.add(table, row, "region", "crown_open_1yr_share", code, q, *figures)
    if disagree:
        out.warnings.append(
            f"{table.name}: the England and Wales share open a year or more differs from "
            f"{AGE_SUMMARY} for {', '.join(disagree)}; the {AGE_SUMMARY} figures were kept."
        )


_TIMELINESS = (
    ("offence_to_completion_median", "crown_offence_to_completion_median"),
    ("offence_to_completion_mean", "crown_offence_to_completion_mean"),
)


def _timeliness_by_region(table: _Table, out: _Output) -> dict[tuple[date, str], float]:
    """Offence-to-completion days per region and nationally; returns the national figures."""
    national: dict[tuple[date, str], float] = {}
    for row in table.rows:
        q = table.quarter_end(row)
        if _national_row(table, row):
            code, what = ENGLAND_AND_WALES, NATIONAL_NAME
        else:
            region = table.region(row)
            code, what = out.region_area(region), region
        for column, measure in _TIMELINESS:
            value = table.number(row, column)
            if value is None:
                out.skip_blank(table, row, column, f"{what} {quarter_label(q)}")
                continue
            out.add(table, row, "region", measure, code, q, value)
            if code == ENGLAND_AND_WALES:
                national[(q, measure)] = value
    return national


def _timeliness_trend(table: _Table, out: _Output, national: dict[tuple[date, str], float]) -> None:
    """National charge-to-completion days; offence-to-completion only where not yet given."""
    disagree: set[str] = set()
    columns = (
        ("charge_to_completion_at_the_crown_court_median", "crown_charge_to_completion_median"),
        ("charge_to_completion_at_the_crown_court_mean", "crown_charge_to_completion_mean"),
        *_TIMELINESS,
    )
    for row in table.rows:
        q = table.quarter_end(row)
        for column, measure in columns:
            value = table.number(row, column)
            if (q, measure) in national:
                if value is not None and not _close(value, national[(q, measure)]):
                    disagree.add(quarter_label(q))
                continue
            if value is None:
                out.skip_blank(table, row, column, f"England and Wales {quarter_label(q)}")
                continue
            out.add(table, row, "quarter_end", measure, ENGLAND_AND_WALES, q, value)
    if disagree:
        out.warnings.append(
            f"{table.name}: offence-to-completion days differ from the England and Wales rows of "
            f"{TIMELINESS_BY_REGION} for {', '.join(sorted(disagree))}; those were kept."
        )


def _waiting_hearing(table: _Table, out: _Output) -> None:
    """National waiting and hearing times from the MoJ waiting and hearing time tool."""
    columns = (
        ("waiting_median_weeks", "crown_waiting_median_weeks"),
        ("waiting_mean_weeks", "crown_waiting_mean_weeks"),
        ("hearing_mean_hours", "crown_hearing_mean_hours"),
        ("hearing_median_hours", "crown_hearing_median_hours"),
        ("hearing_mean_hearings", "crown_hearings_per_case"),
    )
    for row in table.rows:
        q = table.quarter_end(row)
        for column, measure in columns:
            value = table.number(row, column)
            if value is None:
                out.skip_blank(table, row, column, f"England and Wales {quarter_label(q)}")
                continue
            out.add(table, row, "quarter_end", measure, ENGLAND_AND_WALES, q, value)


def load(source_dir: Path) -> LoadResult:
    """Read a CCSQ release folder: the MoJ tool workbooks when it holds them (the gold CSVs
    beside them become a cross-check), otherwise the gold CSVs."""
    from loaders.sources import ccsq_tools  # it builds on this module's names

    if Path(source_dir).is_dir() and ccsq_tools.has_tools(source_dir):
        return ccsq_tools.load(source_dir)
    return load_gold(source_dir)


def load_gold(source_dir: Path) -> LoadResult:
    """Read one CCSQ gold release folder; any unreadable file stops the whole load."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the ccsq_crown_court folder")
    paths = [source_dir / name for name in FILES]
    # Every file is read and checked for shape before any figure is produced.
    tables = {path.name: _read_table(path, REQUIRED_COLUMNS[path.name]) for path in paths}

    out = _Output()
    out.notes += [note for table in tables.values() for note in table.notes]
    latest, national_open = _trajectory(tables[TRAJECTORY], out)
    open_latest = _by_court(tables[BY_COURT], out, latest, national_open)
    _backlog_ratio(tables[BACKLOG_RATIO], out, latest, open_latest)
    band_totals = _caseload_age(tables[CASELOAD_AGE], out)
    national_share = _age_summary(tables[AGE_SUMMARY], out, national_open, band_totals)
    _oldest_by_region(tables[OLDEST_BY_REGION], out, national_share)
    national_timeliness = _timeliness_by_region(tables[TIMELINESS_BY_REGION], out)
    _timeliness_trend(tables[TIMELINESS_TREND], out, national_timeliness)
    _waiting_hearing(tables[WAITING_HEARING], out)
    return LoadResult(
        observations=observation_frame(out.rows),
        files=paths,
        areas=list(out.areas.values()),
        notes=out.notes,
        warnings=out.warnings,
    )
