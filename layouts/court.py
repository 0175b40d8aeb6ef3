"""The Crown Court page (/effectiveness-efficiency/court/<code>) and the E&E page's court-first
layout: pure builders, filled by callbacks/courts.py."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts import measure as grammar
from layouts.components import chart_card
from layouts.lazy_parts import lazy_parts
from layouts.pages import EE_PATH
from presented.forecast import DEFAULT_HORIZON, HORIZONS

COURT_PATH_TEMPLATE = EE_PATH + "/court/<court>"

# The court page.
COURT_STATE = "court-state"
COURT_FOCUS = "court-focus"  # a sink for the clientside callback that moves focus to the heading
COURT_REGION = "court-region"
COURT_TILES = "court-tiles"
COURT_OPEN = "court-open"
COURT_FLOWS = "court-flows"
COURT_AGE = "court-age"
COURT_SIMILAR = "court-similar"
COURT_REGION_COURTS = "court-region-courts"
COURT_FORECAST = "court-forecast"
COURT_PARTS_PAGE = "court"
COURT_COMPARISONS_STATE = "court-comparisons-state"  # each starts its part's callback
COURT_FORECAST_STATE = "court-forecast-state"

# The E&E page.
EE_COURTS_SECTION = "ee-courts-section"
EE_COURT_BLOCK = "ee-court-block"
EE_COURT_BLOCK_STATE = "ee-court-block-state"
EE_COURT_TRENDS = "ee-court-trends"
EE_FORECAST_SECTION = "backlog-forecast"
EE_FORECAST = "ee-forecast"
EE_MORE = "ee-more"
EE_MORE_BUILT = "ee-more-built"
LAZY_PARTS = ("headlines", "national", "courts", "sections")
NATIONAL_STATE = "ee-national-state"


def forecast_ids(card: str) -> dict[str, str]:
    return {
        "area": f"{card}-area",
        "horizon": f"{card}-horizon",
        "target": f"{card}-target",
        "what_if": f"{card}-what-if",
    }


def court_path(code: str) -> str:
    return f"{EE_PATH}/court/{code}"


def lazy_body(part: str) -> str:
    return f"ee-more-{part}"


def forecast_card(
    card: str, area_options: list[dict], area: str, title: str, choose_area: bool = True
):
    """The backlog fan with its controls: whose backlog (E&E only; a court page's is its own),
    how far ahead, and the 'what if' date."""
    names = forecast_ids(card)
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Whose backlog", html_for=names["area"]),
                    dbc.Select(id=names["area"], options=area_options, value=area),
                ],
                md=4,
                style={} if choose_area else {"display": "none"},
            ),
            dbc.Col(
                [
                    dbc.Label("Quarters ahead", html_for=names["horizon"]),
                    dbc.Select(
                        id=names["horizon"],
                        options=[{"label": f"{h} quarters", "value": str(h)} for h in HORIZONS],
                        value=str(DEFAULT_HORIZON),
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("What if: back to 2019 Q4's level by", html_for=names["target"]),
                    dbc.Select(id=names["target"], options=[], value=""),
                ],
                md=5,
            ),
        ],
        class_name="mb-2",
    )
    card_body = chart_card(
        card,
        title,
        "Open cases over the coming quarters if receipts and disposals carry on as in the last "
        "two years: the dashed line is the median of 4,000 simulations, the shaded band between "
        "dotted edges holds 8 in 10 of them (the 80% interval). The dash-dot line is the "
        "backlog's 2019 Q4 level, before COVID-19.",
        controls=controls,
        height=420,
    )
    return html.Div(
        [
            card_body,
            html.P(id=names["what_if"], className="lead fs-6", **{"aria-live": "polite"}),
        ]
    )


def court_page(code: str, court: str, region_name: str):
    """A court's own page: heading (focused on arrival), back link, its tiles, open cases and
    flows; the comparisons and the forecast are collapsed parts, built when opened."""
    return html.Div(
        [
            dcc.Link(
                "← Back to Effectiveness & Efficiency: all courts", href=EE_PATH + "#ee-courts"
            ),
            html.H1(f"{court} Crown Court", id=ids.PAGE_HEADING, tabIndex="-1", className="mt-2"),
            html.P(id=COURT_REGION),
            dcc.Store(id=COURT_STATE, data={"court": code}),
            html.Div(id=COURT_FOCUS, hidden=True),
            html.H2("Latest figures", className="h4"),
            dcc.Loading(dbc.Row(id=COURT_TILES)),
            chart_card(
                COURT_OPEN,
                "Open cases over time",
                "Cases received and not yet disposed of, from every source that has them for this "
                "court: the Crown Court statistics (quarterly, Ministry of Justice) and HMCTS "
                "management information (monthly, where HMCTS has submitted its return).",
            ),
            chart_card(
                COURT_FLOWS,
                "Receipts against disposals",
                "Cases received and cases disposed of each month. When disposals fall below "
                "receipts the backlog grows.",
            ),
            html.H2(f"More for {court}", className="h4 mt-3", id="court-more-heading"),
            *lazy_parts(
                COURT_PARTS_PAGE,
                [
                    (
                        "comparisons",
                        f"Age of open cases, and {court} against similar courts and its region "
                        f"({region_name}) (3 charts)",
                    ),
                    ("forecast", f"Backlog forecast for {court} (1 chart)"),
                ],
                {},
            ),
        ]
    )


def court_part(part: str):
    """One collapsed part of a court's page (pure); its store starts the part's callback, which
    reads the court from the page's own state. None for a part the page does not have."""
    if part == "comparisons":
        return [
            dcc.Store(id=COURT_COMPARISONS_STATE, data={}),
            chart_card(
                COURT_AGE,
                "Age of open cases",
                "Share of open cases that are a year old or more. The Crown Court statistics "
                "publish the age of open cases by HMCTS region and for England and Wales, not "
                "for each court.",
            ),
            chart_card(
                COURT_SIMILAR,
                "Against courts of similar size",
                "Open cases at the end of the latest quarter at this court (marked ◆ and hatched) "
                "and the courts ranked either side of it. Click a bar to open that court.",
                height=360,
            ),
            chart_card(
                COURT_REGION_COURTS,
                "Against the other courts of its region (HMCTS)",
                "Open cases at the end of the latest quarter at every court of the region; the "
                "dashed line is the region's median court.",
                height=420,
            ),
        ]
    if part == "forecast":
        return [
            dcc.Store(id=COURT_FORECAST_STATE, data={}),
            forecast_card(COURT_FORECAST, [], "", "Backlog forecast", choose_area=False),
        ]
    return None


def unknown_court_page():
    return html.Div(
        [
            dcc.Link(
                "← Back to Effectiveness & Efficiency: all courts", href=EE_PATH + "#ee-courts"
            ),
            html.H1("Court not found", id=ids.PAGE_HEADING, tabIndex="-1", className="mt-2"),
            dbc.Alert(
                "That court is not in the latest release. Choose a court from the list on the "
                "Effectiveness & Efficiency page.",
                color="warning",
                id="court-unknown",
            ),
        ]
    )


def ee_page(subgroup, counts: dict[str, int], court_link: tuple[str, str] | None, opened: list):
    """E&E opens on its own courts: their tiles with the national and regional context, each
    court's trend, the backlog forecast; the rest of the page is in collapsed sections, each
    built only when opened (`opened` are built already: a `?measure=` link opens its section)."""
    notice = []
    if court_link:
        name, href = court_link
        notice = [
            dbc.Alert(
                ["Each court now has a page of its own: ", dcc.Link(f"open {name}", href=href)],
                color="info",
            )
        ]
    titles = {
        "headlines": f"Headline figures and every measure ({counts['measures']} measures)",
        "national": "Crown Court cases, England and Wales (receipts, disposals, open cases)",
        "courts": f"Open cases by Crown Court centre ({counts['courts']} courts)",
        "sections": f"Measure charts ({counts['sections']} measures)",
    }
    items = [
        dbc.AccordionItem(
            html.Div(opened_body, id=lazy_body(part)),
            title=titles[part],
            item_id=part,
        )
        for part, opened_body in ((p, dict(opened).get(p)) for p in LAZY_PARTS)
    ]
    return html.Div(
        [
            html.H1(subgroup.name, id=ids.PAGE_HEADING),
            html.P(subgroup.description),
            *notice,
            html.Section(
                [
                    html.H2("Our Crown Courts", className="h4", id="ee-courts"),
                    html.P(
                        "Each of the partnership's Crown Courts: open cases, disposals and the "
                        "time to clear its backlog, with England and Wales and the court's HMCTS "
                        "region beside them. Open a court for its own page.",
                        className="small text-body-secondary",
                    ),
                    dcc.Store(id=EE_COURT_BLOCK_STATE, data={}),
                    dcc.Loading(html.Div(id=EE_COURT_BLOCK)),
                ],
                id=EE_COURTS_SECTION,
            ),
            html.Section(
                [
                    html.H2("Open cases over time at each court", className="h4 mt-3"),
                    dcc.Loading(html.Div(id=EE_COURT_TRENDS)),
                ],
                id="ee-court-trends-section",
            ),
            html.Section(
                forecast_card(EE_FORECAST, [], "national", "Backlog forecast"),
                id=EE_FORECAST_SECTION,
            ),
            html.H2("More for the group", className="h4 mt-3", id="ee-more-heading"),
            html.P(
                "Each part below is drawn when you open it.",
                className="small text-body-secondary",
            ),
            dcc.Store(id=EE_MORE_BUILT, data=[p for p, body in opened if body is not None]),
            dbc.Accordion(
                items,
                id=EE_MORE,
                always_open=True,
                start_collapsed=not opened,
                active_item=[p for p, _ in opened] or None,
            ),
        ]
    )


def lazy_content(part: str, subgroup_id: str, measures: list, datasets: dict, query: dict):
    """What one collapsed part holds, built when it is opened (pure: the caller checked rights)."""
    from layouts import subgroup as grammar_pages
    from layouts.pages import court_chart_cards, national_chart_card

    if part == "headlines":
        return [
            dcc.Store(id=grammar_pages.PAGE_STATE, data={"subgroup": subgroup_id}),
            dcc.Store(id=grammar_pages.PAGE_TABLE_STATE, data={"subgroup": subgroup_id}),
            html.H3("Headlines", className="h5"),
            dbc.Row(id=grammar_pages.PAGE_TILES),
            html.H3("Every measure", className="h5 mt-2"),
            html.P(
                "Latest figure, change on a year ago and SPC reading for each measure; open one "
                "to see its chart, comparison and drill-down.",
                className="small text-body-secondary",
            ),
            dcc.Loading(html.Div(id=grammar_pages.PAGE_TABLE)),
        ]
    if part == "national":
        return [dcc.Store(id=NATIONAL_STATE, data={}), national_chart_card()]
    if part == "courts":
        return [dcc.Store(id=ids.EE_STATE, data={"court": None}), *court_chart_cards()]
    sections = [
        grammar.measure_section(
            spec,
            subgroup_id,
            grammar_pages.section_state(spec.id, query),
            datasets[spec.dataset_id].title,
            datasets[spec.dataset_id].cadence,
            datasets[spec.dataset_id].classification,
        )
        for spec in measures
    ]
    return sections or [html.P("No measure charts for this group.")]
