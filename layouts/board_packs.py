"""The Board packs page: generate a report's pack for a meeting, and open the packs already
generated exactly as they were presented. Pure builders; callbacks/packs_page.py fills them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from presented.words import local_time

PACKS_PATH = "/packs"
PACKS_TITLE = "Board packs"
FILE_LABELS = (("pdf", "PDF"), ("pptx", "PowerPoint"), ("xlsx", "Excel data"))


@dataclass(frozen=True)
class PackRow:
    """One stored pack as the list shows it."""

    snapshot_id: int
    report_title: str
    meeting: str
    period: str
    generated_at: datetime
    generated_by: str
    reference: str
    measures: int


def pack_url(snapshot_id: int, kind: str) -> str:
    return f"{PACKS_PATH}/{snapshot_id}.{kind}"


def file_links(snapshot_id: int, subject: str) -> list:
    """Links to the three stored files, each naming its pack for screen-reader link lists."""
    links = []
    for kind, label in FILE_LABELS:
        if links:
            links.append(" · ")
        links.append(
            html.A(
                [label, html.Span(f" of {subject}", className="visually-hidden")],
                href=pack_url(snapshot_id, kind),
                download="",
            )
        )
    return links


def packs_page(report_options: list[dict]):
    """The form (only for those who may generate some report) and the list of stored packs."""
    generate = (
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2("Generate a pack", className="h5"),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("Report", html_for=ids.PACKS_REPORT),
                                    dbc.Select(
                                        id=ids.PACKS_REPORT,
                                        options=report_options,
                                        value=report_options[0]["value"],
                                    ),
                                ],
                                md=6,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("Meeting (optional)", html_for=ids.PACKS_MEETING),
                                    dbc.Select(id=ids.PACKS_MEETING, options=[], value=""),
                                ],
                                md=6,
                            ),
                        ],
                        class_name="mb-3",
                    ),
                    dbc.Button("Generate pack", id=ids.PACKS_GENERATE, color="primary"),
                    html.P(
                        "Generating takes up to a minute: every chart is drawn and the PDF, "
                        "slides and data appendix are written and stored. It carries on if you "
                        "leave this page; the pack then appears in the list below.",
                        className="small text-body-secondary mt-2 mb-0",
                    ),
                    html.Div(id=ids.PACKS_RESULT, className="mt-3", role="status"),
                    dcc.Store(id=ids.PACKS_JOB),
                    dcc.Interval(id=ids.PACKS_POLL, interval=2000, disabled=True),
                ]
            ),
            class_name="mb-4",
        )
        if report_options
        else html.P(
            "OPCC analysts and administrators generate packs, and a subgroup's chair generates "
            "their subgroup's report. The packs you may open are listed below."
        )
    )
    return html.Div(
        [
            html.H1(PACKS_TITLE, id=ids.PAGE_HEADING),
            html.P(
                "A pack holds a report's measures as its audience may see them: cover, contents, "
                "exceptions first, one measure per page with its chart, SPC reading, commentary "
                "and open actions, then the action log, as a PDF, slides and an Excel appendix "
                "of the data behind every chart. Each pack is frozen when generated, so the "
                "files below are exactly what was presented, even after the data is revised."
            ),
            dcc.Store(id=ids.PACKS_DONE),
            generate,
            html.H2("Packs as presented", className="h4"),
            html.Div(id=ids.PACKS_LIST),
        ]
    )


def meeting_options(meetings: list[tuple[int, str]]) -> list[dict]:
    return [{"label": "No meeting: a pack on its own", "value": ""}] + [
        {"label": title, "value": str(meeting_id)} for meeting_id, title in meetings
    ]


def pack_list(rows: list[PackRow], timezone: str):
    if not rows:
        return html.P("No packs you may open have been generated yet.")
    header = html.Thead(
        html.Tr(
            [
                html.Th(name, scope="col")
                for name in ("Report", "Meeting", "Period", "Generated", "Reference", "Files")
            ]
        )
    )
    body = []
    for row in rows:
        when = f"{local_time(row.generated_at, timezone)} by {row.generated_by}"
        subject = f"{row.report_title}, {row.period}, generated {when}"
        body.append(
            html.Tr(
                [
                    html.Th(row.report_title, scope="row"),
                    html.Td(row.meeting or "–"),
                    html.Td(row.period),
                    html.Td(when),
                    html.Td(row.reference or f"no. {row.snapshot_id}"),
                    html.Td(file_links(row.snapshot_id, subject)),
                ]
            )
        )
    return dbc.Table(
        [html.Caption("Board packs as presented, newest first"), header, html.Tbody(body)],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table",
    )


def generated(row: PackRow, timezone: str):
    subject = f"{row.report_title}, {row.period}"
    return dbc.Alert(
        [
            html.P(
                f"Pack generated and stored: {subject} ({row.measures} measures), reference "
                f"{row.reference}, {local_time(row.generated_at, timezone)} (UK time).",
                className="mb-1",
            ),
            html.P(["Open it: ", *file_links(row.snapshot_id, subject)], className="mb-0"),
        ],
        color="success",
    )


def in_progress(report_title: str, seconds: int = 0):
    """Said while the pack is drawn (the region is a live status, so screen readers hear it)."""
    waited = f" ({seconds} s so far)" if seconds else ""
    return dbc.Alert(
        [
            dbc.Spinner(size="sm", spinner_class_name="me-2"),
            f"Generating the {report_title} pack{waited}…",
        ],
        color="info",
    )


def failed(message: str):
    return dbc.Alert(
        [html.Strong("The pack was not generated. "), message, " Nothing was stored."],
        color="danger",
    )
