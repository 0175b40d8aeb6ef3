"""police.uk outcome measures: shares recounted from the raw files, anti-social behaviour, records
outside the force area, and a crime whose outcome changes in a later archive.

Expected figures are recounted here from the CSV text with the csv module and explicit lists of
police.uk outcome labels, independent of the loader's OUTCOME_GROUPS.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hostile_files import damage, load_error, on_line, release

from loaders.areas import CLEVELAND, DURHAM, reference_areas
from loaders.frames import LoadResult, validate_observations
from loaders.measures import measures_for_dataset
from loaders.sources import police_uk, police_uk_outcomes

JAN = date(2025, 1, 1)
DURHAM_JAN = "2025-01-durham-street.csv"
AGGREGATE = "street_counts_by_force_month_type_outcome_2025H1.csv"
NORTHUMBRIA = "E23000007"
ASB = "Anti-social behaviour"
CHARGED = {
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
}
OUT_OF_COURT = {
    "Offender given a caution",
    "Offender given penalty notice",
    "Offender given a penalty notice",
    "Local resolution",
    "Offender given a drugs possession warning",
}
SHARES = {
    "police_charged_share": CHARGED,
    "police_out_of_court_share": OUT_OF_COURT,
    "police_unable_to_prosecute_share": {"Unable to prosecute suspect"},
    "police_no_suspect_share": {"Investigation complete; no suspect identified"},
}


@pytest.fixture(scope="module")
def street_dir(public_data_dir: Path) -> Path:
    return public_data_dir / "police_uk_street"


@pytest.fixture(scope="module")
def result(street_dir: Path) -> LoadResult:
    return police_uk_outcomes.load(street_dir)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def pick(result, measure, area, month, breakdown=None, field="value"):
    frame = result.observations
    hits = frame[
        (frame["measure_id"] == measure)
        & (frame["area_code"] == area)
        & (frame["period_start"] == month)
        & frame["breakdown"].map(lambda b: b == (breakdown or {}))
    ]
    assert len(hits) == 1, (measure, area, month, breakdown, len(hits))
    return hits.iloc[0][field]


# --- exact figures from the real files -------------------------------------------------------


@pytest.mark.parametrize("name", [DURHAM_JAN, "2025-03-cleveland-street.csv"])
def test_shares_recounted_from_the_raw_file(result, street_dir, name):
    rows = read_rows(street_dir / name)
    area = DURHAM if "durham" in name else CLEVELAND
    month = date(2025, int(name[5:7]), 1)
    crimes = [r for r in rows if r["Crime type"] != ASB]
    asb = [r for r in rows if r["Crime type"] == ASB]
    assert all(r["Crime ID"] == "" and r["Last outcome category"] == "" for r in asb)
    assert all(r["Crime ID"] != "" for r in crimes)
    assert pick(result, "police_crimes", area, month) == len(crimes)
    assert pick(result, "police_asb_incidents", area, month) == len(asb)
    for measure, labels in SHARES.items():
        hits = sum(r["Last outcome category"] in labels for r in crimes)
        assert pick(result, measure, area, month, field="numerator") == hits
        assert pick(result, measure, area, month, field="denominator") == len(crimes)
        assert pick(result, measure, area, month) == pytest.approx(100 * hits / len(crimes))


def test_durham_january_exact(result):
    assert pick(result, "police_crimes", DURHAM, JAN) == 4487
    assert pick(result, "police_asb_incidents", DURHAM, JAN) == 921  # 4,487 + 921 = 5,408
    assert pick(result, "police_charged_share", DURHAM, JAN, field="numerator") == 572
    assert pick(result, "police_unable_to_prosecute_share", DURHAM, JAN, field="numerator") == 1793


def test_shares_by_crime_type(result, street_dir):
    rows = [r for r in read_rows(street_dir / DURHAM_JAN) if r["Crime type"] != ASB]
    violence = [r for r in rows if r["Crime type"] == "Violence and sexual offences"]
    unable = sum(r["Last outcome category"] == "Unable to prosecute suspect" for r in violence)
    crime_type = {"crime_type": "Violence and sexual offences"}
    measure = "police_unable_to_prosecute_share"
    assert pick(result, measure, DURHAM, JAN, crime_type, "numerator") == unable
    assert pick(result, measure, DURHAM, JAN, crime_type, "denominator") == len(violence)
    asb_rows = result.observations[
        result.observations["breakdown"].map(lambda b: b.get("crime_type") == ASB)
    ]
    assert asb_rows.empty  # anti-social behaviour is never in a share


def test_forces_from_the_aggregate(result, street_dir):
    rows = [
        r
        for r in read_rows(street_dir / AGGREGATE)
        if r["Month"] == "2025-01" and r["Falls within"] == "Northumbria Police"
    ]
    crimes = sum(int(r["Count"]) for r in rows if r["Crime type"] != ASB)
    charged = sum(
        int(r["Count"])
        for r in rows
        if r["Crime type"] != ASB and r["Last outcome category"] in CHARGED
    )
    assert pick(result, "police_crimes", NORTHUMBRIA, JAN) == crimes
    assert pick(result, "police_charged_share", NORTHUMBRIA, JAN, field="numerator") == charged
    # No raw file, so no LSOA: no location breakdown for Northumbria.
    located = result.observations[
        (result.observations["area_code"] == NORTHUMBRIA)
        & result.observations["breakdown"].map(lambda b: "location" in b)
    ]
    assert located.empty


def test_records_outside_the_force_area_are_counted_kept_and_noted(result, street_dir):
    rows = read_rows(street_dir / DURHAM_JAN)
    authority = [re.sub(r" \d{3}[A-Z]$", "", r["LSOA name"]) for r in rows]
    outside = [
        r for r, a in zip(rows, authority, strict=True) if a not in {"County Durham", "Darlington"}
    ]
    assert len(outside) == 52 and Counter(a for a in authority)["Colchester"] == 1
    outside_crimes = sum(r["Crime type"] != ASB for r in outside)
    where = {"location": "Outside the force area"}
    assert pick(result, "police_crimes", DURHAM, JAN, where) == outside_crimes == 48
    assert pick(result, "police_asb_incidents", DURHAM, JAN, where) == 4
    inside = pick(result, "police_crimes", DURHAM, JAN, {"location": "Within the force area"})
    assert inside + outside_crimes == pick(result, "police_crimes", DURHAM, JAN)  # kept in totals
    note = next(n for n in result.notes if n.startswith(DURHAM_JAN))
    assert "52 of 5,408 records" in note and "Sunderland 11" in note


def test_output_passes_the_cache_rules(result):
    codes = {a.code for a in reference_areas({"code": "LCJP", "name": "Test"})}
    problems = validate_observations(
        result.observations,
        measures=measures_for_dataset("police_uk_outcomes"),
        area_codes=codes,
        today=date(2026, 1, 1),
    )
    assert problems == []
    assert len(result.files) == 7


# --- archive snapshots: a later archive revises a crime, it does not add one ----------------


def later_archive(street_dir: Path, tmp_path: Path, change) -> Path:
    """The real files, plus a 2025-06 archive holding a revised copy of Durham's January."""
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    archive = folder / "2025-06"
    archive.mkdir()
    text = (street_dir / DURHAM_JAN).read_bytes().decode("utf-8")
    (archive / DURHAM_JAN).write_bytes(change(text).encode("utf-8"))
    return folder


def revise(text: str) -> str:
    """Ten crimes closed as 'unable to prosecute' are charged after all; one is withdrawn."""
    lines = text.split("\n")
    changed = 0
    for i, line in enumerate(lines):
        if changed < 10 and line.endswith(",Unable to prosecute suspect,"):
            lines[i] = line.replace(",Unable to prosecute suspect,", ",Awaiting court outcome,")
            changed += 1
    withdrawn = next(i for i, line in enumerate(lines[1:], 1) if ",Burglary," in line)
    del lines[withdrawn]
    return "\n".join(lines)


def test_a_revised_crime_counts_once_with_its_later_outcome(street_dir, tmp_path, result):
    folder = later_archive(street_dir, tmp_path, revise)
    revised = police_uk_outcomes.load(folder)
    before = pick(result, "police_charged_share", DURHAM, JAN, field="numerator")
    assert pick(revised, "police_charged_share", DURHAM, JAN, field="numerator") == before + 10
    unable = "police_unable_to_prosecute_share"
    assert pick(revised, unable, DURHAM, JAN, field="numerator") == 1793 - 10
    assert pick(revised, "police_crimes", DURHAM, JAN) == 4487 - 1  # not 2 x 4,487
    note = next(n for n in revised.notes if "archive 2025-06" in n)
    assert "4,486 crimes are in both" in note and "10 of them have a new outcome" in note
    assert "1 are no longer published" in note
    records = police_uk.load(folder)  # the record counts follow the same archive
    assert records.observations["value"].sum() == 5408 - 1
    assert len(records.files) == 2


def test_archive_folder_must_be_named_after_its_month(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    (folder / "latest").mkdir()
    (folder / "latest" / DURHAM_JAN).symlink_to(street_dir / DURHAM_JAN)
    err = load_error(police_uk_outcomes.load, folder)
    assert "latest" in str(err) and "YYYY-MM" in str(err)


def test_archive_older_than_its_month_is_refused(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    (folder / "2024-12").mkdir()
    (folder / "2024-12" / DURHAM_JAN).symlink_to(street_dir / DURHAM_JAN)
    err = load_error(police_uk_outcomes.load, folder)
    assert "2024-12" in str(err) and "2025-01" in str(err)


# --- hostile files ---------------------------------------------------------------------------


def test_unreadable_lsoa_name(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    damage(
        folder, DURHAM_JAN, on_line(5, lambda line: re.sub(r" \d{3}[A-Z],", " 1,", line, count=1))
    )
    err = load_error(police_uk_outcomes.load, folder)
    assert (err.row, err.column) == (5, "LSOA name")
    assert DURHAM_JAN in str(err)


def test_unknown_force_and_unknown_outcome_are_refused(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    damage(
        folder,
        DURHAM_JAN,
        on_line(4, lambda line: line.replace("Durham Constabulary", "Durham Constabulery")),
    )
    err = load_error(police_uk_outcomes.load, folder)
    assert (err.row, err.column) == (4, "Falls within")
    assert "Durham Constabulery" in str(err)


def test_truncated_raw_file(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    damage(folder, DURHAM_JAN, lambda t: t[: len(t) // 2])
    err = load_error(police_uk_outcomes.load, folder)
    assert DURHAM_JAN in str(err) and err.row is not None and err.column is not None


def test_forces_without_a_local_authority_list_are_noted(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    result = police_uk_outcomes.load(folder, local_authorities={})
    assert any(DURHAM in n and "FORCE_LOCAL_AUTHORITIES" in n for n in result.notes)
    located = result.observations[result.observations["breakdown"].map(lambda b: "location" in b)]
    assert located.empty


def test_later_month_loads_without_code_change(street_dir, tmp_path):
    folder = release(street_dir, tmp_path / "release", only=[DURHAM_JAN])
    damage(
        folder,
        DURHAM_JAN,
        lambda t: t.replace(",2025-01,", ",2025-07,"),
        new_name="2025-07-durham-street.csv",
    )
    result = police_uk_outcomes.load(folder)
    assert pick(result, "police_crimes", DURHAM, date(2025, 7, 1)) == 4487
    assert result.observations["period_end"].max() == date(2025, 7, 31)
