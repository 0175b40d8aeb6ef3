"""Open cases by Crown Court centre: the LCJP's courts marked, the national median drawn."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import ranked_bars
from presented.words import quarter_label

UNKNOWN_PREFIX = "Unknown"


def process_data(
    court_open: pd.DataFrame, backlog_years: pd.DataFrame, lcjp_courts: list[str]
) -> pd.DataFrame:
    """One row per court at the latest quarter, with the year-ago figure and years of backlog."""
    if court_open.empty:
        return pd.DataFrame(
            columns=["code", "court", "region_code", "open", "year_ago", "change", "years", "lcjp"]
        )
    latest_end = court_open["period_end"].max()
    year_ago_end = latest_end.replace(year=latest_end.year - 1)
    latest = court_open[court_open["period_end"] == latest_end]
    earlier = court_open[court_open["period_end"] == year_ago_end].set_index("area_code")["value"]
    years = backlog_years[backlog_years["period_end"] == latest_end].set_index("area_code")["value"]
    data = pd.DataFrame(
        {
            "code": latest["area_code"].to_numpy(),
            "court": latest["area_name"].to_numpy(),
            "region_code": latest["parent_code"].to_numpy(),
            "open": latest["value"].to_numpy(),
        }
    )
    data["year_ago"] = data["code"].map(earlier)
    data["change"] = data["open"] - data["year_ago"]
    data["years"] = data["code"].map(years)
    data["lcjp"] = data["court"].isin(lcjp_courts)
    data.attrs["quarter"] = quarter_label(latest_end)
    return data.sort_values("open", ascending=False, ignore_index=True)


def named_courts(data: pd.DataFrame) -> pd.DataFrame:
    """Courts with a known name: the 'Unknown' bucket is part of the total but not a court."""
    return data[~data["court"].str.startswith(UNKNOWN_PREFIX)]


def national_median(data: pd.DataFrame) -> float | None:
    courts = named_courts(data)
    return float(courts["open"].median()) if not courts.empty else None


def create_figure(data: pd.DataFrame) -> go.Figure:
    courts = named_courts(data)
    median = national_median(data)
    return ranked_bars(
        courts,
        label="court",
        value="open",
        highlight="lcjp",
        x_title="Open cases",
        reference=median,
        reference_label=f"Median court: {median:,.0f}" if median is not None else "",
        customdata="code",
    )


def table(data: pd.DataFrame) -> pd.DataFrame:
    shown = named_courts(data).assign(
        rank=lambda d: d["open"].rank(ascending=False, method="min").astype(int)
    )
    return shown[["court", "rank", "open", "year_ago", "change", "years"]].rename(
        columns={
            "court": "Crown Court",
            "rank": "Rank (1 = most open cases)",
            "open": f"Open cases {data.attrs.get('quarter', '')}".strip(),
            "year_ago": "A year earlier",
            "change": "Change",
            "years": "Years to clear",
        }
    )


def summarise(data: pd.DataFrame, lcjp_courts: list[str]) -> str:
    courts = named_courts(data)
    if courts.empty:
        return "No court-level figures are loaded yet."
    ranks = courts["open"].rank(ascending=False, method="min")
    parts = []
    for court in lcjp_courts:
        row = courts[courts["court"] == court]
        if not row.empty:
            parts.append(
                f"{court} has {row['open'].iloc[0]:,.0f} open cases "
                f"(rank {int(ranks[row.index[0]])} of {len(courts)})"
            )
    median = national_median(data)
    lead = "; ".join(parts) if parts else "None of the partnership's courts is in this release"
    return f"{lead}. The median Crown Court centre has {median:,.0f} open cases ({data.attrs.get('quarter', '')})."
