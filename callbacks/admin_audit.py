"""The audit log page and its CSV export: administrators only, checked on the server each time,
and the export is itself audited."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import flask
import flask_login
import pandas as pd
from dash import Input, Output

from callbacks.context import services
from callbacks.permissions import refuse_unauthorised, require_role, rights_of
from layouts import ids
from layouts.admin_access import ALL_EVENTS, ALL_EVENTS_VALUE, AUDIT_CSV_PATH
from layouts.components import data_table, not_authorised
from loaders import audit as audit_log
from loaders.audit import AuditFilter, audit

SHOWN_ROWS = 500


def _filter_text(flt: AuditFilter) -> str:
    parts = []
    if flt.event:
        parts.append(f"event '{audit_log.EVENTS.get(flt.event, flt.event)}'")
    if flt.username:
        parts.append(f"user {flt.username}")
    if flt.ip:
        parts.append(f"address starting {flt.ip}")
    if flt.date_from:
        parts.append(f"from {flt.date_from:%d %b %Y}")
    if flt.date_to:
        parts.append(f"to {flt.date_to:%d %b %Y}")
    return ", ".join(parts) if parts else "all events"


@refuse_unauthorised(
    lambda: ([], "You do not have access to this information.", not_authorised(), "")
)
def update_audit(event, username, ip, date_from, date_to):
    """The newest matching events as an accessible table, and the CSV link for the same filter."""
    require_role("admin")
    event = "" if event == ALL_EVENTS_VALUE else event
    flt = AuditFilter.from_values(event, username, ip, date_from, date_to)
    timezone = services().settings.timezone
    with services().session_factory() as session:
        events = audit_log.find_events(session, flt, timezone=timezone, limit=SHOWN_ROWS)
        total = audit_log.count_events(session, flt, timezone=timezone)
        names = audit_log.known_events(session)
    options = ALL_EVENTS + [
        {"label": audit_log.EVENTS.get(name, name), "value": name} for name in names
    ]
    frame = pd.DataFrame(
        {
            "Time (UK)": [audit_log.local_timestamp(e.at, timezone) for e in events],
            "Event": [audit_log.EVENTS.get(e.event, e.event) for e in events],
            "User": [e.username or "–" for e in events],
            "Network address": [e.ip or "–" for e in events],
            "Detail": [audit_log.readable_detail(e.detail) for e in events],
        }
    )
    shown = f"the latest {len(events):,} of " if total > len(events) else ""
    summary = f"Showing {shown}{total:,} events: {_filter_text(flt)}, newest first."
    query = urlencode(flt.as_query())
    href = AUDIT_CSV_PATH + (f"?{query}" if query else "")
    return options, summary, data_table(frame, f"Audit log: {_filter_text(flt)}"), href


def export_audit_csv():
    """GET /admin/audit.csv?event=&user=&ip=&from=&to= – every matching event, for administrators."""
    user = flask_login.current_user
    if rights_of(user).role != "admin":
        audit("access_denied", {"route": AUDIT_CSV_PATH})
        return flask.jsonify(error="administrators only"), 403
    args = flask.request.args
    flt = AuditFilter.from_values(
        args.get("event"), args.get("user"), args.get("ip"), args.get("from"), args.get("to")
    )
    timezone = services().settings.timezone
    with services().session_factory() as session:
        events = audit_log.find_events(session, flt, timezone=timezone, limit=None)
    body = audit_log.events_csv(events, timezone)
    audit("export", {"what": "audit log", "filter": flt.as_query(), "rows": len(events)})
    return flask.Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def register(app: dash.Dash) -> None:
    app.callback(
        Output(ids.AUDIT_EVENT, "options"),
        Output(ids.AUDIT_SUMMARY, "children"),
        Output(ids.AUDIT_TABLE, "children"),
        Output(ids.AUDIT_DOWNLOAD, "href"),
        Input(ids.AUDIT_EVENT, "value"),
        Input(ids.AUDIT_USER, "value"),
        Input(ids.AUDIT_IP, "value"),
        Input(ids.AUDIT_FROM, "value"),
        Input(ids.AUDIT_TO, "value"),
    )(update_audit)
    # Behind the sign-in guard like every route: anonymous requests get 401 before reaching it.
    app.server.add_url_rule(AUDIT_CSV_PATH, "audit_csv", export_audit_csv)
