"""The board pack's Excel appendix: the data behind every chart, one sheet per measure.

A contents sheet says what the pack is and links to each measure's sheet; each measure sheet holds
the chart's table as presented (period, value, mean, process limits, signal, notes) as numbers a
reader can check or chart again; an actions sheet lists the action log the pack printed. Text
typed by people (action owners, notes, commentary) is written so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from layouts.packs import text
from loaders.spreadsheet_safety import safe_cell

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
ACTION_COLUMNS = [
    "Measure",
    "Action",
    "Owner",
    "Due",
    "Status",
    "Overdue",
    "Raised at",
    "Signal",
    "Update",
]


def pack_xlsx(content: dict) -> bytes:
    book = Workbook()
    properties = text.document_properties(content, ": data appendix")
    properties["creator"] = properties.pop("author")
    for name, value in properties.items():
        setattr(book.properties, name, value)
    _contents(book.active, content)
    for number, measure in enumerate(m for m in content["measures"] if m["has_figures"]):
        _measure(book.create_sheet(measure["sheet"]), measure, content, number)
    _actions(book.create_sheet("Actions"), content)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _header(sheet, row: int, names: list[str], *, freeze: bool = True) -> None:
    for column, name in enumerate(names, start=1):
        sheet.cell(row=row, column=column, value=safe_cell(name)).font = BOLD
    if freeze:  # keep the column names in view while scrolling the figures
        sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _table(sheet, name: str, first_row: int, columns: int, rows: int) -> None:
    """Mark the block as an Excel table, so screen readers announce its column headers."""
    if rows == 0:
        return
    ref = f"A{first_row}:{get_column_letter(columns)}{first_row + rows}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)


def _contents(sheet, content: dict) -> None:
    sheet.title = "Contents"
    sheet["A1"] = safe_cell(content["report"]["title"])
    sheet["A1"].font = Font(bold=True, size=14)
    row = 2
    for label, value in text.cover_lines(content):
        sheet.cell(row=row, column=1, value=safe_cell(label)).font = BOLD
        sheet.cell(row=row, column=2, value=safe_cell(value)).alignment = WRAP
        row += 1
    row += 1
    columns = ["Measure", "Section", "Area", "Period", "Latest figure", "Reading", "Sheet"]
    _header(sheet, row, columns, freeze=False)
    first = row
    for measure in content["measures"]:
        row += 1
        tile = measure["tile"]
        values = [
            measure["title"],
            measure["section"],
            measure["area_name"] or "–",
            tile.get("period", "") or "–",
            tile.get("value", "") or "No figures loaded yet",
            measure["reading"] or measure["summary"],
            measure["sheet"] or "–",
        ]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=safe_cell(value)).alignment = WRAP
        if measure["sheet"]:
            link = sheet.cell(row=row, column=len(columns))
            link.hyperlink = f"#'{measure['sheet']}'!A1"
            link.style = "Hyperlink"
    _table(sheet, "Measures", first, len(columns), row - first)
    _widths(sheet, [44, 30, 28, 24, 22, 70, 32])


def _measure(sheet, measure: dict, content: dict, number: int) -> None:
    sheet["A1"] = safe_cell(measure["title"])
    sheet["A1"].font = Font(bold=True, size=13)
    lines = [
        text.measure_context(measure),
        measure["summary"],
        measure["source_line"],
        f"As presented in pack {content['reference']}, generated {content['generated_at_local']} "
        "(UK time).",
    ]
    for row, line in enumerate(lines, start=2):
        sheet.cell(row=row, column=1, value=safe_cell(line))
    first = len(lines) + 3
    columns = measure["table"]["columns"]
    _header(sheet, first, columns)
    for offset, values in enumerate(measure["table"]["rows"], start=1):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=first + offset, column=column, value=safe_cell(value))
    _table(sheet, f"Data{number + 1}", first, len(columns), len(measure["table"]["rows"]))
    _widths(sheet, [16, 14, 14, 14, 14, 34, 48])


def _actions(sheet, content: dict) -> None:
    _header(sheet, 1, ACTION_COLUMNS)
    for row, action in enumerate(content["actions"], start=2):
        values = [
            action["measure_title"],
            action["title"],
            action["owner"],
            date.fromisoformat(action["due"]),
            action["status_label"],
            text.OVERDUE if action["overdue"] else "",
            action["meeting"] or "",
            action["signal"] or "",
            action["update_note"] or "",
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=safe_cell(value))
            cell.alignment = WRAP
            if isinstance(value, date):
                cell.number_format = "DD MMM YYYY"
    _table(sheet, "ActionLog", 1, len(ACTION_COLUMNS), len(content["actions"]))
    _widths(sheet, [36, 50, 24, 14, 14, 12, 30, 30, 40])
