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


def series_revisions(view, area_code: str, members: tuple[str, ...] = ()) -> pd.DataFrame:
    """The revised periods of the series a section or tile reads: period_end, value (now),
    previous_value and the revision columns, one row per period.

    A published total is read as it stands. A count made by summing (the breakdowns of an area,
    or the partnership's member forces) was revised when any part was, and its earlier total is
    the present one less the parts' changes. A rate made by summing has no earlier figure to
    state, so it is not marked. Only areas in the view (which holds only rows the user may see)
    are read.
    """
    spec = view.spec
    shown = view.totals[view.totals["area_code"] == area_code]
    parts = [c for c in (members or (area_code,)) if c in set(view.totals["area_code"])]
    latest = data.revisions(spec.id)
    empty = pd.DataFrame(columns=["period_end", "value", *REVISION_COLUMNS])
    if shown.empty or not parts or latest.empty:
        return empty
    latest = latest[latest["area_code"].isin(parts)]
    if view.totals_published:
        latest = latest[latest["breakdown_key"] == ""]
    summed = bool(members) or not view.totals_published
    if summed and spec.unit != "count":
        return empty
    if latest.empty:
        return empty
    change = (latest["previous_value"] - latest["value"]).groupby(latest["period_end"]).sum()
    earlier = latest.groupby("period_end")["earlier"].first()
    loaded = latest.groupby("period_end")["previous_loaded_at"].max()
    vintage = latest.groupby("period_end")["previous_vintage_id"].max()
    now = shown.set_index("period_end")["value"]
    rows = []
    for period_end, delta in change.items():
        if period_end not in now.index:
            continue
        value = float(now[period_end])
        previous = value + float(delta)
        if previous == value:
            continue
        rows.append(
            {
                "period_end": period_end,
                "value": value,
                "previous_value": previous,
                "previous_vintage_id": vintage[period_end],
                "previous_loaded_at": loaded[period_end],
                "revision_note": revision_note(
                    previous, spec.unit, loaded[period_end], data.timezone()
                ),
                "previously_published": (
                    previously_published(earlier[period_end], spec.unit, data.timezone())
                    if not summed
                    else previously_published(
                        [(previous, vintage[period_end], loaded[period_end])],
                        spec.unit,
                        data.timezone(),
                    )
                ),
            }
        )
    return pd.DataFrame(rows, columns=empty.columns) if rows else empty
