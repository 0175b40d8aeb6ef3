"""Personal API tokens: made for one user, shown once, stored only as a SHA-256, revocable.

A token acts as its user with exactly their rights (callbacks/api.py checks the same permissions
as the pages). It stops working when revoked or when its user is disabled (disabling also revokes
every token, so re-enabling an account does not bring old tokens back). Making, revoking and
refusing a token are audited here; each use is audited by the API with the path it asked for.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.audit import audit
from loaders.db import transaction
from loaders.models import ApiToken, User, utcnow

PREFIX = "lcjp_"
MAX_NAME = 80
# A header longer than this is not one of ours; refuse it before hashing.
MAX_TOKEN_LENGTH = 200


class TokenError(ValueError):
    """A token could not be made or revoked; the message says why."""


@dataclass(frozen=True)
class TokenSummary:
    """One row of `flask users token USERNAME --list`: never the token itself."""

    id: int
    name: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise TokenError(f"there is no user called '{username.strip().lower()}'")
    return user


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    return actor if isinstance(actor, str) else getattr(actor, "username", "")


def create_token(
    session_factory: sessionmaker, username: str, name: str = "", *, actor=None
) -> tuple[int, str]:
    """Make a token for an active user; returns (its id, the token), the only time it is shown."""
    name = " ".join((name or "").split())[:MAX_NAME]
    token = PREFIX + secrets.token_urlsafe(32)
    with transaction(session_factory) as session:
        user = _user(session, username)
        if not user.active:
            raise TokenError(f"'{user.username}' is disabled; enable the account first")
        row = ApiToken(
            user_id=user.id,
            name=name,
            token_hash=digest(token),
            created_at=utcnow(),
            created_by=_actor_name(actor)[:80],
        )
        session.add(row)
        session.flush()
        token_id, target = row.id, user.username
    audit(
        "api_token_created",
        {"target": target, "token_id": token_id, "name": name},
        user=actor,
        session_factory=session_factory,
    )
    return token_id, token


def list_tokens(session: Session, username: str) -> list[TokenSummary]:
    user = _user(session, username)
    rows = session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    )
    return [
        TokenSummary(
            id=r.id,
            name=r.name,
            created_at=r.created_at,
            created_by=r.created_by,
            last_used_at=r.last_used_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]


def revoke_token(session_factory: sessionmaker, username: str, token_id: int, *, actor=None) -> str:
    """Revoke one of a user's tokens (by the id `--list` shows); returns its name."""
    with transaction(session_factory) as session:
        user = _user(session, username)
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != user.id:
            raise TokenError(f"'{user.username}' has no token {token_id}")
        if row.revoked_at is not None:
            raise TokenError(f"token {token_id} of '{user.username}' is already revoked")
        row.revoked_at = utcnow()
        name, target = row.name, user.username
    audit(
        "api_token_revoked",
        {"target": target, "token_id": token_id, "name": name},
        user=actor,
        session_factory=session_factory,
    )
    return name


def revoke_user_tokens(session_factory: sessionmaker, user_id: int) -> int:
    """Revoke every live token of a user (when the account is disabled); returns how many."""
    with transaction(session_factory) as session:
        result = session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        return result.rowcount or 0


def user_for_token(session_factory: sessionmaker, token: str) -> tuple[User, int] | None:
    """The active user a live token belongs to, and the token's id; records when it was used.
    None for an unknown, revoked or malformed token, or a disabled user."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(PREFIX):
        return None
    hashed = digest(token)
    with transaction(session_factory) as session:
        row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hashed))
        if row is None or row.revoked_at is not None:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        row.last_used_at = utcnow()
        session.flush()
        session.expunge(user)
        return user, row.id
