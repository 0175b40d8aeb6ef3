"""A court's HMCTS region against England & Wales: the share of open cases a year old or more."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import line_trend
from presented.words import quarter_label


def process_data(region_share: pd.DataFrame, national_share: pd.DataFrame) -> pd.DataFrame:
    """Region and E&W share of open cases a year old or more, by quarter."""
    data = pd.concat([region_share, national_share], ignore_index=True)
    data = data[["area_name", "period_end", "value", "numerator", "denominator"]].copy()
    data["quarter"] = data["period_end"].map(quarter_label)
    return data.sort_values(["area_name", "period_end"])


def create_figure(data: pd.DataFrame) -> go.Figure:
    return line_trend(
        data,
        x="period_end",
        y="value",
        series="area_name",
        y_title="% of open cases a year old or more",
    )


def table(data: pd.DataFrame) -> pd.DataFrame:
    wide = data.pivot_table(index=["period_end", "quarter"], columns="area_name", values="value")
    wide = wide.reset_index().sort_values("period_end", ascending=False).drop(columns="period_end")
    return wide.rename(columns={"quarter": "Quarter"}).round(1)


def summarise(data: pd.DataFrame, region_name: str) -> str:
    if data.empty:
        return f"No figures for {region_name} are loaded."
    latest_end = data["period_end"].max()
    latest = data[data["period_end"] == latest_end].set_index("area_name")["value"]
    national = [n for n in latest.index if n != region_name]
    text = f"In {quarter_label(latest_end)}, {latest.get(region_name, float('nan')):.1f}% of open cases in the {region_name} region were a year old or more"
    if national:
        text += f", against {latest[national[0]]:.1f}% across England and Wales"
    return text + "."
