"""Revisions: figures on screen that differ from what an earlier load of the same source said.

Publishers revise: MoJ restates recent quarters in each release, and police.uk outcomes change as
investigations end. Every load is kept as a vintage, so the board can see the latest figure and,
next to it, what was published before. The comparison is one join inside the database (current
vintage against the earlier vintages of the same dataset, on the figure's key), filtered by
measure and area first, so it stays cheap on a 400,000-row police vintage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from loaders.models import Area, Dataset, Measure, Observation, Vintage

# Two values closer than this (relative) are the same figure re-parsed, not a revision.
RELATIVE_TOLERANCE = 1e-9

KEY_FIELDS = ["area_code", "period_start", "period_end", "period_type", "breakdown_key"]
REVISION_FIELDS = [
    "measure_id",
    *KEY_FIELDS,
    "breakdown",
    "value",
    "previous_value",
    "previous_vintage_id",
    "previous_loaded_at",
    "previous_content_hash",
]


@dataclass(frozen=True)
class EarlierVintage:
    """A load of the dataset before the one on screen."""

    id: int
    loaded_at: datetime
    content_hash: str


def earlier_vintages(
    session: Session, dataset_id: str, *, limit: int | None = None
) -> tuple[int | None, list[EarlierVintage]]:
    """The current vintage's id and the vintages loaded before it, newest first (one query).

    Demo loads are never compared with published ones (or the other way round): a switch from
    demo data to the real files is not a revision of every figure. Vintages that never became
    current (held, rejected, older releases kept as history) are not earlier publications.
    """
    return _history(session, Vintage.dataset_id == dataset_id, limit)


def _history(session: Session, which, limit: int | None) -> tuple[int | None, list[EarlierVintage]]:
    rows = session.execute(
        sa.select(
            Vintage.id,
            Vintage.loaded_at,
            Vintage.content_hash,
            Vintage.is_demo,
            Vintage.review_status,
            Dataset.current_vintage_id,
        )
        .join(Dataset, Dataset.id == Vintage.dataset_id)
        .where(which)
        .order_by(Vintage.loaded_at.desc(), Vintage.id.desc())
    ).all()
    current = next((row for row in rows if row.id == row.current_vintage_id), None)
    if current is None:
        return None, []
    earlier = [
        EarlierVintage(row.id, row.loaded_at, row.content_hash)
        for row in rows
        if row.loaded_at < current.loaded_at
        and row.is_demo == current.is_demo
        # Only what the board once showed was "previously published": a release held and then
        # rejected, or an older release kept as history, never was.
        and row.review_status == "accepted"
    ]
    return current.id, earlier[:limit] if limit is not None else earlier


def revisions(
    session: Session,
    measure_id: str,
    *,
    area_codes: Iterable[str] | None = None,
    area_type: str | None = None,
    totals_only: bool = False,
    vintages: int | None = None,
) -> pd.DataFrame:
    """Every earlier published value of a current figure that differs from it, newest first.

    One row per (area, period, breakdown) and earlier vintage whose value differed, with that
    vintage's id, load time and content hash. Filters match loaders.queries.observations, so a
    card asks for the revisions of exactly the figures it shows. `vintages` limits the comparison
    to that many most recent earlier loads (None: every load kept). A figure that is new in the
    current vintage, or unchanged, has no row.
    """
    of_measure = Vintage.dataset_id == (
        sa.select(Measure.dataset_id).where(Measure.id == measure_id).scalar_subquery()
    )
    current_id, earlier = _history(session, of_measure, vintages)
    if current_id is None or not earlier:
        return _empty()
    by_id = {v.id: v for v in earlier}
    now, before = aliased(Observation, name="now"), aliased(Observation, name="before")
    query = (
        sa.select(
            now.measure_id,
            now.area_code,
            now.period_start,
            now.period_end,
            now.period_type,
            now.breakdown_key,
            now.breakdown,
            now.value,
            before.value,
            before.vintage_id,
        )
        .join(
            before,
            sa.and_(
                # The unique key of an observation, within one earlier vintage: the join walks
                # the uq_observation_key index instead of scanning the older vintages.
                before.vintage_id.in_(list(by_id)),
                before.measure_id == now.measure_id,
                before.area_code == now.area_code,
                before.period_start == now.period_start,
                before.period_type == now.period_type,
                before.breakdown_key == now.breakdown_key,
            ),
        )
        .where(
            now.vintage_id == current_id,
            now.measure_id == measure_id,
            sa.func.abs(before.value - now.value)
            > RELATIVE_TOLERANCE * (1 + sa.func.abs(now.value)),
        )
    )
    if area_codes is not None:
        query = query.where(now.area_code.in_(list(area_codes)))
    if area_type is not None:
        query = query.join(Area, Area.code == now.area_code).where(Area.area_type == area_type)
    if totals_only:
        query = query.where(now.breakdown_key == "")
    rows = [
        (*row[:9], row[9], by_id[row[9]].loaded_at, by_id[row[9]].content_hash)
        for row in session.execute(query)
    ]
    if not rows:
        return _empty()
    frame = pd.DataFrame(rows, columns=REVISION_FIELDS)
    frame["value"] = frame["value"].astype("float64")
    frame["previous_value"] = frame["previous_value"].astype("float64")
    order = {v.id: position for position, v in enumerate(earlier)}
    frame["_order"] = frame["previous_vintage_id"].map(order)
    return frame.sort_values([*KEY_FIELDS, "_order"], ignore_index=True).drop(columns="_order")


def latest_revisions(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per revised figure: the newest earlier value that differs, plus every distinct one.

    `earlier` lists (value, vintage id, loaded at) newest first, one entry per distinct earlier
    value (the newest vintage that carried it), so a value repeated over several loads shows once.
    """
    if frame.empty:
        return frame.assign(earlier=pd.Series(dtype=object))
    # revisions() lists each figure's earlier vintages newest first, so the first seen is newest.
    keys = list(zip(*(frame[c] for c in KEY_FIELDS), strict=True))
    earlier: dict[tuple, list] = {}
    seen: set = set()
    for key, value, vintage_id, loaded_at in zip(
        keys,
        frame["previous_value"],
        frame["previous_vintage_id"],
        frame["previous_loaded_at"],
        strict=True,
    ):
        if (key, value) not in seen:
            seen.add((key, value))
            earlier.setdefault(key, []).append((value, vintage_id, loaded_at))
    first = ~pd.Series(keys, dtype=object).duplicated().to_numpy()
    newest = frame[first].reset_index(drop=True)
    newest["earlier"] = [earlier[key] for key, keep in zip(keys, first, strict=True) if keep]
    return newest[[*REVISION_FIELDS, "earlier"]]


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame(columns=REVISION_FIELDS)
    for column in ("value", "previous_value"):
        frame[column] = frame[column].astype("float64")
    return frame
