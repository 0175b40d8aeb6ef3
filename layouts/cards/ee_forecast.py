"""The backlog forecast card: a fan of open cases (median line, shaded 80% band) after the
actual series, the pre-COVID level marked; meaning carried by legend text and dash styles."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts.figures import BASE, PALETTE, base_layout
from presented.forecast import Forecast
from presented.words import format_value, quarter_label

ACTUAL = "Open cases (actual)"
MEDIAN = "Forecast: median (dashed)"
BAND = "80% interval (shaded, dotted edges)"


def create_figure(fc: Forecast) -> go.Figure:
    fig = go.Figure()
    history = fc.history.tail(12)
    fig.add_trace(
        go.Scatter(
            x=history["period_end"],
            y=history["open"],
            name=ACTUAL,
            mode="lines+markers",
            line={"color": PALETTE[0], "width": 2.5, "dash": "solid"},
            marker={"symbol": "circle", "size": 6},
            hovertemplate="%{y:,.0f} open cases<extra>Actual</extra>",
        )
    )
    if fc.can_forecast:
        # The band starts at the last actual quarter so the fan opens from it.
        start = pd.DataFrame(
            {
                "period_end": [history["period_end"].iloc[-1]],
                "low": [fc.last_open],
                "median": [fc.last_open],
                "high": [fc.last_open],
            }
        )
        fan = pd.concat([start, fc.fan[["period_end", "low", "median", "high"]]], ignore_index=True)
        fig.add_trace(
            go.Scatter(
                x=fan["period_end"],
                y=fan["low"],
                name="80% interval: low (10th percentile)",
                mode="lines",
                line={"color": PALETTE[1], "width": 1, "dash": "dot"},
                showlegend=False,
                hovertemplate="low %{y:,.0f}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=fan["period_end"],
                y=fan["high"],
                name=BAND,
                mode="lines",
                fill="tonexty",
                fillcolor="rgba(230, 159, 0, 0.25)",
                line={"color": PALETTE[1], "width": 1, "dash": "dot"},
                hovertemplate="high %{y:,.0f}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=fan["period_end"],
                y=fan["median"],
                name=MEDIAN,
                mode="lines+markers",
                line={"color": PALETTE[5], "width": 2.5, "dash": "dash"},
                marker={"symbol": "diamond", "size": 7},
                hovertemplate="median %{y:,.0f} open cases<extra>Forecast</extra>",
            )
        )
    if fc.baseline is not None:
        fig.add_hline(
            y=fc.baseline,
            line={"color": BASE, "dash": "dashdot", "width": 1.5},
            annotation_text=f"{fc.baseline_label} level: {format_value(fc.baseline, 'count')}",
            annotation_position="bottom left",
        )
    fig = base_layout(fig, y_title="Open cases")
    fig.update_layout(hovermode="x")
    # Ticks at quarter ends, labelled '2025 Q4', never a calendar date the quarter does not end on.
    ends = sorted({*history["period_end"], *fc.fan.get("period_end", [])})
    step = max(1, -(-len(ends) // 10))
    last = ends.index(history["period_end"].iloc[-1])  # the latest actual quarter is always named
    shown = [end for i, end in enumerate(ends) if (i - last) % step == 0]
    fig.update_xaxes(
        tickvals=shown, ticktext=[quarter_label(e) for e in shown], tickangle=0, automargin=True
    )
    return fig


def summary(fc: Forecast) -> str:
    """The one-line summary behind the chart (or the plain reason there is no forecast)."""
    if not fc.can_forecast:
        return f"No forecast for {fc.area_name}: it {fc.reason}."
    return fc.summary
