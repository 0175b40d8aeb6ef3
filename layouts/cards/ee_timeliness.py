"""Offence-to-completion days in the LCJP's HMCTS region against England & Wales."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import line_trend
from layouts.formatting import quarter_label


def process_data(region: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    data = pd.concat([region, national], ignore_index=True)[["area_name", "period_end", "value"]]
    data["quarter"] = data["period_end"].map(quarter_label)
    return data.sort_values(["area_name", "period_end"])


def create_figure(data: pd.DataFrame) -> go.Figure:
    return line_trend(
        data,
        x="period_end",
        y="value",
        series="area_name",
        y_title="Median days, offence to completion",
    )


def table(data: pd.DataFrame) -> pd.DataFrame:
    wide = data.pivot_table(index=["period_end", "quarter"], columns="area_name", values="value")
    wide = wide.reset_index().sort_values("period_end", ascending=False).drop(columns="period_end")
    return wide.rename(columns={"quarter": "Quarter"})


def summarise(data: pd.DataFrame, region_name: str) -> str:
    if data.empty:
        return "No timeliness figures are loaded yet."
    latest_end = data["period_end"].max()
    latest = data[data["period_end"] == latest_end].set_index("area_name")["value"]
    others = [n for n in latest.index if n != region_name]
    region_value = latest.get(region_name)
    if region_value is None:
        return f"No figure for the {region_name} region in {quarter_label(latest_end)}."
    text = (
        f"In {quarter_label(latest_end)} the median case in the {region_name} region took "
        f"{region_value:,.0f} days from offence to completion"
    )
    if others:
        gap = region_value - latest[others[0]]
        text += (
            f", {abs(gap):,.0f} days {'longer' if gap > 0 else 'shorter'} than across England and Wales "
            f"({latest[others[0]]:,.0f} days)"
        )
    return text + "."
