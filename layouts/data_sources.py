"""The Data sources page: every dataset, how often it is published, when it was last loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import html

from layouts import ids
from layouts.components import DEMO_LABEL, STALE_LABEL, demo_badge
from presented.words import local_time, month_label, quarter_label

PATH = "/data-sources"


@dataclass(frozen=True)
class SourceRow:
    """What the page says about one dataset; load details are None when the user may not see it."""

    dataset_id: str
    title: str
    publisher: str
    publication_url: str
    cadence: str
    classification: str
    visible: bool
    last_success_at: datetime | None = None
    loaded_at: datetime | None = None
    period_latest: date | None = None
    is_demo: bool = False
    stale: bool = False
    stale_reason: str = ""
    expected_by: datetime | None = None
    partner_return: bool = False  # sent by a partner through the upload page or drop folder
    notes: tuple[dict, ...] = ()  # the latest refresh's loader notes ({level, text})
    held_vintage: int | None = None  # a newer load waiting for an administrator


def latest_period_text(period_end: date | None, cadence: str) -> str:
    if period_end is None:
        return "–"
    if cadence == "quarterly":
        return quarter_label(period_end)
    if cadence == "monthly":
        return month_label(period_end)
    if cadence == "annual":
        return str(period_end.year)
    return f"{period_end:%d %b %Y}"


def _status(row: SourceRow, timezone: str):
    if not row.visible:
        return "–"
    if row.partner_return and row.last_success_at is None:
        # Not overdue data but a return not yet made: the partner is asked, nothing is late yet.
        return html.Span(
            [
                dbc.Badge("Awaiting first return", color="secondary", class_name="me-1"),
                html.Span("no partner has submitted this return yet", className="small"),
            ]
        )
    if row.stale:
        return html.Span(
            [
                dbc.Badge(
                    row.stale_reason.split(": ", 1)[0]
                    if row.stale_reason.startswith(f"{STALE_LABEL}, ")
                    else f"Overdue · {STALE_LABEL}",
                    color="danger",
                    class_name="me-1",
                ),
                html.Span(row.stale_reason, className="small"),
            ]
        )
    return html.Span(
        [
            dbc.Badge("On time", color="success", class_name="me-1"),
            html.Span(
                f"new data expected by {local_time(row.expected_by, timezone)}"
                if row.expected_by
                else "",
                className="small",
            ),
        ]
    )


def data_sources_page(rows: list[SourceRow], timezone: str):
    header = html.Thead(
        html.Tr(
            [
                html.Th(name, scope="col")
                for name in (
                    "Dataset",
                    "Publisher",
                    "Cadence",
                    "Classification",
                    "Last successful load",
                    "Current data loaded",
                    "Latest period",
                    "Data",
                    "Overdue?",
                )
            ]
        )
    )
    body = []
    for row in rows:
        title = (
            html.A(row.title, href=row.publication_url, rel="noopener noreferrer")
            if row.publication_url
            else row.title
        )
        if row.visible:
            loads = [
                html.Td(local_time(row.last_success_at, timezone)),
                html.Td(local_time(row.loaded_at, timezone)),
                html.Td(latest_period_text(row.period_latest, row.cadence)),
                html.Td(
                    demo_badge(True)
                    if row.is_demo
                    else ("Partner return" if row.partner_return else "Published figures")
                ),
            ]
        else:
            loads = [html.Td("You do not have access to this dataset.", colSpan=4)]
        body.append(
            html.Tr(
                [
                    html.Th(title, scope="row"),
                    html.Td(row.publisher),
                    html.Td(row.cadence.capitalize()),
                    html.Td(row.classification.replace("_", " ").capitalize()),
                    *loads,
                    html.Td(_status(row, timezone)),
                ],
                id=f"source-{row.dataset_id}",
            )
        )
    return html.Div(
        [
            html.H1("Data sources", id=ids.PAGE_HEADING),
            html.P(
                "Every dataset the dashboard draws on, how often its publisher releases it, and "
                "when it was last loaded. A dataset whose new data is overdue is marked "
                f"{STALE_LABEL} on every chart and tile that uses it. Figures from generated "
                f"files are labelled {DEMO_LABEL}. Times are {timezone} time."
            ),
            dbc.Table(
                [html.Caption("Datasets and their refresh state"), header, html.Tbody(body)],
                striped=True,
                size="sm",
                responsive=True,
                class_name="data-table",
                id=ids.DATA_SOURCES_TABLE,
            ),
            loader_notes(rows),
        ]
    )


def loader_notes(rows: list[SourceRow]):
    """What each dataset's latest refresh noticed in its files (only datasets the user may see):
    warnings first, said in words, so a figure that may be incomplete is never a silent success."""
    sections = []
    for row in rows:
        if not row.visible or not (row.notes or row.held_vintage):
            continue
        items = []
        if row.held_vintage:
            items.append(
                html.Li(
                    [
                        html.Strong("⚠ Held for review: "),
                        f"a newer load (vintage {row.held_vintage}) looks incomplete next to the "
                        "figures shown, so they stay until an administrator decides.",
                    ]
                )
            )
        ordered = sorted(row.notes, key=lambda n: n.get("level") != "warning")
        items += [
            html.Li(
                [html.Strong("⚠ Warning: "), n["text"]]
                if n.get("level") == "warning"
                else ["Note: ", n["text"]],
                className="text-break",
            )
            for n in ordered
        ]
        sections.append(
            html.Section(
                [html.H3(row.title, className="h6 mt-3"), html.Ul(items, className="small")],
                id=f"notes-{row.dataset_id}",
            )
        )
    return html.Div(
        [
            html.H2("Loader notes", className="h4 mt-4"),
            html.P(
                "What the latest refresh of each dataset noticed in its files: files it did "
                "not read, figures the publisher left blank, files that disagree.",
                className="small",
            ),
            *(sections or [html.P("The latest refreshes noted nothing.", className="small")]),
        ],
        id="data-sources-notes",
    )
