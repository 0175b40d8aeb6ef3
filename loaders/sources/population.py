"""Resident population by police force area: the denominator for rates per 100,000.

A reference dataset: one figure per force area for one mid-year (`Code, Name, Population (mid
2022 estimate)`), rounded to the nearest 100 and published with thousands separators, so the
numbers arrive quoted ("579,300"). The figures are stored as observations of the reference
measure `pfa_population` (loaders.measures.REFERENCE_MEASURES: never a tile, page or pack
item) for the snapshot date 30 June of the year in the header, and read back with
loaders.queries.populations.

Forces are joined on the ONS code; the names are the source's own spellings ("West Midlands
(Pfa)"), so they are not checked against the ONS list. The City of London has no row of its own
(its few thousand residents are in no row), so every force area but the City must be present.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from loaders.areas import POLICE_FORCE_AREAS
from loaders.errors import LoaderError
from loaders.frames import LoadResult, observation_frame
from loaders.sources import csvfile, ons_geography

MEASURE_ID = "pfa_population"
FILE_GLOB = "pfa_population*.csv"
CITY_OF_LONDON = "E23000034"
CODE_COLUMN, NAME_COLUMN = "Code", "Name"
_POPULATION_COLUMN = re.compile(r"Population \(mid[ -](\d{4}) estimate\)")
LAYOUT = "the police force area population table (Code, Name, Population (mid YYYY estimate))"
# Whole numbers, with or without thousands separators: 579,300 or 579300.
_NUMBER = re.compile(r"\d{1,3}(,\d{3})+|\d+")


def _year(path: Path, header: list[str]) -> int:
    """The mid-year the figures describe, from the third column's name."""
    expected = [CODE_COLUMN, NAME_COLUMN, "Population (mid YYYY estimate)"]
    for i, name in enumerate(expected[:2]):
        found = header[i] if i < len(header) else "nothing"
        if found != name:
            raise LoaderError(
                path,
                f"header differs from {LAYOUT}: column {i + 1} should be '{name}' but is '{found}'",
                row=1,
                column=name,
            )
    third = header[2] if len(header) > 2 else ""
    match = _POPULATION_COLUMN.fullmatch(third)
    if not match:
        raise LoaderError(
            path,
            f"header differs from {LAYOUT}: column 3 should be 'Population (mid YYYY estimate)' "
            f"but is '{third or 'nothing'}'",
            row=1,
            column=expected[2],
        )
    if len(header) > 3:
        raise LoaderError(
            path, f"header differs from {LAYOUT}: an extra column '{header[3]}'", 1, header[3]
        )
    return int(match.group(1))


def read_table(path: Path) -> tuple[int, dict[str, float]]:
    """(mid-year, ONS code -> population) from one file, every cell checked."""
    table = csvfile.read_csv(path, layout=LAYOUT)
    year = _year(path, table.header)
    column = table.header[2]
    figures: dict[str, float] = {}
    lines: dict[str, int] = {}
    for index, (code, name, raw) in enumerate(table.frame.itertuples(index=False)):
        line = int(table.lines[index])
        code, text = code.strip(), raw.strip()
        if code not in POLICE_FORCE_AREAS:
            raise LoaderError(
                path,
                f"code '{code}' ('{name}') is not one of the 43 police force areas "
                "(loaders.areas.POLICE_FORCE_AREAS)",
                row=line,
                column=CODE_COLUMN,
            )
        if code in figures:
            raise LoaderError(
                path, f"code {code} appears twice (first at row {lines[code]})", line, CODE_COLUMN
            )
        if not _NUMBER.fullmatch(text) or int(text.replace(",", "")) <= 0:
            raise LoaderError(
                path,
                f"{name}: '{text}' is not a population (a whole number such as 579,300)",
                row=line,
                column=column,
            )
        figures[code] = float(text.replace(",", ""))
        lines[code] = line
    missing = sorted(set(POLICE_FORCE_AREAS) - set(figures) - {CITY_OF_LONDON})
    if missing:
        raise LoaderError(
            path,
            "no row for "
            + ", ".join(f"{c} ({POLICE_FORCE_AREAS[c]})" for c in missing)
            + "; every police force area but the City of London must be listed (is the file cut "
            "short?)",
            column=CODE_COLUMN,
        )
    return year, figures


def load(source_dir: Path) -> LoadResult:
    """The population of each force area at 30 June of the table's year."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the reference folder")
    found = sorted(p for p in source_dir.glob(FILE_GLOB) if p.is_file())
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise LoaderError(
            source_dir,
            f"expected one population table ({FILE_GLOB}), found {len(found)}: {listed}; keep "
            "only the edition to use",
        )
    path = found[0]
    year, figures = read_table(path)
    mid_year = date(year, 6, 30)
    rows = [
        {
            "measure_id": MEASURE_ID,
            "area_code": code,
            "period_start": mid_year,
            "period_end": mid_year,
            "period_type": "snapshot",
            "value": value,
            "breakdown": {},
        }
        for code, value in sorted(figures.items())
    ]
    notes = []
    if CITY_OF_LONDON not in figures:
        notes.append(
            "The table has no City of London row: its residents are in no force's figure, so "
            "no rate is calculated for the City."
        )
    # The force area codes and boundaries share the reference folder: another dataset's files.
    neighbours = [
        p
        for glob in (ons_geography.CODES_GLOB, ons_geography.BOUNDARIES_GLOB)
        for p in path.parent.glob(glob)
        if p.is_file()
    ]
    return LoadResult(
        observations=observation_frame(rows),
        files=[path],
        notes=notes,
        skipped={
            p.name: "force area codes and boundaries: read by ons_pfa_boundaries"
            for p in neighbours
        },
    )
