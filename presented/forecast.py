"""Crown Court backlog forecast: open cases over the next quarters from receipts and disposals.

Pure (no Dash, no Flask): the caller passes quarterly flows for one court, the partnership or
England & Wales, and gets back the forecast with its words. The method is the open-cases identity

    open[t] = open[t-1] + receipts[t] - disposals[t]

with each quarter's receipts and disposals drawn (jointly, so their correlation is kept) from
their mean and variation over the last `WINDOW` quarters. Each simulated path first draws its own
underlying rates around the recent means (their uncertainty, the mean's standard error), because
a court's pace persists from quarter to quarter: a forecast that only scattered each quarter about
a fixed mean would be far too sure of itself. Seeded, so the same data give the same forecast.
Back-cast on England & Wales from 2023 Q4 (tests/test_forecast.py): the 2025 Q4 caseload that
happened lies inside the 80% interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from presented.words import format_value, quarter_label

WINDOW = 8  # quarters of receipts and disposals the rates and their variation are taken from
MIN_QUARTERS = 8
HORIZONS = (4, 5, 6, 7, 8)
DEFAULT_HORIZON = 8
SIMULATIONS = 4000
SEED = 20191231
BASELINE_END = date(2019, 12, 31)  # the pre-COVID level the backlog is measured against
LOW, HIGH = 0.10, 0.90  # the 80% interval
NOT_WITHIN = "not within the forecast horizon"
NEEDS_DATA = (
    "needs at least {n} quarters of receipts and disposals for {name}; the data loaded has {have}"
)


def quarter_end_after(end: date, quarters: int) -> date:
    """The end of the quarter `quarters` after the one ending on `end`."""
    stamp = pd.Timestamp(end) + pd.offsets.QuarterEnd(quarters)
    return stamp.date()


def quarters_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 4 + (later.month - earlier.month) // 3


@dataclass
class WhatIf:
    """The disposal rate that would bring the backlog to a level by a chosen quarter."""

    target_end: date
    quarters: int
    needed: float  # disposals a quarter
    extra: float  # above the recent average (negative: below it)
    sentence: str


@dataclass
class Forecast:
    """A backlog forecast for one area, or the plain reason it cannot be made."""

    area_name: str
    can_forecast: bool
    reason: str = ""
    history: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # period_end, receipts, disposals, open
    fan: pd.DataFrame = field(default_factory=pd.DataFrame)  # period_end, label, low, median, high
    mean_receipts: float | None = None
    mean_disposals: float | None = None
    window_label: str = ""
    baseline: float | None = None  # open cases at the pre-COVID quarter, if the data has it
    baseline_label: str = quarter_label(BASELINE_END)
    return_end: date | None = None  # the first forecast quarter the median is back at baseline
    return_text: str = ""
    summary: str = ""

    @property
    def last_end(self) -> date | None:
        return None if self.history.empty else self.history["period_end"].iloc[-1].date()

    @property
    def last_open(self) -> float | None:
        return None if self.history.empty else float(self.history["open"].iloc[-1])


def flows(
    open_cases: pd.DataFrame, receipts: pd.DataFrame, disposals: pd.DataFrame
) -> pd.DataFrame:
    """One row per quarter with all three figures (period_end, open, receipts, disposals), from
    observation frames (period_end, value). Quarters missing any of the three are dropped."""
    parts = {
        "open": open_cases,
        "receipts": receipts,
        "disposals": disposals,
    }
    series = {
        name: frame.assign(period_end=pd.to_datetime(frame["period_end"]))
        .groupby("period_end")["value"]
        .sum(min_count=1)
        if not frame.empty
        else pd.Series(dtype=float)
        for name, frame in parts.items()
    }
    joined = pd.DataFrame(series).dropna().sort_index()
    joined.index.name = "period_end"
    return joined.reset_index()[["period_end", "open", "receipts", "disposals"]]


def monthly_to_quarterly(
    outstanding: pd.DataFrame, receipts: pd.DataFrame, disposals: pd.DataFrame
) -> pd.DataFrame:
    """Monthly management information as quarters: receipts and disposals summed over the
    quarter's three months, open cases at its last month. Quarters without all three months of
    receipts and disposals are left out (a part-quarter would look like a collapse)."""

    def by_month(frame: pd.DataFrame) -> pd.Series:
        if frame.empty:
            return pd.Series(dtype=float)
        ends = pd.to_datetime(frame["period_end"])
        return frame.assign(period_end=ends).groupby("period_end")["value"].sum(min_count=1)

    months = pd.DataFrame(
        {
            "open": by_month(outstanding),
            "receipts": by_month(receipts),
            "disposals": by_month(disposals),
        }
    ).dropna()
    if months.empty:
        return pd.DataFrame(columns=["period_end", "open", "receipts", "disposals"])
    quarter = months.index.to_period("Q")
    grouped = months.groupby(quarter)
    out = pd.DataFrame(
        {
            "months": grouped.size(),
            "last_month": grouped.apply(lambda g: g.index.max().month),
            "open": grouped["open"].last(),
            "receipts": grouped["receipts"].sum(),
            "disposals": grouped["disposals"].sum(),
        }
    )
    out = out[(out["months"] == 3) & (out["last_month"] % 3 == 0)]
    out["period_end"] = [p.end_time.normalize() for p in out.index]
    return out.reset_index(drop=True)[["period_end", "open", "receipts", "disposals"]]


def forecast(
    history: pd.DataFrame,
    area_name: str,
    horizon: int = DEFAULT_HORIZON,
    *,
    simulations: int = SIMULATIONS,
    seed: int = SEED,
    window: int = WINDOW,
) -> Forecast:
    """The fan of open cases `horizon` quarters ahead, the quarter the backlog would be back at
    its 2019 Q4 level at current rates, and the words for both."""
    history = history.sort_values("period_end").reset_index(drop=True)
    history["period_end"] = pd.to_datetime(history["period_end"])
    horizon = max(1, int(horizon))
    consecutive = _latest_run(history)
    if len(consecutive) < max(MIN_QUARTERS, window):
        return Forecast(
            area_name,
            False,
            reason=NEEDS_DATA.format(
                n=max(MIN_QUARTERS, window),
                name=area_name,
                have=_quarters_word(len(consecutive)),
            ),
            history=history,
        )
    recent = consecutive.tail(window)
    rates = recent[["receipts", "disposals"]].to_numpy(dtype=float)
    mean = rates.mean(axis=0)
    cov = np.cov(rates, rowvar=False)
    rng = np.random.default_rng(seed)
    # Each path's own underlying rates (the recent mean is itself uncertain) ...
    path_means = rng.multivariate_normal(mean, cov / len(rates), size=simulations)
    # ... then each quarter scattered about them as the recent quarters were.
    noise = rng.multivariate_normal(np.zeros(2), cov, size=(simulations, horizon))
    flows_ = np.clip(path_means[:, None, :] + noise, 0, None)
    net = flows_[:, :, 0] - flows_[:, :, 1]
    start = float(consecutive["open"].iloc[-1])
    paths = np.empty((simulations, horizon))
    level = np.full(simulations, start)
    for step in range(horizon):
        level = np.clip(level + net[:, step], 0, None)
        paths[:, step] = level
    last_end = consecutive["period_end"].iloc[-1].date()
    ends = [quarter_end_after(last_end, k) for k in range(1, horizon + 1)]
    fan = pd.DataFrame(
        {
            "period_end": pd.to_datetime(ends),
            "label": [quarter_label(e) for e in ends],
            "low": np.quantile(paths, LOW, axis=0),
            "median": np.quantile(paths, 0.5, axis=0),
            "high": np.quantile(paths, HIGH, axis=0),
        }
    )
    result = Forecast(
        area_name,
        True,
        history=history,
        fan=fan,
        mean_receipts=float(mean[0]),
        mean_disposals=float(mean[1]),
        window_label=(
            f"{quarter_label(recent['period_end'].iloc[0])} to "
            f"{quarter_label(recent['period_end'].iloc[-1])}"
        ),
    )
    base = history[history["period_end"].dt.date == BASELINE_END]
    if not base.empty:
        result.baseline = float(base["open"].iloc[0])
        back = fan[fan["median"] <= result.baseline]
        if start <= result.baseline:
            result.return_text = (
                f"already at or below its {result.baseline_label} level "
                f"({format_value(result.baseline, 'count')})"
            )
        elif not back.empty:
            result.return_end = back["period_end"].iloc[0].date()
            result.return_text = (
                f"back to its {result.baseline_label} level by {back['label'].iloc[0]}"
            )
        else:
            result.return_text = (
                f"back to its {result.baseline_label} level "
                f"({format_value(result.baseline, 'count')}): {NOT_WITHIN}"
            )
    else:
        result.return_text = f"no {result.baseline_label} figure to compare with"
    result.summary = _summary(result)
    return result


def _latest_run(history: pd.DataFrame) -> pd.DataFrame:
    """The latest unbroken run of consecutive quarters (a gap would fake a quarter's flows)."""
    if history.empty:
        return history
    ends = list(history["period_end"].dt.date)
    start = len(ends) - 1
    while start > 0 and quarter_end_after(ends[start - 1], 1) == ends[start]:
        start -= 1
    return history.iloc[start:].reset_index(drop=True)


def _quarters_word(n: int) -> str:
    return "1 quarter" if n == 1 else f"{n} quarters"


def _summary(fc: Forecast) -> str:
    last = fc.fan.iloc[-1]
    direction = (
        "received more cases than it disposed of"
        if fc.mean_receipts > fc.mean_disposals
        else "disposed of at least as many cases as it received"
    )
    return (
        f"{fc.area_name[:1].upper()}{fc.area_name[1:]}: {format_value(fc.last_open, 'count')} "
        f"open cases at the end of "
        f"{quarter_label(fc.last_end)}. At the rates of {fc.window_label} (about "
        f"{format_value(fc.mean_receipts, 'count')} receipts and "
        f"{format_value(fc.mean_disposals, 'count')} disposals a quarter: it {direction}), open "
        f"cases would be about {format_value(last['median'], 'count')} by {last['label']} "
        f"(80% interval {format_value(last['low'], 'count')} to "
        f"{format_value(last['high'], 'count')}); {fc.return_text}."
    )


def what_if(fc: Forecast, target_end: date, level: float | None = None) -> WhatIf | None:
    """Disposals a quarter that would bring open cases to `level` (the 2019 Q4 level unless
    given) by the quarter ending `target_end`, if receipts stay at their recent average."""
    level = fc.baseline if level is None else level
    if not fc.can_forecast or level is None or fc.last_end is None:
        return None
    quarters = quarters_between(fc.last_end, target_end)
    if quarters < 1:
        return None
    needed = fc.mean_receipts + (fc.last_open - level) / quarters
    needed = max(needed, 0.0)
    extra = needed - fc.mean_disposals
    if extra > 0:
        gap = f"{format_value(round(extra), 'count')} more than its recent average"
    elif extra < 0:
        gap = f"{format_value(round(-extra), 'count')} fewer than its recent average"
    else:
        gap = "its recent average"
    sentence = (
        f"To be back to {fc.baseline_label}'s level ({format_value(level, 'count')} open cases) by "
        f"{quarter_label(target_end)}, {fc.area_name} would need to dispose of about "
        f"{format_value(round(needed), 'count')} cases a quarter, {gap} "
        f"({format_value(round(fc.mean_disposals), 'count')}), if receipts stay at about "
        f"{format_value(round(fc.mean_receipts), 'count')} a quarter."
    )
    return WhatIf(target_end, quarters, needed, extra, sentence)


def target_quarters(fc: Forecast, years: int = 4) -> list[date]:
    """The quarters a 'what if' may aim at: each year-end from a year after the latest figure."""
    if fc.last_end is None:
        return []
    first = fc.last_end.year + 1
    return [date(y, 12, 31) for y in range(first, first + years)]


def table(fc: Forecast) -> pd.DataFrame:
    """The data behind the fan: the recent actual quarters then each forecast quarter ('–' where
    a column does not apply)."""
    rows = [
        [quarter_label(r.period_end), "Actual", r.receipts, r.disposals, r.open, None, None]
        for r in fc.history.tail(WINDOW).itertuples()
    ]
    rows += [
        [r.label, "Forecast (median)", None, None, r.median, r.low, r.high]
        for r in fc.fan.itertuples()
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "Quarter",
            "Kind",
            "Receipts",
            "Disposals",
            "Open cases",
            "Low (10th percentile)",
            "High (90th percentile)",
        ],
        dtype=object,
    )
    for column in frame.columns[2:]:
        frame[column] = [None if v is None else float(round(v)) for v in frame[column]]
    return frame
