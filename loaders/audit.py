"""The audit log: who did what, when and from where. Stored in UTC, shown in Europe/London.

Any route calls `audit(event, detail)`: inside a request it finds the database, the signed-in user
and the caller's address by itself; the command line passes them explicitly.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.db import transaction
from loaders.models import AuditEvent, utcnow
from loaders.spreadsheet_safety import safe_cell

# The events this product records, with what they mean (the admin page's filter lists them).
EVENTS = {
    "login": "Signed in",
    "login_failed": "Sign-in refused (wrong username or password)",
    "login_throttled": "Sign-in blocked after repeated failures",
    "logout": "Signed out",
    "session_expired": "Session ended after inactivity",
    "page_view": "Opened a page",
    "page_denied": "Refused a page the user may not open",
    "access_denied": "Refused data the user may not see",
    "download": "Downloaded a file",
    "export": "Exported data",
    "upload": "Uploaded data",
    "user_created": "Created a user",
    "user_changed": "Changed a user's role or organisation",
    "user_disabled": "Disabled a user",
    "user_enabled": "Re-enabled a user",
    "password_reset": "Reset a password",
    "rights_granted": "Granted subgroup rights",
    "rights_revoked": "Revoked subgroup rights",
    "meeting_created": "Scheduled a meeting",
    "commentary_saved": "Saved a commentary draft",
    "commentary_published": "Published commentary",
    "action_raised": "Raised an action",
    "action_updated": "Updated an action",
    "pack_generated": "Generated a board pack",
    "api_token_created": "Made a personal API token",
    "api_token_revoked": "Revoked a personal API token",
    "api_token_used": "Called the figures API with a personal token",
    "api_token_refused": "Refused an unknown, revoked or disabled user's API token",
}
MAX_DETAIL = 4000
COMMAND_LINE = "(command line)"


def _request_defaults():
    """(session factory, user, ip) from the current Flask request, if there is one."""
    try:
        import flask
        import flask_login
    except ImportError:  # pragma: no cover - flask is a runtime dependency
        return None, None, None
    if not flask.has_app_context():
        return None, None, None
    factory = flask.current_app.extensions["lcjp"].session_factory
    if not flask.has_request_context():
        return factory, None, None
    user = flask_login.current_user
    user = user if getattr(user, "is_authenticated", False) else None
    return factory, user, flask.request.remote_addr or ""


def audit(
    event: str,
    detail: str | dict | None = None,
    user=None,
    *,
    ip: str | None = None,
    session_factory: sessionmaker | None = None,
) -> None:
    """Record one event. `user` is a User, a username, or None for the signed-in user."""
    request_factory, request_user, request_ip = _request_defaults()
    factory = session_factory or request_factory
    if factory is None:
        raise RuntimeError("audit() outside a request needs session_factory=")
    who = user if user is not None else request_user
    if isinstance(who, str):
        user_id, username = None, who
    elif who is not None:
        user_id, username = getattr(who, "id", None), getattr(who, "username", "")
    else:
        user_id, username = None, ""
    if isinstance(detail, dict):
        text = json.dumps(detail, sort_keys=True, default=str)
    else:
        text = detail or ""
    with transaction(factory) as session:
        session.add(
            AuditEvent(
                at=utcnow(),
                event=event[:40],
                user_id=user_id,
                username=(username or "")[:80],
                ip=(ip if ip is not None else request_ip or "")[:64],
                detail=text[:MAX_DETAIL],
            )
        )


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator narrowed the log to; empty fields mean 'any'."""

    event: str = ""
    username: str = ""
    ip: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict[str, str]:
        values = {
            "event": self.event,
            "user": self.username,
            "ip": self.ip,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}

    @classmethod
    def from_values(cls, event=None, username=None, ip=None, date_from=None, date_to=None):
        """Build from form or query-string text; anything unreadable is ignored, not trusted."""
        return cls(
            event=(event or "").strip()[:40],
            username=(username or "").strip().lower()[:80],
            ip=(ip or "").strip()[:64],
            date_from=_parse_date(date_from),
            date_to=_parse_date(date_to),
        )


def _parse_date(text) -> date | None:
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip()[:10]) if text else None
    except ValueError:
        return None


def _local_midnight_utc(day: date, timezone: str) -> datetime:
    """The UTC moment a London calendar day starts, so a date filter means the local day."""
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)


def _filtered(query, flt: AuditFilter, timezone: str):
    if flt.event:
        query = query.where(AuditEvent.event == flt.event)
    if flt.username:
        query = query.where(AuditEvent.username == flt.username)
    if flt.ip:
        query = query.where(AuditEvent.ip.startswith(flt.ip, autoescape=True))
    if flt.date_from:
        query = query.where(AuditEvent.at >= _local_midnight_utc(flt.date_from, timezone))
    if flt.date_to:
        end = _local_midnight_utc(flt.date_to + timedelta(days=1), timezone)
        query = query.where(AuditEvent.at < end)
    return query


def find_events(
    session: Session, flt: AuditFilter, *, timezone: str = "Europe/London", limit: int | None = 500
) -> list[AuditEvent]:
    """Newest first."""
    query = _filtered(sa.select(AuditEvent), flt, timezone).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_events(session: Session, flt: AuditFilter, *, timezone: str = "Europe/London") -> int:
    query = _filtered(sa.select(sa.func.count()).select_from(AuditEvent), flt, timezone)
    return int(session.scalar(query) or 0)


def known_events(session: Session) -> list[str]:
    """Every event name this product records, plus any others' routes have recorded."""
    stored = set(session.scalars(sa.select(AuditEvent.event).distinct()))
    return list(EVENTS) + sorted(stored - set(EVENTS))


def readable_detail(text: str) -> str:
    """'path: /admin/users · query: court=CC-DURHAM' from the stored JSON, for people to read."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text or "–"

    def show(item) -> str:
        if isinstance(item, dict):
            return ", ".join(f"{k}={show(v)}" for k, v in item.items()) or "none"
        if isinstance(item, list):
            return ", ".join(show(v) for v in item) or "none"
        return "none" if item is None else str(item)

    return " · ".join(f"{key}: {show(item)}" for key, item in value.items()) or "–"


def local_timestamp(moment: datetime, timezone: str = "Europe/London") -> str:
    """'2026-03-26 14:05:09 GMT': the local time with its zone, so BST and GMT never mix silently."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def utc_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


CSV_COLUMNS = ["time_utc", "time_local", "event", "username", "ip", "detail"]


def events_csv(events: list[AuditEvent], timezone: str = "Europe/London") -> str:
    """The log as CSV; cells that a spreadsheet would run as a formula are defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [
                utc_timestamp(e.at),
                local_timestamp(e.at, timezone),
                _safe_cell(e.event),
                _safe_cell(e.username),
                _safe_cell(e.ip),
                _safe_cell(e.detail),
            ]
        )
    return buffer.getvalue()


def _safe_cell(text: str) -> str:
    """A leading = + - @ makes Excel evaluate a cell; a quote keeps it as text (OWASP CSV injection)."""
    return safe_cell(text or "")
