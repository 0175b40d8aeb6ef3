"""Building blocks every page shares: tiles, chart cards with table and summary, provenance."""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import ids
from presented.words import local_time

DEMO_LABEL = "Demo data"
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


@dataclass(frozen=True)
class TileData:
    """One headline figure with its meaning spelled out in words."""

    tile_id: str
    label: str
    value: str
    change: str
    context: str
    source: str
    is_demo: bool = False
    # Why the dataset behind the figure is overdue (loaders.staleness); empty when it is current.
    stale_reason: str = ""
    # "Revised: was … in the vintage loaded …" when the figure changed since an earlier load.
    revision: str = ""
    about: About | None = None


@dataclass(frozen=True)
class About:
    """What "About this figure" lists: the source, the period shown and the load behind it.

    `provenance` is a loaders.queries.Provenance (or anything with its fields); layouts only
    read it, so cards stay pure.
    """

    provenance: object
    timezone: str = "Europe/London"
    period: str = ""

    def for_period(self, period: str) -> About:
        return replace(self, period=period)


def demo_badge(is_demo: bool):
    return (
        dbc.Badge(DEMO_LABEL, color="warning", text_color="dark", class_name="ms-2")
        if is_demo
        else None
    )


STALE_LABEL = "Stale"


def stale_badge(reason: str, *, compact: bool = False):
    """'Stale' in words, never colour alone, and why; `compact` shows the why on hover only.

    Screen readers hear the reason either way.
    """
    if not reason:
        return None
    label = STALE_LABEL
    if reason.startswith(f"{STALE_LABEL}, ") and ": " in reason:
        label, reason = reason.split(": ", 1)  # "Stale, 12 months old" is the badge itself
    badge = dbc.Badge(
        [label, html.Span(f": {reason}", className="visually-hidden") if compact else None],
        color="danger",
        class_name="ms-2 stale-badge",
        title=reason,
    )
    return badge if compact else html.Span([badge, html.Span(f" {reason}", className="small")])


def provenance_text(
    provenance, timezone: str = "Europe/London", period: str = "", stale_reason: str = ""
) -> list:
    """'Source: … · latest period … · data as at …', with the demo and stale labels where they apply."""
    parts = [f"Source: {provenance.publisher}, {provenance.title}"]
    if period:
        parts.append(f"period {period}")
    parts.append(f"data as at {local_time(provenance.loaded_at, timezone)}")
    return [
        html.Span(" · ".join(parts)),
        demo_badge(provenance.is_demo),
        stale_badge(stale_reason),
        about_figure(About(provenance, timezone, period)),
    ]


def about_rows(about: About) -> list[tuple[str, object]]:
    """(label, value) pairs for "About this figure", in the order a reader asks them."""
    prov = about.provenance
    source = prov.title
    if getattr(prov, "publication_url", ""):
        source = html.A(prov.title, href=prov.publication_url)
    vintage_id = getattr(prov, "vintage_id", None)
    content_hash = getattr(prov, "content_hash", "") or ""
    kept = getattr(prov, "vintages_kept", 0) or 0
    vintage = (
        f"no. {vintage_id} (content hash {content_hash[:12]})"
        if vintage_id is not None
        else "not loaded yet"
    )
    latest = getattr(prov, "period_latest", None)
    rows: list[tuple[str, object]] = [
        ("Source", source),
        ("Publisher", prov.publisher or "not recorded"),
        ("Period", about.period or (f"up to {latest:%d %b %Y}" if latest else "not recorded")),
        ("Vintage", vintage),
        ("Loaded", f"{local_time(prov.loaded_at, about.timezone)} ({_zone_name(about.timezone)})"),
        ("Loaded from", getattr(prov, "source_location", "") or "not recorded"),
    ]
    if kept > 1:
        rows.append(
            (
                "Earlier vintages",
                f"{kept - 1} kept; a figure that differs from an earlier one is marked Revised",
            )
        )
    if prov.is_demo:
        rows.append(("Data", f"{DEMO_LABEL}: generated for demonstration, not published figures"))
    return rows


def _zone_name(timezone: str) -> str:
    return "UK time" if timezone == "Europe/London" else timezone


def about_figure(about: About, component_id: str | None = None, subject: str = ""):
    """A keyboard-operable "About this figure" disclosure (native details/summary).

    `subject` names the figure for screen-reader users, who may meet many of these on one page.
    """
    items = []
    for label, value in about_rows(about):
        items += [html.Dt(label), html.Dd(value)]
    extra = {"id": component_id} if component_id else {}
    return html.Details(
        [
            html.Summary(
                ["About this figure", html.Span(f": {subject}", className="visually-hidden")]
                if subject
                else "About this figure"
            ),
            html.Dl(items, className="mb-0 mt-1"),
        ],
        className="about-figure mt-1",
        **extra,
    )


def create_tile(tile: TileData):
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2(tile.label, className="h6 text-body-secondary mb-1"),
                    html.P(
                        [tile.value, demo_badge(tile.is_demo)],
                        className="tile-value mb-1",
                        id=f"tile-{tile.tile_id}-value",
                    ),
                    html.P(tile.change, className="mb-1", id=f"tile-{tile.tile_id}-change"),
                    html.P(
                        tile.revision,
                        className="small revision-note mb-1",
                        id=f"tile-{tile.tile_id}-revision",
                    )
                    if tile.revision
                    else None,
                    html.P(tile.context, className="small mb-1"),
                    html.P(
                        [tile.source, stale_badge(tile.stale_reason, compact=True)],
                        className="small text-body-secondary mb-0",
                    ),
                    about_figure(tile.about, f"tile-{tile.tile_id}-about", tile.label)
                    if tile.about
                    else None,
                ]
            ),
            class_name="h-100",
        ),
        xs=12,
        md=6,
        xl=3,
        class_name="mb-3",
    )


def chart_card(
    card: str,
    title: str,
    description: str,
    controls=None,
    height: int = 380,
    breadcrumb: bool = False,
):
    """A chart with its one-line summary above and its data table one click below."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(title, className="h5"),
                html.P(description, className="small text-body-secondary"),
                controls,
                html.Nav(id=ids.breadcrumb(card), **{"aria-label": "Breadcrumb"})
                if breadcrumb
                else None,
                html.P(id=ids.summary(card), className="chart-summary", **{"aria-live": "polite"}),
                dcc.Loading(
                    dcc.Graph(
                        id=ids.graph(card), config=GRAPH_CONFIG, style={"height": f"{height}px"}
                    ),
                    type="circle",
                ),
                html.Details(
                    [html.Summary("Show the data behind this chart"), html.Div(id=ids.table(card))],
                    className="mt-2",
                ),
                # A div, not a paragraph: it holds the "About this figure" disclosure too.
                html.Div(id=ids.source(card), className="small text-body-secondary mt-2 mb-0"),
            ]
        ),
        class_name="mb-4",
    )


def data_table(frame: pd.DataFrame, caption: str, links: dict[str, str] | None = None):
    """An accessible HTML table (caption, column and row headers); `links` maps a first-column
    value to a drill-down URL.

    Drawn as one block of escaped HTML rather than a Dash component per cell: a page's tables
    ran to thousands of cells, and Dash's renderer spent most of a page's drawing time on them.
    Links inside stay within the app (assets/table_links.js)."""
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for position, value in enumerate(record):
            text = escape(value if isinstance(value, str) else _cell(value))
            if position == 0 and links and value in links:
                cells.append(f'<th scope="row"><a href="{escape(links[value])}">{text}</a></th>')
            elif position == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = (
        '<table class="table table-striped table-sm data-table">'
        f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return html.Div(
        dcc.Markdown(table, dangerously_allow_html=True, className="data-table-wrap"),
        className="table-responsive",
    )


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def form_field(label: str, control, field_id: str, help_text: str = ""):
    """A labelled form control, with an optional line of help below it."""
    return html.Div(
        [
            dbc.Label(label, html_for=field_id),
            control,
            dbc.FormText(help_text, id=f"{field_id}-help") if help_text else None,
        ],
        className="mb-3",
    )


def not_authorised(message: str = "You do not have access to this information."):
    return dbc.Alert(message, color="secondary", id="not-authorised")
