"""Alert rules that need no figure: a dataset gone stale, a partner return overdue, an action past
its due date, a refresh failed or held for review. Each compares what is stored now with what was
already raised (the event's unique key), so every event is raised once.

Rules about figures (special-cause signals, assurance) build each recipient's figures through the
presented-figure model with their rights: see callbacks/alerts.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from loaders import access, meetings, staleness
from loaders.datasets import DATASETS
from loaders.ledger import as_utc
from loaders.measures import MEASURES
from loaders.models import AlertEvent, Dataset, MeetingAction, RefreshRun, User, utcnow
from loaders.notifications import Message, notify, raise_event

REFRESH_PROBLEMS = ("failed", "held for review")  # loaders.refresh.HELD_FOR_REVIEW
REFRESH_LOOKBACK = timedelta(days=7)  # a fresh install is not told about last year's failures


def active_users(session_factory: sessionmaker, settings) -> Iterator[tuple[User, access.Rights]]:
    """Every active user with their rights as stored now."""
    lcjp = settings.lcjp
    partnership = (lcjp["code"], *lcjp.get("forces", ()))
    with session_factory() as session:
        users = list(session.scalars(sa.select(User).where(User.active.is_(True))))
        rights = {u.id: access.rights_for(session, u.id, partnership) for u in users}
    for user in users:
        if rights[user.id].role in access.ROLES:
            yield user, rights[user.id]


def _tell(session_factory, settings, key, kind, subject, detail, recipients, message) -> int:
    """Raise the event (once) and notify each recipient not yet told; returns how many were."""
    recipients = list(recipients)
    if not recipients:
        return 0
    event_id, _new = raise_event(session_factory, key, kind, subject, detail)
    told = 0
    for user in recipients:
        if notify(session_factory, settings, event_id, user.id, kind, message) is not None:
            told += 1
    return told


def _latest_periods(session_factory) -> dict:
    """Each dataset's newest period on screen (its current vintage's), or None."""
    with session_factory() as session:
        return {
            d.id: d.current_vintage.period_latest if d.current_vintage else None
            for d in session.scalars(sa.select(Dataset))
        }


def stale_datasets(session_factory, settings, today: date) -> int:
    """A dataset whose newest figures describe a period older than its cadence and lag allow."""
    told = 0
    latest = _latest_periods(session_factory)
    users = list(active_users(session_factory, settings))
    for dataset_id, spec in DATASETS.items():
        age = staleness.dataset_age(spec, latest.get(dataset_id), today)
        if age is None or not age.stale:
            continue
        recipients = [u for u, r in users if access.dataset_reach(r, dataset_id) != access.NOTHING]
        message = Message(
            title=f"{spec.title} is stale",
            body=(
                f"The newest figures in {spec.title} ({spec.publisher}) are for a period that "
                f"ended {age.months_old} months ago; {age.reason}. Figures from it are marked "
                "Stale and are never treated as exceptions."
            ),
            link="/data-sources",
        )
        key = f"stale:{dataset_id}:{latest[dataset_id]}"
        told += _tell(session_factory, settings, key, "stale", dataset_id, {}, recipients, message)
    return told


def _feeds(dataset_id: str) -> set[str]:
    return {m.subgroup for m in MEASURES.values() if m.dataset_id == dataset_id}


def overdue_returns(session_factory, settings, today: date, now: datetime | None = None) -> int:
    """A partner return overdue goes to the submitting organisation's users who may submit or see
    it; if still overdue RETURN_ESCALATE_DAYS later, to the chairs of the subgroups it feeds."""
    now = as_utc(now) or utcnow()
    told = 0
    latest = _latest_periods(session_factory)
    users = list(active_users(session_factory, settings))
    for dataset_id, spec in DATASETS.items():
        if not spec.submission or latest.get(dataset_id) is None:
            continue
        age = staleness.dataset_age(spec, latest[dataset_id], today)
        if not age.stale:
            continue
        owners = access.DATASET_OWNERS.get(dataset_id, frozenset())
        reach = {u.id: access.dataset_reach(r, dataset_id) for u, r in users}
        submitters = [
            u for u, r in users if r.organisation_kind in owners and reach[u.id] != access.NOTHING
        ]
        period = latest[dataset_id]
        key = f"return_overdue:{dataset_id}:{period}"
        message = Message(
            title=f"The {spec.title} return is overdue",
            body=(
                f"No {spec.title} return newer than the period ending {period:%d %B %Y} has "
                f"arrived; {age.reason}. Upload it on the Submit partner data page."
            ),
            link="/submit",
        )
        told += _tell(
            session_factory, settings, key, "return_overdue", dataset_id, {}, submitters, message
        )
        with session_factory() as session:
            first = session.scalar(sa.select(AlertEvent.created_at).where(AlertEvent.key == key))
        if first is None or now - as_utc(first) < timedelta(days=settings.return_escalate_days):
            continue
        chairs = [
            u
            for u, r in users
            if r.role == "chair"
            and _feeds(dataset_id) & r.subgroups
            and reach[u.id] != access.NOTHING
        ]
        escalation = Message(
            title=f"The {spec.title} return is still overdue",
            body=(
                f"The {spec.title} return after the period ending {period:%d %B %Y} is still "
                f"missing {settings.return_escalate_days} days after its submitters were told; "
                f"{age.reason}."
            ),
            link="/data-sources",
        )
        told += _tell(
            session_factory,
            settings,
            f"return_escalated:{dataset_id}:{period}",
            "return_overdue",
            dataset_id,
            {},
            chairs,
            escalation,
        )
    return told


def owner_of(action: MeetingAction, users: list[User]) -> User | None:
    """The user an action's owner names: their username or display name (case ignored)."""
    wanted = action.owner.strip().casefold()
    for user in users:
        if wanted in {user.username.casefold(), (user.display_name or "").strip().casefold()}:
            return user
    return None


def overdue_actions(session_factory, settings, today: date) -> int:
    """An open action past its due date, to its owner (named in words the owner may read)."""
    told = 0
    pairs = list(active_users(session_factory, settings))
    users = [u for u, _r in pairs]
    rights = {u.id: r for u, r in pairs}
    with session_factory() as session:
        open_actions = meetings.actions(session, open_only=True)
    for action in open_actions:
        if not meetings.is_overdue(action, today):
            continue
        owner = owner_of(action, users)
        if owner is None:
            continue
        days = (today - action.due_date).days
        sees = access.can_view_measure(rights[owner.id], action.measure_id)
        about = f" on {MEASURES[action.measure_id].title}" if sees else ""
        message = Message(
            title=f"Action overdue: {action.title}",
            body=(
                f"Your action “{action.title}”{about} was due on {action.due_date:%d %B %Y} and is "
                f"{days} day{'s' if days != 1 else ''} overdue. Update its status in the action log."
            ),
            link="/actions",
        )
        key = f"action_overdue:{action.id}:{action.due_date.isoformat()}"
        told += _tell(
            session_factory,
            settings,
            key,
            "action_overdue",
            str(action.id),
            {"measure_id": action.measure_id} if sees else {},
            [owner],
            message,
        )
    return told


def refresh_problems(session_factory, settings, now: datetime | None = None) -> int:
    """A refresh that failed or is held for review, to administrators, once per run."""
    now = as_utc(now) or utcnow()
    admins = [u for u, r in active_users(session_factory, settings) if r.is_admin]
    with session_factory() as session:
        runs = list(
            session.scalars(
                sa.select(RefreshRun).where(
                    RefreshRun.status.in_(REFRESH_PROBLEMS),
                    RefreshRun.started_at >= now - REFRESH_LOOKBACK,
                )
            )
        )
    told = 0
    for run in runs:
        spec = DATASETS.get(run.dataset_id)
        name = spec.title if spec else run.dataset_id
        held = run.status == "held"
        message = Message(
            title=f"Refresh of {name} {'held for review' if held else 'failed'}",
            body=(
                f"The {run.trigger} refresh of {name} started {as_utc(run.started_at):%d %B %Y %H:%M} "
                f"UTC {'is held for review' if held else 'failed'}"
                f"{': ' + run.error if run.error else ''}. The last good data is still shown."
            ),
            link="/admin/refresh",
        )
        told += _tell(
            session_factory,
            settings,
            f"refresh_{run.status}:{run.id}",
            "refresh_problem",
            run.dataset_id,
            {"run_id": run.id},
            admins,
            message,
        )
    return told


def detect_all(session_factory, settings, today: date, now: datetime | None = None) -> int:
    """Every request-free rule; each failing rule is logged and never stops the others."""
    import logging

    log = logging.getLogger(__name__)
    told = 0
    for rule in (
        lambda: stale_datasets(session_factory, settings, today),
        lambda: overdue_returns(session_factory, settings, today, now),
        lambda: overdue_actions(session_factory, settings, today),
        lambda: refresh_problems(session_factory, settings, now),
    ):
        try:
            told += rule()
        except Exception:
            log.exception("an alert rule failed")
    return told
