"""Chart lettering for a room or for paper: one figure, its text scaled up as a whole.

The SPC chart (layouts/spc_chart.py) is drawn at 12 px for a desk. A projector (meeting mode) and a
printed pack need larger text; scaling only `font.size` leaves tick labels, the legend and event
labels at their own sizes, and a large-lettered legend placed a fixed fraction below the plot runs
into the period labels. So every text is set here, axes make room for their labels (automargin)
and the legend sits at the foot of the whole figure, below the x-axis, never on it.
"""

from __future__ import annotations

import plotly.graph_objects as go

BASE_SIZE = 12  # the size layouts/spc_chart.py letters a chart at


def lettered(figure: go.Figure, size: int) -> go.Figure:
    """A copy of `figure` with every text at `size` px and room kept for all of it."""
    scaled = go.Figure(figure)
    factor = size / BASE_SIZE
    margin = scaled.layout.margin
    top = margin.t if margin.t is not None else 10
    scaled.update_layout(
        font={"size": size},
        margin={"t": round(10 + max(top - 10, 0) * factor), "b": 10, "l": 10, "r": 10},
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
            "font": {"size": size},
        },
        hoverlabel={"font": {"size": size}},
    )
    scaled.update_xaxes(
        tickfont={"size": size}, title_font={"size": size}, automargin=True, nticks=8
    )
    scaled.update_yaxes(tickfont={"size": size}, title_font={"size": size}, automargin=True)
    for note in scaled.layout.annotations:
        note.font.size = size
        if note.yshift:
            note.yshift = round(2 + (note.yshift - 2) * factor)
    return scaled
