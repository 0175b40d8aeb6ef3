"""Chart lettering for a room or for paper: one figure, its text scaled up as a whole.

The SPC chart (layouts/spc_chart.py) is drawn at 12 px for a desk. A projector (meeting mode) and a
printed pack need larger text; scaling only `font.size` leaves tick labels, the legend and event
labels at their own sizes, and a large-lettered legend placed a fixed fraction below the plot runs
into the period labels. So every text is set here, axes make room for their labels (automargin)
and the legend stands beside the plot, clear of the x-axis labels.
"""

from __future__ import annotations

import plotly.graph_objects as go

BASE_SIZE = 12  # the size layouts/spc_chart.py letters a chart at


def lettered(figure: go.Figure, size: int, *, legend_width: int = 0) -> go.Figure:
    """A copy of `figure` with every text at `size` px and room kept for all of it.

    The legend stands to the right of the plot, one entry per line: Plotly widens the right
    margin for it, so it never runs into the period labels under the x-axis (a legend below the
    plot, placed as a fraction of the plot's height, does once the labels grow). `legend_width`
    caps the room it takes (px; 0 leaves it to Plotly)."""
    scaled = go.Figure(figure)
    factor = size / BASE_SIZE
    margin = scaled.layout.margin
    top = margin.t if margin.t is not None else 10
    legend = {
        "orientation": "v",
        "yref": "paper",
        "y": 1,
        "yanchor": "top",
        "x": 1.01,
        "xanchor": "left",
        "font": {"size": size},
        "itemsizing": "constant",
    }
    if legend_width:
        legend["entrywidth"] = legend_width
    scaled.update_layout(
        font={"size": size},
        margin={"t": round(10 + max(top - 10, 0) * factor), "b": 10, "l": 10, "r": 10},
        legend=legend,
        hoverlabel={"font": {"size": size}},
    )
    scaled.update_xaxes(tickfont={"size": size}, title_font={"size": size}, automargin=True)
    scaled.update_yaxes(tickfont={"size": size}, title_font={"size": size}, automargin=True)
    for note in scaled.layout.annotations:
        note.font.size = size
        if note.yshift:
            note.yshift = round(2 + (note.yshift - 2) * factor)
    return scaled
