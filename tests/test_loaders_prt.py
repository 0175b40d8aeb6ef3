"""Prison Reform Trust women's imprisonment rates: the XLSX and the CSV, exact figures, hostile
files. Every cell is checked against the CSV's text; the XLSX is read by the loader, so the two
agreeing cell for cell is itself a check of the XLSX path and its rounding.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from hostile_files import damage, load_error, on_line, release
from openpyxl import load_workbook

from loaders.areas import CLEVELAND, DURHAM, POLICE_FORCE_AREAS, force_code, reference_areas
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import prt_women

XLSX = "prt_women_imprisonment_rates_2014-2022_final_table.xlsx"
CSV = "prt_women_imprisonment_rates_2014-2022.csv"
NORTHUMBRIA = "E23000007"


@pytest.fixture(scope="module")
def prt_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "female_offenders"


@pytest.fixture(scope="module")
def result(prt_dir: Path) -> LoadResult:
    return prt_women.load(prt_dir)


def rates(result: LoadResult, area: str) -> dict[int, float]:
    frame = result.observations
    rows = frame[frame["area_code"] == area]
    return dict(zip((d.year for d in rows["period_start"]), rows["value"], strict=True))


def test_durham_cleveland_and_northumbria(result):
    durham, cleveland = rates(result, DURHAM), rates(result, CLEVELAND)
    northumbria = rates(result, NORTHUMBRIA)
    assert (durham[2014], durham[2022]) == (33.8, 23.2)
    assert (cleveland[2014], cleveland[2022]) == (42.8, 46.5)
    assert (northumbria[2014], northumbria[2022]) == (30.8, 20.2)
    assert sorted(durham) == list(range(2014, 2023))


def test_cleveland_is_highest_in_2022(result):
    frame = result.observations
    latest = frame[frame["period_start"] == date(2022, 1, 1)]
    assert latest.loc[latest["value"].idxmax(), "area_code"] == CLEVELAND


def test_every_cell_equals_the_published_csv(result, prt_dir):
    with (prt_dir / CSV).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    years = [int(y) for y in rows[0][1:]]
    expected = {
        (force_code(row[0]), date(year, 1, 1)): float(cell)
        for row in rows[1:]
        for year, cell in zip(years, row[1:], strict=True)
    }
    frame = result.observations
    stored = dict(
        zip(
            zip(frame["area_code"], frame["period_start"], strict=True), frame["value"], strict=True
        )
    )
    assert stored == expected
    assert len(stored) == 42 * 9
    assert set(frame["period_type"]) == {"year"}
    assert set(frame["period_end"]) == {date(y, 12, 31) for y in range(2014, 2023)}


def test_the_xlsx_is_read_and_rounded_like_the_published_table(result, prt_dir):
    sheet = load_workbook(prt_dir / XLSX, read_only=True).worksheets[0]
    raw = [list(r) for r in sheet.iter_rows(values_only=True)]
    surrey = next(r for r in raw if r[0] == "Surrey")
    assert isinstance(surrey[1], float)  # stored as a binary float, shown as 20.4
    assert rates(result, "E23000031")[2014] == 20.4
    assert [p.name for p in result.files] == [XLSX, CSV]  # the XLSX is the source used
    assert prt_women.round_published(20.399999999999999) == 20.4
    assert prt_women.round_published(16.25) == 16.3  # half up, as Excel shows it


def test_names_and_met_with_city(result):
    codes = set(result.observations["area_code"])
    assert codes == set(POLICE_FORCE_AREAS) - {"E23000034"}
    assert "E23000035" in codes  # "Devon and Cornwall"
    assert "W15000004" in codes  # "Dyfed-Powys"
    assert any("City of London" in n and "E23000001" in n for n in result.notes)


def test_output_passes_the_cache_rules(result):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("prt_women_imprisonment"),
        area_codes=codes,
        today=date(2026, 1, 1),
    )
    assert problems == []


def test_csv_alone_gives_the_same_figures(result, prt_dir, tmp_path):
    folder = release(prt_dir, tmp_path / "release", only=[CSV])
    alone = prt_women.load(folder)
    assert alone.observations["value"].tolist() == result.observations["value"].tolist()


def test_csv_that_disagrees_with_the_xlsx_is_noted(prt_dir, tmp_path):
    folder = release(prt_dir, tmp_path / "release")
    damage(folder, CSV, lambda t: t.replace("Durham,33.8,", "Durham,33.9,"))
    result = prt_women.load(folder)
    assert rates(result, DURHAM)[2014] == 33.8  # the XLSX wins
    # Two editions of one table disagreeing is a warning: the run is "success with warnings".
    assert any(CSV in n and "Durham 2014" in n and "33.9" in n for n in result.warnings)


# --- hostile files ---------------------------------------------------------------------------

DURHAM_LINE = 35


def csv_only(prt_dir: Path, tmp_path: Path) -> Path:
    return release(prt_dir, tmp_path / "release", only=[CSV])


def test_truncated_csv(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, lambda t: t[: t.index("Durham,33.8,31.2,") + 18])  # "...,31.2,3"
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (DURHAM_LINE, "2017")
    assert CSV in str(err) and "cut short" in str(err)


def test_csv_cut_at_a_line_end_misses_forces(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, lambda t: t[: t.index("Durham,")])
    err = load_error(prt_women.load, folder)
    assert err.column == "Police Force Area"
    assert "Durham" in str(err) and "Cleveland" in str(err)


def test_renamed_header(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, lambda t: t.replace("Police Force Area", "PFA", 1))
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (1, "Police Force Area")


def test_year_header_that_is_not_a_year(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, lambda t: t.replace(",2018,", ",2018/19,", 1))
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (1, "2018/19")


def test_text_in_a_rate_column(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, on_line(DURHAM_LINE, lambda line: line.replace("16.4", "n/a")))
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (DURHAM_LINE, "2019")
    assert "Durham 2019" in str(err) and "'n/a'" in str(err)


def test_unknown_area_name(prt_dir, tmp_path):
    folder = csv_only(prt_dir, tmp_path)
    damage(folder, CSV, on_line(DURHAM_LINE, lambda line: line.replace("Durham", "Durhamshire")))
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (DURHAM_LINE, "Police Force Area")
    assert "'Durhamshire'" in str(err)


def test_text_in_an_xlsx_cell_names_the_cell(prt_dir, tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    workbook = load_workbook(prt_dir / XLSX)
    sheet = workbook.worksheets[0]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "Cleveland")
    sheet.cell(row, 10).value = "high"
    workbook.save(folder / XLSX)
    err = load_error(prt_women.load, folder)
    assert (err.row, err.column) == (row, "2022")
    assert "cell J" in str(err) and "'high'" in str(err)


def test_truncated_xlsx(prt_dir, tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    data = (prt_dir / XLSX).read_bytes()
    (folder / XLSX).write_bytes(data[: len(data) // 2])
    err = load_error(prt_women.load, folder)
    assert XLSX in str(err) and "Excel workbook" in str(err)


def test_later_edition_loads_without_code_change(prt_dir, tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    workbook = load_workbook(prt_dir / XLSX)
    sheet = workbook.worksheets[0]
    sheet.cell(1, 11).value = "2023"
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, 11).value = 12.34 if sheet.cell(r, 1).value == "Durham" else 10.0
    workbook.save(folder / "prt_women_imprisonment_rates_2014-2023_final_table.xlsx")
    shutil.copy(prt_dir / CSV, folder / "old_table.csv.bak")  # not a .csv: ignored
    result = prt_women.load(folder)
    assert rates(result, DURHAM)[2023] == 12.3
    assert rates(result, DURHAM)[2022] == 23.2
    assert result.observations["period_end"].max() == date(2023, 12, 31)
