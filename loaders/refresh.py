"""Run each loader, validate its output and swap in a new vintage atomically, dataset by dataset."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loaders import demo, fingerprints
from loaders.areas import AreaSpec, reference_areas
from loaders.datasets import DATASETS, DatasetSpec
from loaders.db import transaction
from loaders.errors import ValidationFailed
from loaders.fetch import FetchedSource, HttpPolicy, fetch_source, is_url
from loaders.frames import Boundary, LoadResult, breakdown_texts, validate_observations
from loaders.measures import MEASURES, REFERENCE_MEASURES, measures_for_dataset
from loaders.models import (
    Area,
    AreaBoundary,
    AreaMember,
    Dataset,
    Measure,
    RefreshRun,
    SourceFingerprint,
    SourceState,
    Vintage,
    utcnow,
)
from loaders.release_checks import (
    ACCEPTED,
    HELD,
    HISTORY,
    SUPERSEDED,
    ReleaseCheck,
    compare_with_current,
    hold_text,
)
from loaders.submissions import demo_returns, drop_folder

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
INSERT_BATCH = 20_000

SUCCESS = "success"
WARNINGS = "success with warnings"  # a new current vintage, and notes someone should read
HELD_FOR_REVIEW = "held for review"  # stored, not current: an administrator decides
KEPT_AS_HISTORY = "kept as history"  # an older release than the current one: never current
UNCHANGED = "unchanged"
FAILED = "failed"
LOADED = (SUCCESS, WARNINGS)  # a new vintage became current


@dataclass(frozen=True)
class RefreshOutcome:
    """What one dataset's refresh did, for the CLI, the ledger and tests."""

    # success, success with warnings, held for review, kept as history, unchanged, failed,
    # empty (a partner dataset nobody has submitted yet)
    dataset_id: str
    status: str
    rows: int = 0
    error: str | None = None
    seconds: float = 0.0
    run_id: int | None = None  # its row in the refresh ledger
    notes: tuple[dict, ...] = ()  # {"level": "warning" | "info", "text": ...}
    vintage_id: int | None = None
    had_data: bool = False  # whether a good vintage was current before (a failure keeps it)

    @property
    def warnings(self) -> list[str]:
        return [n["text"] for n in self.notes if n["level"] == "warning"]


def note_lines(notes, indent: str = "  ") -> list[str]:
    """Notes as printed by the CLI and the scheduler, one line each, in the order stored."""
    return [
        f"{indent}{'WARNING' if n['level'] == 'warning' else 'note'}: {n['text']}" for n in notes
    ]


def london_today(timezone: str = "Europe/London") -> date:
    """Today's date where the partnership is, so 'future period' checks match the calendar."""
    return datetime.now(ZoneInfo(timezone)).date()


def sync_registry(session_factory: sessionmaker, lcjp: dict) -> None:
    """Write reference areas, the configured LCJP, datasets and measures from the code registries."""
    with transaction(session_factory) as session:
        _upsert_areas(session, reference_areas(lcjp))
        session.flush()
        wanted = {(lcjp["code"], code) for code in lcjp["forces"]}
        existing = {
            (m.group_code, m.member_code)
            for m in session.scalars(
                sa.select(AreaMember).where(AreaMember.group_code == lcjp["code"])
            )
        }
        for group_code, member_code in wanted - existing:
            session.add(AreaMember(group_code=group_code, member_code=member_code))
        for group_code, member_code in existing - wanted:
            session.execute(
                sa.delete(AreaMember).where(
                    AreaMember.group_code == group_code, AreaMember.member_code == member_code
                )
            )
        for spec in DATASETS.values():
            row = session.get(Dataset, spec.id) or Dataset(id=spec.id)
            row.title, row.publisher = spec.title, spec.publisher
            row.publication_url, row.cadence = spec.publication_url, spec.cadence
            row.classification = spec.classification
            session.add(row)
        session.flush()
        for spec in (*MEASURES.values(), *REFERENCE_MEASURES.values()):
            row = session.get(Measure, spec.id) or Measure(id=spec.id)
            row.title, row.subgroup, row.unit = spec.title, spec.subgroup, spec.unit
            row.polarity, row.definition = spec.polarity, spec.definition
            row.dataset_id = spec.dataset_id
            session.add(row)


def _upsert_areas(session: Session, areas: Iterable[AreaSpec]) -> None:
    """Insert new areas and keep names and parents current; parents first so keys resolve."""
    ordered = sorted(areas, key=lambda a: a.parent_code is not None)
    for spec in ordered:
        row = session.get(Area, spec.code) or Area(code=spec.code)
        row.name, row.area_type = spec.name, spec.area_type
        row.parent_code, row.force_code = spec.parent_code, spec.force_code
        session.add(row)
        session.flush()


def source_dir_for(
    spec: DatasetSpec,
    public_data_dir: Path | None,
    demo_dir: Path,
    submissions_dir: Path | None = None,
) -> Path:
    """The folder a dataset is read from: the configured public tree, or generated demo files.

    A partner dataset is always read from its drop folder (submissions_dir/<id>/), where uploads
    land and, in demo mode, the generated demo returns too. Without submissions_dir it is the
    default layout's: instance/submissions beside instance/demo-data.
    """
    if spec.submission:
        return drop_folder.folder_for(submissions_dir or demo_dir.parent / "submissions", spec.id)
    if public_data_dir is not None:
        return public_data_dir / spec.folder
    return demo_dir / spec.folder


def content_hash(files: Iterable[Path], root: Path | None = None) -> str:
    """A digest of file names (relative to root) and each file's hash, so an unchanged source
    is skipped (loaders.fingerprints.folder_digest_of)."""
    return _content_hashes(files, root)[0]


def _content_hashes(
    files: Iterable[Path], root: Path | None = None, legacy: bool = False
) -> tuple[str, str | None]:
    """(digest, and when `legacy` the pre-0020 hash of the same bytes), in one read."""

    def name(path: Path) -> str:
        return path.relative_to(root).as_posix() if root is not None else path.name

    hashes, old = fingerprints.hash_files(((name(p), p) for p in files), legacy=legacy)
    return fingerprints.folder_digest_of(hashes), old


def source_files(folder: Path, leave_out: Iterable[str] = ()) -> list[Path]:
    """Every file under a source folder, sub-folders included; hidden files, Excel's '~$' lock
    files and partial writes ('.part') are not part of any release, nor anything under a
    top-level sub-folder named in `leave_out` (a drop folder's rejected/)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    leave_out = set(leave_out)
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if (
            path.is_file()
            and not (len(parts) > 1 and parts[0] in leave_out)
            and not any(p.startswith(".") for p in parts)
            and not path.name.startswith("~$")
            and not path.name.endswith(".part")
        ):
            found.append(path)
    return sorted(found)


def folder_hash(folder: Path, legacy: bool = False) -> tuple[str | None, str | None]:
    """(digest, legacy hash) over every file of a source folder, read or not; (None, None)
    without a folder. The legacy hash (the formula before per-file hashes) is computed in the
    same read only when asked for: vintages loaded before the change carry it.

    The files a loader skips are part of it: a new file in the folder is a change, looked at
    and reported ("not read: …"), never silently "unchanged".
    """
    if not Path(folder).is_dir():
        return None, None
    return _content_hashes(source_files(folder), Path(folder), legacy)


def folder_digest(
    session_factory: sessionmaker,
    folder: Path,
    read: dict[str, tuple[int, int, str]] | None = None,
    *,
    known_only: bool = False,
    legacy: bool = False,
    leave_out: Iterable[str] = (),
) -> tuple[str | None, str | None]:
    """(digest, legacy hash or None) of a local folder, reading only files not known already.
    Files under a top-level sub-folder named in `leave_out` are no part of it (source_files).

    A file's hash is known when its size and modification time equal those stored with its
    hash at the last refresh (table source_fingerprint, loaders.fingerprints), or when a loader
    hashed it while reading it (`read`, from fingerprints.recording()). Only other files are
    read. With `known_only`, nothing is read: (None, None) unless every hash is known.

    `legacy` asks for the pre-0020 hash of the same bytes as well, so vintages stored before
    per-file hashes are still recognised rather than reloaded: taken from an old-style stored
    row when no file changed since, else computed in the same read as the new hashes (every
    file read once, once per folder after the upgrade). The row keeps it while no file changes.
    The stored hashes are only a cache: failing to store them costs a re-read, never a wrong
    answer.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None, None
    taken = time.time_ns()  # a file modified after this is too new to vouch for itself
    files = source_files(folder, leave_out)
    key = str(folder.resolve())
    prints = fingerprints.folder_fingerprint(folder, files)
    with session_factory() as session:
        stored = session.get(SourceFingerprint, key)
        stored_files = dict(stored.files) if stored is not None else {}
        stored_hash = stored.content_hash if stored is not None else None
        stored_legacy = stored.legacy_hash if stored is not None else None
    same_files = stored is not None and set(stored_files) == set(prints)
    old_style = stored is not None and any(len(entry) == 2 for entry in stored_files.values())
    hashes: dict[str, str] = {}
    for name, stat in prints.items():
        entry = stored_files.get(name)
        if entry is not None and len(entry) == 3 and entry[:2] == stat:
            hashes[name] = entry[2]
    unchanged = same_files and all(stored_files[n][:2] == stat for n, stat in prints.items())
    old = None
    if unchanged and not old_style:
        old = stored_legacy
    elif unchanged and old_style:
        old = stored_hash  # the old formula's hash of these very bytes
    if legacy and old is None and (stored is None or old_style):
        hashes, old = fingerprints.hash_files(((n, folder / n) for n in prints), legacy=True)
    for name, stat in prints.items():
        recorded = (read or {}).get(str((folder / name).resolve()))
        if name not in hashes and recorded is not None and list(recorded[:2]) == stat:
            hashes[name] = recorded[2]
    missing = [name for name in prints if name not in hashes]
    if missing and known_only:
        return None, None
    if missing:
        hashes.update(fingerprints.hash_files((n, folder / n) for n in missing)[0])
    digest = fingerprints.folder_digest_of(hashes)
    entries = {
        name: [*stat, hashes[name]]
        for name, stat in prints.items()
        if fingerprints.trusted({name: stat}, taken)
    }
    if entries != stored_files or digest != stored_hash or old != stored_legacy:
        _store_fingerprint(session_factory, key, digest, entries, old, len(entries) == len(prints))
    return digest, old


def _store_fingerprint(session_factory, key, digest, entries, legacy, whole) -> None:
    """Keep each trusted file's hash; the legacy hash only when every file could be kept."""
    try:
        with transaction(session_factory) as session:
            row = session.get(SourceFingerprint, key) or SourceFingerprint(folder=key)
            row.content_hash, row.files, row.updated_at = digest, entries, utcnow()
            row.legacy_hash = legacy if whole else None
            session.add(row)
    except sa.exc.SQLAlchemyError as exc:  # another process stored it first, say
        log.info("fingerprint of %s not stored: %s", key, exc)


def account_for_files(
    folder: Path, result: LoadResult, leave_out: Iterable[str] = ()
) -> list[dict]:
    """A note for every file in the folder the loader did not read, with the reason: a warning
    unless the loader knows the file and skips it on purpose."""
    folder = Path(folder)
    read = {Path(p).resolve() for p in result.files}
    notes = []
    for path in source_files(folder, leave_out):
        if path.resolve() in read:
            continue
        relative = path.relative_to(folder).as_posix()
        if relative in result.skipped:
            notes.append(
                {"level": "info", "text": f"not read: {relative} ({result.skipped[relative]})"}
            )
            continue
        why = result.unrecognised.get(relative) or "not a file this dataset reads"
        notes.append({"level": "warning", "text": f"not read: {relative} ({why})"})
    return notes


def refresh_dataset(
    session_factory: sessionmaker,
    spec: DatasetSpec,
    source_dir: Path | str,
    *,
    is_demo: bool = False,
    today: date | None = None,
    trigger: str = "manual",
    http: HttpPolicy | None = None,
    staging_root: Path | None = None,
    force: bool = False,
    on_stage: Callable[[str, int], None] | None = None,
    check: ReleaseCheck | None = None,
) -> RefreshOutcome:
    """Load one dataset; on any failure roll back alone and keep its last good vintage.

    `source_dir` is a folder, or an http(s) URL that is fetched into a staging folder first.
    A source whose bytes match the current vintage (HTTP 304, or the same content hash over
    every file in the folder) is recorded as "unchanged" without running the loader, unless
    `force` is set. A load that fails the release-over-release check (`check`, by default the
    dataset's own) is stored but held for review; an older release is kept as history.
    `on_stage(stage, run_id)` reports progress: started, fetching, loading, storing.
    """
    started = time.perf_counter()
    location = str(source_dir)
    check = check or spec.release_check
    # Files a partner dataset's loader rejected and set aside are no part of its release.
    leave_out = (drop_folder.REJECTED_DIR,) if spec.submission else ()
    with transaction(session_factory) as session:
        run = RefreshRun(dataset_id=spec.id, trigger=trigger, status="running", notes=[])
        session.add(run)
        session.flush()
        run_id = run.id

    def stage(name: str) -> None:
        if on_stage is not None:
            on_stage(name, run_id)

    fetched: FetchedSource | None = None
    had_data = False
    try:
        stage("started")
        with session_factory() as session:
            current = session.get(Dataset, spec.id).current_vintage
            had_data = current is not None
            current_hash = current.content_hash if current and current.is_demo == is_demo else None
        folder = Path(location)
        if is_url(location):
            stage("fetching")
            previous = (
                None if force else _validators_for(session_factory, spec.id, location, current_hash)
            )
            fetched = fetch_source(
                location,
                spec.id,
                staging_root or Path(tempfile.gettempdir()) / "lcjp-staging",
                http or HttpPolicy(),
                previous,
            )
            if fetched.not_modified:
                return _unchanged(
                    session_factory, run_id, spec.id, started, "not modified (HTTP 304)"
                )
            folder = fetched.folder
        # A fetched source lands in a fresh staging folder each time: hash it. A local folder
        # is known unchanged from its files' sizes and times; a file not known is hashed as
        # the loader reads it, and the digest compared after the load.
        legacy = _has_vintages(session_factory, spec.id)
        if fetched is not None:
            digest, old = folder_hash(folder, legacy)
        else:
            digest, old = folder_digest(
                session_factory, folder, known_only=True, legacy=legacy, leave_out=leave_out
            )

        def already(digest: str | None, old: str | None) -> RefreshOutcome | None:
            """The outcome when these bytes are the current or an already decided vintage."""
            if force or digest is None:
                return None
            if current_hash is not None and current_hash in (digest, old):
                return _unchanged(
                    session_factory, run_id, spec.id, started, "same content", fetched, current_hash
                )
            decided = _already_decided(session_factory, spec.id, (digest, old), is_demo)
            if decided is not None:
                return _same_as_decided(session_factory, run_id, spec.id, started, decided)
            return None

        if (outcome := already(digest, old)) is not None:
            return outcome
        stage("loading")
        with fingerprints.recording() as read:
            try:
                result, failure = spec.loader(folder), None
            except Exception as exc:  # unless the bytes turn out to be those already loaded
                result, failure = None, exc
        # A rejected file set aside leaves the files already loaded: still a failure to record.
        set_aside = isinstance(failure, drop_folder.SubmissionRejected)
        if digest is None and fetched is None and folder.is_dir():
            digest, old = folder_digest(session_factory, folder, read, leave_out=leave_out)
            if not set_aside and (outcome := already(digest, old)) is not None:
                return outcome  # files touched, not changed: nothing is stored
        if failure is not None:
            raise failure
        notes = [
            *account_for_files(folder, result, leave_out),
            *({"level": "warning", "text": t} for t in result.warnings),
            *({"level": "info", "text": t} for t in result.notes),
        ]
        if fetched is not None:
            for note in notes:
                note["text"] = fetched.explain(note["text"])
        digest = digest or content_hash(result.files)
        stage("storing")
        with transaction(session_factory) as session:
            status, rows, vintage_id, notes = _store(
                session,
                spec,
                result,
                digest,
                location,
                is_demo,
                today,
                run_id,
                notes,
                check,
            )
            if fetched is not None and status in LOADED:
                _remember_validators(session, spec.id, fetched, digest)
    except Exception as exc:  # every failure is recorded; the last good vintage stays current
        reason = fetched.explain(str(exc)) if fetched is not None else str(exc)
        log.warning("refresh of %s failed: %s", spec.id, reason)
        with transaction(session_factory) as session:
            _finish(session, run_id, FAILED, 0, None, error=reason)
        return RefreshOutcome(
            spec.id,
            FAILED,
            0,
            reason,
            time.perf_counter() - started,
            run_id,
            had_data=had_data,
        )
    finally:
        if fetched is not None:
            fetched.discard()
    for note in notes:
        if note["level"] == "warning":
            log.warning("%s: %s", spec.id, note["text"])
    if status in LOADED:
        refresh_statistics(session_factory)
    return RefreshOutcome(
        spec.id,
        status,
        rows,
        None,
        time.perf_counter() - started,
        run_id,
        tuple(notes),
        vintage_id,
        had_data,
    )


def _has_vintages(session_factory, dataset_id: str) -> bool:
    """Whether any vintage of the dataset was stored: only then can one carry a legacy hash."""
    with session_factory() as session:
        return (
            session.scalar(sa.select(Vintage.id).where(Vintage.dataset_id == dataset_id).limit(1))
            is not None
        )


def _already_decided(session_factory, dataset_id: str, digests, is_demo: bool):
    """The latest held, rejected or history vintage with exactly these files, if any
    (`digests`: the digest and, while vintages may carry it, the legacy hash of the bytes)."""
    with session_factory() as session:
        return session.scalars(
            sa.select(Vintage)
            .where(
                Vintage.dataset_id == dataset_id,
                Vintage.content_hash.in_([d for d in digests if d]),
                Vintage.is_demo == is_demo,
                Vintage.review_status != ACCEPTED,
            )
            .order_by(Vintage.id.desc())
            .limit(1)
        ).first()


def _same_as_decided(session_factory, run_id, dataset_id, started, vintage) -> RefreshOutcome:
    """The source still holds a release already held, rejected or kept as history: say so,
    without loading it again."""
    words = {
        HELD: (HELD_FOR_REVIEW, "is still held for review"),
        HISTORY: (KEPT_AS_HISTORY, "is an older release, kept as history"),
    }
    status, what = words.get(
        vintage.review_status,
        (UNCHANGED, f"was {vintage.review_status} by {vintage.decided_by or 'an administrator'}"),
    )
    notes = [
        {
            "level": "warning" if status == HELD_FOR_REVIEW else "info",
            "text": f"the source holds the same files as vintage {vintage.id}, which {what}; "
            "the current vintage stays.",
        }
    ]
    with transaction(session_factory) as session:
        _finish(session, run_id, status, vintage.row_count, vintage.id, notes=notes)
    return RefreshOutcome(
        dataset_id,
        status,
        vintage.row_count,
        None,
        time.perf_counter() - started,
        run_id,
        tuple(notes),
        vintage.id,
        True,
    )


def _validators_for(session_factory, dataset_id, location, current_hash) -> dict | None:
    """The ETags and dates recorded when the current vintage was fetched from this location."""
    if current_hash is None:
        return None
    with session_factory() as session:
        state = session.get(SourceState, dataset_id)
    if state is None or state.location != location or state.content_hash != current_hash:
        return None
    return state.validators


def _remember_validators(session, dataset_id, fetched: FetchedSource, digest: str) -> None:
    state = session.get(SourceState, dataset_id) or SourceState(dataset_id=dataset_id)
    state.location, state.validators = fetched.location, fetched.validators
    state.content_hash, state.updated_at = digest, utcnow()
    session.add(state)


def _unchanged(session_factory, run_id, dataset_id, started, why, fetched=None, digest=None):
    """Record an unchanged source quickly: the current vintage stays, nothing is loaded."""
    with transaction(session_factory) as session:
        current = session.get(Dataset, dataset_id).current_vintage
        _finish(session, run_id, UNCHANGED, current.row_count, current.id)
        if fetched is not None and fetched.validators and not fetched.not_modified:
            _remember_validators(session, dataset_id, fetched, digest)
    log.info("%s unchanged (%s)", dataset_id, why)
    return RefreshOutcome(
        dataset_id,
        UNCHANGED,
        current.row_count,
        None,
        time.perf_counter() - started,
        run_id,
        vintage_id=current.id,
        had_data=True,
    )


def record_failure(
    session_factory: sessionmaker, dataset_id: str, trigger: str, error: str
) -> RefreshOutcome:
    """Record a refresh that failed before its loader could start (the last good data stays)."""
    log.warning("refresh of %s failed: %s", dataset_id, error)
    with transaction(session_factory) as session:
        run = RefreshRun(
            dataset_id=dataset_id,
            trigger=trigger,
            status="failed",
            error=error,
            finished_at=utcnow(),
        )
        session.add(run)
        session.flush()
        return RefreshOutcome(dataset_id, "failed", 0, error, 0.0, run.id)


def refresh_statistics(session_factory: sessionmaker) -> None:
    """Let PostgreSQL's planner see the vintage just loaded.

    Until statistics know the new vintage, PostgreSQL guesses it holds one row and plans the
    revision join (loaders/revisions.py) as a nested loop: 30 s instead of 10 ms on a
    400,000-row police vintage. ANALYZE samples a fixed number of rows, so it stays quick.
    The load is already committed; a failure here only costs speed, never data.
    """
    try:
        with session_factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(sa.text("ANALYZE observation, vintage, area"))
                session.commit()
    except sa.exc.SQLAlchemyError as exc:
        log.warning("ANALYZE after a load failed: %s", exc)


def _store(
    session, spec, result, digest, source_dir, is_demo, today, run_id, notes, check
) -> tuple[str, int, int, list[dict]]:
    """Validate then write a new vintage inside the caller's transaction; make it current
    unless it is an older release than the current one or fails the release check.

    Returns (run status, rows, vintage id, notes including any hold or history note).
    """
    _upsert_areas(session, result.areas)
    known_areas = set(session.scalars(sa.select(Area.code)))
    frame = result.observations
    problems = boundary_problems(result.boundaries, known_areas)
    units = measures_for_dataset(spec.id)
    # Worked out once for the duplicate-key check and the rows to store.
    breakdowns = breakdown_texts(frame["breakdown"]) if "breakdown" in frame.columns else None
    if not (frame.empty and result.boundaries):  # a reference dataset may hold only boundaries
        problems += validate_observations(
            frame,
            measures=units,
            area_codes=known_areas,
            today=today or london_today(),
            breakdown_keys=breakdowns[1] if breakdowns else None,
        )
    if problems:
        raise ValidationFailed(spec.id, problems)
    rows = len(frame) + len(result.boundaries)
    period_latest = max(frame["period_end"]) if not frame.empty else None
    release = result.release_date or period_latest
    dataset = session.get(Dataset, spec.id)
    current = dataset.current_vintage
    # Generated demo data is no publication: it is redrawn whole when a period completes, so
    # neither release order nor the release-over-release check applies to it.
    comparable = current is not None and current.is_demo == is_demo and not is_demo
    review_status, review = ACCEPTED, None
    if comparable and release and current.release_date and release < current.release_date:
        review_status = HISTORY
        review = [
            f"Kept as history: this is an older release (reference {release:%d %B %Y}) than the "
            f"current vintage {current.id} ({current.release_date:%d %B %Y}), so it never "
            "becomes current."
        ]
    elif comparable:
        reasons, total = compare_with_current(session, current.id, frame, units, check)
        if reasons:
            review_status, review = HELD, hold_text(reasons, total, check)
    vintage = Vintage(
        dataset_id=spec.id,
        source_location=str(source_dir),
        content_hash=digest,
        row_count=rows,
        period_latest=period_latest,
        is_demo=is_demo,
        loaded_at=utcnow(),
        review_status=review_status,
        release_date=release,
        review=review,
    )
    session.add(vintage)
    session.flush()
    _bulk_insert(session.connection(), _observation_rows(frame, spec.id, vintage.id, breakdowns))
    session.add_all(
        AreaBoundary(vintage_id=vintage.id, area_code=b.area_code, name=b.name, geometry=b.geometry)
        for b in result.boundaries
    )
    if review_status == ACCEPTED:
        dataset.current_vintage_id = vintage.id
        # A release held earlier is overtaken by this one: it can no longer be approved.
        session.execute(
            sa.update(Vintage)
            .where(Vintage.dataset_id == spec.id, Vintage.review_status == HELD)
            .values(review_status=SUPERSEDED, decided_by="refresh", decided_at=utcnow())
        )
        status = WARNINGS if any(n["level"] == "warning" for n in notes) else SUCCESS
    else:
        status = HELD_FOR_REVIEW if review_status == HELD else KEPT_AS_HISTORY
        level = "warning" if review_status == HELD else "info"
        notes = [*({"level": level, "text": text} for text in review), *notes]
    _finish(session, run_id, status, rows, vintage.id, notes=notes)
    return status, rows, vintage.id, notes


def boundary_problems(boundaries: list[Boundary], area_codes: set[str]) -> list[str]:
    """A boundary must belong to a known area, once per load."""
    codes = [b.area_code for b in boundaries]
    problems = []
    unknown = sorted(set(codes) - area_codes)
    if unknown:
        problems.append(f"boundaries for unknown area codes: {', '.join(unknown[:20])}")
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        problems.append(f"more than one boundary for: {', '.join(repeated)}")
    return problems


INSERT_COLUMNS = (
    "vintage_id",
    "dataset_id",
    "measure_id",
    "area_code",
    "period_start",
    "period_end",
    "period_type",
    "value",
    "numerator",
    "denominator",
    "breakdown",
    "breakdown_key",
)


def _observation_rows(
    frame: pd.DataFrame, dataset_id: str, vintage_id: int, breakdowns=None
) -> list[tuple]:
    """Row tuples in INSERT_COLUMNS order; NaN becomes NULL and breakdowns become JSON text
    (`breakdowns`: their texts and keys, when already worked out)."""
    size = len(frame)
    texts, keys = breakdowns or breakdown_texts(frame["breakdown"])

    def optional(column: str) -> list:
        return [None if pd.isna(v) else float(v) for v in frame[column].tolist()]

    columns = [
        [vintage_id] * size,
        [dataset_id] * size,
        frame["measure_id"].tolist(),
        frame["area_code"].tolist(),
        frame["period_start"].tolist(),
        frame["period_end"].tolist(),
        frame["period_type"].tolist(),
        [float(v) for v in frame["value"].tolist()],
        optional("numerator"),
        optional("denominator"),
        texts,
        keys,
    ]
    return list(zip(*columns, strict=True))


def _bulk_insert(connection: sa.Connection, rows: list[tuple]) -> None:
    """Insert observations through the driver's executemany, skipping per-row ORM work.

    A monthly police.uk refresh for every force is hundreds of thousands of rows; the ORM's
    per-row processing took most of the refresh time.
    """
    names = ", ".join(INSERT_COLUMNS)
    if connection.dialect.name == "postgresql":
        # COPY inside the same transaction: all-or-nothing like the rest of the refresh.
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY observation ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in INSERT_COLUMNS)
    statement = f"INSERT INTO observation ({names}) VALUES ({marks})"
    for start in range(0, len(rows), INSERT_BATCH):
        connection.exec_driver_sql(statement, rows[start : start + INSERT_BATCH])


def _finish(session, run_id, status, rows, vintage_id, error=None, notes=None) -> None:
    run = session.get(RefreshRun, run_id)
    run.status, run.rows, run.vintage_id, run.error = status, rows, vintage_id, error
    run.notes = list(notes or [])
    run.finished_at = utcnow()


def refresh_all(
    session_factory: sessionmaker,
    *,
    public_data_dir: Path | None,
    demo_dir: Path,
    today: date | None = None,
    trigger: str = "manual",
    datasets: Iterable[DatasetSpec] | None = None,
    progress: Progress | None = None,
    submissions_dir: Path | None = None,
) -> list[RefreshOutcome]:
    """Refresh every dataset in turn; one failing dataset never stops or undoes the others."""
    is_demo = public_data_dir is None
    submissions_dir = submissions_dir or demo_dir.parent / "submissions"
    if is_demo:
        demo.write_demo_files(demo_dir, today=today or london_today())
        demo_returns.write_demo_returns(submissions_dir, today=today or london_today())
    outcomes = []
    for spec in datasets or DATASETS.values():
        source_dir = source_dir_for(spec, public_data_dir, demo_dir, submissions_dir)
        if progress:
            progress(f"{spec.id}: loading from {source_dir}")
        if spec.submission and not drop_folder.submission_files(source_dir):
            outcome = RefreshOutcome(spec.id, "empty", error="no submissions yet")
        else:
            outcome = refresh_dataset(
                session_factory,
                spec,
                source_dir,
                # A partner dataset is demo data while any generated return is in its folder.
                is_demo=drop_folder.holds_demo_files(source_dir) if spec.submission else is_demo,
                today=today,
                trigger=trigger,
            )
        if progress:
            detail = outcome.error or f"{outcome.rows:,} rows"
            progress(f"{spec.id}: {outcome.status} ({detail}, {outcome.seconds:.1f}s)")
        outcomes.append(outcome)
    return outcomes


def cache_is_empty(session_factory: sessionmaker) -> bool:
    """True on a fresh install: no dataset has ever loaded."""
    with session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Vintage)) == 0
