"""Refresh administration: the ledger, "Refresh now", and the failure badge. Administrators only.

Every callback and the page itself check the role on the server: a forged request from any
other user gets no ledger data and queues nothing. "Refresh now" only queues a request: the
scheduler process runs it (loaders/refresh_requests.py), never a web worker.
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.context import services
from callbacks.permissions import NotAuthorised, require_role
from layouts import admin as admin_layout
from layouts import ids
from layouts.components import not_authorised
from loaders import ledger, refresh_requests, release_checks
from loaders.audit import audit
from loaders.datasets import DATASETS
from loaders.fetch import display_location, resolve_source

log = logging.getLogger(__name__)

ADMIN_ONLY = "This page is for administrators."


def admin_page(**_query):
    """The page content, built only for administrators."""
    try:
        require_role("admin")
    except (NotAuthorised, PreventUpdate):
        return not_authorised(ADMIN_ONLY)
    return admin_layout.refresh_page([(spec.id, spec.title) for spec in DATASETS.values()])


def update_ledger(_n_intervals):
    """The ledger per dataset, recent runs and progress; polls faster while a refresh runs."""
    try:
        require_role("admin")
    except NotAuthorised:
        return not_authorised(ADMIN_ONLY), None, None, admin_layout.IDLE_POLL_MS, None, None
    app_services = services()
    settings = app_services.settings
    # A run left 'running' by a killed process shows as failed once no refresh holds the lock.
    ledger.sweep_if_idle(app_services.engine, app_services.session_factory, settings.instance_dir)
    sources = {
        spec.id: display_location(resolve_source(spec, settings)[0]) for spec in DATASETS.values()
    }
    with app_services.session_factory() as session:
        rows = ledger.dataset_ledger(
            session, schedules=settings.schedules, sources=sources, timezone=settings.timezone
        )
        runs = ledger.recent_runs(session)
        held = release_checks.held_releases(session)
        requests = refresh_requests.open_and_recent(session)
        last_beat = refresh_requests.last_heartbeat(session)
        alive = refresh_requests.scheduler_alive(session)
    titles = {row.dataset_id: row.title for row in rows}
    waiting = [r for r in requests if r.status in {"queued", "running"}]
    running = any(row.running for row in rows) or bool(waiting)
    notice = admin_layout.scheduler_notice(
        alive, last_beat, sum(r.status == "queued" for r in waiting), settings.timezone
    )
    return (
        admin_layout.ledger_table(rows, settings.timezone),
        admin_layout.history_table(runs, titles, settings.timezone),
        admin_layout.progress_panel(rows),
        admin_layout.FAST_POLL_MS if running else admin_layout.IDLE_POLL_MS,
        admin_layout.held_panel(held, settings.timezone),
        admin_layout.requests_panel(requests, titles, settings.timezone, notice),
    )


def decide_release(_approve_clicks, _reject_clicks):
    """Approve or reject a release held for review (administrators only; audited)."""
    try:
        user = require_role("admin")
    except NotAuthorised:
        return "You do not have access to this information.", no_update
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any((t.get("value") or 0) > 0 for t in ctx.triggered):
        raise PreventUpdate  # buttons drawn by the poll, not pressed
    decision = "approve" if trigger.get("type") == ids.ADMIN_APPROVE else "reject"
    try:
        vintage_id = int(trigger.get("vintage"))
        message = release_checks.decide(
            services().session_factory,
            vintage_id,
            decision,
            user.username,
            audit=lambda event, detail: audit(event, detail, user),
        )
    except (release_checks.ReviewError, TypeError, ValueError) as error:
        return f"Nothing changed: {error}.", no_update
    return message[0].upper() + message[1:] + ".", admin_layout.FAST_POLL_MS


def start_refresh(_one_clicks, _all_clicks, dataset_id):
    """Queue a refresh of one dataset or all of them for the scheduler process (audited); the
    page shows the request waiting, then the ledger its progress."""
    try:
        user = require_role("admin")
    except NotAuthorised:
        return "You do not have access to this information.", no_update
    if ctx.triggered_id == ids.ADMIN_REFRESH_ALL:
        chosen = list(DATASETS)
    elif ctx.triggered_id == ids.ADMIN_REFRESH_ONE and dataset_id in DATASETS:
        chosen = [dataset_id]
    else:
        return "Choose a dataset from the list, then press the button.", no_update
    log.info("%s asked for a refresh of %s", user.username, ", ".join(chosen))
    app_services = services()
    request_id = app_services.request_refresh(chosen, requested_by=user.username)
    audit("refresh requested", {"request": request_id, "datasets": chosen}, user)
    names = "every dataset" if len(chosen) > 1 else DATASETS[chosen[0]].title
    with app_services.session_factory() as session:
        alive = refresh_requests.scheduler_alive(session)
    waiting = (
        "The scheduler picks it up within a few seconds; progress shows below."
        if alive
        else "No scheduler is running: start `python -m scheduler` to run it."
    )
    return f"Refresh of {names} queued (request {request_id}). {waiting}", admin_layout.FAST_POLL_MS


def update_refresh_alert(_n_intervals):
    """The navbar badge: how many datasets' latest refresh failed (administrators only)."""
    try:
        require_role("admin")
    except NotAuthorised:
        return None
    with services().session_factory() as session:
        return admin_layout.failure_badge(
            ledger.failing_datasets(session), len(release_checks.held_releases(session))
        )


def register(app: dash.Dash) -> None:
    dash.register_page(
        "admin_refresh",
        path=admin_layout.PATH,
        name="Data refresh",
        title="Data refresh – LCJP Performance Board",
        order=99,
        layout=admin_page,
        roles=("admin",),
    )
    app.callback(
        Output(ids.ADMIN_LEDGER, "children"),
        Output(ids.ADMIN_HISTORY, "children"),
        Output(ids.ADMIN_PROGRESS, "children"),
        Output(ids.ADMIN_POLL, "interval"),
        Output(ids.ADMIN_HELD, "children"),
        Output(ids.ADMIN_REQUESTS, "children"),
        Input(ids.ADMIN_POLL, "n_intervals"),
    )(update_ledger)
    app.callback(
        Output(ids.ADMIN_HELD_MESSAGE, "children"),
        Output(ids.ADMIN_POLL, "interval", allow_duplicate=True),
        Input({"type": ids.ADMIN_APPROVE, "vintage": ALL}, "n_clicks"),
        Input({"type": ids.ADMIN_REJECT, "vintage": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(decide_release)
    app.callback(
        Output(ids.ADMIN_MESSAGE, "children"),
        Output(ids.ADMIN_POLL, "interval", allow_duplicate=True),
        Input(ids.ADMIN_REFRESH_ONE, "n_clicks"),
        Input(ids.ADMIN_REFRESH_ALL, "n_clicks"),
        State(ids.ADMIN_DATASET_PICKER, "value"),
        prevent_initial_call=True,
    )(start_refresh)
    app.callback(
        Output(ids.REFRESH_ALERT, "children"),
        Input(ids.REFRESH_ALERT_POLL, "n_intervals"),
    )(update_refresh_alert)
