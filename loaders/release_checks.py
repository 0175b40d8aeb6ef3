"""Release-over-release checks: a new load that has lost figures waits for an administrator.

Every other check looks at one load on its own; this one compares the new load with the vintage
on screen, period by period. A file cut at a line boundary reads cleanly, but the month it
covers suddenly holds half its records; a release that drops a quarter or a whole force looks
fine by itself too. Such a load is stored as a vintage **held for review**: the current vintage
stays on every page until an administrator approves the new one (Data refresh page, or
`flask --app app refresh approve VINTAGE`) or rejects it. Every decision is audited.

What holds a release, per measure, area and period of the current vintage:

- the area is gone from the measure altogether;
- the period is gone for that area;
- for a period that ended before the publisher's usual revision window (counted back from the
  current vintage's latest period; `revision_window_days`, default 0 so every period counts),
  the number of figures or their total (counts summed; for rates, their denominators) fell by
  more than `max_drop` (default 20%). Periods with fewer than `min_size` figures or a smaller
  total are too small for a share to mean anything and are checked only for disappearing.

A period's total is its total row where it has one (its breakdowns may then come and go, as
proven reoffending's offence groups move to each new cohort), else the sum of its breakdowns
(police.uk's crime type and outcome counts), whose number of figures then counts too. Areas of
a `snapshot_area_types` type carry only the latest periods (CCSQ's court tables: the latest
quarter and a year before), so their older periods may drop off.

A release older than the one on screen (its release date or latest period is earlier) is kept
as history and never becomes current (loaders/refresh.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.db import transaction
from loaders.models import Area, Dataset, Observation, Vintage, utcnow

log = logging.getLogger(__name__)

ACCEPTED, HELD, REJECTED, HISTORY, SUPERSEDED = (
    "accepted",
    "held",
    "rejected",
    "history",
    "superseded",
)
REASONS_KEPT = 12  # reasons stored and shown for one held release; the rest are counted
_KEYS = ["measure_id", "area_code", "period_type", "period_start", "period_end"]


@dataclass(frozen=True)
class ReleaseCheck:
    """How far a dataset's settled periods may fall from one release to the next."""

    max_drop: float = 0.20  # a fall of more than this share holds the release
    revision_window_days: int = 0  # periods this recent (before the latest) may fall freely
    min_size: int = 20  # smaller periods are only checked for disappearing
    enabled: bool = True
    # Areas whose figures are a snapshot of the latest periods (the CCSQ court tables give each
    # court's latest quarter and a year before): their older periods drop off each release.
    snapshot_area_types: tuple[str, ...] = ()

    def with_settings(self, max_drop_percent: float | None, window_days: int | None):
        """This check with RELEASE_MAX_DROP_<ID> / REVISION_WINDOW_DAYS_<ID> applied."""
        changed = self
        if max_drop_percent is not None:
            changed = replace(changed, max_drop=max(max_drop_percent, 0.0) / 100)
        if window_days is not None:
            changed = replace(changed, revision_window_days=max(int(window_days), 0))
        return changed


def _period_text(period_type: str, start: date, end: date) -> str:
    if period_type == "month":
        return f"{start:%B %Y}"
    if period_type == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if period_type == "year" and (start.month, start.day) == (1, 1):
        return str(start.year)
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def _summary(frame: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """Per measure, area and period: how many figures, and the total (see _totals)."""
    if frame.empty:
        return pd.DataFrame(columns=[*_KEYS, "rows", "total", "has_total_row"])
    parts = frame[_KEYS].copy()
    unit = frame["measure_id"].map(units)
    denominator = pd.to_numeric(frame["denominator"], errors="coerce")
    value = pd.to_numeric(frame["value"], errors="coerce")
    # Counts add up; a rate's size is its denominator; a median or a mean has no total.
    size = value.where(unit == "count", denominator.where(unit == "percent"))
    plain = ~frame["breakdown"].map(bool).to_numpy(dtype=bool)
    parts["plain"] = size.where(plain)
    parts["split"] = size.where(~plain)
    parts["is_plain"] = plain.astype("int64")
    grouped = parts.groupby(_KEYS, sort=False, dropna=False)
    summed = pd.DataFrame(
        {
            "rows": grouped.size(),
            "plain": grouped["plain"].sum(min_count=1),
            "split": grouped["split"].sum(min_count=1),
            "plain_rows": grouped["is_plain"].sum(),
        }
    )
    return _totals(summed)


def _totals(summed: pd.DataFrame) -> pd.DataFrame:
    """The total of a period is its total row where it has one, else the sum of its breakdowns.

    A publisher may give breakdowns for the latest period only (proven reoffending's offence
    groups for the latest cohort), which drop off in the next release: the total row stays.
    """
    has_total = summed["plain_rows"] > 0
    return pd.DataFrame(
        {
            "rows": summed["rows"],
            "total": summed["plain"].where(has_total, summed["split"]),
            "has_total_row": has_total,
        },
        index=summed.index,
    )


def _current_summary(session: Session, vintage_id: int, units: dict[str, str]) -> pd.DataFrame:
    """The same summary of the current vintage, added up inside the database."""
    o = Observation
    size = sa.case(
        (o.measure_id.in_([m for m, u in units.items() if u == "count"]), o.value),
        (o.measure_id.in_([m for m, u in units.items() if u == "percent"]), o.denominator),
        else_=None,
    )
    plain = o.breakdown_key == ""
    rows = session.execute(
        sa.select(
            o.measure_id,
            o.area_code,
            o.period_type,
            o.period_start,
            o.period_end,
            sa.func.count().label("rows"),
            sa.func.sum(sa.case((plain, size), else_=None)).label("plain"),
            sa.func.sum(sa.case((plain, None), else_=size)).label("split"),
            sa.func.sum(sa.case((plain, 1), else_=0)).label("plain_rows"),
        )
        .where(o.vintage_id == vintage_id)
        .group_by(o.measure_id, o.area_code, o.period_type, o.period_start, o.period_end)
    ).all()
    frame = pd.DataFrame(rows, columns=[*_KEYS, "rows", "plain", "split", "plain_rows"])
    for column in ("plain", "split"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return _totals(frame.set_index(_KEYS))


def compare_with_current(
    session: Session,
    current_id: int,
    frame: pd.DataFrame,
    units: dict[str, str],
    check: ReleaseCheck,
) -> tuple[list[str], int]:
    """(the first reasons to hold the new load, how many reasons in all); none means release it."""
    if not check.enabled:
        return [], 0
    before = _current_summary(session, current_id, units)
    if before.empty:
        return [], 0
    after = _summary(frame, units)
    areas = session.execute(sa.select(Area.code, Area.name, Area.area_type)).all()
    names = {a.code: a.name for a in areas}
    snapshots = {a.code for a in areas if a.area_type in check.snapshot_area_types}

    def area(code: str) -> str:
        return f"{names.get(code, code)} ({code})" if code in names else code

    after = after.rename(
        columns={"rows": "rows_new", "total": "total_new", "has_total_row": "total_row_new"}
    )
    joined = before.join(after, how="left").reset_index()
    pairs = pd.MultiIndex.from_frame(joined[["measure_id", "area_code"]])
    kept_pairs = pd.MultiIndex.from_frame(after.reset_index()[["measure_id", "area_code"]])
    area_gone = ~pairs.isin(kept_pairs)
    snapshot = joined["area_code"].isin(snapshots).to_numpy()
    missing = joined["rows_new"].isna().to_numpy() & ~area_gone & ~snapshot
    latest = pd.to_datetime(joined["period_end"]).max()
    settled = (
        pd.to_datetime(joined["period_end"]) <= latest - timedelta(days=check.revision_window_days)
    ).to_numpy()
    floor = 1 - check.max_drop
    present = ~area_gone & joined["rows_new"].notna().to_numpy() & settled
    total, total_new = joined["total"].to_numpy(float), joined["total_new"].to_numpy(float)
    rows, rows_new = joined["rows"].to_numpy(float), joined["rows_new"].to_numpy(float)
    total_fell = present & (total >= check.min_size) & ~(np.nan_to_num(total_new) >= total * floor)
    # Where a period has a total row its breakdowns may come and go; the total is what counts.
    breakdowns_only = ~(
        joined["has_total_row"].astype(bool).to_numpy()
        | joined["total_row_new"].fillna(False).astype(bool).to_numpy()
    )
    rows_fell = present & breakdowns_only & (rows >= check.min_size) & (rows_new < rows * floor)

    reasons: list[str] = []
    gone = joined[area_gone].groupby(["measure_id", "area_code"], sort=True)["rows"].sum()
    for (measure_id, code), figures in gone.items():
        reasons.append(
            f"{measure_id}: {area(code)} is no longer in the release "
            f"({int(figures):,} figures before)."
        )
    for i in np.flatnonzero(missing | total_fell | rows_fell):
        row = joined.iloc[i]
        where = (
            f"{row.measure_id}, {area(row.area_code)}, "
            f"{_period_text(row.period_type, row.period_start, row.period_end)}"
        )
        if missing[i]:
            reasons.append(f"{where}: the period is no longer in the release.")
            continue
        fell = []
        if total_fell[i]:
            new_total = float(np.nan_to_num(total_new[i]))
            fell.append(
                f"total {new_total:,.0f}, down from {total[i]:,.0f} ({_fall(total[i], new_total)})"
            )
        if rows_fell[i]:
            fell.append(
                f"{int(rows_new[i]):,} figures, down from {int(rows[i]):,} "
                f"({_fall(rows[i], rows_new[i])})"
            )
        reasons.append(
            f"{where}: {'; '.join(fell)}; more than {check.max_drop:.0%} holds a release."
        )
    return reasons[:REASONS_KEPT], len(reasons)


def _fall(before: float, after: float) -> str:
    return f"down {100 * (1 - after / before):.0f}%"


def hold_text(reasons: list[str], total: int, check: ReleaseCheck) -> list[str]:
    """The stored explanation: what the rule is, then the reasons, then how many more."""
    rule = (
        f"Held for review: compared with the current vintage, figures fell by more than "
        f"{check.max_drop:.0%} or disappeared"
        + (
            f" (periods in the last {check.revision_window_days} days may be revised freely)"
            if check.revision_window_days
            else ""
        )
        + ". The current vintage stays on every page until an administrator approves or rejects "
        "this one."
    )
    more = [f"… and {total - len(reasons):,} more."] if total > len(reasons) else []
    return [rule, *reasons, *more]


# ---- decisions ---------------------------------------------------------------------------------


class ReviewError(ValueError):
    """A decision that cannot be made (no such held vintage, or an older release)."""


@dataclass(frozen=True)
class HeldRelease:
    """A vintage waiting for an administrator, as the Data refresh page lists it."""

    vintage_id: int
    dataset_id: str
    title: str
    loaded_at: object
    rows: int
    release_date: date | None
    current_id: int | None
    reasons: list[str]


def held_releases(session: Session) -> list[HeldRelease]:
    rows = session.execute(
        sa.select(Vintage, Dataset.title, Dataset.current_vintage_id)
        .join(Dataset, Dataset.id == Vintage.dataset_id)
        .where(Vintage.review_status == HELD)
        .order_by(Vintage.id)
    ).all()
    return [
        HeldRelease(
            v.id,
            v.dataset_id,
            title,
            v.loaded_at,
            v.row_count,
            v.release_date,
            current_id,
            list(v.review or []),
        )
        for v, title, current_id in rows
    ]


def decide(
    session_factory: sessionmaker, vintage_id: int, decision: str, username: str, audit=None
) -> str:
    """Approve (make current) or reject a held vintage; returns what happened, in words.

    `audit(event, detail)` records the decision (loaders.audit.audit with the caller's user).
    """
    if decision not in {"approve", "reject"}:
        raise ReviewError(f"'{decision}' is not approve or reject")
    with transaction(session_factory) as session:
        vintage = session.get(Vintage, vintage_id, with_for_update=True)
        if vintage is None:
            raise ReviewError(f"there is no vintage {vintage_id}")
        if vintage.review_status != HELD:
            raise ReviewError(
                f"vintage {vintage_id} is not held for review (it is {vintage.review_status})"
            )
        dataset = session.get(Dataset, vintage.dataset_id)
        current = dataset.current_vintage
        if decision == "approve":
            if (
                current is not None
                and current.release_date
                and vintage.release_date
                and vintage.release_date < current.release_date
            ):
                raise ReviewError(
                    f"vintage {vintage_id} is an older release ({vintage.release_date}) than the "
                    f"current vintage {current.id} ({current.release_date}); it cannot become "
                    "current. Reject it instead."
                )
            dataset.current_vintage_id = vintage.id
            vintage.review_status = ACCEPTED
            message = (
                f"vintage {vintage_id} of {vintage.dataset_id} approved: it is now current"
                + (f" (replacing vintage {current.id})" if current is not None else "")
            )
        else:
            vintage.review_status = REJECTED
            message = f"vintage {vintage_id} of {vintage.dataset_id} rejected" + (
                f"; vintage {current.id} stays current" if current is not None else ""
            )
        vintage.decided_by, vintage.decided_at = username[:80], utcnow()
        dataset_id = vintage.dataset_id
    log.info("%s by %s", message, username)
    if audit is not None:
        audit(
            {"approve": "release approved", "reject": "release rejected"}[decision],
            {"vintage_id": vintage_id, "dataset_id": dataset_id, "outcome": message},
        )
    return message
