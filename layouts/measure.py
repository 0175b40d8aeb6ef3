"""The page grammar every subgroup shares: a measure's tile, its section and its figures.

Pure builders: they take a MeasureView (loaders/board.py) and SPC results and return components.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from plotly.colors import sample_colorscale

from layouts.components import GRAPH_CONFIG, demo_badge
from layouts.figures import DASHES, HIGHLIGHT, MARKERS, PALETTE, base_layout, ranked_bars
from layouts.formatting import change_phrase, format_value, period_label

POLARITY_TEXT = {
    "up_good": "Higher is better",
    "down_good": "Lower is better",
    "neutral": "Neither higher nor lower is better in itself",
}
# The part of a section that holds its commentary (filled by callbacks/commentary.py).
COMMENTARY = "commentary"


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
                            "Darker is higher; the partnership's forces are outlined in black. "
                            "The ranked chart and the table give the same figures.",
                            className="small text-body-secondary",
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


def tile_texts(view, headline, national, comparison: str, spc_label: str) -> dict:
    """The words on one measure tile; also used by board packs so screen and paper agree."""
    spec = view.spec
    change = "no figure a year earlier"
    if headline.year_ago is not None:
        change = (
            change_phrase(headline.value, headline.year_ago, spec.polarity, spec.unit)
            + " on a year ago"
        )
    n = f" (n = {headline.denominator:,.0f})" if headline.denominator else ""
    return {
        "label": f"{spec.title}: {headline.area_name}",
        "value": format_value(headline.value, spec.unit),
        "change": change,
        "period": f"{period_label(headline.period_type, _start(headline), headline.period_end)}{n}",
        "comparison": comparison,
        "spc": spc_label,
    }


def _start(headline):
    return headline.period_end.replace(day=1)


def measure_tile(
    tile_id: str, texts: dict, href: str, is_demo: bool, badges=None, suppressed: bool = False
):
    """A headline tile that links to its measure's section (keyboard reachable)."""
    value = "Suppressed (fewer than the disclosure threshold)" if suppressed else texts["value"]
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
                    html.P(texts["change"], className="mb-1", id=f"tile-{tile_id}-change"),
                    html.P(texts["period"], className="small mb-1"),
                    html.P(
                        texts["comparison"], className="small mb-1", id=f"tile-{tile_id}-comparison"
                    ),
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


def compare_lines(view, codes: list[str]) -> go.Figure:
    """The local areas, the LCJP and E&W over time, each with its own dash and marker."""
    fig = go.Figure()
    for position, code in enumerate(codes):
        rows = view.totals[view.totals["area_code"] == code].sort_values("period_end")
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
    return base_layout(fig, y_title=view.spec.unit)


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
        x_title=unit,
        reference=median,
        reference_label=f"Median: {format_value(median, unit)}" if median is not None else "",
        customdata="area_code",
    )
    fig.update_layout(height=max(360, 16 * len(data) + 60))
    return fig


def map_figure(geojson: dict, ranked: pd.DataFrame, highlight: set[str], unit: str) -> go.Figure:
    """Force areas shaded by value (cividis: colour-blind safe), the LCJP outlined in black.

    Drawn as filled polygons on plain axes, so no map tiles or topojson are fetched from the
    internet (police networks often block them). Click an area to open it.
    """
    values = dict(zip(ranked["area_code"], ranked["value"], strict=True))
    names = dict(zip(ranked["area_code"], ranked["area_name"], strict=True))
    low, high = (min(values.values()), max(values.values())) if values else (0.0, 1.0)
    fig = go.Figure()
    for feature in geojson.get("features", []):
        code = feature.get("id")
        if code not in values:
            continue
        xs, ys = _outline(feature["geometry"])
        share = 0.5 if high == low else (values[code] - low) / (high - low)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                mode="lines",
                fillcolor=sample_colorscale("Cividis", [share])[0],
                line={"color": "#000000", "width": 2.5 if code in highlight else 0.4},
                name=names[code],
                customdata=[code] * len(xs),
                hovertemplate=f"{names[code]}: {values[code]:,.1f}<extra></extra>",
                showlegend=False,
            )
        )
    # An invisible trace carries the colour bar, so the scale is read as numbers, not shades.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "colorscale": "Cividis",
                "cmin": low,
                "cmax": high,
                "color": [low],
                "showscale": True,
                "colorbar": {"title": {"text": unit}},
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.65)  # degrees at ~53°N
    fig.update_layout(
        template="plotly_white", margin={"l": 0, "r": 0, "t": 0, "b": 0}, hovermode="closest"
    )
    return fig


def _outline(geometry: dict) -> tuple[list, list]:
    """Every ring of a Polygon or MultiPolygon, separated by gaps, as x and y lists."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    xs: list = []
    ys: list = []
    for polygon in polygons:
        for ring in polygon:
            xs.extend(point[0] for point in ring)
            ys.extend(point[1] for point in ring)
            xs.append(None)
            ys.append(None)
    return xs, ys


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
        x_title=f"{unit} by {dim.replace('_', ' ')}",
    )
    fig.update_layout(height=max(360, 22 * len(data) + 60))
    return fig
