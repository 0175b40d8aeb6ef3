"""How numbers, units, periods and changes read, for every renderer: one function each.

A page tile, a meeting screen, a pack page and the API all say "1 hour", "2 weeks", "per 100,000
population" and "2025 Q4" the same way because they all call these functions (through the model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Unit:
    """A unit as people write it: the noun after a number (singular and plural), decimals shown,
    and the axis title a chart carries."""

    singular: str
    plural: str
    decimals: int
    axis_title: str
    suffix: str = ""  # written straight after the number, with no space (%)


UNITS: dict[str, Unit] = {
    "count": Unit("", "", 0, "Number"),
    "percent": Unit("", "", 1, "Per cent (%)", suffix="%"),
    "days": Unit("day", "days", 0, "Days"),
    "weeks": Unit("week", "weeks", 1, "Weeks"),
    "hours": Unit("hour", "hours", 1, "Hours"),
    "minutes": Unit("minute", "minutes", 0, "Minutes"),
    "years": Unit("year", "years", 2, "Years"),
    "ratio": Unit("", "", 2, "Ratio"),
    "per_100k": Unit(
        "per 100,000 population", "per 100,000 population", 1, "Per 100,000 population"
    ),
}
SUMMABLE_UNITS = {"count"}  # a partnership's figure is the sum of its members' only for counts
PERCENT_UNITS = {"percent"}
TIME_UNITS = {"days", "weeks", "hours", "minutes", "years"}


def unit_of(unit: str) -> Unit:
    return UNITS.get(unit, Unit("", "", 1, unit.replace("_", " ").capitalize()))


def axis_title(unit: str) -> str:
    """A chart axis title in words ("Per 100,000 population", never "per_100k")."""
    return unit_of(unit).axis_title


def _number(value: float, decimals: int, whole_drops_decimals: bool) -> str:
    if decimals and float(value).is_integer() and (whole_drops_decimals or abs(value) >= 100):
        decimals = 0  # 1 hour and 346 days, not 1.0 hour or 346.0 days
    return f"{value:,.{decimals}f}"


def format_value(value: float | None, unit: str) -> str:
    """1,548 · 12.3% · 1 hour · 2.5 weeks · 0.69 years · 23.2 per 100,000 population."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    spec = unit_of(unit)
    text = _number(value, spec.decimals, whole_drops_decimals=unit in TIME_UNITS)
    if unit in TIME_UNITS and "." in text and not text.rstrip("0").split(".")[1]:
        text = text.split(".")[0]  # 0.98 hours rounds to "1 hour", not "1.0 hours"
    if spec.suffix:
        return text + spec.suffix
    noun = spec.singular if text == "1" else spec.plural
    return f"{text} {noun}".strip()


def format_amount(value: float, unit: str) -> str:
    """A difference between two figures: percentages differ by percentage points."""
    if unit in PERCENT_UNITS:
        points = f"{abs(value):.1f}"
        return f"{points} percentage point{'' if points == '1.0' else 's'}"
    spec = unit_of(unit)
    amount = abs(value)
    if not spec.suffix and round(amount, spec.decimals) == 0 and amount > 0:
        text = f"{amount:,.2g}"  # up 0.4 minutes, never "up 0 minutes"
        return f"{text} {spec.plural}".strip()
    return format_value(amount, unit)


# --- Periods ---------------------------------------------------------------------------------------

PERIOD_KINDS = ("week", "month", "quarter", "year", "financial_year")


def quarter_label(period_end: date) -> str:
    return f"{period_end.year} Q{(period_end.month - 1) // 3 + 1}"


def period_label(period_type: str, period_start: date | None, period_end: date) -> str:
    """'Jan 2025', '2025 Q4', '2022', '2023/24' (April to March) or 'week of 6 Jan 2025'."""
    if period_type == "month":
        return f"{period_end:%b %Y}"
    if period_type == "quarter":
        return quarter_label(period_end)
    if period_type == "year":
        return str(period_end.year)
    if period_type == "financial_year":
        return f"{period_end.year - 1}/{period_end.year % 100:02d}"
    if period_type == "week" and period_start is not None:
        return f"week of {period_start.day} {period_start:%b %Y}"
    start = period_start or period_end
    return f"{start.day} {start:%b %Y} to {period_end.day} {period_end:%b %Y}"


def period_long_label(period_type: str, period_start: date | None, period_end: date) -> str:
    """The words a sentence or a pack cover uses: 'January 2025', 'October to December 2025
    (2025 Q4)', 'calendar year 2022', 'the April 2023 to March 2024 cohort'."""
    if period_type == "month":
        return f"{period_end:%B %Y}"
    if period_type == "quarter":
        first = date(period_end.year, period_end.month - 2, 1)
        return f"{first:%B} to {period_end:%B %Y} ({quarter_label(period_end)})"
    if period_type == "year":
        return f"calendar year {period_end.year}"
    if period_type == "financial_year":
        return f"April {period_end.year - 1} to March {period_end.year}"
    return period_label(period_type, period_start, period_end)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from one date to a later one (0 within the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def local_time(moment: datetime | None, timezone: str = "Europe/London") -> str:
    if moment is None:
        return "never"
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y %H:%M")


# --- Change on a year ago --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The latest figure against the same period a year earlier. `words` never carries a verdict
    by itself: the model decides how it sits beside the SPC reading (see presented.build)."""

    year_ago: float | None
    delta: float | None
    direction: str | None  # up, down, same; None when there is no figure to compare
    verdict: str | None  # better, worse; None for neutral measures or no change
    words: str  # "up 33 days (+10.5%) on a year ago"

    @property
    def comparable(self) -> bool:
        return self.direction is not None


NO_CHANGE = Change(None, None, None, None, "no figure a year earlier to compare with")


def change_on_year(current: float, previous: float | None, polarity: str, unit: str) -> Change:
    """Up or down on a year ago, by how much, and whether that is better or worse by polarity."""
    if previous is None or (isinstance(previous, float) and math.isnan(previous)):
        return NO_CHANGE
    delta = current - previous
    if delta == 0:
        return Change(previous, 0.0, "same", None, "the same as a year ago")
    direction = "up" if delta > 0 else "down"
    amount = format_amount(delta, unit)
    if unit not in PERCENT_UNITS and previous:
        amount += f" ({delta / previous:+.1%})"
    verdict = None
    if polarity in {"up_good", "down_good"}:
        verdict = "better" if (delta > 0) == (polarity == "up_good") else "worse"
    return Change(previous, delta, direction, verdict, f"{direction} {amount} on a year ago")


def change_phrase(
    current: float, previous: float | None, polarity: str, unit: str = "count"
) -> str:
    """'up 1,200 (+8.1%) on a year ago, worse': the change with its verdict, for a lone figure
    that has no SPC reading beside it (a court's drill-down tile)."""
    change = change_on_year(current, previous, polarity, unit)
    return change.words + (f", {change.verdict}" if change.verdict else "")


def month_label(period_start: date) -> str:
    return f"{period_start:%b %Y}"
