"""The refresh ledger page (administrators only), the failure badge, Stale labels and Data sources."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import flask_login
import pytest
import sqlalchemy as sa
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash_tree import walk

from callbacks import admin, courts, data_sources, effectiveness, police, presenting
from callbacks import data as callbacks_data
from callbacks.navigation import serve_layout
from layouts import ids
from loaders import staleness, users
from loaders.datasets import DATASETS
from loaders.ledger import REFRESH_LOCK
from loaders.locks import exclusive
from loaders.models import (
    Dataset,
    RefreshJob,
    RefreshRequest,
    RefreshRun,
    SchedulerHeartbeat,
    Vintage,
    utcnow,
)
from loaders.staleness import Freshness, allowed_age

CCSQ = DATASETS["moj_ccsq_crown"]
FEBRUARY_2026 = date(2026, 2, 1)
POLICE = DATASETS["police_uk_street"]


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _find_all(component, predicate) -> list:
    found = []
    if isinstance(component, list | tuple):
        for child in component:
            found += _find_all(child, predicate)
        return found
    if component is None or isinstance(component, str | int | float):
        return found
    if predicate(component):
        found.append(component)
    return found + _find_all(getattr(component, "children", None), predicate)


@contextmanager
def clicked(component_id: str):
    """Run a callback as if `component_id` had been clicked (Dash's callback context)."""
    token = context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{component_id}.n_clicks", "value": 1}])
    )
    try:
        yield
    finally:
        context_value.reset(token)


def _requests(dash_app) -> list[RefreshRequest]:
    with dash_app.server.extensions["lcjp"].session_factory() as session:
        return session.scalars(sa.select(RefreshRequest).order_by(RefreshRequest.id)).all()


def _load_state(dash_app) -> dict:
    """What a refresh would change: the runs and claims recorded, and each current vintage."""
    with dash_app.server.extensions["lcjp"].session_factory() as session:
        return {
            "runs": session.scalar(sa.select(sa.func.count()).select_from(RefreshRun)),
            "jobs": session.scalar(sa.select(sa.func.count()).select_from(RefreshJob)),
            "current": dict(
                session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all()
            ),
        }


def _drain(dash_app):
    """What the scheduler process's short interval job does (scheduler/service.py)."""
    from scheduler.jobs import drain_requests

    services = dash_app.server.extensions["lcjp"]
    return drain_requests(services.engine, services.session_factory, services.settings)


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_admin_callbacks_refuse_everyone_else(as_user, app, role):
    before = len(_requests(app))
    with as_user(role):
        page = admin.admin_page()
        ledger, history, progress, _interval, _held, queue = admin.update_ledger(0)
        badge = admin.update_refresh_alert(0)
        with clicked(ids.ADMIN_REFRESH_ALL):
            refused = admin.start_refresh(1, 1, CCSQ.id)
    assert "administrators" in _text(page)
    assert "administrators" in _text(ledger) and history is None and progress is None
    assert queue is None
    for spec in DATASETS.values():  # no ledger data of any kind came back
        assert spec.title not in _text([ledger, history, progress, page])
    assert badge is None
    assert refused[0] == "You do not have access to this information."
    assert len(_requests(app)) == before  # and no refresh was asked for


def test_admin_sees_the_ledger_and_refreshes_one_dataset_now(as_user, app):
    with as_user("admin"):
        page = admin.admin_page()
        ledger, history, _progress, _interval, _held, _queue = admin.update_ledger(0)
    assert "Refresh this dataset now" in _text(page)
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        current_rows = dict(
            session.execute(
                sa.select(Dataset.id, Vintage.row_count).join(
                    Vintage, Vintage.id == Dataset.current_vintage_id
                )
            ).all()
        )
    for spec in DATASETS.values():
        row = _text(_find_all(ledger, lambda c, i=spec.id: getattr(c, "id", None) == f"ledger-{i}"))
        assert spec.title in row and spec.schedule in row
        if not spec.submission:  # partner returns have no figures until a partner sends one
            assert f"{current_rows[spec.id]:,}" in row  # rows of the last run, as stored
    # The history lists the most recent runs, newest first, by who or what started them (the
    # app's first load, until later runs in the shared database push it down).
    with factory() as session:
        latest = session.scalars(
            sa.select(RefreshRun.trigger).order_by(RefreshRun.started_at.desc()).limit(20)
        ).all()
        assert session.scalar(sa.select(RefreshRun.id).where(RefreshRun.trigger == "first-start"))
    for trigger in set(latest):
        assert trigger.split(" ")[0] in _text(history)

    # Requests other tests queued in the shared database are not this test's to run.
    with factory() as session, session.begin():
        session.execute(
            sa.update(RefreshRequest)
            .where(RefreshRequest.status == "queued")
            .values(status="failed", message="left by another test")
        )
    before = _load_state(app)
    with as_user("admin"), clicked(ids.ADMIN_REFRESH_ONE):
        message, interval = admin.start_refresh(1, None, CCSQ.id)
    assert "queued" in message and interval == 1500
    assert "No scheduler is running: start `python -m scheduler`" in message
    request = _requests(app)[-1]
    assert (request.dataset_ids, request.requested_by, request.status, request.force) == (
        [CCSQ.id],
        "test-admin",
        "queued",
        False,
    )
    # The web process loaded nothing: no run, no claim, no vintage changed.
    assert _load_state(app) == before
    with as_user("admin"):
        *_rest, queue = admin.update_ledger(1)
    row = _text(_find_all(queue, lambda c: getattr(c, "id", None) == f"request-{request.id}"))
    assert "Waiting for the scheduler" in row and CCSQ.title in row and "test-admin" in row
    assert "No scheduler is running" in _text(queue)

    # The scheduler's drain picks it up and runs it through run_job, as the admin asked.
    outcomes = _drain(app)
    assert [(o.dataset_id, o.status) for o in outcomes] == [(CCSQ.id, "unchanged")]
    assert _drain(app) == []  # run once only
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        job = session.scalars(sa.select(RefreshJob).order_by(RefreshJob.id.desc())).first()
        run = session.get(RefreshRun, job.run_id)
        done = session.get(RefreshRequest, request.id)
    assert (job.dataset_id, job.requested_by, job.stage) == (CCSQ.id, "test-admin", "finished")
    assert (run.trigger, run.status) == ("admin", "unchanged")
    assert done.status == "done" and done.message == f"{CCSQ.id}: unchanged"
    assert done.claimed_by and done.started_at and done.finished_at
    with as_user("admin"):
        ledger, *_rest, queue = admin.update_ledger(1)
    row = _text(_find_all(ledger, lambda c: getattr(c, "id", None) == f"ledger-{CCSQ.id}"))
    assert "Unchanged" in row and "admin by test-admin" in row
    row = _text(_find_all(queue, lambda c: getattr(c, "id", None) == f"request-{request.id}"))
    assert "Done" in row and "unchanged" in row


def test_the_page_says_whether_a_scheduler_is_running(fresh_app):
    from loaders import refresh_requests

    services = fresh_app.server.extensions["lcjp"]
    with signed_in(fresh_app, "admin"):
        *_rest, queue = admin.update_ledger(0)
    assert "No scheduler has ever run against this database" in _text(queue)
    refresh_requests.beat(services.session_factory, "host-a:1")
    with signed_in(fresh_app, "admin"), clicked(ids.ADMIN_REFRESH_ALL):
        message, _interval = admin.start_refresh(None, 1, CCSQ.id)
        *_rest, queue = admin.update_ledger(0)
    assert "The scheduler picks it up within a few seconds" in message
    assert "The scheduler is running" in _text(queue) and "every dataset" in _text(queue)
    # Three minutes later with no beat, the page says so, and that the request waits.
    with services.session_factory() as session:
        assert refresh_requests.scheduler_alive(session)
        assert not refresh_requests.scheduler_alive(session, utcnow() + timedelta(minutes=3))
    with services.session_factory() as session, session.begin():
        session.execute(
            sa.update(SchedulerHeartbeat).values(seen_at=utcnow() - timedelta(minutes=3))
        )
    with signed_in(fresh_app, "admin"):
        *_rest, queue = admin.update_ledger(0)
    words = " ".join(_text(queue).split())
    assert "No scheduler is running: start python -m scheduler" in words
    assert "1 request will wait until one starts" in words


def test_a_request_whose_scheduler_stopped_is_recorded_as_failed(fresh_app):
    from loaders import refresh_requests

    factory = fresh_app.server.extensions["lcjp"].session_factory
    request_id = refresh_requests.enqueue(factory, [CCSQ.id], "fresh-admin")
    claimed = refresh_requests.claim_next(factory, "host-b:2")
    assert claimed.id == request_id and claimed.status == "running"
    assert refresh_requests.claim_next(factory, "host-c:3") is None  # nothing else queued
    refresh_requests.beat(factory, "host-b:2")
    assert refresh_requests.sweep_abandoned(factory) == 0  # its scheduler is alive
    later = utcnow() + timedelta(minutes=11)
    assert refresh_requests.sweep_abandoned(factory, later) == 1
    with factory() as session:
        row = session.get(RefreshRequest, request_id)
    assert (row.status, row.message) == ("failed", refresh_requests.ABANDONED)


@pytest.fixture
def fresh_app(make_settings, tmp_path, public_data_dir):
    """An app of its own (its ledger may be broken on purpose), with an admin and a viewer."""
    from app import create_app

    broken = tmp_path / "broken-ccsq"
    shutil.copytree(public_data_dir / CCSQ.folder, broken)
    dash_app = create_app(make_settings(sources={CCSQ.id: str(broken)}))
    factory = dash_app.server.extensions["lcjp"].session_factory
    users.create_user(factory, "fresh-admin", "admin-password-123", role="admin")
    users.create_user(factory, "fresh-viewer", "viewer-password-123", role="viewer")
    return dash_app


@pytest.fixture
def broken_source(tmp_path):
    return tmp_path / "broken-ccsq"


@contextmanager
def signed_in(dash_app, role: str):
    factory = dash_app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, f"fresh-{role}")
    with dash_app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user


def test_progress_shows_while_a_refresh_runs_and_an_abandoned_run_shows_as_failed(fresh_app):
    services = fresh_app.server.extensions["lcjp"]
    with services.session_factory() as session, session.begin():
        run = RefreshRun(dataset_id=POLICE.id, trigger="schedule", status="running")
        session.add(run)
        session.flush()
        session.add(
            RefreshJob(
                dataset_id=POLICE.id,
                due_at=utcnow(),
                trigger="schedule",
                claimed_by="elsewhere:1",
                stage="loading",
                run_id=run.id,
            )
        )
    # While some process holds the refresh lock, the run is genuinely in progress.
    with (
        exclusive(services.engine, REFRESH_LOCK, services.settings.instance_dir),
        signed_in(fresh_app, "admin"),
    ):
        ledger, _history, progress, interval, _held, _queue = admin.update_ledger(0)
    assert "Refreshing police.uk street-level crime and outcomes: loading" in _text(progress)
    assert interval == 1500  # polls quickly while it runs
    assert "Running" in _text(ledger)
    # The lock is free again but the run never finished: its process died. It shows as failed.
    with signed_in(fresh_app, "admin"):
        ledger, _history, progress, interval, _held, _queue = admin.update_ledger(0)
        badge = admin.update_refresh_alert(0)
    assert progress is None and interval == 15000
    assert "Failed" in _text(ledger) and "abandoned" in _text(ledger)
    assert "1 refresh failed" in _text(badge)


def test_failures_show_as_a_badge_for_administrators_on_every_page(fresh_app, broken_source):
    services = fresh_app.server.extensions["lcjp"]
    (broken_source / "gold_backlog_trajectory.csv").write_text("quarter_end\n2025-12-31\n")
    outcomes = services.refresh(trigger="cli")
    statuses = {o.dataset_id: o.status for o in outcomes if o.dataset_id in (CCSQ.id, POLICE.id)}
    assert statuses == {CCSQ.id: "failed", POLICE.id: "success"}
    with signed_in(fresh_app, "admin"):
        badge = admin.update_refresh_alert(0)
        shell = serve_layout()
    assert _text(badge) == "⚠ 1 refresh failed"
    assert badge.href == "/admin/refresh" and CCSQ.id in badge.title
    assert _find_all(shell, lambda c: getattr(c, "id", None) == ids.REFRESH_ALERT)
    with signed_in(fresh_app, "viewer"):
        assert admin.update_refresh_alert(0) is None
        shell = serve_layout()
    assert not _find_all(shell, lambda c: getattr(c, "id", None) == ids.REFRESH_ALERT)


def _shell_links(client) -> tuple[set[str], set[str]]:
    """(hrefs, component ids) in the shell the server sends to the signed-in user."""
    hrefs, component_ids = set(), set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("href"), str):
                hrefs.add(node["href"])
            if isinstance(node.get("id"), str):
                component_ids.add(node["id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(client.get("/_dash-layout").get_json())
    return hrefs, component_ids


def test_navigation_offers_data_sources_to_everyone_and_refresh_to_admins(client, auth):
    assert client.get("/data-sources").status_code == 302  # behind the sign-in guard
    auth.login("viewer")
    hrefs, component_ids = _shell_links(client)
    assert "/data-sources" in hrefs and "/admin/refresh" not in hrefs
    assert ids.REFRESH_ALERT not in component_ids
    auth.logout()
    auth.login("admin")
    hrefs, component_ids = _shell_links(client)
    assert {"/data-sources", "/admin/refresh"} <= hrefs
    assert ids.REFRESH_ALERT in component_ids


def _later(days: int):
    moment = utcnow() + timedelta(days=days)
    return lambda: moment


def _tiles(block) -> list:
    """Each headline tile (a column holding a tile's value) in a block of court tiles."""
    return [
        part
        for part in walk(block)
        if type(part).__name__ == "Col"
        and any(str(getattr(c, "id", "")).endswith("-value") for c in walk(part.children))
    ]


def test_tiles_and_charts_say_stale_only_when_data_is_overdue(as_user, monkeypatch):
    # On 1 February 2026 the 2025 Q4 court figures are current; police.uk's June 2025 is not
    # (a month is published about two months after it ends).
    monkeypatch.setattr(callbacks_data, "london_today", lambda *_: FEBRUARY_2026)
    monkeypatch.setattr(presenting, "london_today", lambda *_: FEBRUARY_2026)
    with as_user("viewer"):
        tiles = _tiles(courts.update_court_block({}))
        trend_source = effectiveness.update_trend({})[3]
        crime_source = police.update_crime({})[3]
    assert "Stale" not in _text([tiles, trend_source])
    assert "Stale, 8 months old" in _text(crime_source)

    # Then the refresh stops bringing anything new: 400 days later, still dated 1 February. The
    # source line under a chart tells of the failing refresh.
    monkeypatch.setattr(staleness, "utcnow", _later(400))
    with as_user("viewer"):
        tiles = _tiles(courts.update_court_block({}))
        trend_source = effectiveness.update_trend({})[3]
    assert tiles
    assert "Stale" in _text(trend_source) and "no new data for 400 days" in _text(trend_source)
    assert "new quarterly data was expected within 123 days" in _text(trend_source)


def test_staleness_allows_one_cadence_plus_grace():
    now = utcnow()

    def assess(cadence, days_ago, last_success_days_ago=None, grace=None) -> Freshness:
        loaded = now - timedelta(days=days_ago)
        success = (
            None if last_success_days_ago is None else now - timedelta(days=last_success_days_ago)
        )
        return staleness._assess("x", cadence, loaded, success, now, grace)

    assert allowed_age("monthly") == timedelta(days=45)
    assert not assess("monthly", 44).stale
    assert assess("monthly", 46).stale
    assert not assess("quarterly", 120).stale and assess("quarterly", 124).stale
    assert assess("monthly", 32, grace=0).stale
    # Why: a refresh that keeps succeeding means the publisher has released nothing new...
    assert "published nothing new" in assess("monthly", 60, last_success_days_ago=1).reason
    assert "no refresh has succeeded" not in assess("monthly", 60, 1).reason
    # ...while no recent success means the refresh itself is failing.
    assert "no refresh has succeeded" in assess("monthly", 60, last_success_days_ago=60).reason
    never = staleness._assess("x", "weekly", None, None, now, None)
    assert never.stale and never.reason == "never loaded"


def test_data_sources_lists_every_dataset_with_cadence_last_load_and_period(as_user):
    with as_user("analyst"):  # the OPCC sees every dataset; partners see only theirs
        page = data_sources.data_sources_page()
    rows = {
        spec.id: _find_all(page, lambda c, i=spec.id: getattr(c, "id", None) == f"source-{i}")[0]
        for spec in DATASETS.values()
    }
    ccsq_row, police_row = _text(rows[CCSQ.id]), _text(rows[POLICE.id])
    # The latest periods in the real files: 2025 Q4 (CCSQ) and June 2025 (police.uk, H1 2025).
    assert "2025 Q4" in ccsq_row and "Quarterly" in ccsq_row and "Ministry of Justice" in ccsq_row
    assert "Jun 2025" in police_row and "Monthly" in police_row
    for spec in DATASETS.values():
        text = _text(rows[spec.id])
        if spec.submission:
            # Partner returns: awaiting their first return, or loaded by an earlier upload test.
            assert "Partner return" in text or spec.classification == "force_restricted"
            continue
        # Current, or stale by the period its figures describe (the real CPS files end in 2016).
        assert "Published figures" in text and "never" not in text
        assert "On time" in text or "months old" in text
        links = _find_all(rows[spec.id], lambda c: getattr(c, "href", None) is not None)
        assert [link.href for link in links] == [spec.publication_url]


def test_data_sources_flags_overdue_data_and_hides_load_details_of_restricted_data(
    as_user, monkeypatch
):
    monkeypatch.setattr(staleness, "utcnow", _later(400))
    monkeypatch.setattr(data_sources, "london_today", lambda *_: FEBRUARY_2026)
    monkeypatch.setitem(DATASETS, POLICE.id, replace(POLICE, classification="force_restricted"))

    def row(page, dataset_id):
        return _text(_find_all(page, lambda c: getattr(c, "id", None) == f"source-{dataset_id}"))

    with as_user("viewer"):
        page = data_sources.data_sources_page()
    assert "Overdue · Stale" in row(page, CCSQ.id)
    police = row(page, POLICE.id)  # police.uk is force-restricted now: no load details
    assert "You do not have access to this dataset." in police and POLICE.title in police
    assert "Jun 2025" not in police and "Overdue" not in police
    with as_user("analyst"):
        page = data_sources.data_sources_page()
    # June 2025 is 8 months old on 1 February 2026: stale by the period it describes.
    assert "Stale, 8 months old" in row(page, POLICE.id) and "Jun 2025" in row(page, POLICE.id)


def test_demo_files_that_cannot_be_written_are_a_recorded_failure(make_settings, monkeypatch):
    from loaders.db import make_engine, make_sessionmaker, migrate
    from loaders.refresh import sync_registry
    from scheduler import jobs

    settings = make_settings(public_data_dir=None)  # a demo instance
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, settings.lcjp)

    def disk_full(_settings):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jobs, "_write_demo_files", disk_full)
    outcomes = jobs.refresh_everything(engine, factory, settings, trigger="test")
    published = [s for s in DATASETS.values() if not s.submission]
    assert [o.status for o in outcomes if not DATASETS[o.dataset_id].submission] == [
        "failed"
    ] * len(published)
    with factory() as session:
        runs = session.scalars(sa.select(RefreshRun)).all()
        unfinished = session.scalars(
            sa.select(RefreshJob).where(RefreshJob.finished_at.is_(None))
        ).all()
    assert {r.status for r in runs} == {"failed"} and len(runs) == len(published)
    assert all("demo files could not be written" in r.error for r in runs)
    assert all("No space left on device" in r.error for r in runs)
    assert unfinished == []
    engine.dispose()


def test_a_held_release_shows_why_and_an_administrator_approves_it_on_the_page(
    fresh_app, public_data_dir, tmp_path
):
    """Issue 13: the Data refresh page lists a held release with its reasons and the loader's
    notes; a viewer cannot decide; the administrator's Approve makes it current (audited); Data
    sources shows the notes."""
    from datetime import date

    from loaders import refresh
    from loaders.models import AuditEvent

    services = fresh_app.server.extensions["lcjp"]
    factory = services.session_factory
    folder = tmp_path / "street"
    shutil.copytree(public_data_dir / POLICE.folder, folder)
    refresh.refresh_dataset(factory, POLICE, folder, today=date(2026, 11, 26))
    name = "2025-03-durham-street.csv"
    lines = (folder / name).read_bytes().splitlines(keepends=True)
    (folder / name).write_bytes(b"".join(lines[:3000]))
    held = refresh.refresh_dataset(factory, POLICE, folder, today=date(2026, 11, 26))
    assert held.status == "held for review"
    approve = {"type": ids.ADMIN_APPROVE, "vintage": held.vintage_id}

    with signed_in(fresh_app, "viewer"):
        *_rest, panel, _queue = admin.update_ledger(0)
        refused = _decide(approve)
    assert panel is None and refused[0] == "You do not have access to this information."

    with signed_in(fresh_app, "admin"):
        ledger, history, _progress, _interval, panel, _queue = admin.update_ledger(0)
        badge = admin.update_refresh_alert(0)
        sources = data_sources.data_sources_page()
        answer = _decide(approve)
    assert f"vintage {held.vintage_id}" in _text(panel) and "down 52%" in _text(panel)
    assert "Held for review" in _text(ledger) and "⚠ Warning:" in _text(history)
    assert "1 release held for review" in _text(badge)
    notes = _text(_find_all(sources, lambda c: getattr(c, "id", None) == f"notes-{POLICE.id}"))
    assert "Held for review" in notes and "street_counts_by_force_month" in notes
    assert "approved" in answer[0]
    with factory() as session:
        assert session.get(Dataset, POLICE.id).current_vintage_id == held.vintage_id
        assert (
            session.scalar(
                sa.select(AuditEvent.username).where(AuditEvent.event == "release approved")
            )
            == "fresh-admin"
        )


def _decide(component_id: dict):
    token = context_value.set(
        AttributeDict(
            triggered_inputs=[{"prop_id": f"{component_id}.n_clicks".replace("'", '"'), "value": 1}]
        )
    )
    try:
        return admin.decide_release([1], [None])
    finally:
        context_value.reset(token)
