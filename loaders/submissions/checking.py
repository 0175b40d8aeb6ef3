"""A submitted file against its template: every problem by row and column, in plain words.

The checks are vectorised over the whole file (a 50 MB file is about a million rows), and each
kind of problem lists its first rows and counts the rest, so the person uploading gets a complete,
readable answer in seconds. A file with any problem yields no figures at all: `to_observations`
refuses it.

Rules, in the order a person would fix them: the header names the template's columns (required
ones present, none unknown, none twice); each cell holds what its column allows (area codes,
periods in the template's format that have ended, codes from the list, whole non-negative
counts, numbers); each numerator is at most its denominator and both or neither are given; parts
add up to their totals; a long-form row gives exactly the figures its measure needs; no two rows
share a key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from loaders.areas import crown_court_code, force_code
from loaders.errors import UnknownAreaName
from loaders.frames import OBSERVATION_COLUMNS
from loaders.measures import MEASURES
from loaders.submissions.periods import PeriodError, label
from loaders.submissions.problems import ROWS_LISTED_PER_KIND, Problem, ProblemList
from loaders.submissions.reading import (
    XLSX_MAX_UNPACKED,
    RawTable,
    column_letter,
    normalise_header,
    read_table,
)
from loaders.submissions.templates import (
    AREA,
    CODE,
    COUNT,
    CROWN_COURT,
    NUMBER,
    PERIOD,
    TEXT,
    Template,
    plausible_maximum,
)

_THOUSANDS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PLAIN_INTEGER = r"\d+|\d{1,3}(?:,\d{3})+"


def london_today() -> date:
    """Today in England and Wales, which decides whether a period has ended."""
    return datetime.now(ZoneInfo("Europe/London")).date()


@dataclass
class CheckedFile:
    """A file read and checked against its template: typed values, or the problems."""

    template: Template
    name: str
    kind: str
    encoding: str
    values: pd.DataFrame
    rows: np.ndarray
    problems: list[Problem]
    problem_count: int
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def row_count(self) -> int:
        return len(self.rows)


def check_file(
    template: Template,
    name: str,
    data: bytes,
    *,
    today: date | None = None,
    submitter: tuple[dict[str, str], str] | None = None,
    max_unpacked: int = XLSX_MAX_UNPACKED,
) -> CheckedFile:
    """Read `data` (CSV or XLSX bytes) and check it against `template`.

    `submitter` is (the area codes the submitting organisation may use, why), from
    templates.submitter_areas; None allows every code the template does.
    """
    table = read_table(name, data, template.column_names, max_unpacked=max_unpacked)
    return check_table(template, table, today=today or london_today(), submitter=submitter)


def check_table(
    template: Template,
    table: RawTable,
    *,
    today: date,
    submitter: tuple[dict[str, str], str] | None = None,
) -> CheckedFile:
    problems = ProblemList()
    problems.merge(table.problems)
    if table.cells is None:
        return _result(template, table, pd.DataFrame(), table.rows[:0], problems)
    positions = _map_header(template, table, problems)
    cells, rows = table.cells, table.rows
    if len(cells) == 0:
        problems.add(
            None,
            None,
            "The file has a header row but no data rows. Add one row per area and period, "
            "then upload it again.",
        )
        return _result(template, table, pd.DataFrame(), rows, problems)
    check = _Checker(template, cells, rows, positions, problems, today, submitter)
    check.each_cell()
    check.plausible()
    check.formula_like(table.formula_like)
    check.pairs()
    check.sums()
    check.long_form()
    check.no_figures()
    check.duplicates()
    return _result(template, table, check.values, rows, problems, check.notes)


def _result(template, table, values, rows, problems: ProblemList, notes=()) -> CheckedFile:
    return CheckedFile(
        template=template,
        name=table.name,
        kind=table.kind,
        encoding=table.encoding,
        values=values,
        rows=rows,
        problems=problems.items(),
        problem_count=problems.total,
        notes=[*table.notes, *notes],
    )


def _map_header(template: Template, table: RawTable, problems: ProblemList) -> dict[str, int]:
    """Template column name → position in the file; unknown, doubled and missing ones reported."""
    names = template.column_names
    positions: dict[str, int] = {}
    row = table.header_row
    for position, raw in enumerate(table.header):
        if not raw.strip():
            problems.add(
                row,
                f"column {column_letter(position)}",
                "This column has no name in the header row. If its heading is part of a merged "
                "cell, unmerge it so every column has its own name, as in the template.",
            )
            continue
        key = normalise_header(raw)
        if key in positions:
            problems.add(
                row,
                raw,
                f"The column '{raw}' appears twice (columns {column_letter(positions[key])} and "
                f"{column_letter(position)}). Keep one of them.",
            )
        elif key in names:
            positions[key] = position
        else:
            guess = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            problems.add(
                row,
                raw,
                f"'{raw}' is not a column of the {template.title} template.{hint} Rename or "
                "remove it; the template's columns are listed in its data dictionary.",
            )
    for column in template.columns:
        if column.required and column.name not in positions:
            problems.add(
                row,
                column.name,
                f"The required column '{column.name}' is missing from the header. "
                f"It should hold: {column.meaning}",
            )
    return positions


class _Checker:
    """The cell and row rules, each over every row at once."""

    def __init__(self, template, cells, rows, positions, problems, today, submitter=None):
        self.template, self.cells, self.rows = template, cells, rows
        self.positions, self.problems, self.today = positions, problems, today
        self.submitter = submitter
        self.notes: list[str] = []
        size = len(cells)
        self.values = pd.DataFrame(index=range(size))
        self.raw: dict[str, pd.Series] = {}
        self.blank: dict[str, np.ndarray] = {}
        self.valid: dict[str, np.ndarray] = {}
        for column in template.columns:
            if column.name in positions:
                raw = cells[positions[column.name]]
            else:
                raw = pd.Series([""] * size, dtype="str")
            self.raw[column.name] = raw
            self.blank[column.name] = (raw == "").to_numpy()

    # ---- helpers ----------------------------------------------------------------------------

    def report(self, mask: np.ndarray, column: str, message, *, what: str, texts=None) -> None:
        """Add a problem for every row in `mask`; message(text) gets that row's cell text."""
        index = np.flatnonzero(mask)
        if not len(index):
            return
        source = texts if texts is not None else self.raw.get(column)
        shown = source.iloc[index[:ROWS_LISTED_PER_KIND]].tolist() if source is not None else []
        self.problems.add_rows(
            self.rows[index],
            column,
            (lambda i: message(shown[i])) if callable(message) else message,
            what=what,
        )

    def present(self, name: str) -> bool:
        return name in self.positions

    # ---- cells ------------------------------------------------------------------------------

    def each_cell(self) -> None:
        for column in self.template.columns:
            name, blank = column.name, self.blank[column.name]
            bad = np.zeros(len(blank), dtype=bool)
            if self.present(name) and column.required:
                self.report(
                    blank,
                    name,
                    f"This cell is blank, but {name} is required: {column.meaning}",
                    what=f"{name} is blank",
                )
            raw = self.raw[name]
            if column.kind == AREA:
                bad = self.area(column, raw, blank)
            elif column.kind == PERIOD:
                bad = self.period(column, raw, blank)
            elif column.kind == CODE:
                bad = self.code(column, raw, blank)
            elif column.kind in (COUNT, NUMBER):
                bad = self.number(column, raw, blank)
            elif column.kind == TEXT:
                self.values[name] = raw.where(~blank, None)
                if column.max_length:
                    bad = (raw.str.len() > column.max_length).to_numpy()
                    self.report(
                        bad,
                        name,
                        lambda text, limit=column.max_length, name=name: (
                            f"This text is {len(text):,} characters long; {name} may be at "
                            f"most {limit:,}."
                        ),
                        what=f"{name} is too long",
                    )
            self.valid[name] = ~blank & ~bad

    def area(self, column, raw: pd.Series, blank: np.ndarray) -> np.ndarray:
        codes = self.template.area_codes()
        upper = _per_value(raw, lambda text: text.upper() if text.upper() in codes else None)
        bad = ~blank & pd.isna(upper)
        self.report(
            bad,
            column.name,
            lambda text: self.area_hint(column, text),
            what="the area code is not known",
        )
        if self.submitter is not None:
            allowed, why = self.submitter
            foreign = ~blank & ~bad & ~pd.Series(upper).isin(list(allowed)).to_numpy()
            self.report(
                foreign,
                column.name,
                lambda text: (
                    f"'{text}' is not an area your organisation submits for: {why}. The Codes "
                    "sheet of the template lists every code; send figures only for your own."
                ),
                what="the area is not one the submitting organisation answers for",
            )
            bad = bad | foreign
        self.values[column.name] = upper
        return bad

    def area_hint(self, column, text: str) -> str:
        codes = self.template.area_codes()
        suggestion = None
        try:
            suggestion = force_code(text)
        except UnknownAreaName:
            if CROWN_COURT in column.allowed:
                candidate = crown_court_code(text.removesuffix(" Crown Court"))
                suggestion = candidate if candidate in codes else None
        if suggestion in codes:
            return (
                f"'{text}' is a name, not a code: write {suggestion} ({codes[suggestion]}) instead."
            )
        kinds = " or ".join(
            {
                "police_force_area": "an ONS police force area code",
                "crown_court": "a Crown Court code",
            }[t]
            for t in column.allowed
        )
        return (
            f"'{text}' is not {kinds} this template knows (for example E23000008 for Durham). "
            "The Codes sheet of the template lists every code."
        )

    def period(self, column, raw: pd.Series, blank: np.ndarray) -> np.ndarray:
        fmt = self.template.period
        bounds: dict[str, tuple[date, date]] = {}
        errors: dict[str, str] = {}
        for text in raw[~blank].unique().tolist():
            try:
                start, end = fmt.parse(text)
            except PeriodError as exc:
                errors[text] = f"{exc}."
                continue
            if start > self.today:
                errors[text] = (
                    f"{label(fmt, start)} is in the future; figures can only be for periods that have ended."
                )
            elif end >= self.today:
                errors[text] = (
                    f"{label(fmt, start)} has not ended yet (it ends on {end:%d %B %Y}); send "
                    "figures only for complete periods."
                )
            else:
                bounds[text] = (start, end)
        bad = ~blank & _per_value(raw, lambda text: text in errors).astype(bool)
        self.report(
            bad,
            column.name,
            lambda text: errors[text],
            what=f"{column.name} is not a valid period",
        )
        self.values["period_start"] = _per_value(raw, lambda t: bounds.get(t, (None,))[0])
        self.values["period_end"] = _per_value(raw, lambda t: bounds.get(t, (None, None))[1])
        self.values[column.name] = raw.where(~bad & ~blank, None)
        return bad

    def code(self, column, raw: pd.Series, blank: np.ndarray) -> np.ndarray:
        allowed = {code.casefold(): code for code in column.allowed}
        canonical = _per_value(raw, lambda text: allowed.get(text.casefold()))
        bad = ~blank & pd.isna(canonical)
        listed = ", ".join(column.allowed) if len(column.allowed) <= 6 else "see the Codes sheet"
        self.report(
            bad,
            column.name,
            lambda text: f"'{text}' is not one of the codes {column.name} allows ({listed}).",
            what=f"{column.name} is not an allowed code",
        )
        self.values[column.name] = canonical
        return bad

    def number(self, column, raw: pd.Series, blank: np.ndarray) -> np.ndarray:
        name = column.name
        thousands = raw.str.fullmatch(_THOUSANDS).to_numpy()
        text = raw.where(~thousands, raw.str.replace(",", "", regex=False))
        # A regular expression finds the numbers and only those are converted: far faster than
        # asking pandas to try (and fail on) every cell of a large file full of text.
        looks = text.str.fullmatch(_NUMBER).to_numpy()
        parsed = np.full(len(raw), np.nan)
        parsed[looks] = text[looks].astype("float64").to_numpy()
        number = pd.Series(parsed)
        finite = np.isfinite(parsed)
        not_number = ~blank & ~finite
        whole = column.kind == COUNT
        expected = "a whole number (0 or more)" if whole else "a number (0 or more)"

        def explain(text: str) -> str:
            hint = ""
            if text.endswith("%"):
                hint = " Give the count itself, not a percentage."
            elif any(symbol in text for symbol in "£$€"):
                hint = " Leave out currency symbols."
            return f"'{text}' is not a number; {name} must be {expected}.{hint}"

        self.report(not_number, name, explain, what=f"{name} is not a number")
        negative = finite & (number.to_numpy() < 0)
        self.report(
            negative,
            name,
            lambda text: f"{name} is {text}, but it cannot be negative.",
            what=f"{name} is negative",
        )
        fraction = np.zeros(len(raw), dtype=bool)
        if whole:
            fraction = finite & ~negative & (np.mod(number.to_numpy(), 1) != 0)
            self.report(
                fraction,
                name,
                lambda text: (
                    f"{name} is {text}, but it counts people or cases: give a whole number."
                ),
                what=f"{name} is not a whole number",
            )
        written = np.zeros(len(raw), dtype=bool)
        if whole:
            # A count is written in digits (thousands commas allowed): '1e2', '12.0' and '+5'
            # are numbers a program wrote, not counts a person typed, so never guessed at.
            plain = raw.str.fullmatch(_PLAIN_INTEGER).to_numpy()
            written = finite & ~negative & ~fraction & ~plain
            self.report(
                written,
                name,
                lambda text: (
                    f"{name} is '{text}': a count must be written as a plain whole number, in "
                    "digits only (for example 1200 or 1,200), with no decimal point, exponent "
                    "or sign."
                ),
                what=f"{name} is not written as a plain whole number",
            )
        bad = not_number | negative | fraction | written
        self.values[name] = number.where(~bad)
        return bad

    def plausible(self) -> None:
        """No figure above its measure's plausible maximum (templates.PLAUSIBLE_MAXIMUM)."""
        limits: dict[str, np.ndarray] = {}
        titles: dict[str, list[str]] = {}
        codes = (
            self.values[self.template.measure_column].to_numpy()
            if self.template.measure_column
            else None
        )
        for m in self.template.measures:
            rows = np.ones(len(self.rows), dtype=bool)
            if m.when is not None:
                rows = codes == m.when[1]
            for name in m.columns:
                if name not in self.valid:
                    continue
                limit = plausible_maximum(m.measure_id, self.template.column(name))
                current = limits.setdefault(name, np.zeros(len(self.rows)))
                current[rows] = np.maximum(current[rows], limit)
                titles.setdefault(name, []).append(m.measure_id)
        for name, limit in limits.items():
            value = np.nan_to_num(self.values[name].to_numpy(dtype="float64"), nan=0.0)
            over = self.valid[name] & (limit > 0) & (value > limit)
            texts = self.raw[name] + "|" + pd.Series(limit).map(lambda v: f"{v:,.0f}")
            self.report(
                over,
                name,
                lambda pair, name=name: (
                    f"{name} is {pair.split('|')[0]}, more than {pair.split('|')[1]}, the most "
                    "one row of this return could plausibly hold. Check the figure (a pasted "
                    "reference number or an extra digit?)."
                ),
                what=f"{name} is larger than is plausible",
                texts=texts,
            )
            self.valid[name] = self.valid[name] & ~over
            self.values[name] = self.values[name].where(~pd.Series(over))

    def formula_like(self, mask) -> None:
        """Text a spreadsheet would run as a formula is kept as text, and the sender told."""
        if mask is None:
            return
        for column in self.template.columns:
            if column.kind != TEXT or column.name not in self.positions:
                continue
            flagged = np.asarray(mask[self.positions[column.name]], dtype=bool)
            if flagged.any():
                listed = ", ".join(str(r) for r in self.rows[flagged][:10])
                more = f" and {int(flagged.sum()) - 10} more" if flagged.sum() > 10 else ""
                self.notes.append(
                    f"{column.name} in rows {listed}{more} begins with =, +, -, @ or a tab, which "
                    "a spreadsheet would run as a formula. It is kept as plain text, never run."
                )

    # ---- rows -------------------------------------------------------------------------------

    def number_of(self, name: str) -> np.ndarray:
        return self.values[name].to_numpy()

    def pairs(self) -> None:
        long_form = self.template.measure_column is not None
        required = {c.name for c in self.template.columns if c.required}
        for numerator, denominator in self.template.pairs:
            if not long_form:
                for given, missing in ((numerator, denominator), (denominator, numerator)):
                    if missing in required:
                        continue  # its blank cells are already reported
                    lonely = self.valid[given] & self.blank[missing]
                    self.report(
                        lonely,
                        missing,
                        f"{missing} is blank but {given} is given; give both or leave both blank.",
                        what=f"{given} is given without {missing}",
                    )
            both = self.valid[numerator] & self.valid[denominator]
            over = both & (self.number_of(numerator) > self.number_of(denominator))
            texts = self.raw[numerator] + " and " + self.raw[denominator]
            self.report(
                over,
                numerator,
                lambda pair, n=numerator, d=denominator: (
                    f"{n} ({pair.split(' and ')[0]}) is larger than {d} "
                    f"({pair.split(' and ')[1]}). {n} counts some of {d}, so it cannot be larger."
                ),
                what=f"{numerator} is larger than {denominator}",
                texts=texts,
            )

    def sums(self) -> None:
        for rule in self.template.sums:
            columns = [rule.total, *rule.parts]
            ok = np.logical_and.reduce([self.valid[c] for c in columns])
            total = self.number_of(rule.total)
            parts = np.nansum([self.number_of(p) for p in rule.parts], axis=0)
            wrong = ok & ((parts != total) if rule.exact else (parts > total))
            texts = pd.Series(parts).map(lambda v: f"{v:,.0f}") + "|" + self.raw[rule.total]
            joined = " + ".join(rule.parts)
            if rule.exact:

                def message(pair, total_name=rule.total, joined=joined):
                    added, given = pair.split("|")
                    return f"{joined} = {added}, but {total_name} is {given}; they should be equal."
            else:

                def message(pair, total_name=rule.total, joined=joined):
                    added, given = pair.split("|")
                    return f"{joined} = {added}, which is more than {total_name} ({given})."

            self.report(
                wrong,
                rule.total,
                message,
                what=f"{joined} does not add up to {rule.total}",
                texts=texts,
            )

    def long_form(self) -> None:
        column = self.template.measure_column
        if column is None:
            return
        figure_columns = {c for m in self.template.measures for c in m.columns}
        codes = self.values[column].to_numpy()
        for m in self.template.measures:
            if m.when is None:
                continue
            code = m.when[1]
            mine = self.valid[column] & (codes == code)
            if not mine.any():
                continue
            how = "a rate: give numerator and denominator" if m.is_rate else "given as value"
            for name in m.columns:
                self.report(
                    mine & self.blank[name],
                    name,
                    f"{name} is blank, but {code} is {how}.",
                    what=f"a {column} row lacks {name}",
                )
            for name in sorted(figure_columns - set(m.columns)):
                self.report(
                    mine & ~self.blank[name],
                    name,
                    f"{name} should be blank for {code}, which is {how}.",
                    what=f"a {column} row gives {name} it does not use",
                )
            if m.value and MEASURES[m.measure_id].unit == "count":
                value = self.number_of(m.value)
                fraction = mine & self.valid[m.value] & (np.mod(np.nan_to_num(value), 1) != 0)
                self.report(
                    fraction,
                    m.value,
                    lambda text, code=code: (
                        f"{code} is a count, so its value must be a whole number (not {text})."
                    ),
                    what=f"a count's {m.value} is not a whole number",
                )
                plain = self.raw[m.value].str.fullmatch(_PLAIN_INTEGER).to_numpy()
                self.report(
                    mine & self.valid[m.value] & ~fraction & ~plain,
                    m.value,
                    lambda text, code=code: (
                        f"{code} is a count, so its value must be written as a plain whole "
                        f"number in digits (not '{text}')."
                    ),
                    what=f"a count's {m.value} is not written as a plain whole number",
                )

    def no_figures(self) -> None:
        if self.template.measure_column is not None:
            return
        figure_columns = sorted({c for m in self.template.measures for c in m.columns})
        if any(self.template.column(c).required for c in figure_columns):
            return  # a blank required figure is already reported
        empty = np.logical_and.reduce([self.blank[c] for c in figure_columns])
        self.report(
            empty,
            None,
            "This row gives no figures: every figure column is blank. Fill in at least one "
            "pair of columns, or delete the row.",
            what="a row gives no figures",
        )

    def duplicates(self) -> None:
        keys = list(self.template.keys)
        ok = np.logical_and.reduce([self.valid[k] for k in keys])
        if not ok.any():
            return
        period = self.template.period_column.name
        key_frame = pd.DataFrame(
            {k: (self.values["period_start"] if k == period else self.values[k]) for k in keys}
        )[ok]
        repeated = key_frame.duplicated(keep="first").to_numpy()
        if not repeated.any():
            return
        rows = pd.Series(self.rows[ok], index=key_frame.index)
        first_same_key = rows.groupby([key_frame[k] for k in keys], sort=False).transform("first")
        whole = self.cells[ok]
        first_same_row = rows.groupby([whole[c] for c in whole.columns], sort=False).transform(
            "first"
        )
        exact = (first_same_row != rows).to_numpy()
        described = (
            " and ".join(keys) if len(keys) <= 2 else ", ".join(keys[:-1]) + " and " + keys[-1]
        )
        mask = np.zeros(len(self.rows), dtype=bool)
        index = np.flatnonzero(ok)
        copy_mask, same_key_mask = mask.copy(), mask.copy()
        copy_mask[index] = repeated & exact
        same_key_mask[index] = repeated & ~exact
        full = pd.Series(np.zeros(len(self.rows), dtype="int64"))
        full[index] = first_same_row.to_numpy()
        self.report(
            copy_mask,
            None,
            lambda first: f"This row is an exact copy of row {first}; delete one of them.",
            what="a row is an exact copy of an earlier row",
            texts=full,
        )
        full_key = pd.Series(np.zeros(len(self.rows), dtype="int64"))
        full_key[index] = first_same_key.to_numpy()
        self.report(
            same_key_mask,
            keys[-1],
            lambda first: (
                f"This row has the same {described} as row {first}; each may appear only once. "
                "Keep one row, or correct the one that is wrong."
            ),
            what=f"a row repeats the {described} of an earlier row",
            texts=full_key,
        )


def _per_value(raw: pd.Series, func) -> np.ndarray:
    """func applied once per distinct cell text, spread back over every row (a file repeats
    a few codes and periods many thousands of times)."""
    positions, uniques = pd.factorize(raw)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(text) for text in uniques.tolist()]
    results[-1] = None  # factorize gives -1 for a missing cell
    return results[positions]


def to_observations(checked: CheckedFile) -> tuple[pd.DataFrame, list[str]]:
    """The figures a checked file gives, in the standard observation shape, and notes on them.

    A rate whose denominator is 0 has no value: it is left out and noted, never stored as 0%.
    """
    if not checked.ok:
        raise ValueError(f"{checked.name} has problems; it gives no figures")
    template, values = checked.template, checked.values
    period_type = template.period.period_type
    area = template.area_column.name
    parts, notes = [], []
    for m in template.measures:
        mask = pd.Series(True, index=values.index)
        if m.when is not None:
            mask &= values[m.when[0]] == m.when[1]
        if m.is_rate:
            numerator, denominator = values[m.numerator], values[m.denominator]
            mask &= numerator.notna() & denominator.notna()
            zero = mask & (denominator == 0)
            if zero.any():
                notes.append(
                    f"{checked.name}: {int(zero.sum())} {m.measure_id} figures have a "
                    f"denominator of 0 (rows {_row_list(checked.rows[zero.to_numpy()])}), so no "
                    "rate was recorded for them."
                )
            mask &= denominator > 0
            value = 100 * numerator[mask] / denominator[mask]
            numerator, denominator = numerator[mask], denominator[mask]
        else:
            mask &= values[m.value].notna()
            value = values.loc[mask, m.value]
            numerator = denominator = pd.Series(np.nan, index=value.index)
        if not mask.any():
            continue
        parts.append(
            pd.DataFrame(
                {
                    "measure_id": m.measure_id,
                    "area_code": values.loc[mask, area],
                    "period_start": values.loc[mask, "period_start"],
                    "period_end": values.loc[mask, "period_end"],
                    "period_type": period_type,
                    "value": value.astype("float64"),
                    "numerator": numerator.astype("float64"),
                    "denominator": denominator.astype("float64"),
                    "breakdown": [dict(m.breakdown)] * int(mask.sum()),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS), notes
    frame = pd.concat(parts, ignore_index=True)[OBSERVATION_COLUMNS]
    frame["measure_id"] = frame["measure_id"].astype("str")
    frame["area_code"] = frame["area_code"].astype("str")
    return frame, notes


def _row_list(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
