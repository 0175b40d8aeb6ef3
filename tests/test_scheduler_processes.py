"""`python -m scheduler` as real processes: two at once run each due time once; a killed one loses nothing."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from config import DEFAULT_LCJP
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.ledger import ABANDONED, claim, failing_datasets, sweep_if_idle
from loaders.models import (
    Dataset,
    Observation,
    RefreshJob,
    RefreshRequest,
    RefreshRun,
    SchedulerHeartbeat,
    Vintage,
)
from loaders.refresh import sync_registry
from scheduler.jobs import refresh_everything

ROOT = Path(__file__).resolve().parents[1]
CCSQ = DATASETS["moj_ccsq_crown"]
POLICE = DATASETS["police_uk_street"]
# Partner returns have nothing to load until a partner sends one, so they make no claim.
PUBLISHED = sorted(d for d, spec in DATASETS.items() if not spec.submission)
# A fixed yearly due time, so both processes agree on it whatever the clock says.
YEARLY = "0 3 1 1 *"


def scheduler_env(database_url: str, instance_dir: Path, public_dir: Path, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCE_", "SCHEDULE_", "DATABASE_URL", "SECRET_KEY"))
    }
    env.update(
        DATABASE_URL=database_url,
        INSTANCE_DIR=str(instance_dir),
        PUBLIC_DATA_DIR=str(public_dir),
        PYTHONPATH=str(ROOT),
        **{f"SCHEDULE_{d.upper()}": YEARLY for d in DATASETS},
    )
    env.update(extra)
    return env


def start_scheduler(env: dict, *args: str, code: str | None = None) -> subprocess.Popen:
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "scheduler"]
    return subprocess.Popen(
        [*command, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _two_schedulers_run_each_due_time_once(database_url: str, tmp_path: Path, public_dir: Path):
    env = scheduler_env(database_url, tmp_path / "instance", public_dir)
    processes = [start_scheduler(env, "--once") for _ in range(2)]
    results = [p.communicate(timeout=180) for p in processes]
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    logs = "\n".join(err for _out, err in results)

    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        jobs = session.execute(sa.select(RefreshJob.dataset_id, RefreshJob.due_at)).all()
        runs = session.execute(sa.select(RefreshRun.dataset_id, RefreshRun.status)).all()
    engine.dispose()
    due = datetime(datetime.now(UTC).year, 1, 1, 3, tzinfo=UTC)  # 03:00 GMT is 03:00 UTC
    assert sorted((d, t.replace(tzinfo=UTC) if t.tzinfo is None else t) for d, t in jobs) == [
        (d, due) for d in PUBLISHED
    ]
    assert sorted(runs) == [(d, "success") for d in PUBLISHED]
    for dataset_id in PUBLISHED:
        assert logs.count(f"{dataset_id}: loading from") == 1, logs
        assert logs.count(f"{dataset_id}: success") == 1, logs


def test_two_scheduler_processes_on_postgresql_run_each_due_time_once(
    databases, tmp_path, public_data_dir
):
    if not databases.is_postgres:
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL (advisory locks)")
    _two_schedulers_run_each_due_time_once(databases.new(), tmp_path, public_data_dir)


def test_two_scheduler_processes_on_sqlite_run_each_due_time_once(tmp_path, public_data_dir):
    """SQLite has no advisory locks; a file lock beside the database does the same job."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    _two_schedulers_run_each_due_time_once(url, tmp_path, public_data_dir)


def _main_in_process(monkeypatch, env: dict, *args: str) -> int:
    """`python -m scheduler ARGS` in this process (its logic, without a process start's cost)."""
    from scheduler.__main__ import main

    for name in [k for k in os.environ if k.startswith(("SOURCE_", "SCHEDULE_"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main(list(args))


def test_once_skips_a_due_time_already_run(make_settings, public_data_dir, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    settings = make_settings()
    env = scheduler_env(settings.database_url, settings.instance_dir, public_data_dir)
    assert _main_in_process(monkeypatch, env, "--once", "--dataset", "moj_ccsq_crown") == 0
    assert "moj_ccsq_crown: success" in caplog.text
    caplog.clear()
    assert _main_in_process(monkeypatch, env, "--once", "--dataset", "moj_ccsq_crown") == 0
    assert "nothing is due" in caplog.text and "loading" not in caplog.text


def test_once_exits_non_zero_when_a_dataset_fails(
    make_settings, tmp_path, public_data_dir, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    settings = make_settings()
    broken = tmp_path / "broken-ccsq"
    shutil.copytree(public_data_dir / "ccsq_crown_court", broken)
    (broken / "gold_backlog_by_court.csv").write_text("region,court\n")
    env = scheduler_env(
        settings.database_url,
        settings.instance_dir,
        public_data_dir,
        SOURCE_MOJ_CCSQ_CROWN=str(broken),
    )
    status = _main_in_process(monkeypatch, env, "--once", "--all", "--dataset", "moj_ccsq_crown")
    assert status == 1
    assert "moj_ccsq_crown: failed" in caplog.text
    assert "gold_backlog_by_court.csv" in caplog.text


# Runs the real scheduler, but pauses after writing the new observations and before committing,
# and says so through a marker file: the test then kills it with SIGKILL.
PAUSE_AFTER_INSERT = textwrap.dedent(
    """
    import os, pathlib, sys, time
    import loaders.refresh as refresh

    original = refresh._bulk_insert

    def insert_then_wait(connection, rows):
        original(connection, rows)
        pathlib.Path(os.environ["KILL_MARKER"]).write_text(str(len(rows)))
        time.sleep(300)

    refresh._bulk_insert = insert_then_wait
    from scheduler.__main__ import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _visible(factory) -> dict:
    with factory() as session:
        return {
            "current": dict(
                session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all()
            ),
            "observations": session.scalar(sa.select(sa.func.count()).select_from(Observation)),
            "vintages": session.scalar(sa.select(sa.func.count()).select_from(Vintage)),
        }


def test_a_scheduler_killed_mid_write_leaves_no_partial_dataset(
    make_settings, tmp_path, public_data_dir
):
    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, settings.lcjp)
    assert (
        refresh_everything(engine, factory, settings, trigger="test", datasets=[CCSQ])[0].status
        == "success"
    )
    before = _visible(factory)

    # A new release (the same figures with Windows line ends), so the next refresh writes a
    # new vintage.
    release = tmp_path / "ccsq-release"
    shutil.copytree(public_data_dir / CCSQ.folder, release)
    waiting = release / "gold_waiting_hearing.csv"
    waiting.write_bytes(waiting.read_bytes().replace(b"\n", b"\r\n"))
    marker = tmp_path / "inserted"
    env = scheduler_env(
        settings.database_url,
        settings.instance_dir,
        public_data_dir,
        SOURCE_MOJ_CCSQ_CROWN=str(release),
        KILL_MARKER=str(marker),
    )
    process = start_scheduler(env, "--once", "--all", "--dataset", CCSQ.id, code=PAUSE_AFTER_INSERT)
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the refresh never reached its write"
        time.sleep(0.05)
    assert int(marker.read_text()) > 0  # rows were written inside the open transaction
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    assert _visible(factory) == before  # no partial vintage, no stray observations
    with factory() as session:
        run = session.scalars(sa.select(RefreshRun).order_by(RefreshRun.id.desc())).first()
    assert run.status == "running"  # as the killed process left it

    # Once nobody holds the refresh lock (the killed process's lock died with it) the run is
    # recorded as abandoned, not running forever.
    deadline = time.monotonic() + 30
    while sweep_if_idle(engine, factory, settings.instance_dir) == 0:
        assert time.monotonic() < deadline, "the killed process's lock was never released"
        time.sleep(0.1)
    with factory() as session:
        run = session.get(RefreshRun, run.id)
        job = session.scalars(sa.select(RefreshJob).where(RefreshJob.run_id == run.id)).one()
        assert (run.status, run.error) == ("failed", ABANDONED)
        assert job.stage == "abandoned"
        assert failing_datasets(session) == [(CCSQ.id, ABANDONED)]

    engine.dispose()


def test_the_long_running_scheduler_catches_up_then_stops_on_sigterm(
    make_settings, public_data_dir
):
    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, settings.lcjp)
    # Another process already ran police.uk's due time: the catch-up must leave it alone.
    now = datetime.now(UTC)
    due = datetime(now.year, 1, 1, 3, tzinfo=UTC)
    assert claim(factory, POLICE.id, due, "schedule") is not None
    engine.dispose()

    process = start_scheduler(
        scheduler_env(settings.database_url, settings.instance_dir, public_data_dir)
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not any("moj_ccsq_crown: success" in line for line in lines):
        assert process.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    reader.join(timeout=10)
    log = "".join(lines)
    next_new_year = datetime(now.year + 1, 1, 1, 3, tzinfo=ZoneInfo("Europe/London"))
    for dataset_id in DATASETS:
        assert (
            f"refresh {dataset_id} ({YEARLY}): next run {next_new_year:%a %d %b %Y %H:%M %Z}" in log
        )
    assert "police_uk_street: loading" not in log


def _two_schedulers_run_a_queued_request_once(database_url: str, tmp_path: Path, public_dir: Path):
    """Refresh now, as the admin page queues it: two `--once` schedulers drain the queue at the
    same time and the request runs once, by one of them, through run_job."""
    from loaders import refresh_requests

    engine = make_engine(database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, DEFAULT_LCJP)
    # Nothing scheduled is due (another process ran this year's due times), so all that runs is
    # the queued request.
    due = datetime(datetime.now(UTC).year, 1, 1, 3, tzinfo=UTC)
    for dataset_id in DATASETS:
        claim(factory, dataset_id, due, "schedule")
    request_id = refresh_requests.enqueue(factory, [CCSQ.id, POLICE.id], "queue-admin")

    env = scheduler_env(database_url, tmp_path / "instance", public_dir)
    processes = [start_scheduler(env, "--once") for _ in range(2)]
    results = [p.communicate(timeout=180) for p in processes]
    for process, (_out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    logs = "\n".join(err for _out, err in results)
    assert logs.count(f"request {request_id} by queue-admin") == 1, logs
    with factory() as session:
        request = session.get(RefreshRequest, request_id)
        jobs = session.execute(
            sa.select(RefreshJob.dataset_id, RefreshJob.trigger).where(
                RefreshJob.requested_by == "queue-admin"
            )
        ).all()
        runs = session.execute(
            sa.select(RefreshRun.dataset_id, RefreshRun.trigger, RefreshRun.status)
        ).all()
        beats = session.scalar(sa.select(sa.func.count()).select_from(SchedulerHeartbeat))
    engine.dispose()
    assert request.status == "done", request.message
    assert request.message == f"{CCSQ.id}: success; {POLICE.id}: success"
    assert sorted(jobs) == [(CCSQ.id, "admin"), (POLICE.id, "admin")]
    assert sorted(runs) == [(CCSQ.id, "admin", "success"), (POLICE.id, "admin", "success")]
    assert beats == 2  # each scheduler said it was alive


def test_two_schedulers_on_postgresql_run_a_queued_request_once(
    databases, tmp_path, public_data_dir
):
    if not databases.is_postgres:
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    _two_schedulers_run_a_queued_request_once(databases.new(), tmp_path, public_data_dir)


def test_two_schedulers_on_sqlite_run_a_queued_request_once(tmp_path, public_data_dir):
    url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    _two_schedulers_run_a_queued_request_once(url, tmp_path, public_data_dir)


def test_two_drains_that_pick_the_same_request_at_once_run_it_once(
    cache, make_settings, monkeypatch
):
    """Both drains read the same queued request before either claims it (a barrier holds them
    there): the conditional claim lets exactly one of them run it."""
    from contextlib import contextmanager

    from loaders import refresh_requests
    from scheduler import jobs

    request_id = refresh_requests.enqueue(cache, [CCSQ.id], "race-admin")
    barrier = threading.Barrier(2, timeout=30)
    waited = threading.local()
    original = refresh_requests.transaction

    @contextmanager
    def meet_first(factory):
        if not getattr(waited, "done", False):  # each thread's first write is its claim
            waited.done = True
            barrier.wait()
        with original(factory) as session:
            yield session

    ran: list[tuple[int, str]] = []

    def pretend_refresh(_engine, _factory, _settings, **kwargs):
        ran.append((request_id, kwargs["requested_by"]))
        return []

    monkeypatch.setattr(refresh_requests, "transaction", meet_first)
    monkeypatch.setattr(jobs, "refresh_everything", pretend_refresh)
    settings = make_settings()
    threads = [
        threading.Thread(target=jobs.drain_requests, args=(None, cache, settings)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert ran == [(request_id, "race-admin")]
    with cache() as session:
        assert session.get(RefreshRequest, request_id).status == "done"
