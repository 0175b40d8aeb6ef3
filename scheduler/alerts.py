"""Alert jobs for `python -m scheduler`: look for events and send what is due every
ALERTS_INTERVAL_MINUTES, and build each scheduled board pack at its REPORT_SCHEDULE_<ID> time.

They need the app's figures, rights and pack builders, so the process builds one app (no
refresh at start, no cache warming) on first use. Several scheduler processes may run these jobs
at once: event keys, per-user notifications and delivery claims make each happen once. A failed
send is recorded and retried; it never holds up a refresh (these are separate jobs).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from config import Settings
from loaders.models import utcnow
from loaders.schedules import cron_trigger

log = logging.getLogger(__name__)
ALERTS_JOB = "alerts"
_APPS: dict[str, object] = {}
_APPS_LOCK = threading.Lock()


def alerts_server(settings: Settings):
    """One Flask server per database in this process, built without refreshing or warming."""
    with _APPS_LOCK:
        if settings.database_url not in _APPS:
            from app import create_app

            quiet = replace(settings, refresh_on_start=False, scheduler_in_app=False)
            server = create_app(quiet).server
            # Figures worked out here (alerts, packs, scheduler/figures.py) are the scheduler's.
            server.extensions["lcjp"].figure_store.role = "scheduler"
            _APPS[settings.database_url] = server
        return _APPS[settings.database_url]


def run_alerts_job(settings: Settings) -> dict:
    from callbacks.alerts import run_alerts

    try:
        return run_alerts(alerts_server(settings))
    except Exception:  # logged; the next run tries again
        log.exception("alerts job failed")
        return {}


def add_alert_jobs(scheduler: BaseScheduler, settings: Settings) -> None:
    """The alerts job on an interval, and one cron job per scheduled report (which runs the same
    alerts pass at the report's time, so its pack is built when due, not up to an interval late)."""
    scheduler.add_job(
        run_alerts_job,
        "interval",
        minutes=max(1, settings.alerts_interval_minutes),
        next_run_time=utcnow() + timedelta(seconds=30),
        args=[settings],
        id=ALERTS_JOB,
        name=f"alerts (every {settings.alerts_interval_minutes} minutes)",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    for report_id, expression in settings.report_schedules.items():
        scheduler.add_job(
            run_alerts_job,
            cron_trigger(expression, settings.timezone, report_id),
            args=[settings],
            id=f"report-{report_id}",
            name=f"report {report_id} ({expression})",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=settings.misfire_grace_seconds,
            replace_existing=True,
        )
