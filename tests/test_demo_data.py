"""The generated demo files must look exactly like the real ones and add up like real data.

The app runs on them whenever no published files are available, through the same loaders, so a
format drift here would hide a loader bug (or invent one). Real headers, names and line endings
are read from the shared public folder; numbers are never compared with real values.
"""

from __future__ import annotations

import csv
import re
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from config import DEFAULT_LCJP
from loaders import demo
from loaders.areas import POLICE_FORCE_AREAS, force_code, reference_areas
from loaders.frames import validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import ccsq as ccsq_loader
from loaders.sources import police_uk

TODAY = date(2026, 3, 26)  # latest complete quarter 2025 Q4, latest complete month 2026-02
GOLD_FILES = sorted(demo.CCSQ_HEADERS)
RAW_MONTHS = ("2025-12", "2026-01", "2026-02")
POLICE_UK_OUTCOMES = {
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Court result unavailable",
    "Suspect charged as part of another case",
    "Offender given a caution",
    "Offender given penalty notice",
    "Local resolution",
    "Offender given a drugs possession warning",
    "Unable to prosecute suspect",
    "Investigation complete; no suspect identified",
    "Formal action is not in the public interest",
    "Further action is not in the public interest",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return demo.write_demo_files(tmp_path_factory.mktemp("demo"), today=TODAY)


@pytest.fixture(scope="module")
def ccsq(tree) -> dict[str, pd.DataFrame]:
    folder = tree / demo.CCSQ_FOLDER
    return {name: pd.read_csv(folder / name) for name in GOLD_FILES}


@pytest.fixture(scope="module")
def aggregate(tree) -> pd.DataFrame:
    path = tree / demo.POLICE_FOLDER / demo.AGGREGATE_FILE
    return pd.read_csv(path, keep_default_na=False)


def _street(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline()


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# ---- the tree, determinism, speed ----------------------------------------------------------


def test_tree_has_every_file(tree):
    assert sorted(p.name for p in (tree / demo.CCSQ_FOLDER).iterdir()) == GOLD_FILES
    expected = {f"{m}-{s}-street.csv" for m in RAW_MONTHS for s in ("durham", "cleveland")}
    expected.add(demo.AGGREGATE_FILE)
    assert {p.name for p in (tree / demo.POLICE_FOLDER).iterdir()} == expected


def test_labelled_as_generated(tree):
    assert demo.DEMO_LABEL == "Demo data"
    assert "GENERATED, NOT REAL" in demo.__doc__
    assert "GENERATED, NOT REAL" in (tree / "PROVENANCE.md").read_text()


def test_same_seed_same_bytes(tmp_path):
    first = demo.write_demo_files(tmp_path / "a", today=TODAY, seed=7)
    second = demo.write_demo_files(tmp_path / "b", today=TODAY, seed=7)
    assert _all_bytes(first) == _all_bytes(second)
    other = _all_bytes(demo.write_demo_files(tmp_path / "c", today=TODAY, seed=8))
    assert (
        other["ccsq_crown_court/gold_backlog_trajectory.csv"]
        != (_all_bytes(first)["ccsq_crown_court/gold_backlog_trajectory.csv"])
    )


def test_bytes_change_only_when_a_period_completes(tmp_path, tree):
    """The refresh job skips an unchanged source by its hash, so the day alone must not matter."""
    same_month = demo.write_demo_files(tmp_path / "early", today=date(2026, 3, 1))
    assert _all_bytes(same_month) == _all_bytes(tree)


def test_fast_enough(tmp_path):
    started = time.perf_counter()
    demo.write_demo_files(tmp_path, today=TODAY, seed=11)
    assert time.perf_counter() - started < 3.0


def test_rewrite_removes_months_that_rolled_off(tmp_path):
    demo.write_demo_files(tmp_path, today=TODAY)
    (tmp_path / demo.POLICE_FOLDER / "notes.txt").write_text("kept")
    demo.write_demo_files(tmp_path, today=date(2026, 5, 10))
    names = {p.name for p in (tmp_path / demo.POLICE_FOLDER).iterdir()}
    raw = sorted(n for n in names if n.endswith("-street.csv"))
    assert raw == [f"2026-0{m}-{s}-street.csv" for m in (2, 3, 4) for s in ("cleveland", "durham")]
    assert "notes.txt" in names


def test_refuses_a_folder_of_real_files(tmp_path):
    (tmp_path / "PROVENANCE.md").write_text("# Provenance of public data files\n")
    with pytest.raises(ValueError, match="real published files"):
        demo.write_demo_files(tmp_path, today=TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PROVENANCE.md"]


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown police.uk force"):
        demo.write_demo_files(tmp_path, today=TODAY, lcjp_forces=("durham-constabulary",))
    with pytest.raises(ValueError, match="too early"):
        demo.write_demo_files(tmp_path, today=date(2019, 2, 1))


# ---- formats match the real published files --------------------------------------------------


@pytest.mark.parametrize("name", GOLD_FILES)
def test_gold_headers_and_line_endings_match_real(tree, public_data_dir, name):
    real = _first_line(public_data_dir / demo.CCSQ_FOLDER / name)
    assert _first_line(tree / demo.CCSQ_FOLDER / name) == real
    assert tuple(real.decode().strip().split(",")) == demo.CCSQ_HEADERS[name]


def test_street_headers_and_line_endings_match_real(tree, public_data_dir):
    real_folder = public_data_dir / demo.POLICE_FOLDER
    real_raw = _first_line(real_folder / "2025-01-durham-street.csv")
    for path in (tree / demo.POLICE_FOLDER).glob("*-street.csv"):
        assert _first_line(path) == real_raw, path.name
    (real_aggregate,) = real_folder.glob("street_counts_by_force_month_type_outcome_*.csv")
    ours = _first_line(tree / demo.POLICE_FOLDER / demo.AGGREGATE_FILE)
    assert ours == _first_line(real_aggregate)  # including its CRLF line ends


def test_numbers_are_written_like_the_real_files(tree):
    text = (tree / demo.CCSQ_FOLDER / "gold_backlog_trajectory.csv").read_text().splitlines()
    assert re.fullmatch(r"2016-03-31,2016,Q1,\d+\.0,\d+\.0,\d+\.0,-?\d+\.0", text[1])
    text = (tree / demo.CCSQ_FOLDER / "gold_caseload_age_summary.csv").read_text().splitlines()
    assert re.fullmatch(r"[\d-]+,\d{4},Q\d,\d+\.0,\d+\.0,\d+\.0,0\.\d+", text[1])
    court = (tree / demo.CCSQ_FOLDER / "gold_backlog_by_court.csv").read_text().splitlines()
    assert re.fullmatch(r"South West,Dorchester,,\d\.0,,", court[-1])  # closed centre: blanks


def test_quarters_run_from_2016_to_the_latest_complete_quarter(ccsq, tmp_path):
    trajectory = ccsq["gold_backlog_trajectory.csv"]
    assert trajectory["quarter_end"].iloc[0] == "2016-03-31"
    assert trajectory["quarter_end"].iloc[-1] == "2025-12-31"
    assert len(trajectory) == 40
    ends = pd.to_datetime(trajectory["quarter_end"])
    assert (ends.dt.year == trajectory["year"]).all()
    assert (("Q" + ends.dt.quarter.astype(str)) == trajectory["quarter"]).all()
    for name in GOLD_FILES:
        if "quarter_end" in ccsq[name]:
            assert set(ccsq[name]["quarter_end"]) == set(trajectory["quarter_end"]), name
    later = demo.write_demo_files(tmp_path, today=date(2026, 4, 1))
    last = pd.read_csv(later / demo.CCSQ_FOLDER / "gold_backlog_trajectory.csv").iloc[-1]
    assert last["quarter_end"] == "2026-03-31"


@pytest.mark.parametrize("name", ["gold_oldest_by_region.csv", "gold_timeliness_by_region.csv"])
def test_regions_and_geo_levels_match_real(ccsq, public_data_dir, name):
    real = pd.read_csv(public_data_dir / demo.CCSQ_FOLDER / name)
    pairs = set(zip(ccsq[name]["region"], ccsq[name]["geo_level"], strict=True))
    assert pairs == set(zip(real["region"], real["geo_level"], strict=True))
    assert (ccsq[name].groupby("quarter_end").size() == 8).all()


@pytest.mark.parametrize("name", ["gold_backlog_by_court.csv", "gold_court_backlog_ratio.csv"])
def test_courts_match_real(ccsq, public_data_dir, name):
    real = pd.read_csv(public_data_dir / demo.CCSQ_FOLDER / name)
    ours = set(zip(ccsq[name]["region"], ccsq[name]["court"], strict=True))
    assert ours == set(zip(real["region"], real["court"], strict=True))
    assert {("North East", c) for c in ("Durham", "Teesside", "Newcastle Upon Tyne")} <= ours


def test_age_bands_match_real(ccsq, public_data_dir):
    real = pd.read_csv(public_data_dir / demo.CCSQ_FOLDER / "gold_caseload_age.csv")
    bands = ["age_band", "age_order"]
    ours = ccsq["gold_caseload_age.csv"][bands].drop_duplicates()
    assert ours.reset_index(drop=True).equals(real[bands].drop_duplicates().reset_index(drop=True))


def test_force_names_are_police_uk_spellings(aggregate, public_data_dir):
    (real_path,) = (public_data_dir / demo.POLICE_FOLDER).glob("street_counts_*.csv")
    real = set(pd.read_csv(real_path, keep_default_na=False)["Falls within"])
    ours = set(aggregate["Falls within"])
    assert len(ours) == 43
    non_territorial = {"British Transport Police", "Police Service of Northern Ireland"}
    assert real - non_territorial <= ours
    assert {force_code(name) for name in ours} == set(POLICE_FORCE_AREAS)


def test_crime_types_and_outcomes_are_police_uk_categories(aggregate, public_data_dir):
    raw = _street(public_data_dir / demo.POLICE_FOLDER / "2025-01-durham-street.csv")
    assert set(aggregate["Crime type"]) == set(raw["Crime type"]) == set(demo.CRIME_TYPES)
    assert set(aggregate["Last outcome category"]) - {""} <= POLICE_UK_OUTCOMES
    is_asb = aggregate["Crime type"] == "Anti-social behaviour"
    assert (aggregate.loc[is_asb, "Last outcome category"] == "").all()
    assert (aggregate.loc[~is_asb, "Last outcome category"] != "").all()


def test_raw_street_files_look_like_police_uk(tree):
    names = {"durham": "Durham Constabulary", "cleveland": "Cleveland Police"}
    for path in sorted((tree / demo.POLICE_FOLDER).glob("*-street.csv")):
        month, slug = path.name[:7], path.name[8:-11]
        rows = _street(path)
        assert (rows["Month"] == month).all()
        assert (rows["Reported by"] == names[slug]).all()
        assert (rows["Falls within"] == names[slug]).all()
        assert (rows["Context"] == "").all()
        asb = rows["Crime type"] == "Anti-social behaviour"
        assert (rows.loc[asb, "Crime ID"] == "").all()
        assert (rows.loc[asb, "Last outcome category"] == "").all()
        ids = rows.loc[~asb, "Crime ID"]
        assert ids.str.fullmatch(r"[0-9a-f]{64}").all() and ids.is_unique
        assert rows["Longitude"].str.fullmatch(r"-?\d\.\d{6}").all()
        assert rows["Latitude"].str.fullmatch(r"5\d\.\d{6}").all()
        assert rows["Location"].str.startswith("On or near ").all()
        assert rows["LSOA code"].str.fullmatch(r"E019\d{5}").all()  # a range ONS never issued
        lsoa_area = rows["LSOA name"].str.rsplit(" ", n=1).str[0]
        home = {"durham": {"County Durham", "Darlington"}, "cleveland": {"Middlesbrough"}}[slug]
        assert lsoa_area.isin(home).any()


# ---- internal consistency ------------------------------------------------------------------


def test_flows_add_up(ccsq):
    t = ccsq["gold_backlog_trajectory.csv"]
    assert (t["net_flow"] == t["receipts"] - t["disposals"]).all()
    assert (t["open"].diff().iloc[1:] == t["net_flow"].iloc[1:]).all()
    assert (t[["disposals", "open", "receipts"]] > 0).all().all()


def test_age_bands_sum_to_valid_cases(ccsq):
    age = ccsq["gold_caseload_age.csv"]
    summary = ccsq["gold_caseload_age_summary.csv"].set_index("quarter_end")
    by_quarter = age.groupby("quarter_end")["count"].sum()
    assert (by_quarter == summary["valid_cases"]).all()
    old = age[age["age_order"] >= 8].groupby("quarter_end")["count"].sum()
    assert (old == summary["open_1yr_plus"]).all()
    assert np.allclose(summary["share_1yr_plus"], summary["open_1yr_plus"] / summary["valid_cases"])
    assert (summary["valid_cases"] <= summary["total_cases"]).all()
    trajectory = ccsq["gold_backlog_trajectory.csv"].set_index("quarter_end")
    assert (summary["total_cases"] == trajectory["open"]).all()


def test_regions_add_up_to_the_national_row(ccsq):
    summary = ccsq["gold_caseload_age_summary.csv"].set_index("quarter_end")
    oldest = ccsq["gold_oldest_by_region.csv"]
    assert np.allclose(oldest["share_1yr_plus"], oldest["open_1yr_plus"] / oldest["valid_cases"])
    national = oldest[oldest["geo_level"] == "national"].set_index("quarter_end")
    assert (national["valid_cases"] == summary["valid_cases"]).all()
    assert (national["open_1yr_plus"] == summary["open_1yr_plus"]).all()
    regions = oldest[oldest["geo_level"] == "region"].groupby("quarter_end").sum(numeric_only=True)
    # Cases with no known region are in the national row only, as in the real file.
    assert (regions["valid_cases"] <= national["valid_cases"]).all()
    assert (regions["valid_cases"] >= 0.99 * national["valid_cases"]).all()
    timeliness = ccsq["gold_timeliness_by_region.csv"]
    national_days = timeliness[timeliness["geo_level"] == "national"].set_index("quarter_end")
    trend = ccsq["gold_timeliness_trend.csv"].set_index("quarter_end")
    for column in ("offence_to_completion_median", "offence_to_completion_mean"):
        assert (national_days[column] == trend[column]).all()


def test_courts_add_up_to_the_national_caseload(ccsq):
    courts = ccsq["gold_backlog_by_court.csv"]
    trajectory = ccsq["gold_backlog_trajectory.csv"]
    assert courts["open_latest"].sum() == trajectory["open"].iloc[-1]
    assert courts["open_year_ago"].sum() == trajectory["open"].iloc[-5]
    known = courts.dropna()
    assert (known["change"] == known["open_latest"] - known["open_year_ago"]).all()
    assert np.allclose(known["pct_change"], known["change"] / known["open_year_ago"])
    assert courts["open_latest"].iloc[:-1].is_monotonic_decreasing  # largest first, blank last
    assert courts["open_latest"].isna().tolist() == [False] * (len(courts) - 1) + [True]
    ratio = ccsq["gold_court_backlog_ratio.csv"]
    assert np.allclose(ratio["years_of_backlog"], ratio["open_latest"] / ratio["annual_disposals"])
    assert ratio["annual_disposals"].sum() == trajectory["disposals"].iloc[-4:].sum()
    assert ratio["years_of_backlog"].is_monotonic_decreasing
    latest = courts.set_index("court")["open_latest"]
    assert (ratio.set_index("court")["open_latest"] == latest[ratio["court"]]).all()


def test_raw_street_files_agree_with_the_aggregate(tree, aggregate):
    keys = ["Month", "Falls within", "Crime type", "Last outcome category"]
    raw = pd.concat(_street(p) for p in (tree / demo.POLICE_FOLDER).glob("*-street.csv"))
    from_raw = raw.groupby(keys).size().rename("Count").sort_index()
    covered = aggregate[
        aggregate["Month"].isin(RAW_MONTHS)
        & aggregate["Falls within"].isin(["Durham Constabulary", "Cleveland Police"])
    ]
    from_aggregate = covered.set_index(keys)["Count"].sort_index()
    assert from_raw.to_dict() == from_aggregate.to_dict()


def test_other_partnership_forces_also_agree(tmp_path):
    tree = demo.write_demo_files(tmp_path, today=TODAY, lcjp_forces=("northumbria",))
    folder = tree / demo.POLICE_FOLDER
    raw = _street(folder / "2026-02-northumbria-street.csv")
    agg = pd.read_csv(folder / demo.AGGREGATE_FILE, keep_default_na=False)
    total = agg[(agg["Month"] == "2026-02") & (agg["Falls within"] == "Northumbria Police")]
    assert len(raw) == total["Count"].sum()


def test_aggregate_is_complete_sorted_and_sized(aggregate):
    months = sorted(aggregate["Month"].unique())
    assert months[0] == "2019-01" and months[-1] == "2026-02"
    assert len(months) == 7 * 12 + 2
    assert (aggregate.groupby("Month")["Falls within"].nunique() == 43).all()
    assert (aggregate["Count"] > 0).all()
    keys = ["Month", "Falls within", "Crime type", "Last outcome category"]
    assert not aggregate.duplicated(keys).any()
    as_tuples = list(aggregate[keys].itertuples(index=False, name=None))
    assert as_tuples == sorted(as_tuples)
    monthly = aggregate.groupby(["Falls within", "Month"])["Count"].sum()
    recent = monthly.loc[:, "2025-01":]
    assert recent["Durham Constabulary"].between(4500, 7000).all()
    assert recent["Cleveland Police"].between(5500, 8000).all()
    assert recent["Metropolitan Police Service"].min() > 8 * recent["Durham Constabulary"].max()


# ---- the COVID-19 shape ----------------------------------------------------------------------


def test_crown_court_covid_dip_and_backlog(ccsq):
    t = ccsq["gold_backlog_trajectory.csv"].set_index("quarter_end")
    assert t.loc["2020-06-30", "receipts"] < 0.7 * t.loc["2019-12-31", "receipts"]
    assert t.loc["2020-06-30", "disposals"] < 0.7 * t.loc["2019-12-31", "disposals"]
    assert t.loc["2025-12-31", "open"] > 1.5 * t.loc["2019-12-31", "open"]
    yearly_open = t["open"].groupby(t["year"]).last()
    assert yearly_open.loc[2021] > yearly_open.loc[2019]
    assert yearly_open.loc[2025] > yearly_open.loc[2023] > yearly_open.loc[2021]


def test_police_lockdown_dip_and_asb_spike(aggregate):
    asb = aggregate["Crime type"] == "Anti-social behaviour"
    crimes = aggregate[~asb].groupby("Month")["Count"].sum()
    reports = aggregate[asb].groupby("Month")["Count"].sum()
    # Compared with the same months a year before, so seasons and month lengths cancel out.
    assert crimes.loc["2020-04"] < 0.85 * crimes.loc["2019-04"]
    assert crimes.loc["2020-05"] < 0.9 * crimes.loc["2019-05"]
    assert reports.loc["2020-04"] > 1.8 * reports.loc["2019-04"]
    assert reports.loc["2020-05"] > 1.5 * reports.loc["2019-05"]


# ---- the real loaders read the demo files ----------------------------------------------------


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_every_row_has_every_column(tree):
    for path in sorted(tree.rglob("*.csv")):
        rows = _csv_rows(path)
        assert {len(r) for r in rows} == {len(rows[0])}, path.name


@pytest.fixture(scope="module")
def known_areas() -> set[str]:
    return {a.code for a in reference_areas(DEFAULT_LCJP)}


def test_ccsq_loader_reads_the_demo_files(tree, known_areas):
    result = ccsq_loader.load(tree / demo.CCSQ_FOLDER)
    # The only note is the closed centre's blank latest value, a quirk the real file has too;
    # every cross-file check the loader makes (courts vs national, bands vs valid) agrees.
    assert len(result.notes) == 1 and "Dorchester" in result.notes[0]
    areas = known_areas | {a.code for a in result.areas}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("moj_ccsq_crown"),
        area_codes=areas,
        today=TODAY,
    )
    assert problems == []
    assert result.observations["period_end"].max() == date(2025, 12, 31)


def test_police_uk_loader_reads_the_demo_files(tree, known_areas):
    result = police_uk.load(tree / demo.POLICE_FOLDER)
    assert result.notes == []  # raw files and aggregate agree, no crime lacks an outcome
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("police_uk_street"),
        area_codes=known_areas,
        today=TODAY,
    )
    assert problems == []
    assert set(result.observations["area_code"]) == set(POLICE_FORCE_AREAS)
