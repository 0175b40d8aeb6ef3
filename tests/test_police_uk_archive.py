"""police.uk monthly archive zips: the real street files in ../shared, laid out as the archive
(`YYYY-MM/YYYY-MM-<force>-street.csv`), read straight from the zip for both police datasets.

The outcomes members are built from the same real rows (each crime's last outcome as an
`Outcome type`, the archive's outcomes layout, official-formats.md 6), since no real outcomes
file is in ../shared.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from loaders import refresh
from loaders.datasets import DATASETS
from loaders.errors import LoaderError
from loaders.models import Dataset
from loaders.sources import police_uk, police_uk_outcomes
from loaders.sources.police_uk_archive import OUTCOMES_COLUMNS

RAW = [f"2025-0{m}-{force}-street.csv" for m in (1, 2, 3) for force in ("durham", "cleveland")]
DURHAM_TOTALS = {"2025-01": 5408, "2025-02": 5237, "2025-03": 6227}


def outcomes_text(street: str) -> str:
    rows = list(csv.DictReader(io.StringIO(street)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTCOMES_COLUMNS)
    for row in rows:
        if row["Crime ID"] and row["Last outcome category"]:
            writer.writerow(
                [row[c] for c in OUTCOMES_COLUMNS[:-1]] + [row["Last outcome category"]]
            )
    return out.getvalue()


def build_archive(path: Path, street_dir: Path, change=None, method=zipfile.ZIP_DEFLATED) -> Path:
    """The archive layout: one folder per month; `change(members)` may alter members first."""
    members: dict[str, bytes] = {}
    for name in RAW:
        month = name[:7]
        text = (street_dir / name).read_text(encoding="utf-8")
        members[f"{month}/{name}"] = text.encode()
        outcomes = name.replace("-street.csv", "-outcomes.csv")
        members[f"{month}/{outcomes}"] = outcomes_text(text).encode()
    members["2025-03/2025-03-durham-stop-and-search.csv"] = b"Type,Date\n"
    if change is not None:
        change(members)
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def street_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "police_uk_street"


@pytest.fixture(scope="module")
def archive(tmp_path_factory, street_dir) -> Path:
    return build_archive(tmp_path_factory.mktemp("archive") / "2025-03.zip", street_dir)


@pytest.fixture(scope="module")
def raw_only(tmp_path_factory, street_dir) -> Path:
    folder = tmp_path_factory.mktemp("raw")
    for name in RAW:
        (folder / name).symlink_to(street_dir / name)
    return folder


def keyed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(breakdown=frame["breakdown"].map(lambda b: tuple(sorted(b.items()))))
    columns = ["measure_id", "area_code", "period_start", "breakdown"]
    return frame.sort_values(columns).reset_index(drop=True)[
        [*columns, "value", "numerator", "denominator"]
    ]


def test_street_counts_from_the_zip_equal_the_loose_files(archive, raw_only):
    from_zip, from_files = police_uk.load(archive), police_uk.load(raw_only)
    pd.testing.assert_frame_equal(keyed(from_zip.observations), keyed(from_files.observations))
    frame = from_zip.observations
    durham = frame[frame["area_code"] == "E23000008"]
    totals = durham.groupby(durham["period_start"].map(lambda d: d.isoformat()[:7]))["value"].sum()
    assert totals.to_dict() == DURHAM_TOTALS
    assert from_zip.files == [archive]
    text = " ".join(from_zip.notes)
    assert (
        "2025-03.zip: 1 stop-and-search files (not a measure of this board) were not read." in text
    )
    assert "6 outcomes files read and checked" in text


def test_outcome_shares_from_the_zip_equal_the_loose_files(archive, raw_only):
    from_zip = police_uk_outcomes.load(archive)
    from_files = police_uk_outcomes.load(raw_only)
    pd.testing.assert_frame_equal(keyed(from_zip.observations), keyed(from_files.observations))


def test_the_third_party_aggregate_is_a_cross_check_beside_the_zip(tmp_path, archive, street_dir):
    folder = tmp_path / "both"
    folder.mkdir()
    (folder / archive.name).symlink_to(archive)
    aggregate = "street_counts_by_force_month_type_outcome_2025H1.csv"
    (folder / aggregate).symlink_to(street_dir / aggregate)
    result = police_uk.load(folder)
    frame = result.observations
    durham = frame[(frame["area_code"] == "E23000008")]
    january = durham[durham["period_start"].map(lambda d: d.isoformat()[:7]) == "2025-01"]
    assert january["value"].sum() == 5408  # counted by the product from the zip, not the file
    assert not any("the raw file's figures were kept" in n for n in result.notes)


def test_months_outside_the_window_are_named(monkeypatch, archive):
    monkeypatch.setenv("POLICE_UK_ARCHIVE_MONTHS", "2")
    result = police_uk.load(archive)
    months = {d.isoformat()[:7] for d in result.observations["period_start"]}
    assert months == {"2025-02", "2025-03"}
    assert any(
        "files for months before 2025-02 (POLICE_UK_ARCHIVE_MONTHS)" in n for n in result.notes
    )


# --- hostile archives -----------------------------------------------------------------------


def _cut_member(members):
    name = "2025-02/2025-02-durham-street.csv"
    members[name] = members[name][: len(members[name]) // 2]


def _unknown_member(members):
    members["2025-02/readme.txt"] = b"hello"


def _renamed_column(members):
    name = "2025-01/2025-01-cleveland-outcomes.csv"
    members[name] = members[name].replace(b"Outcome type", b"Outcome", 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_cut_member, "2025-03.zip!2025-02/2025-02-durham-street.csv"),
        (_unknown_member, "not a police.uk archive member"),
        (_renamed_column, "column 10 should be 'Outcome type'"),
    ],
)
def test_hostile_members_are_refused(tmp_path, street_dir, change, message):
    bad = build_archive(tmp_path / "2025-03.zip", street_dir, change)
    with pytest.raises(LoaderError) as error:
        police_uk.load(bad)
    assert message in str(error.value)


def test_a_cut_member_says_it_is_cut_short(tmp_path, street_dir):
    bad = build_archive(tmp_path / "2025-03.zip", street_dir, _cut_member)
    with pytest.raises(LoaderError, match="cut short"):
        police_uk_outcomes.load(bad)


def test_damaged_compressed_bytes_are_refused(tmp_path, street_dir):
    path = build_archive(tmp_path / "2025-03.zip", street_dir, method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("2025-02/2025-02-durham-street.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5000
    data[start : start + 20] = b"X" * 20  # flip bytes inside the stored member
    path.write_bytes(bytes(data))
    with pytest.raises(LoaderError, match="damaged or cut short"):
        police_uk.load(path)


def test_a_truncated_zip_is_refused(tmp_path, archive):
    path = tmp_path / "2025-03.zip"
    path.write_bytes(archive.read_bytes()[:100_000])
    with pytest.raises(LoaderError, match="not a readable police.uk archive zip"):
        police_uk.load(path)


@pytest.mark.parametrize("dataset", ["police_uk_street", "police_uk_outcomes"])
def test_a_refresh_from_the_zip_then_a_damaged_zip_keeps_the_good_vintage(
    cache, tmp_path, street_dir, archive, dataset
):
    spec = DATASETS[dataset]
    good = refresh.refresh_dataset(cache, spec, str(archive))
    assert good.status == "success", good.error
    with cache() as session:
        current = session.get(Dataset, spec.id).current_vintage_id
    bad = build_archive(tmp_path / "2025-03.zip", street_dir, _cut_member)
    outcome = refresh.refresh_dataset(cache, spec, str(bad))
    assert outcome.status == "failed"
    assert "2025-02-durham-street.csv" in outcome.error
    with cache() as session:
        assert session.get(Dataset, spec.id).current_vintage_id == current
