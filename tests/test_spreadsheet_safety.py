"""Every CSV and XLSX the product writes is spreadsheet-safe: no text cell starts a formula.

Each export is produced with hostile text where people can type it (an action's owner, a title, a
username in the audit log, a template's wording, a pack's commentary and actions) and read back:
no cell may start with = + - @ (or a tab or carriage return), and numbers stay numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from datetime import date, timedelta

import openpyxl
import pytest

from callbacks import action_log
from layouts.packs.workbook import pack_xlsx
from loaders import meetings
from loaders.audit import audit, events_csv
from loaders.models import AuditEvent
from loaders.spreadsheet_safety import is_unsafe, safe_cell, safe_frame
from loaders.submissions.downloads import template_csv, template_xlsx
from loaders.submissions.templates import TEMPLATES

HOSTILE = ["=cmd|' /C calc'!A0", "=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
COURT = "crown_open_cases"
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(raw: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                found.append(cell.value)
    return found


def test_text_that_starts_a_formula_gets_an_apostrophe_and_numbers_stay_numbers():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
        assert not is_unsafe(safe_cell(text))
    assert safe_cell("Durham") == "Durham"
    assert safe_cell(-3) == -3 and safe_cell(-2.5) == -2.5 and safe_cell(None) is None
    import pandas as pd

    frame = safe_frame(pd.DataFrame({"owner": ["=1+2", "ok"], "change": [-3, 4]}))
    assert frame["owner"].tolist() == ["'=1+2", "ok"]
    assert frame["change"].tolist() == [-3, 4]


def test_the_actions_export_defuses_owner_and_title_and_the_signal_is_the_servers(app, as_user):
    name = f'=HYPERLINK("http://evil.example") {uuid.uuid4().hex[:8]}'
    with as_user("analyst"):
        message, _ = action_log.raise_new_action(
            1, COURT, None, "=1+2", name, "=cmd|' /C calc'!A0", FUTURE, 0
        )
        assert "raised" in message
        expected_signal = action_log.prefill_signal(COURT)
        csv_text = action_log.download_actions(1, "all")["content"]
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        action = next(a for a in meetings.actions(session) if a.title == name)
    # The signal is worked out on the server from the measure, never taken from the browser.
    assert action.signal == expected_signal and action.signal != "=1+2"
    cells = csv_cells(csv_text)
    assert "'=cmd|' /C calc'!A0" in cells and any(c.endswith(name) for c in cells)
    assert not [c for c in cells if is_unsafe(c)]


def test_the_audit_export_defuses_every_cell(app):
    factory = app.server.extensions["lcjp"].session_factory
    with app.server.test_request_context("/"):
        audit("login_failed", {"attempted": "=1+2"}, user="=cmd|' /C calc'!A0", ip="@evil")
    with factory() as session:
        events = session.query(AuditEvent).order_by(AuditEvent.id.desc()).limit(5).all()
    cells = csv_cells(events_csv(events))
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if is_unsafe(c)]


@pytest.mark.parametrize("dataset_id", sorted(TEMPLATES))
def test_submission_templates_are_safe_even_with_hostile_wording(dataset_id):
    template = TEMPLATES[dataset_id]
    for made in (template, dataclasses.replace(template, description="=1+2", provider="@evil")):
        cells = csv_cells(template_csv(made).decode("utf-8"))
        assert cells and not [c for c in cells if is_unsafe(c)]
        values = xlsx_cells(template_xlsx(made))
        assert not [v for v in values if is_unsafe(v)]
    assert "'=1+2" in xlsx_cells(template_xlsx(made))


def test_the_pack_appendix_is_safe_and_keeps_numbers():
    hostile = "=cmd|' /C calc'!A0"
    measure = {
        "id": COURT,
        "title": "=1+2",
        "section": "-section",
        "area_name": "@area",
        "has_figures": True,
        "tile": {"period": "+2025", "value": "-3"},
        "reading": hostile,
        "summary": hostile,
        "sheet": "Open cases",
        "source_line": "=source",
        "table": {"columns": ["Period", "Value", "Note"], "rows": [["2025-Q1", -3, hostile]]},
    }
    content = {
        "report": {"title": "=Report", "meeting": "+Board", "audience": "-OPCC"},
        "period_label": "=2025",
        "generated_at_local": "1 Dec 2026 10:00",
        "generated_by": "=analyst",
        "reference": "@ref",
        "measures": [measure],
        "actions": [
            {
                "measure_title": "=1+2",
                "title": hostile,
                "owner": hostile,
                "due": "2026-12-01",
                "status_label": "Open",
                "overdue": False,
                "meeting": "-meeting",
                "signal": "=1+2",
                "update_note": "@note",
            }
        ],
    }
    values = xlsx_cells(pack_xlsx(content))
    assert not [v for v in values if is_unsafe(v)]
    assert "'" + hostile in values
    assert -3 in values  # a negative number stays a number
