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
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.db import transaction
from loaders.generations import QUIET
from loaders.models import LoginAttempt, Organisation, User, UserSession, as_utc, utcnow

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
    session_factory: sessionmaker,
    token: str | None,
    user_id: int,
    limits: SessionLimits,
    *,
    user_agent: str | None = None,
) -> str:
    """'live' (and slide its expiry), or why not: 'missing', 'ended', 'expired', or 'mismatch'
    when `user_agent` is given and is not the browser that signed in (the session is then ended:
    a cookie replayed from another browser is treated as stolen).

    The network address is not bound: phones and laptops change address as they move."""
    return session_user(session_factory, token, user_id, limits, user_agent=user_agent).state


@dataclass(frozen=True)
class SessionCheck:
    """A request's session, its user and their organisation, from one read of the store."""

    state: str
    user: User | None = None
    organisation: Organisation | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A stored session as the check needs it, with its user and their organisation (detached:
    they outlive the read, unchanged)."""

    user_id: int
    created_at: datetime
    last_seen_at: datetime
    ended: bool
    user_agent: str
    user: User
    organisation: Organisation | None


class SessionMemory(Protocol):
    """Where a worker keeps session records between requests (callbacks/auth.py); it must
    forget them whenever a session, user, grant or organisation is written."""

    def get(self, digest: str) -> SessionRecord | None: ...

    def put(self, digest: str, record: SessionRecord | None) -> None: ...


def read_session(session_factory: sessionmaker, digest: str) -> SessionRecord | None:
    """The session, its user and their organisation in one statement."""
    with session_factory() as session:
        row = session.execute(
            sa.select(UserSession, User, Organisation)
            .join(User, User.id == UserSession.user_id)
            .outerjoin(Organisation, Organisation.code == User.organisation_code)
            .where(UserSession.id == digest)
        ).first()
        if row is None:
            return None
        record, user, organisation = row
        session.expunge_all()  # the user and organisation outlive this session, unchanged
    return SessionRecord(
        user_id=record.user_id,
        created_at=as_utc(record.created_at),
        last_seen_at=as_utc(record.last_seen_at),
        ended=record.ended_at is not None,
        user_agent=record.user_agent or "",
        user=user,
        organisation=organisation,
    )


def session_user(
    session_factory: sessionmaker,
    token: str | None,
    user_id: int,
    limits: SessionLimits,
    *,
    user_agent: str | None = None,
    memory: SessionMemory | None = None,
) -> SessionCheck:
    """check_session, also handing back the user and their organisation read in the same
    statement: every signed-in request needs all three, so it pays one round trip, not three.
    The user is returned only for a live session.

    With `memory`, a record read on an earlier request is used again while its last-seen time
    is younger than TOUCH_INTERVAL: until then nothing about it can have changed that the memory
    was not told of (the last-seen write itself is the only one it is not told of, and it is
    made only after TOUCH_INTERVAL, by a request that reads afresh)."""
    if not token:
        return SessionCheck("missing")
    moment = now()
    digest = _digest(token)
    record = memory.get(digest) if memory is not None else None
    if record is None or moment - record.last_seen_at >= TOUCH_INTERVAL:
        record = read_session(session_factory, digest)
        if memory is not None:
            memory.put(digest, record)
    if record is None or record.user_id != user_id:
        return SessionCheck("missing")
    if record.ended:
        return SessionCheck("ended")
    idle_for = moment - record.last_seen_at
    age = moment - record.created_at
    if user_agent is not None and record.user_agent != (user_agent or "")[:300]:
        _update_session(session_factory, digest, ended_at=moment, end_reason="user agent changed")
        return SessionCheck("mismatch")
    if idle_for > limits.idle or age > limits.absolute:
        _update_session(session_factory, digest, ended_at=moment, end_reason="expired")
        return SessionCheck("expired")
    if idle_for >= TOUCH_INTERVAL:
        # Only the last-seen time: no kept read depends on it (loaders/generations.QUIET).
        _update_session(session_factory, digest, quiet=True, last_seen_at=moment)
    return SessionCheck("live", record.user, record.organisation)


def _update_session(
    session_factory: sessionmaker, digest: str, *, quiet: bool = False, **values
) -> None:
    """Write only when something changes: most requests of a page load only read."""
    with transaction(session_factory) as session:
        session.execute(
            sa.update(UserSession)
            .where(UserSession.id == digest, UserSession.ended_at.is_(None))
            .values(**values),
            execution_options={QUIET: True} if quiet else {},
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
    """When sign-in waits.

    - `per_account` failures to one account from one address within `window`: that address waits
      for that account (the owner, signing in from elsewhere, does not);
    - `per_address` failures from one address, to any accounts, within `window`: it waits;
    - `account_backoff_after` failures to one account from anywhere within `window`: the account
      takes one attempt at a time, each `backoff_base` seconds after the last, doubling with every
      further failure up to `backoff_max` seconds. A guesser spread over many addresses is slowed
      to one guess a `backoff_max`, while the owner waits at most that long, never the window.
    """

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    account_backoff_after: int = 10
    backoff_base: timedelta = timedelta(seconds=1)
    backoff_max: timedelta = timedelta(seconds=60)


def begin_attempt(
    session_factory: sessionmaker, username: str, ip: str, rules: ThrottleRules
) -> tuple[int | None, str | None]:
    """Reserve a sign-in attempt before the password is checked: (attempt id, None) when it may go
    ahead, or (None, why it must wait).

    The attempt is recorded as a failure first and only then counted, in its own committed
    transaction, so concurrent attempts always see each other: of any number arriving at once, at
    most the limit go on to have their password checked. A refused attempt is removed again, so
    waiting and trying again is not itself counted. `finish_attempt` records how it ended.
    """
    moment = now()
    username = username.strip().lower()[:80]
    ip = (ip or "")[:64]
    with transaction(session_factory) as session:
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < moment - ATTEMPT_RETENTION))
        attempt = LoginAttempt(at=moment, username=username, ip=ip, succeeded=False)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    message = _throttle(session_factory, username, ip, rules, moment, attempt_id)
    if message:
        with transaction(session_factory) as session:
            session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
        return None, message
    return attempt_id, None


def finish_attempt(session_factory: sessionmaker, attempt_id: int, *, succeeded: bool) -> None:
    """A reserved attempt stays a failure unless the password was right."""
    if succeeded:
        with transaction(session_factory) as session:
            session.execute(
                sa.update(LoginAttempt)
                .where(LoginAttempt.id == attempt_id)
                .values(succeeded=True, at=now())
            )


def _failures(session: Session, moment_since: datetime, **match) -> list[tuple[int, datetime]]:
    query = sa.select(LoginAttempt.id, LoginAttempt.at).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at > moment_since
    )
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return [(row.id, as_utc(row.at)) for row in session.execute(query.order_by(LoginAttempt.at))]


def _throttle(
    session_factory: sessionmaker,
    username: str,
    ip: str,
    rules: ThrottleRules,
    moment: datetime,
    attempt_id: int,
) -> str | None:
    """Why this (already recorded) attempt must wait, or None. Counts include the attempt itself.

    An account's counts start again after a successful sign-in; an address's does not (an
    attacker could otherwise reset it with an account of their own).
    """
    since = moment - rules.window
    with session_factory() as session:
        last_success = session.scalar(
            sa.select(sa.func.max(LoginAttempt.at)).where(
                LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
            )
        )
        account_since = max(since, as_utc(last_success)) if last_success else since
        pair = _failures(session, account_since, username=username, ip=ip)
        address = _failures(session, since, ip=ip)
        account = _failures(session, account_since, username=username)
    if len(pair) > rules.per_account:
        wait = _minutes_until(pair[-rules.per_account - 1][1], rules.window, moment)
        return (
            f"Too many failed sign-in attempts for this account from your network address. "
            f"Please wait {wait} before trying again, or ask an administrator to reset your "
            "password."
        )
    if len(address) > rules.per_address:
        wait = _minutes_until(address[-rules.per_address - 1][1], rules.window, moment)
        return (
            f"Too many failed sign-in attempts from your network address. "
            f"Please wait {wait} before trying again."
        )
    earlier = [(i, at) for i, at in account if i != attempt_id]
    if len(earlier) >= rules.account_backoff_after:
        steps = len(earlier) - rules.account_backoff_after
        delay = min(rules.backoff_max, rules.backoff_base * 2 ** min(steps, 30))
        last = max(at for _i, at in earlier)
        if moment < last + delay:
            seconds = max(1, int(-(-(last + delay - moment).total_seconds() // 1)))
            return (
                "This account has had many failed sign-in attempts, so it takes one at a time. "
                f"Please wait {seconds} second{'s' if seconds != 1 else ''} and try again."
            )
    return None


def _minutes_until(oldest_counted: datetime, window: timedelta, moment: datetime) -> str:
    remaining = as_utc(oldest_counted) + window - moment
    minutes = max(1, int(-(-remaining.total_seconds() // 60)))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
