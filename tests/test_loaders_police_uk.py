"""police.uk street-level loader: exact published totals, raw-over-aggregate, hostile files.

Totals are the ones PROVENANCE.md quotes; single cells are recounted from the raw CSV text with
the csv module, independent of the loader's pandas path.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from loaders.areas import CLEVELAND, DURHAM, reference_areas
from loaders.errors import LoaderError
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import police_uk

AGGREGATE = "street_counts_by_force_month_type_outcome_2025H1.csv"
DURHAM_TOTALS = [5408, 5237, 6227, 6255, 6470, 6405]
CLEVELAND_TOTALS = [6494, 6237, 7583, 7438, 7799, 7807]
DOCUMENTED_OUTCOMES = [
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Court result unavailable",
    "Court case unable to proceed",
    "Defendant found not guilty",
    "Defendant sent to Crown Court",
    "Offender sent to prison",
    "Offender given suspended prison sentence",
    "Offender fined",
    "Offender given community sentence",
    "Offender given conditional discharge",
    "Offender given absolute discharge",
    "Offender ordered to pay compensation",
    "Offender deprived of property",
    "Offender otherwise dealt with",
    "Suspect charged as part of another case",
    "Offender given a caution",
    "Offender given penalty notice",
    "Offender given a penalty notice",
    "Local resolution",
    "Offender given a drugs possession warning",
    "Unable to prosecute suspect",
    "Investigation complete; no suspect identified",
    "Formal action is not in the public interest",
    "Further action is not in the public interest",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation",
]


@pytest.fixture(scope="module")
def street_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "police_uk_street"


@pytest.fixture(scope="module")
def result(street_dir: Path) -> LoadResult:
    return police_uk.load(street_dir)


def monthly_totals(result: LoadResult, area: str) -> dict[date, float]:
    frame = result.observations
    return frame[frame["area_code"] == area].groupby("period_start")["value"].sum().to_dict()


def cell(result: LoadResult, area: str, month: date, crime: str, outcome: str) -> float:
    frame = result.observations
    hits = frame[
        (frame["area_code"] == area)
        & (frame["period_start"] == month)
        & frame["breakdown"].map(lambda b: b == {"crime_type": crime, "outcome": outcome})
    ]
    assert len(hits) == 1
    return hits.iloc[0]["value"]


def copy_folder(source: Path, target: Path, only: list[str] | None = None) -> Path:
    """A release folder of links to the real files; `damage` swaps one for a real copy."""
    target.mkdir()
    for path in source.iterdir():
        if only is None or path.name in only:
            (target / path.name).symlink_to(path)
    return target


def damage(folder: Path, name: str, change, new_name: str | None = None) -> Path:
    """Write `change(text)` as a real file; the link is removed, the original never written."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.unlink()
    target = folder / (new_name or name)
    target.write_text(change(text), encoding="utf-8", newline="")
    return target


def replace_line(number: int, change):
    """Apply `change` to one line (1-based, header = 1), keeping its line ending."""

    def apply(text: str) -> str:
        lines = text.split("\n")
        lines[number - 1] = change(lines[number - 1])
        return "\n".join(lines)

    return apply


def load_error(folder: Path) -> LoaderError:
    with pytest.raises(LoaderError) as caught:
        police_uk.load(folder)
    return caught.value


# --- exact figures from the real files -------------------------------------------------------


def test_monthly_totals_durham_and_cleveland(result):
    months = [date(2025, m, 1) for m in range(1, 7)]
    assert monthly_totals(result, DURHAM) == dict(zip(months, DURHAM_TOTALS, strict=True))
    assert monthly_totals(result, CLEVELAND) == dict(zip(months, CLEVELAND_TOTALS, strict=True))
    jan = result.observations[
        (result.observations["area_code"] == DURHAM)
        & (result.observations["period_start"] == date(2025, 1, 1))
    ]
    assert jan["value"].sum() == 5408
    assert set(jan["period_end"]) == {date(2025, 1, 31)}
    assert set(jan["period_type"]) == {"month"}


def test_cells_recounted_from_raw_file(result, street_dir):
    with (street_dir / "2025-01-durham-street.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5408
    counted = Counter((r["Crime type"], r["Last outcome category"]) for r in rows)
    jan = date(2025, 1, 1)
    key = ("Violence and sexual offences", "Unable to prosecute suspect")
    assert counted[key] > 0
    assert cell(result, DURHAM, jan, *key) == counted[key]
    asb = counted[("Anti-social behaviour", "")]
    assert asb > 0
    assert cell(result, DURHAM, jan, "Anti-social behaviour", "No outcome recorded") == asb


def test_every_force_month_and_the_aggregate_agree(result, street_dir):
    with (street_dir / AGGREGATE).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(result.observations) == len(rows)  # raw files replace the same cells exactly
    assert result.observations["value"].sum() == sum(int(r["Count"]) for r in rows)
    assert result.notes == []


def test_raw_file_wins_over_aggregate(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")
    damage(
        folder,
        AGGREGATE,
        lambda t: t.replace(
            "2025-01,Durham Constabulary,Anti-social behaviour,,921",
            "2025-01,Durham Constabulary,Anti-social behaviour,,1921",
        ),
    )
    result = police_uk.load(folder)
    assert monthly_totals(result, DURHAM)[date(2025, 1, 1)] == 5408
    # The counts file disagreeing with a raw file is a warning (the raw file may be cut short).
    assert any(
        AGGREGATE in n and "E23000008 2025-01" in n and "6,408" in n for n in result.warnings
    )


def test_aggregate_alone_gives_the_same_totals(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release", only=[AGGREGATE])
    result = police_uk.load(folder)
    assert list(monthly_totals(result, DURHAM).values()) == DURHAM_TOTALS
    assert [p.name for p in result.files] == [AGGREGATE]


def test_output_passes_the_cache_rules(result):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("police_uk_street"),
        area_codes=codes,
        today=date(2026, 1, 1),
    )
    assert problems == []
    assert len(result.files) == 7


def test_outcome_groups_cover_documented_categories(result):
    for category in DOCUMENTED_OUTCOMES:
        assert police_uk.outcome_group(category) in police_uk.OUTCOME_GROUP_ORDER
    assert police_uk.outcome_group("No outcome recorded") == "Anti-social behaviour (no outcome)"
    assert police_uk.outcome_group("Offender given a caution") == "Out-of-court disposal"
    assert police_uk.outcome_group("Awaiting court outcome") == "Charged or court outcome"
    assert set(police_uk.OUTCOME_GROUPS) == {*DOCUMENTED_OUTCOMES, "No outcome recorded"}
    assert set(police_uk.OUTCOME_GROUPS.values()) == set(police_uk.OUTCOME_GROUP_ORDER)
    outcomes = {b["outcome"] for b in result.observations["breakdown"]}
    assert outcomes <= set(police_uk.OUTCOME_GROUPS)
    with pytest.raises(KeyError, match="Offender given a stern look"):
        police_uk.outcome_group("Offender given a stern look")


# --- hostile files ---------------------------------------------------------------------------


def test_truncated_aggregate(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")
    # The download stopped inside the last row: "2025-06,Wiltshire Police,Viol"
    damage(folder, AGGREGATE, lambda t: t[: t.rstrip().rindex("\n") + 30])
    err = load_error(folder)
    assert (err.row, err.column) == (23660, "Last outcome category")
    assert AGGREGATE in str(err) and "cut short" in str(err)


def test_truncated_raw_file_mid_row(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")

    def cut(text: str) -> str:
        start = sum(len(line) + 1 for line in text.split("\n")[:100])  # line 101 starts here
        fifth_comma = start
        for _ in range(5):
            fifth_comma = text.index(",", fifth_comma) + 1
        return text[: fifth_comma + 3]  # part of Latitude: six fields

    damage(folder, "2025-02-durham-street.csv", cut)
    err = load_error(folder)
    assert (err.row, err.column) == (101, "Location")
    assert "2025-02-durham-street.csv" in str(err)


def test_wrong_header(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")
    damage(
        folder, "2025-03-cleveland-street.csv", lambda t: t.replace("Crime type", "Crime Type", 1)
    )
    err = load_error(folder)
    assert (err.row, err.column) == (1, "Crime type")
    assert "2025-03-cleveland-street.csv" in str(err)


@pytest.mark.parametrize("bad", ["12.5", "abc", "-3", ""])
def test_count_not_a_whole_number(street_dir, tmp_path, bad):
    folder = copy_folder(street_dir, tmp_path / "release", only=[AGGREGATE])
    damage(folder, AGGREGATE, replace_line(10, lambda line: line[: line.rindex(",") + 1] + bad))
    err = load_error(folder)
    assert (err.row, err.column) == (10, "Count")
    assert AGGREGATE in str(err)


def test_unknown_force_name(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release", only=[AGGREGATE])
    damage(
        folder,
        AGGREGATE,
        replace_line(5, lambda line: line.replace("Avon and Somerset", "Avon and Somerzet")),
    )
    err = load_error(folder)
    assert (err.row, err.column) == (5, "Falls within")
    assert "Avon and Somerzet Constabulary" in str(err)


def test_month_not_yyyy_mm(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release", only=[AGGREGATE])
    damage(folder, AGGREGATE, replace_line(7, lambda line: line.replace("2025-01", "Jan 2025")))
    err = load_error(folder)
    assert (err.row, err.column) == (7, "Month")


def test_file_name_month_must_match_month_column(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")
    damage(folder, "2025-01-durham-street.csv", lambda t: t, new_name="2025-04-durham-street.csv")
    err = load_error(folder)
    assert (err.row, err.column) == (2, "Month")
    assert "2025-04-durham-street.csv" in str(err)


def test_unknown_outcome_category_is_refused(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release", only=["2025-01-durham-street.csv"])
    damage(
        folder,
        "2025-01-durham-street.csv",
        replace_line(3, lambda line: line.replace("Investigation complete;", "Case closed;")),
    )
    err = load_error(folder)
    assert (err.row, err.column) == (3, "Last outcome category")
    assert "Case closed; no suspect identified" in str(err)


def test_same_force_month_in_two_raw_files_is_refused(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release", only=["2025-01-durham-street.csv"])
    (folder / "2025-01-durham-copy-street.csv").symlink_to(street_dir / "2025-01-durham-street.csv")
    err = load_error(folder)
    assert err.column == "Falls within" and err.row == 2


def test_folder_without_street_files(tmp_path):
    err = load_error(tmp_path)
    assert str(tmp_path) in str(err)


def test_later_release_loads_without_code_change(street_dir, tmp_path):
    folder = copy_folder(street_dir, tmp_path / "release")
    damage(
        folder,
        AGGREGATE,
        lambda t: (
            t
            + "2025-07,Durham Constabulary,Burglary,Under investigation,40\r\n"
            + "2025-07,Durham Constabulary,Anti-social behaviour,,900\r\n"
        ),
    )
    damage(
        folder,
        "2025-03-cleveland-street.csv",
        lambda t: t.replace(",2025-03,", ",2025-07,"),
        new_name="2025-07-cleveland-street.csv",
    )
    (folder / "2025-03-cleveland-street.csv").symlink_to(
        street_dir / "2025-03-cleveland-street.csv"
    )
    result = police_uk.load(folder)
    july = date(2025, 7, 1)
    assert monthly_totals(result, DURHAM)[july] == 940
    assert monthly_totals(result, CLEVELAND)[july] == 7583
    assert cell(result, DURHAM, july, "Burglary", "Under investigation") == 40
    assert result.observations["period_end"].max() == date(2025, 7, 31)
