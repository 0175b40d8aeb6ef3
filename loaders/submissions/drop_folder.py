"""The loader the refresh runs for a partner dataset: every file in its drop folder, in order.

Each dataset has one drop folder (SUBMISSIONS_DIR/<dataset_id>/, by default
instance/submissions/<dataset_id>/). Uploads made in the app are saved there under their arrival
time, and a file copied there by hand is read the same way, through the same checks.

How files combine: files are applied in name order, and each file is a full replacement for
every (area, period) pair it contains. A later file for Durham, March 2025 replaces every figure
an earlier file gave for Durham, March 2025 (a figure it leaves out is gone), and leaves every
other area and period as the earlier files gave them. The app names uploads
YYYYMMDDTHHMMSSffffffZ-<user>-<original name>, so name order is arrival order; name a file you
drop by hand the same way. Generated demo returns (demo-<dataset>.csv) always come first, so any
real return replaces the demo figures for its areas and periods.

A file with any problem fails the whole load: the refresh keeps the dataset's last good vintage
and its message names the file, row and column. The file is then set aside, into the folder's
rejected/ sub-folder under the time it was rejected (rejected/YYYYMMDDTHHMMSSffffffZ-<name>), with
<that name>.reasons.txt beside it listing every problem in words. So it is not read again at
every refresh, the folder's other files load at the next one, and whoever dropped it sees what
happened where they left it. Accepted files stay where they are: every refresh reads them all.
Only a file new since the last load can be rejected (the checks never grow stricter with time:
a period only ever becomes complete), so no file behind figures already stored is set aside.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from loaders.areas import AreaSpec
from loaders.errors import LoaderError
from loaders.frames import OBSERVATION_COLUMNS, LoadResult
from loaders.submissions.checking import CheckedFile, check_file, london_today, to_observations
from loaders.submissions.problems import summary
from loaders.submissions.templates import CROWN_COURT, CROWN_COURTS, Template, template_for

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx")
DEMO_PREFIX = "demo-"
REJECTED_DIR = "rejected"  # sub-folder of a drop folder; no part of any release
REASONS_SUFFIX = ".reasons.txt"


@dataclass(frozen=True)
class SetAside:
    """Where a rejected file went: paths relative to the drop folder, or why it stayed."""

    name: str
    moved_to: str | None = None
    reasons: str | None = None
    not_moved: str | None = None

    def words(self) -> str:
        if self.moved_to is None:
            return (
                f"{self.name} could not be moved to {REJECTED_DIR}/ ({self.not_moved}), so it "
                "stays where it is and is read again at the next refresh"
            )
        where = f"{self.name} was moved to {self.moved_to}"
        return where + (f", with every problem in {self.reasons}" if self.reasons else "")


class SubmissionRejected(LoaderError):
    """A file in a drop folder broke its template; carries every problem, not only the first,
    and where each rejected file of the load was set aside."""

    def __init__(self, path: Path, checked: CheckedFile, set_aside: tuple[SetAside, ...] = ()):
        self.problems = checked.problems
        self.set_aside = set_aside
        first = checked.problems[0]
        more = checked.problem_count - 1
        message = first.message + (f" ({summary([], more)} more in this file)" if more else "")
        if set_aside:
            moved = any(s.moved_to for s in set_aside)
            message = message.rstrip(".") + (
                ". Rejected: "
                + "; ".join(s.words() for s in set_aside)
                + ". Nothing was loaded from the folder in this run: the figures already stored "
                "stay" + (", and its other files load at the next refresh." if moved else ".")
            )
        super().__init__(path, message, row=first.row, column=first.column)


def folder_for(submissions_dir: Path, dataset_id: str) -> Path:
    return Path(submissions_dir) / dataset_id


def is_submission_file(path: Path) -> bool:
    """CSV and XLSX files only; hidden files, Excel's '~$' lock files and partial writes are not."""
    name = path.name
    return path.is_file() and name.lower().endswith(SUFFIXES) and not name.startswith((".", "~$"))


def submission_files(folder: Path) -> list[Path]:
    """The files the loader reads, in the order they apply: demo returns first, then by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if is_submission_file(p)]
    return sorted(files, key=lambda p: (not is_demo_file(p), p.name))


def is_demo_file(path: Path) -> bool:
    return path.name.startswith(DEMO_PREFIX)


def holds_demo_files(folder: Path) -> bool:
    """True when any figure the folder gives may come from generated demo returns."""
    return any(is_demo_file(p) for p in submission_files(folder))


class DropFolderLoader:
    """`DatasetSpec.loader` for a partner dataset: reads its drop folder through its template."""

    def __init__(self, dataset_id: str):
        self.dataset_id = dataset_id

    def __repr__(self) -> str:
        return f"DropFolderLoader({self.dataset_id!r})"

    @property
    def template(self) -> Template:
        return template_for(self.dataset_id)

    def __call__(self, folder: Path, today: date | None = None) -> LoadResult:
        folder = Path(folder)
        files = submission_files(folder)
        if not files:
            raise LoaderError(
                folder, "no submissions yet: the drop folder holds no CSV or XLSX files"
            )
        today = today or london_today()
        checked, rejected = [], []
        for path in files:
            result = check_file(self.template, path.name, path.read_bytes(), today=today)
            (checked if result.ok else rejected).append((path, result))
        if rejected:
            now = datetime.now(UTC)
            moved = tuple(
                set_aside(folder, path, result, self.template, now) for path, result in rejected
            )
            raise SubmissionRejected(*rejected[0], set_aside=moved)
        checked = [result for _path, result in checked]
        observations, notes = combine(checked)
        return LoadResult(
            observations=observations,
            files=files,
            areas=court_areas(self.template, observations),
            notes=notes,
            unrecognised={
                p.name: "only .csv and .xlsx returns are read from a drop folder"
                for p in folder.iterdir()
                if p.is_file() and not is_submission_file(p)
            },
        )


def set_aside(
    folder: Path, path: Path, checked: CheckedFile, template: Template, now: datetime
) -> SetAside:
    """Move a rejected file into rejected/ under the time of its rejection, never over another
    file, and write its reasons beside it. The move comes first: a file that could not be
    explained is still never read again, and its reasons are in the refresh's message too."""
    target = Path(folder) / REJECTED_DIR
    try:
        target.mkdir(exist_ok=True)
        moved = _move_without_overwriting(path, target, f"{now:%Y%m%dT%H%M%S%fZ}-{path.name}")
    except OSError as error:
        log.error("rejected file %s could not be set aside: %s", path, error)
        return SetAside(path.name, not_moved=error.strerror or str(error))
    reasons = moved.with_name(moved.name + REASONS_SUFFIX)
    relative = f"{REJECTED_DIR}/{moved.name}"
    try:
        _write_text_atomically(reasons, reasons_text(path.name, relative, checked, template, now))
    except OSError as error:
        log.error("reasons for %s could not be written: %s", moved, error)
        return SetAside(path.name, moved_to=relative)
    return SetAside(path.name, moved_to=relative, reasons=f"{REJECTED_DIR}/{reasons.name}")


def reasons_text(
    name: str, moved_to: str, checked: CheckedFile, template: Template, now: datetime
) -> str:
    """What the person who dropped the file reads beside it: what happened, why, what next."""
    count = summary([], checked.problem_count)
    lines = [
        f"{name} was rejected on {now.day} {now:%B %Y at %H:%M} UTC and moved to {moved_to}.",
        "Nothing in it was loaded, and no figure already stored was changed.",
        "",
        f"Checked against the {template.title} template, it has {count}:",
        "",
        *(f"- {problem}" for problem in checked.problems),  # beyond 50 rows a kind is counted
        "",
        "Correct the file and send it again (upload it on the Submit data page, or copy it into",
        "the drop folder itself, not into rejected/). Nothing in rejected/ is ever read.",
    ]
    return "\n".join(lines) + "\n"


def _move_without_overwriting(source: Path, folder: Path, name: str) -> Path:
    """Move `source` into `folder` as `name`, or `name` with -2, -3… should it exist: a hard
    link fails rather than replace a file, where a rename would replace it silently."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for attempt in range(1, 1000):
        candidate = folder / (name if attempt == 1 else f"{stem}-{attempt}{suffix}")
        try:
            os.link(source, candidate)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: check, then rename
            if candidate.exists():
                continue
            source.rename(candidate)
            return candidate
        source.unlink()
        return candidate
    raise FileExistsError(f"no free name for {name} in {folder}")


def _write_text_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def combine(checked: list[CheckedFile]) -> tuple[pd.DataFrame, list[str]]:
    """Figures from files in order; each file replaces the (area, period) pairs it covers."""
    area = checked[0].template.area_column.name
    coverage, parts, notes = [], [], []
    for order, result in enumerate(checked):
        observations, file_notes = to_observations(result)
        notes.extend(file_notes)
        pairs = result.values[[area, "period_start"]].drop_duplicates()
        coverage.append(pairs.rename(columns={area: "area_code"}).assign(order=order))
        parts.append(observations.assign(order=order))
    covered = pd.concat(coverage, ignore_index=True)
    winner = covered.groupby(["area_code", "period_start"])["order"].max().rename("winner")
    for order, result in enumerate(checked):
        mine = covered[covered["order"] == order].join(winner, on=["area_code", "period_start"])
        replaced = int((mine["winner"] != order).sum())
        if replaced:
            notes.append(
                f"{result.name}: {replaced} of its {len(mine)} area-periods are replaced by "
                "later files."
            )
    frame = pd.concat(parts, ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS), notes
    frame = frame.join(winner, on=["area_code", "period_start"])
    frame = frame[frame["order"] == frame["winner"]]
    return frame[OBSERVATION_COLUMNS].reset_index(drop=True), notes


def court_areas(template: Template, observations: pd.DataFrame) -> list[AreaSpec]:
    """Crown Court centres (and their HMCTS regions) a file names, as the court statistics
    loader defines them, so a court exists even before those statistics have loaded."""
    if CROWN_COURT not in template.area_column.allowed or observations.empty:
        return []
    from loaders.submissions.templates import court_region

    areas: dict[str, AreaSpec] = {}
    for code in sorted(set(observations["area_code"]) & set(CROWN_COURTS)):
        court, region = court_region(code)
        areas.setdefault(region, AreaSpec(region, CROWN_COURTS[code][1], "hmcts_region"))
        areas[code] = AreaSpec(code, court, "crown_court", parent_code=region)
    return list(areas.values())
