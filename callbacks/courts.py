"""E&E's courts: each partnership court's tiles and trend, the court pages, the backlog forecast,
and the E&E page's collapsed parts built when opened. Rights are checked in every callback."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks import data, presenting
from callbacks.effectiveness import DATASET, _courts_frame, _source_line
from callbacks.permissions import (
    NotAuthorised,
    can_view_measure,
    current_user,
    refuse_unauthorised,
    require_dataset,
    signed_in_user,
)
from callbacks.rendered import ignores_inputs, stored
from layouts import court as layout
from layouts import ids, spc_chart
from layouts import measure as grammar
from layouts.cards import ee_court_drill, ee_forecast
from layouts.components import About, about_figure, data_table, not_authorised, stale_badge
from layouts.figures import line_trend, ranked_bars
from layouts.pages import COURT_BLOCK_MEASURES
from loaders.areas import ENGLAND_AND_WALES, crown_court_code
from loaders.measures import MEASURES, SUBGROUPS
from presented import courts as court_words
from presented import forecast
from presented.model import tile_texts
from presented.words import format_value, month_label, quarter_label

SUBGROUP = "effectiveness-efficiency"
MI_DATASET = "hmcts_crown_mi"
MI = {
    "open": "hmcts_crown_outstanding",
    "receipts": "hmcts_crown_receipts",
    "disposals": "hmcts_crown_disposals",
}
CCSQ_SOURCE = "Crown Court statistics (quarterly, Ministry of Justice)"
MI_SOURCE = "HMCTS management information (monthly)"
# Each court's tiles, in reading order: its backlog, its time to clear it (with the disposals of
# the last four quarters as its base), then receipts and disposals where HMCTS has submitted them.
COURT_TILE_MEASURES = (
    "crown_open_cases",
    "crown_backlog_years",
    "crown_open_1yr_share",
    MI["open"],
    MI["receipts"],
    MI["disposals"],
)
NATIONAL = "national"
PARTNERSHIP = "partnership"
EMPTY = pd.DataFrame(
    columns=["area_code", "area_name", "parent_code", "period_end", "value", "numerator"]
)


def _obs(measure_id: str, **filters) -> pd.DataFrame:
    """The rows of a measure the user may see, or none (no rights, or nothing loaded)."""
    try:
        return data.observations(measure_id, **filters)
    except NotAuthorised:
        return EMPTY.copy()


def partnership_courts() -> list[tuple[str, str]]:
    """(code, name) of the partnership's Crown Courts, from the LCJP configuration."""
    return [(crown_court_code(name), name) for name in data.lcjp()["crown_courts"]]


def region_name(region_code: str) -> str:
    area = data.area(region_code) if region_code else None
    return area.name if area else "Unknown"


def _source_of(dataset_id: str):
    """The dataset's provenance and why it is stale, read once per request (every tile of a
    dataset shares them)."""
    cache = flask.g.setdefault("court_tile_sources", {})
    if dataset_id not in cache:
        cache[dataset_id] = (data.provenance(dataset_id), data.stale_reason(dataset_id))
    return cache[dataset_id]


def court_tile(measure_id: str, code: str, all_events, href: str):
    """A tile drawn from the measure's presented figure for this court, or None when the user may
    not see it or the data has no figure for this court."""
    if not can_view_measure(current_user(), measure_id):
        return None
    figure = presenting.presented_figure(measure_id, code, all_events=all_events)
    if not figure.has_figures or figure.area_code != code:
        return None
    tile_id = f"{measure_id}-{code}".lower()
    texts = tile_texts(figure)
    tile = grammar.measure_tile(
        tile_id,
        texts,
        href=href,
        is_demo=bool(figure.source and figure.source.is_demo),
        badges=spc_chart.spc_badges(figure.spc) if figure.spc is not None else None,
        suppressed=figure.suppressed,
    )
    # Where the figure came from, whether its source is overdue, and "About this figure".
    dataset_id = MEASURES[measure_id].dataset_id
    prov, stale = _source_of(dataset_id)
    body = tile.children.children.children
    body.append(
        html.P(
            [
                f"Source: {prov.publisher}",
                stale_badge(stale, compact=True),
            ],
            className="small text-body-secondary mb-0",
        )
    )
    body.append(
        about_figure(
            About(prov, data.timezone(), figure.period.label),
            f"tile-{tile_id}-about",
            texts["label"],
        )
    )
    return tile


def context_tiles(region_codes: list[str], all_events) -> list:
    """England & Wales and each partnership court's region beside the courts."""
    wanted = [("crown_open_cases", ENGLAND_AND_WALES)]
    wanted += [("crown_open_1yr_share", code) for code in region_codes]
    wanted += [("crown_open_1yr_share", ENGLAND_AND_WALES)]
    tiles = []
    for measure_id, code in wanted:
        anchor = "#backlog-forecast" if measure_id == "crown_open_cases" else "#ee-courts"
        tile = court_tile(measure_id, code, all_events, anchor)
        if tile is not None:
            tiles.append(tile)
    return tiles


def _check_courts(*_inputs) -> None:
    require_dataset(DATASET)


def _court_of(state) -> tuple:
    """A court page's output depends on its court only (an unknown court is refused, so never
    stored)."""
    return ((state or {}).get("court") if isinstance(state, dict) else None,)


def _first_forecast(area, horizon, target) -> tuple | None:
    """The forecast as a page first draws it (an area offered, the default horizon, no target
    chosen yet) is stored; one the user has changed is drawn (made-up inputs fill no store)."""
    if target or str(horizon) != str(forecast.DEFAULT_HORIZON):
        return None
    return (area,) if area in {o["value"] for o in forecast_area_options()} else None


def _first_court_forecast(state, horizon, target) -> tuple | None:
    if target or str(horizon) != str(forecast.DEFAULT_HORIZON):
        return None
    return _court_of(state)


def _part_court_of(_built, state) -> tuple:
    """A court page's part depends on its court, not on when the part was opened."""
    return _court_of(state)


def _first_court_forecast_part(_built, state, horizon, target) -> tuple | None:
    return _first_court_forecast(state, horizon, target)


@refuse_unauthorised(lambda: not_authorised())
def update_court_block(_state):
    """Each partnership court's tiles (from presented figures), then the national and regional
    context, each court linking to its own page."""
    require_dataset(DATASET)
    courts = _courts_frame()
    all_events = presenting.timeline_events()
    blocks, regions = [], []
    for code, name in partnership_courts():
        row = courts[courts["code"] == code]
        region_code = str(row["region_code"].iloc[0]) if not row.empty else ""
        if region_code and region_code not in regions:
            regions.append(region_code)
        tiles = [
            t
            for t in (
                court_tile(m, code, all_events, layout.court_path(code))
                for m in COURT_TILE_MEASURES
            )
            if t is not None
        ]
        region_line = (
            court_words.region_sentence(
                region_name(region_code), court_words.region_courts(courts, region_code)
            )
            if region_code
            else "Not in the latest release."
        )
        blocks.append(
            html.Section(
                [
                    html.H3(
                        dcc.Link(f"{name} Crown Court", href=layout.court_path(code)),
                        className="h5",
                    ),
                    html.P(f"Region: {region_line}.", className="small mb-2"),
                    dbc.Row(tiles)
                    if tiles
                    else html.P(f"No figures for {name} are loaded.", className="small"),
                ],
                id=f"court-{code.lower()}",
                className="mb-3",
                **{"aria-label": f"{name} Crown Court"},
            )
        )
    notes = [court_words.region_note(region_name(r)) for r in regions]
    blocks.append(
        html.Section(
            [
                html.H3("England and Wales, and the courts' region", className="h5"),
                html.P(" ".join(n for n in notes if n), className="small"),
                dbc.Row(context_tiles(regions, all_events)),
            ],
            id="ee-context",
        )
    )
    return blocks


def court_series(code: str, name: str) -> pd.DataFrame:
    """A court's open cases from every source that has them: quarterly (CCSQ), monthly (MI)."""
    parts = []
    ccsq = _obs("crown_open_cases", area_codes=[code])
    if not ccsq.empty:
        parts.append(
            ccsq.assign(
                series=CCSQ_SOURCE, label=ccsq["period_end"].map(quarter_label), kind="quarter"
            )
        )
    mi = _obs(MI["open"], area_codes=[code], totals_only=True)
    if not mi.empty:
        starts = pd.to_datetime(mi["period_end"]).dt.to_period("M").dt.start_time
        parts.append(mi.assign(series=MI_SOURCE, label=starts.map(month_label), kind="month"))
    if not parts:
        return pd.DataFrame(columns=["period_end", "value", "series", "label"])
    frame = pd.concat(parts, ignore_index=True)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame.sort_values(["series", "period_end"])[["period_end", "value", "series", "label"]]


def series_summary(series: pd.DataFrame, name: str) -> str:
    if series.empty:
        return f"No open-case figures for {name} are loaded."
    parts = []
    for source, part in series.groupby("series", sort=False):
        latest = part.iloc[-1]
        text = (
            f"{format_value(latest['value'], 'count')} open at the end of {latest['label']} "
            f"({source}; {len(part)} {'quarter' if 'quarterly' in source else 'month'}"
            f"{'s' if len(part) != 1 else ''} of figures"
        )
        parts.append(text + ")")
    missing = (
        ""
        if (series["series"] == MI_SOURCE).any()
        else (f"; no HMCTS management information for {name} has been submitted")
    )
    return f"{name}: " + "; ".join(parts) + missing + "."


def series_table(series: pd.DataFrame) -> pd.DataFrame:
    ordered = series.sort_values("period_end", ascending=False)
    return pd.DataFrame(
        {
            "Period": ordered["label"],
            "Source": ordered["series"],
            "Open cases": ordered["value"],
        }
    )


def trend_chart(series: pd.DataFrame):
    if series.empty:
        return {}
    return line_trend(series, x="period_end", y="value", series="series", y_title="Open cases")


@refuse_unauthorised(lambda: not_authorised())
def update_court_trends(_state):
    """One chart per partnership court, with its summary and data table."""
    require_dataset(DATASET)
    blocks = []
    for code, name in partnership_courts():
        series = court_series(code, name)
        blocks.append(
            html.Div(
                [
                    html.H3(dcc.Link(name, href=layout.court_path(code)), className="h5"),
                    html.P(series_summary(series, name), className="chart-summary"),
                    dcc.Graph(
                        figure=trend_chart(series),
                        config={"displaylogo": False},
                        style={"height": "320px"} if not series.empty else {"display": "none"},
                        id=f"court-trend-{code.lower()}",
                    ),
                    html.Details(
                        [
                            html.Summary(f"Show the data behind {name}'s chart"),
                            data_table(series_table(series), f"Open cases at {name}, by source"),
                        ]
                    ),
                ],
                className="mb-3",
            )
        )
    return [*blocks, html.Div(_source_line(), className="small text-body-secondary")]


# ---- Backlog forecast -------------------------------------------------------------------------


def court_flows(code: str) -> tuple[pd.DataFrame, str]:
    """A court's quarterly receipts, disposals and open cases: HMCTS management information
    summed to quarters where submitted, else the Crown Court statistics (which publish no
    receipts or disposals for a court)."""
    mi = forecast.monthly_to_quarterly(
        _obs(MI["open"], area_codes=[code], totals_only=True),
        _obs(MI["receipts"], area_codes=[code], totals_only=True),
        _obs(MI["disposals"], area_codes=[code], totals_only=True),
    )
    if not mi.empty:
        return mi, MI_SOURCE + ", summed to quarters"
    ccsq = forecast.flows(
        _obs("crown_open_cases", area_codes=[code]),
        _obs("crown_receipts", area_codes=[code]),
        _obs("crown_disposals", area_codes=[code]),
    )
    return ccsq, CCSQ_SOURCE


def national_flows() -> pd.DataFrame:
    return forecast.flows(
        _obs("crown_open_cases", area_codes=[ENGLAND_AND_WALES]),
        _obs("crown_receipts", area_codes=[ENGLAND_AND_WALES]),
        _obs("crown_disposals", area_codes=[ENGLAND_AND_WALES]),
    )


def partnership_name() -> str:
    names = [name for _code, name in partnership_courts()]
    return "the partnership's courts (" + " and ".join(names) + ")"


def forecast_for(area: str, horizon: int) -> tuple[forecast.Forecast, str]:
    """The forecast for E&W, the partnership (its courts summed, quarters all have) or a court."""
    courts = dict(partnership_courts())
    if area == PARTNERSHIP:
        frames = [court_flows(code)[0] for code in courts]
        if frames and all(not f.empty for f in frames):
            joined = frames[0].set_index("period_end")
            for other in frames[1:]:
                joined = joined.add(other.set_index("period_end"), fill_value=None).dropna()
            history = joined.reset_index()
        else:
            history = frames[0].iloc[0:0] if frames else national_flows().iloc[0:0]
        source = court_flows(next(iter(courts)))[1] if courts else CCSQ_SOURCE
        return forecast.forecast(history, partnership_name(), horizon), source
    if area in courts or area.startswith("CC-"):
        history, source = court_flows(area)
        name = courts.get(area) or (data.area(area).name if data.area(area) else area)
        return forecast.forecast(history, name, horizon), source
    return forecast.forecast(national_flows(), "England and Wales", horizon), CCSQ_SOURCE


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def forecast_area_options() -> list[dict]:
    options = [{"label": "England and Wales", "value": NATIONAL}]
    options.append({"label": _capital(partnership_name()), "value": PARTNERSHIP})
    options += [{"label": name, "value": code} for code, name in partnership_courts()]
    return options


def _horizon(value) -> int:
    try:
        horizon = int(value)
    except (TypeError, ValueError):
        return forecast.DEFAULT_HORIZON
    return horizon if horizon in forecast.HORIZONS else forecast.DEFAULT_HORIZON


def _forecast_refused() -> tuple:
    """What a forecast card shows a user who may not see the court figures: a message only."""
    return (
        no_update,
        "You do not have access to this information.",
        not_authorised(),
        "",
        "",
        [],
        "",
    )


def forecast_outputs(area: str, horizon, target):
    """Figure, summary, data table, source, 'what if' sentence and target options for one area."""
    fc, source = forecast_for(area or NATIONAL, _horizon(horizon))
    targets = forecast.target_quarters(fc)
    options = [{"label": quarter_label(t), "value": t.isoformat()} for t in targets]
    default = targets[1] if len(targets) > 1 else (targets[0] if targets else None)
    chosen = next((t for t in targets if t.isoformat() == target), default)
    if not fc.can_forecast:
        sentence = ""
    elif fc.baseline is None:
        sentence = f"There is no 2019 Q4 figure for {fc.area_name} to aim back at."
    else:
        plan = forecast.what_if(fc, chosen) if chosen else None
        sentence = plan.sentence if plan else ""
    caption = f"Open cases, {fc.area_name}: recent quarters and the forecast with its 80% interval"
    table = (
        data_table(forecast.table(fc), caption)
        if fc.can_forecast
        else html.P("No forecast: nothing to tabulate.")
    )
    figure = ee_forecast.create_figure(fc) if not fc.history.empty else {}
    return (
        figure,
        ee_forecast.summary(fc),
        table,
        [f"Receipts, disposals and open cases: {source}. ", *_source_line()],
        sentence,
        options,
        chosen.isoformat() if chosen else "",
    )


@refuse_unauthorised(_forecast_refused)
def update_forecast(area, horizon, target):
    require_dataset(DATASET)
    allowed = {o["value"] for o in forecast_area_options()}
    return forecast_outputs(area if area in allowed else NATIONAL, horizon, target)


@refuse_unauthorised(lambda: [])
def forecast_options(_state):
    require_dataset(DATASET)
    return forecast_area_options()


# ---- The court page ---------------------------------------------------------------------------


def court_layout(court: str | None = None, **_query):
    """/effectiveness-efficiency/court/<code>: checks the user may see the courts' figures."""
    user = signed_in_user()
    if user is None:
        return html.Div()
    try:
        require_dataset(DATASET)
        courts = _courts_frame()
    except NotAuthorised:
        return not_authorised()
    row = court_words.named(courts)
    row = row[row["code"] == court]
    if row.empty:
        return layout.unknown_court_page()
    return layout.court_page(
        str(court), str(row["court"].iloc[0]), region_name(str(row["region_code"].iloc[0]))
    )


def _court_row(state):
    code = (state or {}).get("court") if isinstance(state, dict) else None
    courts = _courts_frame()
    match = court_words.named(courts)
    match = match[match["code"] == code]
    if match.empty:
        raise NotAuthorised(f"unknown court {code!r}")
    return courts, match.iloc[0]


def _chart(fig, summary: str, table, source) -> tuple:
    return (fig, summary, table, source)


def _no_chart(message: str) -> tuple:
    return ({}, message, html.P("No figures to show."), "")


@refuse_unauthorised(lambda: ("", not_authorised(), *([{}, "", "", ""] * 5)))
def update_court_page(state):
    """Everything on a court's page but the forecast: region, tiles, trend, flows (its first
    screen), then the age profile and the court against courts of similar size and against its
    region (its comparisons part)."""
    return (*update_court_top(state), *update_court_comparisons(None, state))


@refuse_unauthorised(lambda: ("", not_authorised(), *([{}, "", "", ""] * 2)))
def update_court_top(state):
    """A court page's first screen: region, tiles, open cases over time, receipts and disposals."""
    require_dataset(DATASET)
    courts, court = _court_row(state)
    code, name = str(court["code"]), str(court["court"])
    region_code = str(court["region_code"])
    region = region_name(region_code)
    members = court_words.region_courts(courts, region_code)
    region_text = [
        html.Strong("Region: "),
        court_words.region_sentence(region, members) + ". ",
        court_words.region_note(region),
    ]
    all_events = presenting.timeline_events()
    tiles = [
        t
        for t in (
            court_tile(m, code, all_events, "#" + ids.graph(layout.COURT_OPEN))
            for m in COURT_TILE_MEASURES
        )
        if t is not None
    ]
    series = court_series(code, name)
    opened = _chart(
        trend_chart(series),
        series_summary(series, name),
        data_table(series_table(series), f"Open cases at {name}, by source"),
        _source_line(),
    )
    flows = _court_flows_chart(code, name)
    return (
        region_text,
        tiles or [html.P("No figures for this court are loaded.")],
        *opened,
        *flows,
    )


@refuse_unauthorised(lambda: [{}, "You do not have access to this information.", "", ""] * 3)
def update_court_comparisons(_built, state):
    """The comparisons part, for the court of the page's state (checked like the page's)."""
    require_dataset(DATASET)
    courts, court = _court_row(state)
    code, name = str(court["code"]), str(court["court"])
    region_code = str(court["region_code"])
    region = region_name(region_code)
    return (
        *_age_chart(region_code, region),
        *_similar_chart(courts, code, name),
        *_region_chart(courts, code, name, region_code, region),
    )


@refuse_unauthorised(_forecast_refused)
def update_court_forecast_part(_built, state, horizon, target):
    """The forecast part, for the court of the page's state, once it is opened."""
    return update_court_forecast.__wrapped__(state, horizon, target)


def build_court_part(part: str, _query: dict):
    """A court page's collapsed part, for a user who may see the courts' figures."""
    require_dataset(DATASET)
    body = layout.court_part(part)
    if body is None:
        raise NotAuthorised(f"no part {part!r} on a court's page")
    return body


def _court_flows_chart(code: str, name: str) -> tuple:
    receipts = _obs(MI["receipts"], area_codes=[code], totals_only=True)
    disposals = _obs(MI["disposals"], area_codes=[code], totals_only=True)
    if receipts.empty and disposals.empty:
        backlog = _obs("crown_backlog_years", area_codes=[code])
        known = ""
        if not backlog.empty:
            latest = backlog.sort_values("period_end").iloc[-1]
            known = (
                f" The Crown Court statistics give its disposals over the four quarters to "
                f"{quarter_label(latest['period_end'])}: "
                f"{format_value(latest['denominator'], 'count')} (the base of its years to clear)."
            )
        return _no_chart(
            f"No receipts or disposals by month for {name} are loaded: the Crown Court "
            "statistics publish them for England and Wales only, and HMCTS management "
            "information has them once HMCTS submits its return." + known
        )
    frame = pd.concat(
        [receipts.assign(series="Receipts"), disposals.assign(series="Disposals")],
        ignore_index=True,
    )
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["label"] = frame["period_end"].dt.to_period("M").dt.start_time.map(month_label)
    wide = frame.pivot_table(index=["period_end", "label"], columns="series", values="value")
    wide = wide.reset_index().sort_values("period_end", ascending=False)
    latest = wide.iloc[0]
    net = latest.get("Receipts", 0) - latest.get("Disposals", 0)
    summary = (
        f"In {latest['label']} {name} received {format_value(latest.get('Receipts'), 'count')} "
        f"cases and disposed of {format_value(latest.get('Disposals'), 'count')}: its backlog "
        f"{'grew' if net > 0 else 'fell' if net < 0 else 'held steady'}"
        + (f" by {format_value(abs(net), 'count')}" if net else "")
        + f" ({MI_SOURCE})."
    )
    table = wide.drop(columns="period_end").rename(columns={"label": "Month"})
    return _chart(
        line_trend(frame, x="period_end", y="value", series="series", y_title="Cases"),
        summary,
        data_table(table, f"Receipts and disposals by month at {name}"),
        f"Source: {MI_SOURCE}.",
    )


def _age_chart(region_code: str, region: str) -> tuple:
    trend = ee_court_drill.process_data(
        _obs("crown_open_1yr_share", area_codes=[region_code]),
        _obs("crown_open_1yr_share", area_codes=[ENGLAND_AND_WALES]),
    )
    if trend.empty:
        return _no_chart("No figures on the age of open cases are loaded.")
    return _chart(
        ee_court_drill.create_figure(trend),
        ee_court_drill.summarise(trend, region)
        + " The age of open cases is published by region, not for each court.",
        data_table(
            ee_court_drill.table(trend),
            f"Share of open cases a year old or more: {region} and England and Wales",
        ),
        _source_line(),
    )


def _courts_table(frame: pd.DataFrame, quarter: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Crown Court": frame["court"],
            f"Open cases {quarter}".strip(): frame["open"],
            "A year earlier": frame["year_ago"],
            "Years to clear": [
                format_value(v, "years") if pd.notna(v) else None for v in frame["years"]
            ],
        }
    )


def _similar_chart(courts: pd.DataFrame, code: str, name: str) -> tuple:
    similar = court_words.similar_courts(courts, code).assign(here=lambda d: d["code"] == code)
    named = court_words.named(courts)
    rank = int((named["open"] > float(similar.loc[similar["here"], "open"].iloc[0])).sum()) + 1
    quarter = courts.attrs.get("quarter", "")
    others = similar[~similar["here"]]
    summary = (
        f"{name} had {format_value(similar.loc[similar['here'], 'open'].iloc[0], 'count')} open "
        f"cases at the end of {quarter}, rank {rank} of {len(named)} courts (1 = most). The "
        "courts nearest in size: "
        + ", ".join(f"{r.court} ({format_value(r.open, 'count')})" for r in others.itertuples())
        + "."
    )
    links = {r.court: layout.court_path(r.code) for r in similar.itertuples()}
    return _chart(
        ranked_bars(
            similar,
            label="court",
            value="open",
            highlight="here",
            x_title="Open cases",
            customdata="code",
        ),
        summary,
        data_table(
            _courts_table(similar, quarter),
            f"{name} and courts of similar size, {quarter}",
            links=links,
        ),
        _source_line(quarter),
    )


def _region_chart(courts, code: str, name: str, region_code: str, region: str) -> tuple:
    members = court_words.named(courts)
    members = members[members["region_code"] == region_code].assign(
        here=lambda d: d["code"] == code
    )
    quarter = courts.attrs.get("quarter", "")
    median = float(members["open"].median())
    total = float(members["open"].sum())
    own = float(members.loc[members["here"], "open"].iloc[0])
    summary = (
        f"The {region} region (HMCTS) had {format_value(total, 'count')} open cases at "
        f"{len(members)} courts at the end of {quarter}; {name} held "
        f"{format_value(own, 'count')} of them ({own / total * 100:.0f}%), "
        + (
            "and is the region's median court."
            if own == median
            else f"against {format_value(median, 'count')} at the region's median court."
        )
    )
    links = {r.court: layout.court_path(r.code) for r in members.itertuples()}
    return _chart(
        ranked_bars(
            members,
            label="court",
            value="open",
            highlight="here",
            x_title="Open cases",
            reference=median,
            reference_label=f"Region's median court: {median:,.0f}",
            customdata="code",
        ),
        summary,
        data_table(
            _courts_table(members.sort_values("open", ascending=False), quarter),
            f"Courts of the {region} region (HMCTS), {quarter}",
            links=links,
        ),
        _source_line(quarter),
    )


@refuse_unauthorised(_forecast_refused)
def update_court_forecast(state, horizon, target):
    require_dataset(DATASET)
    _courts, court = _court_row(state)
    return forecast_outputs(str(court["code"]), horizon, target)


@refuse_unauthorised(lambda: no_update)
def open_court(*clicks):
    """A click on a court's bar (the E&E courts chart, or a court page's comparisons), or a choice
    in the picker, opens that court's page (only a URL: its page checks the court)."""
    require_dataset(DATASET)
    trigger = ctx.triggered_id
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    if trigger == ids.EE_COURT_PICKER:
        code = value or None
    else:
        points = (value or {}).get("points") if isinstance(value, dict) else None
        code = points[0].get("customdata") if points else None
    if not code or not isinstance(code, str) or not code.startswith("CC-"):
        return no_update
    return layout.court_path(code)


# ---- The E&E page's collapsed parts -----------------------------------------------------------


def ee_layout(**query):
    """The E&E page: courts first, the rest collapsed and built when opened."""
    from callbacks.subgroup import visible_measures

    user = signed_in_user()
    if user is None:
        return html.Div()
    measures = visible_measures(user, SUBGROUP)
    if not measures:
        return not_authorised("You do not have access to this subgroup's information.")
    shown = [m for m in measures if m.id not in COURT_BLOCK_MEASURES]
    sections = _section_measures(shown, query)
    try:
        court_count = len(court_words.named(_courts_frame()))
    except NotAuthorised:
        court_count = 0
    opened = []
    if query.get("measure") in {m.id for m in shown}:
        opened = [("sections", _lazy("sections", sections, query))]
    court_link = None
    code = query.get("court")
    if isinstance(code, str) and code.startswith("CC-"):
        court_link = (code, layout.court_path(code))
    return layout.ee_page(
        SUBGROUPS[SUBGROUP],
        {"measures": len(measures), "courts": court_count, "sections": len(sections)},
        court_link,
        opened,
    )


def _section_measures(shown: list, query: dict) -> list:
    opened = query.get("measure")
    return [m for m in shown if m.headline or m.id == opened]


def _lazy(part: str, sections: list, query: dict):
    return layout.lazy_content(part, SUBGROUP, sections, data.datasets_as_registered(), query)


def open_parts(active, built, query_search):
    """Build each collapsed part the first time it is opened, for the user's visible measures."""
    from urllib.parse import parse_qsl

    from callbacks.subgroup import visible_measures

    user = current_user()
    measures = visible_measures(user, SUBGROUP)
    if not measures:
        raise NotAuthorised("no E&E measures")
    active = [active] if isinstance(active, str) else list(active or [])
    built = list(built or [])
    query = dict(parse_qsl((query_search or "").lstrip("?")))
    shown = [m for m in measures if m.id not in COURT_BLOCK_MEASURES]
    outputs = []
    for part in layout.LAZY_PARTS:
        if part in active and part not in built:
            outputs.append(_lazy(part, _section_measures(shown, query), query))
            built.append(part)
        else:
            outputs.append(no_update)
    return (*outputs, built)


def _focus_heading_js() -> str:
    """Move focus to the court page's heading once it is drawn, so a screen reader announces
    the court, and start at the top of the page."""
    return """
    function (_state) {
        window.setTimeout(function () {
            var heading = document.getElementById("page-heading");
            if (heading) { heading.focus({preventScroll: true}); window.scrollTo(0, 0); }
        }, 0);
        return "";
    }
    """


def _chart_outputs(card: str) -> list[Output]:
    return [
        Output(ids.graph(card), "figure"),
        Output(ids.summary(card), "children"),
        Output(ids.table(card), "children"),
        Output(ids.source(card), "children"),
    ]


def _forecast_outputs(card: str) -> list[Output]:
    names = layout.forecast_ids(card)
    return [
        *_chart_outputs(card),
        Output(names["what_if"], "children"),
        Output(names["target"], "options"),
        Output(names["target"], "value"),
    ]


def _forecast_inputs(card: str) -> list[Input]:
    names = layout.forecast_ids(card)
    return [Input(names["horizon"], "value"), Input(names["target"], "value")]


def register_court_page() -> None:
    dash.register_page(
        "ee_court",
        path_template=layout.COURT_PATH_TEMPLATE,
        name="Crown Court",
        title="Crown Court – LCJP Performance Board",
        layout=court_layout,
        subgroup=SUBGROUP,
        in_navigation=False,
    )


def register(app: dash.Dash) -> None:
    app.callback(
        Output(layout.EE_COURT_BLOCK, "children"), Input(layout.EE_COURT_BLOCK_STATE, "data")
    )(stored(update_court_block, "court_block", _check_courts, ignores_inputs))
    app.callback(
        Output(layout.EE_COURT_TRENDS, "children"), Input(layout.EE_COURT_BLOCK_STATE, "data")
    )(stored(update_court_trends, "court_trends", _check_courts, ignores_inputs))
    ee_forecast_ids = layout.forecast_ids(layout.EE_FORECAST)
    app.callback(
        Output(ee_forecast_ids["area"], "options"), Input(layout.EE_COURT_BLOCK_STATE, "data")
    )(forecast_options)
    app.callback(
        *_forecast_outputs(layout.EE_FORECAST),
        Input(ee_forecast_ids["area"], "value"),
        *_forecast_inputs(layout.EE_FORECAST),
    )(stored(update_forecast, "ee_forecast", _check_courts, _first_forecast))
    app.callback(
        *[Output(layout.lazy_body(part), "children") for part in layout.LAZY_PARTS],
        Output(layout.EE_MORE_BUILT, "data"),
        Input(layout.EE_MORE, "active_item"),
        State(layout.EE_MORE_BUILT, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(refuse_unauthorised(lambda: (*[no_update] * len(layout.LAZY_PARTS), no_update))(open_parts))
    # The court page.
    app.callback(
        Output(layout.COURT_REGION, "children"),
        Output(layout.COURT_TILES, "children"),
        *_chart_outputs(layout.COURT_OPEN),
        *_chart_outputs(layout.COURT_FLOWS),
        Input(layout.COURT_STATE, "data"),
    )(stored(update_court_top, "court_page", _check_courts, _court_of))
    app.callback(
        *_chart_outputs(layout.COURT_AGE),
        *_chart_outputs(layout.COURT_SIMILAR),
        *_chart_outputs(layout.COURT_REGION_COURTS),
        Input(layout.COURT_COMPARISONS_STATE, "data"),
        State(layout.COURT_STATE, "data"),
    )(stored(update_court_comparisons, "court_comparisons", _check_courts, _part_court_of))
    app.callback(
        *_forecast_outputs(layout.COURT_FORECAST),
        Input(layout.COURT_FORECAST_STATE, "data"),
        State(layout.COURT_STATE, "data"),
        *_forecast_inputs(layout.COURT_FORECAST),
    )(
        stored(
            update_court_forecast_part, "court_forecast", _check_courts, _first_court_forecast_part
        )
    )
    app.clientside_callback(
        _focus_heading_js(),
        Output(layout.COURT_FOCUS, "children"),
        Input(layout.COURT_STATE, "data"),
    )
    for card_inputs in (
        (Input(ids.graph(ids.EE_COURTS), "clickData"), Input(ids.EE_COURT_PICKER, "value")),
        (
            Input(ids.graph(layout.COURT_SIMILAR), "clickData"),
            Input(ids.graph(layout.COURT_REGION_COURTS), "clickData"),
        ),
    ):
        app.callback(
            Output(ids.URL, "pathname", allow_duplicate=True),
            *card_inputs,
            prevent_initial_call=True,
        )(open_court)
