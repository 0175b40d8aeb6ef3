"""Strict reading of published CSV files, so every loader reports problems the same way.

A published CSV is read once with the csv module: it gives exact line numbers (quoted fields may
hold line breaks), catches rows cut short or with extra fields, and a file that stops part-way
through its last row. Several publishers end a complete file without a final line break; such
a file is read when its last row is whole (every field, no open quote, no value that is only the
start of one the column uses), and refused, saying so, when it is not. Every cell stays text; each loader decides what its numbers look like and
names the file, row and column of the first cell it cannot read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import LoaderError

_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}


@dataclass
class Table:
    """One CSV file as text cells, with each data row's line number for error messages."""

    path: Path
    header: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    notes: list[str] = field(default_factory=list)

    def error(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        message: str | Callable[[pd.Series], str],
    ) -> LoaderError:
        """An error at the first row where mask is true; message may use that row's values."""
        index = int(np.flatnonzero(np.asarray(mask))[0])
        return self.row_error(index, column, message)

    def row_error(
        self, index: int, column: str, message: str | Callable[[pd.Series], str]
    ) -> LoaderError:
        """An error at data row `index` (0-based), reported with its line number in the file."""
        text = message(self.frame.iloc[index]) if callable(message) else message
        return LoaderError(self.path, text, row=int(self.lines[index]), column=column)


def decode(path: Path, data: bytes, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """Bytes as text in the first encoding that fits; otherwise name the line that does not."""
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    line = data[: first_error.start].count(b"\n") + 1
    wanted = " or ".join(_ENCODING_NAMES.get(e, e) for e in encodings)
    raise LoaderError(path, f"file is not {wanted} text", row=line) from None


def header_mismatch(path: Path, header: list[str], expected: list[str], layout: str) -> LoaderError:
    """Name the first header cell that differs from the layout the loader knows."""
    i = next(i for i in range(len(header) + 1) if i >= len(expected) or header[i] != expected[i])
    if i >= len(expected):
        column, found = header[i], f"an extra column '{header[i]}'"
    else:
        column = expected[i]
        found = f"'{header[i]}'" if i < len(header) else "nothing"
    return LoaderError(
        path,
        f"header differs from {layout}: column {i + 1} should be "
        f"'{expected[i] if i < len(expected) else '(none)'}' but is {found}",
        row=1,
        column=column,
    )


def read_csv(
    path: Path,
    *,
    layout: str,
    expected_header: list[str] | None = None,
    encodings: Sequence[str] = ("utf-8-sig",),
) -> Table:
    """Read a CSV whose every row has the header's width; a cut-off file is refused.

    `expected_header` makes the header an exact match; otherwise the caller checks the header
    (and may rename the frame's columns, for headers with blank or mislabelled cells).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoaderError(path, f"cannot be read: {exc.strerror or exc}") from None
    text = decode(path, data, encodings)
    first_column = (expected_header or ["(first column)"])[0]
    if not text.strip():
        raise LoaderError(path, "file is empty; expected a header row", row=1, column=first_column)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise LoaderError(path, f"header is not readable as CSV: {exc}", row=1) from None
    if expected_header is not None and header != expected_header:
        raise header_mismatch(path, header, expected_header, layout)
    # Column names for messages and the frame; a repeated header cell (which the caller's own
    # header check reports) would make the frame ambiguous, so columns are then numbered.
    columns = (
        header
        if len(set(header)) == len(header)
        else [f"column {i + 1}" for i in range(len(header))]
    )
    # pandas pads a short row with empty strings, which would hide a cut-off row, so field
    # counts and line numbers come from this quick pass; pandas' C parser builds the frame.
    width = len(header)
    lines: list[int] = []
    last = header
    try:
        for record in reader:
            if not record:
                continue  # blank lines carry no figures; pandas skips them too
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
    frame = pd.read_csv(
        io.StringIO(text), dtype="str", keep_default_na=False, header=0, names=columns
    )
    if len(frame) != len(lines):  # the two parsers disagree: never guess which row is which
        raise LoaderError(path, f"pandas read {len(frame)} rows but the csv module {len(lines)}")
    notes = []
    if last is not header:
        note = final_row_check(
            path, text, columns, last, reader.line_num, lambda i: frame.iloc[:-1, i]
        )
        notes += [note] if note else []
    return Table(path, header, frame, np.asarray(lines, dtype=np.int64), notes)


def _shape(value: str) -> str:
    """How a value is written: '1678.0' → '9.9', 'Q4' → 'a9', '2025-12-31' → '9-9-9'."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", value.strip()))


def final_row_check(
    path: Path,
    text: str,
    columns: list[str],
    last: list[str],
    line: int,
    earlier_values: Callable[[int], Sequence[str]],
) -> str | None:
    """A file without a final line break: a note when its last row is whole, else refused.

    The caller has already checked the row has every field. It is cut mid-row when its last
    field opens a quote it never closes, when its last value is not one the column uses but
    the start of one (a column of a few repeated labels, cut part-way through a label), or when
    it is not written like every other value of the column ('670' where each is like '1678.0').
    `earlier_values(i)` gives column i's values in the rows before the last.
    """
    if text.endswith(("\n", "\r")):
        return None
    column = columns[len(last) - 1]
    tail = text[text.rfind("\n") + 1 :]
    if tail.count('"') % 2:
        raise LoaderError(
            path,
            "the file is cut mid-row: it ends inside a quoted value with no closing quote "
            "(and no line break after it); download it again",
            row=line,
            column=column,
        )
    value = last[-1]
    seen = pd.unique(pd.Series(earlier_values(len(last) - 1), dtype="str"))
    shapes = {_shape(v) for v in seen if v}
    if value and len(seen) >= 5 and len(shapes) <= 3 and _shape(value) not in shapes:
        example = next(v for v in seen if v)
        raise LoaderError(
            path,
            f"the file is cut mid-row: its last value '{value}' is not written like the rest "
            f"of the column (such as '{example}') and no line break follows it; download it "
            "again",
            row=line,
            column=column,
        )
    if value and 0 < len(seen) <= 100 and value not in set(seen):
        longer = sorted(v for v in seen if v.startswith(value) and v != value)
        if longer:
            raise LoaderError(
                path,
                f"the file is cut mid-row: its last value '{value}' is not one this column uses "
                f"but the start of '{longer[0]}' (and no line break follows it); download it "
                "again",
                row=line,
                column=column,
            )
    return (
        f"{path.name}: no line break after the last row (line {line}), but that row is "
        f"complete ({len(last)} fields), so the whole file was read."
    )
