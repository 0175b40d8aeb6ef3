"""How a revised figure reads on screen: a tile's note, a chart's marker, a sentence, a table column.

Cards get revision columns on their frames from callbacks/revisions.py (REVISION_COLUMNS); these
helpers only read them, so a card that passes the columns through marks revisions for free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from presented.words import format_value, local_time

REVISION_COLUMNS = [
    "previous_value",
    "previous_vintage_id",
    "previous_loaded_at",
    "revision_note",
    "previously_published",
]
# A marker no series uses (figures.MARKERS), drawn large and outlined over the series' own.
REVISED_SYMBOL = "star-open"
REVISED_LEGEND = "Revised since an earlier release"
PREVIOUSLY_PUBLISHED = "Previously published"
SUMMARY_LIMIT = 3


def revision_note(
    previous_value: float, unit: str, loaded_at: datetime | None, timezone: str
) -> str:
    """'Revised: was 1,530 in the vintage loaded 26 Mar 2026 09:30' for a tile or a hover."""
    return (
        f"Revised: was {format_value(previous_value, unit)} in the vintage loaded "
        f"{local_time(loaded_at, timezone)}"
    )


def previously_published(
    earlier: Iterable[tuple[float, int, datetime | None]], unit: str, timezone: str
) -> str:
    """Every distinct earlier value, newest first: '1,530 (vintage 2, loaded 26 Mar 2026 09:30)'."""
    return "; ".join(
        f"{format_value(value, unit)} (vintage {vintage_id}, loaded {local_time(loaded_at, timezone)})"
        for value, vintage_id, loaded_at in earlier
    )


def revised(frame: pd.DataFrame) -> pd.Series:
    """True for each row whose figure differs from an earlier vintage's."""
    if "revision_note" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["revision_note"].fillna("").astype(str).str.len() > 0


def tile_revision(row: pd.Series | None) -> str:
    """The note a tile shows under its figure, or '' when the figure was never revised."""
    if row is None or "revision_note" not in row.index:
        return ""
    note = row["revision_note"]
    return note if isinstance(note, str) else ""


def mark_revised_points(
    fig: go.Figure, frame: pd.DataFrame, *, x: str, y: str, label: str | None = None
) -> go.Figure:
    """Overlay a distinct, outlined star on every revised point, with the old value on hover.

    `label` names the column that says which series a point belongs to, for the hover text.
    """
    marked = frame[revised(frame)]
    if marked.empty:
        return fig
    hover = [
        (f"{row[label]}: " if label else "") + row["revision_note"] for _, row in marked.iterrows()
    ]
    fig.add_trace(
        go.Scatter(
            x=marked[x],
            y=marked[y],
            name=REVISED_LEGEND,
            mode="markers",
            marker={
                "symbol": REVISED_SYMBOL,
                "size": 18,
                "color": "#000000",
                "line": {"width": 2, "color": "#000000"},
            },
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    return fig


def revision_sentence(
    frame: pd.DataFrame, describe: Callable[[pd.Series], str], unit: str = "count"
) -> str:
    """' Revised since an earlier release (☆ on the chart): Open cases, 2025 Q4, now 80,228; ….'

    Empty when nothing on the chart was revised, so a summary can always append it.
    """
    marked = frame[revised(frame)]
    if marked.empty:
        return ""
    parts = [
        f"{describe(row)} is now {format_value(row['value'], unit)}; "
        + row["revision_note"].replace("Revised: was", "it was", 1)
        for _, row in marked.head(SUMMARY_LIMIT).iterrows()
    ]
    more = len(marked) - SUMMARY_LIMIT
    text = " Revised since an earlier release (☆ on the chart): " + "; ".join(parts)
    if more > 0:
        text += f"; and {more} more (see '{PREVIOUSLY_PUBLISHED}' in the table)"
    return text + "."


def add_previously_published(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    table_key: str,
    frame_key: str,
    series: str | None = None,
) -> pd.DataFrame:
    """Add a 'Previously published' column when any figure in the table was revised.

    Rows of `table` are matched to figures of the long `frame` on table_key == frame_key; where a
    row holds several series, each earlier value is named by its series.
    """
    marked = frame[revised(frame)]
    if marked.empty:
        return table
    texts: dict = {}
    for _, row in marked.iterrows():
        text = (f"{row[series]}: " if series else "") + row["previously_published"]
        texts.setdefault(row[frame_key], []).append(text)
    column = table[table_key].map(lambda key: "; ".join(texts.get(key, [])) or "–")
    return table.assign(**{PREVIOUSLY_PUBLISHED: column.astype(str)})
