"""Alerts: events raised once, told to each user in words built with their rights, and emailed.

Once only, however many processes look: an event's unique key (kind, subject, period or vintage)
makes raising it a claim; a notification is unique per (user, event) and an email delivery per
(user, event, channel); a sender claims each due delivery with a conditional UPDATE, so two
scheduler processes never send the same one. Sending never happens inside a refresh.
"""

from __future__ import annotations

import html
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from loaders import access, mailer
from loaders.db import transaction
from loaders.ledger import as_utc, worker_name
from loaders.models import (
    AlertEvent,
    AlertPreference,
    AlertState,
    Delivery,
    Notification,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

# Each kind of event a user may be told about, in the words the preferences form uses.
KINDS = {
    "signal": "A new special-cause signal, or an assurance icon that changes, on a measure you see",
    "stale": "A dataset you see goes stale",
    "return_overdue": "A partner return is overdue",
    "action_overdue": "An action you own is past its due date",
    "refresh_problem": "A refresh failed or is held for review (administrators)",
    "report": "A scheduled board pack is ready",
    "preread": "A meeting's pre-read",
}
FREQUENCIES = {
    "immediate": "Immediately",
    "daily": "Daily digest",
    "weekly": "Weekly digest",
    "never": "Never",
}
DEFAULT_FREQUENCY = {
    "signal": "daily",
    "stale": "daily",
    "return_overdue": "immediate",
    "action_overdue": "immediate",
    "refresh_problem": "immediate",
    "report": "immediate",
    "preread": "immediate",
}
DIGEST_HOUR = 7  # digests go at 07:00 UK time; weekly ones on Mondays
CLAIM_LOST_AFTER = timedelta(minutes=15)  # a 'sending' claim older than this was abandoned
PREFERENCES_PATH = "/notifications"


# --- Preferences ----------------------------------------------------------------------------------


def preferences(session: Session, user_id: int) -> dict[str, str]:
    """Every kind with the user's choice (the default where they have made none)."""
    chosen = dict(
        session.execute(
            sa.select(AlertPreference.kind, AlertPreference.frequency).where(
                AlertPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in KINDS}


def set_preferences(session_factory: sessionmaker, user_id: int, choices: dict) -> dict[str, str]:
    """Store the user's choices; an unknown kind or frequency is refused (ValueError), unstored."""
    for kind, frequency in choices.items():
        if kind not in KINDS:
            raise ValueError(f"There is no kind of alert {str(kind)[:40]!r}.")
        if frequency not in FREQUENCIES:
            raise ValueError(f"{str(frequency)[:40]!r} is not one of {', '.join(FREQUENCIES)}.")
    with transaction(session_factory) as session:
        for kind, frequency in choices.items():
            row = session.get(AlertPreference, (user_id, kind))
            if row is None:
                session.add(AlertPreference(user_id=user_id, kind=kind, frequency=frequency))
            else:
                row.frequency, row.updated_at = frequency, utcnow()
    with session_factory() as session:
        return preferences(session, user_id)


# --- Events and notifications ---------------------------------------------------------------------


def raise_event(
    session_factory: sessionmaker, key: str, kind: str, subject: str = "", detail=None
) -> tuple[int, bool]:
    """(event id, raised now): the first process to raise a key creates it; others find it."""
    key = key[:300]
    try:
        with transaction(session_factory) as session:
            event = AlertEvent(key=key, kind=kind, subject=subject[:200], detail=detail or {})
            session.add(event)
            session.flush()
            return event.id, True
    except IntegrityError:
        with session_factory() as session:
            return session.scalar(sa.select(AlertEvent.id).where(AlertEvent.key == key)), False


def event_exists(session: Session, key: str) -> bool:
    return session.scalar(sa.select(AlertEvent.id).where(AlertEvent.key == key[:300])) is not None


def notified(session: Session, user_id: int, key: str) -> bool:
    """Has this user already been told about the event with this key?"""
    return (
        session.scalar(
            sa.select(Notification.id)
            .join(AlertEvent, AlertEvent.id == Notification.event_id)
            .where(Notification.user_id == user_id, AlertEvent.key == key[:300])
        )
        is not None
    )


def swap_state(session_factory: sessionmaker, key: str, value: str) -> str | None:
    """Store the state a rule sees now and return what it saw last time (None the first time)."""
    with transaction(session_factory) as session:
        row = session.get(AlertState, key[:300])
        if row is None:
            session.add(AlertState(key=key[:300], value=value[:200]))
            return None
        before = row.value
        if before != value:
            row.value, row.updated_at = value[:200], utcnow()
        return before


def next_digest_time(frequency: str, now: datetime, timezone: str) -> datetime:
    """When a digest of this frequency next goes: 07:00 UK time (on a Monday for weekly ones)."""
    if frequency == "immediate":
        return now
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    when = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=zone)
    if when <= local:
        when += timedelta(days=1)
    if frequency == "weekly":
        while when.weekday() != 0:
            when += timedelta(days=1)
    return as_utc(when)


@dataclass(frozen=True)
class Message:
    """What one user is told about one event: written with their rights, stored as it is."""

    title: str
    body: str
    link: str = ""


def notify(
    session_factory: sessionmaker,
    settings,
    event_id: int,
    user_id: int,
    kind: str,
    message: Message,
    *,
    now: datetime | None = None,
) -> int | None:
    """Tell one user about one event in the app, and queue the email their preference asks for.

    None when they chose never, or were already told (by this or another process)."""
    now = as_utc(now) or utcnow()
    with session_factory() as session:
        frequency = preferences(session, user_id)[kind]
        user = session.get(User, user_id)
    if frequency == "never" or user is None or not user.active:
        return None
    try:
        with transaction(session_factory) as session:
            note = Notification(
                user_id=user_id,
                event_id=event_id,
                kind=kind,
                title=message.title[:300],
                body=message.body,
                link=message.link[:500],
                created_at=now,
            )
            session.add(note)
            session.flush()
            if settings.smtp_url and user.email:
                session.add(
                    Delivery(
                        user_id=user_id,
                        event_id=event_id,
                        notification_id=note.id,
                        channel="email",
                        frequency=frequency,
                        next_try_at=next_digest_time(frequency, now, settings.timezone),
                    )
                )
            return note.id
    except IntegrityError:
        return None


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def notifications_of(session: Session, user_id: int, limit: int = 200) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session_factory: sessionmaker, user_id: int, ids=None) -> int:
    """Mark the user's own notifications read (all of them when ids is None); others' never."""
    query = sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_([int(i) for i in ids]))
    with transaction(session_factory) as session:
        return session.execute(query.values(read_at=utcnow())).rowcount


# --- Sending --------------------------------------------------------------------------------------


def _claim(session_factory: sessionmaker, ids: list[int], token: str, now: datetime) -> list[int]:
    """Take the pending deliveries among `ids`; a row another sender took first is left alone."""
    if not ids:
        return []
    with transaction(session_factory) as session:
        session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == "pending")
            .values(status="sending", claimed_by=token, claimed_at=now)
        )
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(Delivery.id).where(Delivery.id.in_(ids), Delivery.claimed_by == token)
            )
        )


def _release_lost_claims(session_factory: sessionmaker, now: datetime) -> None:
    with transaction(session_factory) as session:
        session.execute(
            sa.update(Delivery)
            .where(Delivery.status == "sending", Delivery.claimed_at < now - CLAIM_LOST_AFTER)
            .values(status="pending", claimed_by=None)
        )


def _still_allowed(session: Session, settings, user: User, note: Notification) -> bool:
    """Rights may have changed since the words were written: check the event's measure again."""
    if not user.active or not user.email:
        return False
    event = session.get(AlertEvent, note.event_id)
    measure_id = (event.detail or {}).get("measure_id") if event else None
    if measure_id is None:
        return True
    lcjp = settings.lcjp
    rights = access.rights_for(session, user.id, (lcjp["code"], *lcjp.get("forces", ())))
    return access.can_view_measure(rights, measure_id)


def _absolute(settings, link: str) -> str:
    if not link:
        return settings.public_url.rstrip("/") + "/"
    return settings.public_url.rstrip("/") + link if link.startswith("/") else link


def compose(settings, user: User, notes: list[Notification], frequency: str) -> mailer.Email:
    """The email for one notification, or a digest of several: plain text and HTML, each item with
    a link to the exact view, why it was sent and how to change that."""
    change = _absolute(settings, PREFERENCES_PATH)
    if len(notes) == 1 and frequency == "immediate":
        subject = f"LCJP Performance Board: {notes[0].title}"
        heading = notes[0].title
    else:
        which = "Daily" if frequency == "daily" else "Weekly" if frequency == "weekly" else "Your"
        subject = f"LCJP Performance Board: {which} digest ({len(notes)} alerts)"
        heading = f"{which} digest: {len(notes)} alerts"
    kinds = sorted({n.kind for n in notes}, key=list(KINDS).index)
    why = (
        f"Why you received this: you are signed up for “{FREQUENCIES[frequency].lower()}” "
        "emails about: " + "; ".join(KINDS[k].lower() for k in kinds) + "."
    )
    how = f"To change how and when you are told, open {change}"
    text_parts = [f"Dear {user.display_name or user.username},", "", heading, ""]
    html_items = []
    for note in notes:
        link = _absolute(settings, note.link)
        text_parts += [f"* {note.title}", f"  {note.body}", f"  Open: {link}", ""]
        html_items.append(
            f"<li><p><strong>{html.escape(note.title)}</strong></p>"
            f'<p style="white-space: pre-line">{html.escape(note.body)}</p>'
            f'<p><a href="{html.escape(link, quote=True)}">Open this view</a></p></li>'
        )
    text_parts += [why, how, ""]
    body_html = (
        f'<!doctype html><html lang="en-GB"><body>'
        f"<p>Dear {html.escape(user.display_name or user.username)},</p>"
        f"<h1>{html.escape(heading)}</h1><ul>{''.join(html_items)}</ul>"
        f"<p>{html.escape(why)}</p>"
        f'<p>To change how and when you are told, open <a href="{html.escape(change, quote=True)}">'
        "your notification settings</a>.</p></body></html>"
    )
    return mailer.Email(to=user.email, subject=subject, text="\n".join(text_parts), html=body_html)


def send_due(session_factory: sessionmaker, settings, *, now: datetime | None = None) -> int:
    """Send every delivery whose time has come (immediate ones singly, digests per user and
    frequency), each claimed first; a refused send is retried later with back-off. Returns the
    number of emails sent. Does nothing without SMTP_URL."""
    if not settings.smtp_url:
        return 0
    now = as_utc(now) or utcnow()
    _release_lost_claims(session_factory, now)
    with session_factory() as session:
        due = session.execute(
            sa.select(Delivery.id, Delivery.user_id, Delivery.frequency)
            .where(
                Delivery.status == "pending",
                # an immediate one is due at once, whatever clock its run was given
                sa.or_(
                    Delivery.next_try_at <= now,
                    sa.and_(Delivery.frequency == "immediate", Delivery.attempts == 0),
                ),
            )
            .order_by(Delivery.id)
        ).all()
    batches: dict[tuple, list[int]] = {}
    for delivery_id, user_id, frequency in due:
        key = (user_id, frequency, delivery_id if frequency == "immediate" else None)
        batches.setdefault(key, []).append(delivery_id)
    token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    sent = 0
    for (user_id, frequency, _one), ids in batches.items():
        claimed = _claim(session_factory, ids, token, now)
        if claimed:
            sent += _send_batch(session_factory, settings, user_id, frequency, claimed, now)
    return sent


def _send_batch(session_factory, settings, user_id, frequency, ids, now) -> int:
    with session_factory() as session:
        user = session.get(User, user_id)
        rows = list(session.scalars(sa.select(Delivery).where(Delivery.id.in_(ids))))
        notes = {r.id: session.get(Notification, r.notification_id) for r in rows}
        allowed = [r for r in rows if user and _still_allowed(session, settings, user, notes[r.id])]
    dropped = [r.id for r in rows if r not in allowed]
    if dropped:
        with transaction(session_factory) as session:
            session.execute(
                sa.update(Delivery)
                .where(Delivery.id.in_(dropped))
                .values(status="cancelled", last_error="no longer allowed or no address")
            )
    if not allowed:
        return 0
    email = compose(settings, user, [notes[r.id] for r in allowed], frequency)
    try:
        mailer.send(settings, email)
    except mailer.MailError as error:
        log.warning("email to %s failed: %s", user.username, error)
        with transaction(session_factory) as session:
            for row in session.scalars(sa.select(Delivery).where(Delivery.id.in_(ids))):
                if row.status != "sending":
                    continue
                row.attempts += 1
                row.last_error = str(error)[:2000]
                row.claimed_by = None
                if row.attempts >= settings.smtp_retries:
                    row.status = "failed"
                else:
                    row.status = "pending"
                    wait = settings.smtp_backoff * 2 ** (row.attempts - 1)
                    row.next_try_at = now + timedelta(seconds=wait)
        return 0
    with transaction(session_factory) as session:
        for row in session.scalars(sa.select(Delivery).where(Delivery.id.in_(ids))):
            if row.status == "sending":
                row.status, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
                row.last_error = None
    return 1
