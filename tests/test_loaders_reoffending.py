"""National proven reoffending (JSON): exact cohort figures, the offence-group breakdown, hostile
files. The source has no area names (England and Wales only), so there is no unknown-area case.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hostile_files import damage, load_error, release

from loaders.areas import ENGLAND_AND_WALES, reference_areas
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import reoffending

FILE = "wiah_proven_reoffending_national.json"


@pytest.fixture(scope="module")
def reoffending_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "reoffending"


@pytest.fixture(scope="module")
def result(reoffending_dir: Path) -> LoadResult:
    return reoffending.load(reoffending_dir)


def figure(result, measure, year, group=None, field="value"):
    frame = result.observations
    wanted = {"offence_group": group} if group else {}
    hits = frame[
        (frame["measure_id"] == measure)
        & (frame["period_start"] == date(year, 4, 1))
        & frame["breakdown"].map(lambda b: b == wanted)
    ]
    assert len(hits) == 1
    return hits.iloc[0][field]


def test_first_and_latest_cohorts(result):
    assert figure(result, "reoffending_offenders", 2012) == 628761
    assert figure(result, "reoffending_reoffenders", 2012) == 194500
    assert figure(result, "reoffending_reoffences", 2012) == 668502
    assert figure(result, "reoffending_rate", 2012) == 30.9
    assert figure(result, "reoffending_rate", 2012, field="numerator") == 194500
    assert figure(result, "reoffending_rate", 2012, field="denominator") == 628761
    assert figure(result, "reoffences_per_reoffender", 2012) == 3.44
    assert figure(result, "reoffending_offenders", 2023) == 331356
    assert figure(result, "reoffending_reoffenders", 2023) == 93413
    assert figure(result, "reoffending_reoffences", 2023) == 441946
    assert figure(result, "reoffending_rate", 2023) == 28.2
    assert figure(result, "reoffences_per_reoffender", 2023) == 4.73
    assert figure(result, "reoffences_per_reoffender", 2023, field="numerator") == 441946


def test_every_cohort_matches_the_file(result, reoffending_dir):
    data = json.loads((reoffending_dir / FILE).read_text())
    for item in data["timeSeries"]:
        year = int(item["cohort"][:4])
        assert figure(result, "reoffending_offenders", year) == item["offenders"]
        assert figure(result, "reoffending_rate", year) == item["reoffendingRate"]
    frame = result.observations
    totals = frame[frame["breakdown"].map(len) == 0]
    assert set(totals["period_type"]) == {"financial_year"}
    assert sorted(set(totals["period_start"]))[0] == date(2012, 4, 1)
    assert set(totals["period_end"]) == {date(y + 1, 3, 31) for y in range(2012, 2024)}
    assert set(frame["area_code"]) == {ENGLAND_AND_WALES}


def test_latest_cohort_by_offence_group(result, reoffending_dir):
    assert figure(result, "reoffending_offenders", 2023, "Theft") == 38725
    assert figure(result, "reoffending_reoffenders", 2023, "Theft") == 22041
    assert figure(result, "reoffending_rate", 2023, "Theft") == 56.9
    assert figure(result, "reoffending_rate", 2023, "Summary Motoring") == 14.2
    frame = result.observations
    groups = frame[frame["breakdown"].map(len) > 0]
    assert set(groups["period_start"]) == {date(2023, 4, 1)}
    offenders = groups[groups["measure_id"] == "reoffending_offenders"]
    assert len(offenders) == 13
    assert offenders["value"].sum() == 331356  # the groups add up to the cohort
    assert result.notes == []


def test_output_passes_the_cache_rules(result):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("moj_proven_reoffending"),
        area_codes=codes,
        today=date(2026, 1, 1),
    )
    assert problems == []


# --- hostile files ---------------------------------------------------------------------------


def folder_with(reoffending_dir: Path, tmp_path: Path, change) -> Path:
    folder = release(reoffending_dir, tmp_path / "release")
    damage(folder, FILE, change)
    return folder


def edit(change):
    """Apply `change` to the parsed JSON and write it back in the same layout."""

    def apply(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data, indent=2)

    return apply


def test_truncated_json(reoffending_dir, tmp_path):
    folder = folder_with(reoffending_dir, tmp_path, lambda t: t[: len(t) // 2])
    err = load_error(reoffending.load, folder)
    assert FILE in str(err) and "cut short" in str(err)
    assert err.row is not None and err.column.startswith("char ")


def test_text_in_a_number_field(reoffending_dir, tmp_path):
    folder = folder_with(
        reoffending_dir, tmp_path, edit(lambda d: d["timeSeries"][3].update(offenders="523,366"))
    )
    err = load_error(reoffending.load, folder)
    assert (err.row, err.column) == (4, "timeSeries.offenders")
    assert "2015/16" in str(err) and "'523,366'" in str(err)


def test_renamed_field(reoffending_dir, tmp_path):
    def rename(data):
        data["timeSeries"][0]["reoffendingRatePct"] = data["timeSeries"][0].pop("reoffendingRate")

    err = load_error(reoffending.load, folder_with(reoffending_dir, tmp_path, edit(rename)))
    assert (err.row, err.column) == (1, "timeSeries.reoffendingRate")
    assert "has no 'reoffendingRate'" in str(err)


def test_rate_that_does_not_match_its_counts(reoffending_dir, tmp_path):
    folder = folder_with(
        reoffending_dir,
        tmp_path,
        edit(lambda d: d["byOffenceGroup"][0].update(reoffendingRate=5.69)),
    )
    err = load_error(reoffending.load, folder)
    assert (err.row, err.column) == (1, "byOffenceGroup.reoffendingRate")
    assert "Theft" in str(err)


def test_cohort_that_is_not_a_financial_year(reoffending_dir, tmp_path):
    folder = folder_with(
        reoffending_dir, tmp_path, edit(lambda d: d["timeSeries"][1].update(cohort="2013-14"))
    )
    err = load_error(reoffending.load, folder)
    assert (err.row, err.column) == (2, "timeSeries.cohort")


def test_latest_cohort_missing_from_the_series(reoffending_dir, tmp_path):
    folder = folder_with(
        reoffending_dir, tmp_path, edit(lambda d: d.update(latestCohort="2024/25"))
    )
    err = load_error(reoffending.load, folder)
    assert err.column == "latestCohort" and "2024/25" in str(err)


def test_later_cohort_loads_without_code_change(reoffending_dir, tmp_path):
    def add_cohort(data):
        data["timeSeries"].append(
            {
                "cohort": "2024/25",
                "date": "2024-04",
                "offenders": 340000,
                "reoffenders": 95000,
                "reoffences": 450000,
                "reoffendingRate": 27.9,
                "avgReoffences": 4.74,
            }
        )
        data["latestCohort"] = "2024/25"

    result = reoffending.load(folder_with(reoffending_dir, tmp_path, edit(add_cohort)))
    assert figure(result, "reoffending_rate", 2024) == 27.9
    assert figure(result, "reoffending_rate", 2024, "Theft") == 56.9
    assert result.observations["period_end"].max() == date(2025, 3, 31)
    assert any("2024/25" in n and "331,356" in n for n in result.notes)
