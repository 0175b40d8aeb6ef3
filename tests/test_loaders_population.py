"""Resident population by police force area: the real table read exactly, hostile files refused
with the file, row and column named, and the figures readable through one query and nowhere
else (no page, pack or meeting offers a "population" measure).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hostile_files import damage, load_error, on_line, release

from loaders import queries, refresh
from loaders.areas import CLEVELAND, DURHAM
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.measures import MEASURES, REFERENCE_MEASURES, measures_for_dataset
from loaders.sources import population

FILE = "pfa_population.csv"
SPEC = DATASETS["pfa_population"]


@pytest.fixture(scope="module")
def reference_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "reference"


def test_the_real_table_is_read_exactly(reference_dir):
    result = population.load(reference_dir)
    frame = result.observations
    assert len(frame) == 42
    assert frame["value"].sum() == 60_227_200
    by_code = dict(zip(frame["area_code"], frame["value"], strict=True))
    assert by_code[DURHAM] == 637_600
    assert by_code[CLEVELAND] == 579_300
    assert by_code["E23000001"] == 8_855_300  # Metropolitan Police
    assert by_code["W15000004"] == 519_000  # Dyfed-Powys
    assert "E23000034" not in by_code  # no City of London row
    assert set(frame["measure_id"]) == {"pfa_population"}
    assert set(frame["period_end"]) == {date(2022, 6, 30)}
    assert set(frame["period_type"]) == {"snapshot"}
    assert result.files == [reference_dir / FILE]
    assert any("City of London" in note for note in result.notes)


def test_the_registry_entry(reference_dir):
    assert SPEC.classification == "public" and SPEC.cadence == "annual"
    assert SPEC.folder == "reference" and SPEC.publication_url.startswith("https://")
    assert SPEC.schedule != DATASETS["ons_pfa_boundaries"].schedule
    assert measures_for_dataset("pfa_population") == {"pfa_population": "count"}
    # A reference figure, never a measure of its own on a page, tile, pack or meeting.
    assert "pfa_population" not in MEASURES
    assert REFERENCE_MEASURES["pfa_population"].dataset_id == "pfa_population"


def test_a_renamed_column_is_named(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release", only=[FILE])
    damage(folder, FILE, lambda t: t.replace("Population (mid 2022 estimate)", "Residents", 1))
    err = load_error(population.load, folder)
    assert (err.row, err.column) == (1, "Population (mid YYYY estimate)")
    assert "column 3 should be 'Population (mid YYYY estimate)' but is 'Residents'" in str(err)
    assert FILE in str(err)

    folder = release(reference_dir, tmp_path / "code", only=[FILE])
    damage(folder, FILE, lambda t: t.replace("Code", "PFA22CD", 1))
    err = load_error(population.load, folder)
    assert (err.row, err.column) == (1, "Code") and "'PFA22CD'" in str(err)


def test_bad_cells_are_named(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "number", only=[FILE])
    damage(folder, FILE, on_line(3, lambda line: line.replace('"637,600"', '"637.600"')))
    err = load_error(population.load, folder)
    assert (err.row, err.column) == (3, "Population (mid 2022 estimate)")
    assert "Durham: '637.600' is not a population" in str(err)

    folder = release(reference_dir, tmp_path / "unknown", only=[FILE])
    damage(folder, FILE, on_line(2, lambda line: line.replace("E23000013", "E23000099")))
    err = load_error(population.load, folder)
    assert (err.row, err.column) == (2, "Code") and "E23000099" in str(err)

    folder = release(reference_dir, tmp_path / "short", only=[FILE])
    damage(
        folder, FILE, lambda t: "\n".join(line for line in t.split("\n") if "Cleveland" not in line)
    )
    err = load_error(population.load, folder)
    assert "no row for E23000013 (Cleveland)" in str(err)


def test_populations_through_refresh_and_one_query(make_settings, reference_dir, tmp_path):
    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    refresh.sync_registry(factory, settings.lcjp)
    with factory() as session:
        empty = queries.populations(session)
    assert (empty.figures, empty.period_end, empty.period_label, bool(empty)) == (
        {},
        None,
        "",
        False,
    )

    outcome = refresh.refresh_dataset(factory, SPEC, reference_dir, today=date(2026, 1, 1))
    assert (outcome.status, outcome.rows) == ("success", 42), outcome.error
    with factory() as session:
        loaded = queries.populations(session)
        provenance = queries.provenance(session, "pfa_population")
    assert loaded.figures[DURHAM] == 637_600 and loaded.get(CLEVELAND) == 579_300
    assert len(loaded.figures) == 42 and sum(loaded.figures.values()) == 60_227_200
    assert (loaded.period_end, loaded.period_label) == (date(2022, 6, 30), "mid-2022")
    assert provenance.publisher == SPEC.publisher and provenance.period_latest == date(2022, 6, 30)

    # A broken edition fails alone; the figures already stored stay as they were.
    broken = release(reference_dir, tmp_path / "broken", only=[FILE])
    damage(broken, FILE, lambda t: t.replace("Population (mid 2022 estimate)", "Pop", 1))
    failed = refresh.refresh_dataset(factory, SPEC, broken, today=date(2026, 1, 1))
    assert failed.status == "failed" and FILE in failed.error
    with factory() as session:
        assert queries.populations(session) == loaded
    engine.dispose()
