"""The blank templates partners download: a CSV header, and an Excel workbook with a
data-dictionary sheet, a sheet of allowed codes and drop-down lists on the data sheet.

A filled-in workbook goes straight back through the upload page: its first sheet ("Data") has the
template's column names in row 1 and is read by the same checks as a CSV.
"""

from __future__ import annotations

import csv
import io

from loaders.measures import MEASURES
from loaders.spreadsheet_safety import safe_cell, safe_row
from loaders.submissions.reading import column_letter
from loaders.submissions.templates import (
    AREA,
    CODE,
    COUNT,
    KIND_NAMES,
    NUMBER,
    PERIOD,
    TEXT,
    Column,
    Template,
)

DATA_SHEET, DICTIONARY_SHEET, CODES_SHEET = "Data", "Data dictionary", "Codes"
DICTIONARY_HEADER = ["column", "meaning", "type", "unit", "required", "allowed values", "example"]
FORMATTED_ROWS = 2000  # rows of the data sheet given text formats and drop-down lists


def allowed_values(template: Template, column: Column) -> str:
    """What a column accepts, in words, for the data dictionary."""
    if column.kind == AREA:
        kinds = {
            "police_force_area": "ONS police force area codes",
            "crown_court": "Crown Court centre codes",
        }
        return " or ".join(kinds[t] for t in column.allowed) + " (listed on the Codes sheet)"
    if column.kind == PERIOD:
        return f"{template.period.pattern}: {template.period.description}"
    if column.kind == CODE:
        codes = ", ".join(column.allowed)
        return codes if len(codes) <= 120 else "one of the codes listed on the Codes sheet"
    if column.kind == COUNT:
        return "a whole number, 0 or more"
    if column.kind == NUMBER:
        return "a number, 0 or more"
    if column.kind == TEXT and column.max_length:
        return f"any text, up to {column.max_length:,} characters"
    return "any text"


def data_dictionary(template: Template) -> list[dict[str, str]]:
    """One entry per column: what the page and the workbook both show."""
    return [
        {
            "column": c.name,
            "meaning": c.meaning,
            "type": KIND_NAMES[c.kind],
            "unit": c.unit,
            "required": "yes" if c.required else "no",
            "allowed values": allowed_values(template, c),
            "example": c.example,
        }
        for c in template.columns
    ]


def rules(template: Template) -> list[str]:
    """The row rules in words, for the dictionary sheet and the upload page."""
    keys = " and ".join([", ".join(template.keys[:-1]), template.keys[-1]])
    lines = [
        f"Each combination of {keys} may appear only once in a file.",
        "Every period must have ended before the file is sent; no period may be in the future.",
        "Counts are whole numbers, 0 or more. Leave a cell blank when a figure is not known; "
        "never write 0 for unknown.",
    ]
    for numerator, denominator in template.pairs:
        lines.append(f"{numerator} may not be larger than {denominator}.")
    for rule in template.sums:
        parts = " + ".join(rule.parts)
        relation = "must equal" if rule.exact else "may not be more than"
        lines.append(f"{parts} {relation} {rule.total}.")
    if template.measure_column:
        lines.append(
            "A rate (a measure in percent) is given as numerator and denominator with value "
            "blank; a count or a time is given as value with numerator and denominator blank."
        )
    lines.append(
        "A file replaces every figure for each area and period it contains; areas and periods it "
        "does not contain keep the figures sent before."
    )
    return lines


def code_lists(template: Template) -> dict[str, list[tuple[str, str]]]:
    """For each column with a fixed list: (code, what it means) pairs for the Codes sheet."""
    lists: dict[str, list[tuple[str, str]]] = {}
    for column in template.columns:
        if column.kind == AREA:
            lists[column.name] = sorted(template.area_codes().items())
        elif column.kind == CODE:
            lists[column.name] = [
                (code, MEASURES[code].title if code in MEASURES else code)
                for code in column.allowed
            ]
    return lists


def template_csv(template: Template) -> bytes:
    """The CSV template: the header row only, so nothing in it can be mistaken for data."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(safe_row(template.column_names))
    return buffer.getvalue().encode("utf-8")


def template_xlsx(template: Template) -> bytes:
    """The Excel template: Data (header, text formats, drop-downs), Data dictionary, Codes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    data.append(safe_row(template.column_names))
    bold = Font(bold=True)
    for position, column in enumerate(template.columns):
        letter = column_letter(position)
        data[f"{letter}1"].font = bold
        data.column_dimensions[letter].width = max(14, len(column.name) + 4)
        if column.kind in (AREA, PERIOD, CODE, TEXT):
            # Text format, so Excel keeps 2025-03 and 2025-Q1 as written instead of making dates.
            for row in range(2, FORMATTED_ROWS + 2):
                data[f"{letter}{row}"].number_format = "@"
    data.freeze_panes = "A2"

    dictionary = workbook.create_sheet(DICTIONARY_SHEET)
    dictionary.append(safe_row([f"{template.title}: data dictionary"]))
    dictionary["A1"].font = Font(bold=True, size=13)
    dictionary.append(safe_row([template.description]))
    dictionary.append(
        safe_row([f"Sent by: {template.provider}. Period: {template.period.description}"])
    )
    dictionary.append([])
    dictionary.append(safe_row(DICTIONARY_HEADER))
    header_row = dictionary.max_row
    for cell in dictionary[header_row]:
        cell.font = bold
    for entry in data_dictionary(template):
        dictionary.append(safe_row(entry[key] for key in DICTIONARY_HEADER))
    dictionary.append([])
    dictionary.append(["Rules"])
    dictionary.cell(dictionary.max_row, 1).font = bold
    for line in rules(template):
        dictionary.append(safe_row([line]))
    for letter, width in zip("ABCDEFG", (30, 70, 24, 10, 10, 45, 24), strict=True):
        dictionary.column_dimensions[letter].width = width
    for row in dictionary.iter_rows(
        min_row=header_row + 1, max_row=header_row + len(template.columns)
    ):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    codes = workbook.create_sheet(CODES_SHEET)
    for block, (name, pairs) in enumerate(code_lists(template).items()):
        code_letter, meaning_letter = column_letter(3 * block), column_letter(3 * block + 1)
        codes[f"{code_letter}1"] = safe_cell(name)
        codes[f"{meaning_letter}1"] = "meaning"
        codes[f"{code_letter}1"].font = bold
        codes[f"{meaning_letter}1"].font = bold
        for row, (code, meaning) in enumerate(pairs, start=2):
            codes[f"{code_letter}{row}"] = safe_cell(code)
            codes[f"{meaning_letter}{row}"] = safe_cell(meaning)
        codes.column_dimensions[code_letter].width = 28
        codes.column_dimensions[meaning_letter].width = 50
        position = template.column_names.index(name)
        target = column_letter(position)
        validation = DataValidation(
            type="list",
            formula1=f"={CODES_SHEET}!${code_letter}$2:${code_letter}${len(pairs) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {name}",
            error=f"Choose a {name} from the list (see the {CODES_SHEET} sheet).",
        )
        validation.add(f"{target}2:{target}{FORMATTED_ROWS + 1}")
        data.add_data_validation(validation)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
