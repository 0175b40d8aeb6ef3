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
and its message names the file, row and column.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from loaders.areas import AreaSpec
from loaders.errors import LoaderError
from loaders.frames import OBSERVATION_COLUMNS, LoadResult
from loaders.submissions.checking import CheckedFile, check_file, london_today, to_observations
from loaders.submissions.problems import summary
from loaders.submissions.templates import CROWN_COURT, CROWN_COURTS, Template, template_for

SUFFIXES = (".csv", ".xlsx")
DEMO_PREFIX = "demo-"


class SubmissionRejected(LoaderError):
    """A file in a drop folder broke its template; carries every problem, not only the first."""

    def __init__(self, path: Path, checked: CheckedFile):
        self.problems = checked.problems
        first = checked.problems[0]
        more = checked.problem_count - 1
        message = first.message + (f" ({summary([], more)} more in this file)" if more else "")
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
        checked = []
        for path in files:
            result = check_file(self.template, path.name, path.read_bytes(), today=today)
            if not result.ok:
                raise SubmissionRejected(path, result)
            checked.append(result)
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
