"""National Crown Court receipts, disposals and open cases by quarter."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import line_trend
from layouts.revisions import (
    REVISION_COLUMNS,
    add_previously_published,
    mark_revised_points,
    revision_sentence,
)
from presented.words import quarter_label

SERIES = {
    "crown_receipts": "Receipts",
    "crown_disposals": "Disposals",
    "crown_open_cases": "Open cases",
}


def process_data(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long frame: quarter, series label, value; one row per measure per quarter.

    Revision columns, where the frames carry them, pass through so revised points are marked.
    """
    parts = []
    for measure_id, label in SERIES.items():
        source = frames[measure_id]
        keep = ["period_end", "value", *[c for c in REVISION_COLUMNS if c in source.columns]]
        frame = source[keep].copy()
        frame["series"] = label
        parts.append(frame)
    data = pd.concat(parts, ignore_index=True)
    data["quarter"] = data["period_end"].map(quarter_label)
    return data.sort_values(["series", "period_end"], key=_series_order)


def _series_order(column: pd.Series) -> pd.Series:
    if column.name == "series":
        return column.map(list(SERIES.values()).index)
    return column


def create_figure(data: pd.DataFrame) -> go.Figure:
    fig = line_trend(data, x="period_end", y="value", series="series", y_title="Cases")
    return mark_revised_points(fig, data, x="period_end", y="value", label="series")


def table(data: pd.DataFrame) -> pd.DataFrame:
    wide = data.pivot_table(index=["period_end", "quarter"], columns="series", values="value")
    wide = wide.reset_index().sort_values("period_end", ascending=False)
    wide = wide[["quarter", *[s for s in SERIES.values() if s in wide.columns]]].rename(
        columns={"quarter": "Quarter"}
    )
    return add_previously_published(
        wide, data, table_key="Quarter", frame_key="quarter", series="series"
    )


def summarise(data: pd.DataFrame) -> str:
    if data.empty:
        return "No national figures are loaded yet."
    wide = table(data)
    latest = wide.iloc[0]
    year_ago = wide.iloc[4] if len(wide) > 4 else None
    text = (
        f"In {latest['Quarter']} the Crown Court in England and Wales received "
        f"{latest['Receipts']:,.0f} cases and disposed of {latest['Disposals']:,.0f}; "
        f"{latest['Open cases']:,.0f} cases were open at the quarter's end"
    )
    if year_ago is not None:
        change = latest["Open cases"] - year_ago["Open cases"]
        text += f", {'up' if change >= 0 else 'down'} {abs(change):,.0f} on a year earlier"
    return (
        text
        + "."
        + revision_sentence(data, lambda row: f"{row['series']}, {row['quarter']},", "count")
    )
