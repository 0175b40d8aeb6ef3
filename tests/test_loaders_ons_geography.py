"""ONS police force area codes and boundaries: agreement with the areas every source joins on,
hostile files, and boundaries that go through refresh (a broken file keeps the last good ones).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hostile_files import damage, load_error, on_line, release

from loaders import queries, refresh
from loaders.areas import CLEVELAND, DURHAM, POLICE_FORCE_AREAS
from loaders.datasets import DATASETS
from loaders.db import make_engine, migrate
from loaders.models import AreaBoundary, RefreshRun
from loaders.sources import ons_geography

CODES = "pfa23_codes.csv"
BOUNDARIES = "pfa_dec2023_boundaries.geojson"
SPEC = DATASETS["ons_pfa_boundaries"]


@pytest.fixture(scope="module")
def reference_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "reference"


@pytest.fixture(scope="module")
def result(reference_dir: Path):
    return ons_geography.load(reference_dir)


def test_codes_and_names_agree_with_the_areas(reference_dir):
    with (reference_dir / CODES).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["PFA23CD"]: r["PFA23NM"] for r in rows} == POLICE_FORCE_AREAS
    assert ons_geography.read_codes(reference_dir / CODES) == POLICE_FORCE_AREAS


def test_a_boundary_per_force_area_and_no_figures(result, reference_dir):
    assert result.observations.empty
    assert sorted(b.area_code for b in result.boundaries) == sorted(POLICE_FORCE_AREAS)
    by_code = {b.area_code: b for b in result.boundaries}
    assert by_code[DURHAM].name == "Durham" and by_code[CLEVELAND].name == "Cleveland"
    original = json.loads((reference_dir / BOUNDARIES).read_text())
    durham = next(f for f in original["features"] if f["properties"]["PFA23CD"] == DURHAM)
    # Durham's single polygon is kept exactly as published (wrapped as a MultiPolygon).
    assert json.loads(by_code[DURHAM].geometry)["coordinates"] == [
        durham["geometry"]["coordinates"]
    ]


def test_area_less_slivers_are_dropped_and_counted(result, reference_dir):
    original = json.loads((reference_dir / BOUNDARIES).read_text())
    slivers = sum(
        1
        for f in original["features"]
        for polygon in (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "MultiPolygon"
            else [f["geometry"]["coordinates"]]
        )
        if len(polygon[0]) < 4
    )
    assert slivers == 188
    assert len(result.notes) == 1 and "188 polygons" in result.notes[0]
    for boundary in result.boundaries:
        geometry = json.loads(boundary.geometry)
        assert geometry["type"] == "MultiPolygon"
        assert all(len(ring) >= 4 for polygon in geometry["coordinates"] for ring in polygon)


# --- hostile files ---------------------------------------------------------------------------


def test_a_name_that_differs_names_the_code(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")
    damage(folder, CODES, on_line(9, lambda line: line.replace("Durham", "County Durham")))
    err = load_error(ons_geography.load, folder)
    assert (err.row, err.column) == (9, "PFA23NM")
    assert "E23000008" in str(err) and "County Durham" in str(err)


def test_an_unknown_code_is_named(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")
    damage(folder, CODES, on_line(14, lambda line: line.replace("E23000013", "E23000099")))
    err = load_error(ons_geography.load, folder)
    assert (err.row, err.column) == (14, "PFA23CD")
    assert "E23000099" in str(err)


def test_truncated_code_list(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")
    damage(folder, CODES, lambda t: t[: t.index("E23000013,Clev") + 12])
    err = load_error(ons_geography.load, folder)
    assert err.row == 14 and CODES in str(err) and "cut short" in str(err)


def test_renamed_code_column(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")
    damage(folder, CODES, lambda t: t.replace("PFA23CD", "PFA_CODE", 1))
    err = load_error(ons_geography.load, folder)
    assert (err.row, err.column) == (1, "PFA_CODE")


def test_missing_boundary_names_the_force(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")

    def drop_cleveland(text: str) -> str:
        data = json.loads(text)
        data["features"] = [f for f in data["features"] if f["properties"]["PFA23CD"] != CLEVELAND]
        return json.dumps(data)

    damage(folder, BOUNDARIES, drop_cleveland)
    err = load_error(ons_geography.load, folder)
    assert "E23000013 (Cleveland)" in str(err) and BOUNDARIES in str(err)


def test_swapped_coordinates_are_refused(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")

    def swap_durham(text: str) -> str:
        data = json.loads(text)
        for feature in data["features"]:
            if feature["properties"]["PFA23CD"] == DURHAM:
                ring = feature["geometry"]["coordinates"][0]
                feature["geometry"]["coordinates"][0] = [[y, x] for x, y in ring]
        return json.dumps(data)

    damage(folder, BOUNDARIES, swap_durham)
    err = load_error(ons_geography.load, folder)
    assert (err.row, err.column) == (8, "geometry")
    assert "E23000008" in str(err) and "swapped" in str(err)


def test_truncated_boundaries(reference_dir, tmp_path):
    folder = release(reference_dir, tmp_path / "release")
    damage(folder, BOUNDARIES, lambda t: t[: len(t) // 3])
    err = load_error(ons_geography.load, folder)
    assert BOUNDARIES in str(err) and "cut short" in str(err)
    assert err.row == 1 and err.column.startswith("char ")  # the file is one long line


# --- through refresh -------------------------------------------------------------------------


def test_boundaries_load_and_a_broken_file_keeps_the_last_good_ones(cache, reference_dir, tmp_path):
    with cache() as session:
        assert queries.boundaries(session) == {"type": "FeatureCollection", "features": []}
    first = refresh.refresh_dataset(cache, SPEC, reference_dir, today=date(2026, 1, 1))
    assert (first.status, first.rows) == ("success", 43)
    with cache() as session:
        collection = queries.boundaries(session)
        partnership = queries.boundaries(session, area_codes=[DURHAM, CLEVELAND])
    assert [f["id"] for f in collection["features"]] == sorted(POLICE_FORCE_AREAS)
    assert collection["features"][0]["properties"] == {
        "code": "E23000001",
        "name": "Metropolitan Police",
    }
    assert [f["id"] for f in partnership["features"]] == [DURHAM, CLEVELAND]

    broken = release(reference_dir, tmp_path / "broken")
    damage(broken, BOUNDARIES, lambda t: t[: len(t) // 2])
    second = refresh.refresh_dataset(cache, SPEC, broken, today=date(2026, 1, 1))
    assert second.status == "failed" and BOUNDARIES in second.error
    with cache() as session:
        assert queries.boundaries(session) == collection
        assert session.scalar(sa.select(sa.func.count()).select_from(AreaBoundary)) == 43
        run = session.scalars(sa.select(RefreshRun).order_by(RefreshRun.id.desc())).first()
    assert run.status == "failed" and BOUNDARIES in run.error

    again = refresh.refresh_dataset(cache, SPEC, reference_dir, today=date(2026, 1, 1))
    assert again.status == "unchanged"


def test_migrations_match_the_models(make_settings):
    """The Alembic revisions create exactly the tables the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from loaders.db import Base

    engine = make_engine(make_settings().database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []
