"""The subgroup page grammar: tiles, measure sections with SPC, comparison and drill-down.

One set of pattern-matching callbacks serves every measure of every subgroup page; what a page
shows comes from the measure registry, never from per-page code.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update

from callbacks import data, revisions
from callbacks.permissions import (
    NotAuthorised,
    can_view_measure,
    current_user,
    require_measure,
    sees_small_numbers,
)
from layouts import measure as grammar
from layouts import spc_chart
from layouts import subgroup as layout_pages
from layouts.components import data_table, not_authorised, provenance_text
from layouts.revisions import add_previously_published, mark_revised_points, revision_sentence
from loaders import board, events
from loaders.measures import MEASURES, SUBGROUPS
from loaders.plan import VIEWS, period_view, quarter_months
from loaders.queries import expand_breakdown
from loaders.spc import spc
from presented.words import format_value, period_label

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


def default_focus(view: board.MeasureView, min_points: int = 12) -> str | None:
    """The series a section's SPC chart follows: the LCJP (or first local area) when it has
    enough points for limits, else whichever focus series is longest (often England & Wales)."""
    candidates = [c for c in (plan().lcjp_code, *view.focus_codes) if c in view.headlines]
    if not candidates:
        return None
    counts = view.totals.groupby("area_code").size()
    for code in candidates:
        if counts.get(code, 0) >= min_points:
            return code
    return max(candidates, key=lambda c: counts.get(c, 0))


def period_labeller(rows: pd.DataFrame):
    """Quarterly series read '2025 Q4', monthly 'Jan 2025', years '2022'."""
    kind = rows["period_type"].iloc[-1] if not rows.empty else "month"
    if kind == "quarter":
        return lambda ts: f"{ts.year} Q{(ts.month - 1) // 3 + 1}"
    if kind in {"year", "financial_year"}:
        return lambda ts: (
            f"{ts.year - 1}/{ts.year % 100:02d}" if kind == "financial_year" else str(ts.year)
        )
    return lambda ts: ts.strftime("%b %Y")


def run_spc(view: board.MeasureView, area_code: str, measure_events):
    """SPC for one area's series, with lockdowns kept out of the baseline and breaks rebased."""
    rows = view.totals[view.totals["area_code"] == area_code].sort_values("period_end")
    values = pd.Series(rows["value"].to_numpy(), index=pd.to_datetime(rows["period_end"]))
    rebase_at, exclude = events.spc_options_for(view.spec.id, rows, measure_events)
    return spc(
        values,
        view.spec.polarity,
        target=view.spec.target,
        rebase_at=rebase_at,
        exclude=exclude,
        unit=view.spec.unit,
    ), rows


def revised_points(view: board.MeasureView, area_code: str, hide_small: bool) -> pd.DataFrame:
    """The series' revised periods (callbacks/revisions.series_revisions), with a 'label' per
    period; for a user who may not see small counts, none whose old or new value is small."""
    p = plan()
    members = p.forces if area_code == p.lcjp_code else ()
    frame = revisions.series_revisions(view, area_code, members)
    if hide_small and not frame.empty:
        threshold = data.suppression_threshold()
        small = [
            board.suppressed(now, view.spec.unit, threshold)
            or board.suppressed(before, view.spec.unit, threshold)
            for now, before in zip(frame["value"], frame["previous_value"], strict=True)
        ]
        frame = frame[[not s for s in small]]
    if frame.empty:
        return frame.assign(label=pd.Series(dtype=str))
    ends = pd.to_datetime(frame["period_end"])
    labeller = period_labeller(view.totals[view.totals["area_code"] == area_code])
    return frame.assign(period_end=ends, label=[labeller(ts) for ts in ends])


def mark_revisions(figure, table: pd.DataFrame, revised: pd.DataFrame, where: str, unit: str):
    """Star the revised points on an SPC chart and add 'Previously published' to its table;
    returns the table and the sentence a summary ends with ('' when nothing was revised)."""
    if revised.empty:
        return table, ""
    mark_revised_points(figure, revised, x="period_end", y="value")
    table = add_previously_published(table, revised, table_key="Period", frame_key="label")
    sentence = revision_sentence(revised, lambda row: f"{where}, {row['label']},", unit)
    return table, sentence


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


def breakdown_frame(
    spec, area_code: str, period: str | None, filters: dict
) -> tuple[str | None, pd.DataFrame]:
    """The next drill level for an area: values by the next dimension, for one period."""
    remaining = [d for d in spec.drill if d not in filters]
    if not remaining:
        return None, pd.DataFrame()
    dim = remaining[0]
    raw = expand_breakdown(data.observations(spec.id, area_codes=[area_code]))
    if raw.empty or dim not in raw.columns:
        return None, pd.DataFrame()
    for key, value in filters.items():
        raw = raw[raw[key].astype(str) == value]
    end = pd.Timestamp(period).date() if period else raw["period_end"].max()
    raw = raw[raw["period_end"] == end]
    grouped = raw.groupby(dim, as_index=False).agg(
        value=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum")
    )
    if spec.unit not in board.SUMMABLE_UNITS:
        grouped["value"] = board._rate(grouped["numerator"], grouped["denominator"], spec.unit)
    grouped = grouped.rename(columns={dim: "category"}).sort_values("value", ascending=False)
    grouped.attrs["period_end"] = end
    return dim, grouped


def update_section(state):
    """Fill one measure's section; the measure comes from the component id, checked inside."""
    return section_content(ctx.outputs_list[0]["id"]["measure"], state)


def _empty_section(message: str, table=None) -> tuple:
    """A section with a message and no figures (no access, or nothing loaded yet)."""
    return (None, message, None, {}, {}, table, "", {}, HIDDEN, SHORT)


def section_content(measure_id: str, state: dict | None):
    """Badges, summary, breadcrumb, trend, comparison, tables and source for one measure."""
    spec = MEASURES.get(measure_id)
    try:
        user = current_user()
        if spec is None:
            raise NotAuthorised(f"unknown measure {measure_id}")
        require_measure(spec.id)
    except NotAuthorised:
        return _empty_section("You do not have access to this information.", not_authorised())
    view = view_for(spec)
    if view.totals.empty:
        return _empty_section("No figures are loaded for this measure yet.", None)
    state = clean_state(spec, view, state)
    measure_events = events.events_for(spec.id, timeline_events())
    focus = state["area"] or default_focus(view)
    result, rows = run_spc(view, focus, measure_events)
    focus_name = rows["area_name"].iloc[-1]
    labeller = period_labeller(rows)
    trend = spc_chart.create_figure(
        result, y_title=spec.unit, events=measure_events, period_label=labeller
    )
    label_periods(trend, rows, labeller)
    hide_small = not sees_small_numbers(user)
    threshold = data.suppression_threshold()

    dim, breakdown = (None, pd.DataFrame())
    if state["area"] and spec.drill:
        dim, breakdown = breakdown_frame(spec, state["area"], state["period"], state["filters"])
    spc_rows, revised_sentence = mark_revisions(
        trend,
        spc_chart.spc_table(result, events=measure_events, period_label=labeller),
        revised_points(view, focus, hide_small),
        focus_name,
        spec.unit,
    )
    tables = [
        data_table(
            suppress_small(spc_rows, spec.unit, threshold, hide_small),
            f"{spec.title}, {focus_name}: values, mean, process limits and signals",
        )
    ]
    if dim:
        compare = grammar.breakdown_figure(breakdown, spec.unit, dim)
        tables.append(
            data_table(
                suppress_small(
                    breakdown[["category", "value"]].rename(
                        columns={"category": dim.replace("_", " ").capitalize(), "value": "Value"}
                    ),
                    spec.unit,
                    threshold,
                    hide_small,
                ),
                f"{spec.title}, {focus_name}, period ending "
                f"{breakdown.attrs['period_end']:%d %b %Y}: by {dim.replace('_', ' ')}",
            )
        )
    else:
        compare, ranked = _comparison(view)
        if not ranked.empty:
            tables.append(
                data_table(
                    suppress_small(
                        ranked[["area_name", "rank", "value", "denominator"]].rename(
                            columns={
                                "area_name": "Area",
                                "rank": "Rank (1 = highest)",
                                "value": "Value",
                                "denominator": "n",
                            }
                        ),
                        spec.unit,
                        threshold,
                        hide_small,
                    ),
                    f"{spec.title}: every area at the latest period",
                )
            )
    prov = data.provenance(spec.dataset_id)
    summary = summary_text(view, focus, result, state["view"]) + revised_sentence
    map_figure, map_style = {}, HIDDEN
    if view.level == "force" and not dim:
        shapes = data.map_outlines()
        ranked_forces = board.ranking(view.totals, "police_force_area")
        if shapes and not ranked_forces.empty:
            map_figure = grammar.map_figure(shapes, ranked_forces, set(plan().forces), spec.unit)
            map_style = {}
    return (
        spc_chart.spc_badges(result),
        summary,
        _breadcrumb(spec, view, state, focus_name),
        trend,
        compare,
        tables,
        provenance_text(prov, data.timezone()),
        map_figure,
        map_style,
        {"height": f"{compare.layout.height or 360}px"},
    )


def comparison_text(view: board.MeasureView, headline: board.Headline) -> str:
    """Against E&W where published, else against the median force for force-level measures."""
    national = view.headlines.get(plan().national)
    if headline.area_code == plan().national:
        return ""
    if national is None and view.level == "force":
        return board.compare_with_peers(headline, view.totals, view.spec)
    return board.compare_with_national(headline, national, view.spec)


def label_periods(fig, rows: pd.DataFrame, labeller) -> None:
    """Ticks at the plotted period ends, labelled '2025 Q4' or 'Jan 2025', at most about 12."""
    ends = sorted(pd.to_datetime(rows["period_end"]).unique())
    if not ends:
        return
    step = max(1, len(ends) // 12 + (1 if len(ends) % 12 else 0))
    shown = ends[::step]
    fig.update_xaxes(tickvals=shown, ticktext=[labeller(pd.Timestamp(t)) for t in shown])


def _comparison(view: board.MeasureView):
    """Ranked areas of the local level (forces or courts); otherwise local lines against E&W."""
    area_type = {"force": "police_force_area", "court": "crown_court"}.get(view.level)
    if area_type:
        ranked = board.ranking(view.totals, area_type)
        if not ranked.empty:
            p = plan()
            highlight = set(p.forces) | {
                c
                for c, n in zip(ranked["area_code"], ranked["area_name"], strict=True)
                if n in p.courts
            }
            return grammar.ranking_figure(
                ranked, highlight, set(p.comparators), view.spec.unit
            ), ranked
    return grammar.compare_lines(view, view.focus_codes), pd.DataFrame()


def summary_text(view: board.MeasureView, focus: str, result, board_period: str = "monthly") -> str:
    """The focus area's latest figure for the board period (for the Panel, a monthly measure's
    latest complete quarter), its comparison, then the SPC reading of the plotted series."""
    shown, quarterly = board_period_view(view, focus, board_period)
    headline = shown.headlines.get(focus)
    parts = []
    if headline:
        parts.append(
            f"{headline.area_name}: {format_value(headline.value, view.spec.unit)} in "
            f"{_headline_period(headline, quarterly)}."
        )
        if focus != plan().national:
            parts.append(comparison_text(shown, headline))
    if board_period == "quarterly" and not quarterly:
        parts.append(
            "No complete quarter can be formed for this measure: this is its latest period."
        )
    parts.append(("Monthly SPC reading: " if quarterly else "") + result.reading())
    return " ".join(parts)


def board_period_view(
    view: board.MeasureView, focus: str | None, board_period: str
) -> tuple[board.MeasureView, bool]:
    """The view a board period reads, and whether it is a quarter formed from months: the
    Panel's quarterly view where the focus area has a complete quarter, else the view itself."""
    shown = period_view(view, board_period) if focus else None
    if board_period == "quarterly" and shown is not None and focus in shown.headlines:
        return shown, True
    return view, False


def _headline_period(headline: board.Headline, quarterly: bool) -> str:
    """'Jun 2025', or for a quarter formed from months 'Apr–Jun 2025, the latest complete quarter'."""
    if quarterly:
        return f"{quarter_months(headline.period_end)}, the latest complete quarter"
    return period_label(
        headline.period_type, headline.period_end.replace(day=1), headline.period_end
    )


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


def suppress_small(frame: pd.DataFrame, unit: str, threshold: int, hide: bool) -> pd.DataFrame:
    """Replace small counts with a label for roles that may not see them."""
    if not hide or unit not in board.SUMMABLE_UNITS:
        return frame
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and column.lower() in {"value", "n"}:
            out[column] = [
                f"<{threshold} (suppressed)" if board.suppressed(v, unit, threshold) else v
                for v in out[column]
            ]
    return out


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
    """The "Every measure" table for measures the caller has checked the user may see. For the
    Police and Crime Panel (`board_period` quarterly) a monthly measure's latest figure and change
    are its latest complete quarter's; the SPC reading stays on the measure's own series."""
    all_events = timeline_events()
    p = plan()
    rows, links = [], {}
    for spec in specs:
        require_measure(spec.id)
        view = view_for(spec)
        code = default_focus(view)
        shown, quarterly = board_period_view(view, code, board_period)
        headline = shown.headlines.get(code) if code else None
        if headline is None:
            rows.append([spec.title, "–", "–", "no figures loaded", "", "", ""])
            continue
        result, _rows = run_spc(view, code, events.events_for(spec.id, all_events))
        texts = grammar.tile_texts(
            shown,
            headline,
            shown.headlines.get(p.national),
            comparison_text(shown, headline),
            result.variation_label,
        )
        if not sees_small_numbers(user) and board.suppressed(
            headline.value, spec.unit, data.suppression_threshold()
        ):
            texts["value"] = f"<{data.suppression_threshold()} (suppressed)"
        rows.append(
            [
                spec.title,
                headline.area_name,
                _headline_period(headline, quarterly),
                texts["value"],
                texts["change"],
                texts["comparison"],
                texts["spc"],
            ]
        )
        links[spec.title] = f"{_search(spec.id, {'view': board_period})}#section-{spec.id}"
    frame = pd.DataFrame(
        rows,
        columns=[
            "Measure",
            "Area",
            "Period",
            "Latest",
            "Change on a year ago",
            "Against England & Wales",
            "SPC reading",
        ],
    )
    return data_table(frame, caption, links=links)


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
                spec, all_events, user, href_base=subgroup_path(subgroup_id)
            ):
                (exceptions if signal else tiles).append(tile)
        if tiles or any(m.headline for m in visible_measures(user, subgroup_id)):
            by_subgroup.append((subgroup.name, subgroup_path(subgroup_id), tiles))
    return layout_pages.overview_content(exceptions, by_subgroup)


def headline_tiles(spec, all_events, user, href_base: str = "") -> list[tuple]:
    """(tile, is_signal) per local area of a headline measure, with its SPC reading."""
    view = view_for(spec)
    prov = data.provenance(spec.dataset_id)
    p = plan()
    measure_events = events.events_for(spec.id, all_events)
    national = view.headlines.get(p.national)
    codes = [c for c in view.focus_codes if c != p.national] or [p.national]
    if p.lcjp_code in codes:
        codes = [p.lcjp_code]
    elif view.level in {"court", "region"} and p.national in view.headlines:
        codes.append(p.national)  # courts and regions are read against the national figure
    tiles = []
    for code in codes:
        headline = view.headlines.get(code)
        if headline is None:
            continue
        result, _rows = run_spc(view, code, measure_events)
        comparison = comparison_text(view, headline)
        texts = grammar.tile_texts(view, headline, national, comparison, result.variation_label)
        hide_small = not sees_small_numbers(user)
        hide = hide_small and board.suppressed(
            headline.value, spec.unit, data.suppression_threshold()
        )
        revised = revised_points(view, code, hide_small)
        latest = revised[revised["period_end"] == pd.Timestamp(headline.period_end)]
        signal = result.variation not in (None, "common_cause")
        tile = grammar.measure_tile(
            f"{spec.id}-{code}".lower(),
            texts,
            href=f"{href_base}#section-{spec.id}",
            is_demo=prov.is_demo,
            badges=spc_chart.spc_badges(result),
            suppressed=hide,
            revision="" if hide or latest.empty else latest["revision_note"].iloc[0],
        )
        tiles.append((tile, signal))
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
    )(update_tiles)
    app.callback(
        Output(layout_pages.PAGE_TABLE, "children"), Input(layout_pages.PAGE_STATE, "data")
    )(update_measure_table)
    app.callback(
        Output(layout_pages.OVERVIEW_CONTENT, "children"),
        Input(layout_pages.OVERVIEW_STATE, "data"),
    )(update_overview)


def _component(part: str) -> str:
    """'compare-height' is the comparison graph's own style, so its height fits its bars."""
    return "compare" if part == "compare-height" else part


def _prop(part: str) -> str:
    if part in {"trend", "compare", "map"}:
        return "figure"
    return "style" if part in {"map-wrap", "compare-height"} else "children"
