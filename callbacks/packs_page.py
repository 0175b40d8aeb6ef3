"""The Board packs page and the pack downloads: generate a pack (rights checked again inside the
callback), list the packs the user may open, and serve each stored file exactly as generated."""

from __future__ import annotations

import logging

import dash
import flask
import flask_login
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks import packs
from callbacks.context import services
from callbacks.permissions import NotAuthorised, current_user, rights_of
from layouts import board_packs as layout
from layouts import ids
from layouts.components import not_authorised
from loaders import meetings
from loaders.audit import audit
from loaders.meetings import RecordError
from loaders.models import PackSnapshot, as_utc, utcnow
from loaders.reports import REPORTS

log = logging.getLogger(__name__)
# Any id reaches this route (never Dash's catch-all page), so a bad one gets a plain 404.
DOWNLOAD_ROUTE = "/packs/<snapshot_id>.<any(pdf, pptx, xlsx):kind>"
LIST_LIMIT = 200


def packs_layout(**_query):
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return not_authorised()
    options = [{"label": r.title, "value": r.id} for r in packs.generatable_reports(user)]
    return layout.packs_page(options)


def _row(snapshot, meeting_titles: dict[int, str]) -> layout.PackRow:
    return layout.PackRow(
        snapshot_id=snapshot.id,
        report_title=REPORTS[snapshot.report_id].title,
        meeting=meeting_titles.get(snapshot.meeting_id, ""),
        period=snapshot.period_label,
        generated_at=snapshot.generated_at,
        generated_by=snapshot.generated_by,
        reference=snapshot.reference,
        measures=len(snapshot.measure_ids or []),
    )


def update_meetings(report_id):
    """The chosen report's meetings, newest first (only for a report the user may generate)."""
    user = current_user()
    report = REPORTS.get(report_id) if isinstance(report_id, str) else None
    if report is None or not packs.may_generate(rights_of(user), report):
        return layout.meeting_options([]), ""
    with services().session_factory() as session:
        found = [(m.id, m.title) for m in meetings.meetings(session, [report.id])]
    return layout.meeting_options(found), ""


def update_list(_done):
    """The packs this user may open, newest first."""
    user = current_user()
    rights = rights_of(user)
    readable = [r.id for r in REPORTS.values() if packs.may_read(rights, r)]
    with services().session_factory() as session:
        stored = meetings.snapshots(session, readable)[:LIST_LIMIT]
        titles = {m.id: m.title for m in meetings.meetings(session, readable)}
    rows = [_row(s, titles) for s in stored if packs.may_open_snapshot(user, s)]
    return layout.pack_list(rows, services().settings.timezone)


def generate(n_clicks, report_id, meeting_id):
    """Start generating a pack in the background; a refusal or a bad choice says why at once and
    stores nothing. Outputs: the message, the job to poll, the poll's and the button's state."""
    if not n_clicks:
        raise PreventUpdate
    user = current_user()
    try:
        job_id = packs.start_pack_job(report_id, user, meeting_id or None)
    except NotAuthorised as refused:
        audit("access_denied", {"callback": "generate_pack", "reason": str(refused)})
        return layout.failed("You may not generate this report's pack."), None, True, False
    except (packs.PackError, RecordError) as problem:
        return layout.failed(str(problem)), None, True, False
    return layout.in_progress(REPORTS[report_id].title), {"job": job_id}, False, True


def poll(_intervals, job):
    """How the user's pack job stands; only the user who started it may ask. Outputs: the
    message, the snapshot to list, and whether polling (and the button's lock) stops."""
    user = current_user()
    job_id = (job or {}).get("job") if isinstance(job, dict) else None
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        raise PreventUpdate
    with services().session_factory() as session:
        state = meetings.job_state(session, job_id)
        if state is None or state.user_id != getattr(user, "id", None):
            audit("access_denied", {"callback": "poll_pack", "job": job_id})
            refused = layout.failed("You may not follow this pack's progress.")
            return refused, dash.no_update, True, False
        if state.status == meetings.JOB_RUNNING:
            seconds = int((utcnow() - as_utc(state.started_at)).total_seconds())
            waiting = layout.in_progress(REPORTS[state.report_id].title, seconds)
            return waiting, dash.no_update, False, True
        snapshot = session.get(PackSnapshot, state.snapshot_id) if state.snapshot_id else None
        if snapshot is None:
            return layout.failed(state.message), dash.no_update, True, False
        titles = {m.id: m.title for m in meetings.meetings(session, [snapshot.report_id])}
        row = _row(snapshot, titles)
    return layout.generated(row, services().settings.timezone), row.snapshot_id, True, False


def download_pack(snapshot_id: str, kind: str):
    """GET a stored pack file as presented; the login guard runs first, rights are checked here."""
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return flask.jsonify(error="authentication required"), 401
    if not (snapshot_id.isascii() and snapshot_id.isdigit()) or len(snapshot_id) > 12:
        flask.abort(404)
    with services().session_factory() as session:
        found = meetings.snapshot_file(session, int(snapshot_id), kind)
    if found is None:
        flask.abort(404)
    snapshot, body = found
    if not packs.may_open_snapshot(user, snapshot):
        audit("access_denied", {"route": "pack download", "snapshot": snapshot.id, "kind": kind})
        return flask.Response("You do not have access to this pack.", 403, mimetype="text/plain")
    audit(
        "download",
        {"what": "board pack", "snapshot": snapshot.id, "report": snapshot.report_id, "kind": kind},
    )
    return flask.Response(
        body,
        mimetype=packs.FORMATS[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{packs.file_name(snapshot, kind)}"',
            "Cache-Control": "no-store",
        },
    )


def register_packs_page() -> None:
    """Every signed-in user may open the page: it lists the packs they may read, and offers the
    form only to those who may generate a report (checked again when they press Generate)."""
    dash.register_page(
        "board_packs",
        path=layout.PACKS_PATH,
        name=layout.PACKS_TITLE,
        title=f"{layout.PACKS_TITLE} – LCJP Performance Board",
        order=85,
        layout=packs_layout,
        roles=("*",),
    )


def register(app: dash.Dash) -> None:
    app.server.add_url_rule(DOWNLOAD_ROUTE, "download_pack", download_pack)
    app.callback(
        Output(ids.PACKS_MEETING, "options"),
        Output(ids.PACKS_MEETING, "value"),
        Input(ids.PACKS_REPORT, "value"),
    )(update_meetings)
    app.callback(Output(ids.PACKS_LIST, "children"), Input(ids.PACKS_DONE, "data"))(update_list)
    app.callback(
        Output(ids.PACKS_RESULT, "children"),
        Output(ids.PACKS_JOB, "data"),
        Output(ids.PACKS_POLL, "disabled"),
        Output(ids.PACKS_GENERATE, "disabled"),
        Input(ids.PACKS_GENERATE, "n_clicks"),
        State(ids.PACKS_REPORT, "value"),
        State(ids.PACKS_MEETING, "value"),
        prevent_initial_call=True,
    )(generate)
    app.callback(
        Output(ids.PACKS_RESULT, "children", allow_duplicate=True),
        Output(ids.PACKS_DONE, "data"),
        Output(ids.PACKS_POLL, "disabled", allow_duplicate=True),
        Output(ids.PACKS_GENERATE, "disabled", allow_duplicate=True),
        Input(ids.PACKS_POLL, "n_intervals"),
        State(ids.PACKS_JOB, "data"),
        prevent_initial_call=True,
    )(poll)
