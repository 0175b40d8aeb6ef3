"""An uploaded partner file: checked, kept byte for byte, loaded as a new vintage, recorded.

There is one way in for partner figures, whether they arrive through the upload page or are
copied into a drop folder: the dataset's loader reads its drop folder and the refresh validates
and stores the result (loaders/refresh.py). An upload only adds a step in front of it:

1. refuse a file over the size limit without reading it;
2. check the file alone against its template, so every problem can be shown by row and column
   (a file with any problem writes nothing: no file saved, no row stored, no vintage changed);
3. save the original bytes into the drop folder under a timestamped name, then refresh that
   dataset exactly as the scheduled refresh would, under the same lock;
4. if that refresh fails (a file dropped there by hand may be broken), remove the new file again,
   so the folder and the cache stay as they were, and say why; unless the failure was only
   another file's, rejected and set aside into rejected/ by the loader: then load once more,
   so a broken file dropped by hand never turns away a good upload;
5. record the accepted file in the submission ledger with the vintage it produced.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from loaders.datasets import DATASETS
from loaders.db import transaction
from loaders.locks import exclusive
from loaders.models import Organisation, Submission, Vintage
from loaders.refresh import HELD_FOR_REVIEW, LOADED, refresh_dataset
from loaders.submissions.checking import check_file, to_observations
from loaders.submissions.drop_folder import folder_for, holds_demo_files, submission_files
from loaders.submissions.problems import Problem
from loaders.submissions.reading import XLSX, XLSX_MAX_UNPACKED, detect_kind
from loaders.submissions.templates import submitter_areas, template_for

# The lock every refresh takes (scheduler/jobs.py), so an upload never races a scheduled load.
REFRESH_LOCK = "refresh"
LOCK_WAIT_SECONDS = 120
# The refresh made a vintage from the file: current, or held for an administrator.
ACCEPTED_STATUSES = (*LOADED, HELD_FOR_REVIEW)


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to one uploaded file, for the upload page and for tests."""

    accepted: bool
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0  # data rows in the file
    figures: int = 0  # figures the file gave
    vintage_id: int | None = None
    vintage_figures: int = 0  # figures in the dataset's new vintage, from every file
    stored_name: str | None = None
    is_demo: bool = False
    notes: list[str] = field(default_factory=list)
    held_for_review: bool = False


def file_size(size: int) -> str:
    """12 KB, 3.4 MB, 64 MB: sizes as a person reads them."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)):,} KB"
    megabytes = size / 1024 / 1024
    return (
        f"{megabytes:,.1f} MB"
        if megabytes < 10 and not megabytes.is_integer()
        else f"{megabytes:,.0f} MB"
    )


def size_problem(file_name: str, size: int, max_bytes: int) -> Problem | None:
    """The plain refusal for a file over the limit, or None when it fits."""
    if size <= max_bytes:
        return None
    return Problem(
        None,
        None,
        f"{file_name} is {file_size(size)}; files may be at most {file_size(max_bytes)}. "
        "Nothing was loaded. Send the periods that are new or changed, or split the file by "
        "period.",
    )


def stored_name_for(file_name: str, username: str, data: bytes, now: datetime) -> str:
    """YYYYMMDDTHHMMSSffffffZ-<user>-<original stem>.<csv|xlsx>: name order is arrival order."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(file_name).stem).strip("._-")[:60] or "upload"
    user = re.sub(r"[^A-Za-z0-9._-]+", "_", username)[:40] or "unknown"
    suffix = ".xlsx" if detect_kind(data) == XLSX else ".csv"
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{user}-{stem}{suffix}"


def accept_upload(
    session_factory: sessionmaker,
    engine: sa.Engine,
    *,
    dataset_id: str,
    file_name: str,
    data: bytes,
    username: str,
    user_id: int | None,
    submissions_dir: Path,
    lock_dir: Path,
    max_bytes: int,
    today: date,
    lock_wait_seconds: float = LOCK_WAIT_SECONDS,
    organisation_code: str | None = None,
    max_unpacked: int = XLSX_MAX_UNPACKED,
) -> UploadOutcome:
    """Check, keep and load one partner file; any problem means nothing is written.

    `organisation_code` is the submitting user's organisation: a police force may send only its
    own force area, HMCTS's Crown Court return only courts (templates.submitter_areas).
    """
    spec = DATASETS.get(dataset_id)
    if spec is None or not spec.submission:
        raise KeyError(f"'{dataset_id}' is not a partner submission dataset")
    too_big = size_problem(file_name, len(data), max_bytes)
    if too_big:
        return UploadOutcome(False, file_name, [too_big], 1)

    template = template_for(dataset_id)
    with session_factory() as session:
        organisation = session.get(Organisation, organisation_code) if organisation_code else None
        submitter = submitter_areas(
            template,
            organisation.kind if organisation else None,
            organisation.force_area_code if organisation else None,
        )
    checked = check_file(
        template,
        file_name,
        data,
        today=today,
        submitter=submitter,
        max_unpacked=max_unpacked,
    )
    if not checked.ok:
        return UploadOutcome(
            False, file_name, checked.problems, checked.problem_count, rows=checked.row_count
        )
    figures, notes = to_observations(checked)
    notes = checked.notes + notes

    folder = folder_for(submissions_dir, dataset_id)
    with _refresh_lock(engine, lock_dir, lock_wait_seconds) as locked:
        if not locked:
            return UploadOutcome(
                False,
                file_name,
                [
                    Problem(
                        None,
                        None,
                        "The file has no problems, but a data refresh is running and it could "
                        "not be loaded now. Nothing was saved. Upload it again in a few minutes.",
                    )
                ],
                1,
                rows=checked.row_count,
            )
        folder.mkdir(parents=True, exist_ok=True)
        others = set(submission_files(folder))
        stored = folder / stored_name_for(file_name, username, data, datetime.now(UTC))
        _write_atomically(stored, data)

        def load():
            return refresh_dataset(
                session_factory,
                spec,
                folder,
                is_demo=holds_demo_files(folder),
                today=today,
                trigger="upload",
            )

        outcome = load()
        set_aside = sorted(p.name for p in others - set(submission_files(folder)))
        if outcome.status not in ACCEPTED_STATUSES and set_aside and stored.exists():
            notes.append(
                f"A file dropped into the folder by hand was rejected and moved to rejected/ "
                f"({', '.join(set_aside)}; its problems are listed beside it and on the Data "
                "refresh page). Your file was loaded without it."
            )
            outcome = load()
        if outcome.status not in ACCEPTED_STATUSES:
            stored.unlink(missing_ok=True)
            return UploadOutcome(
                False,
                file_name,
                [
                    Problem(
                        None,
                        None,
                        "The file has no problems, but the dataset could not be loaded with it, "
                        f"so it was not kept: {outcome.error}",
                    )
                ],
                1,
                rows=checked.row_count,
            )
        if outcome.status == HELD_FOR_REVIEW:
            notes.append(
                "The file was kept, but the figures it makes are held for review: compared "
                "with those on screen, earlier periods fell sharply or disappeared. An "
                "administrator approves or rejects them on the Data refresh page; until then "
                "the board shows the figures it had."
            )
        notes += [n["text"] for n in outcome.notes if n["level"] == "warning"]
        with transaction(session_factory) as session:
            vintage = session.get(Vintage, outcome.vintage_id)
            session.add(
                Submission(
                    dataset_id=dataset_id,
                    vintage_id=vintage.id,
                    user_id=user_id,
                    username=username,
                    original_name=file_name[:300],
                    stored_name=stored.name,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size_bytes=len(data),
                    rows=checked.row_count,
                    figures=len(figures),
                )
            )
    return UploadOutcome(
        True,
        file_name,
        rows=checked.row_count,
        figures=len(figures),
        vintage_id=vintage.id,
        vintage_figures=vintage.row_count,
        stored_name=stored.name,
        is_demo=vintage.is_demo,
        notes=notes,
        held_for_review=outcome.status == HELD_FOR_REVIEW,
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write under a name the loader ignores, then rename: a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


@contextmanager
def _refresh_lock(engine: sa.Engine, lock_dir: Path, wait_seconds: float) -> Iterator[bool]:
    """The refresh lock, waiting up to `wait_seconds` for a running refresh to finish."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with exclusive(engine, REFRESH_LOCK, lock_dir, wait=False) as acquired:
            if acquired or time.monotonic() >= deadline:
                yield acquired
                return
        time.sleep(0.5)


def recent_submissions(session_factory: sessionmaker, dataset_id: str, limit: int = 10) -> list:
    """The latest accepted files for a dataset, newest first."""
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(Submission)
                .where(Submission.dataset_id == dataset_id)
                .order_by(Submission.submitted_at.desc(), Submission.id.desc())
                .limit(limit)
            )
        )
