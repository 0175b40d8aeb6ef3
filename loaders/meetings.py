"""Meetings, commentary, the action log and board packs as presented: the record of the boards.

Commentary is kept per measure and period. Saving writes a draft; publishing makes the draft the
text every screen and pack shows. Each save and publication is a new CommentaryVersion, so the
history of what was said, by whom and when, is never overwritten. Packs are frozen on generation
(PackSnapshot) and never updated, so "as presented" survives any later revision of the data.
Rights are checked by the callers (callbacks/), against loaders/access.can_comment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker, undefer

from loaders.db import transaction
from loaders.measures import MEASURES
from loaders.models import (
    Commentary,
    CommentaryVersion,
    Meeting,
    MeetingAction,
    PackJob,
    PackSnapshot,
    as_utc,
    utcnow,
)
from loaders.reports import REPORTS

MAX_COMMENTARY = 4000
ACTION_STATUSES = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
CLOSED_STATUSES = frozenset({"done", "dropped"})


class RecordError(ValueError):
    """Input a meeting record cannot take; the message says what to correct."""


def _day(value: date | str, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise RecordError(f"{what} must be a date (YYYY-MM-DD), not {value!r}.") from None


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise RecordError(f"{what} is empty.")
    if len(text) > limit:
        raise RecordError(f"{what} is {len(text)} characters; the limit is {limit}.")
    return text


def _measure(measure_id: str) -> str:
    if measure_id not in MEASURES:
        raise RecordError(f"Unknown measure {measure_id!r}.")
    return measure_id


# --- Meetings ------------------------------------------------------------------------------------


def create_meeting(
    session_factory: sessionmaker, report_id: str, meeting_date: date | str, title: str, by: str
) -> int:
    if report_id not in REPORTS:
        raise RecordError(f"Unknown board or group {report_id!r}.")
    when = _day(meeting_date, "The meeting date")
    title = (title or "").strip() or f"{REPORTS[report_id].meeting}, {when:%d %B %Y}"
    with transaction(session_factory) as session:
        meeting = Meeting(
            report_id=report_id,
            meeting_date=when,
            title=_text(title, "The title", 200),
            created_by=by,
        )
        session.add(meeting)
        session.flush()
        return meeting.id


def default_agenda(report_id: str, exceptions: Iterable[str] = ()) -> list[str]:
    """The order a meeting follows until its chair saves one: exceptions first, then headline
    measures, then the rest, each in registry order (the order of loaders/measures.MEASURES)."""
    on_report = set(REPORTS[report_id].measure_ids())
    registry = [m for m in MEASURES if m in on_report]
    flagged = set(exceptions)
    first = [m for m in registry if m in flagged]
    headline = [m for m in registry if m not in flagged and MEASURES[m].headline]
    return first + headline + [m for m in registry if m not in first and m not in headline]


def agenda_of(meeting: Meeting, exceptions: Iterable[str] = ()) -> list[str]:
    """The meeting's agenda: as saved (measures since dropped from its report left out), or the
    default order."""
    if meeting.agenda is None:
        return default_agenda(meeting.report_id, exceptions)
    on_report = set(REPORTS[meeting.report_id].measure_ids())
    return [m for m in meeting.agenda if m in on_report]


def save_agenda(
    session_factory: sessionmaker, meeting_id: int, measure_ids: list[str] | None, by: str
) -> list[str] | None:
    """Store a meeting's agenda (None: back to the default order). Only measures of the meeting's
    report, each once; the caller has checked that `by` may change this meeting's agenda."""
    with transaction(session_factory) as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise RecordError(f"No meeting {meeting_id}.")
        ordered = None
        if measure_ids is not None:
            on_report = set(REPORTS[meeting.report_id].measure_ids())
            ordered = [str(m) for m in measure_ids]
            strays = [m for m in ordered if m not in on_report]
            if strays:
                raise RecordError(f"{strays[0]!r} is not a measure of this meeting's report.")
            if len(set(ordered)) != len(ordered):
                raise RecordError("A measure can be on the agenda only once.")
        meeting.agenda, meeting.agenda_by, meeting.agenda_at = ordered, by, utcnow()
        return ordered


def meetings(session: Session, report_ids: Iterable[str] | None = None) -> list[Meeting]:
    """Meetings, newest first; optionally only those of some reports."""
    query = sa.select(Meeting).order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    if report_ids is not None:
        query = query.where(Meeting.report_id.in_(list(report_ids)))
    return list(session.scalars(query))


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The same body's meeting before this one, whose actions this one reviews."""
    return session.scalars(
        sa.select(Meeting)
        .where(Meeting.report_id == meeting.report_id, Meeting.meeting_date < meeting.meeting_date)
        .order_by(Meeting.meeting_date.desc())
        .limit(1)
    ).first()


# --- Commentary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentaryView:
    """What a screen or pack shows for a measure: the published text, and a pending draft."""

    measure_id: str
    period_end: date
    published_text: str | None
    published_by: str | None
    published_at: datetime | None
    draft_text: str | None
    draft_by: str | None
    version: int


def _view(row: Commentary) -> CommentaryView:
    return CommentaryView(
        row.measure_id,
        row.period_end,
        row.published_text,
        row.published_by,
        row.published_at,
        row.draft_text,
        row.draft_by,
        row.version,
    )


def _commentary_row(session: Session, measure_id: str, period_end: date) -> Commentary | None:
    return session.scalars(
        sa.select(Commentary).where(
            Commentary.measure_id == measure_id, Commentary.period_end == period_end
        )
    ).first()


def save_draft(
    session_factory: sessionmaker,
    measure_id: str,
    period_end: date | str,
    text: str,
    by: str,
    organisation: str = "",
) -> CommentaryView:
    """Keep a draft: the published text, if any, stays what readers see until publication."""
    measure_id = _measure(measure_id)
    period = _day(period_end, "The period")
    body = _text(text, "The commentary", MAX_COMMENTARY)
    with transaction(session_factory) as session:
        row = _commentary_row(session, measure_id, period)
        row = _add_version(session, row, measure_id, period, "draft", body, by, organisation)
        row.draft_text, row.draft_by = body, by
        return _view(row)


def publish(
    session_factory: sessionmaker,
    measure_id: str,
    period_end: date | str,
    by: str,
    organisation: str = "",
    text: str | None = None,
) -> CommentaryView:
    """Publish the pending draft (or the text given): it becomes what screens and packs show."""
    measure_id = _measure(measure_id)
    period = _day(period_end, "The period")
    with transaction(session_factory) as session:
        row = _commentary_row(session, measure_id, period)
        body = text if text is not None else (row.draft_text if row else None)
        if body is None:
            raise RecordError("There is no draft to publish for this measure and period.")
        body = _text(body, "The commentary", MAX_COMMENTARY)
        row = _add_version(session, row, measure_id, period, "published", body, by, organisation)
        row.published_text, row.published_by, row.published_at = body, by, row.updated_at
        row.draft_text, row.draft_by = None, None
        return _view(row)


def _add_version(
    session: Session,
    row: Commentary | None,
    measure_id: str,
    period: date,
    status: str,
    body: str,
    by: str,
    organisation: str,
) -> Commentary:
    """Record the next version of a measure's commentary for a period (creating the commentary
    on its first save): every draft and publication is kept, never overwritten."""
    if row is None:
        row = Commentary(measure_id=measure_id, period_end=period, version=0)
        session.add(row)
        session.flush()
    now = utcnow()
    row.version += 1
    row.updated_at = now
    session.add(
        CommentaryVersion(
            commentary_id=row.id,
            version=row.version,
            status=status,
            text=body,
            saved_by=by,
            organisation=organisation or "",
            saved_at=now,
        )
    )
    session.flush()
    return row


def commentary_for(
    session: Session, measure_id: str, period_end: date | str
) -> CommentaryView | None:
    row = _commentary_row(session, measure_id, _day(period_end, "The period"))
    return _view(row) if row else None


def latest_published(
    session: Session, measure_ids: Iterable[str], up_to: date | None = None
) -> dict[str, CommentaryView]:
    """Per measure, the published commentary of its newest period (not after `up_to`)."""
    query = sa.select(Commentary).where(
        Commentary.measure_id.in_(list(measure_ids)), Commentary.published_text.is_not(None)
    )
    if up_to is not None:
        query = query.where(Commentary.period_end <= up_to)
    found: dict[str, CommentaryView] = {}
    for row in session.scalars(query.order_by(Commentary.period_end)):
        found[row.measure_id] = _view(row)
    return found


def history(session: Session, measure_id: str, period_end: date | str) -> list[CommentaryVersion]:
    """Every saved version, newest first."""
    row = _commentary_row(session, measure_id, _day(period_end, "The period"))
    if row is None:
        return []
    return list(
        session.scalars(
            sa.select(CommentaryVersion)
            .where(CommentaryVersion.commentary_id == row.id)
            .order_by(CommentaryVersion.version.desc())
        )
    )


# --- Actions -------------------------------------------------------------------------------------


def raise_action(
    session_factory: sessionmaker,
    *,
    measure_id: str,
    title: str,
    owner: str,
    due_date: date | str,
    by: str,
    meeting_id: int | None = None,
    signal: str = "",
    owner_organisation: str = "",
) -> int:
    measure_id = _measure(measure_id)
    title = _text(title, "The action", 300)
    owner = _text(owner, "The owner", 200)
    due = _day(due_date, "The due date")
    with transaction(session_factory) as session:
        if meeting_id is not None and session.get(Meeting, meeting_id) is None:
            raise RecordError(f"No meeting {meeting_id}.")
        action = MeetingAction(
            meeting_id=meeting_id,
            measure_id=measure_id,
            signal=(signal or "")[:300],
            title=title,
            owner=owner,
            due_date=due,
            status="open",
            raised_by=by,
            owner_organisation=(owner_organisation or "")[:40],
            updated_by=by,
        )
        session.add(action)
        session.flush()
        return action.id


def update_action(
    session_factory: sessionmaker, action_id: int, *, status: str, by: str, note: str = ""
) -> None:
    if status not in ACTION_STATUSES:
        raise RecordError(f"Status must be one of {', '.join(ACTION_STATUSES)}, not {status!r}.")
    with transaction(session_factory) as session:
        action = session.get(MeetingAction, action_id)
        if action is None:
            raise RecordError(f"No action {action_id}.")
        action.status, action.updated_by, action.updated_at = status, by, utcnow()
        if note.strip():
            action.update_note = note.strip()[:2000]


def is_overdue(action: MeetingAction, today: date) -> bool:
    return action.status not in CLOSED_STATUSES and action.due_date < today


def actions(
    session: Session,
    measure_ids: Iterable[str] | None = None,
    *,
    open_only: bool = False,
    meeting_id: int | None = None,
) -> list[MeetingAction]:
    """Actions by due date; overdue ones come first because they are due earliest."""
    query = sa.select(MeetingAction).order_by(MeetingAction.due_date, MeetingAction.id)
    if measure_ids is not None:
        query = query.where(MeetingAction.measure_id.in_(list(measure_ids)))
    if open_only:
        query = query.where(MeetingAction.status.not_in(CLOSED_STATUSES))
    if meeting_id is not None:
        query = query.where(MeetingAction.meeting_id == meeting_id)
    return list(session.scalars(query))


# --- Packs as presented --------------------------------------------------------------------------


def save_snapshot(
    session_factory: sessionmaker,
    *,
    report_id: str,
    meeting_id: int | None,
    period_label: str,
    audience: str,
    measure_ids: list[str],
    content: dict,
    pdf: bytes,
    pptx: bytes,
    xlsx: bytes,
    by: str,
) -> int:
    if report_id not in REPORTS:
        raise RecordError(f"Unknown report {report_id!r}.")
    with transaction(session_factory) as session:
        snapshot = PackSnapshot(
            report_id=report_id,
            meeting_id=meeting_id,
            period_label=period_label[:80],
            audience=audience[:200],
            measure_ids=list(measure_ids),
            content=content,
            reference=str(content.get("reference", ""))[:80],
            small_numbers_hidden=bool(content.get("small_numbers_hidden")),
            pdf=pdf,
            pptx=pptx,
            xlsx=xlsx,
            generated_by=by,
        )
        session.add(snapshot)
        session.flush()
        return snapshot.id


def snapshots(session: Session, report_ids: Iterable[str] | None = None) -> list[PackSnapshot]:
    """Packs as presented, newest first, without their files."""
    query = sa.select(PackSnapshot).order_by(
        PackSnapshot.generated_at.desc(), PackSnapshot.id.desc()
    )
    if report_ids is not None:
        query = query.where(PackSnapshot.report_id.in_(list(report_ids)))
    return list(session.scalars(query))


def snapshot_file(
    session: Session, snapshot_id: int, kind: str
) -> tuple[PackSnapshot, bytes] | None:
    """One stored file of a pack (pdf, pptx or xlsx), exactly as generated."""
    if kind not in {"pdf", "pptx", "xlsx"}:
        return None
    snapshot = session.scalars(
        sa.select(PackSnapshot)
        .options(undefer(getattr(PackSnapshot, kind)))
        .where(PackSnapshot.id == snapshot_id)
    ).first()
    return (snapshot, getattr(snapshot, kind)) if snapshot else None


# --- Pack jobs: generation in the background ------------------------------------------------------

JOB_RUNNING, JOB_DONE, JOB_FAILED = "running", "done", "failed"
# A job still running after this long lost its worker (a restart): it reads as failed.
JOB_LOST_AFTER = timedelta(minutes=15)


def start_job(
    session_factory: sessionmaker, report_id: str, meeting_id: int | None, user_id: int
) -> int:
    with transaction(session_factory) as session:
        job = PackJob(
            report_id=report_id, meeting_id=meeting_id, user_id=user_id, status=JOB_RUNNING
        )
        session.add(job)
        session.flush()
        return job.id


def finish_job(
    session_factory: sessionmaker, job_id: int, *, snapshot_id: int | None, message: str = ""
) -> None:
    """Record how a job ended: a stored snapshot, or (snapshot_id None) the reason it failed."""
    with transaction(session_factory) as session:
        job = session.get(PackJob, job_id)
        job.status = JOB_DONE if snapshot_id is not None else JOB_FAILED
        job.snapshot_id, job.message, job.finished_at = snapshot_id, message[:500], utcnow()


def job_state(session: Session, job_id: int) -> PackJob | None:
    """The job as it stands; one whose worker was lost reads as failed (not stored)."""
    job = session.get(PackJob, job_id)
    running = job is not None and job.status == JOB_RUNNING
    if running and utcnow() - as_utc(job.started_at) > JOB_LOST_AFTER:
        session.expunge(job)
        job.status = JOB_FAILED
        job.message = "It was interrupted (the server restarted); please generate it again."
    return job
