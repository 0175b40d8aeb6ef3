"""Users, their organisation, role and subgroup rights; passwords are only ever stored as hashes.

Every change is written to the audit log with the person who made it (an administrator on the
admin page, or the command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from loaders import sessions, tokens
from loaders.access import ROLE_NAMES, ROLES, SUBGROUP_ROLES
from loaders.audit import audit
from loaders.db import transaction
from loaders.measures import SUBGROUPS
from loaders.models import Organisation, SubgroupGrant, User, utcnow
from loaders.passwords import PasswordRejected, check_password_policy

# One demo user per role, printed at start in demo mode only; named so nobody mistakes them.
# (username, role, display name, organisation code, subgroups)
DEMO_USERS = (
    ("demo-admin", "admin", "Demo administrator", "opcc", ()),
    ("demo-analyst", "analyst", "Demo OPCC analyst", "opcc", ()),
    (
        "demo-chair",
        "chair",
        "Demo E&E chair (HMCTS)",
        "hmcts",
        ("effectiveness-efficiency",),
    ),
    (
        "demo-member",
        "member",
        "Demo E&E member (CPS)",
        "cps",
        ("effectiveness-efficiency",),
    ),
    (
        "demo-force",
        "member",
        "Demo police member (Durham Constabulary)",
        "police-durham",
        # "force" is the Force performance group: the force's own, force-restricted figures.
        ("police-demand", "force"),
    ),
    ("demo-viewer", "viewer", "Demo viewer (victim services)", "victim-services", ()),
)


_TIMING_HASH = generate_password_hash("not a real password; only spends time")


class UserError(ValueError):
    """A user could not be created or changed; the message says why."""


@dataclass(frozen=True)
class UserSummary:
    """One row of the users list (admin page, `flask users list`)."""

    username: str
    display_name: str
    role: str
    organisation_code: str | None
    organisation_name: str
    subgroups: tuple[str, ...]
    active: bool


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def _resolve_organisation(session: Session, organisation: str | None) -> Organisation | None:
    """An organisation by its code (or its exact name); '' means none."""
    text = (organisation or "").strip()
    if not text:
        return None
    found = session.get(Organisation, text.lower()) or session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == text.lower())
    )
    if found is None:
        codes = ", ".join(session.scalars(sa.select(Organisation.code).order_by(Organisation.code)))
        raise UserError(f"unknown organisation '{text}'; choose one of {codes}")
    return found


def _check_subgroups(subgroups: Iterable[str]) -> list[str]:
    chosen = [s.strip() for s in subgroups if s and s.strip()]
    unknown = sorted(set(chosen) - set(SUBGROUPS))
    if unknown:
        raise UserError(
            f"unknown subgroup {', '.join(unknown)}; choose from {', '.join(SUBGROUPS)}"
        )
    return list(dict.fromkeys(chosen))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role '{role}'; choose one of {', '.join(ROLES)}")


def _check_password(password: str, username: str) -> None:
    try:
        check_password_policy(password, username)
    except PasswordRejected as error:
        raise UserError(str(error)) from error


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    return actor if isinstance(actor, str) else getattr(actor, "username", "")


def create_user(
    session_factory: sessionmaker,
    username: str,
    password: str,
    *,
    role: str = "viewer",
    display_name: str = "",
    organisation: str = "",
    subgroups: Iterable[str] = (),
    actor=None,
) -> User:
    """Create a user with a hashed password; refuses duplicates, unknown roles and weak passwords."""
    username = username.strip().lower()
    if not username:
        raise UserError("a username is required")
    if len(username) > 80 or any(c.isspace() for c in username):
        raise UserError("a username has no spaces and at most 80 characters")
    _check_role(role)
    _check_password(password, username)
    chosen = _check_subgroups(subgroups)
    if chosen and role not in SUBGROUP_ROLES:
        raise UserError("only subgroup chairs and members hold subgroup rights")
    with transaction(session_factory) as session:
        if find_user(session, username):
            raise UserError(f"a user called '{username}' already exists")
        org = _resolve_organisation(session, organisation)
        user = User(
            username=username,
            role=role,
            display_name=display_name.strip(),
            organisation=org.name if org else "",
            organisation_code=org.code if org else None,
        )
        user.set_password(password)
        session.add(user)
        session.flush()
        for subgroup in chosen:
            session.add(
                SubgroupGrant(user_id=user.id, subgroup_id=subgroup, granted_by=_actor_name(actor))
            )
    audit(
        "user_created",
        {
            "target": username,
            "role": role,
            "organisation": org.code if org else None,
            "subgroups": chosen,
        },
        user=actor,
        session_factory=session_factory,
    )
    return user


def _require_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise UserError(f"there is no user called '{username.strip().lower()}'")
    return user


def _other_active_admins(session: Session, user: User) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def update_user(
    session_factory: sessionmaker,
    username: str,
    *,
    role: str | None = None,
    organisation: str | None = None,
    display_name: str | None = None,
    actor=None,
) -> User:
    """Change a user's role, organisation or name; the last active administrator stays one."""
    changes: dict = {}
    dropped: list[str] = []
    with transaction(session_factory) as session:
        user = _require_user(session, username)
        if role is not None and role != user.role:
            _check_role(role)
            if user.role == "admin" and user.active and not _other_active_admins(session, user):
                raise UserError("this is the last active administrator; make another one first")
            changes["role"] = [user.role, role]
            user.role = role
            if role not in SUBGROUP_ROLES:
                grants = list(
                    session.scalars(
                        sa.select(SubgroupGrant).where(SubgroupGrant.user_id == user.id)
                    )
                )
                dropped = [g.subgroup_id for g in grants]
                for grant in grants:
                    session.delete(grant)
        if organisation is not None:
            org = _resolve_organisation(session, organisation)
            new_code = org.code if org else None
            if new_code != user.organisation_code:
                changes["organisation"] = [user.organisation_code, new_code]
                user.organisation_code = new_code
                user.organisation = org.name if org else ""
        if display_name is not None and display_name.strip() != user.display_name:
            changes["display_name"] = [user.display_name, display_name.strip()]
            user.display_name = display_name.strip()
    if changes:
        audit(
            "user_changed",
            {"target": user.username, **changes},
            user=actor,
            session_factory=session_factory,
        )
    if dropped:
        audit(
            "rights_revoked",
            {"target": user.username, "subgroups": dropped, "why": "role has no subgroup rights"},
            user=actor,
            session_factory=session_factory,
        )
    return user


def grant_subgroups(
    session_factory: sessionmaker, username: str, subgroups: Iterable[str], *, actor=None
) -> list[str]:
    """Give a chair or member more subgroups; returns the ones newly granted."""
    chosen = _check_subgroups(subgroups)
    if not chosen:
        raise UserError("name at least one subgroup")
    with transaction(session_factory) as session:
        user = _require_user(session, username)
        if user.role not in SUBGROUP_ROLES:
            raise UserError(
                f"'{user.username}' is a {ROLE_NAMES[user.role].lower()}; only subgroup chairs "
                "and members hold subgroup rights (change the role first)"
            )
        held = set(
            session.scalars(
                sa.select(SubgroupGrant.subgroup_id).where(SubgroupGrant.user_id == user.id)
            )
        )
        added = [s for s in chosen if s not in held]
        for subgroup in added:
            session.add(
                SubgroupGrant(
                    user_id=user.id,
                    subgroup_id=subgroup,
                    granted_at=utcnow(),
                    granted_by=_actor_name(actor),
                )
            )
    if added:
        audit(
            "rights_granted",
            {"target": user.username, "subgroups": added},
            user=actor,
            session_factory=session_factory,
        )
    return added


def revoke_subgroups(
    session_factory: sessionmaker, username: str, subgroups: Iterable[str], *, actor=None
) -> list[str]:
    """Take subgroups away; returns the ones actually removed."""
    chosen = _check_subgroups(subgroups)
    with transaction(session_factory) as session:
        user = _require_user(session, username)
        grants = list(
            session.scalars(
                sa.select(SubgroupGrant).where(
                    SubgroupGrant.user_id == user.id, SubgroupGrant.subgroup_id.in_(chosen)
                )
            )
        )
        removed = [g.subgroup_id for g in grants]
        for grant in grants:
            session.delete(grant)
    if removed:
        audit(
            "rights_revoked",
            {"target": user.username, "subgroups": removed},
            user=actor,
            session_factory=session_factory,
        )
    return removed


def set_subgroups(
    session_factory: sessionmaker, username: str, subgroups: Iterable[str], *, actor=None
) -> tuple[list[str], list[str]]:
    """Make a chair's or member's subgroups exactly these (the admin page's checklist)."""
    chosen = _check_subgroups(subgroups)
    with session_factory() as session:
        user = _require_user(session, username)
        held = set(
            session.scalars(
                sa.select(SubgroupGrant.subgroup_id).where(SubgroupGrant.user_id == user.id)
            )
        )
    to_add = [s for s in chosen if s not in held]
    to_remove = sorted(held - set(chosen))
    added = grant_subgroups(session_factory, username, to_add, actor=actor) if to_add else []
    removed = (
        revoke_subgroups(session_factory, username, to_remove, actor=actor) if to_remove else []
    )
    return added, removed


def set_active(session_factory: sessionmaker, username: str, active: bool, *, actor=None) -> User:
    """Disable (ending every session and revoking every API token at once) or re-enable a user."""
    with transaction(session_factory) as session:
        user = _require_user(session, username)
        if user.active == active:
            return user
        if not active and user.role == "admin" and not _other_active_admins(session, user):
            raise UserError("this is the last active administrator; it cannot be disabled")
        user.active = active
    ended = 0 if active else sessions.end_user_sessions(session_factory, user.id, "disabled")
    # Re-enabling an account must not bring back tokens it held before: revoke them now.
    revoked = 0 if active else tokens.revoke_user_tokens(session_factory, user.id)
    audit(
        "user_enabled" if active else "user_disabled",
        {
            "target": user.username,
            **({} if active else {"sessions_ended": ended, "api_tokens_revoked": revoked}),
        },
        user=actor,
        session_factory=session_factory,
    )
    return user


def reset_password(
    session_factory: sessionmaker, username: str, password: str, *, actor=None
) -> User:
    """Set a new password and end the user's sessions, so an old cookie is useless."""
    with transaction(session_factory) as session:
        user = _require_user(session, username)
        _check_password(password, user.username)
        user.set_password(password)
    ended = sessions.end_user_sessions(session_factory, user.id, "password reset")
    audit(
        "password_reset",
        {"target": user.username, "sessions_ended": ended},
        user=actor,
        session_factory=session_factory,
    )
    return user


def list_users(session: Session) -> list[UserSummary]:
    organisations = {o.code: o.name for o in session.scalars(sa.select(Organisation))}
    grants: dict[int, list[str]] = {}
    for user_id, subgroup in session.execute(
        sa.select(SubgroupGrant.user_id, SubgroupGrant.subgroup_id).order_by(
            SubgroupGrant.subgroup_id
        )
    ):
        grants.setdefault(user_id, []).append(subgroup)
    return [
        UserSummary(
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            organisation_code=u.organisation_code,
            organisation_name=organisations.get(u.organisation_code or "", u.organisation or ""),
            subgroups=tuple(grants.get(u.id, [])),
            active=u.active,
        )
        for u in session.scalars(sa.select(User).order_by(User.username))
    ]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (never says which part was wrong)."""
    user = find_user(session, username)
    if user is None:
        # Spend the same time as a real check, so response times do not reveal who has an account.
        check_password_hash(_TIMING_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def demo_password(username: str) -> str:
    return f"{username}-password"


def ensure_demo_users(session_factory: sessionmaker) -> list[tuple[str, str, str]]:
    """Create the demo users if missing; returns (username, password, role) to print.

    A demo user's organisation that this partnership does not have (another LCJP's force) is
    replaced by the partnership's first force, so every configuration has a force user.
    """
    created = []
    with session_factory() as session:
        codes = set(session.scalars(sa.select(Organisation.code)))
        first_force = session.scalar(
            sa.select(Organisation.code)
            .where(Organisation.kind == "police")
            .order_by(Organisation.code)
        )
    for username, role, display_name, organisation, subgroups in DEMO_USERS:
        if organisation not in codes and organisation.startswith("police-"):
            organisation = first_force or ""
        with session_factory() as session:
            exists = find_user(session, username) is not None
        if not exists:
            create_user(
                session_factory,
                username,
                demo_password(username),
                role=role,
                display_name=display_name,
                organisation=organisation if organisation in codes else "",
                subgroups=subgroups,
                actor="(demo mode)",
            )
        elif subgroups and role in SUBGROUP_ROLES:
            # A demo database from an earlier version gets the rights the README now promises.
            with session_factory() as session:
                current = session.scalar(sa.select(User.role).where(User.username == username))
            if current in SUBGROUP_ROLES:
                grant_subgroups(session_factory, username, subgroups, actor="(demo mode)")
        created.append((username, demo_password(username), role))
    return created


def demo_user_rows() -> list[tuple[str, str, str, str]]:
    """(username, password, role name, what they see) for the login page's demo table."""
    rows = []
    for username, role, display_name, _organisation, subgroups in DEMO_USERS:
        scope = ", ".join(SUBGROUPS[s].name for s in subgroups if s in SUBGROUPS)
        rows.append(
            (
                username,
                demo_password(username),
                ROLE_NAMES[role],
                display_name + (f": {scope}" if scope else ""),
            )
        )
    return rows
