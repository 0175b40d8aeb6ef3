"""The partner submissions page: choose a return, download its template, upload a file, and see
either every problem by row and column or what was loaded. Pure builders; callbacks fill them."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import ids
from layouts.components import data_table, demo_badge
from presented.words import local_time

SUBMIT_PATH = "/submit"
SUBMIT_TITLE = "Submit partner data"


def submit_layout(dataset: str | None = None, **_query):
    """`?dataset=wcu_witness_care` opens the page on that return (a link for partners)."""
    return html.Div(
        [
            html.H1(SUBMIT_TITLE, id=ids.PAGE_HEADING),
            html.P(
                "Figures that only partners hold reach the dashboard here. Choose your return, "
                "download its template, fill it in and upload it. The file is checked against "
                "the template: if anything is wrong, every problem is listed by row and column "
                "and nothing is loaded. A file with no problems becomes a new version (vintage) "
                "of the return at once; earlier versions are kept."
            ),
            dcc.Store(id=ids.SUBMIT_STATE, data={"dataset": dataset}),
            dcc.Store(id=ids.SUBMIT_LIMIT),
            dcc.Store(id=ids.SUBMIT_DONE),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("1. Choose the return", className="h5"),
                        dbc.Label("Return", html_for=ids.SUBMIT_DATASET),
                        dbc.Select(id=ids.SUBMIT_DATASET, options=[], value=dataset or ""),
                        html.Div(id=ids.SUBMIT_TEMPLATE, className="mt-3"),
                    ]
                ),
                class_name="mb-4",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("2. Upload the filled-in file", className="h5"),
                        html.P(id=ids.SUBMIT_LIMIT_TEXT, className="small text-body-secondary"),
                        dcc.Upload(
                            id=ids.SUBMIT_UPLOAD,
                            # A real button inside the drop zone: it takes keyboard focus, and
                            # Enter or Space on it opens the file chooser.
                            children=html.Div(
                                [
                                    html.Button(
                                        "Choose a file",
                                        id=ids.SUBMIT_CHOOSE,
                                        type="button",
                                        className="btn btn-outline-primary me-2",
                                    ),
                                    html.Span("or drag and drop a CSV or Excel (.xlsx) file here."),
                                ]
                            ),
                            className="upload-zone",
                            className_active="upload-zone upload-zone-active",
                        ),
                        html.P(
                            "No file chosen.",
                            id=ids.SUBMIT_FILE,
                            className="mt-2",
                            **{"aria-live": "polite"},
                        ),
                        dbc.Button(
                            "Check and load", id=ids.SUBMIT_BUTTON, color="primary", disabled=True
                        ),
                        dcc.Loading(
                            html.Div(
                                id=ids.SUBMIT_RESULT,
                                className="mt-3",
                                **{"aria-live": "polite"},
                            ),
                            type="circle",
                        ),
                    ]
                ),
                class_name="mb-4",
            ),
        ]
    )


def register_submit_page() -> None:
    """Shown in the navigation only to users who may submit some return (callbacks/navigation)."""
    dash.register_page(
        "submit",
        path=SUBMIT_PATH,
        name=SUBMIT_TITLE,
        title=f"{SUBMIT_TITLE} – LCJP Performance Board",
        order=90,
        layout=submit_layout,
        submission_page=True,
    )


def choose_prompt():
    return html.P("Choose a return to see its template and what the dashboard holds for it.")


def template_panel(
    *,
    template,
    cadence: str,
    dictionary: list[dict[str, str]],
    rules: list[str],
    csv_url: str,
    xlsx_url: str,
    provenance,
    recent: list,
    timezone: str,
):
    """What a return is, its templates to download, its data dictionary, what is loaded now."""
    if provenance.loaded_at is None:
        current = html.P("No figures yet: nobody has submitted this return.", id="submit-current")
    else:
        current = html.P(
            [
                f"The dashboard shows the version loaded {local_time(provenance.loaded_at, timezone)}"
                + (
                    f", with periods up to {provenance.period_latest:%d %B %Y}."
                    if provenance.period_latest
                    else "."
                ),
                demo_badge(provenance.is_demo),
            ],
            id="submit-current",
        )
    return html.Div(
        [
            html.H3(template.title, className="h6"),
            html.P(template.description),
            html.Ul(
                [
                    html.Li(f"Sent by: {template.provider}."),
                    html.Li(f"How often: {cadence}."),
                    html.Li(f"Period: {template.period.description}"),
                ]
            ),
            current,
            html.Div(
                [
                    html.A(
                        "Download the CSV template",
                        href=csv_url,
                        download="",
                        className="btn btn-outline-secondary btn-sm me-2",
                        id="submit-download-csv",
                    ),
                    html.A(
                        "Download the Excel template (with data dictionary)",
                        href=xlsx_url,
                        download="",
                        className="btn btn-outline-secondary btn-sm",
                        id="submit-download-xlsx",
                    ),
                ],
                className="mb-3",
            ),
            html.Details(
                [
                    html.Summary("Data dictionary: what each column must hold"),
                    data_table(
                        pd.DataFrame(dictionary),
                        f"{template.title}: one row per {', '.join(template.keys)}",
                    ),
                    html.H4("Rules every file must keep", className="h6 mt-2"),
                    html.Ul([html.Li(line) for line in rules]),
                ],
                className="mb-3",
            ),
            html.Details(
                [
                    html.Summary("Files submitted so far"),
                    submissions_table(recent, timezone)
                    if recent
                    else html.P("No files have been uploaded for this return yet."),
                ]
            ),
        ]
    )


def submissions_table(recent: list, timezone: str):
    frame = pd.DataFrame(
        [
            {
                "Submitted": local_time(s.submitted_at, timezone),
                "By": s.username,
                "File": s.original_name,
                "Rows": s.rows,
                "Figures": s.figures,
                "Kept as": s.stored_name,
                "Vintage": s.vintage_id,
            }
            for s in recent
        ]
    )
    return data_table(frame, "The latest files accepted for this return, newest first")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def problem_report(outcome):
    """Every problem by row and column, in a table a screen reader and a keyboard can use."""
    heading = f"{outcome.file_name} was not loaded: {_count(outcome.problem_count, 'problem')}"
    shown = outcome.problems
    frame = pd.DataFrame(
        {
            "Row": ["whole file" if p.row is None else str(p.row) for p in shown],
            "Column": [p.column or "–" for p in shown],
            "Problem": [p.message for p in shown],
        }
    )
    return dbc.Alert(
        [
            html.H3(heading, className="h5", id="submit-result-heading"),
            html.P(
                "Nothing was saved and the dashboard is unchanged. Fix the problems below in "
                "your file and upload it again. Row numbers are as your spreadsheet shows them "
                "(the header is row 1)."
            ),
            data_table(frame, f"Problems found in {outcome.file_name}"),
        ],
        color="danger",
        id="submit-problems",
    )


def success_report(outcome, *, title: str, loaded_at, timezone: str):
    notes = [html.Li(note) for note in outcome.notes]
    held = getattr(outcome, "held_for_review", False)
    shown = (
        f"{title} vintage {outcome.vintage_id} ({outcome.vintage_figures:,} figures in all) is "
        "held for review: the dashboard keeps showing the figures it had until an "
        "administrator approves it."
        if held
        else f"{title} is now vintage {outcome.vintage_id} ({outcome.vintage_figures:,} figures "
        f"in all), loaded {local_time(loaded_at, timezone)}. The dashboard shows it now; "
        "earlier vintages are kept."
    )
    return dbc.Alert(
        [
            html.H3(
                f"{outcome.file_name} was {'kept, held for review' if held else 'loaded'}",
                className="h5",
                id="submit-result-heading",
            ),
            html.P(
                [
                    f"{_count(outcome.rows, 'row')} gave {_count(outcome.figures, 'figure')}. ",
                    shown,
                    demo_badge(outcome.is_demo),
                ]
            ),
            html.P(f"The file is kept as {outcome.stored_name}.", className="small mb-1"),
            html.Ul(notes, className="small mb-0") if notes else None,
        ],
        color="warning" if held else "success",
        id="submit-success",
    )
