"""Prison Reform Trust: women's imprisonment rate by police force area, per calendar year.

PRT publish one table: women sentenced to immediate custody per 100,000 women, for each police
force area of England and Wales, one column per year. The original is an XLSX (`Sheet1`); a CSV
of the same table may sit beside it. The XLSX wins when both exist, and the two are compared
cell by cell so a stale or hand-edited CSV is noticed. The XLSX stores binary floats
(20.399999999999999), so every rate is rounded half-up to one decimal place, as PRT's table
shows it.

The Metropolitan Police row covers the City of London too (PRT's population base is the two
together). It is joined to the Met's ONS code E23000001 and the City (E23000034) has no figure
of its own; the measure definition and a load note say so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from loaders.areas import POLICE_FORCE_AREAS, force_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, observation_frame
from loaders.sources import csvfile

MEASURE_ID = "women_imprisonment_rate"
AREA_COLUMN = "Police Force Area"
CITY_OF_LONDON = "E23000034"
LAYOUT = "the Prison Reform Trust table (Police Force Area, then one column per year)"
_YEAR = re.compile(r"(19|20)\d{2}")
_NUMBER = re.compile(r"\d+(\.\d+)?")


@dataclass(frozen=True)
class Cell:
    """One published rate, with where it came from so any problem can name it."""

    area_code: str
    area_name: str
    year: int
    value: float
    row: int


def round_published(value: float) -> float:
    """Round half-up to 1 dp through the shortest decimal repr, as Excel shows the cell."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _years(path: Path, header: list, row: int = 1) -> list[int]:
    """The year columns after 'Police Force Area'; consecutive four-digit years."""
    if not header or str(header[0]).strip() != AREA_COLUMN:
        found = header[0] if header else "nothing"
        raise LoaderError(
            path,
            f"header differs from {LAYOUT}: column 1 should be '{AREA_COLUMN}' but is '{found}'",
            row=row,
            column=AREA_COLUMN,
        )
    years = []
    for i, cell in enumerate(header[1:], start=2):
        text = _cell_text(cell)
        if not _YEAR.fullmatch(text):
            raise LoaderError(
                path,
                f"header differs from {LAYOUT}: column {i} should be a year but is '{text}'",
                row=row,
                column=text or f"column {i}",
            )
        year = int(text)
        if years and year != years[-1] + 1:
            raise LoaderError(
                path,
                f"years in the header should run one after another; {year} follows {years[-1]}",
                row=row,
                column=text,
            )
        years.append(year)
    if not years:
        raise LoaderError(path, "the header has no year columns", row=row, column=AREA_COLUMN)
    return years


def _cell_text(cell) -> str:
    """A header cell as text; Excel may hold a year as the number 2014 or 2014.0."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def _rate(path: Path, raw, row: int, column: str, where: str) -> float | None:
    """A published rate: a non-negative number (text in the CSV, a number in the XLSX)."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not _NUMBER.fullmatch(text):
            raise LoaderError(
                path, f"{where}'{text}' is not a rate (a number such as 23.2)", row, column
            )
        try:
            value = float(Decimal(text))
        except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
            raise LoaderError(path, f"{where}'{text}' is not a number", row, column) from None
    if not value >= 0 or value == float("inf"):
        raise LoaderError(path, f"{where}{raw} is not a non-negative rate", row, column)
    return round_published(value)


def _cells(
    path: Path, rows: list[tuple[int, list]], years: list[int], excel: bool = False
) -> tuple[list[Cell], int]:
    """Every rate in the table, checked, and how many cells are blank; each area once."""
    cells: list[Cell] = []
    blank = 0
    seen: dict[str, int] = {}
    for row, values in rows:
        name = _cell_text(values[0])
        if not name:
            raise LoaderError(path, "the area name is blank", row=row, column=AREA_COLUMN)
        try:
            code = force_code(name, "Prison Reform Trust table")
        except UnknownAreaName as exc:
            raise LoaderError(path, str(exc), row=row, column=AREA_COLUMN) from exc
        if code not in POLICE_FORCE_AREAS:
            raise LoaderError(
                path, f"'{name}' is not a police force area of England and Wales", row, AREA_COLUMN
            )
        if code in seen:
            raise LoaderError(
                path,
                f"'{name}' is the same area as row {seen[code]}; counting both would be wrong",
                row=row,
                column=AREA_COLUMN,
            )
        seen[code] = row
        for i, (year, raw) in enumerate(zip(years, values[1:], strict=True), start=2):
            where = f"{name} {year}" + (f" (cell {get_column_letter(i)}{row})" if excel else "")
            value = _rate(path, raw, row, str(year), f"{where}: ")
            if value is None:
                blank += 1
            else:
                cells.append(Cell(code, name, year, value, row))
    expected = set(POLICE_FORCE_AREAS)
    if CITY_OF_LONDON not in seen:
        expected.discard(CITY_OF_LONDON)  # published together with the Met
    missing = sorted(expected - set(seen))
    if missing:
        names = ", ".join(POLICE_FORCE_AREAS[c] for c in missing)
        raise LoaderError(
            path,
            f"no row for {names}; the table should list every police force area (is the file "
            "cut short?)",
            row=rows[-1][0] + 1 if rows else 2,
            column=AREA_COLUMN,
        )
    return cells, blank


def read_csv(path: Path) -> tuple[list[Cell], int]:
    """The CSV edition: the same table, text cells, one row per area."""
    table = csvfile.read_csv(path, layout=LAYOUT)
    years = _years(path, table.header)
    rows = [
        (int(line), list(values))
        for line, values in zip(table.lines, table.frame.itertuples(index=False), strict=True)
    ]
    return _cells(path, rows, years)


def read_xlsx(path: Path) -> tuple[list[Cell], int]:
    """The original XLSX: the sheet whose A1 says 'Police Force Area'; numbers as stored."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or truncated zip raises several different errors
        raise LoaderError(path, f"not readable as an Excel workbook: {exc}") from None
    try:
        sheet = next(
            (ws for ws in workbook.worksheets if _cell_text(ws["A1"].value) == AREA_COLUMN),
            None,
        )
        if sheet is None:
            first = workbook.worksheets[0]["A1"].value if workbook.worksheets else None
            raise LoaderError(
                path,
                f"no sheet starts with '{AREA_COLUMN}' in cell A1 (the first sheet has '{first}')",
                row=1,
                column=AREA_COLUMN,
            )
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    header = values[0]
    while header and header[-1] is None:  # formatted but empty columns to the right
        header = header[:-1]
    years = _years(path, header)
    width = len(header)
    rows = []
    for number, row in enumerate(values[1:], start=2):
        cells, extra = row[:width], row[width:]
        if all(c is None or str(c).strip() == "" for c in row):
            continue  # formatted but empty rows below the table
        if any(c is not None and str(c).strip() != "" for c in extra):
            raise LoaderError(
                path, "this row has a value beyond the last year column", number, "(no header)"
            )
        rows.append((number, list(cells) + [None] * (width - len(cells))))
    return _cells(path, rows, years, excel=True)


def _compare(xlsx: list[Cell], csv: list[Cell], csv_path: Path) -> list[str]:
    """Cells where the CSV disagrees with the XLSX, as plain notes (the XLSX is used)."""
    ours = {(c.area_code, c.year): c for c in xlsx}
    theirs = {(c.area_code, c.year): c for c in csv}
    notes = []
    for key in sorted(ours.keys() | theirs.keys()):
        a, b = ours.get(key), theirs.get(key)
        if a and b and a.value == b.value:
            continue
        name = (a or b).area_name
        notes.append(
            f"{csv_path.name} disagrees with the XLSX for {name} {key[1]}: "
            f"{b.value if b else 'no figure'} against {a.value if a else 'no figure'}; the XLSX "
            "(the original publication) was used."
        )
    return notes


def _csv_first_cell(path: Path) -> str:
    """The first header cell of a CSV, read from its first line only."""
    with open(path, "rb") as handle:
        line = handle.readline(4096)
    text = line.decode("utf-8-sig", errors="replace").strip()
    return next(csv.reader([text]), [""])[0].strip() if text else ""


def _xlsx_has_table(path: Path) -> bool | None:
    """True when a sheet's A1 says 'Police Force Area', False when none does, None when the
    workbook cannot be opened at all (then it is read, and fails, as the table)."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return None
    try:
        return any(_cell_text(ws["A1"].value) == AREA_COLUMN for ws in workbook.worksheets)
    finally:
        workbook.close()


def _recognise(visible: list[Path]) -> tuple[list[Path], list[Path], dict[str, str]]:
    """(workbooks, CSVs) that hold the PRT table, and every other file with why it is not read.

    A file is the table when its header starts with 'Police Force Area' (a workbook: cell A1 of
    any sheet). Anything else in the folder, such as another table saved beside it, is not read
    and never fails this dataset; a file that is the table but broken still does.
    """
    workbooks, tables, other = [], [], {}
    for path in visible:
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            if _xlsx_has_table(path) is False:
                other[path.name] = f"no sheet starts with '{AREA_COLUMN}' in A1: another table"
            else:
                workbooks.append(path)
        elif suffix == ".csv":
            first = _csv_first_cell(path)
            if first == AREA_COLUMN:
                tables.append(path)
            else:
                other[path.name] = (
                    f"its first column is '{first[:60]}', not '{AREA_COLUMN}': another table"
                )
        else:
            other[path.name] = "only the .xlsx table and a .csv copy of it are read"
    return workbooks, tables, other


def load(source_dir: Path) -> LoadResult:
    """The rate per force area and year, from the XLSX if present, else from the CSV."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the female_offenders folder")
    visible = sorted(
        p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))
    )
    workbooks, tables, other = _recognise(visible)
    if not workbooks and not tables:
        candidates = [p for p in visible if p.suffix.lower() in {".xlsx", ".csv"}]
        if len(candidates) == 1:  # the only table here: read it, so its problem is named
            other.pop(candidates[0].name)
            (workbooks if candidates[0].suffix.lower() == ".xlsx" else tables).append(candidates[0])
    for found, kind in ((workbooks, "XLSX"), (tables, "CSV")):
        if len(found) > 1:
            raise LoaderError(
                source_dir,
                f"{len(found)} {kind} files hold the table ({', '.join(p.name for p in found)}); "
                "keep only the latest edition of the table so no year is read twice",
            )
    if not workbooks and not tables:
        listed = "; ".join(f"{name}: {why}" for name, why in other.items()) or "the folder is empty"
        raise LoaderError(
            source_dir,
            f"no Prison Reform Trust table found: expected an .xlsx or .csv file ({listed})",
        )
    notes: list[str] = []
    warnings: list[str] = []
    if workbooks:
        cells, blank = read_xlsx(workbooks[0])
        if tables:
            warnings += _compare(cells, read_csv(tables[0])[0], tables[0])
    else:
        cells, blank = read_csv(tables[0])
    if not any(c.area_code == CITY_OF_LONDON for c in cells):
        notes.append(
            "The Metropolitan Police row includes the City of London; it is stored under the "
            "Met's code E23000001 and the City has no figure of its own."
        )
    rows = [
        {
            "measure_id": MEASURE_ID,
            "area_code": c.area_code,
            "period_start": date(c.year, 1, 1),
            "period_end": date(c.year, 12, 31),
            "period_type": "year",
            "value": c.value,
            "breakdown": {},
        }
        for c in cells
    ]
    if blank:
        notes.append(f"{blank} cells of the table are blank (no rate published); none is stored.")
    return LoadResult(
        observations=observation_frame(rows),
        files=workbooks + tables,
        notes=notes,
        warnings=warnings,
        unrecognised=other,
    )
