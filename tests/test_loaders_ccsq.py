"""MoJ Crown Court (CCSQ gold) loader: exact published figures, and hostile files that must fail.

Expected numbers are either the ones the dashboard brief quotes or read straight out of the CSV
text with the csv module, so the checks do not share the loader's pandas path.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from loaders.areas import ENGLAND_AND_WALES, crown_court_code, reference_areas, region_code
from loaders.errors import LoaderError
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import ccsq

Q4_2025 = date(2025, 12, 31)
Q4_2024 = date(2024, 12, 31)


@pytest.fixture(scope="module")
def ccsq_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "ccsq_crown_court"


@pytest.fixture(scope="module")
def result(ccsq_dir: Path) -> LoadResult:
    return ccsq.load(ccsq_dir)


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pick(result, measure: str, area: str, period_end: date, breakdown: dict | None = None):
    """The single observation for a key; fails if there is none or more than one."""
    frame = result.observations
    hits = frame[
        (frame["measure_id"] == measure)
        & (frame["area_code"] == area)
        & (frame["period_end"] == period_end)
        & frame["breakdown"].map(lambda b: b == (breakdown or {}))
    ]
    assert len(hits) == 1, f"{len(hits)} rows for {measure} {area} {period_end} {breakdown}"
    return hits.iloc[0]


def copy_folder(source: Path, target: Path) -> Path:
    """A release folder of links to the real files; `damage` swaps one for a real copy."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).symlink_to(path)
    return target


def damage(folder: Path, name: str, change) -> Path:
    """Replace one file with `change(text)`; the link is removed, the original never written."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(change(text), encoding="utf-8", newline="")
    return path


def replace_line(number: int, new: str):
    def change(text: str) -> str:
        lines = text.split("\n")
        lines[number - 1] = new
        return "\n".join(lines)

    return change


# --- exact figures from the real files -------------------------------------------------------


def test_court_open_cases_at_latest_quarter(result):
    assert pick(result, "crown_open_cases", "CC-TEESSIDE", Q4_2025).value == 1548
    assert pick(result, "crown_open_cases", "CC-DURHAM", Q4_2025).value == 506
    newcastle = pick(result, "crown_open_cases", crown_court_code("Newcastle Upon Tyne"), Q4_2025)
    assert newcastle.value == 2160
    teesside = pick(result, "crown_open_cases", "CC-TEESSIDE", Q4_2025)
    assert (teesside.period_start, teesside.period_type) == (date(2025, 10, 1), "quarter")


def test_court_open_cases_year_ago_match_file(result, ccsq_dir):
    published = {r["court"]: r for r in rows_of(ccsq_dir / "gold_backlog_by_court.csv")}
    for court in ("Teesside", "Durham", "Newcastle Upon Tyne", "Snaresbrook"):
        expected = float(published[court]["open_year_ago"])
        assert pick(result, "crown_open_cases", crown_court_code(court), Q4_2024).value == expected
    assert pick(result, "crown_open_cases", "CC-TEESSIDE", Q4_2024).value == 1276


def test_national_trajectory_matches_file(result, ccsq_dir):
    assert pick(result, "crown_open_cases", ENGLAND_AND_WALES, Q4_2025).value == 80203
    rows = rows_of(ccsq_dir / "gold_backlog_trajectory.csv")
    for row in rows:
        end = date.fromisoformat(row["quarter_end"])
        for column, measure in (
            ("open", "crown_open_cases"),
            ("receipts", "crown_receipts"),
            ("disposals", "crown_disposals"),
        ):
            assert pick(result, measure, ENGLAND_AND_WALES, end).value == float(row[column])
    national = result.observations[result.observations["area_code"] == ENGLAND_AND_WALES]
    assert (national["measure_id"] == "crown_receipts").sum() == len(rows)


def test_court_open_cases_add_up_to_national_total(result):
    frame = result.observations
    courts = frame[
        (frame["measure_id"] == "crown_open_cases")
        & frame["area_code"].str.startswith("CC-")
        & (frame["period_end"] == Q4_2025)
    ]
    assert courts["value"].sum() == 80203  # the Unknown court is part of the national total
    year_ago = frame[
        (frame["measure_id"] == "crown_open_cases")
        & frame["area_code"].str.startswith("CC-")
        & (frame["period_end"] == Q4_2024)
    ]
    assert (
        year_ago["value"].sum()
        == pick(result, "crown_open_cases", ENGLAND_AND_WALES, Q4_2024).value
    )


def test_share_open_a_year_or_more_from_summary(result, ccsq_dir):
    row = pick(result, "crown_open_1yr_share", ENGLAND_AND_WALES, Q4_2025)
    summary = {r["quarter_end"]: r for r in rows_of(ccsq_dir / "gold_caseload_age_summary.csv")}
    latest = summary["2025-12-31"]
    assert float(latest["total_cases"]) == 80203 and float(latest["valid_cases"]) == 75799
    assert row.denominator == 75799
    assert row.numerator == float(latest["open_1yr_plus"]) == 21002
    assert row.value == pytest.approx(float(latest["share_1yr_plus"]) * 100, abs=1e-12)
    assert row.value == pytest.approx(21002 / 75799 * 100)
    national = result.observations[
        (result.observations["measure_id"] == "crown_open_1yr_share")
        & (result.observations["area_code"] == ENGLAND_AND_WALES)
    ]
    assert len(national) == len(summary)  # once per quarter, not again from the region file


def test_regional_share_and_timeliness_match_files(result, ccsq_dir):
    for row in rows_of(ccsq_dir / "gold_oldest_by_region.csv"):
        if row["geo_level"] == "region" and row["quarter_end"] == "2025-12-31":
            got = pick(result, "crown_open_1yr_share", region_code(row["region"]), Q4_2025)
            assert got.value == pytest.approx(float(row["share_1yr_plus"]) * 100, abs=1e-12)
            assert (got.numerator, got.denominator) == (
                float(row["open_1yr_plus"]),
                float(row["valid_cases"]),
            )
    for row in rows_of(ccsq_dir / "gold_timeliness_by_region.csv"):
        if row["quarter_end"] != "2025-12-31":
            continue
        area = ENGLAND_AND_WALES if row["geo_level"] == "national" else region_code(row["region"])
        got = pick(result, "crown_offence_to_completion_median", area, Q4_2025)
        assert got.value == float(row["offence_to_completion_median"])
    trend = rows_of(ccsq_dir / "gold_timeliness_trend.csv")[-1]
    assert trend["quarter_end"] == "2025-12-31"
    got = pick(result, "crown_charge_to_completion_median", ENGLAND_AND_WALES, Q4_2025)
    assert got.value == float(trend["charge_to_completion_at_the_crown_court_median"]) == 181


def test_waiting_and_hearing_match_file(result, ccsq_dir):
    rows = rows_of(ccsq_dir / "gold_waiting_hearing.csv")
    for row in rows:
        end = date.fromisoformat(row["quarter_end"])
        for column, measure in (
            ("waiting_median_weeks", "crown_waiting_median_weeks"),
            ("waiting_mean_weeks", "crown_waiting_mean_weeks"),
            ("hearing_mean_hours", "crown_hearing_mean_hours"),
            ("hearing_median_hours", "crown_hearing_median_hours"),
            ("hearing_mean_hearings", "crown_hearings_per_case"),
        ):
            assert pick(result, measure, ENGLAND_AND_WALES, end).value == float(row[column])


def test_age_bands_in_file_order_and_counts(result, ccsq_dir):
    rows = rows_of(ccsq_dir / "gold_caseload_age.csv")
    order = sorted({(float(r["age_order"]), r["age_band"]) for r in rows})
    assert [band for _, band in order] == ccsq.AGE_BANDS
    for row in rows:
        if row["quarter_end"] == "2025-12-31":
            got = pick(
                result,
                "crown_open_by_age",
                ENGLAND_AND_WALES,
                Q4_2025,
                {"age_band": row["age_band"]},
            )
            assert got.value == float(row["count"])


def test_backlog_years_keep_published_value(result, ccsq_dir):
    rows = rows_of(ccsq_dir / "gold_court_backlog_ratio.csv")
    for row in rows:
        got = pick(result, "crown_backlog_years", crown_court_code(row["court"]), Q4_2025)
        assert got.value == float(row["years_of_backlog"])
        assert got.value == pytest.approx(
            float(row["open_latest"]) / float(row["annual_disposals"])
        )
    teesside = pick(result, "crown_backlog_years", "CC-TEESSIDE", Q4_2025)
    assert teesside.value == pytest.approx(1548 / 2259)


def test_areas_courts_regions_and_unknown(result):
    areas = {a.code: a for a in result.areas}
    assert len(areas) == len(result.areas)  # deduplicated across the two court files
    assert areas["CC-TEESSIDE"].parent_code == region_code("North East")
    assert areas["CC-TEESSIDE"].area_type == "crown_court"
    unknown = areas[crown_court_code("Unknown")]
    assert unknown.name == "Unknown court (not recorded)"
    assert areas[unknown.parent_code].name == "Unknown region"
    assert pick(result, "crown_open_cases", unknown.code, Q4_2025).value == 101
    assert areas[region_code("Wales")].area_type == "hmcts_region"


def test_blank_dorchester_is_skipped_with_a_note(result):
    frame = result.observations
    dorchester = frame[frame["area_code"] == crown_court_code("Dorchester")]
    assert list(dorchester["period_end"]) == [Q4_2024]  # the year-ago figure only
    assert dorchester["value"].tolist() == [2.0]
    assert len(result.notes) == 1 and "Dorchester" in result.notes[0]  # files otherwise agree


def test_output_passes_the_cache_rules(result, ccsq_dir):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    codes |= {a.code for a in result.areas}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("moj_ccsq_crown"),
        area_codes=codes,
        today=date(2026, 4, 1),
    )
    assert problems == []
    assert set(result.observations["measure_id"]) == set(measures_for_dataset("moj_ccsq_crown"))
    assert [p.name for p in result.files] == list(ccsq.FILES)
    assert all(p.parent == ccsq_dir for p in result.files)


# --- hostile files ---------------------------------------------------------------------------


def test_truncated_file_cut_mid_row(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(folder, "gold_backlog_by_court.csv", lambda t: t[: t.index("Birmingham,25") + 13])
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    err = caught.value
    assert (err.row, err.column) == (3, "open_year_ago")
    assert "gold_backlog_by_court.csv" in str(err) and "row 3" in str(err)


def test_truncated_inside_last_field_is_caught(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    # Cut inside the last number: every field is there, but the final line break is not.
    damage(folder, "gold_backlog_trajectory.csv", lambda t: t.rstrip("\n")[:-3])
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (41, "net_flow")
    assert "gold_backlog_trajectory.csv" in str(caught.value)


def test_renamed_column(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(folder, "gold_backlog_by_court.csv", lambda t: t.replace("open_latest", "open_now", 1))
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (1, "open_latest")
    assert "gold_backlog_by_court.csv" in str(caught.value)


def test_text_in_number_column(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(
        folder,
        "gold_backlog_by_court.csv",
        replace_line(3, "Midlands,Birmingham,n/a,2038.0,487.0,0.23895976447497547"),
    )
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    err = caught.value
    assert (err.row, err.column) == (3, "open_latest")
    assert "gold_backlog_by_court.csv" in str(err) and "'n/a'" in str(err)


def test_unparseable_date(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(folder, "gold_caseload_age_summary.csv", lambda t: t.replace("2016-12-31", "31/12/2016"))
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (5, "quarter_end")
    assert "gold_caseload_age_summary.csv" in str(caught.value)


def test_date_that_is_not_a_quarter_end(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(folder, "gold_waiting_hearing.csv", lambda t: t.replace("2016-06-30", "2016-06-29"))
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (3, "quarter_end")


def test_missing_file(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    (folder / "gold_waiting_hearing.csv").unlink()
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert caught.value.file.endswith("gold_waiting_hearing.csv")
    assert "missing" in str(caught.value)


def test_unknown_region_name(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(
        folder, "gold_oldest_by_region.csv", lambda t: t.replace("Q1,South East,", "Q1,Soth East,")
    )
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (2, "region")
    assert "Soth East" in str(caught.value)


def test_repeated_quarter_is_refused(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(folder, "gold_backlog_trajectory.csv", lambda t: t + t.split("\n")[-2] + "\n")
    with pytest.raises(LoaderError) as caught:
        ccsq.load(folder)
    assert (caught.value.row, caught.value.column) == (42, "quarter_end")


def test_national_rows_disagreeing_keep_summary_and_note(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(
        folder,
        "gold_oldest_by_region.csv",
        lambda t: t.replace(
            "2025-12-31,2025,Q4,England and Wales,national,75799.0,21002.0",
            "2025-12-31,2025,Q4,England and Wales,national,75799.0,21003.0",
        ),
    )
    result = ccsq.load(folder)
    assert pick(result, "crown_open_1yr_share", ENGLAND_AND_WALES, Q4_2025).numerator == 21002
    assert any("gold_oldest_by_region.csv" in n and "2025 Q4" in n for n in result.warnings)


def test_timeliness_trend_disagreeing_keeps_region_file_and_notes(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(
        folder,
        "gold_timeliness_trend.csv",
        lambda t: t.replace("2025-12-31,2025,Q4,707.0,346.0", "2025-12-31,2025,Q4,707.0,999.0"),
    )
    result = ccsq.load(folder)
    got = pick(result, "crown_offence_to_completion_median", ENGLAND_AND_WALES, Q4_2025)
    assert got.value != 999
    assert any("gold_timeliness_trend.csv" in n and "2025 Q4" in n for n in result.warnings)


def test_later_release_loads_without_code_change(ccsq_dir, tmp_path):
    folder = copy_folder(ccsq_dir, tmp_path / "release")
    damage(
        folder,
        "gold_backlog_trajectory.csv",
        lambda t: t + "2026-03-31,2026,Q1,29000.0,80683.0,29480.0,480.0\n",
    )
    damage(
        folder,
        "gold_caseload_age_summary.csv",
        lambda t: t + "2026-03-31,2026,Q1,80683.0,76000.0,21500.0,0.28289473684210525\n",
    )
    result = ccsq.load(folder)
    q1_2026 = date(2026, 3, 31)
    assert pick(result, "crown_open_cases", ENGLAND_AND_WALES, q1_2026).value == 80683
    assert pick(result, "crown_open_1yr_share", ENGLAND_AND_WALES, q1_2026).numerator == 21500
    # The court file states no quarter: it is dated by the latest quarter of the release, and
    # an unchanged court file no longer adds up to that quarter, which the notes say.
    assert pick(result, "crown_open_cases", "CC-TEESSIDE", q1_2026).value == 1548
    assert pick(result, "crown_backlog_years", "CC-TEESSIDE", q1_2026).value == pytest.approx(
        1548 / 2259
    )
    assert any("2026 Q1" in n and "different release" in n for n in result.warnings)
