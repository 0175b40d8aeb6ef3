"""The subgroup page grammar: tiles, measure sections with SPC, comparison and drill-down.

One set of pattern-matching callbacks serves every measure of every subgroup page; what a page
shows comes from the measure registry, never from per-page code.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update

from callbacks import data, presenting
from callbacks.permissions import (
    NotAuthorised,
    can_view_measure,
    current_user,
    require_measure,
)
from callbacks.rendered import ignores_inputs, render_once
from layouts import measure as grammar
from layouts import spc_chart
from layouts import subgroup as layout_pages
from layouts.components import data_table, not_authorised, provenance_text
from layouts.revisions import mark_revised_points
from loaders import board, events
from loaders.measures import MEASURES, SUBGROUPS
from loaders.plan import VIEWS, period_view
from loaders.queries import expand_breakdown
from presented import build
from presented.model import PresentedFigure, tile_texts
from presented.words import axis_title, format_value

HIDDEN = {"display": "none"}
SHORT = {"height": "360px"}
SECTION_PARTS = (
    "badges",
    "summary",
    "breadcrumb",
    "trend",
    "compare",
    "table",
    "source",
    "map",
    "map-wrap",
    "compare-height",
)


def plan() -> board.AreaPlan:
    return board.AreaPlan.from_config(data.lcjp())


def page_measures(subgroup_id: str) -> list:
    """The subgroup's measures in page order."""
    return sorted(
        (m for m in MEASURES.values() if m.subgroup == subgroup_id),
        key=lambda m: (m.order, m.title),
    )


def visible_measures(user, subgroup_id: str) -> list:
    """The measures of a subgroup this user may see (checked again in every callback)."""
    return [spec for spec in page_measures(subgroup_id) if can_view_measure(user, spec.id)]


def view_for(spec) -> board.MeasureView:
    return data.measure_view(spec, plan())


def timeline_events():
    return events.list_events(data.session_factory(), data.lcjp())


def default_focus(view: board.MeasureView) -> str | None:
    """The series a section's SPC chart follows (presented.build decides; one rule for all)."""
    return build.default_focus(view, plan())


def period_labeller(rows: pd.DataFrame):
    """Quarterly series read '2025 Q4', monthly 'Jan 2025', years '2022', April-March '2023/24'."""
    kind = str(rows["period_type"].iloc[-1]) if not rows.empty else "month"
    return build.labeller(kind)


def trend_figure(figure: PresentedFigure, measure_events) -> go.Figure:
    """The SPC chart of a presented figure: its points as its audience may see them, periods
    labelled for the cadence, revised points starred."""
    labeller = build.labeller(_series_kind(figure))
    trend = spc_chart.create_figure(
        figure.spc,
        y_title=axis_title(figure.unit),
        events=measure_events,
        period_label=labeller,
        fmt=lambda value: format_value(value, figure.unit),
    )
    label_periods(trend, figure.points, labeller)
    mark_revised_points(trend, figure.points, x="period_end", y="value")
    return trend


def _series_kind(figure: PresentedFigure) -> str:
    """The cadence of the plotted series (a Panel figure is a quarter formed from months)."""
    return "month" if figure.quarter_note else (figure.period.kind if figure.period else "month")


def _search(measure_id: str, state: dict) -> str:
    query = {"measure": measure_id}
    if state.get("area"):
        query["area"] = state["area"]
    if state.get("period"):
        query["period"] = state["period"]
    for dim, value in (state.get("filters") or {}).items():
        query[f"f_{dim}"] = value
    if state.get("view") in VIEWS and state["view"] != "monthly":
        query["view"] = state["view"]  # the Force page's board period survives a drill-down
    return "?" + urlencode(query)


def clean_state(spec, view: board.MeasureView, state: dict | None) -> dict:
    """Keep only choices that exist in the data: a forged area, period, filter or board period
    is dropped."""
    state = dict(state or {})
    codes = set(view.totals["area_code"])
    area = state.get("area") if state.get("area") in codes else None
    periods = {d.isoformat() for d in view.totals["period_end"]}
    period = state.get("period") if state.get("period") in periods else None
    filters = {}
    for dim in spec.drill:
        value = (state.get("filters") or {}).get(dim)
        if value is None:
            break
        filters[dim] = str(value)
    view_name = state.get("view") if state.get("view") in VIEWS else "monthly"
    return {"area": area, "period": period, "filters": filters, "view": view_name}


def breakdown_frame(spec, area_code: str, period: str | None, filters: dict):
    """The next drill level for an area, as the signed-in user may see it (presented.build)."""
    raw = expand_breakdown(data.observations(spec.id, area_codes=[area_code]))
    return build.breakdown(spec, raw, period, filters, presenting.audience_of(current_user()))


def update_section(state):
    """Fill one measure's section; the measure comes from the component id, checked inside."""
    return section_content(ctx.outputs_list[0]["id"]["measure"], state)


def _empty_section(message: str, table=None) -> tuple:
    """A section with a message and no figures (no access, or nothing loaded yet)."""
    return (None, message, None, {}, {}, table, "", {}, HIDDEN, SHORT)


def section_content(measure_id: str, state: dict | None):
    """Badges, summary, breadcrumb, trend, comparison, tables and source for one measure, all
    drawn from its presented figure (callbacks/presenting.py)."""
    spec = MEASURES.get(measure_id)
    try:
        if spec is None:
            raise NotAuthorised(f"unknown measure {measure_id}")
        require_measure(spec.id)
    except NotAuthorised:
        return _empty_section("You do not have access to this information.", not_authorised())
    view = view_for(spec)
    if view.totals.empty:
        return _empty_section("No figures are loaded for this measure yet.", None)
    state = clean_state(spec, view, state)
    all_events = timeline_events()
    figure = presenting.presented_figure(
        spec.id, state["area"], state["view"], all_events=all_events
    )
    if not figure.has_figures:
        return _empty_section(figure.summary, None)
    measure_events = events.events_for(spec.id, all_events)
    trend = trend_figure(figure, measure_events)
    tables = [
        data_table(
            figure.table,
            f"{spec.title}, {figure.area_name}: values, mean, process limits and signals",
        )
    ]
    dim, breakdown = (None, pd.DataFrame())
    if state["area"] and spec.drill:
        dim, breakdown = breakdown_frame(spec, state["area"], state["period"], state["filters"])
    if dim:
        compare = grammar.breakdown_figure(breakdown.dropna(subset=["value"]), spec.unit, dim)
        tables.append(
            data_table(
                shown_values(
                    breakdown[["category", "value", "suppressed"]].rename(
                        columns={"category": dim.replace("_", " ").capitalize(), "value": "Value"}
                    ),
                    figure.audience,
                ),
                f"{spec.title}, {figure.area_name}, "
                f"{period_label_for(breakdown.attrs['period_end'], figure)}: by "
                f"{dim.replace('_', ' ')}",
            )
        )
    else:
        compare = _comparison(view, figure)
        if not figure.ranking.empty:
            tables.append(data_table(ranking_table(figure), ranking_caption(figure)))
    map_figure, map_style = {}, HIDDEN
    if view.level == "force" and not dim and not figure.ranking.empty:
        shapes = data.map_outlines()
        if shapes:
            map_figure = grammar.map_figure(
                shapes, _ranked_for_chart(figure), set(plan().forces), _ranked_unit(figure)
            )
            map_style = {}
    return (
        [spc_chart.spc_badges(figure.spc), status_badge(figure)],
        figure.summary,
        _breadcrumb(spec, view, state, figure.area_name),
        trend,
        compare,
        tables,
        provenance_text(data.provenance(spec.dataset_id), data.timezone()),
        map_figure,
        map_style,
        {"height": f"{compare.layout.height or 360}px"},
    )


def status_badge(figure: PresentedFigure):
    """'Stale, 12 months old' or 'Provisional' in words beside the SPC badges ('' when current)."""
    if figure.status.kind == "current":
        return None
    return html.Span(
        [html.Strong(figure.status.words), f": {figure.status.reason}."],
        className=f"figure-status figure-status-{figure.status.kind} small",
    )


def period_label_for(end, figure: PresentedFigure) -> str:
    return build.labeller(_series_kind(figure))(pd.Timestamp(end))


def shown_values(frame: pd.DataFrame, audience) -> pd.DataFrame:
    """A table's withheld figures read '<10 (suppressed)'; the flag column is dropped."""
    out = frame.copy()
    flags = out.pop("suppressed").astype(bool)
    for column in out.columns:
        if column in {"Value", "Per 100,000 population", "n"}:
            out[column] = [
                f"<{audience.threshold} (suppressed)" if hidden else value
                for value, hidden in zip(out[column], flags, strict=True)
            ]
    return out


def ranking_table(figure: PresentedFigure) -> pd.DataFrame:
    """Every area at the latest period: rank, figure, base; counts also per 100,000 population."""
    ranked = figure.ranking
    columns = {"area_name": "Area", "rank": "Rank (1 = highest)", "value": "Value"}
    if figure.ranking_basis == "per_100k":
        columns["per_100k"] = "Per 100,000 population"
    else:
        columns["denominator"] = "n"
    table = ranked[[*columns, "suppressed"]].rename(columns=columns)
    table["Rank (1 = highest)"] = (
        table["Rank (1 = highest)"].astype(object).where(table["Rank (1 = highest)"].notna(), "–")
    )
    return shown_values(table, figure.audience)


def ranking_caption(figure: PresentedFigure) -> str:
    basis = (
        ", ranked per 100,000 population (counts beside)"
        if figure.ranking_basis == "per_100k"
        else ""
    )
    return f"{figure.title}: every area at the latest period{basis}"


def _ranked_for_chart(figure: PresentedFigure) -> pd.DataFrame:
    """The areas the chart may draw (withheld ones left out), valued by the ranking's basis."""
    ranked = figure.ranking[figure.ranking["suppressed"] == False]  # noqa: E712
    ranked = ranked.assign(value=ranked[figure.ranking_basis or "value"])
    return ranked.dropna(subset=["value"])


def _ranked_unit(figure: PresentedFigure) -> str:
    return "per_100k" if figure.ranking_basis == "per_100k" else figure.unit


def label_periods(fig, points: pd.DataFrame, labeller) -> None:
    """Ticks at the plotted period ends, labelled '2025 Q4' or 'Jan 2025', at most about 12."""
    ends = sorted(pd.to_datetime(points["period_end"]).unique())
    if not ends:
        return
    step = max(1, len(ends) // 12 + (1 if len(ends) % 12 else 0))
    shown = ends[::step]
    fig.update_xaxes(
        tickvals=shown,
        ticktext=[labeller(pd.Timestamp(t)) for t in shown],
        tickangle=0 if len(shown) <= 8 else -40,
        automargin=True,  # '2023/24' and 'Jun 2025' are never cut at the chart's foot
    )


def _comparison(view: board.MeasureView, figure: PresentedFigure):
    """Ranked areas of the local level (forces or courts); otherwise local lines against E&W."""
    if not figure.ranking.empty:
        p = plan()
        ranked = _ranked_for_chart(figure)
        highlight = set(p.forces) | {
            c
            for c, n in zip(ranked["area_code"], ranked["area_name"], strict=True)
            if n in p.courts
        }
        return grammar.ranking_figure(ranked, highlight, set(p.comparators), _ranked_unit(figure))
    return grammar.compare_lines(figure.compare_series, view.focus_codes, figure.unit)


def board_period_view(
    view: board.MeasureView, focus: str | None, board_period: str
) -> tuple[board.MeasureView, bool]:
    """The view a board period reads, and whether it is a quarter formed from months: the
    Panel's quarterly view where the focus area has a complete quarter, else the view itself."""
    shown = period_view(view, board_period) if focus else None
    if board_period == "quarterly" and shown is not None and focus in shown.headlines:
        return shown, True
    return view, False


def _breadcrumb(spec, view, state, focus_name):
    crumbs = [("All areas", {"area": None})]
    if state["area"]:
        crumbs.append((focus_name, {"area": state["area"]}))
        if state["period"]:
            crumbs.append((state["period"], {"area": state["area"], "period": state["period"]}))
        so_far: dict = {}
        for dim, value in state["filters"].items():
            so_far = {**so_far, dim: value}
            crumbs.append(
                (value, {"area": state["area"], "period": state["period"], "filters": dict(so_far)})
            )
    items = []
    for position, (label, crumb_state) in enumerate(crumbs):
        last = position == len(crumbs) - 1
        if last:
            items.append(
                html.Li(label, className="breadcrumb-item active", **{"aria-current": "page"})
            )
        else:
            items.append(
                html.Li(
                    dcc.Link(label, href=_search(spec.id, crumb_state)), className="breadcrumb-item"
                )
            )
    return html.Ol(items, className="breadcrumb")


def navigate(trend_click, compare_click, map_click, state):
    """Clicks open the next level: an area from the comparison or the map, a period from the
    trend, a category."""
    measure_id = ctx.triggered_id["measure"] if isinstance(ctx.triggered_id, dict) else None
    spec = MEASURES.get(measure_id or "")
    if spec is None:
        return no_update
    state = dict(state or {})
    state.setdefault("filters", {})
    kind = ctx.triggered_id["type"]
    click = {"measure-trend": trend_click, "measure-map": map_click}.get(kind, compare_click)
    if not click or not click.get("points"):
        return no_update
    point = click["points"][0]
    if kind == "measure-map":  # a force on the map opens that force, whatever was open before
        code = point.get("customdata")
        return _search(spec.id, {"area": code, "view": state.get("view")}) if code else no_update
    if kind == "measure-trend":
        if not state.get("area") or not spec.drill:
            return no_update
        state["period"] = str(point.get("x"))[:10]
    elif not state.get("area"):
        state["area"] = point.get("customdata")
    else:
        remaining = [d for d in spec.drill if d not in state["filters"]]
        if not remaining:
            return no_update
        state["filters"] = {**state["filters"], remaining[0]: point.get("y") or point.get("x")}
    return _search(spec.id, state)


def update_tiles(page_state):
    """Headline tiles for the page's subgroup."""
    user = current_user()
    subgroup_id = (page_state or {}).get("subgroup")
    all_events = timeline_events()
    from callbacks.pages import EXTRAS

    covered = EXTRAS.get(subgroup_id, (None, ()))[1]  # a bespoke block shows these itself
    tiles = [
        tile
        for spec in visible_measures(user, subgroup_id)
        if spec.headline and spec.id not in covered
        for tile, _signal in headline_tiles(spec, all_events, user)
    ]
    return tiles or [
        dbc.Alert("No headline figures are loaded for this group yet.", color="secondary")
    ]


def update_measure_table(page_state):
    """One row per measure the user may see: latest, change, against E&W, SPC reading, a link."""
    user = current_user()
    subgroup_id = (page_state or {}).get("subgroup")
    return measure_table(
        user, visible_measures(user, subgroup_id), "Every measure of this group, latest period"
    )


def measure_table(user, specs: list, caption: str, board_period: str = "monthly"):
    """The "Every measure" table for measures the caller has checked the user may see, from each
    measure's presented figure. For the Police and Crime Panel (`board_period` quarterly) a
    monthly measure's latest figure and change are its latest complete quarter's; the SPC
    reading stays on the measure's own series."""
    all_events = timeline_events()
    rows, links = [], {}
    for spec in specs:
        figure = presenting.presented_figure(spec.id, None, board_period, all_events=all_events)
        if not figure.has_figures:
            rows.append([spec.title, "–", "–", "no figures loaded", "", "", "", ""])
            continue
        texts = tile_texts(figure)
        rows.append(
            [
                spec.title,
                figure.area_name,
                figure.quarter_note or figure.period.label,
                texts["value"],
                texts["status"] or "Current",
                texts["change"],
                texts["comparison"],
                texts["spc"],
            ]
        )
        links[spec.title] = measure_link(spec, board_period)
    frame = pd.DataFrame(
        rows,
        columns=[
            "Measure",
            "Area",
            "Period",
            "Latest",
            "Status",
            "Change on a year ago",
            "Against like figures",
            "SPC reading",
        ],
    )
    return data_table(frame, caption, links=links)


def measure_link(spec, board_period: str = "monthly", href_base: str = "") -> str:
    """Where a measure is drawn: its own section, or the part of the E&E page that presents
    it (the courts, the forecast), so no link points at an id no element has."""
    from layouts.pages import COURT_BLOCK_ANCHORS, EE_PATH

    if spec.id in COURT_BLOCK_ANCHORS:
        return f"{href_base or EE_PATH}#{COURT_BLOCK_ANCHORS[spec.id]}"
    return f"{_search(spec.id, {'view': board_period})}#section-{spec.id}"


def tile_link(spec, code: str, href_base: str = "") -> str:
    """A headline tile opens its measure's section; a court's tile opens the court's page."""
    from layouts.court import court_path
    from layouts.pages import COURT_BLOCK_ANCHORS, EE_PATH

    if spec.id in COURT_BLOCK_ANCHORS:
        if code.startswith("CC-"):
            return court_path(code)
        return f"{href_base or EE_PATH}#{COURT_BLOCK_ANCHORS[spec.id]}"
    # The section may be in a collapsed part: `?measure=` arrives with it open and built.
    return f"{href_base}?measure={spec.id}#section-{spec.id}"


def update_overview(_state):
    """Every subgroup's headline tiles; tiles whose latest point is a special-cause signal first."""
    from callbacks.pages import BOARD_SUBGROUPS, subgroup_path

    user = current_user()
    all_events = timeline_events()
    exceptions, by_subgroup = [], []
    for subgroup_id in BOARD_SUBGROUPS:
        subgroup = SUBGROUPS.get(subgroup_id)
        if subgroup is None:
            continue
        tiles = []
        for spec in visible_measures(user, subgroup_id):
            if not spec.headline:
                continue
            for tile, signal in headline_tiles(
                spec, all_events, user, href_base=subgroup_path(subgroup_id), sparklines=True
            ):
                (exceptions if signal else tiles).append(tile)
        if tiles or any(m.headline for m in visible_measures(user, subgroup_id)):
            by_subgroup.append((subgroup.name, subgroup_path(subgroup_id), tiles))
    return layout_pages.overview_content(exceptions, by_subgroup)


def headline_tiles(
    spec, all_events, user, href_base: str = "", sparklines: bool = False
) -> list[tuple]:
    """(tile, is_exception) per local area of a headline measure, from its presented figure: a
    stale figure is never an exception. The board overview's tiles carry a sparkline."""
    view = view_for(spec)
    prov = data.provenance(spec.dataset_id)
    tiles = []
    for code in presenting.headline_codes(view):
        figure = presenting.presented_figure(spec.id, code, all_events=all_events)
        if not figure.has_figures:
            continue
        tile_id = f"{spec.id}-{code}".lower()
        tile = grammar.measure_tile(
            tile_id,
            tile_texts(figure),
            href=tile_link(spec, code, href_base),
            is_demo=prov.is_demo,
            badges=spc_chart.spc_badges(figure.spc),
            suppressed=figure.suppressed,
            sparkline=grammar.sparkline(figure.points, figure.unit, tile_id)
            if sparklines
            else None,
        )
        tiles.append((tile, figure.is_exception))
    return tiles


def register(app: dash.Dash) -> None:
    app.callback(
        *[
            Output(grammar.section_id(_component(part), MATCH), _prop(part))
            for part in SECTION_PARTS
        ],
        Input(grammar.section_id("state", MATCH), "data"),
    )(update_section)
    app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(grammar.section_id("trend", MATCH), "clickData"),
        Input(grammar.section_id("compare", MATCH), "clickData"),
        Input(grammar.section_id("map", MATCH), "clickData"),
        State(grammar.section_id("state", MATCH), "data"),
        prevent_initial_call=True,
    )(navigate)
    app.callback(
        Output(layout_pages.PAGE_TILES, "children"), Input(layout_pages.PAGE_STATE, "data")
    )(render_once("tiles", _signed_in, _subgroup_of)(update_tiles))
    app.callback(
        Output(layout_pages.PAGE_TABLE, "children"), Input(layout_pages.PAGE_TABLE_STATE, "data")
    )(render_once("measure_table", _signed_in, _subgroup_of)(update_measure_table))
    app.callback(
        Output(layout_pages.OVERVIEW_CONTENT, "children"),
        Input(layout_pages.OVERVIEW_STATE, "data"),
    )(render_once("overview", _signed_in, ignores_inputs)(update_overview))


def _signed_in(*_inputs) -> None:
    """The board's tiles and table show each user only measures they may see: the cut_key of
    callbacks/rendered.py holds which, so being signed in is all that is checked here."""
    current_user()


def _subgroup_of(page_state) -> tuple | None:
    """A subgroup page's tiles and table depend on its subgroup; one no page has is drawn, not
    stored."""
    subgroup_id = (page_state or {}).get("subgroup") if isinstance(page_state, dict) else None
    return (subgroup_id,) if subgroup_id in SUBGROUPS else None


def _component(part: str) -> str:
    """'compare-height' is the comparison graph's own style, so its height fits its bars."""
    return "compare" if part == "compare-height" else part


def _prop(part: str) -> str:
    if part in {"trend", "compare", "map"}:
        return "figure"
    return "style" if part in {"map-wrap", "compare-height"} else "children"
