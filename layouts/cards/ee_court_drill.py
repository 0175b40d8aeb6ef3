"""Drill-down for one Crown Court: its own figures and its HMCTS region's trend against E&W."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.components import TileData
from layouts.figures import line_trend
from presented.words import change_phrase, format_value, quarter_label


def court_tiles(
    court_row: pd.Series, backlog: pd.DataFrame, source: str, is_demo: bool
) -> list[TileData]:
    """Open now, change on a year ago, and years to clear with its numerator and denominator."""
    tiles = [
        TileData(
            "drill-open",
            f"Open cases at {court_row['court']}",
            format_value(court_row["open"], "count"),
            (
                change_phrase(court_row["open"], court_row["year_ago"], "down_good")
                + " on a year ago"
            )
            if pd.notna(court_row["year_ago"])
            else "no figure a year earlier",
            f"At the end of the latest quarter; a year earlier {format_value(court_row['year_ago'], 'count') if pd.notna(court_row['year_ago']) else 'no figure'}",
            source,
            is_demo,
        )
    ]
    if not backlog.empty:
        row = backlog.sort_values("period_end").iloc[-1]
        tiles.append(
            TileData(
                "drill-years",
                "Years to clear at the current pace",
                format_value(row["value"], "years"),
                f"{row['numerator']:,.0f} open cases ÷ {row['denominator']:,.0f} disposals in the last four quarters",
                f"n = {row['denominator']:,.0f} disposals, {quarter_label(row['period_end'])}",
                source,
                is_demo,
            )
        )
    return tiles


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
