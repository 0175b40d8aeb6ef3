"""The period formats a template may use, each parsed to (start, end) or refused in plain words."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

EARLIEST_YEAR = 2000  # nothing a partnership submits today describes an earlier period


class PeriodError(ValueError):
    """A period cell could not be read; the message says what was expected."""


@dataclass(frozen=True)
class PeriodFormat:
    """How one template writes its period, and the period type its figures are stored under."""

    name: str  # month, quarter, financial_year, week
    column: str  # the template's column name for it
    period_type: str  # as stored on each observation
    pattern: str  # how the data dictionary shows it
    example: str
    description: str

    def parse(self, text: str) -> tuple[date, date]:
        """(first day, last day) of the period written as `text`; PeriodError if it is not one."""
        return _PARSERS[self.name](text.strip())


MONTH = PeriodFormat(
    "month",
    "month",
    "month",
    "YYYY-MM",
    "2025-03",
    "A calendar month, written YYYY-MM (for example 2025-03 for March 2025).",
)
QUARTER = PeriodFormat(
    "quarter",
    "quarter",
    "quarter",
    "YYYY-Qn",
    "2025-Q1",
    "A calendar quarter, written YYYY-Qn (for example 2025-Q1 for January to March 2025).",
)
FINANCIAL_YEAR = PeriodFormat(
    "financial_year",
    "financial_year",
    "financial_year",
    "YYYY-YY",
    "2024-25",
    "A financial year from April to March, written YYYY-YY (for example 2024-25).",
)
WEEK = PeriodFormat(
    "week",
    "week_commencing",
    "week",
    "YYYY-MM-DD (a Monday)",
    "2025-03-03",
    "A week from Monday to Sunday, written as the Monday's date YYYY-MM-DD "
    "(for example 2025-03-03).",
)

_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-01)?")  # Excel turns 2025-03 into 2025-03-01
_QUARTER = re.compile(r"(\d{4})[- ]?[Qq]([1-4])")
_FINANCIAL_YEAR = re.compile(r"(\d{4})[-/](\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _year(text: str, year: int) -> int:
    if year < EARLIEST_YEAR:
        raise PeriodError(f"'{text}' is before {EARLIEST_YEAR}; check the year")
    return year


def _month(text: str) -> tuple[date, date]:
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        hint = ""
        financial = _FINANCIAL_YEAR.fullmatch(text)
        if financial and int(financial.group(2)) == (int(financial.group(1)) + 1) % 100:
            hint = " (it looks like a financial year)"
        raise PeriodError(f"'{text}' is not a month written YYYY-MM, such as 2025-03{hint}")
    year, month = _year(text, int(match.group(1))), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _quarter(text: str) -> tuple[date, date]:
    match = _QUARTER.fullmatch(text)
    if not match:
        raise PeriodError(f"'{text}' is not a quarter written YYYY-Qn, such as 2025-Q1")
    year, quarter = _year(text, int(match.group(1))), int(match.group(2))
    last_month = 3 * quarter
    return (
        date(year, last_month - 2, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def _financial_year(text: str) -> tuple[date, date]:
    match = _FINANCIAL_YEAR.fullmatch(text)
    if not match:
        raise PeriodError(f"'{text}' is not a financial year written YYYY-YY, such as 2024-25")
    year = _year(text, int(match.group(1)))
    if int(match.group(2)) != (year + 1) % 100:
        raise PeriodError(
            f"'{text}' is not a financial year: the second year should be "
            f"{(year + 1) % 100:02d} (write {year}-{(year + 1) % 100:02d})"
        )
    return date(year, 4, 1), date(year + 1, 3, 31)


def _week(text: str) -> tuple[date, date]:
    match = _DAY.fullmatch(text)
    try:
        start = date(*(int(g) for g in match.groups())) if match else None
    except ValueError:
        start = None
    if start is None:
        raise PeriodError(f"'{text}' is not a date written YYYY-MM-DD, such as 2025-03-03")
    _year(text, start.year)
    if start.weekday() != 0:
        monday = start - timedelta(days=start.weekday())
        raise PeriodError(
            f"{start:%A %d %B %Y} is not a Monday; a week is given by its Monday "
            f"(here {monday.isoformat()})"
        )
    return start, start + timedelta(days=6)


_PARSERS = {
    "month": _month,
    "quarter": _quarter,
    "financial_year": _financial_year,
    "week": _week,
}

PERIOD_FORMATS = {f.name: f for f in (MONTH, QUARTER, FINANCIAL_YEAR, WEEK)}


def label(period_format: PeriodFormat, start: date) -> str:
    """The period as the template writes it, from its first day (for demo files and messages)."""
    if period_format.name == "month":
        return f"{start:%Y-%m}"
    if period_format.name == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period_format.name == "financial_year":
        return f"{start.year}-{(start.year + 1) % 100:02d}"
    return start.isoformat()
