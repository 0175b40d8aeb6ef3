"""MoJ CCSQ tool workbooks read from their pivot caches, checked against the gold CSVs.

The workbooks are built here in the documented layout (official-formats.md 1a) with records
that reproduce the real published figures in ../shared (England and Wales receipts, disposals and
open cases for 2016-2025, Teesside and Durham open cases at 2025 Q4 and 2024 Q4, age bands,
regional shares and timeliness), plus records the loader must leave out (single offence groups,
`All` quarters, annual rows, remand splits). The expected figures are read with the csv module
from the gold files, so the test does not share the loader's path.
"""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path

import pytest

from loaders import refresh
from loaders.areas import ENGLAND_AND_WALES, crown_court_code, reference_areas, region_code
from loaders.datasets import DATASETS
from loaders.errors import LoaderError
from loaders.frames import validate_observations
from loaders.measures import measures_for_dataset
from loaders.models import Dataset
from loaders.sources import ccsq, ccsq_tools
from tests.pivot_xlsx import write_workbook

Q4_2025 = date(2025, 12, 31)
Q4_2024 = date(2024, 12, 31)
TEESSIDE, DURHAM = crown_court_code("Teesside"), crown_court_code("Durham")
TIMELINESS_NAMES = {
    "offence_to_completion_median": "Offence to completion (median)",
    "offence_to_completion_mean": "Offence to completion (mean)",
    "charge_to_completion_at_the_crown_court_median": "Charge to completion at the Crown Court (median)",
    "charge_to_completion_at_the_crown_court_mean": "Charge to completion at the Crown Court (mean)",
}
TIMELINESS_FIELDS = [
    "Annual or quarterly",
    "Year",
    "Quarter",
    "Geographic area",
    "Receipt type",
    "Offence group",
    *TIMELINESS_NAMES.values(),
]


def gold(public_data_dir: Path, name: str) -> list[dict[str, str]]:
    with (public_data_dir / "ccsq_crown_court" / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _year_quarter(row) -> tuple[int, str]:
    return int(row["year"]), row["quarter"]


def rdos_records(public_data_dir: Path) -> list[tuple]:
    """Court records that add up to the published national trajectory, Teesside and Durham."""
    records = []
    for row in gold(public_data_dir, ccsq.TRAJECTORY):
        year, quarter = _year_quarter(row)
        latest, year_ago = (year, quarter) == (2025, "Q4"), (year, quarter) == (2024, "Q4")
        for rdos, column in (
            ("1. Receipts", "receipts"),
            ("2. Disposals", "disposals"),
            ("3. Open", "open"),
        ):
            total = int(float(row[column]))
            if column == "open":
                tees = 1548 if latest else 1276 if year_ago else 1000 + year
                durham = 506 if latest else 552 if year_ago else 400
            elif column == "disposals" and year == 2025:
                tees = 564 if quarter == "Q4" else 565  # 2,259 in the four quarters to 2025 Q4
                durham = 230 if quarter == "Q1" else 229  # 917
            else:
                tees, durham = 500, 200
            rest = total - tees - durham
            common = (year, quarter)
            records += [
                (
                    *common,
                    "Triable-either-way trials",
                    "North East",
                    "Cleveland",
                    "Teesside",
                    rdos,
                    "00: All offences",
                    tees - 100,
                ),
                (
                    *common,
                    "Committed for sentence",
                    "North East",
                    "Cleveland",
                    "Teesside",
                    rdos,
                    "00: All offences",
                    100,
                ),
                (
                    *common,
                    "Indictable only trials",
                    "North East",
                    "Durham",
                    "Durham",
                    rdos,
                    "00: All offences",
                    durham,
                ),
                (
                    *common,
                    "Appeals",
                    "London",
                    "Central London",
                    "Test remainder",
                    rdos,
                    "00: All offences",
                    rest // 2,
                ),
                (
                    *common,
                    "Unknown",
                    "London",
                    "Central London",
                    "Test remainder",
                    rdos,
                    "00: All offences",
                    rest - rest // 2,
                ),
                # A single offence group: part of the total above, so never added to it.
                (
                    *common,
                    "Appeals",
                    "North East",
                    "Cleveland",
                    "Teesside",
                    rdos,
                    "01: Violence against the person",
                    77,
                ),
            ]
    # A whole-year total: dropped, never added to the quarters.
    records.append(
        (
            2025,
            "All",
            "Appeals",
            "North East",
            "Cleveland",
            "Teesside",
            "3. Open",
            "00: All offences",
            9999,
        )
    )
    return records


OPEN_FIELDS = list(ccsq_tools.OPEN_FIELDS)


def open_records(public_data_dir: Path) -> list[tuple]:
    records = []
    labels = {b: b.replace(" to ", "-") if "weeks" in b else b for b in ccsq.AGE_BANDS}
    for row in gold(public_data_dir, ccsq.CASELOAD_AGE):
        year, quarter = _year_quarter(row)
        records.append(
            (
                year,
                quarter,
                "01. All open cases",
                "00: All offences",
                "England and Wales",
                labels[row["age_band"]],
                int(float(row["count"])),
            )
        )
    for row in gold(public_data_dir, ccsq.OLDEST_BY_REGION):
        if row["geo_level"] != "region":
            continue
        year, quarter = _year_quarter(row)
        valid, older = int(float(row["valid_cases"])), int(float(row["open_1yr_plus"]))
        base = (year, quarter, "01. All open cases", "00: All offences", row["region"])
        records += [(*base, "1 to 2 years", older), (*base, "Under 4 weeks", valid - older)]
    records += [
        (
            2025,
            "Q4",
            "01. All open cases",
            "00: All offences",
            "England and Wales",
            "Total cases",
            80203,
        ),
        (
            2025,
            "Q4",
            "02. Trials - remanded in custody",
            "00: All offences",
            "England and Wales",
            "Under 4 weeks",
            55,
        ),
        (
            2025,
            "Q4",
            "01. All open cases",
            "13: Not known",
            "England and Wales",
            "Under 4 weeks",
            3,
        ),
        (
            2025,
            "Q4",
            "01. All open cases",
            "00: All offences",
            "Cleveland LJA",
            "Under 4 weeks",
            12,
        ),
    ]
    return records


def timeliness_records(public_data_dir: Path) -> list[tuple]:
    trend = {row["quarter_end"]: row for row in gold(public_data_dir, ccsq.TIMELINESS_TREND)}
    records = []
    for row in gold(public_data_dir, ccsq.TIMELINESS_BY_REGION):
        year, quarter = _year_quarter(row)
        national = row["geo_level"] == "national"
        values = [
            float(row["offence_to_completion_median"]),
            float(row["offence_to_completion_mean"]),
            float(trend[row["quarter_end"]]["charge_to_completion_at_the_crown_court_median"])
            if national
            else None,
            float(trend[row["quarter_end"]]["charge_to_completion_at_the_crown_court_mean"])
            if national
            else None,
        ]
        records.append(
            (
                "Quarterly",
                year,
                quarter,
                row["region"],
                "All cases closed",
                "00: All offences",
                *values,
            )
        )
    records += [
        (
            "Annual",
            2025,
            "All",
            "England and Wales",
            "All cases closed",
            "00: All offences",
            1.0,
            2.0,
            3.0,
            4.0,
        ),
        (
            "Quarterly",
            2025,
            "Q4",
            "England and Wales",
            "Guilty plea",
            "00: All offences",
            1.0,
            2.0,
            3.0,
            4.0,
        ),
        (
            "Quarterly",
            2025,
            "Q4",
            "England and Wales",
            "All cases closed",
            "13: Unknown",
            1.0,
            2.0,
            3.0,
            4.0,
        ),
    ]
    return records


def build_release(
    folder: Path, public_data_dir: Path, *, rdos_change=None, with_gold=False
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(
        folder / ccsq_tools.RDOS_TOOL,
        [(list(ccsq_tools.RDOS_FIELDS), rdos_records(public_data_dir))],
        change=rdos_change,
    )
    write_workbook(folder / ccsq_tools.OPEN_TOOL, [(OPEN_FIELDS, open_records(public_data_dir))])
    write_workbook(
        folder / ccsq_tools.TIMELINESS_TOOL,
        [(TIMELINESS_FIELDS, timeliness_records(public_data_dir))],
        inline=set(TIMELINESS_NAMES.values()),
    )
    if with_gold:
        for name in ccsq.FILES:
            (folder / name).symlink_to(public_data_dir / "ccsq_crown_court" / name)
    return folder


@pytest.fixture(scope="module")
def release(tmp_path_factory, public_data_dir) -> Path:
    return build_release(tmp_path_factory.mktemp("tools") / "release", public_data_dir)


@pytest.fixture(scope="module")
def tools(release):
    return ccsq.load(release)


@pytest.fixture(scope="module")
def gold_result(public_data_dir):
    return ccsq.load(public_data_dir / "ccsq_crown_court")


def figures(result) -> dict[tuple, float]:
    frame = result.observations
    return {
        (m, a, e, tuple(sorted(b.items()))): v
        for m, a, e, b, v in zip(
            frame["measure_id"],
            frame["area_code"],
            frame["period_end"],
            frame["breakdown"],
            frame["value"],
            strict=True,
        )
    }


def test_the_tools_reproduce_teesside_and_the_national_trajectory(tools, gold_result):
    mine, theirs = figures(tools), figures(gold_result)
    assert mine[("crown_open_cases", TEESSIDE, Q4_2025, ())] == 1548
    assert mine[("crown_open_cases", TEESSIDE, Q4_2024, ())] == 1276
    assert mine[("crown_open_cases", DURHAM, Q4_2025, ())] == 506
    national = [
        k
        for k in theirs
        if k[1] == ENGLAND_AND_WALES
        and k[0] in ("crown_receipts", "crown_disposals", "crown_open_cases")
    ]
    assert len(national) == 120
    for key in national:
        assert mine[key] == theirs[key], key
    # Every figure both loaders give agrees: courts, backlog years, age bands, shares, timeliness.
    shared = set(mine) & set(theirs)
    assert len(shared) > 1000
    for key in shared:
        assert mine[key] == pytest.approx(theirs[key], rel=1e-9), key
    assert mine[("crown_backlog_years", TEESSIDE, Q4_2025, ())] == pytest.approx(1548 / 2259)


def test_a_court_has_a_quarterly_series_from_2016(tools):
    frame = tools.observations
    teesside = frame[(frame["measure_id"] == "crown_open_cases") & (frame["area_code"] == TEESSIDE)]
    assert len(teesside) == 40
    assert min(teesside["period_start"]) == date(2016, 1, 1)
    receipts = frame[(frame["measure_id"] == "crown_receipts") & (frame["area_code"] == TEESSIDE)]
    assert len(receipts) == 40
    areas = {a.code: a for a in tools.areas}
    assert areas[TEESSIDE].parent_code == region_code("North East")


def test_left_out_records_are_named_in_notes(tools):
    text = " ".join(tools.notes)
    assert "cc_rdos_tool.xlsx: 1 records for 'All' quarters" in text
    assert "cc_rdos_tool.xlsx: 120 records for single offence groups" in text
    assert "timeliness_tool_Crown_Court.xlsx: 1 records for annual periods" in text
    assert "'All open cases' total is used" in text
    assert "cc_open_tool.xlsx: records for 1 geographic areas" in text


def test_the_figures_pass_the_cache_rules(tools):
    codes = {a.code for a in reference_areas({"code": "X", "name": "X", "forces": []})}
    codes |= {a.code for a in tools.areas}
    problems = validate_observations(
        tools.observations,
        measures=measures_for_dataset("moj_ccsq_crown"),
        area_codes=codes,
        today=date(2026, 4, 1),
    )
    assert problems == []


def test_gold_beside_the_tools_is_a_cross_check(tmp_path, public_data_dir, tools):
    folder = build_release(tmp_path / "both", public_data_dir, with_gold=True)
    result = ccsq.load(folder)
    text = " ".join(result.notes)
    assert "disagree" not in text
    assert "waiting and hearing times" in text
    mine = figures(result)
    assert mine[("crown_open_cases", TEESSIDE, Q4_2025, ())] == 1548
    assert any(k[0] == "crown_waiting_median_weeks" for k in mine)
    assert len(result.files) == len(ccsq_tools.TOOLS) + len(ccsq.FILES)


def test_a_gold_disagreement_is_noted_with_both_values(tmp_path, public_data_dir):
    def bump(parts):  # Teesside's 2025 Q4 open cases one higher than published
        name = "xl/pivotCache/pivotCacheRecords1.xml"
        parts[name] = parts[name].replace('<n v="1448"/>', '<n v="1449"/>', 1)

    folder = build_release(tmp_path / "off", public_data_dir, rdos_change=bump, with_gold=True)
    result = ccsq.load(folder)
    text = " ".join(result.notes)
    assert f"crown_open_cases {TEESSIDE} 2025 Q4: tools 1,549, gold 1,548" in text


# --- hostile workbooks: refused with the file, part and reason; nothing loaded ---------------


def _rename(parts):
    name = "xl/pivotCache/pivotCacheDefinition1.xml"
    parts[name] = parts[name].replace('name="crown_court"', 'name="court_centre"')


def _out_of_range(parts):
    name = "xl/pivotCache/pivotCacheRecords1.xml"
    head, rest = parts[name].split("<r>", 1)
    first, tail = rest.split("</r>", 1)
    cells = first.split("/>")
    cells[5] = '<x v="99"'  # crown_court has 3 shared items
    parts[name] = head + "<r>" + "/>".join(cells) + "</r>" + tail


def _cut_short(parts):
    name = "xl/pivotCache/pivotCacheRecords1.xml"
    parts[name] = parts[name][: len(parts[name]) // 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_rename, "'crown_court' is missing"),
        (
            _out_of_range,
            "record 1 points at shared item 99 of field 'crown_court', which has 3 items",
        ),
        (_cut_short, "damaged or cut-short pivot cache records"),
    ],
)
def test_hostile_workbooks_are_refused(tmp_path, public_data_dir, change, message):
    folder = build_release(tmp_path / "bad", public_data_dir, rdos_change=change)
    with pytest.raises(LoaderError, match="cc_rdos_tool.xlsx") as error:
        ccsq.load(folder)
    assert message in str(error.value)


def test_a_workbook_without_a_pivot_cache_is_refused(tmp_path, public_data_dir):
    folder = build_release(tmp_path / "plain", public_data_dir)
    with zipfile.ZipFile(folder / ccsq_tools.OPEN_TOOL, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(LoaderError, match="holds no pivot cache"):
        ccsq.load(folder)


def test_an_unknown_age_band_is_refused(tmp_path, public_data_dir):
    folder = build_release(tmp_path / "band", public_data_dir)
    records = open_records(public_data_dir) + [
        (
            2025,
            "Q4",
            "01. All open cases",
            "00: All offences",
            "England and Wales",
            "Over 3 years",
            1,
        )
    ]
    write_workbook(folder / ccsq_tools.OPEN_TOOL, [(OPEN_FIELDS, records)])
    with pytest.raises(LoaderError, match="age band 'Over 3 years' is not one of the known bands"):
        ccsq.load(folder)


@pytest.mark.parametrize("change", [_rename, _out_of_range, _cut_short])
def test_a_hostile_release_leaves_the_current_vintage(
    cache, tmp_path, public_data_dir, release, change
):
    spec = DATASETS["moj_ccsq_crown"]
    good = refresh.refresh_dataset(cache, spec, release)
    assert good.status == "success", good.error
    with cache() as session:
        current = session.get(Dataset, spec.id).current_vintage_id
        rows = session.get(Dataset, spec.id).current_vintage.row_count
    bad = build_release(tmp_path / "bad", public_data_dir, rdos_change=change)
    outcome = refresh.refresh_dataset(cache, spec, bad)
    assert outcome.status == "failed"
    assert "cc_rdos_tool.xlsx" in outcome.error
    with cache() as session:
        dataset = session.get(Dataset, spec.id)
        assert (dataset.current_vintage_id, dataset.current_vintage.row_count) == (current, rows)
