"""How numbers, periods and provenance read on screen, in one place so every card agrees."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

UNIT_SUFFIX = {"percent": "%", "days": " days", "weeks": " weeks", "hours": " hours"}


def format_value(value: float | None, unit: str) -> str:
    """1,548 for counts; 12.3% for percentages; one decimal place for ratios."""
    if value is None:
        return "no data"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "per_100k":  # published to one decimal place (e.g. women's imprisonment rate)
        return f"{value:,.1f} per 100,000"
    return f"{value:,.0f}{UNIT_SUFFIX.get(unit, '')}"


def quarter_label(period_end: date) -> str:
    return f"{period_end.year} Q{(period_end.month - 1) // 3 + 1}"


def month_label(period_start: date) -> str:
    return period_start.strftime("%b %Y")


def period_label(period_type: str, period_start: date, period_end: date) -> str:
    if period_type == "quarter":
        return quarter_label(period_end)
    if period_type == "month":
        return month_label(period_start)
    return f"{period_start:%d %b %Y} to {period_end:%d %b %Y}"


def local_time(moment: datetime | None, timezone: str = "Europe/London") -> str:
    if moment is None:
        return "never"
    if moment.tzinfo is None:  # SQLite returns naive UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d %b %Y %H:%M")


def change_phrase(current: float, previous: float, polarity: str, unit: str = "count") -> str:
    """'up 1,200 (+8.1%) on a year ago, worse' — direction in words, never colour alone."""
    if previous in (0, None):
        return "no earlier figure to compare"
    delta = current - previous
    if delta == 0:
        return "no change"
    direction = "up" if delta > 0 else "down"
    if unit == "percent":
        amount = f"{abs(delta):.1f} percentage points"
    else:
        amount = f"{format_value(abs(delta), unit)} ({delta / previous:+.1%})"
    verdict = ""
    if polarity in {"up_good", "down_good"}:
        better = (delta > 0) == (polarity == "up_good")
        verdict = ", better" if better else ", worse"
    return f"{direction} {amount}{verdict}"
