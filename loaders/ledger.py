"""The refresh ledger: claims that make each due time run once, abandoned runs, and what admins read.

Every refresh holds the cross-process "refresh" lock (loaders.locks) while it runs, so whoever
holds that lock knows no refresh is running anywhere: a run still marked 'running' then belongs
to a process that was killed, and is recorded as failed (abandoned) with a plain reason.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from loaders.datasets import DATASETS
from loaders.db import transaction
from loaders.locks import exclusive
from loaders.models import Dataset, RefreshJob, RefreshRun, utcnow
from loaders.schedules import cron_trigger, next_due

log = logging.getLogger(__name__)

REFRESH_LOCK = "refresh"
FINISHED_STATUSES = (
    "success",
    "success with warnings",
    "held for review",
    "kept as history",
    "unchanged",
    "failed",
)
GOOD_STATUSES = ("success", "success with warnings", "unchanged")
ABANDONED = (
    "abandoned: the process running this refresh stopped before it finished "
    "(killed or shut down); the last good data was kept"
)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC; PostgreSQL aware times. Compare them all as aware UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def claim(
    session_factory: sessionmaker,
    dataset_id: str,
    due_at: datetime,
    trigger: str,
    requested_by: str | None = None,
) -> int | None:
    """Claim a dataset's due time; None when another process already has (the job is done)."""
    due_at = as_utc(due_at)
    try:
        with transaction(session_factory) as session:
            job = RefreshJob(
                dataset_id=dataset_id,
                due_at=due_at,
                trigger=trigger[:40],
                claimed_by=worker_name(),
                requested_by=(requested_by or None) and requested_by[:80],
                stage="claimed",
            )
            session.add(job)
            session.flush()
            return job.id
    except IntegrityError:
        return None


def claimed_by(session: Session, dataset_id: str, due_at: datetime) -> str | None:
    """Who claimed this due time, if anyone (compared in UTC, as claims are stored)."""
    return session.scalar(
        sa.select(RefreshJob.claimed_by).where(
            RefreshJob.dataset_id == dataset_id, RefreshJob.due_at == as_utc(due_at)
        )
    )


def set_stage(session_factory: sessionmaker, job_id: int, stage: str, run_id: int | None = None):
    with transaction(session_factory) as session:
        job = session.get(RefreshJob, job_id)
        job.stage = stage
        if run_id is not None:
            job.run_id = run_id
        if stage in {"finished", "abandoned"}:
            job.finished_at = utcnow()


def sweep_abandoned(session_factory: sessionmaker) -> int:
    """Record runs left 'running' by a killed process as failed. Call only holding REFRESH_LOCK."""
    now = utcnow()
    with transaction(session_factory) as session:
        runs = session.scalars(sa.select(RefreshRun).where(RefreshRun.status == "running")).all()
        for run in runs:
            run.status, run.error, run.finished_at = "failed", ABANDONED, now
            log.error("refresh of %s (run %s) was abandoned; marked failed", run.dataset_id, run.id)
        jobs = session.scalars(sa.select(RefreshJob).where(RefreshJob.finished_at.is_(None))).all()
        for job in jobs:
            job.stage, job.finished_at = "abandoned", now
    return len(runs)


@dataclass(frozen=True)
class LedgerRow:
    """One dataset's refresh state, as the admin page shows it."""

    dataset_id: str
    title: str
    status: str  # never run, running, or one of FINISHED_STATUSES
    stage: str  # while running: claimed, started, fetching, loading, storing
    last_run_at: datetime | None
    last_run_trigger: str
    last_success_at: datetime | None
    rows: int | None
    seconds: float | None
    next_due: datetime | None
    error: str | None
    schedule: str
    source: str
    requested_by: str | None = None  # the administrator who pressed "Refresh now"
    notes: tuple[dict, ...] = ()  # the latest finished run's loader notes

    @property
    def running(self) -> bool:
        return self.status == "running"


def _latest_runs(
    session: Session, statuses: tuple[str, ...] | None = None
) -> dict[str, RefreshRun]:
    latest = sa.select(sa.func.max(RefreshRun.id)).group_by(RefreshRun.dataset_id)
    if statuses is not None:
        latest = latest.where(RefreshRun.status.in_(statuses))
    runs = session.scalars(sa.select(RefreshRun).where(RefreshRun.id.in_(latest))).all()
    return {run.dataset_id: run for run in runs}


def _duration(run: RefreshRun, now: datetime) -> float:
    end = as_utc(run.finished_at) or now
    return max((end - as_utc(run.started_at)).total_seconds(), 0.0)


def dataset_ledger(
    session: Session,
    *,
    schedules: dict[str, str],
    sources: dict[str, str],
    timezone: str = "Europe/London",
    now: datetime | None = None,
) -> list[LedgerRow]:
    """Per dataset: last run, last success, rows, duration, next due, status and error."""
    now = as_utc(now) or utcnow()
    latest = _latest_runs(session)
    good = _latest_runs(session, GOOD_STATUSES)
    stages = dict(
        session.execute(
            sa.select(RefreshJob.dataset_id, RefreshJob.stage)
            .where(RefreshJob.finished_at.is_(None))
            .order_by(RefreshJob.id)
        ).all()
    )
    titles = dict(session.execute(sa.select(Dataset.id, Dataset.title)).all())
    requesters = _requesters(session, [run.id for run in latest.values()])
    rows = []
    for spec in DATASETS.values():
        run, success = latest.get(spec.id), good.get(spec.id)
        expression = schedules.get(spec.id, spec.schedule)
        try:
            due = next_due(cron_trigger(expression, timezone, spec.id), now)
        except ValueError:
            due = None
        rows.append(
            LedgerRow(
                dataset_id=spec.id,
                title=titles.get(spec.id, spec.title),
                status=run.status if run else "never run",
                stage=stages.get(spec.id, "") if run and run.status == "running" else "",
                last_run_at=as_utc(run.started_at) if run else None,
                last_run_trigger=run.trigger if run else "",
                last_success_at=as_utc(success.finished_at) if success else None,
                rows=run.rows if run and run.status != "running" else None,
                seconds=_duration(run, now) if run else None,
                next_due=due,
                error=run.error if run and run.status == "failed" else None,
                schedule=expression,
                source=sources.get(spec.id, ""),
                requested_by=requesters.get(run.id) if run else None,
                notes=tuple(run.notes or ()) if run else (),
            )
        )
    return rows


def _requesters(session: Session, run_ids: list[int]) -> dict[int, str]:
    """run id -> the administrator who asked for it, for runs started from the admin page."""
    if not run_ids:
        return {}
    return dict(
        session.execute(
            sa.select(RefreshJob.run_id, RefreshJob.requested_by).where(
                RefreshJob.run_id.in_(run_ids), RefreshJob.requested_by.is_not(None)
            )
        ).all()
    )


@dataclass(frozen=True)
class RunRecord:
    """One line of the ledger's history."""

    run_id: int
    dataset_id: str
    trigger: str
    status: str
    started_at: datetime | None
    seconds: float | None
    rows: int
    error: str | None
    requested_by: str | None = None
    notes: tuple[dict, ...] = ()


def recent_runs(session: Session, limit: int = 20, now: datetime | None = None) -> list[RunRecord]:
    now = as_utc(now) or utcnow()
    runs = session.scalars(sa.select(RefreshRun).order_by(RefreshRun.id.desc()).limit(limit)).all()
    requesters = _requesters(session, [run.id for run in runs])
    return [
        RunRecord(
            run.id,
            run.dataset_id,
            run.trigger,
            run.status,
            as_utc(run.started_at),
            _duration(run, now),
            run.rows,
            run.error,
            requesters.get(run.id),
            tuple(run.notes or ()),
        )
        for run in runs
    ]


def failing_datasets(session: Session) -> list[tuple[str, str]]:
    """(dataset id, error) for each dataset whose latest finished refresh failed."""
    latest = _latest_runs(session, FINISHED_STATUSES)
    return sorted(
        (dataset_id, run.error or "failed")
        for dataset_id, run in latest.items()
        if run.status == "failed"
    )


def latest_notes(session: Session) -> dict[str, tuple[dict, ...]]:
    """dataset id -> the notes of its latest finished run (for the Data sources page)."""
    latest = _latest_runs(session, FINISHED_STATUSES)
    return {dataset_id: tuple(run.notes or ()) for dataset_id, run in latest.items()}


def any_running(session: Session) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count()).select_from(RefreshRun).where(RefreshRun.status == "running")
        )
    )


def sweep_if_idle(engine: sa.Engine, session_factory: sessionmaker, lock_dir) -> int:
    """Sweep abandoned runs now if no refresh is running anywhere (never waits for the lock)."""
    with exclusive(engine, REFRESH_LOCK, lock_dir, wait=False) as idle:
        return sweep_abandoned(session_factory) if idle else 0
