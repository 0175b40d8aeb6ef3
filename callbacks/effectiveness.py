"""E&E page: tiles, national trend, courts with drill-down, and regional timeliness."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from callbacks import data, revisions
from callbacks.permissions import refuse_unauthorised, require_dataset
from layouts import ids
from layouts.cards import ee_court_drill, ee_courts, ee_national_trend, ee_tiles
from layouts.components import (
    About,
    create_tile,
    data_table,
    not_authorised,
    provenance_text,
)
from layouts.pages import EE_PATH
from layouts.revisions import tile_revision
from loaders.areas import ENGLAND_AND_WALES
from presented.words import local_time, quarter_label

DATASET = "moj_ccsq_crown"


def _chart_outputs(card: str) -> list[Output]:
    return [
        Output(ids.graph(card), "figure"),
        Output(ids.summary(card), "children"),
        Output(ids.table(card), "children"),
        Output(ids.source(card), "children"),
    ]


def _source_line(period: str = "") -> list:
    return provenance_text(
        data.provenance(DATASET), data.timezone(), period, data.stale_reason(DATASET)
    )


def _about() -> About:
    """What every tile's "About this figure" starts from: the dataset's current vintage."""
    return About(data.provenance(DATASET), data.timezone())


def _source_text(prov=None) -> str:
    """The short provenance a tile carries: publisher and when the figures were loaded."""
    prov = prov or data.provenance(DATASET)
    text = f"Source: {prov.publisher} · data as at {local_time(prov.loaded_at, data.timezone())}"
    return text + (" · Demo data" if prov.is_demo else "")


def _refused(count: int):
    """What a card shows when the user may not see its data: nothing but a plain message."""
    return (dash.no_update, "You do not have access to this information.", not_authorised(), "")[
        :count
    ]


@refuse_unauthorised(lambda: [not_authorised()])
def update_tiles(_state):
    """Headline tiles for the LCJP's courts and England & Wales."""
    require_dataset(DATASET)
    about = _about()
    tiles = ee_tiles.process_data(
        revisions.observations("crown_open_cases", area_type="crown_court"),
        revisions.observations("crown_open_cases", area_codes=[ENGLAND_AND_WALES]),
        revisions.observations("crown_open_1yr_share", area_codes=[ENGLAND_AND_WALES]),
        data.lcjp()["crown_courts"],
        _source_text(about.provenance),
        about.provenance.is_demo,
        about=about,
    )
    stale = data.stale_reason(DATASET)
    return [create_tile(replace(t, stale_reason=stale)) for t in tiles]


@refuse_unauthorised(lambda: _refused(4))
def update_trend(_state):
    """National receipts, disposals and open cases."""
    require_dataset(DATASET)
    frames = {
        m: revisions.observations(m, area_codes=[ENGLAND_AND_WALES])
        for m in ee_national_trend.SERIES
    }
    series = ee_national_trend.process_data(frames)
    period = (
        f"{quarter_label(series['period_end'].min())} to {quarter_label(series['period_end'].max())}"
        if not series.empty
        else ""
    )
    return (
        ee_national_trend.create_figure(series),
        ee_national_trend.summarise(series),
        data_table(
            ee_national_trend.table(series), "Crown Court cases by quarter, England and Wales"
        ),
        _source_line(period),
    )


def _courts_frame():
    return ee_courts.process_data(
        data.observations("crown_open_cases", area_type="crown_court"),
        data.observations("crown_backlog_years", area_type="crown_court"),
        data.lcjp()["crown_courts"],
    )


@refuse_unauthorised(lambda: (*_refused(4), []))
def update_courts(state):
    """Open cases by court, with the picker's options for keyboard drill-down."""
    require_dataset(DATASET)
    courts = _courts_frame()
    named = ee_courts.named_courts(courts).sort_values("court")
    options = [{"label": "All courts (no drill-down)", "value": ""}] + [
        {"label": c, "value": code} for c, code in zip(named["court"], named["code"], strict=True)
    ]
    links = {row.court: f"{EE_PATH}?{urlencode({'court': row.code})}" for row in named.itertuples()}
    return (
        ee_courts.create_figure(courts),
        ee_courts.summarise(courts, data.lcjp()["crown_courts"]),
        data_table(ee_courts.table(courts), "Open cases by Crown Court centre", links=links),
        _source_line(courts.attrs.get("quarter", "")),
        options,
    )


@refuse_unauthorised(lambda: no_update)
def navigate_to_court(click, picked, state):
    """A click on a court's bar, or a choice in the picker, opens that court's drill-down URL
    (only a URL: update_drill checks the court against what the user may see)."""
    require_dataset(DATASET)
    if ctx.triggered_id == ids.graph(ids.EE_COURTS):
        if not click or not click.get("points"):
            return no_update
        code = click["points"][0].get("customdata")
    else:
        code = picked or None
    if code == (state if isinstance(state, dict) else {}).get("court"):
        return no_update
    return f"?{urlencode({'court': code})}" if code else ""


@refuse_unauthorised(lambda: (not_authorised(), [], *_refused(4)))
def update_drill(state):
    """The chosen court's own figures and its region's trend against England & Wales."""
    court_code = (state or {}).get("court") if isinstance(state, dict) else None
    require_dataset(DATASET)
    courts = _courts_frame()
    match = courts[courts["code"] == court_code]
    if match.empty:
        # A forged or stale code: say so plainly and return no figures.
        message = dbc.Alert(
            "That court is not in the latest release. Choose a court from the list.",
            color="warning",
            id="drill-unknown",
        )
        return (message, [], {}, "No court chosen.", "", "")
    court = match.iloc[0]
    region = data.area(court["region_code"])
    region_name = region.name if region else "Unknown region"
    about = _about()
    tiles = ee_court_drill.court_tiles(
        court,
        data.observations("crown_backlog_years", area_codes=[court_code]),
        _source_text(about.provenance),
        about.provenance.is_demo,
    )
    stale = data.stale_reason(DATASET)
    court_open = revisions.observations("crown_open_cases", area_codes=[court_code])
    latest_open = court_open.sort_values("period_end").iloc[-1] if not court_open.empty else None
    tiles = [
        replace(
            tile,
            revision=tile_revision(latest_open) if tile.tile_id == "drill-open" else "",
            about=about.for_period(courts.attrs.get("quarter", "")),
        )
        for tile in tiles
    ]
    trend = ee_court_drill.process_data(
        data.observations("crown_open_1yr_share", area_codes=[court["region_code"]]),
        data.observations("crown_open_1yr_share", area_codes=[ENGLAND_AND_WALES]),
    )
    breadcrumb = html.Ol(
        [
            html.Li(dcc.Link("All Crown Courts", href=EE_PATH), className="breadcrumb-item"),
            html.Li(f"{region_name} region", className="breadcrumb-item"),
            html.Li(court["court"], className="breadcrumb-item active", **{"aria-current": "page"}),
        ],
        className="breadcrumb",
    )
    return (
        breadcrumb,
        [create_tile(replace(t, stale_reason=stale)) for t in tiles],
        ee_court_drill.create_figure(trend),
        ee_court_drill.summarise(trend, region_name),
        data_table(
            ee_court_drill.table(trend),
            f"Share of open cases a year old or more: {region_name} and England and Wales",
        ),
        _source_line(),
    )


def register(app: dash.Dash) -> None:
    state = Input(ids.EE_STATE, "data")
    app.callback(Output(ids.EE_TILES, "children"), state)(update_tiles)
    app.callback(*_chart_outputs(ids.EE_TREND), state)(update_trend)
    app.callback(*_chart_outputs(ids.EE_COURTS), Output(ids.EE_COURT_PICKER, "options"), state)(
        update_courts
    )
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.graph(ids.EE_COURTS), "clickData"),
        Input(ids.EE_COURT_PICKER, "value"),
        State(ids.EE_STATE, "data"),
        prevent_initial_call=True,
    )(navigate_to_court)
    app.callback(
        Output(ids.breadcrumb(ids.EE_DRILL), "children"),
        Output(ids.EE_DRILL_TILES, "children"),
        *_chart_outputs(ids.EE_DRILL),
        state,
    )(update_drill)
