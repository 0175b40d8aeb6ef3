"""E&E page: the national trend and every court ranked by open cases (a bar opens its court's page;
callbacks/courts.py draws the courts themselves)."""

from __future__ import annotations

import dash
from dash import Input, Output

from callbacks import data, revisions
from callbacks.permissions import refuse_unauthorised, require_dataset
from callbacks.rendered import ignores_inputs, stored
from layouts import ids
from layouts.cards import ee_courts, ee_national_trend
from layouts.components import (
    data_table,
    not_authorised,
    provenance_text,
)
from layouts.court import court_path
from loaders.areas import ENGLAND_AND_WALES
from presented.words import quarter_label

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


def _refused(count: int):
    """What a card shows when the user may not see its data: nothing but a plain message."""
    return (dash.no_update, "You do not have access to this information.", not_authorised(), "")[
        :count
    ]


def _check_dataset(*_inputs) -> None:
    require_dataset(DATASET)


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
    links = {row.court: court_path(row.code) for row in named.itertuples()}
    return (
        ee_courts.create_figure(courts),
        ee_courts.summarise(courts, data.lcjp()["crown_courts"]),
        data_table(ee_courts.table(courts), "Open cases by Crown Court centre", links=links),
        _source_line(courts.attrs.get("quarter", "")),
        options,
    )


def register(app: dash.Dash) -> None:
    from layouts.court import NATIONAL_STATE

    app.callback(*_chart_outputs(ids.EE_TREND), Input(NATIONAL_STATE, "data"))(
        stored(update_trend, "ee_trend", _check_dataset, ignores_inputs)
    )
    app.callback(
        *_chart_outputs(ids.EE_COURTS),
        Output(ids.EE_COURT_PICKER, "options"),
        Input(ids.EE_STATE, "data"),
    )(stored(update_courts, "ee_courts", _check_dataset, ignores_inputs))
