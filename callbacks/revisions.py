"""Revision marks for any card: current figures joined to what earlier loads published.

A card that reads its figures through `observations` here, instead of data.observations, gets the
layouts.revisions.REVISION_COLUMNS on every row, and the layout helpers mark them.
"""

from __future__ import annotations

import pandas as pd

from callbacks import data
from layouts.revisions import REVISION_COLUMNS, previously_published, revision_note
from loaders.frames import breakdown_key
from loaders.measures import MEASURES
from loaders.revisions import KEY_FIELDS

_JOIN = [k for k in KEY_FIELDS if k != "period_end"]


def annotate(frame: pd.DataFrame, latest: pd.DataFrame, unit: str, timezone: str) -> pd.DataFrame:
    """Add the revision columns to a current-vintage frame; unrevised rows get NaN and ''."""
    if latest.empty or frame.empty:
        return frame.assign(
            previous_value=float("nan"),
            previous_vintage_id=pd.Series(pd.NA, index=frame.index, dtype="Int64"),
            previous_loaded_at=None,
            revision_note="",
            previously_published="",
        ).astype({"revision_note": str, "previously_published": str})
    notes = latest.assign(
        revision_note=[
            revision_note(value, unit, loaded_at, timezone)
            for value, loaded_at in zip(
                latest["previous_value"], latest["previous_loaded_at"], strict=True
            )
        ],
        previously_published=[previously_published(e, unit, timezone) for e in latest["earlier"]],
    )[[*_JOIN, *REVISION_COLUMNS]]
    keyed = frame.assign(breakdown_key=[breakdown_key(b) for b in frame["breakdown"]])
    merged = keyed.merge(notes, on=_JOIN, how="left", validate="one_to_one")
    merged["previous_vintage_id"] = merged["previous_vintage_id"].astype("Int64")
    for column in ("revision_note", "previously_published"):
        merged[column] = merged[column].fillna("").astype(str)
    merged.index = frame.index
    return merged.drop(columns="breakdown_key")


def observations(measure_id: str, **filters) -> pd.DataFrame:
    """data.observations with, for each figure, its earlier published values where they differ."""
    return annotate(
        data.observations(measure_id, **filters),
        data.revisions(measure_id, **filters),
        MEASURES[measure_id].unit,
        data.timezone(),
    )
