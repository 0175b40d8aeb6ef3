"""One chart theme and the pure figure builders every card uses (DataFrame in, Figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

# Every figure gets plotly_white as it is built (plotly applies the default template without
# validating it), instead of base_layout validating and copying it again per figure: 20 ms a
# figure on a busy server, paid on every callback that draws one. Every figure of the app goes
# through base_layout, so the figures are the same as when base_layout set the template.
THEME = "plotly_white"
pio.templates.default = THEME

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIGHLIGHT = "#D55E00"
BASE = "#8C8C8C"
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]


def base_layout(fig: go.Figure, *, y_title: str = "", x_title: str = "") -> go.Figure:
    """The app's look on a figure built after this module set the plotly_white default."""
    fig.update_layout(
        colorway=PALETTE,
        font={"family": "system-ui, -apple-system, 'Segoe UI', Arial, sans-serif", "size": 14},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=y_title, rangemode="tozero", separatethousands=True)
    fig.update_xaxes(title_text=x_title)
    return fig


def line_trend(frame: pd.DataFrame, *, x: str, y: str, series: str, y_title: str) -> go.Figure:
    """One line per series, each with its own dash and marker so colour is never the only cue."""
    fig = go.Figure()
    for position, (name, part) in enumerate(frame.groupby(series, sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part[x],
                y=part[y],
                name=str(name),
                mode="lines+markers",
                line={"dash": DASHES[position % len(DASHES)], "width": 2.5},
                marker={"symbol": MARKERS[position % len(MARKERS)], "size": 6},
            )
        )
    return base_layout(fig, y_title=y_title)


def ranked_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    highlight: str,
    x_title: str,
    reference: float | None = None,
    reference_label: str = "",
    customdata: str | None = None,
) -> go.Figure:
    """Horizontal bars, largest at the top; highlighted bars differ by colour, pattern and label."""
    ordered = frame.sort_values(value, ascending=True)
    marked = ordered[highlight].astype(bool)
    fig = go.Figure(
        go.Bar(
            x=ordered[value],
            y=ordered[label],
            orientation="h",
            marker={
                "color": [HIGHLIGHT if m else BASE for m in marked],
                "pattern": {"shape": ["/" if m else "" for m in marked]},
            },
            customdata=ordered[customdata] if customdata else None,
            hovertemplate="%{y}: %{x:,.4~f}<extra></extra>",
        )
    )
    fig.update_yaxes(
        ticktext=[f"◆ {n}" if m else n for n, m in zip(ordered[label], marked, strict=True)],
        tickvals=list(ordered[label]),
    )
    if reference is not None:
        fig.add_vline(x=reference, line_dash="dash", line_color="#000000")
        fig.add_annotation(
            x=reference,
            y=1,
            yref="paper",
            text=reference_label,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig = base_layout(fig, x_title=x_title)
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "t": 30, "b": 10})
    fig.update_xaxes(rangemode="tozero", separatethousands=True)
    return fig


def stacked_bars(frame: pd.DataFrame, *, x: str, y: str, stack: str, y_title: str) -> go.Figure:
    """Stacked columns with a pattern per segment, so segments differ beyond colour."""
    patterns = ["", "/", "\\", "x", "-", "|", "+", "."]
    fig = go.Figure()
    for position, (name, part) in enumerate(frame.groupby(stack, sort=False)):
        fig.add_trace(
            go.Bar(
                x=part[x],
                y=part[y],
                name=str(name),
                customdata=[name] * len(part),
                marker={
                    "color": PALETTE[position % len(PALETTE)],
                    "pattern": {"shape": patterns[position % len(patterns)]},
                },
            )
        )
    fig = base_layout(fig, y_title=y_title)
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "traceorder": "normal"},
    )
    return fig
