"""The "Refresh now" queue and the scheduler heartbeat.

A web worker must never run a refresh: it only queues a request here. The scheduler process
(`python -m scheduler`) claims queued requests one at a time with a conditional UPDATE (only a row
still 'queued' can become 'running'), so two schedulers on two hosts never run one request twice,
and writes a heartbeat, so the admin page can say plainly when no scheduler is there to pick the
queue up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.db import transaction
from loaders.ledger import as_utc, worker_name
from loaders.models import RefreshRequest, SchedulerHeartbeat, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# A scheduler beats this often (its own job, so a long refresh does not stop the beat) ...
HEARTBEAT_SECONDS = 30
# ... and is taken for gone after this long without one.
SCHEDULER_GONE_AFTER = timedelta(minutes=2)
# A request left running by a scheduler that stopped beating this long ago is recorded as failed.
ABANDONED_AFTER = timedelta(minutes=10)
ABANDONED = (
    "abandoned: the scheduler running this request stopped before it finished; "
    "the last good data was kept"
)


@dataclass(frozen=True)
class Request:
    """One request as the admin page shows it."""

    id: int
    dataset_ids: tuple[str, ...]
    requested_by: str
    requested_at: datetime
    force: bool
    status: str
    claimed_by: str | None
    started_at: datetime | None
    finished_at: datetime | None
    message: str | None


def _record(row: RefreshRequest) -> Request:
    return Request(
        id=row.id,
        dataset_ids=tuple(row.dataset_ids or ()),
        requested_by=row.requested_by,
        requested_at=as_utc(row.requested_at),
        force=row.force,
        status=row.status,
        claimed_by=row.claimed_by,
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
        message=row.message,
    )


def enqueue(
    session_factory: sessionmaker, dataset_ids: list[str], requested_by: str, *, force=False
) -> int:
    """Queue a refresh of these datasets for the scheduler; returns the request id."""
    with transaction(session_factory) as session:
        row = RefreshRequest(
            dataset_ids=list(dataset_ids),
            requested_by=requested_by[:80],
            requested_at=utcnow(),
            force=force,
            status=QUEUED,
        )
        session.add(row)
        session.flush()
        return row.id


def claim_next(session_factory: sessionmaker, worker: str | None = None) -> Request | None:
    """Take the oldest queued request for this process, or None when the queue is empty.

    The UPDATE only matches a row still 'queued': when two schedulers pick the same row, the
    database lets one of them change it and the other matches nothing and tries the next row.
    """
    worker = (worker or worker_name())[:200]
    while True:
        with session_factory() as session:
            candidate = session.scalar(
                sa.select(RefreshRequest.id)
                .where(RefreshRequest.status == QUEUED)
                .order_by(RefreshRequest.id)
                .limit(1)
            )
        if candidate is None:
            return None
        with transaction(session_factory) as session:
            changed = session.execute(
                sa.update(RefreshRequest)
                .where(RefreshRequest.id == candidate, RefreshRequest.status == QUEUED)
                .values(status=RUNNING, claimed_by=worker, started_at=utcnow())
            ).rowcount
            if changed == 1:
                return _record(session.get(RefreshRequest, candidate))


def finish(session_factory: sessionmaker, request_id: int, status: str, message: str) -> None:
    """Record how a claimed request ended (done or failed) and what happened, in words."""
    with transaction(session_factory) as session:
        session.execute(
            sa.update(RefreshRequest)
            .where(RefreshRequest.id == request_id)
            .values(status=status, finished_at=utcnow(), message=message)
        )


def beat(session_factory: sessionmaker, worker: str | None = None) -> None:
    """Say this scheduler process is alive (insert its row, or move its time on)."""
    worker = (worker or worker_name())[:200]
    moment = utcnow()
    with transaction(session_factory) as session:
        row = session.get(SchedulerHeartbeat, worker)
        if row is None:
            session.add(SchedulerHeartbeat(worker=worker, started_at=moment, seen_at=moment))
        else:
            row.seen_at = moment
        # Rows of processes gone for a day are only noise.
        session.execute(
            sa.delete(SchedulerHeartbeat).where(
                SchedulerHeartbeat.seen_at < moment - timedelta(days=1)
            )
        )


def last_heartbeat(session: Session) -> tuple[str, datetime] | None:
    """(worker, time) of the most recent heartbeat of any scheduler, or None if none ever beat."""
    row = session.execute(
        sa.select(SchedulerHeartbeat.worker, SchedulerHeartbeat.seen_at)
        .order_by(SchedulerHeartbeat.seen_at.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.worker, as_utc(row.seen_at))


def scheduler_alive(session: Session, now: datetime | None = None) -> bool:
    last = last_heartbeat(session)
    return last is not None and (as_utc(now) or utcnow()) - last[1] <= SCHEDULER_GONE_AFTER


def open_and_recent(session: Session, limit: int = 10) -> list[Request]:
    """Queued and running requests, then the latest finished ones, newest first."""
    open_rows = session.scalars(
        sa.select(RefreshRequest)
        .where(RefreshRequest.status.in_((QUEUED, RUNNING)))
        .order_by(RefreshRequest.id.desc())
    ).all()
    finished = session.scalars(
        sa.select(RefreshRequest)
        .where(RefreshRequest.status.in_((DONE, FAILED)))
        .order_by(RefreshRequest.id.desc())
        .limit(limit)
    ).all()
    return [_record(row) for row in [*open_rows, *finished]]


def sweep_abandoned(session_factory: sessionmaker, now: datetime | None = None) -> int:
    """Record as failed any request still 'running' whose scheduler has stopped beating."""
    moment = as_utc(now) or utcnow()
    with transaction(session_factory) as session:
        running = session.scalars(
            sa.select(RefreshRequest).where(RefreshRequest.status == RUNNING)
        ).all()
        beats = dict(
            session.execute(sa.select(SchedulerHeartbeat.worker, SchedulerHeartbeat.seen_at)).all()
        )
        swept = 0
        for row in running:
            seen = as_utc(beats.get(row.claimed_by)) if row.claimed_by in beats else None
            last_sign = seen or as_utc(row.started_at) or as_utc(row.requested_at)
            if moment - last_sign > ABANDONED_AFTER:
                row.status, row.finished_at, row.message = FAILED, moment, ABANDONED
                swept += 1
        return swept
