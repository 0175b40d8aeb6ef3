"""The administrators' page for events and series breaks: the list, and a form to add one.

The page itself is an empty frame; callbacks/events_admin.py fills it only for administrators.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from loaders.events import KINDS, Event

EVENTS_ADMIN_PATH = "/admin/events"


def events_admin_layout(**_query):
    return html.Div(
        [
            html.H1("Events and series breaks", id=ids.PAGE_HEADING),
            html.P(
                "Events are drawn on every chart they affect. An event period can be left out of "
                "the SPC baselines, so that it does not move the mean or widen the limits; a series "
                "break recalculates the limits from its date."
            ),
            dcc.Store(id=ids.EVENTS_ADMIN_STATE, data={}),
            html.Div(id=ids.EVENTS_ADMIN_BODY),
        ]
    )


def scope_options(measures: dict, subgroups: dict, datasets: dict) -> list[dict]:
    """'Applies to' choices: every measure, a subgroup, a dataset or one measure."""
    options = [{"label": "All measures", "value": "all"}]
    options += [
        {"label": f"Subgroup: {s.name}", "value": f"subgroup:{s.id}"} for s in subgroups.values()
    ]
    options += [
        {"label": f"Dataset: {d.title}", "value": f"dataset:{d.id}"} for d in datasets.values()
    ]
    options += [
        {"label": f"Measure: {m.title}", "value": f"measure:{m.id}"} for m in measures.values()
    ]
    return options


def event_form(options: list[dict]):
    """Every field labelled; dates are native date inputs (keyboard friendly)."""

    def field(label, component, field_id, hint=None, md=6):
        return dbc.Col(
            [
                dbc.Label(label, html_for=field_id),
                component,
                dbc.FormText(hint) if hint else None,
            ],
            md=md,
            class_name="mb-3",
        )

    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Add an event or series break", className="h5"),
                dbc.Row(
                    [
                        field(
                            "Title",
                            dbc.Input(id=ids.EVENT_FORM_TITLE, type="text", maxLength=200),
                            ids.EVENT_FORM_TITLE,
                        ),
                        field(
                            "Kind",
                            dbc.Select(
                                id=ids.EVENT_FORM_KIND,
                                options=[{"label": v, "value": k} for k, v in KINDS.items()],
                                value="event",
                            ),
                            ids.EVENT_FORM_KIND,
                        ),
                        field(
                            "Start date",
                            dbc.Input(id=ids.EVENT_FORM_START, type="date"),
                            ids.EVENT_FORM_START,
                            "For a series break, the date from which figures change.",
                            md=3,
                        ),
                        field(
                            "End date (last day)",
                            dbc.Input(id=ids.EVENT_FORM_END, type="date"),
                            ids.EVENT_FORM_END,
                            "Events only; leave empty for a one-day event or a series break.",
                            md=3,
                        ),
                        field(
                            "Applies to",
                            dbc.Select(id=ids.EVENT_FORM_SCOPE, options=options, value="all"),
                            ids.EVENT_FORM_SCOPE,
                        ),
                        dbc.Col(
                            dbc.Checkbox(
                                id=ids.EVENT_FORM_EXCLUDE,
                                label="Leave the periods it covers out of SPC baselines and limits",
                                value=False,
                            ),
                            md=12,
                            class_name="mb-3",
                        ),
                        field(
                            "Description",
                            dbc.Textarea(id=ids.EVENT_FORM_DESCRIPTION, rows=2),
                            ids.EVENT_FORM_DESCRIPTION,
                            md=12,
                        ),
                        field(
                            "Source (web address or reference)",
                            dbc.Input(id=ids.EVENT_FORM_SOURCE, type="text", maxLength=500),
                            ids.EVENT_FORM_SOURCE,
                            md=12,
                        ),
                    ]
                ),
                dbc.Button("Add event", id=ids.EVENT_FORM_SUBMIT, color="primary"),
                html.Div(id=ids.EVENT_FORM_STATUS, className="mt-3", **{"aria-live": "polite"}),
            ]
        ),
        class_name="mb-4",
    )


def spc_effect(event: Event) -> str:
    if event.rebases:
        return "Limits recalculated from this date"
    if event.exclude_from_baseline:
        return "Periods left out of baselines and limits"
    return "Drawn on charts only"


def events_table(events: list[Event]):
    """Every event, built-in and added, with a labelled delete button for the added ones."""
    columns = ("Event", "Kind", "When", "Applies to", "SPC effect", "Origin")
    header = html.Thead(
        html.Tr(
            [html.Th(c, scope="col") for c in columns]
            + [html.Th(html.Span("Action", className="visually-hidden"), scope="col")]
        )
    )
    rows = []
    for event in events:
        action = (
            html.Button(
                "Delete",
                id={"type": ids.EVENT_DELETE, "index": event.id},
                className="btn btn-outline-danger btn-sm",
                type="button",
                **{"aria-label": f"Delete {event.title}"},
            )
            if not event.built_in
            else None
        )
        rows.append(
            html.Tr(
                [
                    html.Th(_title_cell(event), scope="row"),
                    html.Td(KINDS[event.kind].split(" (")[0]),
                    html.Td(event.when),
                    html.Td(event.scope),
                    html.Td(spc_effect(event)),
                    html.Td("Built in" if event.built_in else "Added by an administrator"),
                    html.Td(action),
                ]
            )
        )
    return dbc.Table(
        [html.Caption("Events and series breaks, oldest first"), header, html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
        class_name="data-table",
    )


def _title_cell(event: Event):
    """The title, with the reasoning and source one click away (keyboard reachable)."""
    if not (event.description or event.source):
        return event.title
    about = [html.P(event.description, className="small mb-1")] if event.description else []
    if event.source:
        link = event.source.startswith(("https://", "http://"))
        about.append(
            html.P(
                ["Source: ", html.A(event.source, href=event.source) if link else event.source],
                className="small mb-0 text-break",
            )
        )
    return [
        event.title,
        html.Details([html.Summary("About", className="small fw-normal"), *about]),
    ]


def events_card(table):
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("All events and series breaks", className="h5"),
                html.Div(id=ids.EVENTS_TABLE_STATUS, **{"aria-live": "polite"}),
                html.Div(table, id=ids.EVENTS_TABLE),
            ]
        ),
        class_name="mb-4",
    )


def register_page() -> None:
    """Administrators only: the shell lists it for them, and its callbacks refuse anyone else."""
    dash.register_page(
        "events_admin",
        path=EVENTS_ADMIN_PATH,
        name="Events",
        title="Events and series breaks – LCJP Performance Board",
        order=100,
        layout=events_admin_layout,
        roles=("admin",),
    )
