"""`python -m scheduler`: refresh every dataset on its own schedule, in its own process.

    python -m scheduler                  run forever (one cron job per dataset, Europe/London,
                                         and the admin page's "Refresh now" queue every 5 s)
    python -m scheduler --once           run the queued "Refresh now" requests and everything
                                         due and not yet done, then exit (cron, CI)
    python -m scheduler --once --all     refresh every dataset now, then exit
    python -m scheduler --list           show each dataset's schedule, source and next due time
    python -m scheduler --once --alerts  then look for alerts, build due packs and send emails
    python -m scheduler --build-figures  work out every audience cut's figures now, then exit

After each refresh that makes a new vintage current, and each night just after midnight (figures
say how old they are), the scheduler works out every audience cut's figures into the shared
store (scheduler/figures.py); it needs the web's SECRET_KEY (or DEMO_MODE) to sign them.

Exit status of --once: 0 when nothing failed, 1 when any dataset failed (its last good data is
kept), 2 on a configuration error. Several copies may run at once (two hosts, a cron entry and
a long-running scheduler): each dataset's due time is still run exactly once.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import signal
import sys
from zoneinfo import ZoneInfo

from config import ConfigurationError, Settings
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.fetch import display_location, resolve_source
from loaders.generations import make_generations, watch
from loaders.ledger import claimed_by
from loaders.locks import exclusive
from loaders.models import utcnow
from loaders.refresh import sync_registry
from loaders.schedules import ScheduleError, cron_trigger, latest_due, next_due, schedule_for
from scheduler.jobs import (
    AFTER_REFRESH,
    beat_and_drain,
    failure_summary,
    refresh_everything,
    run_due,
)

log = logging.getLogger("scheduler")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scheduler", description="Refresh the LCJP dashboard's datasets."
    )
    parser.add_argument("--once", action="store_true", help="run what is due, then exit")
    parser.add_argument("--all", action="store_true", help="with --once: refresh every dataset")
    parser.add_argument(
        "--dataset",
        action="append",
        choices=sorted(DATASETS),
        help="only this dataset (repeatable)",
    )
    parser.add_argument(
        "--force", action="store_true", help="reload even when the source is unchanged"
    )
    parser.add_argument("--list", action="store_true", help="show schedules and exit")
    parser.add_argument(
        "--alerts", action="store_true", help="with --once: then look for alerts and send emails"
    )
    parser.add_argument(
        "--build-figures",
        action="store_true",
        help="work out every audience cut's figures into the shared store, then exit",
    )
    return parser.parse_args(argv)


def load_settings() -> Settings:
    """Settings from the environment. The scheduler signs no cookies, so refreshes without a
    SECRET_KEY; it then builds no figures, which the web would refuse (signs_figures)."""
    if os.environ.get("SECRET_KEY") or os.environ.get("DEMO_MODE", "").lower() in TRUE:
        return Settings.from_env()  # demo mode: the instance's kept key, as the web uses
    return Settings.from_env(secret_key=secrets.token_hex(32))


TRUE = {"1", "true", "yes", "on"}


def signs_figures(settings: Settings) -> bool:
    """Whether figures built here carry the web's signature (the web refuses any other)."""
    return bool(os.environ.get("SECRET_KEY")) or settings.demo_mode


def build_figures_after_refresh(settings: Settings, _outcomes) -> None:
    from scheduler.figures import build_in_scheduler

    build_in_scheduler(settings)


def check_configuration(settings: Settings) -> None:
    """Refuse a schedule that cannot be read; warn about a SOURCE_/SCHEDULE_ naming no dataset."""
    for spec in DATASETS.values():
        cron_trigger(schedule_for(spec, settings.schedules), settings.timezone, spec.id)
    for report_id, expression in settings.report_schedules.items():
        cron_trigger(expression, settings.timezone, f"report {report_id}")
    for kind, mapping in (("SOURCE_", settings.sources), ("SCHEDULE_", settings.schedules)):
        for unknown in sorted(set(mapping) - set(DATASETS)):
            log.warning(
                "%s%s names no dataset (known: %s)", kind, unknown.upper(), ", ".join(DATASETS)
            )


def list_schedules(session_factory, settings: Settings) -> None:
    zone, now = ZoneInfo(settings.timezone), utcnow()
    with session_factory() as session:
        for spec in DATASETS.values():
            expression = schedule_for(spec, settings.schedules)
            trigger = cron_trigger(expression, settings.timezone, spec.id)
            latest, upcoming = latest_due(trigger, now), next_due(trigger, now)
            done = latest is not None and claimed_by(session, spec.id, latest) is not None
            print(f"{spec.id}")
            print(f"  schedule  {expression} ({settings.timezone})")
            print(f"  source    {display_location(resolve_source(spec, settings)[0])}")
            if latest is not None:
                state = "done" if done else "DUE"
                print(f"  last due  {latest.astimezone(zone):%a %d %b %Y %H:%M} ({state})")
            if upcoming is not None:
                print(f"  next due  {upcoming.astimezone(zone):%a %d %b %Y %H:%M}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = load_settings()
        check_configuration(settings)
    except (ConfigurationError, ScheduleError, ValueError) as error:
        log.error("configuration error: %s", error)
        return 2
    engine = make_engine(settings.database_url)
    # Its refreshes tell every web worker that what they kept is out of date.
    watch(engine, make_generations(settings))
    # Two processes starting together must not both create the schema or the registry rows.
    with exclusive(engine, "startup", settings.instance_dir):
        migrate(engine)
        session_factory = make_sessionmaker(engine)
        sync_registry(session_factory, settings.lcjp)

    datasets = [DATASETS[d] for d in args.dataset] if args.dataset else None
    if args.list:
        list_schedules(session_factory, settings)
        return 0
    if args.build_figures:
        if not signs_figures(settings):
            log.error("set SECRET_KEY to the web's: figures signed with another key are refused")
            return 2
        from scheduler.figures import build_in_scheduler

        return 0 if build_in_scheduler(settings) is not None else 1
    if signs_figures(settings):
        AFTER_REFRESH.append(build_figures_after_refresh)
    else:
        log.warning("SECRET_KEY is not set: no figures are built (web workers build on first ask)")
    if args.once:
        # What administrators asked for on the Data refresh page comes first.
        outcomes = beat_and_drain(engine, session_factory, settings)
        if args.all:
            outcomes += refresh_everything(
                engine,
                session_factory,
                settings,
                trigger="once-all",
                datasets=datasets,
                force=args.force,
            )
        else:
            outcomes += run_due(
                engine, session_factory, settings, datasets=datasets, force=args.force
            )
        if args.alerts:
            from scheduler.alerts import run_alerts_job

            run_alerts_job(settings)  # tell people what changed; never changes the exit status
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            log.error(failure_summary(failed))
        return 1 if failed else 0
    return run_forever(engine, session_factory, settings)


def run_forever(engine, session_factory, settings: Settings) -> int:
    from apscheduler.events import EVENT_SCHEDULER_STARTED
    from apscheduler.schedulers.blocking import BlockingScheduler

    from scheduler.service import add_dataset_jobs, add_request_jobs, describe_jobs

    scheduler = BlockingScheduler(timezone=ZoneInfo(settings.timezone))
    add_dataset_jobs(scheduler, engine, session_factory, settings)
    add_request_jobs(scheduler, engine, session_factory, settings)
    from scheduler.alerts import add_alert_jobs

    add_alert_jobs(scheduler, settings)
    if signs_figures(settings):
        from scheduler.figures import build_in_scheduler

        # A figure's status (current, stale, provisional) depends on the date as well.
        scheduler.add_job(
            build_in_scheduler,
            "cron",
            hour=0,
            minute=5,
            args=[settings],
            id="build-figures",
            name="work out every audience cut's figures for the new day",
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def stop(_signum, _frame):
        log.info("stopping: waiting for a running refresh to finish")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)

    def started(_event):
        log.info("scheduler started with %d datasets", len(DATASETS))
        for line in describe_jobs(scheduler, settings.timezone):
            log.info(line)

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
