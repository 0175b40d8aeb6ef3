"""Chart lettering for a room or for paper: one figure, its text scaled up as a whole.

The SPC chart (layouts/spc_chart.py) is drawn at 12 px for a desk. A projector (meeting mode) and a
printed pack need larger text; scaling only `font.size` leaves tick labels, the legend and event
labels at their own sizes, and a large-lettered legend placed a fixed fraction below the plot runs
into the period labels. So every text is set here, axes make room for their labels (automargin)
and the legend is placed where it cannot run into the x-axis labels.
"""

from __future__ import annotations

import plotly.graph_objects as go

BASE_SIZE = 12  # the size layouts/spc_chart.py letters a chart at


def lettered(figure: go.Figure, size: int, *, paper: tuple[int, int] | None = None) -> go.Figure:
    """A copy of `figure` with every text at `size` px and room kept for all of it.

    On screen (`paper` None) the legend stands to the right of the plot, one entry per line:
    Plotly widens the right margin for it. On paper, drawn `paper` = (width, height) px, where
    width is dear, the legend lies in rows under the period labels: the bottom margin is made
    tall enough for both, and the legend placed below the labels, so the two never meet (a
    legend a fixed fraction of the plot's height below it does, once the labels grow)."""
    scaled = go.Figure(figure)
    factor = size / BASE_SIZE
    margin = scaled.layout.margin
    top = round(10 + max((margin.t if margin.t is not None else 10) - 10, 0) * factor)
    bottom = 10
    if paper:
        width, height = paper
        labels = round(4.2 * size)  # period labels slanted under the axis
        rows = _legend_rows(scaled, size, width)
        bottom = labels + rows * round(size * 1.5) + 14
        plot_height = max(height - top - bottom, 40)
        legend = {
            "orientation": "h",
            "yref": "paper",
            "y": -labels / plot_height,
            "yanchor": "top",
            "x": 0,
            "xanchor": "left",
            "traceorder": "normal",
        }
    else:
        legend = {"orientation": "v", "yref": "paper", "y": 1, "yanchor": "top", "x": 1.01}
        legend["xanchor"] = "left"
    legend["font"] = {"size": size}
    scaled.update_layout(
        font={"size": size},
        margin={"t": top, "b": bottom, "l": 10, "r": 10},
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


def level_period_labels(figure: go.Figure, most: int = 8) -> go.Figure:
    """Fewer period labels under a chart as wide as a screen, so they lie level: at most `most`
    of the labelled periods (every second or third). Slanted labels take three times the height
    a short, wide chart can spare; Plotly still slants them where they would collide (a chart
    printed in a column). Unchanged if its periods are not labelled."""
    axis = figure.layout.xaxis
    values, texts = list(axis.tickvals or ()), list(axis.ticktext or ())
    if not values or len(values) != len(texts):
        return figure
    step = -(-len(values) // most)  # ceiling division
    figure.update_xaxes(tickvals=values[::step], ticktext=texts[::step])
    figure.layout.xaxis.tickangle = None  # Plotly's own: level unless they would collide
    return figure


def _legend_rows(figure: go.Figure, size: int, width: int) -> int:
    """Rows a horizontal legend needs across `width` px: each entry is its symbol (40 px) and
    its name, at a generous 0.6 em a letter, laid left to right as Plotly lays them."""
    names = [
        str(trace.name or "")
        for trace in figure.data
        if trace.showlegend is not False and (trace.name or "")
    ]
    rows, used = (1 if names else 0), 0.0
    for name in names:
        entry = 46 + len(name) * size * 0.6
        if used and used + entry > width - 20:
            rows, used = rows + 1, 0.0
        used += entry
    return rows
