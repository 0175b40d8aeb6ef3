"""How each force's crimes end: one outcome group's share, ranked across forces."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import ranked_bars
from presented.words import month_label


def process_data(records: pd.DataFrame, outcome_group: str, lcjp_codes: list[str]) -> pd.DataFrame:
    """Per force: crimes in the outcome group, all crimes (excluding ASB), share and months covered."""
    crimes = records[records["crime_type"] != "Anti-social behaviour"]
    totals = crimes.groupby(["area_code", "area_name"], as_index=False).agg(
        crimes=("value", "sum"), months=("period_start", "nunique")
    )
    in_group = crimes[crimes["outcome_group"] == outcome_group].groupby("area_code")["value"].sum()
    totals["in_group"] = totals["area_code"].map(in_group).fillna(0.0)
    totals["share"] = 100 * totals["in_group"] / totals["crimes"]
    totals["lcjp"] = totals["area_code"].isin(lcjp_codes)
    if not crimes.empty:
        totals.attrs["period"] = (
            f"{month_label(crimes['period_start'].min())} to {month_label(crimes['period_start'].max())}"
        )
    return totals.sort_values("share", ascending=False, ignore_index=True)


def create_figure(data: pd.DataFrame, outcome_group: str) -> go.Figure:
    median = float(data["share"].median()) if not data.empty else None
    return ranked_bars(
        data,
        label="area_name",
        value="share",
        highlight="lcjp",
        x_title=f"% of crimes: {outcome_group}",
        reference=median,
        reference_label=f"Median force: {median:.1f}%" if median is not None else "",
        customdata="area_code",
    )


def table(data: pd.DataFrame, outcome_group: str, withheld: str = "") -> pd.DataFrame:
    ranks = data["share"].rank(ascending=False, method="min")
    return data.assign(
        rank=[withheld if pd.isna(r) else int(r) for r in ranks],
        share=[withheld if pd.isna(v) else round(v, 1) for v in data["share"]],
        in_group=[withheld if pd.isna(v) else v for v in data["in_group"]],
    )[["area_name", "rank", "share", "in_group", "crimes", "months"]].rename(
        columns={
            "area_name": "Force",
            "rank": "Rank (1 = highest share)",
            "share": f"% {outcome_group}",
            "in_group": "Crimes in this group",
            "crimes": "All crimes (n)",
            "months": "Months covered",
        }
    )


def summarise(data: pd.DataFrame, outcome_group: str, lcjp_codes: list[str]) -> str:
    if data.empty:
        return "No police.uk outcomes are loaded yet."
    ranks = data["share"].rank(ascending=False, method="min")
    parts = [
        f"{row.area_name} withheld (a small number)"
        if pd.isna(row.share)
        else f"{row.area_name} {row.share:.1f}% (rank {int(ranks[i])} of {len(data)}, n = {row.crimes:,.0f})"
        for i, row in data.iterrows()
        if row.area_code in lcjp_codes
    ]
    median = data["share"].median()
    lead = "; ".join(parts) if parts else "The partnership's forces are not in this file"
    return f"'{outcome_group}' as a share of crimes, {data.attrs.get('period', '')}: {lead}. Median force {median:.1f}%."
