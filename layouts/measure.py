"""The page grammar every subgroup shares: a measure's tile, its section and its figures.

Pure builders: they take a MeasureView (loaders/board.py) and SPC results and return components.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from plotly.colors import sample_colorscale
from plotly.io import templates

from layouts.components import GRAPH_CONFIG, demo_badge
from layouts.figures import DASHES, HIGHLIGHT, MARKERS, PALETTE, base_layout, ranked_bars
from loaders.areas import POLICE_FORCE_AREAS
from presented.words import axis_title, format_value

POLARITY_TEXT = {
    "up_good": "Higher is better",
    "down_good": "Lower is better",
    "neutral": "Neither higher nor lower is better in itself",
}
# The part of a section that holds its commentary (filled by callbacks/commentary.py).
COMMENTARY = "commentary"


MAP_TEMPLATE = templates["plotly_white"].to_plotly_json()
# The map's colour scale (colour-blind safe); the caption is worked out from it, so the words
# always match the colour bar.
MAP_COLORSCALE = "Cividis"
# A force with no figure: a light grey fill with diagonal hatching, so it reads as "no data"
# without colour, and never as a low value.
NO_DATA_FILL = "#e0e0e0"
NO_DATA_PATTERN = {"shape": "/", "fgcolor": "#6e6e6e", "bgcolor": NO_DATA_FILL, "size": 6}
NO_DATA_TEXT = "Grey, hatched: no figure for this force."
# Plain colour names for the ends of a scale (the nearest one names a sampled colour).
_COLOUR_NAMES = {
    "navy": (0, 34, 96),
    "blue": (40, 90, 220),
    "purple": (90, 30, 140),
    "green": (40, 140, 60),
    "teal": (30, 130, 130),
    "yellow": (250, 230, 60),
    "orange": (240, 150, 30),
    "red": (200, 30, 30),
    "white": (250, 250, 250),
    "black": (10, 10, 10),
    "grey": (128, 128, 128),
}


def section_id(kind: str, measure_id: str) -> dict:
    """Pattern-matching id for one part of one measure's section."""
    return {"type": f"measure-{kind}", "measure": measure_id}


def measure_section(
    spec, subgroup_id: str, state: dict, dataset_title: str, cadence: str, classification: str
):
    """A measure's card: definition, SPC trend, comparison with other areas, drill-down target."""
    definition_rows = [
        ("Definition", spec.definition),
        ("Counted (numerator)", spec.numerator or "–"),
        ("Out of (denominator)", spec.denominator or "–"),
        ("Unit", spec.unit),
        ("Direction", POLARITY_TEXT.get(spec.polarity, spec.polarity)),
        ("Cadence", spec.cadence or cadence),
        ("Published after", spec.lag or "–"),
        ("Source", dataset_title),
        ("Classification", classification.replace("_", " ")),
        (
            "Agreed target",
            format_value(spec.target, spec.unit) if spec.target is not None else "none agreed",
        ),
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(spec.title, className="h5", id=f"measure-{spec.id}"),
                dcc.Store(id=section_id("state", spec.id), data=state),
                html.Div(id=section_id("badges", spec.id), className="mb-2"),
                html.P(
                    id=section_id("summary", spec.id),
                    className="chart-summary",
                    **{"aria-live": "polite"},
                ),
                html.Nav(
                    id=section_id("breadcrumb", spec.id),
                    **{"aria-label": f"Breadcrumb for {spec.title}"},
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                html.H3("Trend and signals", className="h6"),
                                dcc.Loading(
                                    dcc.Graph(
                                        id=section_id("trend", spec.id),
                                        config=GRAPH_CONFIG,
                                        style={"height": "360px"},
                                    )
                                ),
                            ],
                            lg=7,
                        ),
                        dbc.Col(
                            [
                                html.H3("Against other areas", className="h6"),
                                dcc.Loading(
                                    dcc.Graph(
                                        id=section_id("compare", spec.id),
                                        config=GRAPH_CONFIG,
                                        style={"height": "360px"},
                                    )
                                ),
                            ],
                            lg=5,
                        ),
                    ]
                ),
                html.Section(
                    dcc.Loading(html.Div(id=section_id(COMMENTARY, spec.id))),
                    className="commentary-panel mt-3",
                    **{"aria-label": f"Commentary on {spec.title}"},
                ),
                html.Div(
                    [
                        html.H3("Map of force areas", className="h6"),
                        html.P(
                            map_caption(),
                            className="small text-body-secondary",
                            id=section_id("map-caption", spec.id),
                        ),
                        dcc.Graph(
                            id=section_id("map", spec.id),
                            config=GRAPH_CONFIG,
                            style={"height": "420px"},
                        ),
                    ],
                    id=section_id("map-wrap", spec.id),
                    style={"display": "none"},
                ),
                html.Details(
                    [
                        html.Summary("Show the data behind these charts"),
                        html.Div(id=section_id("table", spec.id)),
                    ],
                    className="mt-2",
                ),
                html.Details(
                    [
                        html.Summary("Definition and source"),
                        html.Dl(
                            [
                                item
                                for term, text in definition_rows
                                for item in (html.Dt(term), html.Dd(text))
                            ],
                            className="row-definitions",
                        ),
                    ],
                    className="mt-1",
                ),
                html.P(
                    id=section_id("source", spec.id),
                    className="small text-body-secondary mt-2 mb-0",
                ),
            ]
        ),
        class_name="mb-4",
        id=f"section-{spec.id}",
    )


def measure_tile(
    tile_id: str,
    texts: dict,
    href: str,
    is_demo: bool,
    badges=None,
    suppressed: bool = False,
    revision: str | None = None,
    sparkline=None,
):
    """A headline tile that links to its measure's section (keyboard reachable); a revised
    figure says so in words under it, with the value first published; on the board overview a
    sparkline of its recent periods, said in words as well."""
    value = "Suppressed (fewer than the disclosure threshold)" if suppressed else texts["value"]
    status = texts.get("status", "")
    revision = texts.get("revision", "") if revision is None else revision
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2(dcc.Link(texts["label"], href=href), className="h6 mb-1"),
                    html.P(
                        [value, demo_badge(is_demo)],
                        className="tile-value mb-1",
                        id=f"tile-{tile_id}-value",
                    ),
                    html.P(
                        revision,
                        className="small revision-note mb-1",
                        id=f"tile-{tile_id}-revision",
                    )
                    if revision
                    else None,
                    html.P(
                        [html.Strong(status), f": {texts.get('status_reason', '')}."],
                        className="small figure-status mb-1",
                        id=f"tile-{tile_id}-status",
                    )
                    if status
                    else None,
                    html.P(texts["change"], className="mb-1", id=f"tile-{tile_id}-change"),
                    html.P(texts["period"], className="small mb-1"),
                    html.P(
                        texts["comparison"], className="small mb-1", id=f"tile-{tile_id}-comparison"
                    ),
                    sparkline,
                    badges,
                ]
            ),
            class_name="h-100",
        ),
        xs=12,
        md=6,
        xl=3,
        class_name="mb-3",
    )


SPARKLINE_PERIODS = 24


def sparkline(points: pd.DataFrame, unit: str, tile_id: str):
    """The recent periods of a presented figure's series as a small line with no axes, and the
    same trend in words for those who cannot see it. `points` is the model's, so a withheld
    figure is already a gap, never a value."""
    recent = points.tail(SPARKLINE_PERIODS)
    shown = recent.dropna(subset=["value"])
    if len(shown) < 2:
        return None
    first, last = shown.iloc[0], shown.iloc[-1]
    words = (
        f"Trend over {len(recent)} periods: {format_value(first['value'], unit)} in "
        f"{first['label']}, {format_value(last['value'], unit)} in {last['label']}"
        + (" (some figures withheld)" if recent["value"].isna().any() else "")
        + "."
    )
    figure = {
        "data": [
            {
                "type": "scatter",
                "x": [str(e)[:10] for e in recent["period_end"]],
                "y": [None if pd.isna(v) else float(v) for v in recent["value"]],
                "mode": "lines",
                "line": {"color": HIGHLIGHT, "width": 2},
                "hoverinfo": "skip",
            }
        ],
        "layout": {
            "margin": {"l": 0, "r": 0, "t": 2, "b": 2},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "showlegend": False,
            "height": 44,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }
    return html.Figure(
        [
            dcc.Graph(
                figure=figure,
                config={"staticPlot": True, "displayModeBar": False},
                style={"height": "44px"},
                id=f"tile-{tile_id}-sparkline",
            ),
            html.Figcaption(words, className="small text-body-secondary mb-1"),
        ],
        className="tile-sparkline mb-1",
    )


def compare_lines(series: pd.DataFrame, codes: list[str], unit: str) -> go.Figure:
    """The local areas, the LCJP and E&W over time, each with its own dash and marker (withheld
    figures are gaps)."""
    fig = go.Figure()
    for position, code in enumerate(codes):
        rows = series[series["area_code"] == code].sort_values("period_end")
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["period_end"],
                y=rows["value"],
                name=rows["area_name"].iloc[0],
                mode="lines+markers",
                line={
                    "dash": DASHES[position % len(DASHES)],
                    "color": PALETTE[position % len(PALETTE)],
                },
                marker={"symbol": MARKERS[position % len(MARKERS)]},
                customdata=[code] * len(rows),
            )
        )
    return base_layout(fig, y_title=axis_title(unit))


def ranking_figure(
    ranked: pd.DataFrame, highlight: set[str], comparators: set[str], unit: str
) -> go.Figure:
    """All areas of one kind ranked; the partnership's areas hatched and marked, comparators labelled."""
    data = ranked.assign(
        lcjp=ranked["area_code"].isin(highlight),
        label=[
            f"{name} (similar force)" if code in comparators else name
            for code, name in zip(ranked["area_code"], ranked["area_name"], strict=True)
        ],
    )
    median = float(data["value"].median()) if not data.empty else None
    fig = ranked_bars(
        data,
        label="label",
        value="value",
        highlight="lcjp",
        x_title=axis_title(unit),
        reference=median,
        reference_label=f"Median: {format_value(median, unit)}" if median is not None else "",
        customdata="area_code",
    )
    fig.update_layout(height=max(360, 16 * len(data) + 60))
    return fig


def _rgb(colour: str) -> tuple[int, int, int]:
    """'rgb(0, 34, 78)' or '#00224e' as a tuple."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(part)) for part in colour[colour.index("(") + 1 : -1].split(",")[:3])


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _colour_name(rgb: tuple[int, int, int]) -> str:
    return min(
        _COLOUR_NAMES,
        key=lambda name: sum((a - b) ** 2 for a, b in zip(_COLOUR_NAMES[name], rgb, strict=True)),
    )


def map_caption(colorscale: str = MAP_COLORSCALE) -> str:
    """What the map's shades mean, read off the scale itself: which end is lighter, and its colour."""
    low, high = (_rgb(c) for c in sample_colorscale(colorscale, [0.0, 1.0]))
    lighter_is_high = _luminance(high) > _luminance(low)
    shade = ("Lighter", "darker") if lighter_is_high else ("Darker", "lighter")
    return (
        f"{shade[0]} ({_colour_name(high)}) is higher, {shade[1]} ({_colour_name(low)}) is lower; "
        f"the colour bar gives the numbers. {NO_DATA_TEXT} The partnership's forces are outlined "
        "in black. The ranked chart and the table give the same figures."
    )


def map_figure(
    outlines: dict,
    ranked: pd.DataFrame,
    highlight: set[str],
    unit: str,
    names: dict[str, str] | None = None,
) -> dict:
    """Force areas shaded by value (cividis: colour-blind safe), the LCJP outlined in black.

    A force with no figure is drawn grey and hatched, with "No data" on hover, never shaded as
    if it had a value. `names` (code -> name) names those forces; by default the ONS names.
    Drawn as filled polygons on plain axes, so no map tiles or topojson are fetched from the
    internet (police networks often block them). Click an area to open it. Returned as a plain
    figure dict: validating some 20,000 boundary points through plotly's classes took a second.
    """
    values = dict(zip(ranked["area_code"], ranked["value"], strict=True))
    names = {**POLICE_FORCE_AREAS, **(names or {})}
    names.update(zip(ranked["area_code"], ranked["area_name"], strict=True))
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 1.0)
    traces = []
    for code, (xs, ys) in outlines.items():
        width = 2.5 if code in highlight else 0.4
        if code not in values:
            traces.append(
                {
                    "type": "scatter",
                    "x": xs,
                    "y": ys,
                    "fill": "toself",
                    "mode": "lines",
                    "fillcolor": NO_DATA_FILL,
                    "fillpattern": NO_DATA_PATTERN,
                    "line": {"color": "#000000", "width": width},
                    "name": f"{names.get(code, code)}: no data",
                    "hovertemplate": f"{names.get(code, code)}: No data<extra></extra>",
                    "showlegend": False,
                }
            )
            continue
        share = 0.5 if high == low else (values[code] - low) / (high - low)
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "fill": "toself",
                "mode": "lines",
                "fillcolor": sample_colorscale(MAP_COLORSCALE, [share])[0],
                "line": {"color": "#000000", "width": width},
                "name": names[code],
                "customdata": [code] * len(xs),
                "hovertemplate": f"{names[code]}: {format_value(values[code], unit)}<extra></extra>",
                "showlegend": False,
            }
        )
    # An invisible trace carries the colour bar, so the scale is read as numbers, not shades.
    traces.append(
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "marker": {
                "colorscale": MAP_COLORSCALE,
                "cmin": low,
                "cmax": high,
                "color": [low],
                "showscale": True,
                "colorbar": {"title": {"text": axis_title(unit)}},
            },
            "showlegend": False,
            "hoverinfo": "skip",
        }
    )
    return {
        "data": traces,
        "layout": {
            "template": MAP_TEMPLATE,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "hovermode": "closest",
            "xaxis": {"visible": False},
            # degrees at ~53°N
            "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1.65},
        },
    }


def outlines(geojson: dict, tolerance: float = 0.01) -> dict[str, tuple[list, list]]:
    """Each feature's rings as x and y lists (rings separated by gaps), simplified to about a
    kilometre (`tolerance` in degrees): a 420-pixel map of England and Wales shows about 0.015°
    a pixel, so nothing visible is lost and the browser draws a tenth of the points."""
    shapes = {}
    for feature in geojson.get("features", []):
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        xs: list = []
        ys: list = []
        for polygon in polygons:
            for ring in polygon:
                points = [(p[0], p[1]) for p in ring]
                if _extent(points) < 2 * tolerance:
                    continue  # a rock or a sliver: under a pixel or two on the map
                for x, y in _simplify(points, tolerance):
                    xs.append(round(x, 3))
                    ys.append(round(y, 3))
                xs.append(None)
                ys.append(None)
        shapes[feature.get("id")] = (xs, ys)
    return shapes


def _extent(points: list[tuple[float, float]]) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return max(max(xs) - min(xs), max(ys) - min(ys))


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker: keep the points that stray more than `tolerance` from the line between
    the points kept either side (iterative, so long coastlines cannot exhaust the stack)."""
    if len(points) < 4:
        return points
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        furthest, distance = None, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            if length:
                away = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                away = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if away > distance:
                furthest, distance = index, away
        if furthest is not None:
            keep.add(furthest)
            stack += [(first, furthest), (furthest, last)]
    return [points[i] for i in sorted(keep)]


def highlight_colour() -> str:
    return HIGHLIGHT


def breakdown_figure(breakdown: pd.DataFrame, unit: str, dim: str) -> go.Figure:
    """The next drill level: one bar per category, largest first; click a bar to go deeper."""
    data = breakdown.assign(highlight=False)
    fig = ranked_bars(
        data,
        label="category",
        value="value",
        highlight="highlight",
        x_title=f"{axis_title(unit)} by {dim.replace('_', ' ')}",
    )
    fig.update_layout(height=max(360, 22 * len(data) + 60))
    return fig
