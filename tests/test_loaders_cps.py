"""CPS case outcomes: exact figures from the real monthly files, and every hostile file.

Figures are re-read from the raw CSV text with the csv module, by exact column name, so the
loader's position-based mapping (including the mislabelled last column) is checked independently.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hostile_files import damage, load_error, on_line, release

from loaders.areas import CLEVELAND, DURHAM, ENGLAND_AND_WALES, POLICE_FORCE_AREAS, reference_areas
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import cps

OCT_2015 = date(2015, 10, 1)
OAP = "Offences Against The Person"
MET = "E23000001"


@pytest.fixture(scope="module")
def cps_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "cps_case_outcomes"


@pytest.fixture(scope="module")
def result(cps_dir: Path) -> LoadResult:
    return cps.load(cps_dir)


def rows_of(path: Path) -> dict[str, dict[str, str]]:
    """CPS Area -> {header: cell}; the empty first header cell is the area name."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return {row[0]: dict(zip(header, row, strict=True)) for row in reader}


def number(text: str) -> int:
    return 0 if text == "-" else int(text.replace(",", ""))


_INDEX: dict[int, dict] = {}


def value(result, measure, area, month, offence=None, field="value"):
    """One stored figure, found through an index built once per result (27k rows)."""
    index = _INDEX.get(id(result))
    if index is None:
        frame = result.observations
        index = {}
        for row in frame.itertuples(index=False):
            key = (row.measure_id, row.area_code, row.period_start, row.breakdown.get("offence"))
            assert key not in index, key
            index[key] = row
        _INDEX.clear()
        _INDEX[id(result)] = index
    row = index[(measure, area, month, offence)]
    return getattr(row, field)


# --- exact figures from the real files -------------------------------------------------------


def test_october_2015_cleveland_and_durham_offences_against_the_person(result, cps_dir):
    rows = rows_of(cps_dir / "oct2015.csv")
    cleveland, durham = rows["Cleveland"], rows["Durham"]
    assert cleveland[f"Number of {OAP} Convictions"] == "149"
    assert cleveland[f"Percentage of {OAP} Convictions"] == "75.3%"
    assert cleveland[f"Number of {OAP} Unsuccessful"] == "49"
    assert cleveland[f"Percentage of {OAP} Unsuccessful"] == "24.7%"
    assert durham[f"Number of {OAP} Convictions"] == "135"
    assert durham[f"Percentage of {OAP} Unsuccessful"] == "27.4%"

    assert value(result, "cps_convictions", CLEVELAND, OCT_2015, OAP) == 149
    assert value(result, "cps_unsuccessful", CLEVELAND, OCT_2015, OAP) == 49
    assert value(result, "cps_conviction_rate", CLEVELAND, OCT_2015, OAP) == 75.3
    assert value(result, "cps_conviction_rate", CLEVELAND, OCT_2015, OAP, "numerator") == 149
    assert value(result, "cps_conviction_rate", CLEVELAND, OCT_2015, OAP, "denominator") == 198
    assert value(result, "cps_unsuccessful_rate", CLEVELAND, OCT_2015, OAP) == 24.7
    assert value(result, "cps_convictions", DURHAM, OCT_2015, OAP) == 135
    assert value(result, "cps_unsuccessful", DURHAM, OCT_2015, OAP) == 51
    assert value(result, "cps_conviction_rate", DURHAM, OCT_2015, OAP) == 72.6
    assert value(result, "cps_unsuccessful_rate", DURHAM, OCT_2015, OAP) == 27.4


def test_every_published_cell_is_stored_as_published(result, cps_dir):
    """All 12 files, every area and category: counts and percentages equal the file's text."""
    names = {r["cps_area"]: r["code"] for r in _area_codes()}
    checked = 0
    for path in sorted(cps_dir.glob("*.csv")):
        year, month = cps.file_month(path)
        start = date(year, month, 1)
        for area_name, row in rows_of(path).items():
            area = names[area_name]
            for category in cps.KNOWN_CATEGORIES:
                conv = number(row[f"Number of {category} Convictions"])
                unsucc = number(row[f"Number of {category} Unsuccessful"])
                assert value(result, "cps_convictions", area, start, category) == conv
                assert value(result, "cps_unsuccessful", area, start, category) == unsucc
                pct = row[f"Percentage of {category} Convictions"]
                if conv + unsucc:
                    assert value(result, "cps_conviction_rate", area, start, category) == float(
                        pct.rstrip("%")
                    )
                checked += 1
    assert checked == 12 * 43 * 12


def _area_codes():
    for code, name in POLICE_FORCE_AREAS.items():
        spelled = {
            "E23000005": "GreaterManchester",
            "E23000001": "Metropolitan and City",
            "W15000004": "Dyfed Powys",
            "E23000035": "Devon and Cornwall",
        }.get(code, name)
        if code != "E23000034":
            yield {"cps_area": spelled, "code": code}
    yield {"cps_area": "National", "code": ENGLAND_AND_WALES}


def test_quoted_thousands_and_all_offence_totals(result, cps_dir):
    national = rows_of(cps_dir / "oct2015.csv")["National"]
    assert national[f"Number of {OAP} Convictions"] == "11,595"
    assert value(result, "cps_convictions", ENGLAND_AND_WALES, OCT_2015, OAP) == 11595
    convictions = sum(number(national[f"Number of {c} Convictions"]) for c in cps.KNOWN_CATEGORIES)
    unsuccessful = sum(
        number(national[f"Number of {c} Unsuccessful"]) for c in cps.KNOWN_CATEGORIES
    )
    admin = number(national["Number of Admin Finalised Unsuccessful"])
    assert (convictions, unsuccessful, admin) == (43202, 8481, 920)
    assert value(result, "cps_convictions", ENGLAND_AND_WALES, OCT_2015) == 43202
    # Administrative finalisations are unsuccessful outcomes (CPS's definition).
    assert value(result, "cps_unsuccessful", ENGLAND_AND_WALES, OCT_2015) == 8481 + 920
    assert value(result, "cps_unsuccessful", ENGLAND_AND_WALES, OCT_2015, "Admin Finalised") == 920
    rate = value(result, "cps_conviction_rate", ENGLAND_AND_WALES, OCT_2015)
    assert rate == pytest.approx(100 * 43202 / (43202 + 8481 + 920))
    assert value(
        result, "cps_conviction_rate", ENGLAND_AND_WALES, OCT_2015, field="denominator"
    ) == (52603)


def test_no_cases_gives_no_rate(result, cps_dir):
    rows = rows_of(cps_dir / "oct2015.csv")
    assert rows["Cleveland"]["Number of Homicide Convictions"] == "0"
    assert rows["Cleveland"]["Percentage of Homicide Convictions"] == "-"
    assert rows["Suffolk"]["Percentage of Robbery Convictions"] == "0"  # CPS's other "none"
    for area, offence in ((CLEVELAND, "Homicide"), ("E23000025", "Robbery")):
        assert value(result, "cps_convictions", area, OCT_2015, offence) == 0
        with pytest.raises(KeyError):
            value(result, "cps_conviction_rate", area, OCT_2015, offence)


def test_months_come_from_file_names(result):
    months = sorted(set(result.observations["period_start"]))
    assert months[0] == OCT_2015 and months[-1] == date(2016, 12, 1)
    assert date(2016, 4, 1) in months and date(2016, 7, 1) in months  # april2016, july2016
    assert len(months) == 12
    assert set(result.observations["period_type"]) == {"month"}
    assert cps.file_month(Path("principal_offence_category_september_2016.csv")) == (2016, 9)
    assert cps.file_month(Path("Sept2016.csv")) == (2016, 9)


def test_areas_join_on_ons_codes_with_met_and_city_as_the_met(result):
    codes = set(result.observations["area_code"])
    assert codes == (set(POLICE_FORCE_AREAS) - {"E23000034"}) | {ENGLAND_AND_WALES}
    assert any("Metropolitan and City" in n and MET in n for n in result.notes)
    assert value(result, "cps_convictions", MET, OCT_2015, OAP) > 1000


def test_output_passes_the_cache_rules(result):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("cps_case_outcomes"),
        area_codes=codes,
        today=date(2026, 1, 1),
    )
    assert problems == []
    assert len(result.files) == 12


# --- hostile files ---------------------------------------------------------------------------

CLEVELAND_LINE = 7  # header, National, Avon and Somerset, Bedfordshire, Cambridgeshire, Cheshire


def one_month(cps_dir: Path, tmp_path: Path) -> Path:
    return release(cps_dir, tmp_path / "release", only=["oct2015.csv"])


def test_truncated_file(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    # The download stopped inside Cleveland's unsuccessful OAP count: "...,149,75.3%,4"
    damage(folder, "oct2015.csv", lambda t: t[: t.index("Cleveland,0,-,0,-,149,75.3%,") + 29])
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (CLEVELAND_LINE, f"Percentage of {OAP} Unsuccessful")
    assert "oct2015.csv" in str(err) and "cut short" in str(err)


def test_file_cut_at_a_line_end_is_still_caught(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(folder, "oct2015.csv", lambda t: t[: t.index("Cumbria,")])
    err = load_error(cps.load, folder)
    assert err.column == cps.AREA_COLUMN and err.row == CLEVELAND_LINE + 1
    assert "Cumbria" in str(err) and "cut short" in str(err)


def test_renamed_header(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(
        folder,
        "oct2015.csv",
        lambda t: t.replace("Percentage of Burglary Unsuccessful", "Percent Burglary Unsucc", 1),
    )
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (1, "Percentage of Burglary Unsuccessful")
    assert "column 17" in str(err) and "oct2015.csv" in str(err)


def test_first_header_cell_must_be_empty(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(folder, "oct2015.csv", lambda t: "CPS Area" + t)
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (1, "CPS Area")


def test_text_in_a_number_column(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(
        folder,
        "oct2015.csv",
        on_line(CLEVELAND_LINE, lambda line: line.replace(",149,75.3%", ",about 150,75.3%")),
    )
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (CLEVELAND_LINE, f"Number of {OAP} Convictions")
    assert "'about 150' is not a count" in str(err)


def test_a_percentage_that_does_not_match_its_counts(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(
        folder,
        "oct2015.csv",
        on_line(CLEVELAND_LINE, lambda line: line.replace(",149,75.3%,49,", ",149,24.7%,49,")),
    )
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (CLEVELAND_LINE, f"Percentage of {OAP} Convictions")
    assert "149 of 198 is 75.25%" in str(err)


def test_mislabelled_last_column_is_read_by_position(cps_dir, tmp_path):
    """The last column holds the admin finalisations' percentage, whatever its header says."""
    folder = one_month(cps_dir, tmp_path)
    damage(
        folder,
        "oct2015.csv",
        on_line(CLEVELAND_LINE, lambda line: line[: line.rindex(",")] + ",50.0%\r"),
    )
    err = load_error(cps.load, folder)
    assert err.row == CLEVELAND_LINE
    assert err.column.startswith("Percentage of L Motoring Offences Unsuccessful")
    assert "administrative finalisations" in err.column


def test_unknown_area_name(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(folder, "oct2015.csv", on_line(CLEVELAND_LINE, lambda line: "Clevelnd" + line[9:]))
    err = load_error(cps.load, folder)
    assert (err.row, err.column) == (CLEVELAND_LINE, "CPS Area")
    assert "'Clevelnd'" in str(err)


def test_file_name_without_a_month(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    damage(folder, "oct2015.csv", lambda t: t, new_name="latest.csv")
    err = load_error(cps.load, folder)
    assert "latest.csv" in str(err) and "month" in str(err)


def test_two_files_for_one_month(cps_dir, tmp_path):
    folder = one_month(cps_dir, tmp_path)
    (folder / "october2015.csv").symlink_to(cps_dir / "oct2015.csv")
    err = load_error(cps.load, folder)
    assert "oct2015.csv" in str(err) and "10/2015" in str(err)


def test_later_month_loads_without_code_change(cps_dir, tmp_path):
    folder = release(cps_dir, tmp_path / "release")
    damage(
        folder, "dec2016.csv", lambda t: t, new_name="principal_offence_category_january_2017.csv"
    )
    (folder / "dec2016.csv").symlink_to(cps_dir / "dec2016.csv")
    result = cps.load(folder)
    january = date(2017, 1, 1)
    assert value(result, "cps_convictions", DURHAM, january, OAP) == value(
        result, "cps_convictions", DURHAM, date(2016, 12, 1), OAP
    )
    assert result.observations["period_end"].max() == date(2017, 1, 31)
