"""Page registration and the page layouts: skeletons filled by callbacks from the URL's state."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import events_admin, ids
from layouts.components import chart_card
from layouts.lazy_parts import lazy_parts
from layouts.submissions import register_submit_page
from loaders.measures import SUBGROUPS

EE_PATH = "/effectiveness-efficiency"
POLICE_PATH = "/police-demand"
POLICE_PARTS_PAGE, POLICE_OUTCOMES_PART = "police-demand", "outcomes"


# Measures the E&E page's courts block and forecast present themselves, so the grammar does not
# repeat them, and where on the page each is (links to them go there).
COURT_BLOCK_ANCHORS = {
    "crown_open_cases": "ee-courts",
    "crown_open_1yr_share": "ee-courts",
    "crown_receipts": "backlog-forecast",
    "crown_disposals": "backlog-forecast",
}
COURT_BLOCK_MEASURES = tuple(COURT_BLOCK_ANCHORS)


def national_chart_card():
    """England and Wales receipts, disposals and open cases by quarter."""
    return chart_card(
        ids.EE_TREND,
        "Crown Court receipts, disposals and open cases, England and Wales",
        "Cases received and completed each quarter, and cases still open at its end. When "
        "disposals fall below receipts the backlog grows.",
    )


def court_chart_cards():
    """Every court centre ranked by open cases; a bar, or the picker, opens that court's page."""
    return [
        chart_card(
            ids.EE_COURTS,
            "Open cases by Crown Court centre",
            "Open cases at the end of the latest quarter. The partnership's courts are marked ◆ "
            "and hatched; the dashed line is the median court. Choose a court (or click its bar) "
            "to open its own page.",
            controls=_picker_row("Open a court's page", ids.EE_COURT_PICKER, ""),
            height=1500,
        ),
    ]


def police_layout(
    force: str | None = None, crime_type: str | None = None, outcome: str | None = None, **_query
):
    """Police demand: `?force=…&crime_type=…&outcome=…` restores a view exactly. The outcome mix
    across forces is a collapsed part, built when opened (open and built when the URL names an
    outcome group)."""
    subgroup = SUBGROUPS["police-demand"]
    state = {"force": force, "crime_type": crime_type, "outcome": outcome}
    opened = {POLICE_OUTCOMES_PART: police_outcomes_part(state)} if outcome else {}
    return html.Div(
        [
            html.H1(subgroup.name, id=ids.PAGE_HEADING),
            html.P(subgroup.description),
            dcc.Store(id=ids.POLICE_STATE, data=state),
            chart_card(
                ids.POLICE_CRIME,
                "Recorded crime by month and crime type",
                "Street-level records published to police.uk. Click a crime type's bar (or its row in "
                "the table) to see how those crimes ended.",
                controls=_picker_row("Force", ids.POLICE_FORCE_PICKER, force or ""),
                height=520,
                breadcrumb=True,
            ),
            html.H2("More for the group", className="h4 mt-3", id="police-more-heading"),
            *lazy_parts(
                POLICE_PARTS_PAGE,
                [(POLICE_OUTCOMES_PART, "Outcome mix against other forces (1 chart, every force)")],
                opened,
            ),
        ]
    )


def police_outcomes_part(state: dict) -> list:
    """Each force's share of crimes in an outcome group, with the group's picker; its own store
    (the page's state) starts its callbacks when the part is built."""
    outcome = state.get("outcome")
    return [
        dcc.Store(id=ids.POLICE_OUTCOMES_STATE, data=state),
        chart_card(
            ids.POLICE_OUTCOMES,
            "Outcome mix against other forces",
            "The share of each force's crimes (excluding anti-social behaviour) whose last "
            "recorded outcome falls in the chosen group. The partnership's forces are marked ◆. "
            "Some forces publish no street-level data and are missing.",
            controls=_picker_row("Outcome group", ids.POLICE_OUTCOME_PICKER, outcome or ""),
            height=1000,
        ),
    ]


def _picker_row(label: str, picker_id: str, value: str):
    """A chart card's one labelled picker, half the card wide; its options come from the
    card's callback."""
    return dbc.Row(
        dbc.Col(
            [
                dbc.Label(label, html_for=picker_id),
                dbc.Select(id=picker_id, options=[], value=value),
            ],
            md=6,
        ),
        class_name="mb-2",
    )


def register_pages() -> None:
    """Register every page on the app being built (call after Dash() exists)."""
    dash.register_page(
        "police_demand",
        path=POLICE_PATH,
        name=SUBGROUPS["police-demand"].name,
        title="Police demand & outcomes – LCJP Performance Board",
        order=SUBGROUPS["police-demand"].order,
        layout=police_layout,
        subgroup="police-demand",
    )
    events_admin.register_page()
    register_submit_page()
