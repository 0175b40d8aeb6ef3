"""The APScheduler setup shared by `python -m scheduler` and the development-only in-app scheduler.

One job per dataset on its own cron schedule (Europe/London), coalescing missed runs into one
and never running two instances of a job at once. APScheduler's memory job store is per
process; what makes two processes (or app workers) run each due time once is the claim and
lock in scheduler.jobs, not APScheduler.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import sessionmaker

from config import Settings
from loaders import refresh_requests
from loaders.datasets import DATASETS
from loaders.models import utcnow
from loaders.schedules import cron_trigger, schedule_for
from scheduler.jobs import drain_requests, run_due, run_scheduled

log = logging.getLogger(__name__)

CATCH_UP_JOB = "catch-up"
REQUESTS_JOB = "refresh-requests"
HEARTBEAT_JOB = "heartbeat"
REQUEST_POLL_SECONDS = 5  # how soon a "Refresh now" pressed on the admin page starts


def add_dataset_jobs(
    scheduler: BaseScheduler, engine: sa.Engine, session_factory: sessionmaker, settings: Settings
) -> None:
    """One cron job per dataset, plus a catch-up run at start for anything due while we were down."""
    for spec in DATASETS.values():
        expression = schedule_for(spec, settings.schedules)
        scheduler.add_job(
            run_scheduled,
            cron_trigger(expression, settings.timezone, spec.id),
            args=[engine, session_factory, settings, spec.id],
            id=spec.id,
            name=f"refresh {spec.id} ({expression})",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=settings.misfire_grace_seconds,
            replace_existing=True,
        )
    scheduler.add_job(
        run_due,
        "date",
        run_date=utcnow() + timedelta(seconds=1),
        args=[engine, session_factory, settings],
        kwargs={"trigger": "catch-up"},
        id=CATCH_UP_JOB,
        name="catch up on anything due while the scheduler was not running",
        replace_existing=True,
    )


def add_request_jobs(
    scheduler: BaseScheduler, engine: sa.Engine, session_factory: sessionmaker, settings: Settings
) -> None:
    """Pick up the admin page's "Refresh now" requests every few seconds, and beat.

    The heartbeat is its own job so that it keeps beating while a long request runs.
    """
    refresh_requests.beat(session_factory)
    scheduler.add_job(
        refresh_requests.beat,
        "interval",
        seconds=refresh_requests.HEARTBEAT_SECONDS,
        args=[session_factory],
        id=HEARTBEAT_JOB,
        name="heartbeat (the admin page shows whether a scheduler is running)",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    scheduler.add_job(
        drain_requests,
        "interval",
        seconds=REQUEST_POLL_SECONDS,
        args=[engine, session_factory, settings],
        id=REQUESTS_JOB,
        name=f"run queued refresh requests (every {REQUEST_POLL_SECONDS} s)",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )


def describe_jobs(scheduler: BaseScheduler, timezone: str) -> list[str]:
    """One line per job with its next run in local time, for the log."""
    zone = ZoneInfo(timezone)
    lines = []
    for job in scheduler.get_jobs():
        when = getattr(job, "next_run_time", None)
        shown = when.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") if when else "when started"
        lines.append(f"{job.name}: next run {shown}")
    return lines


def start_in_app_scheduler(
    engine: sa.Engine, session_factory: sessionmaker, settings: Settings
) -> BaseScheduler:
    """Development only (SCHEDULER_IN_APP=1): a background scheduler inside the web process,
    which also runs the admin page's queued "Refresh now" requests.

    In production run `python -m scheduler` instead; under gunicorn every worker would start
    one of these (the claims still keep each due time to one run, but the work is wasted).
    """
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=ZoneInfo(settings.timezone))
    add_dataset_jobs(scheduler, engine, session_factory, settings)
    add_request_jobs(scheduler, engine, session_factory, settings)
    scheduler.start()
    log.warning("in-app scheduler started (development only; use `python -m scheduler`)")
    return scheduler
