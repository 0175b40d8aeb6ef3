"""CPS case outcomes by principal offence category, per CPS Area and month.

One CSV per month (`oct2015.csv`, `april2016.csv`, or CPS's own
`principal_offence_category_october_2015.csv`): the month comes from the file name, in full or
abbreviated. Each row is a CPS Area (the first header cell is EMPTY), plus `National` for England
and Wales. For each principal offence category there are four columns: the number and percentage
of convictions, then the number and percentage of unsuccessful outcomes. The files use Windows
line ends, quote numbers of a thousand or more with a thousands separator ("9,003") and write
"-" (or a bare "0", or "0.0%") for a percentage with no cases behind it.

Unsuccessful outcomes include administrative finalisations (a warrant not executed, a defendant
who cannot be traced, has died or is unfit to plead), which CPS records without a principal
offence, so they have a column of their own. CPS defines unsuccessful outcomes as every outcome
other than a conviction, administrative finalisations included, so the all-offence conviction
rate counts them in its denominator.

Every published percentage is checked against its counts (to the 0.05 its rounding allows); a
column shifted by one would fail that check rather than put wrong figures on screen.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.areas import ENGLAND_AND_WALES, POLICE_FORCE_AREAS, force_code
from loaders.errors import LoaderError, UnknownAreaName
from loaders.frames import LoadResult, columns_frame, month_bounds
from loaders.sources import csvfile

CONVICTIONS = "cps_convictions"
UNSUCCESSFUL = "cps_unsuccessful"
CONVICTION_RATE = "cps_conviction_rate"
UNSUCCESSFUL_RATE = "cps_unsuccessful_rate"

AREA_COLUMN = "CPS Area"  # the published header cell is empty
NATIONAL = "National"
ADMIN = "Admin Finalised"
ADMIN_COUNT = f"Number of {ADMIN} Unsuccessful"
ADMIN_PERCENT = f"Percentage of {ADMIN} Unsuccessful"
CITY_OF_LONDON = "E23000034"
LAYOUT = "the CPS case outcomes layout"
# The categories CPS used in 2015-16; a new one in a later file is loaded and noted.
KNOWN_CATEGORIES = (
    "Homicide",
    "Offences Against The Person",
    "Sexual Offences",
    "Burglary",
    "Robbery",
    "Theft And Handling",
    "Fraud And Forgery",
    "Criminal Damage",
    "Drugs Offences",
    "Public Order Offences",
    "All Other Offences (excluding Motoring)",
    "Motoring Offences",
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_FILE_MONTH = re.compile(r"(?:^|.*[^a-z])([a-z]+)[ _-]?((?:19|20)\d{2})", re.IGNORECASE)
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)%")


def file_month(path: Path) -> tuple[int, int]:
    """(year, month) from a file name such as oct2015.csv, april2016.csv or ..._july_2016.csv."""
    match = _FILE_MONTH.fullmatch(path.stem)
    month = MONTHS.get(match.group(1).lower()) if match else None
    if month is None:
        raise LoaderError(
            path,
            "cannot tell the month from the file name; name it after the month and year, such "
            "as oct2015.csv or april2016.csv",
        )
    return int(match.group(2)), month


def parse_header(path: Path, header: list[str]) -> list[str]:
    """The offence categories in column order, checked against the published layout.

    The last published column is headed "Percentage of L Motoring Offences Unsuccessful" but
    holds the percentage of administrative finalisations (it follows "Number of Admin Finalised
    Unsuccessful" and is 100% whenever there are any); it is mapped by its position.
    """

    def wrong(i: int, expected: str) -> LoaderError:
        found = f"'{header[i]}'" if i < len(header) else "nothing"
        return LoaderError(
            path,
            f"header differs from {LAYOUT}: column {i + 1} should be '{expected}' but is {found}",
            row=1,
            column=expected,
        )

    if not header or header[0].strip() != "":
        raise LoaderError(
            path,
            f"header differs from {LAYOUT}: the first header cell should be empty (it heads "
            f"the CPS Area names) but is '{header[0] if header else ''}'",
            row=1,
            column=AREA_COLUMN,
        )
    categories: list[str] = []
    i = 1
    while i < len(header) and header[i] != ADMIN_COUNT:
        match = re.fullmatch(r"Number of (.+) Convictions", header[i])
        if not match:
            raise wrong(i, f"Number of <offence> Convictions' or '{ADMIN_COUNT}")
        category = match.group(1)
        for offset, label in enumerate(
            (
                f"Percentage of {category} Convictions",
                f"Number of {category} Unsuccessful",
                f"Percentage of {category} Unsuccessful",
            ),
            start=1,
        ):
            if i + offset >= len(header) or header[i + offset] != label:
                raise wrong(i + offset, label)
        categories.append(category)
        i += 4
    if i >= len(header):
        raise wrong(i, ADMIN_COUNT)
    if i + 1 >= len(header) or not re.fullmatch(r"Percentage of .+ Unsuccessful", header[i + 1]):
        raise wrong(i + 1, f"Percentage of {ADMIN} Unsuccessful")
    if i + 2 < len(header):
        raise LoaderError(
            path,
            f"header differs from {LAYOUT}: an extra column '{header[i + 2]}' after the "
            "administrative finalisations",
            row=1,
            column=header[i + 2],
        )
    if not categories:
        raise wrong(1, "Number of <offence> Convictions")
    return categories


def _column_names(categories: list[str]) -> list[str]:
    names = [AREA_COLUMN]
    for c in categories:
        names += [
            f"Number of {c} Convictions",
            f"Percentage of {c} Convictions",
            f"Number of {c} Unsuccessful",
            f"Percentage of {c} Unsuccessful",
        ]
    return [*names, ADMIN_COUNT, ADMIN_PERCENT]


def _cell_value(text: str, is_count: bool) -> float | None:
    """A count ("149", "9,003", "-" for none) or a percentage ("75.3%"; "-" or a bare "0" when
    there are no cases, NaN and 0); None when the cell is neither."""
    text = text.strip()
    if is_count:
        if text == "-":
            return 0.0
        return float(text.replace(",", "")) if _COUNT.fullmatch(text) else None
    if text == "-":
        return math.nan
    if text == "0":
        return 0.0
    match = _PERCENT.fullmatch(text)
    return float(match.group(1)) if match and float(match.group(1)) <= 100 else None


def _values(table: csvfile.Table, labels: dict[str, str]) -> dict[str, np.ndarray]:
    """Every figure of the file, read in reading order so the first bad cell is reported."""
    columns = [c for c in table.frame.columns if c != AREA_COLUMN]
    kinds = [c.startswith("Number of ") for c in columns]
    grid = table.frame[columns].to_numpy(dtype=object)
    values = np.empty(grid.shape, dtype="float64")
    for i, row in enumerate(grid):
        for j, text in enumerate(row):
            value = _cell_value(text, kinds[j])
            if value is None:
                wanted = (
                    'a count (a whole number such as 149 or "9,003", or "-")'
                    if kinds[j]
                    else 'a percentage from 0% to 100% such as 75.3% (or "-")'
                )
                raise table.row_error(i, labels[columns[j]], f"'{text}' is not {wanted}")
            values[i, j] = value
    return {c: values[:, j] for j, c in enumerate(columns)}


def _check_percent(table, published, part, total, header_label) -> None:
    """A published percentage must be part / total to the one decimal place it shows."""
    exact = 100 * part / np.where(total > 0, total, 1)
    given = ~np.isnan(published)
    checks = (
        # No cases: CPS writes "-" (or 0.0%); a figure there has nothing behind it.
        ((total == 0) & given & (published != 0), "a percentage is given but there are no cases"),
        ((total > 0) & ~given, "the percentage is '-' but there are cases"),
        (
            (total > 0) & given & (np.abs(exact - published) > 0.05 + 1e-9),
            "the percentage does not match its counts; the columns may be shifted",
        ),
    )
    for mask, message in checks:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            if total[i] > 0 and given[i]:
                message += (
                    f" ({int(part[i]):,} of {int(total[i]):,} is {exact[i]:.2f}%, the file says "
                    f"{published[i]}%)"
                )
            raise table.row_error(i, header_label, message)


def _read_month(path: Path, areas: dict[str, str], notes: list[str]) -> pd.DataFrame:
    """One month's file as long rows: area, offence, convictions, unsuccessful, published %."""
    header_table = csvfile.read_csv(path, layout=LAYOUT)  # read once for the header
    categories = parse_header(path, header_table.header)
    names = _column_names(categories)
    table = csvfile.Table(
        path,
        header_table.header,
        header_table.frame.set_axis(names, axis=1),
        header_table.lines,
    )
    labels = dict(zip(names, header_table.header, strict=True))
    labels[AREA_COLUMN] = AREA_COLUMN
    labels[ADMIN_PERCENT] = f"{header_table.header[-1]} (administrative finalisations)"
    if table.frame.empty:
        raise LoaderError(path, "the file has a header but no rows", row=2, column=AREA_COLUMN)
    for category in categories:
        if category not in KNOWN_CATEGORIES:
            notes.append(f"{path.name}: new principal offence category '{category}' loaded.")

    area_names = table.frame[AREA_COLUMN].str.strip()
    codes = []
    for index, name in enumerate(area_names):
        if name == NATIONAL:
            codes.append(ENGLAND_AND_WALES)
            continue
        try:
            code = areas.get(name) or force_code(name, "CPS case outcomes")
        except UnknownAreaName as exc:
            raise table.row_error(index, AREA_COLUMN, str(exc)) from exc
        areas[name] = code
        codes.append(code)
    codes = np.array(codes, dtype=object)
    repeated = pd.Series(codes).duplicated().to_numpy()
    if repeated.any():
        raise table.error(
            repeated, AREA_COLUMN, lambda r: f"'{r[AREA_COLUMN]}' appears on an earlier row too"
        )
    expected = (set(POLICE_FORCE_AREAS) - {CITY_OF_LONDON}) | {ENGLAND_AND_WALES}
    missing = sorted(expected - set(codes))
    if missing:
        names_missing = ", ".join(
            "National" if c == ENGLAND_AND_WALES else POLICE_FORCE_AREAS[c] for c in missing
        )
        raise LoaderError(
            path,
            f"no row for {names_missing}; every CPS Area and the National row should be listed "
            "(is the file cut short?)",
            row=int(table.lines[-1]) + 1,
            column=AREA_COLUMN,
        )

    values = _values(table, labels)
    columns: dict[str, list[np.ndarray]] = {
        "convictions": [], "unsuccessful": [], "conviction_pct": [], "unsuccessful_pct": []
    }  # fmt: skip
    for category in categories:
        cols = _column_names([category])[1:5]
        conv, conv_pct, unsucc, unsucc_pct = (values[c] for c in cols)
        _check_percent(table, conv_pct, conv, conv + unsucc, labels[cols[1]])
        _check_percent(table, unsucc_pct, unsucc, conv + unsucc, labels[cols[3]])
        for name, column in zip(columns, (conv, unsucc, conv_pct, unsucc_pct), strict=True):
            columns[name].append(column)
    admin, admin_pct = values[ADMIN_COUNT], values[ADMIN_PERCENT]
    _check_percent(table, admin_pct, admin, admin, labels[ADMIN_PERCENT])
    nothing = np.full(len(admin), np.nan)  # its percentage is always 100%: not worth storing
    for name, column in zip(columns, (np.zeros(len(admin)), admin, nothing, nothing), strict=True):
        columns[name].append(column)
    offences = [*categories, ADMIN]
    month = pd.DataFrame(
        {
            "area": np.tile(codes, len(offences)),
            "offence": np.repeat(np.array(offences, dtype=object), len(codes)),
            **{name: np.concatenate(parts) for name, parts in columns.items()},
        }
    )
    is_national = codes == ENGLAND_AND_WALES
    for measure in ("convictions", "unsuccessful"):
        grid = np.column_stack(columns[measure])
        national, summed = grid[is_national].sum(axis=0), grid[~is_national].sum(axis=0)
        for offence, a, b in zip(offences, national, summed, strict=True):
            if a != b:
                notes.append(
                    f"{path.name}: the National row has {int(a):,} {offence} {measure} but the "
                    f"CPS Areas add up to {int(b):,}; both are stored as published."
                )
    return month


def load(source_dir: Path) -> LoadResult:
    """Convictions, unsuccessful outcomes and their rates per CPS Area, month and offence."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoaderError(source_dir, "folder not found; expected the cps_case_outcomes folder")
    files = sorted(p for p in source_dir.glob("*.csv") if p.is_file())
    months: dict[tuple[int, int], Path] = {}
    unrecognised: dict[str, str] = {}
    for path in files:
        try:
            key = file_month(path)
        except LoaderError:
            # Not named as a monthly file (oct2015.csv): some other table saved beside them.
            unrecognised[path.name] = (
                "its name is not a month and year such as oct2015.csv, so it is not a monthly "
                "case outcomes file"
            )
            continue
        if key in months:
            raise LoaderError(
                path, f"{months[key].name} is already the file for {key[1]:02d}/{key[0]}"
            )
        months[key] = path
    if not months:
        listed = "; ".join(f"{name}: {why}" for name, why in unrecognised.items())
        raise LoaderError(
            source_dir,
            "no CPS case outcomes files found: expected monthly CSVs named like oct2015.csv"
            + (f" ({listed})" if listed else ""),
        )

    areas: dict[str, str] = {}
    notes: list[str] = []
    parts = []
    for (year, month_number), path in sorted(months.items()):
        start, end = month_bounds(year, month_number)
        month = _read_month(path, areas, notes)
        totals = month.groupby("area", sort=False)[["convictions", "unsuccessful"]].sum()
        totals = totals.reset_index().assign(offence="")
        parts.append(pd.concat([month, totals]).assign(period_start=start, period_end=end))
    long = pd.concat(parts, ignore_index=True)
    # No all-offence percentage is published: it is computed from the counts, unrounded.
    all_offences = long["offence"] == ""
    base = long["convictions"] + long["unsuccessful"]
    long.loc[all_offences, "conviction_pct"] = 100 * long["convictions"] / base
    long.loc[all_offences, "unsuccessful_pct"] = 100 * long["unsuccessful"] / base
    is_admin = long["offence"] == ADMIN
    has_rate = ~is_admin & (base > 0)
    observations = pd.concat(
        [
            _rows(CONVICTIONS, long[~is_admin], "convictions"),
            _rows(UNSUCCESSFUL, long, "unsuccessful"),
            _rows(CONVICTION_RATE, long[has_rate], "conviction_pct", "convictions"),
            _rows(UNSUCCESSFUL_RATE, long[has_rate], "unsuccessful_pct", "unsuccessful"),
        ],
        ignore_index=True,
    )
    met = [n for n, c in areas.items() if c == "E23000001"]
    if met:
        notes.append(
            f"The CPS Area '{met[0]}' covers the Metropolitan Police and the City of London; "
            "it is stored under the Met's code E23000001 and the City has no figure of its own."
        )
    return LoadResult(
        observations=observations,
        files=[months[k] for k in sorted(months)],
        notes=notes,
        unrecognised=unrecognised,
    )


def _rows(measure: str, long: pd.DataFrame, value: str, part: str | None = None) -> pd.DataFrame:
    """Observation rows for one measure; `part` names the numerator of a rate."""
    columns = {
        "measure_id": measure,
        "area_code": long["area"].to_numpy(dtype=object),
        "period_start": long["period_start"].to_numpy(dtype=object),
        "period_end": long["period_end"].to_numpy(dtype=object),
        "period_type": "month",
        "value": long[value].to_numpy(dtype="float64"),
        "numerator": np.nan,
        "denominator": np.nan,
        "breakdown": [{"offence": o} if o else {} for o in long["offence"]],
    }
    if part is not None:
        columns["numerator"] = long[part].to_numpy(dtype="float64")
        columns["denominator"] = (long["convictions"] + long["unsuccessful"]).to_numpy("float64")
    return columns_frame(columns, len(long))
