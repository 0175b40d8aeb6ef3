"""Schedules read the way cron reads them, in Europe/London, and come from configuration."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from config import Settings
from loaders.datasets import DATASETS
from loaders.schedules import ScheduleError, cron_trigger, latest_due, next_due, schedule_for
from scheduler.service import CATCH_UP_JOB, add_dataset_jobs

LONDON = ZoneInfo("Europe/London")


def test_crontab_weekday_numbers_count_from_sunday_as_cron_does():
    # The MoJ schedule "0 10 * * 4" means Thursdays at 10:00 (APScheduler alone would say Friday).
    trigger = cron_trigger("0 10 * * 4")
    wednesday = datetime(2026, 11, 25, 12, tzinfo=LONDON)
    assert next_due(trigger, wednesday) == datetime(2026, 11, 26, 10, tzinfo=LONDON)
    assert next_due(cron_trigger("0 6 * * 0"), wednesday).strftime("%A") == "Sunday"
    assert next_due(cron_trigger("0 6 * * 7"), wednesday).strftime("%A") == "Sunday"
    weekdays = cron_trigger("0 6 * * 1-5")
    saturday = datetime(2026, 11, 28, 12, tzinfo=LONDON)
    assert next_due(weekdays, saturday) == datetime(2026, 11, 30, 6, tzinfo=LONDON)  # Monday


def test_day_of_month_or_weekday_fires_on_either_as_cron_does():
    trigger = cron_trigger("0 9 1 * 1")  # the 1st of the month OR any Monday
    friday = datetime(2026, 5, 29, 12, tzinfo=LONDON)
    assert next_due(trigger, friday) == datetime(2026, 6, 1, 9, tzinfo=LONDON)  # a Monday the 1st
    assert next_due(trigger, datetime(2026, 6, 2, tzinfo=LONDON)).day == 8  # next Monday


def test_times_are_london_time_across_the_clock_change():
    trigger = cron_trigger("0 6 * * *")
    summer = next_due(trigger, datetime(2026, 7, 1, tzinfo=UTC))
    winter = next_due(trigger, datetime(2026, 12, 1, tzinfo=UTC))
    assert summer.astimezone(UTC).hour == 5  # 06:00 BST
    assert winter.astimezone(UTC).hour == 6  # 06:00 GMT


def test_latest_due_is_the_last_firing_at_or_before_now():
    now = datetime(2026, 11, 26, 3, 53, tzinfo=UTC)
    assert latest_due(cron_trigger("0 6 * * *"), now) == datetime(2026, 11, 25, 6, tzinfo=LONDON)
    assert latest_due(cron_trigger("*/5 * * * *"), now) == datetime(2026, 11, 26, 3, 50, tzinfo=UTC)
    assert latest_due(cron_trigger("0 3 1 1 *"), now) == datetime(2026, 1, 1, 3, tzinfo=LONDON)
    exactly = datetime(2026, 11, 25, 6, tzinfo=LONDON)
    assert latest_due(cron_trigger("0 6 * * *"), exactly) == exactly


@pytest.mark.parametrize("expression", ["0 6 * *", "0 25 * * *", "0 6 * * 9", "x 6 * * *"])
def test_an_unreadable_schedule_names_the_dataset(expression):
    with pytest.raises(ScheduleError, match="police_uk_street"):
        cron_trigger(expression, dataset_id="police_uk_street")


def test_sources_and_schedules_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCHEDULE_POLICE_UK_STREET", "30 7 * * 2")
    monkeypatch.setenv("SOURCE_MOJ_CCSQ_CROWN", "https://example.org/ccsq/")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # another tool's variable, not a dataset
    monkeypatch.setenv("HTTP_TIMEOUT", "7.5")
    settings = Settings.from_env(testing=True)
    assert schedule_for(DATASETS["police_uk_street"], settings.schedules) == "30 7 * * 2"
    assert schedule_for(DATASETS["moj_ccsq_crown"], settings.schedules) == "0 10 * * 4"
    assert settings.sources == {"moj_ccsq_crown": "https://example.org/ccsq/"}
    assert settings.http_timeout == 7.5
    assert settings.scheduler_in_app is False  # the in-app scheduler is off unless asked for


def test_one_coalescing_single_instance_job_per_dataset(make_settings):
    settings = make_settings(
        schedules={"police_uk_street": "15 5 * * *"}, misfire_grace_seconds=600
    )
    scheduler = BackgroundScheduler(timezone=LONDON)
    add_dataset_jobs(scheduler, None, None, settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(DATASETS) | {CATCH_UP_JOB}
    for dataset_id in DATASETS:
        job = jobs[dataset_id]
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == 600
    police = jobs["police_uk_street"].trigger
    assert next_due(police, datetime(2026, 11, 26, 12, tzinfo=LONDON)) == datetime(
        2026, 11, 27, 5, 15, tzinfo=LONDON
    )


def test_the_scheduler_refuses_an_unreadable_schedule_with_exit_status_2(monkeypatch, caplog):
    from scheduler.__main__ import main

    monkeypatch.setenv("SCHEDULE_POLICE_UK_STREET", "every morning")
    assert main(["--once"]) == 2
    assert "police_uk_street" in caplog.text and "5 fields" in caplog.text


def test_the_scheduler_lists_schedules_sources_and_due_times(
    monkeypatch, tmp_path, public_data_dir, capsys
):
    from scheduler.__main__ import main

    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'list.sqlite'}")
    monkeypatch.setenv("PUBLIC_DATA_DIR", str(public_data_dir))
    monkeypatch.setenv("SOURCE_POLICE_UK_STREET", "https://user:secret@example.org/police/")
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "0 10 * * 4 (Europe/London)" in out
    assert str(public_data_dir / "ccsq_crown_court") in out
    assert "https://…@example.org/police/" in out and "secret" not in out
    assert out.count("(DUE)") == len(DATASETS)  # a fresh cache: every dataset is due


def test_a_setting_that_is_not_a_number_is_refused_by_name(monkeypatch):
    from config import ConfigurationError

    monkeypatch.setenv("HTTP_RETRIES", "three")
    with pytest.raises(ConfigurationError, match="HTTP_RETRIES='three' is not a whole number"):
        Settings.from_env(testing=True)


def test_the_development_in_app_scheduler_catches_up_through_the_same_claims(make_settings):
    import time

    import sqlalchemy as sa

    from app import create_app
    from loaders.models import RefreshJob, RefreshRun

    dash_app = create_app(make_settings(scheduler_in_app=True))
    scheduler = dash_app.server.extensions["lcjp-scheduler"]
    factory = dash_app.server.extensions["lcjp"].session_factory
    try:
        assert scheduler.running
        assert {job.id for job in scheduler.get_jobs()} >= set(DATASETS)
        deadline = time.monotonic() + 60
        while True:  # its catch-up run claims and loads every dataset's latest due time
            with factory() as session:
                done = session.execute(
                    sa.select(RefreshJob.trigger, RefreshRun.status)
                    .join(RefreshRun, RefreshRun.id == RefreshJob.run_id)
                    .where(RefreshJob.finished_at.is_not(None))
                ).all()
            if len(done) == sum(not spec.submission for spec in DATASETS.values()):
                break
            assert time.monotonic() < deadline, done
            time.sleep(0.2)
        assert set(done) == {("catch-up", "success")}

        # It also runs the admin page's queued "Refresh now" (development convenience).
        from loaders import refresh_requests
        from loaders.models import RefreshRequest
        from scheduler.service import HEARTBEAT_JOB, REQUESTS_JOB

        assert {REQUESTS_JOB, HEARTBEAT_JOB} <= {job.id for job in scheduler.get_jobs()}
        request_id = refresh_requests.enqueue(factory, ["moj_ccsq_crown"], "dev-admin")
        deadline = time.monotonic() + 60
        while True:
            with factory() as session:
                request = session.get(RefreshRequest, request_id)
                alive = refresh_requests.scheduler_alive(session)
            if request.status == "done":
                break
            assert time.monotonic() < deadline, (request.status, request.message)
            time.sleep(0.2)
        assert request.message == "moj_ccsq_crown: unchanged" and alive
    finally:
        scheduler.shutdown(wait=True)
