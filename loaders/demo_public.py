"""Generated demo files for the public sources beyond court and police.uk data.

THESE FIGURES ARE GENERATED, NOT REAL. See loaders/demo.py for why demo data exists: the same
loaders read these files as read the published ones, so every quirk of the real formats is
copied here, and only the numbers are invented:

- cps_case_outcomes/: one CSV per month named like the real ones (`oct2025.csv`,
  `april2025.csv`), Windows line ends, an empty first header cell, thousands quoted ("9,003"),
  "-" (sometimes a bare "0") for a percentage with no cases, percentages rounded half-up, the
  National row the sum of the CPS Areas, and the mislabelled last column
  ("Percentage of L Motoring Offences Unsuccessful").
- female_offenders/: the Prison Reform Trust table as XLSX (years as text headers, binary float
  noise in the cells) and as the 1 dp CSV, sorted by the latest year like the original.
- reoffending/: the proven reoffending JSON in the WIAH layout, rates and averages consistent with
  their counts, offence groups summing to the latest cohort.
- reference/: the ONS police force area code list (codes and names are public facts) and a
  boundaries file of plain generated rectangles, one per force around its centre: not the ONS
  outlines, which are never copied. And the population table (`pfa_population.csv`: 42 rows,
  no City of London, populations rounded to the nearest 100 and quoted with thousands
  separators, "579,300"), with generated populations.

The shapes are plausible on purpose: the 2020 lockdown dip in reoffending cohorts and in women
sent to prison, Cleveland's high women's imprisonment rate, lower conviction rates for sexual
offences than for drugs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from loaders import demo
from loaders.areas import POLICE_FORCE_AREAS, force_code

CPS_FOLDER = "cps_case_outcomes"
PRT_FOLDER = "female_offenders"
REOFFENDING_FOLDER = "reoffending"
REFERENCE_FOLDER = "reference"

CPS_MONTHS = 24
# Month names as the real file names spell them: abbreviations, but April, June and July in full.
CPS_FILE_MONTHS = {1: "jan", 2: "feb", 3: "mar", 4: "april", 5: "may", 6: "june", 7: "july",
                   8: "aug", 9: "sep", 10: "oct", 11: "nov", 12: "dec"}  # fmt: skip
# CPS Areas in the order the real files list them, as CPS spells them.
CPS_AREAS = (
    "Avon and Somerset", "Bedfordshire", "Cambridgeshire", "Cheshire", "Cleveland", "Cumbria",
    "Derbyshire", "Devon and Cornwall", "Dorset", "Durham", "Dyfed Powys", "Essex",
    "Gloucestershire", "GreaterManchester", "Gwent", "Hampshire", "Hertfordshire", "Humberside",
    "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside", "Metropolitan and City",
    "Norfolk", "Northamptonshire", "Northumbria", "North Wales", "North Yorkshire",
    "Nottinghamshire", "South Wales", "South Yorkshire", "Staffordshire", "Suffolk", "Surrey",
    "Sussex", "Thames Valley", "Warwickshire", "West Mercia", "West Midlands", "West Yorkshire",
    "Wiltshire",
)  # fmt: skip
# (category, share of finalisations, conviction rate): shaped like national CPS figures.
CPS_CATEGORIES = (
    ("Homicide", 0.002, 0.80),
    ("Offences Against The Person", 0.22, 0.76),
    ("Sexual Offences", 0.022, 0.72),
    ("Burglary", 0.03, 0.86),
    ("Robbery", 0.009, 0.79),
    ("Theft And Handling", 0.17, 0.90),
    ("Fraud And Forgery", 0.02, 0.85),
    ("Criminal Damage", 0.05, 0.84),
    ("Drugs Offences", 0.09, 0.93),
    ("Public Order Offences", 0.085, 0.84),
    ("All Other Offences (excluding Motoring)", 0.018, 0.83),
    ("Motoring Offences", 0.19, 0.84),
)
CPS_ADMIN_SHARE = 0.018
# The last header cell as CPS publishes it: it really heads the admin finalisations' percentage.
CPS_LAST_HEADER = "Percentage of L Motoring Offences Unsuccessful"

PRT_FIRST_YEAR = 2014
# Spellings the PRT table uses where they differ from the ONS names.
PRT_NAMES = {"E23000001": "Metropolitan Police", "E23000035": "Devon and Cornwall"}
# Rough women's imprisonment rate per force in 2014 (per 100,000 women): the north, the
# Midlands and south Wales highest, Cleveland among the highest, the south east lowest.
_PRT_HIGH = {"E23000013": 48, "W15000003": 66, "E23000004": 46, "E23000012": 41, "E23000002": 45,
             "E23000014": 48, "E23000011": 44, "E23000006": 42, "E23000018": 42,
             "E23000003": 40, "E23000005": 40, "W15000001": 36, "E23000010": 35}  # fmt: skip
_PRT_LOW = {"E23000031": 18, "E23000039": 19, "E23000035": 18, "E23000038": 14, "E23000020": 16,
            "E23000033": 20, "W15000004": 18, "E23000017": 20}  # fmt: skip

REOFFENDING_FIRST_COHORT = 2012
# (offence group, share of offenders, reoffending rate), for the latest cohort.
OFFENCE_GROUPS = (
    ("Theft", 0.117, 0.57),
    ("Other", 0.106, 0.38),
    ("Public Order", 0.039, 0.31),
    ("Possession of Weapons", 0.037, 0.29),
    ("Summary Non-motoring", 0.21, 0.28),
    ("Criminal Damage and Arson", 0.005, 0.27),
    ("Fraud", 0.013, 0.26),
    ("Robbery", 0.009, 0.26),
    ("Miscellaneous Crimes Against Society", 0.043, 0.24),
    ("Drug", 0.12, 0.23),
    ("Violence Against the Person", 0.08, 0.21),
    ("Sexual", 0.018, 0.15),
    ("Summary Motoring", 0.203, 0.14),
)


def write_public_files(target_dir: Path, *, today: dt.date, seed: int, tidy: bool) -> list[str]:
    """Write every public demo folder; returns lines for the demo PROVENANCE.md."""
    target_dir = Path(target_dir)
    rng = {k: np.random.default_rng(np.random.SeedSequence([seed, 10 + k])) for k in range(4)}
    return [
        write_cps(target_dir / CPS_FOLDER, today, rng[0], tidy=tidy),
        write_prt(target_dir / PRT_FOLDER, today, rng[1], tidy=tidy),
        write_reoffending(target_dir / REOFFENDING_FOLDER, today, rng[2]),
        write_reference(target_dir / REFERENCE_FOLDER),
        write_population(target_dir / REFERENCE_FOLDER, rng[3]),
    ]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _half_up(value: float, places: int) -> Decimal:
    """Round as Excel and CPS do (0.25 -> 0.3), not to even."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _csv_bytes(rows: list[list[str]], line_end: str) -> bytes:
    """CSV text quoting only fields that need it (the thousands in "9,003")."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _force_centres() -> dict[str, tuple[float, float, float, float, float]]:
    """ONS code -> (size, lon, lat, lon spread, lat spread) of the demo's police.uk forces."""
    return {
        force_code(name): (size, lon, lat, sx, sy)
        for _, name, size, lon, lat, sx, sy in demo.FORCES
    }


def _tidy(folder: Path, pattern: str, keep: set[str]) -> None:
    """Remove demo files of an earlier run (months or editions since rolled off)."""
    for path in folder.iterdir():
        if path.is_file() and re.fullmatch(pattern, path.name) and path.name not in keep:
            path.unlink()


# --------------------------------------------------------------------------------------------
# CPS case outcomes
# --------------------------------------------------------------------------------------------


def _cps_months(today: dt.date) -> list[tuple[int, int]]:
    """The CPS_MONTHS complete months before today's, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(CPS_MONTHS):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append((year, month))
    return out[::-1]


def _cps_sizes() -> np.ndarray:
    """Monthly finalisations per CPS Area, from the demo's force sizes (Met and City as one)."""
    centres = _force_centres()
    sizes = []
    for name in CPS_AREAS:
        code = force_code(name)
        size = centres[code][0] + (centres["E23000034"][0] if code == "E23000001" else 0)
        sizes.append(0.085 * size)
    return np.array(sizes)


def _percent_cell(part: int, total: int, no_cases: str) -> str:
    if total == 0:
        return no_cases
    return f"{_half_up(100 * part / total, 1)}%"


def _count_cell(value: int) -> str:
    return f"{value:,}"


def write_cps(folder: Path, today: dt.date, rng: np.random.Generator, *, tidy: bool) -> str:
    """One CSV per month in the CPS layout, National first and equal to the sum of the Areas."""
    folder.mkdir(parents=True, exist_ok=True)
    months = _cps_months(today)
    header = [""]
    for category, _, _ in CPS_CATEGORIES:
        header += [
            f"Number of {category} Convictions",
            f"Percentage of {category} Convictions",
            f"Number of {category} Unsuccessful",
            f"Percentage of {category} Unsuccessful",
        ]
    header += ["Number of Admin Finalised Unsuccessful", CPS_LAST_HEADER]
    sizes = _cps_sizes()
    area_effect = rng.normal(0, 0.025, (len(CPS_AREAS), len(CPS_CATEGORIES)))
    shares = np.array([s for _, s, _ in CPS_CATEGORIES])
    rates = np.array([r for _, _, r in CPS_CATEGORIES])
    written = set()
    for year, month in months:
        finalised = rng.poisson(sizes[:, None] * shares[None, :])
        p = np.clip(rates[None, :] + area_effect + rng.normal(0, 0.01, area_effect.shape), 0, 1)
        convictions = rng.binomial(finalised, p)
        unsuccessful = finalised - convictions
        admin = rng.poisson(sizes * CPS_ADMIN_SHARE)
        areas = list(zip(CPS_AREAS, convictions, unsuccessful, admin, strict=True))
        national = ("National", convictions.sum(0), unsuccessful.sum(0), admin.sum())
        rows = [header]
        for name, conv, unsucc, adm in [national, *areas]:
            # No cases: CPS mostly writes "-", now and then a bare "0".
            blank = "0" if rng.random() < 0.15 else "-"
            row = [name]
            for c, u in zip(conv.tolist(), unsucc.tolist(), strict=True):
                row += [
                    _count_cell(c),
                    _percent_cell(c, c + u, blank),
                    _count_cell(u),
                    _percent_cell(u, c + u, blank),
                ]
            row += [_count_cell(int(adm)), _percent_cell(int(adm), int(adm), "-")]
            rows.append(row)
        name = f"{CPS_FILE_MONTHS[month]}{year}.csv"
        (folder / name).write_bytes(_csv_bytes(rows, "\r\n"))
        written.add(name)
    if tidy:
        _tidy(folder, r"[a-z]+\d{4}\.csv", written)
    return f"- {CPS_FOLDER}/: months {months[0][0]}-{months[0][1]:02d} to {months[-1][0]}-{months[-1][1]:02d}"


# --------------------------------------------------------------------------------------------
# Prison Reform Trust: women's imprisonment rate
# --------------------------------------------------------------------------------------------


def write_prt(folder: Path, today: dt.date, rng: np.random.Generator, *, tidy: bool) -> str:
    """The PRT table for 2014 to two years ago, as XLSX and CSV, sorted by the latest year."""
    folder.mkdir(parents=True, exist_ok=True)
    years = list(range(PRT_FIRST_YEAR, today.year - 1))
    t = np.array(years, dtype=float)
    # England and Wales trend: flat to 2019, a lockdown low in 2020, lower since.
    trend = np.interp(
        t, [2014, 2018, 2019, 2020, 2021, 2022, 2040], [1, 0.93, 0.8, 0.55, 0.58, 0.6, 0.6]
    )
    codes = [c for c in POLICE_FORCE_AREAS if c != "E23000034"]  # the Met row includes the City
    table = {}
    for code in codes:
        base = _PRT_HIGH.get(code) or _PRT_LOW.get(code) or rng.uniform(22, 34)
        noise = np.exp(rng.normal(0, 0.12, len(years)))
        table[code] = [float(_half_up(base * f * n, 1)) for f, n in zip(trend, noise, strict=True)]
    order = sorted(codes, key=lambda c: (table[c][-1], c))
    name = lambda code: PRT_NAMES.get(code, POLICE_FORCE_AREAS[code])  # noqa: E731
    stem = f"prt_women_imprisonment_rates_{years[0]}-{years[-1]}"

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["Police Force Area", *(str(y) for y in years)])  # years as text, as PRT's
    for code in order:
        # Stored as binary floats a hair off the decimal, as the real workbook's are.
        sheet.append([name(code), *(float(np.nextafter(v, np.inf)) for v in table[code])])
    (folder / f"{stem}_final_table.xlsx").write_bytes(_reproducible_xlsx(workbook, years[-1]))
    rows = [["Police Force Area", *map(str, years)]]
    rows += [[name(code), *(f"{v:.1f}" for v in table[code])] for code in order]
    (folder / f"{stem}.csv").write_bytes(_csv_bytes(rows, "\r\n"))
    if tidy:
        _tidy(
            folder,
            r"prt_women_imprisonment_rates_.+\.(csv|xlsx)",
            {f"{stem}.csv", f"{stem}_final_table.xlsx"},
        )
    return f"- {PRT_FOLDER}/: years {years[0]} to {years[-1]}, XLSX and CSV"


def _reproducible_xlsx(workbook: Workbook, year: int) -> bytes:
    """The workbook's bytes with fixed document dates and zip timestamps, so an unchanged demo
    table has an unchanged content hash and refresh skips it."""
    stamp = dt.datetime(year + 1, 1, 1)
    workbook.properties.created = workbook.properties.modified = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps "modified" when saving
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + f"{stamp:%Y-%m-%dT%H:%M:%SZ}".encode(),
                    data,
                )
            out.writestr(info, data)
    return fixed.getvalue()


# --------------------------------------------------------------------------------------------
# Proven reoffending
# --------------------------------------------------------------------------------------------


def write_reoffending(folder: Path, today: dt.date, rng: np.random.Generator) -> str:
    """Annual April-March cohorts to three years ago, and the latest cohort by offence group."""
    folder.mkdir(parents=True, exist_ok=True)
    last = today.year - 3
    cohorts = list(range(REOFFENDING_FIRST_COHORT, last + 1))
    t = np.array(cohorts, dtype=float)
    offenders = np.rint(
        np.interp(
            t,
            [2012, 2016, 2019, 2020, 2021, 2040],
            [628000, 475000, 375000, 305000, 331000, 335000],
        )
        * np.exp(rng.normal(0, 0.01, len(t)))
    ).astype(int)
    rate = np.interp(
        t,
        [2012, 2017, 2019, 2020, 2021, 2023, 2040],
        [0.309, 0.292, 0.256, 0.244, 0.252, 0.282, 0.285],
    )
    reoffenders = np.rint(offenders * rate * np.exp(rng.normal(0, 0.005, len(t)))).astype(int)
    per = np.interp(t, [2012, 2017, 2020, 2023, 2040], [3.44, 4.04, 3.59, 4.7, 4.7])
    reoffences = np.rint(reoffenders * per * np.exp(rng.normal(0, 0.01, len(t)))).astype(int)
    series = [
        {
            "cohort": f"{year}/{(year + 1) % 100:02d}",
            "date": f"{year}-04",
            "offenders": int(o),
            "reoffenders": int(r),
            "reoffences": int(x),
            "reoffendingRate": float(_half_up(100 * r / o, 1)),
            "avgReoffences": float(_half_up(x / r, 2)),
        }
        for year, o, r, x in zip(cohorts, offenders, reoffenders, reoffences, strict=True)
    ]
    shares = np.array([s for _, s, _ in OFFENCE_GROUPS])
    group_offenders = demo._allocate(np.array([offenders[-1]]), shares[None, :])[0]
    groups = []
    for (group, _, group_rate), n in zip(OFFENCE_GROUPS, group_offenders, strict=True):
        k = int(rng.binomial(int(n), group_rate))
        groups.append(
            {
                "group": group,
                "offenders": int(n),
                "reoffenders": k,
                "reoffendingRate": float(_half_up(100 * k / n, 1)),
            }
        )
    groups.sort(key=lambda g: -g["reoffendingRate"])
    document = {
        "timeSeries": series,
        "byOffenceGroup": groups,
        "latestCohort": series[-1]["cohort"],
        "metadata": {
            "sources": [
                {
                    "name": "GENERATED DEMO DATA (not Ministry of Justice figures)",
                    "dataset": "Proven Reoffending Statistics (demo)",
                    "url": "https://www.gov.uk/government/collections/proven-reoffending-statistics",
                    "frequency": "quarterly (annual cohorts)",
                    "retrieved": f"{today.year}-01-01T00:00:00",  # stable until a new year
                }
            ],
            "methodology": "Demo data in the layout of the real file. Rate = reoffenders / "
            "offenders x 100.",
            "knownIssues": ["Generated by loaders/demo_public.py; not real statistics"],
        },
    }
    (folder / "wiah_proven_reoffending_national.json").write_text(
        json.dumps(document, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    return f"- {REOFFENDING_FOLDER}/: cohorts {series[0]['cohort']} to {series[-1]['cohort']}"


# --------------------------------------------------------------------------------------------
# ONS police force areas
# --------------------------------------------------------------------------------------------


def write_reference(folder: Path) -> str:
    """The real code list (public facts) and generated rectangles, never the ONS outlines."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["PFA23CD", "PFA23NM", "country"]]
    rows += [
        [code, name, "Wales" if code.startswith("W") else "England"]
        for code, name in sorted(POLICE_FORCE_AREAS.items())
    ]
    (folder / "pfa23_codes.csv").write_bytes(_csv_bytes(rows, "\r\n"))
    features = []
    for code, (_, lon, lat, sx, sy) in sorted(_force_centres().items()):
        # A rectangle of about one spread each way: recognisable on a map, plainly not real.
        west, east = round(lon - sx, 3), round(lon + sx, 3)
        south, north = round(lat - sy, 3), round(lat + sy, 3)
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"PFA23NM": POLICE_FORCE_AREAS[code], "PFA23CD": code},
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    (folder / "pfa_demo_boundaries.geojson").write_text(
        json.dumps(document, separators=(",", ":")), encoding="utf-8", newline="\n"
    )
    return f"- {REFERENCE_FOLDER}/: ONS codes and names; boundaries are generated rectangles"


# --------------------------------------------------------------------------------------------
# Population by police force area
# --------------------------------------------------------------------------------------------

POPULATION_FILE = "pfa_population.csv"
POPULATION_HEADER = ["Code", "Name", "Population (mid 2022 estimate)"]
CITY_OF_LONDON = "E23000034"


def write_population(folder: Path, rng: np.random.Generator) -> str:
    """The published table's layout with generated populations; the City has no row, as there."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [list(POPULATION_HEADER)]
    for code, name in sorted(POLICE_FORCE_AREAS.items()):
        if code == CITY_OF_LONDON:
            continue
        # Roughly the spread of real force areas (0.5 to 3 million; the Met far larger).
        hundreds = 88_000 if code == "E23000001" else int(rng.integers(5_000, 30_000))
        rows.append([code, name, f"{hundreds * 100:,}"])
    (folder / POPULATION_FILE).write_bytes(_csv_bytes(rows, "\n"))
    return f"- {REFERENCE_FOLDER}/{POPULATION_FILE}: generated populations in the published layout"
