"""Bytes of a submitted CSV or XLSX file into one table of text cells, rows numbered as a
spreadsheet numbers them.

Everything a partner's software might produce is read the same way: UTF-8 with or without a
byte-order mark, Windows-1252 (Excel's "CSV" on a UK PC: '£', '–'), UTF-16, semicolon or tab
separators, title rows above the header, and Excel workbooks whose cells hold numbers or dates
rather than text. Whatever cannot be read safely (a cut-off file, a row with a value too many or
too few, a binary file) is reported as a Problem, never guessed at.

A CSV is parsed twice: one streaming pass of the csv module counts each record's values (so a
misaligned row is caught and named) and pandas' C parser reads the cells, which keeps a 50 MB
file to a few seconds and a few hundred megabytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice

import numpy as np
import pandas as pd

from loaders.submissions.problems import ProblemList

HEADER_SEARCH_ROWS = 10  # title rows a partner may put above the header
# An .xlsx is a zip of XML: a small file may unpack to hundreds of megabytes, which the reader
# would parse for minutes. Its declared sizes are read from the zip's directory and refused
# above these before any XML is parsed (then the real sizes are counted as it unpacks).
XLSX_MAX_UNPACKED = 100 * 1024 * 1024  # SUBMISSION_MAX_UNPACKED_MB
XLSX_MAX_RATIO = 100  # unpacked / packed; spreadsheet XML packs about 5 to 20 times
SUFFIXES = {".csv": "CSV file", ".xlsx": "Excel workbook"}
# What a spreadsheet runs as a formula when it opens the cell (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576  # a worksheet cannot hold more; a file that does is not from Excel
_CHUNK_ROWS = 100_000
CSV, XLSX = "CSV file", "Excel workbook"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


@dataclass
class RawTable:
    """A file's header and data cells as text ('' for blank), before any template check."""

    name: str
    kind: str
    encoding: str = ""
    header_row: int = 1
    header: list[str] = field(default_factory=list)
    cells: pd.DataFrame | None = None  # None when the file could not be read safely
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    problems: ProblemList = field(default_factory=ProblemList)
    notes: list[str] = field(default_factory=list)
    # Per column position, which data cells (as sent, before trimming) a spreadsheet would run
    # as a formula; checking.py tells the sender, and they are only ever kept as text.
    formula_like: dict[int, np.ndarray] | None = None


def normalise_header(text: str) -> str:
    """'Area code ' and 'AREA-CODE' both mean area_code."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")


def column_letter(position: int) -> str:
    """0 → A, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def detect_kind(data: bytes) -> str:
    """An Excel workbook is a zip archive; anything else is read as CSV text."""
    return XLSX if data.startswith(_ZIP) else CSV


def kind_problem(name: str, data: bytes) -> str | None:
    """Why a file's name and content disagree, or None: only .csv text and .xlsx workbooks."""
    suffix = "." + name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""
    if suffix not in SUFFIXES:
        shown = f"a '{suffix}' file" if suffix else "a file with no extension"
        return (
            f"{name} is {shown}. Only CSV (.csv) and Excel workbook (.xlsx) files are accepted: "
            "save the template as one of those and upload it again."
        )
    if data.startswith(_OLE) or not data.strip():
        return None  # reported with advice by read_table
    content = detect_kind(data)
    if content != SUFFIXES[suffix]:
        return (
            f"{name} is named {suffix} but holds {'an ' if content == XLSX else 'a '}"
            f"{content}: the name and the content must agree. Save it again from your "
            "spreadsheet as CSV (.csv) or Excel Workbook (.xlsx) and upload that."
        )
    return None


def xlsx_size_problem(
    data: bytes, max_unpacked: int = XLSX_MAX_UNPACKED, max_ratio: int = XLSX_MAX_RATIO
) -> str | None:
    """Why a workbook is refused before it is parsed (its sizes), or None.

    The zip directory states each part's packed and unpacked size; those are checked first (no
    decompression). Then every part is unpacked into nothing, counting bytes, and stopped as soon
    as the count passes the limit, so a directory that understates sizes gains nothing. Either
    way a refusal takes well under a second.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # reported by the workbook reader, which says what is wrong with it
    limit = f"{max_unpacked / 1024 / 1024:,.0f} MB"
    with archive:
        parts = archive.infolist()
        declared = sum(part.file_size for part in parts)
        packed = max(sum(part.compress_size for part in parts), 1)
        if declared > max_unpacked or declared > packed * max_ratio:
            return (
                f"The workbook unpacks to {declared / 1024 / 1024:,.0f} MB of spreadsheet data "
                f"(from {len(data) / 1024:,.0f} KB); workbooks may unpack to at most {limit}"
                f" and {max_ratio} times their size. It was not opened. Send the periods that "
                "are new or changed, or save it as CSV."
            )
        total = 0
        for part in parts:
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(1 << 20):
                        total += len(chunk)
                        if total > max_unpacked or total > packed * max_ratio:
                            return (
                                "The workbook unpacks to more than its directory says, and more "
                                f"than {limit}; it was not opened. Save it again from Excel, "
                                "or as CSV, and upload that."
                            )
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
                return None  # damaged: the workbook reader reports it
    return None


def read_table(
    name: str,
    data: bytes,
    expected_columns: Sequence[str],
    *,
    max_unpacked: int = XLSX_MAX_UNPACKED,
) -> RawTable:
    """Read a CSV or XLSX file; `expected_columns` helps find the header below any title rows.

    The file's name must say what it holds (.csv or .xlsx, and the content must agree), and a
    workbook's unpacked size is checked before any of it is parsed.
    """
    expected = {normalise_header(c) for c in expected_columns}
    mismatch = kind_problem(name, data)
    if mismatch:
        table = RawTable(name, XLSX if detect_kind(data) == XLSX else CSV)
        table.problems.add(None, None, mismatch)
        return table
    if not data.strip():
        table = RawTable(name, CSV)
        table.problems.add(
            None,
            None,
            "The file is empty. Download the template, fill in one row per "
            "area and period, and upload it again.",
        )
        return table
    if data.startswith(_OLE):
        table = RawTable(name, XLSX)
        table.problems.add(
            None,
            None,
            "This is an old-style Excel workbook (.xls). Open it in Excel and save it as an "
            "Excel Workbook (.xlsx) or as CSV, then upload that.",
        )
        return table
    if detect_kind(data) == XLSX:
        too_big = xlsx_size_problem(data, max_unpacked)
        if too_big:
            table = RawTable(name, XLSX)
            table.problems.add(None, None, too_big)
            return table
        return _read_xlsx(name, data, expected)
    return _read_csv(name, data, expected)


# ---- finding the header -------------------------------------------------------------------------


def _find_header(records: list[list[str]], expected: set[str]) -> int | None:
    """Index of the first record naming at least two template columns, else the first non-blank."""
    first_filled = None
    for index, record in enumerate(records):
        names = {normalise_header(cell) for cell in record if cell.strip()}
        if not names:
            continue
        if first_filled is None:
            first_filled = index
        if len(names & expected) >= min(2, len(expected)):
            return index
    return first_filled


def _split_header(table: RawTable, head: list[list[str]], index: int, expected: set[str]) -> bool:
    """True (and a problem) when column names continue on the row below the header: a two-row
    header, the usual result of merged heading cells above the real column names."""
    if index + 1 >= len(head):
        return False
    above = {normalise_header(c) for c in head[index] if c.strip()}
    below = sorted({normalise_header(c) for c in head[index + 1] if c.strip()} & expected - above)
    if not below:
        return False
    table.problems.add(
        index + 2,
        None,
        f"The header takes two rows: {', '.join(below)} "
        f"{'is' if len(below) == 1 else 'are'} in row {index + 2}, under merged headings in row "
        f"{index + 1}. Use a single header row with one template column name in each column, "
        "as in the template, and no merged cells.",
    )
    return True


def _header_width(header: list[str]) -> int:
    """Columns up to the last named one; spreadsheets pad rows with empty cells after it."""
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    return width


def _title_note(table: RawTable, header_index: int) -> None:
    if header_index == 1:
        table.notes.append("Row 1, above the header, was read as a title and ignored.")
    elif header_index:
        table.notes.append(
            f"Rows 1 to {header_index}, above the header, were read as titles and ignored."
        )


# ---- CSV --------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-16 or UTF-8 by their marks, else UTF-8, else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        encoding = "UTF-8 with a byte-order mark" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
        return data.decode("utf-8-sig"), encoding
    except UnicodeDecodeError:
        pass
    # Excel's plain "CSV" on a UK Windows PC; undefined bytes are left for the NUL/binary check.
    return data.decode("cp1252", errors="replace"), "Windows-1252"


_PANDAS_ENCODINGS = {
    "UTF-8": "utf-8",
    "UTF-8 with a byte-order mark": "utf-8-sig",
    "Windows-1252": "cp1252",
    "UTF-16": "utf-16",
}


def _lines(text: str):
    """The text line by line, each with its line break, without copying the whole of it."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _delimiter(first_line: str) -> str:
    """Comma, unless the header line plainly uses semicolons or tabs (European Excel, TSV)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _read_csv(name: str, data: bytes, expected: set[str]) -> RawTable:
    text, encoding = _decode(data)
    table = RawTable(name, CSV, encoding)
    if "\x00" in text or "\ufffd" in text:
        table.problems.add(
            None,
            None,
            "This does not look like a CSV file: it contains bytes that are not text. Upload "
            "the CSV or .xlsx file saved from the template.",
        )
        return table
    if not text or text.isspace():
        table.problems.add(None, None, "The file is empty (it holds only spaces or blank lines).")
        return table
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        # Lines ended by a lone carriage return (old Mac files): read them as ordinary lines.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        data, encoding = text.encode("utf-8"), "UTF-8"
    start = 0
    while text[start] in "\r\n":  # the text is not blank, so a line with something follows
        start += 1
    end = text.find("\n", start)
    delimiter = _delimiter(text[start : end if end >= 0 else len(text)])
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    head: list[list[str]] = []
    try:
        head.extend(islice(reader, HEADER_SEARCH_ROWS))
    except csv.Error as exc:
        _unreadable(table, len(head) + 1, exc)
        return table
    header_index = _find_header(head, expected)
    if header_index is None:
        table.problems.add(
            None, None, "The file has no header row and no data: every line is blank."
        )
        return table
    if _split_header(table, head, header_index, expected):
        return table
    _title_note(table, header_index)
    table.header = [cell.strip() for cell in head[header_index]]
    table.header_row = header_index + 1
    width = _header_width(table.header)
    table.header = table.header[:width]

    # Pass 1: every record's shape, streamed so memory stays flat on a large file.
    structural = ProblemList()
    widest = max(len(record) for record in head)
    records, length = header_index + 1, 0
    shapes = _line_shapes(data, encoding, delimiter)
    if shapes is not None:
        counts, line = shapes
        records, length = len(counts), int(counts[-1])
        widest = max(widest, int(counts.max()))
        for index in np.flatnonzero(counts[header_index + 1 :] != width) + header_index + 1:
            record = line(int(index)).split(delimiter)
            _check_shape(structural, int(index) + 1, record, width, table.header)
    else:
        try:
            rest = chain(head[header_index + 1 :], reader)
            for records, record in enumerate(rest, header_index + 2):  # noqa: B007 (used below)
                length = len(record)
                if length != width:  # the usual row needs nothing more than this comparison
                    widest = max(widest, length)
                    _check_shape(structural, records, record, width, table.header)
        except csv.Error as exc:
            _unreadable(table, records + 1, exc)
            return table
    if structural:
        table.problems.merge(structural)
        return table
    if not text.endswith(("\n", "\r")) and records > header_index + 1:
        column = table.header[min(length, width) - 1] if length else None
        table.problems.add(
            records,
            column,
            "The file ends part-way through this row (there is no line break after it), so it "
            "may have been cut short. Check the row is complete, save the file again from your "
            "spreadsheet and upload it again.",
        )

    # Pass 2: the cells themselves, through pandas' C parser.
    frame = pd.read_csv(
        # The bytes as they came, decoded by pandas: a StringIO copy of a 50 MB text costs 200 MB.
        io.BytesIO(data),
        encoding=_PANDAS_ENCODINGS[encoding],
        sep=delimiter,
        header=None,
        names=range(max(widest, 1)),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
    )
    if len(frame) != records:
        table.problems.add(
            None,
            None,
            f"The file could not be read consistently ({len(frame):,} rows one way, {records:,} "
            "another). Save it again from your spreadsheet as CSV and upload it again.",
        )
        return table
    _set_cells(table, frame.iloc[header_index + 1 :, :width], header_index + 2)
    return table


def _line_shapes(data: bytes, encoding: str, delimiter: str):
    """(values per line, a function giving line i's text) for a file with no quoted values.

    Without quote marks a CSV record is exactly one line, so its values are its separators plus
    one (a blank line counts as none). This is the usual partner file, and counting on the raw
    bytes is many times faster than the csv module, and only the lines with the wrong count are
    ever decoded. A file with quotes, lone carriage returns, or in UTF-16 gives None and is read
    record by record instead.
    """
    if encoding == "UTF-16" or b'"' in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = np.frombuffer(data, dtype=np.uint8)[offset:]
    newlines = np.flatnonzero(body == 10)
    ends = newlines
    if not len(newlines) or newlines[-1] != len(body) - 1:
        ends = np.append(newlines, len(body))
    separators = np.flatnonzero(body == ord(delimiter))
    counts = np.bincount(np.searchsorted(ends, separators), minlength=len(ends)) + 1
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts - (body[np.maximum(ends - 1, 0)] == 13)  # less a CR before the LF
    counts[(lengths == 0) & (counts == 1)] = 0  # a blank line has no values
    codec = _PANDAS_ENCODINGS[encoding]

    def line(index: int) -> str:
        raw = data[offset + starts[index] : offset + ends[index]]
        return raw.decode(codec, errors="replace").rstrip("\r")

    return counts, line


def _unreadable(table: RawTable, row: int, exc: csv.Error) -> None:
    table.problems.add(
        row,
        None,
        f'The file cannot be read as CSV from this row on ({exc}). A quote mark (") may be '
        "missing, or the file may be cut short.",
    )


def _check_shape(
    problems: ProblemList, row: int, record: list[str], width: int, header: list[str]
) -> None:
    """A row must give one value per named column; spreadsheets' trailing empties are fine."""
    if not any(cell.strip() for cell in record):
        return
    if len(record) < width:
        problems.add_rows(
            [row],
            header[len(record)],
            lambda _i: (
                f"This row has {len(record)} values but the header names {width} columns "
                f"(nothing for {', '.join(header[len(record) : width])}). A comma may be "
                "missing, or the row is cut short."
            ),
            what="a row has fewer values than the header has columns",
        )
    elif any(cell.strip() for cell in record[width:]):
        extra = next(i for i in range(width, len(record)) if record[i].strip())
        problems.add_rows(
            [row],
            f"column {column_letter(extra)}",
            lambda _i: (
                f"This row has a value ('{record[extra].strip()[:40]}') in column "
                f"{column_letter(extra)}, which has no name in the header. A value may contain "
                "an unquoted comma, or the heading above it may be merged with its neighbour "
                "(unmerge it so every column has its own name)."
            ),
            what="a row has a value beyond the last named column",
        )


def _set_cells(table: RawTable, cells: pd.DataFrame, first_row: int) -> None:
    """Keep rows with anything in them, stripped, with their spreadsheet row numbers."""
    cells = cells.reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    rows = np.arange(first_row, first_row + len(cells), dtype="int64")
    if cells.shape[1] == 0:
        table.cells, table.rows = cells, rows[:0]
        return
    stripped = cells.apply(lambda column: column.str.strip())
    filled = (stripped != "").any(axis=1).to_numpy()
    table.cells = stripped[filled].reset_index(drop=True)
    table.rows = rows[filled]
    table.formula_like = {
        position: cells[position].str.startswith(FORMULA_START).to_numpy(dtype=bool)[filled]
        for position in cells.columns
    }


# ---- XLSX -------------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """An Excel cell as the text a person would type: 12 not 12.0, 2025-03-01 not a datetime."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(name: str, data: bytes, expected: set[str]) -> RawTable:
    import openpyxl  # only needed for workbooks

    table = RawTable(name, XLSX)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        table.problems.add(
            None,
            None,
            f"The file cannot be opened as an Excel workbook (.xlsx): {exc}. Save it again from "
            "Excel as an Excel Workbook, or as CSV, and upload it again.",
        )
        return table
    try:
        # The template's own sheet first; then any sheet whose header names template columns;
        # failing that, the first sheet with anything in it, so its header can be reported.
        sheets = sorted(workbook.worksheets, key=lambda ws: ws.title.strip().lower() != "data")
        fallback = None
        for sheet in sheets:
            head = _head(sheet)
            header_index = _find_header(head, expected)
            if header_index is None:
                continue
            if _names_template_columns(head[header_index], expected):
                if not _split_header(table, head, header_index, expected):
                    _read_sheet(table, sheet, header_index, multiple=len(sheets) > 1)
                return table
            fallback = fallback or (sheet, header_index)
        if fallback is None:
            table.problems.add(None, None, "The workbook has no data: every sheet is empty.")
        else:
            _read_sheet(table, fallback[0], fallback[1], multiple=len(sheets) > 1)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        table.problems.add(None, None, f"The workbook could not be read: {exc}.")
    finally:
        workbook.close()
    return table


def _head(sheet) -> list[list[str]]:
    rows = sheet.iter_rows(values_only=True)
    return [[cell_text(v) for v in row] for row in islice(rows, HEADER_SEARCH_ROWS)]


def _names_template_columns(record: list[str], expected: set[str]) -> bool:
    names = {normalise_header(cell) for cell in record if cell.strip()}
    return len(names & expected) >= min(2, len(expected))


def _read_sheet(table: RawTable, sheet, header_index: int, *, multiple: bool) -> None:
    """Read one worksheet below its header row (a read-only sheet streams, row by row)."""
    _title_note(table, header_index)
    if multiple:
        table.notes.append(f"Figures were read from the sheet '{sheet.title}'.")
    rows = sheet.iter_rows(values_only=True)
    header = [cell_text(v) for v in next(islice(rows, header_index, None))]
    width = _header_width(header)
    table.header = [c.strip() for c in header[:width]]
    table.header_row = header_index + 1
    structural = ProblemList()
    chunks: list[pd.DataFrame] = []
    columns: list[list[str]] = [[] for _ in range(width)]
    numbers: list[int] = []
    for row_number, raw in enumerate(rows, header_index + 2):
        if row_number > EXCEL_MAX_ROWS:
            table.problems.add(
                row_number,
                None,
                f"The sheet goes on past row {EXCEL_MAX_ROWS:,}, the most Excel itself allows; "
                "this is not a workbook saved by Excel.",
            )
            return
        values = [cell_text(v) for v in raw]
        if not any(values):
            continue
        if any(values[width:]):
            _check_shape(structural, row_number, values, width, table.header)
            continue
        values += [""] * (width - len(values))
        for position in range(width):
            columns[position].append(values[position])
        numbers.append(row_number)
        if len(columns[0]) == _CHUNK_ROWS:  # keep Python's own strings to one chunk at a time
            chunks.append(_chunk(columns))
            columns = [[] for _ in range(width)]
    if structural:
        table.problems.merge(structural)
        return
    chunks.append(_chunk(columns))
    table.cells = pd.concat(chunks, ignore_index=True)
    table.rows = np.asarray(numbers, dtype="int64")
    # Cells arrive trimmed (cell_text), so a leading tab is already gone; the rest are caught.
    table.formula_like = {
        position: table.cells[position].str.startswith(FORMULA_START).to_numpy(dtype=bool)
        for position in table.cells.columns
    }


def _chunk(columns: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {position: pd.Series(cells, dtype="str") for position, cells in enumerate(columns)}
    )
