"""Strict reading of published CSV files, so every loader reports problems the same way.

A published CSV is read once with the csv module: it gives exact line numbers (quoted fields may
hold line breaks), catches rows cut short or with extra fields, and a file that stops part-way
through its last row. Every cell stays text; each loader decides what its numbers look like and
names the file, row and column of the first cell it cannot read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    if not text.endswith(("\n", "\r")):
        raise LoaderError(
            path,
            "the file ends part-way through this row (no line break after it), so it looks "
            "cut short; download it again",
            row=reader.line_num,
            column=columns[len(last) - 1],
        )
    frame = pd.read_csv(
        io.StringIO(text), dtype="str", keep_default_na=False, header=0, names=columns
    )
    if len(frame) != len(lines):  # the two parsers disagree: never guess which row is which
        raise LoaderError(path, f"pandas read {len(frame)} rows but the csv module {len(lines)}")
    return Table(path, header, frame, np.asarray(lines, dtype=np.int64))
