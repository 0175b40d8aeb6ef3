"""The one page grammar for every subgroup and for the LCJP Board overview (pure builders)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import measure as grammar
from layouts.lazy_parts import lazy_parts, measures_title

OVERVIEW_STATE = "overview-state"
OVERVIEW_CONTENT = "overview-content"
PAGE_STATE = "subgroup-page-state"
PAGE_TILES = "subgroup-tiles"
PAGE_TABLE = "subgroup-measures"
PAGE_TABLE_STATE = "subgroup-table-state"


def section_state(measure_id: str, query: dict) -> dict:
    """A section's drill state from the page URL: only the measure named in `?measure=` drills."""
    if query.get("measure") != measure_id:
        return {}
    filters = {k[2:]: v for k, v in query.items() if k.startswith("f_")}
    return {"area": query.get("area"), "period": query.get("period"), "filters": filters}


def first_and_more(measures: list, query: dict) -> tuple[list, list]:
    """(the measure charted on the first screen, those charted in the collapsed part): the
    headline measures and the one the URL opens (`?measure=…`), in page order."""
    opened = query.get("measure")
    expanded = [m for m in measures if m.headline or m.id == opened]
    return expanded[:1], expanded[1:]


def measure_sections(specs: list, subgroup_id: str, datasets: dict, query: dict) -> list:
    return [
        grammar.measure_section(
            spec,
            subgroup_id,
            section_state(spec.id, query),
            datasets[spec.dataset_id].title,
            datasets[spec.dataset_id].cadence,
            datasets[spec.dataset_id].classification,
        )
        for spec in specs
    ]


def subgroup_page(
    subgroup, measures: list, datasets: dict, query: dict, extras: list | None = None
):
    """Headline tiles, bespoke sections and the first headline measure's chart; every measure's
    table and the other charts are collapsed parts, built when opened (a `?measure=…` link
    arrives with its chart's part open and built), so the first screen draws fast."""
    first, more = first_and_more(measures, query)
    parts = [("measures", measures_title("Every measure of this group", len(measures)))]
    if more:
        parts.append(("sections", measures_title("More measure charts", len(more))))
    opened = {}
    if query.get("measure") in {m.id for m in more}:
        opened["sections"] = lazy_part("sections", subgroup.id, measures, datasets, query)
    return html.Div(
        [
            html.H1(subgroup.name, id="page-heading"),
            html.P(subgroup.description),
            dcc.Store(id=PAGE_STATE, data={"subgroup": subgroup.id}),
            html.H2("Headlines", className="h4"),
            dbc.Row(id=PAGE_TILES),
            *(extras or []),
            *measure_sections(first, subgroup.id, datasets, query),
            html.H2("More for the group", className="h4 mt-3", id="subgroup-more-heading"),
            *lazy_parts(subgroup.id, parts, opened),
        ]
    )


def measure_table_part(subgroup_id: str) -> list:
    """The "Every measure" table, filled by its callback once the part holding it is built."""
    return [
        dcc.Store(id=PAGE_TABLE_STATE, data={"subgroup": subgroup_id}),
        html.P(
            "Latest figure, change on a year ago and SPC reading for each measure; open one to "
            "see its chart, comparison and drill-down.",
            className="small text-body-secondary",
        ),
        dcc.Loading(html.Div(id=PAGE_TABLE)),
    ]


def lazy_part(part: str, subgroup_id: str, measures: list, datasets: dict, query: dict):
    """One collapsed part of a grammar page, for measures the caller has checked the user may
    see (pure); None for a part the page does not have."""
    if part == "measures":
        return measure_table_part(subgroup_id)
    if part == "sections":
        _first, more = first_and_more(measures, query)
        return measure_sections(more, subgroup_id, datasets, query) if more else None
    return None


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
