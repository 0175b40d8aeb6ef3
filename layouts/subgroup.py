"""The one page grammar for every subgroup and for the LCJP Board overview (pure builders)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import measure as grammar

OVERVIEW_STATE = "overview-state"
OVERVIEW_CONTENT = "overview-content"
PAGE_STATE = "subgroup-page-state"
PAGE_TILES = "subgroup-tiles"
PAGE_TABLE = "subgroup-measures"


def section_state(measure_id: str, query: dict) -> dict:
    """A section's drill state from the page URL: only the measure named in `?measure=` drills."""
    if query.get("measure") != measure_id:
        return {}
    filters = {k[2:]: v for k, v in query.items() if k.startswith("f_")}
    return {"area": query.get("area"), "period": query.get("period"), "filters": filters}


def subgroup_page(
    subgroup, measures: list, datasets: dict, query: dict, extras: list | None = None
):
    """Headline tiles, every measure in one table, bespoke sections, then charts for the headline
    measures and for the measure the URL opens (`?measure=…`), so a page stays quick to draw."""
    opened = query.get("measure")
    expanded = [m for m in measures if m.headline or m.id == opened]
    sections = [
        grammar.measure_section(
            spec,
            subgroup.id,
            section_state(spec.id, query),
            datasets[spec.dataset_id].title,
            datasets[spec.dataset_id].cadence,
            datasets[spec.dataset_id].classification,
        )
        for spec in expanded
    ]
    return html.Div(
        [
            html.H1(subgroup.name, id="page-heading"),
            html.P(subgroup.description),
            dcc.Store(id=PAGE_STATE, data={"subgroup": subgroup.id}),
            html.H2("Headlines", className="h4"),
            dbc.Row(id=PAGE_TILES),
            html.H2("Every measure", className="h4 mt-2"),
            html.P(
                "Latest figure, change on a year ago and SPC reading for each measure; open one to "
                "see its chart, comparison and drill-down.",
                className="small text-body-secondary",
            ),
            dcc.Loading(html.Div(id=PAGE_TABLE)),
            *(extras or []),
            *sections,
        ]
    )


def overview_page(lcjp_name: str):
    """The LCJP Board overview: every subgroup's headlines, exceptions first (filled by a callback)."""
    return html.Div(
        [
            html.H1("LCJP Board overview", id="page-heading"),
            html.P(
                f"Headline measures of every {lcjp_name} subgroup. Measures whose latest point is a "
                "special-cause signal come first; the rest follow by subgroup."
            ),
            dcc.Store(id=OVERVIEW_STATE, data={}),
            dcc.Loading(html.Div(id=OVERVIEW_CONTENT)),
        ]
    )


def overview_content(exceptions: list, by_subgroup: list[tuple[str, str, list]]):
    """Exceptions section then one row of tiles per subgroup, each linking to its page."""
    blocks = [
        html.H2("Exceptions: new special-cause signals", className="h4"),
        dbc.Row(exceptions)
        if exceptions
        else html.P(
            "No headline measure shows a special-cause signal at its latest point.",
            id="no-exceptions",
        ),
    ]
    for name, path, tiles in by_subgroup:
        blocks.append(html.H2(dcc.Link(name, href=path), className="h4 mt-3"))
        blocks.append(dbc.Row(tiles) if tiles else html.P("No headline figures loaded yet."))
    return blocks
