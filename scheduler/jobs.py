"""Refresh jobs: every entry point (first start, CLI, the admin page's queued requests, scheduler)
goes through run_job.

run_job holds the cross-process refresh lock (PostgreSQL advisory lock, or a file lock beside
an SQLite database) and claims the dataset's due time in refresh_job before loading. Two
processes that wake for the same due time therefore load it once: the second one finds the
claim and records nothing more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from config import Settings, release_check_for
from loaders import demo, refresh_requests
from loaders.datasets import DATASETS, DatasetSpec
from loaders.fetch import (
    HttpPolicy,
    demo_root,
    display_location,
    resolve_source,
    submissions_root,
)
from loaders.ledger import REFRESH_LOCK, as_utc, claim, claimed_by, set_stage, sweep_abandoned
from loaders.locks import exclusive
from loaders.models import utcnow
from loaders.refresh import (
    SUCCESS,
    WARNINGS,
    RefreshOutcome,
    cache_is_empty,
    london_today,
    note_lines,
    record_failure,
    refresh_dataset,
)
from loaders.schedules import cron_trigger, latest_due, schedule_for
from loaders.submissions import demo_returns, drop_folder

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Called with (settings, outcomes) after run_datasets made any dataset's vintage current. Only the
# scheduler process registers one (it builds the shared figures: scheduler/figures.py); a web
# process that refreshes registers none, so its workers never build figures for everyone.
AFTER_REFRESH: list[Callable] = []
NEW_VINTAGE = {SUCCESS, WARNINGS}


def _say(progress: Progress | None, message: str, level: int = logging.INFO) -> None:
    log.log(level, message)
    if progress is not None:
        progress(message)


def _write_demo_files(settings: Settings) -> None:
    """Regenerate the demo tree and demo partner returns (same bytes until a new period
    completes). Hold REFRESH_LOCK."""
    today = london_today(settings.timezone)
    demo.write_demo_files(demo_root(settings), today=today)
    if settings.public_data_dir is None:
        demo_returns.write_demo_returns(submissions_root(settings), today=today)


def run_job(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    spec: DatasetSpec,
    *,
    trigger: str,
    due_at: datetime | None = None,
    force: bool = False,
    requested_by: str | None = None,
    progress: Progress | None = None,
    demo_written: bool = False,
) -> RefreshOutcome | None:
    """Refresh one dataset for one due time, once across every process; None if already done."""
    location, is_demo = resolve_source(spec, settings)
    if spec.submission and not drop_folder.submission_files(Path(location)):
        _say(progress, f"{spec.id}: no returns submitted yet")
        return RefreshOutcome(spec.id, "empty", error="no submissions yet")
    due_at = as_utc(due_at) or utcnow()
    with exclusive(engine, REFRESH_LOCK, settings.instance_dir):
        sweep_abandoned(session_factory)
        job_id = claim(session_factory, spec.id, due_at, trigger, requested_by)
        if job_id is None:
            with session_factory() as session:
                owner = claimed_by(session, spec.id, due_at)
            _say(progress, f"{spec.id}: already run for {due_at:%Y-%m-%d %H:%M} UTC by {owner}")
            return None
        _say(progress, f"{spec.id}: loading from {display_location(location)}")
        if is_demo and not demo_written:
            try:
                _write_demo_files(settings)
            except Exception as error:  # recorded like any other failed refresh
                outcome = record_failure(
                    session_factory, spec.id, trigger, f"demo files could not be written: {error}"
                )
                set_stage(session_factory, job_id, "finished", outcome.run_id)
                _say(progress, f"{spec.id}: failed ({outcome.error})", logging.ERROR)
                return outcome
        outcome = refresh_dataset(
            session_factory,
            spec,
            location,
            is_demo=is_demo,
            today=london_today(settings.timezone),
            trigger=trigger,
            http=HttpPolicy.from_settings(settings),
            staging_root=settings.instance_dir / "staging",
            force=force,
            on_stage=lambda stage, run_id: set_stage(session_factory, job_id, stage, run_id),
            check=release_check_for(spec, settings),
        )
        set_stage(session_factory, job_id, "finished")
    report(outcome, progress)
    return outcome


def report(outcome: RefreshOutcome, progress: Progress | None) -> None:
    """One line per dataset, then its notes (warnings first), as the CLI and scheduler print."""
    detail = outcome.error or f"{outcome.rows:,} rows"
    if outcome.status == "failed":
        detail += "; last good data kept" if outcome.had_data else "; no earlier data to keep"
    if outcome.vintage_id is not None and outcome.status != "unchanged":
        detail += f", vintage {outcome.vintage_id}"
    level = logging.ERROR if outcome.status == "failed" else logging.INFO
    if outcome.warnings and level == logging.INFO:
        level = logging.WARNING
    _say(
        progress,
        f"{outcome.dataset_id}: {outcome.status} ({detail}, {outcome.seconds:.1f}s)",
        level,
    )
    for note, line in zip(
        outcome.notes, note_lines(outcome.notes, f"{outcome.dataset_id}: "), strict=True
    ):
        _say(progress, line, logging.WARNING if note["level"] == "warning" else logging.INFO)


def failure_summary(failed) -> str:
    """Which datasets failed, and whether each kept earlier data (an empty cache has none)."""
    kept = [o.dataset_id for o in failed if o.had_data]
    none = [o.dataset_id for o in failed if not o.had_data]
    parts = []
    if kept:
        parts.append(f"{', '.join(kept)} (last good data kept)")
    if none:
        parts.append(f"{', '.join(none)} (no earlier data: nothing to show yet)")
    return f"{len(failed)} dataset(s) failed: " + "; ".join(parts)


def run_datasets(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    jobs: Iterable[tuple[DatasetSpec, datetime | None]],
    *,
    trigger: str,
    force: bool = False,
    requested_by: str | None = None,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """Run each (dataset, due time) in turn; one failing dataset never stops the others."""
    jobs = list(jobs)
    demo_written = False
    if any(resolve_source(spec, settings)[1] for spec, _due in jobs):
        try:
            with exclusive(engine, REFRESH_LOCK, settings.instance_dir):
                _write_demo_files(settings)
            demo_written = True
        except Exception:  # each job tries again and records the failure in the ledger
            log.exception("demo files could not be written")
    outcomes = []
    for spec, due_at in jobs:
        outcome = run_job(
            engine,
            session_factory,
            settings,
            spec,
            trigger=trigger,
            due_at=due_at,
            force=force,
            requested_by=requested_by,
            progress=progress,
            demo_written=demo_written,
        )
        if outcome is not None:
            outcomes.append(outcome)
    if any(o.status in NEW_VINTAGE for o in outcomes):
        for hook in list(AFTER_REFRESH):
            try:
                hook(settings, outcomes)
            except Exception:  # the refresh itself stands
                log.exception("after-refresh step failed")
    return outcomes


def due_jobs(
    session_factory: sessionmaker,
    settings: Settings,
    now: datetime | None = None,
    datasets: Iterable[DatasetSpec] | None = None,
) -> list[tuple[DatasetSpec, datetime]]:
    """Datasets whose latest scheduled time has passed and has not been run by anyone yet."""
    now = as_utc(now) or utcnow()
    due = []
    with session_factory() as session:
        for spec in datasets or DATASETS.values():
            trigger = cron_trigger(
                schedule_for(spec, settings.schedules), settings.timezone, spec.id
            )
            due_at = latest_due(trigger, now)
            if due_at is not None and claimed_by(session, spec.id, due_at) is None:
                due.append((spec, due_at))
    return due


def run_due(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    *,
    trigger: str = "once",
    datasets: Iterable[DatasetSpec] | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """Run everything due and not yet done (for `python -m scheduler --once` and catch-up)."""
    jobs = due_jobs(session_factory, settings, datasets=datasets)
    if not jobs:
        _say(progress, "nothing is due")
    return run_datasets(
        engine, session_factory, settings, jobs, trigger=trigger, force=force, progress=progress
    )


def run_scheduled(
    engine: sa.Engine, session_factory: sessionmaker, settings: Settings, dataset_id: str
) -> RefreshOutcome | None:
    """What the scheduler calls at a dataset's cron time: claim that time and refresh."""
    spec = DATASETS[dataset_id]
    trigger = cron_trigger(schedule_for(spec, settings.schedules), settings.timezone, spec.id)
    due_at = latest_due(trigger, utcnow())
    outcomes = run_datasets(engine, session_factory, settings, [(spec, due_at)], trigger="schedule")
    return outcomes[0] if outcomes else None


def refresh_everything(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    *,
    trigger: str,
    datasets: Iterable[DatasetSpec] | None = None,
    force: bool = False,
    requested_by: str | None = None,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """Refresh every dataset (or those given) now, each under the lock and its own claim."""
    jobs = [(spec, None) for spec in (datasets or DATASETS.values())]
    return run_datasets(
        engine,
        session_factory,
        settings,
        jobs,
        trigger=trigger,
        force=force,
        requested_by=requested_by,
        progress=progress,
    )


def refresh_if_empty(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """A fresh install loads once at first start; with several workers only the first one loads."""
    if not cache_is_empty(session_factory):
        return []
    with exclusive(engine, "first-start", settings.instance_dir):
        if not cache_is_empty(session_factory):
            return []
        return refresh_everything(
            engine, session_factory, settings, trigger="first-start", progress=progress
        )


def run_request(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    request: refresh_requests.Request,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """Run one claimed "Refresh now" through run_job, as the admin asked, and record its end."""
    specs = [DATASETS[d] for d in request.dataset_ids if d in DATASETS]
    unknown = [d for d in request.dataset_ids if d not in DATASETS]
    _say(
        progress,
        f"request {request.id} by {request.requested_by}: {', '.join(request.dataset_ids)}",
    )
    try:
        outcomes = (
            refresh_everything(
                engine,
                session_factory,
                settings,
                trigger="admin",
                datasets=specs,
                force=request.force,
                requested_by=request.requested_by,
                progress=progress,
            )
            if specs
            else []
        )
    except Exception as error:  # recorded on the request, where the admin looks
        log.exception("refresh request %s could not run", request.id)
        refresh_requests.finish(
            session_factory, request.id, refresh_requests.FAILED, f"could not run: {error}"
        )
        return []
    failed = [o for o in outcomes if o.status == "failed"]
    parts = [f"{o.dataset_id}: {o.status}" for o in outcomes]
    if unknown:
        parts.append(f"not a dataset: {', '.join(unknown)}")
    refresh_requests.finish(
        session_factory,
        request.id,
        refresh_requests.FAILED if failed or unknown or not specs else refresh_requests.DONE,
        "; ".join(parts) or "nothing to run",
    )
    return outcomes


def drain_requests(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """Run every queued "Refresh now", oldest first; each is claimed by exactly one process."""
    refresh_requests.sweep_abandoned(session_factory)
    last_beat = [time.monotonic()]

    def beating(message: str) -> None:
        # `--once` has no heartbeat job: a long request beats as it reports, so no other
        # scheduler takes it for abandoned.
        if time.monotonic() - last_beat[0] >= refresh_requests.HEARTBEAT_SECONDS:
            refresh_requests.beat(session_factory)
            last_beat[0] = time.monotonic()
        if progress is not None:
            progress(message)

    outcomes = []
    while (request := refresh_requests.claim_next(session_factory)) is not None:
        outcomes += run_request(engine, session_factory, settings, request, beating)
    return outcomes


def beat_and_drain(
    engine: sa.Engine,
    session_factory: sessionmaker,
    settings: Settings,
    progress: Progress | None = None,
) -> list[RefreshOutcome]:
    """`--once`: say a scheduler is alive, then run what admins asked for."""
    refresh_requests.beat(session_factory)
    return drain_requests(engine, session_factory, settings, progress)
