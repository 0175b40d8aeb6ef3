"""Spreadsheet-safe output: text a spreadsheet would run as a formula is written as plain text.

Excel, LibreOffice and Google Sheets treat a cell that starts with = + - @ (or a tab or carriage
return in front of one) as a formula, so an action owner typed as `=cmd|' /C calc'!A0` would run when
the CSV is opened (OWASP "CSV injection"). Every CSV and XLSX the product writes passes its text
cells through `safe_cell`, which puts an apostrophe in front: the cell then shows the text exactly as
typed. Numbers stay numbers (a negative change is still -3, not text); only text is defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value to write in a cell: text that would start a formula gets a leading apostrophe;
    anything that is not text (numbers, dates, None) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell (and column name) defused; numeric columns keep
    their numbers."""
    safe = frame.copy()
    safe.columns = [safe_cell(c) for c in safe.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    return safe


def csv_text(header: Iterable, rows: Iterable[Iterable], *, lineterminator: str = "\n") -> str:
    """CSV text with every text cell defused, header included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue()


def is_unsafe(value) -> bool:
    """For tests and checks: would a spreadsheet run this cell as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)
