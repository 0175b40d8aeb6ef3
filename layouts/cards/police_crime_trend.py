"""Recorded crime by month and crime type for one force; a crime type drills down to its outcomes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import stacked_bars
from presented.words import month_label


def process_data(records: pd.DataFrame, crime_type: str | None = None) -> pd.DataFrame:
    """Monthly counts stacked by crime type, or by outcome group within one crime type."""
    if crime_type:
        records = records[records["crime_type"] == crime_type]
        stack = "outcome_group"
    else:
        stack = "crime_type"
    data = records.groupby(["period_start", stack], as_index=False)["value"].sum()
    data = data.rename(columns={stack: "category"})
    data["month"] = data["period_start"].map(month_label)
    order = data.groupby("category")["value"].sum().sort_values(ascending=False).index
    data["category"] = pd.Categorical(data["category"], categories=list(order), ordered=True)
    data = data.sort_values(["category", "period_start"])
    data["category"] = data["category"].astype(str)
    return data


def create_figure(data: pd.DataFrame) -> go.Figure:
    return stacked_bars(data, x="month", y="value", stack="category", y_title="Records")


def table(data: pd.DataFrame, category_title: str, withheld: str = "") -> pd.DataFrame:
    """Months across, categories down, with each category's total. Where `data` marks figures
    `suppressed` they read `withheld`, and so does the total of their category (the total less
    the shown months would give them back)."""
    wide = data.pivot_table(
        index="category", columns="period_start", values="value", aggfunc="sum", fill_value=0
    )
    order = wide.sum(axis=1).sort_values(ascending=False).index
    wide = wide.loc[order]
    wide.columns = [month_label(c) for c in wide.columns]
    wide["Total"] = wide.sum(axis=1)
    if "suppressed" in data.columns and data["suppressed"].any():
        hidden = data[data["suppressed"]]
        wide = wide.astype(object)
        for category, start in zip(hidden["category"], hidden["period_start"], strict=True):
            wide.loc[category, month_label(start)] = withheld
            wide.loc[category, "Total"] = withheld
    return wide.reset_index().rename(columns={"category": category_title})


def summarise(data: pd.DataFrame, force_name: str, crime_type: str | None) -> str:
    if data.empty:
        return f"No police.uk records are loaded for {force_name}."
    months = data.groupby("period_start")["value"].sum().sort_index()
    latest_month, latest_total = months.index[-1], months.iloc[-1]
    subject = f"{crime_type.lower()} records" if crime_type else "street-level records"
    text = f"{force_name} published {latest_total:,.0f} {subject} for {month_label(latest_month)}"
    if len(months) > 1:
        previous = months.iloc[-2]
        text += f" ({'up' if latest_total >= previous else 'down'} {abs(latest_total - previous):,.0f} on {month_label(months.index[-2])})"
    top = data.groupby("category")["value"].sum().sort_values(ascending=False)
    label = "outcome" if crime_type else "crime type"
    return (
        text
        + f"; the largest {label} over the period shown is {top.index[0]} ({top.iloc[0]:,.0f})."
    )
