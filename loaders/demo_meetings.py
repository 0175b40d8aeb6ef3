"""Demo mode's meetings: one per board or group, so meeting mode and packs work on first start.

Only in demo mode (app.py), under the start-up lock, and idempotent: a report that already has a
demo meeting gets no second one, and commentary is added only where none is published for the
measure's latest period. The meeting sits a week ahead with a saved agenda; each report gets a
few actions, some overdue; a few measures get published commentary, marked as demo text.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from loaders import meetings
from loaders.measures import MEASURES
from loaders.models import Commentary, Dataset, Meeting, Observation
from loaders.reports import REPORTS

DEMO_BY = "(demo mode)"
COMMENTED_PER_REPORT = 2
# (what, owner, days from today to the due date, status): negative days are overdue.
ACTIONS = (
    ("Explain the latest movement to the next meeting", "Performance lead", -21, "open"),
    ("Check the figure against the partner's own records", "Data officer", -5, "in_progress"),
    ("Report back on the improvement plan", "Subgroup chair", 28, "open"),
)


def _latest_period(session, measure_id: str) -> date | None:
    """The newest period the cache holds for a measure (current vintages only)."""
    return session.scalar(
        sa.select(sa.func.max(Observation.period_end))
        .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
        .where(Observation.measure_id == measure_id)
    )


def _commentary_text(measure_id: str) -> str:
    title = MEASURES[measure_id].title
    return (
        f"Demo commentary (generated, not a partner's words): partners looked at {title.lower()} "
        "for this period. The owning agency will bring its explanation of the latest figure "
        "and what it is doing about it to the next meeting."
    )


def seed_demo_meetings(session_factory: sessionmaker, today: date) -> list[int]:
    """Add what is missing; returns the ids of meetings created now (none on a second run)."""
    created = []
    with session_factory() as session:
        seeded = set(
            session.scalars(sa.select(Meeting.report_id).where(Meeting.created_by == DEMO_BY))
        )
    for report in REPORTS.values():
        if report.id in seeded:
            continue
        meeting_id = meetings.create_meeting(
            session_factory, report.id, today + timedelta(days=7), "", DEMO_BY
        )
        agenda = meetings.default_agenda(report.id)
        meetings.save_agenda(session_factory, meeting_id, agenda, DEMO_BY)
        for number, (title, owner, days, status) in enumerate(ACTIONS):
            measure_id = agenda[number % len(agenda)]
            action_id = meetings.raise_action(
                session_factory,
                measure_id=measure_id,
                title=f"{title}: {MEASURES[measure_id].title}",
                owner=owner,
                due_date=today + timedelta(days=days),
                by=DEMO_BY,
            )
            if status != "open":
                meetings.update_action(session_factory, action_id, status=status, by=DEMO_BY)
        created.append(meeting_id)
    _seed_commentary(session_factory)
    return created


def _seed_commentary(session_factory: sessionmaker) -> None:
    """Published commentary on the first measures with figures of each demo meeting's agenda,
    for their latest period, unless some is already published for it."""
    with session_factory() as session:
        demo = list(session.scalars(sa.select(Meeting).where(Meeting.created_by == DEMO_BY)))
        wanted: dict[str, date] = {}
        for meeting in demo:
            chosen = 0
            for measure_id in meetings.agenda_of(meeting):
                period = _latest_period(session, measure_id)
                if period is None:
                    continue
                wanted[measure_id] = period
                chosen += 1
                if chosen == COMMENTED_PER_REPORT:
                    break
        published = {
            (row.measure_id, row.period_end)
            for row in session.scalars(
                sa.select(Commentary).where(Commentary.published_text.is_not(None))
            )
        }
    for measure_id, period in wanted.items():
        if (measure_id, period) not in published:
            meetings.publish(
                session_factory, measure_id, period, DEMO_BY, "opcc", _commentary_text(measure_id)
            )
