"""Typed tables of the cache: areas, datasets and their vintages, measures, observations, runs, users."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from loaders.db import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def as_utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite hands back naive datetimes, PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Timezone-aware now; stored in UTC and shown in Europe/London."""
    return datetime.now(UTC)


class Area(Base):
    """A place a figure is about: E&W, a police force area, an HMCTS region, a court, an LCJP."""

    __tablename__ = "area"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    area_type: Mapped[str] = mapped_column(sa.String(40), index=True)
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("area.code"))
    # The police force area a court or other unit serves, where known.
    force_code: Mapped[str | None] = mapped_column(sa.ForeignKey("area.code"))


class AreaMember(Base):
    """Membership of a named group of areas: the LCJP's forces, a comparator group."""

    __tablename__ = "area_member"

    group_code: Mapped[str] = mapped_column(sa.ForeignKey("area.code"), primary_key=True)
    member_code: Mapped[str] = mapped_column(sa.ForeignKey("area.code"), primary_key=True)


class Dataset(Base):
    """A source the refresh loads as a whole; each successful load is a vintage."""

    __tablename__ = "dataset"

    id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    publisher: Mapped[str] = mapped_column(sa.String(200))
    publication_url: Mapped[str] = mapped_column(sa.String(500), default="")
    cadence: Mapped[str] = mapped_column(sa.String(40))
    classification: Mapped[str] = mapped_column(sa.String(40), default="public")
    current_vintage_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("vintage.id", use_alter=True, name="fk_dataset_current_vintage")
    )

    current_vintage: Mapped[Vintage | None] = relationship(foreign_keys=[current_vintage_id])


class Vintage(Base):
    """One loaded version of a dataset, kept so revisions stay visible and traceable."""

    __tablename__ = "vintage"
    __table_args__ = (sa.Index("ix_vintage_review_status", "dataset_id", "review_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"), index=True)
    loaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    source_location: Mapped[str] = mapped_column(sa.String(1000))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    row_count: Mapped[int] = mapped_column(default=0)
    period_latest: Mapped[date | None] = mapped_column(sa.Date)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # accepted (became current), held (waits for an administrator: see `review`), rejected,
    # or history (an older release than the current one, kept but never current).
    review_status: Mapped[str] = mapped_column(sa.String(20), default="accepted")
    # The publication it came from: the release date a loader states, else its latest period.
    release_date: Mapped[date | None] = mapped_column(sa.Date)
    review: Mapped[list | None] = mapped_column(sa.JSON)  # why it was held, in plain words
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Measure(Base):
    """A registered measure; the registry in loaders/measures.py is the source of truth."""

    __tablename__ = "measure"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    subgroup: Mapped[str] = mapped_column(sa.String(40), index=True)
    unit: Mapped[str] = mapped_column(sa.String(40))
    polarity: Mapped[str] = mapped_column(sa.String(20))
    definition: Mapped[str] = mapped_column(sa.Text)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"))


class Observation(Base):
    """One figure: a measure for an area and period, in one breakdown, from one vintage."""

    __tablename__ = "observation"
    __table_args__ = (
        sa.UniqueConstraint(
            "vintage_id",
            "measure_id",
            "area_code",
            "period_start",
            "period_type",
            "breakdown_key",
            name="uq_observation_key",
        ),
        sa.Index("ix_observation_lookup", "measure_id", "area_code", "period_end"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    vintage_id: Mapped[int] = mapped_column(sa.ForeignKey("vintage.id"), index=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"))
    measure_id: Mapped[str] = mapped_column(sa.ForeignKey("measure.id"))
    area_code: Mapped[str] = mapped_column(sa.ForeignKey("area.code"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    period_type: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[float] = mapped_column(sa.Float)
    numerator: Mapped[float | None] = mapped_column(sa.Float)
    denominator: Mapped[float | None] = mapped_column(sa.Float)
    # Dimensions such as court, crime type or outcome; '' key means the total.
    breakdown: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    breakdown_key: Mapped[str] = mapped_column(sa.String(400), default="")


class RefreshRun(Base):
    """The ledger of every attempt to load a dataset, successful or not."""

    __tablename__ = "refresh_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(40), default="running")
    rows: Mapped[int] = mapped_column(default=0)
    vintage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vintage.id"))
    trigger: Mapped[str] = mapped_column(sa.String(20), default="manual")
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The loader's notes: [{"level": "warning" | "info", "text": ...}]; a warning makes the run
    # "success with warnings".
    notes: Mapped[list] = mapped_column(sa.JSON, default=list)


class User(UserMixin, Base):
    """A person who signs in; only a password hash is stored."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    organisation: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[str] = mapped_column(sa.String(40), default="viewer")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The organisation whose data rights the user carries (see loaders/access.py).
    organisation_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("organisation.code", name="fk_app_user_organisation")
    )
    # Where alerts are emailed (set by an administrator: `flask --app app alerts email`).
    email: Mapped[str | None] = mapped_column(sa.String(254))

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class TimelineEvent(Base):
    """An event or series break an administrator added; built-in ones live in loaders/events.py."""

    __tablename__ = "timeline_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))  # event (a period) or series_break (a date)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)  # last day of the event, inclusive
    all_measures: Mapped[bool] = mapped_column(default=False)
    measures: Mapped[list] = mapped_column(sa.JSON, default=list)
    subgroups: Mapped[list] = mapped_column(sa.JSON, default=list)
    datasets: Mapped[list] = mapped_column(sa.JSON, default=list)
    exclude_from_baseline: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class AreaBoundary(Base):
    """An area's outline for maps, kept per vintage so a failed refresh keeps the last good one."""

    __tablename__ = "area_boundary"

    vintage_id: Mapped[int] = mapped_column(sa.ForeignKey("vintage.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(sa.ForeignKey("area.code"), primary_key=True)
    # The area's name as the boundary file spells it, and its GeoJSON geometry as JSON text.
    name: Mapped[str] = mapped_column(sa.String(120))
    geometry: Mapped[str] = mapped_column(sa.Text)


class Submission(Base):
    """A partner file accepted through the upload page: who sent it, what it was, what it made.

    The file itself is kept byte for byte in the dataset's drop folder under `stored_name`, so
    each vintage can be traced to the file that produced it.
    """

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"), index=True)
    vintage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vintage.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(sa.String(80))
    original_name: Mapped[str] = mapped_column(sa.String(300))
    stored_name: Mapped[str] = mapped_column(sa.String(300))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    rows: Mapped[int] = mapped_column(default=0)
    figures: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class RefreshJob(Base):
    """A claim on one dataset's refresh for one due time, so each due time runs exactly once.

    Two scheduler processes (or app workers) that wake for the same due time both try to insert
    the same (dataset, due time) row; the unique constraint lets exactly one of them win.
    """

    __tablename__ = "refresh_job"
    __table_args__ = (sa.UniqueConstraint("dataset_id", "due_at", name="uq_refresh_job_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(sa.String(40))
    claimed_by: Mapped[str] = mapped_column(sa.String(200))  # host:pid
    requested_by: Mapped[str | None] = mapped_column(sa.String(80))  # the admin who clicked
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # started, fetching, loading, storing, finished, abandoned: shown while a refresh runs.
    stage: Mapped[str] = mapped_column(sa.String(40), default="started")
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refresh_run.id"))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class RefreshRequest(Base):
    """An administrator's "Refresh now", queued for the scheduler process to run.

    The web process only inserts this row; a scheduler claims it with one conditional UPDATE
    (status 'queued' → 'running'), so two schedulers on two hosts never run one request twice.
    """

    __tablename__ = "refresh_request"
    __table_args__ = (sa.Index("ix_refresh_request_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_ids: Mapped[list] = mapped_column(sa.JSON)
    requested_by: Mapped[str] = mapped_column(sa.String(80))
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    force: Mapped[bool] = mapped_column(default=False)
    # queued, running, done, failed
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))  # host:pid of the scheduler
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(sa.Text)


class SchedulerHeartbeat(Base):
    """When each scheduler process was last alive, so the admin page can say none is running."""

    __tablename__ = "scheduler_heartbeat"

    worker: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SourceFingerprint(Base):
    """A source folder's content hash with each file's size, modification time and hash.

    A refresh recognises an unchanged folder from a stat of each file instead of reading every
    byte again (loaders.fingerprints). Keyed by folder, not dataset: police_uk_street and
    police_uk_outcomes read the same folder and share one fingerprint.
    """

    __tablename__ = "source_fingerprint"

    folder: Mapped[str] = mapped_column(sa.String(1000), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # relative path -> [size in bytes, modification time in nanoseconds, the file's SHA-256]
    # (rows stored before 0020 hold [size, mtime] and content_hash in the old formula)
    files: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The old formula's hash (before 0020) of the same bytes, kept while no file changes, so a
    # vintage loaded before per-file hashes is still recognised instead of being loaded again.
    legacy_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SourceState(Base):
    """What a remote source last served for the current vintage: ETag, Last-Modified, file hashes.

    Sent back as If-None-Match / If-Modified-Since so an unchanged source answers 304 and is
    skipped without downloading it again.
    """

    __tablename__ = "source_state"

    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("dataset.id"), primary_key=True)
    location: Mapped[str] = mapped_column(sa.String(1000))
    # file URL -> {"etag": ..., "last_modified": ..., "sha256": ...}
    validators: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Organisation(Base):
    """A partner body users belong to: the OPCC, a police force (with its area), CPS, HMCTS, ..."""

    __tablename__ = "organisation"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # A force's own police force area: force-restricted figures for it reach this organisation.
    force_area_code: Mapped[str | None] = mapped_column(sa.ForeignKey("area.code"))


class SubgroupGrant(Base):
    """A subgroup a chair or member may open; a user may hold several."""

    __tablename__ = "subgroup_grant"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    subgroup_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str] = mapped_column(sa.String(80), default="")


class UserSession(Base):
    """A signed-in session held on the server, so sign-out and disabling end it everywhere.

    The browser's cookie carries a random token; only its SHA-256 is stored here.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))


class ApiToken(Base):
    """A personal token for the figures API: it acts as its user, with exactly their rights.

    The token itself is shown once when made; only its SHA-256 is stored, so a copy of the
    database cannot be used to call the API."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(80), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class LoginAttempt(Base):
    """Every sign-in attempt, so throttling holds across workers and restarts."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)


class AuditEvent(Base):
    """Who did what, when (UTC) and from where; the user is kept by name so the log outlives them."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    event: Mapped[str] = mapped_column(sa.String(40), index=True)
    user_id: Mapped[int | None] = mapped_column()
    username: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[str] = mapped_column(sa.Text, default="")


class DataSharingEntry(Base):
    """The data-sharing register: under which agreement a dataset is held, who it is shared with
    and whether it may be published. It drives who sees force-restricted figures."""

    __tablename__ = "data_sharing_entry"

    dataset_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(200), default="")
    agreement_type: Mapped[str] = mapped_column(sa.String(20), default="")  # MoU, DSA or public
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    review_date: Mapped[date | None] = mapped_column(sa.Date)
    classification: Mapped[str] = mapped_column(sa.String(40))
    shared_with: Mapped[str] = mapped_column(
        sa.Text, default=""
    )  # organisation codes, comma-separated
    may_publish: Mapped[bool] = mapped_column(default=False)


class Meeting(Base):
    """A board or group meeting: which report's agenda it follows, and when it sits."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    meeting_date: Mapped[date] = mapped_column(sa.Date, index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The chair's agenda: measure ids in screen order. None until someone saves one, when the
    # default order applies (exceptions, then headline measures, then the rest).
    agenda: Mapped[list | None] = mapped_column(sa.JSON, default=None)
    agenda_by: Mapped[str | None] = mapped_column(sa.String(80))
    agenda_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Commentary(Base):
    """A partner's context for one measure and period. The text as drafted and as last published
    are kept on this row for quick reading; every save is also kept in CommentaryVersion."""

    __tablename__ = "commentary"
    __table_args__ = (sa.UniqueConstraint("measure_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    period_end: Mapped[date] = mapped_column(sa.Date)
    draft_text: Mapped[str | None] = mapped_column(sa.Text)  # unpublished changes, if any
    draft_by: Mapped[str | None] = mapped_column(sa.String(80))
    published_text: Mapped[str | None] = mapped_column(sa.Text)
    published_by: Mapped[str | None] = mapped_column(sa.String(80))
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=0)  # the newest CommentaryVersion number
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class CommentaryVersion(Base):
    """Every saved draft and every publication of a commentary, never changed afterwards."""

    __tablename__ = "commentary_version"
    __table_args__ = (sa.UniqueConstraint("commentary_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    commentary_id: Mapped[int] = mapped_column(
        sa.ForeignKey("commentary.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20))  # draft or published
    text: Mapped[str] = mapped_column(sa.Text)
    saved_by: Mapped[str] = mapped_column(sa.String(80))
    organisation: Mapped[str] = mapped_column(sa.String(40), default="")
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class MeetingAction(Base):
    """An action raised in a meeting against a measure (and the signal that prompted it)."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    measure_id: Mapped[str] = mapped_column(sa.String(80), index=True)
    signal: Mapped[str] = mapped_column(sa.String(300), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    owner: Mapped[str] = mapped_column(sa.String(200))
    due_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="open")
    update_note: Mapped[str] = mapped_column(sa.Text, default="")
    raised_by: Mapped[str] = mapped_column(sa.String(80), default="")
    # The organisation asked to act, if one was named: its members may update the action
    # (loaders/access.can_update_action).
    owner_organisation: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    raised_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class PackSnapshot(Base):
    """A board pack as presented: its figures, commentary and vintages frozen with the files, so
    the meeting's record survives later revisions of the data. Rows are never updated."""

    __tablename__ = "pack_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(sa.String(40), index=True)
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    period_label: Mapped[str] = mapped_column(sa.String(80))
    audience: Mapped[str] = mapped_column(sa.String(200))
    measure_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The record of figures as presented; lists read the two columns below instead.
    content: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    reference: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    small_numbers_hidden: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    pptx: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    xlsx: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    generated_by: Mapped[str] = mapped_column(sa.String(80), default="")
    generated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class PackJob(Base):
    """A board pack being generated in the background: who asked, and how it ended (the stored
    snapshot, or why not). The page that started it polls this row, from whichever worker."""

    __tablename__ = "pack_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(sa.String(40))
    meeting_id: Mapped[int | None] = mapped_column()
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))  # running, done or failed
    snapshot_id: Mapped[int | None] = mapped_column()
    message: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AlertEvent(Base):
    """Something that happened and may notify people: raised once, by its unique key (event kind,
    subject, period or vintage), however many processes notice it. The insert is the claim."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class AlertState(Base):
    """The last state an alert rule saw (an assurance icon, say), so a flip is noticed once."""

    __tablename__ = "alert_state"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class AlertPreference(Base):
    """How one user wants one kind of event: immediately, daily, weekly or never."""

    __tablename__ = "alert_preference"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    frequency: Mapped[str] = mapped_column(sa.String(20))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Notification(Base):
    """An event as one user is told about it, in words built with that user's rights."""

    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("user_id", "event_id", name="uq_notification_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("alert_event.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Delivery(Base):
    """One notification sent on one channel: once per user, event and channel (the unique key),
    claimed by one sender at a time, retried with back-off and recorded."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "event_id", "channel", name="uq_delivery_once"),
        sa.Index("ix_delivery_due", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("alert_event.id", ondelete="CASCADE"))
    notification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(sa.String(20), default="email")
    frequency: Mapped[str] = mapped_column(sa.String(20))  # immediate, daily or weekly
    # pending, sending (claimed), sent, failed (gave up)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class FigureEntry(Base):
    """One figure worked out once for a data vintage and shared by every worker and host when
    there is no Redis (loaders/figure_store.py): a signed pickle, and who built it."""

    __tablename__ = "figure_store"

    vintage: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    built_by: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
