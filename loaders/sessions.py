"""Server-side session records and sign-in throttling, both in the database so every worker agrees.

A session is live while it has not been ended and has been used within the idle limit (sliding)
and the absolute limit. Sign-out, disabling a user and a password reset end sessions here, so a
copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from loaders.db import transaction
from loaders.models import LoginAttempt, UserSession, as_utc, utcnow

# Write last-seen at most this often: a page load makes a dozen requests.
TOUCH_INTERVAL = timedelta(seconds=60)
# Sign-in attempts older than this are deleted as new ones arrive.
ATTEMPT_RETENTION = timedelta(days=2)
# Session records this long past their last use are deleted as new sessions start.
SESSION_RETENTION = timedelta(days=30)


def now() -> datetime:
    """The clock every rule here reads (tests move it forward)."""
    return utcnow()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def start_session(session_factory: sessionmaker, user_id: int, ip: str, user_agent: str) -> str:
    """Record a new session and return the random token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    moment = now()
    with transaction(session_factory) as session:
        session.execute(
            sa.delete(UserSession).where(UserSession.last_seen_at < moment - SESSION_RETENTION)
        )
        session.add(
            UserSession(
                id=_digest(token),
                user_id=user_id,
                created_at=moment,
                last_seen_at=moment,
                ip=(ip or "")[:64],
                user_agent=(user_agent or "")[:300],
            )
        )
    return token


def check_session(
    session_factory: sessionmaker, token: str | None, user_id: int, limits: SessionLimits
) -> str:
    """'live' (and slide its expiry), or why not: 'missing', 'ended', 'expired'."""
    if not token:
        return "missing"
    moment = now()
    digest = _digest(token)
    with session_factory() as session:
        record = session.get(UserSession, digest)
        if record is None or record.user_id != user_id:
            return "missing"
        if record.ended_at is not None:
            return "ended"
        idle_for = moment - as_utc(record.last_seen_at)
        age = moment - as_utc(record.created_at)
    if idle_for > limits.idle or age > limits.absolute:
        _update_session(session_factory, digest, ended_at=moment, end_reason="expired")
        return "expired"
    if idle_for >= TOUCH_INTERVAL:
        _update_session(session_factory, digest, last_seen_at=moment)
    return "live"


def _update_session(session_factory: sessionmaker, digest: str, **values) -> None:
    """Write only when something changes: most requests of a page load only read."""
    with transaction(session_factory) as session:
        session.execute(
            sa.update(UserSession)
            .where(UserSession.id == digest, UserSession.ended_at.is_(None))
            .values(**values)
        )


def end_session(session_factory: sessionmaker, token: str | None, reason: str = "logout") -> None:
    if not token:
        return
    with transaction(session_factory) as session:
        record = session.get(UserSession, _digest(token))
        if record is not None and record.ended_at is None:
            record.ended_at, record.end_reason = now(), reason


def end_user_sessions(session_factory: sessionmaker, user_id: int, reason: str) -> int:
    """End every live session of a user (disabled, password reset); returns how many."""
    with transaction(session_factory) as session:
        result = session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            .values(ended_at=now(), end_reason=reason)
        )
        return result.rowcount or 0


def live_session_count(session_factory: sessionmaker, user_id: int) -> int:
    with session_factory() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(UserSession)
                .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
            )
            or 0
        )


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures in `window` block an account, and an address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def throttle_message(
    session_factory: sessionmaker, username: str, ip: str, rules: ThrottleRules
) -> str | None:
    """Why a sign-in from this address to this account must wait, or None if it may go ahead.

    An account's count starts again after a successful sign-in; an address's does not (an
    attacker could otherwise reset it with an account of their own).
    """
    moment = now()
    since = moment - rules.window
    username = username.strip().lower()[:80]
    with session_factory() as session:
        last_success = session.scalar(
            sa.select(sa.func.max(LoginAttempt.at)).where(
                LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
            )
        )
        account_since = max(since, as_utc(last_success)) if last_success else since
        account_failures = list(
            session.scalars(
                sa.select(LoginAttempt.at)
                .where(
                    LoginAttempt.username == username,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.at > account_since,
                )
                .order_by(LoginAttempt.at)
            )
        )
        address_failures = list(
            session.scalars(
                sa.select(LoginAttempt.at)
                .where(
                    LoginAttempt.ip == (ip or "")[:64],
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.at > since,
                )
                .order_by(LoginAttempt.at)
            )
        )
    if len(account_failures) >= rules.per_account:
        wait = _minutes_until(account_failures[-rules.per_account], rules.window, moment)
        return (
            f"Too many failed sign-in attempts for this account. For your security it is locked "
            f"for {wait}. Try again then, or ask an administrator to reset your password."
        )
    if len(address_failures) >= rules.per_address:
        wait = _minutes_until(address_failures[-rules.per_address], rules.window, moment)
        return (
            f"Too many failed sign-in attempts from your network address. "
            f"Please wait {wait} before trying again."
        )
    return None


def _minutes_until(oldest_counted: datetime, window: timedelta, moment: datetime) -> str:
    remaining = as_utc(oldest_counted) + window - moment
    minutes = max(1, int(-(-remaining.total_seconds() // 60)))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def record_attempt(
    session_factory: sessionmaker, username: str, ip: str, *, succeeded: bool
) -> None:
    moment = now()
    with transaction(session_factory) as session:
        session.add(
            LoginAttempt(
                at=moment,
                username=username.strip().lower()[:80],
                ip=(ip or "")[:64],
                succeeded=succeeded,
            )
        )
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < moment - ATTEMPT_RETENTION))
