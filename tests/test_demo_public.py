"""The generated CPS, PRT, reoffending and ONS files look like the real ones and load through the
real loaders, so a demo install has every public dataset.

Formats (headers, line ends, quoting, JSON keys) are compared with the real files in the shared
public folder; numbers never are, except the ONS code list, which is public fact.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from config import DEFAULT_LCJP
from loaders import demo, demo_public, queries, refresh
from loaders.areas import CLEVELAND, POLICE_FORCE_AREAS, reference_areas
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.frames import validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import (
    cps,
    ons_geography,
    police_uk_outcomes,
    population,
    prt_women,
    reoffending,
)

TODAY = date(2026, 3, 26)
NEW_DATASETS = (
    "cps_case_outcomes",
    "prt_women_imprisonment",
    "moj_proven_reoffending",
    "ons_pfa_boundaries",
    "pfa_population",
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return demo.write_demo_files(tmp_path_factory.mktemp("demo"), today=TODAY)


@pytest.fixture(scope="module")
def known_areas() -> set[str]:
    return {a.code for a in reference_areas(DEFAULT_LCJP)}


def passes_cache_rules(result, dataset_id: str, known_areas: set[str]) -> None:
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset(dataset_id),
        area_codes=known_areas,
        today=TODAY,
    )
    assert problems == []


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# --- CPS -------------------------------------------------------------------------------------


def test_cps_files_copy_the_real_layout(tree, public_data_dir):
    folder = tree / demo_public.CPS_FOLDER
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 24
    assert "april2025.csv" in names and "july2025.csv" in names and "feb2026.csv" in names
    real = csv_rows(public_data_dir / "cps_case_outcomes" / "oct2015.csv")
    rows = csv_rows(folder / "feb2026.csv")
    assert rows[0] == real[0]  # empty first cell, mislabelled last column and all
    assert [r[0] for r in rows] == [r[0] for r in real]  # National, then the CPS Areas in order
    data = (folder / "feb2026.csv").read_bytes()
    assert data.count(b"\r\n") == len(rows) and b"\n" not in data.replace(b"\r\n", b"")
    assert b'"' in data and ",-," in data.decode()  # quoted thousands, "-" for no cases
    national = [int(c.replace(",", "")) for c in rows[1][1::2]]
    areas = [[int(c.replace(",", "")) for c in r[1::2]] for r in rows[2:]]
    counts = [n for i, n in enumerate(national) if rows[0][1 + 2 * i].startswith("Number")]
    summed = [sum(col) for col in zip(*areas, strict=True)]
    assert counts == [s for i, s in enumerate(summed) if rows[0][1 + 2 * i].startswith("Number")]


def test_cps_demo_loads(tree, known_areas):
    result = cps.load(tree / demo_public.CPS_FOLDER)
    assert [n for n in result.notes if "Metropolitan and City" not in n] == []
    passes_cache_rules(result, "cps_case_outcomes", known_areas)
    assert result.observations["period_end"].max() == date(2026, 2, 28)


# --- Prison Reform Trust ---------------------------------------------------------------------


def test_prt_files_copy_the_real_layout(tree, public_data_dir):
    folder = tree / demo_public.PRT_FOLDER
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "prt_women_imprisonment_rates_2014-2024.csv",
        "prt_women_imprisonment_rates_2014-2024_final_table.xlsx",
    ]
    real = csv_rows(next((public_data_dir / "female_offenders").glob("*.csv")))
    rows = csv_rows(folder / names[0])
    assert rows[0][:10] == real[0] and rows[0][10:] == ["2023", "2024"]
    assert {r[0] for r in rows[1:]} == {r[0] for r in real[1:]}  # PRT's own spellings
    assert (folder / names[0]).read_bytes().endswith(b"\r\n")
    sheet = load_workbook(folder / names[1], read_only=True).worksheets[0]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][1] == "2014"  # years are text in the real workbook too
    assert any(v != round(v, 1) for row in cells[1:] for v in row[1:])  # binary float noise


def test_prt_demo_loads_and_xlsx_agrees_with_csv(tree, known_areas):
    result = prt_women.load(tree / demo_public.PRT_FOLDER)
    assert [n for n in result.notes if "City of London" not in n] == []  # no disagreements
    passes_cache_rules(result, "prt_women_imprisonment", known_areas)
    frame = result.observations
    latest = frame[frame["period_start"] == date(2024, 1, 1)]
    rank = latest["value"].rank(ascending=False)[latest["area_code"] == CLEVELAND].iloc[0]
    assert rank <= 10  # among the highest, as in the real table


# --- proven reoffending ----------------------------------------------------------------------


def test_reoffending_json_copies_the_real_keys(tree, public_data_dir):
    real = json.loads(next((public_data_dir / "reoffending").glob("*.json")).read_text())
    ours = json.loads(
        (tree / demo_public.REOFFENDING_FOLDER / real_name(public_data_dir)).read_text()
    )
    assert ours.keys() == real.keys()
    assert ours["timeSeries"][0].keys() == real["timeSeries"][0].keys()
    assert ours["byOffenceGroup"][0].keys() == real["byOffenceGroup"][0].keys()
    assert [g["group"] for g in ours["byOffenceGroup"]] != []
    assert {g["group"] for g in ours["byOffenceGroup"]} == {
        g["group"] for g in real["byOffenceGroup"]
    }
    assert "DEMO" in ours["metadata"]["sources"][0]["name"]


def real_name(public_data_dir: Path) -> str:
    return next((public_data_dir / "reoffending").glob("*.json")).name


def test_reoffending_demo_loads(tree, known_areas):
    result = reoffending.load(tree / demo_public.REOFFENDING_FOLDER)
    assert result.notes == []  # rates match counts, groups add up to the cohort
    passes_cache_rules(result, "moj_proven_reoffending", known_areas)
    frame = result.observations
    rates = frame[
        (frame["measure_id"] == "reoffending_offenders") & (frame["breakdown"].map(len) == 0)
    ]
    by_year = dict(zip((d.year for d in rates["period_start"]), rates["value"], strict=True))
    assert by_year[2020] < by_year[2019] < by_year[2012]  # the lockdown cohort is smallest


# --- ONS reference ---------------------------------------------------------------------------


def test_reference_codes_are_the_public_list_and_boundaries_are_generated(tree, public_data_dir):
    folder = tree / demo_public.REFERENCE_FOLDER
    real = public_data_dir / "reference"
    assert (folder / "pfa23_codes.csv").read_bytes() == (real / "pfa23_codes.csv").read_bytes()
    ours = json.loads((folder / "pfa_demo_boundaries.geojson").read_text())
    theirs = json.loads((real / "pfa_dec2023_boundaries.geojson").read_text())
    assert len(ours["features"]) == 43
    assert ours["features"][0]["properties"].keys() == theirs["features"][0]["properties"].keys()
    real_geometries = {json.dumps(f["geometry"]) for f in theirs["features"]}
    assert not any(json.dumps(f["geometry"]) in real_geometries for f in ours["features"])
    assert all(len(f["geometry"]["coordinates"][0]) == 5 for f in ours["features"])


def test_reference_demo_loads(tree):
    result = ons_geography.load(tree / demo_public.REFERENCE_FOLDER)
    assert result.notes == []
    assert sorted(b.area_code for b in result.boundaries) == sorted(POLICE_FORCE_AREAS)


def test_population_copies_the_real_layout_with_generated_figures(
    tree, public_data_dir, known_areas
):
    ours = csv_rows(tree / demo_public.REFERENCE_FOLDER / "pfa_population.csv")
    theirs = csv_rows(public_data_dir / "reference" / "pfa_population.csv")
    assert ours[0] == theirs[0]
    assert len(ours) == len(theirs) == 43  # 42 forces, no City of London
    assert {r[0] for r in ours[1:]} == {r[0] for r in theirs[1:]}
    assert all("," in r[2] for r in ours[1:])  # thousands separators, quoted in the file
    raw = (tree / demo_public.REFERENCE_FOLDER / "pfa_population.csv").read_text()
    assert '"' in raw and "\r" not in raw
    assert [r[2] for r in ours[1:]] != [r[2] for r in sorted(theirs[1:])]  # not the real figures
    result = population.load(tree / demo_public.REFERENCE_FOLDER)
    passes_cache_rules(result, "pfa_population", known_areas)
    assert len(result.observations) == 42


# --- police.uk outcomes on the demo street files ---------------------------------------------


def test_police_outcomes_demo_loads(tree, known_areas, tmp_path):
    # The raw files only: the aggregate goes through the same reader in test_demo_data.
    folder = tmp_path / "street"
    folder.mkdir()
    for path in (tree / demo.POLICE_FOLDER).glob("*-street.csv"):
        (folder / path.name).symlink_to(path)
    result = police_uk_outcomes.load(folder)
    passes_cache_rules(result, "police_uk_outcomes", known_areas)
    assert set(result.observations["area_code"]) == {"E23000008", CLEVELAND}
    outside = [n for n in result.notes if "outside the force area" in n]
    assert len(outside) == 6  # the demo, like police.uk, snaps a few records over the border
    assert any("Sunderland" in n for n in outside) and any("Hambleton" in n for n in outside)


# --- a demo install refreshes every public dataset -------------------------------------------


def test_demo_refresh_loads_every_new_dataset_once(make_settings, tree, tmp_path):
    settings = make_settings(public_data_dir=None)
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    refresh.sync_registry(factory, settings.lcjp)
    # Three months of CPS files are enough here (the loader test reads all 24) and keep it quick.
    cps_months = tmp_path / demo_public.CPS_FOLDER
    cps_months.mkdir()
    for name in ("dec2025.csv", "jan2026.csv", "feb2026.csv"):
        (cps_months / name).symlink_to(tree / demo_public.CPS_FOLDER / name)
    folders = {d: tree / DATASETS[d].folder for d in NEW_DATASETS}
    folders["cps_case_outcomes"] = cps_months
    for expected in ("success", "unchanged"):  # the same bytes are recognised and skipped
        for dataset_id in NEW_DATASETS:
            spec = DATASETS[dataset_id]
            outcome = refresh.refresh_dataset(
                factory, spec, folders[dataset_id], is_demo=True, today=TODAY
            )
            assert (dataset_id, outcome.status) == (dataset_id, expected), outcome.error
    with factory() as session:
        assert all(queries.provenance(session, d).is_demo for d in NEW_DATASETS)
        assert len(queries.boundaries(session)["features"]) == 43
        assert len(queries.populations(session).figures) == 42
    engine.dispose()
