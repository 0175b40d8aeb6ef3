"""Is a figure older than its source's cadence and publication lag allow? Shown as Stale.

Two questions, kept apart. `period_age` asks it of the figures themselves: a figure is stale when
the period it describes ended longer ago than one cadence, the publisher's usual lag and a grace
month allow (CPS figures for December 2016 are stale however recently they were loaded). This is
what every tile, screen, pack page and the API say. `freshness` asks it of the refresh: has the
source given anything new within its cadence? That tells an administrator a refresh is failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loaders.datasets import DATASETS
from loaders.ledger import GOOD_STATUSES, as_utc
from loaders.models import Dataset, RefreshRun, utcnow

# How often each cadence brings new data, and how late a release may be before it is overdue.
CADENCE_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "annual": 366}
GRACE_DAYS = {"daily": 1, "weekly": 3, "monthly": 14, "quarterly": 31, "annual": 60}


# Months one period spans, and the grace allowed past cadence plus lag before a figure is stale.
PERIOD_MONTHS = {"week": 0, "month": 1, "quarter": 3, "year": 12, "financial_year": 12}
GRACE_MONTHS = {"week": 1, "month": 1, "quarter": 1, "year": 2, "financial_year": 2}
CADENCE_PERIOD = {
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "annual": "year",
    "daily": "week",
}


@dataclass(frozen=True)
class PeriodAge:
    """How old a figure's period is, and whether a newer one should have been published."""

    months_old: int
    allowed_months: int
    stale: bool
    reason: str


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def period_age(period_type: str, period_end: date, today: date, lag_months: int) -> PeriodAge:
    """Stale when the period ended more than one period, the usual publication lag and a grace
    month before today: by then the next period's figures should have been published."""
    months_old = max(0, months_between(period_end, today))
    allowed = PERIOD_MONTHS.get(period_type, 1) + lag_months + GRACE_MONTHS.get(period_type, 1)
    if months_old <= allowed:
        return PeriodAge(months_old, allowed, False, "")
    reason = (
        f"these figures describe a period that ended {months_old} months ago; a newer one was "
        f"due within {allowed} months (its cadence plus the usual {lag_months}-month publication "
        "lag)"
    )
    return PeriodAge(months_old, allowed, True, reason)


def dataset_age(spec, period_latest: date | None, today: date) -> PeriodAge | None:
    """period_age of a dataset's newest figures (None before anything is loaded)."""
    if period_latest is None:
        return None
    kind = spec.period_kind or CADENCE_PERIOD.get(spec.cadence, "month")
    return period_age(kind, period_latest, today, spec.lag_months)


@dataclass(frozen=True)
class Freshness:
    """How current one dataset is, in words a board member can read."""

    dataset_id: str
    cadence: str
    loaded_at: datetime | None  # when the data on screen arrived (the current vintage)
    last_success_at: datetime | None  # the last refresh that succeeded or found no change
    expected_by: datetime | None  # new data was due by this time
    stale: bool
    reason: str


def allowed_age(cadence: str, grace_days: int | None = None) -> timedelta:
    """Cadence plus grace: how old the data may be before it is stale."""
    days = CADENCE_DAYS.get(cadence, 31)
    grace = GRACE_DAYS.get(cadence, 14) if grace_days is None else grace_days
    return timedelta(days=days + grace)


def _assess(dataset_id, cadence, loaded_at, last_success_at, now, grace_days) -> Freshness:
    if loaded_at is None:
        return Freshness(dataset_id, cadence, None, last_success_at, None, True, "never loaded")
    expected_by = loaded_at + allowed_age(cadence, grace_days)
    if now <= expected_by:
        return Freshness(dataset_id, cadence, loaded_at, last_success_at, expected_by, False, "")
    age = (now - loaded_at).days
    allowed = allowed_age(cadence, grace_days).days
    if last_success_at is not None and last_success_at > expected_by:
        cause = "although the source was checked recently, it has published nothing new"
    else:
        cause = "no refresh has succeeded since"
    reason = (
        f"no new data for {age} days ({cause}; new {cadence} data was expected within "
        f"{allowed} days)"
    )
    return Freshness(dataset_id, cadence, loaded_at, last_success_at, expected_by, True, reason)


def freshness_all(
    session: Session, now: datetime | None = None, grace_days: int | None = None
) -> dict[str, Freshness]:
    """Freshness of every registered dataset, from two small queries."""
    now = as_utc(now) or utcnow()
    datasets = {d.id: d for d in session.scalars(sa.select(Dataset))}
    last_good = dict(
        session.execute(
            sa.select(RefreshRun.dataset_id, sa.func.max(RefreshRun.finished_at))
            .where(RefreshRun.status.in_(GOOD_STATUSES))
            .group_by(RefreshRun.dataset_id)
        ).all()
    )
    result = {}
    for dataset_id, spec in DATASETS.items():
        row = datasets.get(dataset_id)
        vintage = row.current_vintage if row else None
        result[dataset_id] = _assess(
            dataset_id,
            row.cadence if row else spec.cadence,
            as_utc(vintage.loaded_at) if vintage else None,
            as_utc(last_good.get(dataset_id)),
            now,
            grace_days,
        )
    return result


def freshness_of(
    dataset_id: str,
    cadence: str,
    loaded_at: datetime | None,
    last_success_at: datetime | None,
    now: datetime | None = None,
    grace_days: int | None = None,
) -> Freshness:
    """Freshness from what has already been read (queries.dataset_states), without a query."""
    return _assess(
        dataset_id,
        cadence,
        as_utc(loaded_at),
        as_utc(last_success_at),
        as_utc(now) or utcnow(),
        grace_days,
    )


def freshness(
    session: Session, dataset_id: str, now: datetime | None = None, grace_days: int | None = None
) -> Freshness:
    """Freshness of one dataset (what a tile or chart needs)."""
    row = session.get(Dataset, dataset_id)
    vintage = row.current_vintage if row else None
    last_good = session.scalar(
        sa.select(sa.func.max(RefreshRun.finished_at)).where(
            RefreshRun.dataset_id == dataset_id, RefreshRun.status.in_(GOOD_STATUSES)
        )
    )
    spec = DATASETS.get(dataset_id)
    return _assess(
        dataset_id,
        row.cadence if row else (spec.cadence if spec else ""),
        as_utc(vintage.loaded_at) if vintage else None,
        as_utc(last_good),
        as_utc(now) or utcnow(),
        grace_days,
    )
