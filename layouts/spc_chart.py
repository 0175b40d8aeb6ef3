"""The Making Data Count XmR chart, its data table, its one-line reading and its icons as badges.

Pure builders: an `SpcResult` (loaders/spc.py) and the measure's events in, components out.
Meaning never rests on colour: every point type has its own marker shape and legend text, limits
differ by dash style, events carry their title, and the icons are badges with a letter and words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
from dash import html

from layouts.figures import base_layout
from loaders.events import Event
from loaders.spc import POINT_TYPE_LABELS, SpcResult, format_number

# Making Data Count colours (NHSRplotthedots' ptd_spc_colours), always paired with a shape.
MDC_COLOURS = {
    "common": "#a6a6a6",
    "improvement": "#00b0f0",
    "concern": "#e46c0a",
    "neutral": "#490092",
}
SYMBOLS = {
    "common": "circle",
    "improvement": "triangle-up",
    "concern": "triangle-down",
    "neutral": "diamond",
}
PROVISIONAL_SYMBOL = "square-open"  # its own shape, so it never reads as a tested point
PROVISIONAL_LABEL = "Provisional (still being recorded)"
VALUE_LINE = "#757575"  # darker than MDC's #a6a6a6 so the line keeps 3:1 contrast on white
MARKER_OUTLINE = "#404040"
MEAN_LINE = "#000000"
LIMIT_LINE = "#595959"
TARGET_LINE = "#de1b1b"
EVENT_FILL = "rgba(120, 120, 120, 0.14)"
EVENT_LINE = "#404040"

# The icons as badges: colour, a letter (shape for people who cannot tell the colours apart) and
# the words. The letter's colour keeps at least 4.5:1 contrast on its background.
VARIATION_BADGES = {
    "common_cause": ("common", "~"),
    "improvement_high": ("improvement", "H"),
    "improvement_low": ("improvement", "L"),
    "concern_high": ("concern", "H"),
    "concern_low": ("concern", "L"),
    "neutral_high": ("neutral", "H"),
    "neutral_low": ("neutral", "L"),
}
ASSURANCE_BADGES = {
    "consistently_pass": ("improvement", "P"),
    "consistently_fail": ("concern", "F"),
    "hit_and_miss": ("common", "?"),
}
_LETTER_COLOUR = {"neutral": "#ffffff"}


def _month(period: pd.Timestamp) -> str:
    return f"{period:%b %Y}"


def create_figure(
    result: SpcResult,
    *,
    y_title: str = "",
    events: Iterable[Event] = (),
    show_near_limits: bool = False,
    fmt: Callable[[float], str] | None = None,
    period_label: Callable[[pd.Timestamp], str] = _month,
) -> go.Figure:
    """The XmR chart: values, mean, limits per segment, target, segment breaks and events."""
    points = result.points
    fig = go.Figure()
    if points.empty:
        fig = base_layout(fig, y_title=y_title)
        fig.add_annotation(
            text="No figures yet", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
        return fig
    fmt = fmt or (lambda value: format_number(value, result.unit))
    labels = [period_label(p) for p in points.index]

    _add_value_lines(fig, points)
    tested = ~points["provisional"]
    for kind in ("common", "improvement", "concern", "neutral"):
        chosen = (points["point_type"] == kind) & tested
        if not chosen.any():
            continue
        part = points[chosen]
        fig.add_trace(
            go.Scatter(
                x=part.index,
                y=part["value"],
                mode="markers",
                name=POINT_TYPE_LABELS[kind],
                marker={
                    "symbol": [
                        SYMBOLS[kind] + ("-open" if excluded else "")
                        for excluded in part["excluded"]
                    ],
                    "color": MDC_COLOURS[kind],
                    "size": 11 if kind == "common" else 13,
                    "line": {"color": MARKER_OUTLINE, "width": 1},
                },
                customdata=[
                    [label, fmt(value), signal + (" · left out of the limits" if excluded else "")]
                    for label, value, signal, excluded in zip(
                        [labels[i] for i in chosen.to_numpy().nonzero()[0]],
                        part["value"],
                        part["signal"],
                        part["excluded"],
                        strict=True,
                    )
                ],
                hovertemplate="%{customdata[0]}: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            )
        )
    _add_provisional(fig, points, labels, fmt)
    if (points["excluded"] & tested).any():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="Hollow marker: left out of the limits",
                marker={"symbol": "circle-open", "color": MARKER_OUTLINE, "size": 11},
            )
        )

    _add_segment_lines(fig, result, "mean", "Mean", {"color": MEAN_LINE, "width": 1.5})
    _add_segment_lines(
        fig,
        result,
        ("ucl", "lcl"),
        "Process limits",
        {"color": LIMIT_LINE, "width": 1.5, "dash": "dash"},
    )
    if show_near_limits:
        _add_segment_lines(
            fig,
            result,
            ("upper_near", "lower_near"),
            "Near limits (2-sigma)",
            {"color": LIMIT_LINE, "width": 1, "dash": "dot"},
        )
    if result.target is not None:
        fig.add_trace(
            go.Scatter(
                x=[points.index[0], points.index[-1]],
                y=[result.target, result.target],
                mode="lines",
                name=f"Target: {fmt(result.target)}",
                line={"color": TARGET_LINE, "width": 2, "dash": "dashdot"},
                hoverinfo="skip",
            )
        )

    events = list(events)
    labels = _add_breaks(fig, result, events) + _add_events(fig, points.index, events)
    rows = _place_labels(fig, labels)

    fig = base_layout(fig, y_title=y_title)
    fig.update_yaxes(rangemode="normal")
    fig.update_layout(
        hovermode="closest",
        margin={"l": 10, "r": 10, "t": 10 + LABEL_ROW_PX * rows, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    )
    return fig


LABEL_ROW_PX = 18
MAX_LABEL_ROWS = 4


def _add_value_lines(fig: go.Figure, points: pd.DataFrame) -> None:
    """The line joining the values: broken at every missing period (never drawn across one), and
    dotted into a provisional point, so neither a gap nor a partial figure looks like data.

    The solid "Value" line holds every tested value once, in order, with None where it breaks."""
    index, values = list(points.index), list(points["value"])
    provisional, gap_before = list(points["provisional"]), list(points["gap_before"])
    solid_x, solid_y, dotted_x, dotted_y = [], [], [], []
    for i in range(len(index)):
        joined = i > 0 and not gap_before[i]
        if not provisional[i]:
            if solid_x and not (joined and not provisional[i - 1]):
                solid_x.append(None)
                solid_y.append(None)
            solid_x.append(index[i])
            solid_y.append(values[i])
        if joined and (provisional[i] or provisional[i - 1]):
            if dotted_x:
                dotted_x.append(None)
                dotted_y.append(None)
            dotted_x += [index[i - 1], index[i]]
            dotted_y += [values[i - 1], values[i]]
    for xs, ys, dash, name in (
        (solid_x, solid_y, "solid", "Value"),
        (dotted_x, dotted_y, "dot", "Value (provisional)"),
    ):
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=name,
                    line={"color": VALUE_LINE, "width": 2, "dash": dash},
                    connectgaps=False,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )


def _add_provisional(fig: go.Figure, points: pd.DataFrame, labels: list[str], fmt) -> None:
    """Provisional points: an open square of their own, legend text and hover in words."""
    chosen = points["provisional"].to_numpy()
    if not chosen.any():
        return
    part = points[chosen]
    fig.add_trace(
        go.Scatter(
            x=part.index,
            y=part["value"],
            mode="markers",
            name=PROVISIONAL_LABEL,
            marker={
                "symbol": PROVISIONAL_SYMBOL,
                "color": MARKER_OUTLINE,
                "size": 12,
                "line": {"color": MARKER_OUTLINE, "width": 2},
            },
            customdata=[
                [
                    labels[i],
                    fmt(value),
                    "Provisional: still being recorded, so not tested for signals",
                ]
                for i, value in zip(chosen.nonzero()[0], part["value"], strict=True)
            ],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        )
    )


def _place_labels(fig: go.Figure, labels: list[tuple[pd.Timestamp, str]]) -> int:
    """Event and break labels above the plot, in up to four rows so neighbours never overlap
    the data or each other; returns how many rows were used."""
    labels = sorted(labels, key=lambda item: item[0])
    rows = min(len(labels), MAX_LABEL_ROWS)
    for position, (x, text) in enumerate(labels):
        row = rows - 1 - position % rows  # the earliest label sits highest
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            yshift=2 + LABEL_ROW_PX * row,
            text=text,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 12},
        )
    return rows


def _add_segment_lines(fig: go.Figure, result: SpcResult, columns, name: str, line: dict) -> None:
    """One legend entry for a line drawn separately in each segment (gaps between segments)."""
    columns = (columns,) if isinstance(columns, str) else columns
    xs, ys = [], []
    for limits in result.segments:
        if not limits.has_limits and columns != ("mean",):
            continue
        for column in columns:
            level = getattr(limits, column)
            xs += [limits.start, limits.end, None]
            ys += [level, level, None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line=line, hoverinfo="skip"))


def _add_breaks(
    fig: go.Figure, result: SpcResult, events: list[Event]
) -> list[tuple[pd.Timestamp, str]]:
    """A vertical line where the limits are recalculated, named after the series break if known.

    A series break rebases at the period containing its date, so the break that caused a new
    segment falls after the previous segment's last period end and on or before the new one's.
    """
    segments = result.segments
    drawn, labels = set(), []
    for previous, current in zip(segments, segments[1:], strict=False):
        causes = [
            e for e in events if e.rebases and previous.end < pd.Timestamp(e.start) <= current.start
        ]
        if causes:
            x = pd.Timestamp(causes[0].start)
            text = f"Limits recalculated: {'; '.join(e.title for e in causes)}"
            drawn.update(e.id for e in causes)
        else:
            x = previous.end + (current.start - previous.end) / 2
            text = "Limits recalculated"
        labels.append(_vertical(fig, x, text))
    first, last = result.points.index[0], result.points.index[-1]
    for event in events:
        if event.rebases and event.id not in drawn and first < pd.Timestamp(event.start) <= last:
            labels.append(_vertical(fig, pd.Timestamp(event.start), f"Series break: {event.title}"))
    return labels


def _vertical(fig: go.Figure, x: pd.Timestamp, text: str) -> tuple[pd.Timestamp, str]:
    fig.add_shape(
        type="line",
        x0=x,
        x1=x,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": EVENT_LINE, "width": 2, "dash": "longdash"},
        name=text,
    )
    return x, text


def _add_events(
    fig: go.Figure, index: pd.DatetimeIndex, events: list[Event]
) -> list[tuple[pd.Timestamp, str]]:
    """A shaded band for each event period that falls within the chart; returns its label."""
    first, last = index[0], index[-1]
    labels = []
    for event in events:
        if event.rebases:
            continue
        start, end = pd.Timestamp(event.start), pd.Timestamp(event.last_day)
        if end < first or start > last:
            continue
        fig.add_shape(
            type="rect",
            x0=max(start, first),
            x1=min(end, last),
            y0=0,
            y1=1,
            yref="paper",
            fillcolor=EVENT_FILL,
            line={"color": EVENT_LINE, "width": 1, "dash": "dot"},
            layer="below",
            name=event.title,
        )
        labels.append((max(start, first), event.title))
    return labels


def spc_table(
    result: SpcResult,
    *,
    events: Iterable[Event] = (),
    fmt: Callable[[float], str] | None = None,
    period_label: Callable[[pd.Timestamp], str] = _month,
) -> pd.DataFrame:
    """The chart as a table, oldest first: value, mean, limits, signal and notes per period."""
    columns = ["Period", "Value", "Mean", "Lower limit", "Upper limit", "Signal", "Notes"]
    points = result.points
    if points.empty:
        return pd.DataFrame(columns=columns)
    fmt = fmt or (lambda value: value)
    events = list(events)
    starts = {limits.start for limits in result.segments[1:]}
    gaps = list(result.gaps)
    rows = []
    for period, row in points.iterrows():
        while gaps and gaps[0] < period:  # a row for each missing period, in its place
            rows.append(
                [
                    period_label(gaps.pop(0)),
                    "–",
                    "–",
                    "–",
                    "–",
                    "No figure",
                    "Missing period: no figure published, so the line and runs break here",
                ]
            )
        notes = []
        if row["provisional"]:
            notes.append("Provisional: still being recorded, not tested for signals")
        if period in starts:
            notes.append("Limits recalculated from here")
        if row["excluded"]:
            notes.append("Left out of the limits")
        notes += [e.title for e in events if _in_period(e, points.index, period)]
        rows.append(
            [
                period_label(period),
                fmt(row["value"]),
                _maybe(fmt, row["mean"]),
                _maybe(fmt, row["lcl"]),
                _maybe(fmt, row["ucl"]),
                "Not tested (provisional)" if row["provisional"] else row["signal"],
                "; ".join(notes),
            ]
        )
    return pd.DataFrame(rows, columns=columns)


def _maybe(fmt, value):
    return "–" if pd.isna(value) else fmt(value)


def _in_period(event: Event, index: pd.DatetimeIndex, period: pd.Timestamp) -> bool:
    """Does the event touch the period that ends at `period` (from the previous period's end)?"""
    position = index.get_loc(period)
    if position:
        start = index[position - 1] + pd.Timedelta(days=1)
    elif len(index) > 1:  # the first period: assume it is as long as the next one
        start = period - (index[1] - index[0]) + pd.Timedelta(days=1)
    else:
        start = period
    return event.overlaps(start.date(), period.date())


def spc_summary(result: SpcResult, fmt: Callable[[float], str] | None = None) -> str:
    """The one-line text summary above the chart: the board reading."""
    return result.reading(fmt)


def spc_badges(result: SpcResult):
    """The variation and assurance icons as accessible badges: coloured letter plus words."""
    badges = []
    if result.variation is None:
        badges.append(_badge("Variation", "common", "–", result.variation_label))
    else:
        kind, letter = VARIATION_BADGES[result.variation]
        badges.append(_badge("Variation", kind, letter, result.variation_label, result.variation))
    if result.assurance is not None:
        kind, letter = ASSURANCE_BADGES[result.assurance]
        badges.append(_badge("Assurance", kind, letter, result.assurance_label, result.assurance))
    if result.short_series:
        badges.append(
            html.Span(
                f"Provisional: fewer than {result.options.min_points} points",
                className="spc-badge-note small text-body-secondary",
            )
        )
    return html.Div(badges, className="spc-badges d-flex flex-wrap gap-3 align-items-center")


def _badge(heading: str, kind: str, letter: str, label: str, icon: str = "none"):
    return html.Span(
        [
            html.Span(
                letter,
                className="spc-icon",
                style={
                    "display": "inline-flex",
                    "alignItems": "center",
                    "justifyContent": "center",
                    "width": "1.75rem",
                    "height": "1.75rem",
                    "borderRadius": "50%",
                    "border": f"2px solid {MARKER_OUTLINE}",
                    "background": MDC_COLOURS[kind],
                    "color": _LETTER_COLOUR.get(kind, "#000000"),
                    "fontWeight": "700",
                    "marginRight": "0.4rem",
                },
                **{"aria-hidden": "true"},
            ),
            html.Span(f"{heading}: ", className="fw-semibold"),
            html.Span(label),
        ],
        className=f"spc-badge spc-{heading.lower()} spc-{icon}",
        **{"data-icon": icon},
    )
