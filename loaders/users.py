"""Users and sign-in checks; passwords are only ever stored as hashes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders.db import transaction
from loaders.models import User

ROLES = ("admin", "analyst", "viewer")

# One demo user per role, printed at start in demo mode only; named so nobody mistakes them.
DEMO_USERS = (
    ("demo-admin", "admin", "Demo administrator", "OPCC (demo)"),
    ("demo-analyst", "analyst", "Demo OPCC analyst", "OPCC (demo)"),
    ("demo-viewer", "viewer", "Demo partner viewer", "Partner (demo)"),
)


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def create_user(
    session_factory: sessionmaker,
    username: str,
    password: str,
    *,
    role: str = "viewer",
    display_name: str = "",
    organisation: str = "",
) -> User:
    """Create a user with a hashed password; refuses duplicates, unknown roles and weak passwords."""
    username = username.strip().lower()
    if not username:
        raise UserError("a username is required")
    if role not in ROLES:
        raise UserError(f"unknown role '{role}'; choose one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise UserError("the password must be at least 12 characters long")
    with transaction(session_factory) as session:
        if find_user(session, username):
            raise UserError(f"a user called '{username}' already exists")
        user = User(
            username=username, role=role, display_name=display_name, organisation=organisation
        )
        user.set_password(password)
        session.add(user)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (never says which part was wrong)."""
    user = find_user(session, username)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def demo_password(username: str) -> str:
    return f"{username}-password"


def ensure_demo_users(session_factory: sessionmaker) -> list[tuple[str, str, str]]:
    """Create the demo users if missing; returns (username, password, role) to print."""
    created = []
    for username, role, display_name, organisation in DEMO_USERS:
        with session_factory() as session:
            exists = find_user(session, username) is not None
        if not exists:
            create_user(
                session_factory,
                username,
                demo_password(username),
                role=role,
                display_name=display_name,
                organisation=organisation,
            )
        created.append((username, demo_password(username), role))
    return created
