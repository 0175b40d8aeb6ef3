"""The action log page (pure builders): the actions table, the raise form and the update form.

Overdue actions carry the word "Overdue", a warning sign and bold type, never colour alone.
callbacks/action_log.py decides which actions and measures a user may see and change.
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.components import form_field

ACTIONS_PATH = "/actions"
FILTER, SUMMARY, TABLE = "actions-filter", "actions-summary", "actions-table"
RAISED, UPDATED = "actions-raised", "actions-updated"  # bumped after a write: the table reloads
DOWNLOAD, DOWNLOAD_BUTTON = "actions-download", "actions-download-button"
MEASURE, MEETING, SIGNAL = "action-measure", "action-meeting", "action-signal"
OWNER_ORGANISATION = "action-owner-organisation"
TITLE, OWNER, DUE, RAISE, RAISE_MESSAGE = (
    "action-title",
    "action-owner",
    "action-due",
    "action-raise",
    "action-raise-message",
)
CHOICE, STATUS, NOTE, UPDATE, UPDATE_MESSAGE = (
    "action-choice",
    "action-status",
    "action-note",
    "action-update",
    "action-update-message",
)
NO_MEETING = "-"  # not "": dbc.Select keeps "" for its placeholder
FILTERS = {"open": "Open", "overdue": "Overdue", "all": "All"}
COLUMNS = (
    "Action",
    "Measure",
    "Signal that prompted it",
    "Meeting",
    "Owner",
    "Due",
    "Status",
    "Last update",
)


@dataclass(frozen=True)
class ActionRow:
    """One action's cells, already in words."""

    action_id: int
    title: str
    measure: str
    signal: str
    meeting: str
    owner: str
    due: str
    status: str
    last_update: str
    overdue: bool


def overdue_marker():
    """The words and sign that mark an overdue action (the sign is decoration only)."""
    return html.Strong(
        [html.Span("⚠ ", **{"aria-hidden": "true"}), "Overdue"], className="action-overdue-marker"
    )


def action_table(rows: list[ActionRow], caption: str):
    """The actions as an accessible table; an overdue row says so in its status cell."""
    if not rows:
        return html.P("No actions match this view.", className="mb-0")
    body = []
    for row in rows:
        status = [overdue_marker(), " · ", row.status] if row.overdue else row.status
        body.append(
            html.Tr(
                [
                    html.Th(f"{row.action_id}. {row.title}", scope="row"),
                    html.Td(row.measure),
                    html.Td(row.signal or "–"),
                    html.Td(row.meeting or "–"),
                    html.Td(row.owner),
                    html.Td(row.due),
                    html.Td(status),
                    html.Td(row.last_update),
                ],
                className="action-overdue" if row.overdue else None,
            )
        )
    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(c, scope="col") for c in COLUMNS])),
            html.Tbody(body),
        ],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table action-table",
    )


def raise_form(
    measure_options: list,
    meeting_options: list,
    measure: str | None,
    meeting: str,
    organisation_options: list = (),
):
    """Raise an action against a measure; the signal is filled in from the measure's reading."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Raise an action", className="h5"),
                form_field(
                    "Measure",
                    dbc.Select(
                        id=MEASURE,
                        options=measure_options,
                        value=measure,
                        placeholder="Choose a measure",
                    ),
                    MEASURE,
                    "Only measures you may write on are listed.",
                ),
                form_field(
                    "Meeting (optional)",
                    dbc.Select(
                        id=MEETING,
                        options=[{"label": "Not raised in a meeting", "value": NO_MEETING}]
                        + meeting_options,
                        value=meeting,
                    ),
                    MEETING,
                ),
                form_field(
                    "Signal that prompted it",
                    dbc.Textarea(id=SIGNAL, maxLength=300, rows=2, readOnly=True),
                    SIGNAL,
                    "The measure's current SPC reading: recorded with the action as it stands "
                    "when the action is raised.",
                ),
                form_field("Action", dbc.Input(id=TITLE, maxLength=300), TITLE),
                form_field("Owner", dbc.Input(id=OWNER, maxLength=200), OWNER),
                form_field(
                    "Owner's organisation (optional)",
                    dbc.Select(
                        id=OWNER_ORGANISATION,
                        options=[{"label": "Not named", "value": ""}, *organisation_options],
                        value="",
                    ),
                    OWNER_ORGANISATION,
                    "The organisation asked to act: its members may report progress on the action.",
                ),
                form_field("Due date", dbc.Input(id=DUE, type="date"), DUE),
                dbc.Button("Raise action", id=RAISE, color="primary", n_clicks=0),
                html.P(id=RAISE_MESSAGE, className="mt-2 mb-0", role="status"),
            ]
        ),
        class_name="mb-4 no-print",
    )


def update_form(status_options: list):
    """Change an action's status, with an optional note; the action list is filled by a callback."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Update an action", className="h5"),
                form_field(
                    "Action",
                    dbc.Select(id=CHOICE, options=[], placeholder="Choose an action"),
                    CHOICE,
                    "Only actions you may update are listed: on measures you may write on, or "
                    "asked of your organisation.",
                ),
                form_field("New status", dbc.Select(id=STATUS, options=status_options), STATUS),
                form_field("Note (optional)", dbc.Textarea(id=NOTE, maxLength=2000, rows=2), NOTE),
                dbc.Button("Update action", id=UPDATE, color="primary", n_clicks=0),
                html.P(id=UPDATE_MESSAGE, className="mt-2 mb-0", role="status"),
            ]
        ),
        class_name="mb-4 no-print",
    )


def action_page(forms: list):
    """The page: the filter, a one-line summary, the table and its download, then the forms."""
    return html.Div(
        [
            html.H1("Action log", id="page-heading"),
            html.P(
                "Actions raised against measures, with the signal that prompted each, its owner "
                "and due date. Only actions on measures you may see are listed."
            ),
            dcc.Store(id=RAISED, data=0),
            dcc.Store(id=UPDATED, data=0),
            html.Fieldset(
                [
                    html.Legend("Show", className="form-label fs-6"),
                    dbc.RadioItems(
                        id=FILTER,
                        options=[{"label": label, "value": key} for key, label in FILTERS.items()],
                        value="open",
                        inline=True,
                    ),
                ],
                className="mb-2 no-print",
            ),
            html.P(id=SUMMARY, role="status"),
            dcc.Loading(html.Div(id=TABLE)),
            dbc.Button(
                "Download these actions (CSV)",
                id=DOWNLOAD_BUTTON,
                color="secondary",
                size="sm",
                class_name="mb-4 no-print",
            ),
            dcc.Download(id=DOWNLOAD),
            *forms,
        ]
    )
