"""Statistical process control in the NHS "Making Data Count" (MDC) style: XmR charts for boards.

Pure pandas, no Dash and no database, so callbacks and report generation share one engine.

Method (each choice matches NHSRplotthedots 0.2 unless noted; see docs/spc.md for the reasoning):

- Centre line: the mean of the baseline points. Limits: mean ± 2.66 × mean moving range (mR̄).
  "Near" (2-sigma) limits sit 2/3 of the way out: mean ± (2/3 × 2.66) × mR̄.
- Moving ranges are |x[i] − x[i−1]| between neighbouring baseline points. With `screen_outliers`
  (on by default) moving ranges of 3.267 × mR̄ or more are dropped and mR̄ is recalculated once,
  so a single shock does not widen the limits.
- Points left out of the baseline (`exclude`, e.g. lockdown months) are still drawn and tested
  against the rules; they only stop shaping the mean and limits. A moving range is only taken
  between two neighbouring points that are both in the baseline, never across a gap.
- Provisional points (`provisional`, figures still being recorded) are drawn but are out of
  the baseline, never flagged and invisible to the other points' runs; the icons are read from
  the latest non-provisional point.
- Gaps (`frequency`): a missing period breaks the series; no moving range or run crosses it.
- Units that cannot be negative (`FLOOR_ZERO_UNITS`) have their lower limits floored at zero.
- Rebasing (`rebase_at`) starts a new segment with its own mean and limits; every rule is
  evaluated within a segment, never across a break.
- Rules (all evaluated per segment):
  (a) beyond limits: a point above the upper or below the lower process limit;
  (b) shift: `shift_run` (7) or more consecutive points on the same side of the mean; a point
      exactly on the mean breaks the run; every point in the run is flagged;
  (c) trend: `trend_run` (7) or more consecutive points each higher (or each lower) than the
      one before; an equal consecutive value breaks the run (NHSRplotthedots: sign(diff) must
      be strictly +1 or −1); every point in the run is flagged;
  (d) two of three: in any three consecutive points, two or more beyond the same near limit
      (points beyond the process limit count, as in the Western Electric rule); the points
      beyond the near limit are flagged, the third is not. The third point may lie anywhere;
      `strict_two_of_three=True` also requires it on the same side of the mean, as
      NHSRplotthedots 0.2 does.
- A flagged point's direction (high/low) comes from the first rule that applies in the order
  a, c, d, b (NHSRplotthedots' order): the side of the mean, or the trend's direction. Polarity
  turns high/low into improvement or concern; a neutral measure's signals are "neutral".
- Variation icon: from the latest point. Assurance icon: only with a target and a polarity,
  from where the target sits against the latest segment's limits.
- Fewer than `min_points` (12) points in a segment gives a warning that its limits are
  provisional. The rules are applied as they stand (NHSRplotthedots' practice); the warning is
  carried into every text the result produces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

LIMIT_SIGMAS = 2.66  # 3 sigma for an individuals chart: 3 / d2 with d2 = 1.128
NEAR_FRACTION = 2 / 3  # near (2-sigma) limits at 2/3 of the distance to the process limits
SCREEN_FACTOR = 3.267  # D4 for n = 2: the upper limit of the moving-range chart

POLARITIES = ("up_good", "down_good", "neutral")
POINT_TYPES = ("common", "improvement", "concern", "neutral")

VARIATION_LABELS = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause variation — improvement (higher)",
    "improvement_low": "Special cause variation — improvement (lower)",
    "concern_high": "Special cause variation — concern (higher)",
    "concern_low": "Special cause variation — concern (lower)",
    "neutral_high": "Special cause variation — neutral (higher)",
    "neutral_low": "Special cause variation — neutral (lower)",
}
ASSURANCE_LABELS = {
    "consistently_pass": "Consistently passes the target",
    "consistently_fail": "Consistently fails the target",
    "hit_and_miss": "Hit and miss target",
}
POINT_TYPE_LABELS = {
    "common": "Common cause",
    "improvement": "Special cause — improvement",
    "concern": "Special cause — concern",
    "neutral": "Special cause — neutral",
}
RULE_LABELS = {
    "beyond_limits": "beyond a process limit",
    "shift": "run on one side of the mean (shift)",
    "trend": "run rising or falling (trend)",
    "two_of_three": "2 of 3 beyond the near (2-sigma) limit",
}
RULE_NAMES = {
    "beyond_limits": "a point beyond a process limit",
    "shift": "a shift",
    "trend": "a trend",
    "two_of_three": "2 of 3 points beyond the near limit",
}
RULES = tuple(RULE_LABELS)
# The order in which a rule decides a flagged point's direction (NHSRplotthedots' order).
_PRECEDENCE = ("beyond_limits", "trend", "two_of_three", "shift")
# The order in which a reading names the rules: the plainest story for a board first.
_READING_ORDER = ("beyond_limits", "shift", "trend", "two_of_three")

_UNIT_SUFFIX = {"days": " days", "weeks": " weeks", "hours": " hours", "years": " years"}

# Units whose values cannot be negative: their lower limits are floored at zero, since a limit
# below zero describes a value the measure can never take.
FLOOR_ZERO_UNITS = frozenset(
    {"count", "per_100k", "days", "weeks", "hours", "minutes", "years", "percent", "ratio"}
)
# Months per period for gap detection (period ends are the last day of the period).
FREQUENCY_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class SpcOptions:
    """Every tunable part of the method, with MDC's defaults."""

    screen_outliers: bool = True
    shift_run: int = 7
    trend_run: int = 7
    min_points: int = 12
    strict_two_of_three: bool = False
    baseline_points: int | None = None
    baseline_period: tuple[date, date] | None = None


@dataclass(frozen=True)
class SegmentLimits:
    """One stretch of the series between rebases, with the limits calculated for it."""

    number: int
    start: pd.Timestamp
    end: pd.Timestamp
    points: int
    baseline_points: int
    mean: float
    mean_moving_range: float
    ucl: float
    lcl: float
    upper_near: float
    lower_near: float
    screened_ranges: int

    @property
    def has_limits(self) -> bool:
        return not np.isnan(self.ucl)


@dataclass
class SpcResult:
    """Per-point frame plus the board-level reading of one XmR chart."""

    points: pd.DataFrame
    segments: list[SegmentLimits]
    polarity: str
    target: float | None
    unit: str
    options: SpcOptions
    variation: str | None = None
    assurance: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_signal: bool = False  # the latest point's signal was not there a period earlier
    gaps: list[pd.Timestamp] = field(default_factory=list)  # missing period ends, oldest first

    @property
    def variation_label(self) -> str:
        if self.variation is None:
            return "Not enough points to calculate process limits"
        return VARIATION_LABELS[self.variation]

    @property
    def assurance_label(self) -> str | None:
        return ASSURANCE_LABELS.get(self.assurance) if self.assurance else None

    @property
    def short_series(self) -> bool:
        """True when the latest segment has fewer points than the method needs."""
        return bool(self.segments) and self.segments[-1].points < self.options.min_points

    @property
    def latest(self) -> pd.Series | None:
        return None if self.points.empty else self.points.iloc[-1]

    @property
    def latest_assessed(self) -> pd.Series | None:
        """The latest point that is not provisional: the icons and the reading are read from it."""
        assessed = self.points[~self.points["provisional"]]
        return None if assessed.empty else assessed.iloc[-1]

    @property
    def provisional_points(self) -> pd.DataFrame:
        return self.points[self.points["provisional"]]

    @property
    def latest_signal(self) -> pd.Series | None:
        """The most recent special-cause point (not necessarily the latest point)."""
        flagged = self.points[self.points["special_cause"]]
        return None if flagged.empty else flagged.iloc[-1]

    @property
    def current_limits(self) -> SegmentLimits | None:
        return self.segments[-1] if self.segments else None

    def summary(self) -> dict:
        """The board-level reading as plain data (for tiles, the overview's exceptions, reports)."""
        signal = self.latest_signal
        return {
            "variation": self.variation,
            "variation_label": self.variation_label,
            "assurance": self.assurance,
            "assurance_label": self.assurance_label,
            "new_signal": self.new_signal,
            "short_series": self.short_series,
            "warnings": list(self.warnings),
            "latest_signal": None
            if signal is None
            else {
                "period": signal.name,
                "point_type": signal["point_type"],
                "direction": signal["direction"],
                "rules": [rule for rule in _READING_ORDER if signal[rule]],
            },
            "reading": self.reading(),
        }

    def reading(
        self,
        fmt: Callable[[float], str] | None = None,
        period_label: Callable[[pd.Timestamp], str] | None = None,
    ) -> str:
        """Plain-English sentences for a board: signal, assurance, caution.

        `fmt` formats a value (default: by the result's unit); `period_label` names a period
        (default: 'Mar 2024')."""
        fmt = fmt or (lambda value: format_number(value, self.unit))
        period_label = period_label or (lambda period: f"{period:%b %Y}")
        if self.points.empty:
            return "No figures yet, so there is no SPC reading."
        if self.latest_assessed is None:
            sentences = ["Every point is provisional, so there is no SPC reading yet."]
        else:
            sentences = [self._variation_sentence(fmt)]
        earlier = self.latest_signal
        if self.variation == "common_cause" and earlier is not None:
            sentences.append(
                f"The most recent special cause was in {period_label(earlier.name)} "
                f"({earlier['point_type']})."
            )
        assurance = self._assurance_sentence(fmt)
        if assurance:
            sentences.append(assurance)
        provisional = self._provisional_sentence(period_label)
        if provisional:
            sentences.append(provisional)
        gaps = self._gap_sentence(period_label)
        if gaps:
            sentences.append(gaps)
        sentences.extend(self.warnings)
        return " ".join(sentences)

    def _provisional_sentence(self, period_label) -> str:
        periods = list(self.provisional_points.index)
        if not periods:
            return ""
        if len(periods) == 1:
            return (
                f"The last point ({period_label(periods[0])}) is provisional: its figure is still "
                "being recorded, so it is not tested for signals."
                if periods[0] == self.points.index[-1]
                else f"The point for {period_label(periods[0])} is provisional: its figure is "
                "still being recorded, so it is not tested for signals."
            )
        trailing = list(self.points.index[-len(periods) :]) == periods
        if trailing:
            where = (
                f"The last {len(periods)} points ({period_label(periods[0])} to "
                f"{period_label(periods[-1])})"
            )
        else:
            where = f"The points for {_name_list([period_label(p) for p in periods])}"
        return (
            f"{where} are provisional: their figures are still being recorded, so they are not "
            "tested for signals."
        )

    def _gap_sentence(self, period_label) -> str:
        if not self.gaps:
            return ""
        return (
            f"No figures for {_name_list([period_label(p) for p in self.gaps])}: the series is "
            "broken there and no moving range or run is carried across the gap."
        )

    def _variation_sentence(self, fmt) -> str:
        latest = self.latest_assessed
        limits = self.current_limits
        if self.variation is None or limits is None or not limits.has_limits:
            since = " since the last series break" if len(self.segments) > 1 else ""
            if limits.points < 2:
                return (
                    f"Only {limits.points} point{since}: too few to calculate process limits, so "
                    "no signal can be read."
                )
            return (
                f"Only {limits.baseline_points} of the {limits.points} points{since} can set the "
                "limits (the rest are left out of the baseline): too few, so no signal can be read."
            )
        if self.variation == "common_cause":
            return (
                f"Common cause variation: the latest value ({fmt(latest['value'])}) is within the "
                f"process limits ({fmt(limits.lcl)} to {fmt(limits.ucl)}) and is not part of a "
                "special-cause pattern."
            )
        rules = [rule for rule in _READING_ORDER if latest[rule]]
        text = f"Special cause {latest['point_type']}: {self._rule_phrase(rules[0], fmt)}"
        if len(rules) > 1:
            text += f" (also {' and '.join(RULE_NAMES[rule] for rule in rules[1:])})"
        return text + "."

    def _rule_phrase(self, rule: str, fmt) -> str:
        latest = self.latest_assessed
        limits = self.current_limits
        # The stretch the rules ran on: same segment and block, not provisional, up to the point.
        points = self.points.loc[: latest.name]
        segment = points[
            (points["segment"] == latest["segment"])
            & (points["block"] == latest["block"])
            & ~points["provisional"]
        ]
        if rule == "beyond_limits":
            if latest["value"] > limits.ucl:
                return (
                    f"the latest value ({fmt(latest['value'])}) is above the upper process "
                    f"limit ({fmt(limits.ucl)})"
                )
            return (
                f"the latest value ({fmt(latest['value'])}) is below the lower process "
                f"limit ({fmt(limits.lcl)})"
            )
        if rule == "shift":
            side = np.sign(segment["value"] - segment["mean"]).to_numpy()
            run = _trailing_run(side == side[-1])
            where = "above" if side[-1] > 0 else "below"
            return f"the last {run} points are {where} the mean (shift)"
        if rule == "trend":
            steps = np.sign(np.diff(segment["value"].to_numpy()))
            run = _trailing_run(steps == steps[-1]) + 1
            verb = "risen" if steps[-1] > 0 else "fallen"
            return f"the last {run} points have each {verb} (trend)"
        last3 = segment["value"].to_numpy()[-3:]
        if latest["value"] > latest["mean"]:
            side, count = "upper", int((last3 > limits.upper_near).sum())
        else:
            side, count = "lower", int((last3 < limits.lower_near).sum())
        return f"{count} of the last 3 points are beyond the {side} near (2-sigma) limit"

    def _assurance_sentence(self, fmt) -> str:
        if self.target is None:
            return ""
        target = fmt(self.target)
        if self.polarity == "neutral":
            return f"The target of {target} is not assessed: this measure has no better direction."
        limits = self.current_limits
        if self.assurance is None or limits is None:
            return f"The target of {target} cannot be assessed until the limits can be calculated."
        if self.assurance == "hit_and_miss":
            return (
                f"The target of {target} sits within the process limits, so it will be hit and "
                "missed unless the process changes."
            )
        where = "above the upper" if self.target > limits.ucl else "below the lower"
        outcome = "pass" if self.assurance == "consistently_pass" else "fail"
        return (
            f"The target of {target} is {where} process limit, so the process will "
            f"consistently {outcome} it unless it changes."
        )


def _name_list(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def format_number(value: float, unit: str = "") -> str:
    """A plain number for the engine's own sentences (the UI may pass its own formatter)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no value"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}{_UNIT_SUFFIX.get(unit, '')}"
    return f"{value:,.1f}{_UNIT_SUFFIX.get(unit, '')}"


def spc(
    values: pd.Series,
    polarity: str,
    target: float | None = None,
    rebase_at: Iterable = (),
    exclude: Iterable = (),
    min_points: int | None = None,
    *,
    unit: str = "",
    options: SpcOptions | None = None,
    provisional: Iterable = (),
    frequency: str | None = None,
    floor_zero_units: Iterable[str] = FLOOR_ZERO_UNITS,
) -> SpcResult:
    """XmR chart of `values` (indexed by period end, one value per period, oldest first).

    `rebase_at`: dates where limits are recalculated; a new segment starts at the first point on
    or after each date. `exclude`: index labels (period ends) left out of the baseline.
    `min_points` overrides `options.min_points` (12): fewer points in a segment gives a warning.
    `provisional`: period ends whose figures are still being recorded: drawn, but out of the
    baseline, never flagged, invisible to the other points' runs, and not read for the icons.
    `frequency` ("month", "quarter", "year"): missing periods between the first and last point
    are gaps (`result.gaps`, `gap_before`); no moving range or run crosses one. None: no check.
    `floor_zero_units`: units that cannot be negative; their lower limits stop at zero.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity '{polarity}'; use one of {', '.join(POLARITIES)}")
    options = options or SpcOptions()
    if min_points is not None:
        options = replace(options, min_points=min_points)
    series = _clean(values)
    rebase_at = tuple(pd.Timestamp(d) for d in rebase_at)
    excluded = {pd.Timestamp(d) for d in exclude}
    if frequency is not None and frequency not in FREQUENCY_MONTHS:
        raise ValueError(
            f"unknown frequency '{frequency}'; use one of {', '.join(FREQUENCY_MONTHS)} or None"
        )
    floor = unit in set(floor_zero_units)
    compute = _Inputs(
        polarity, target, rebase_at, excluded, {pd.Timestamp(d) for d in provisional}, unit,
        options, frequency, floor,
    )  # fmt: skip
    result = _compute(series, compute)
    if result.variation not in (None, "common_cause"):
        # New = the board would not have seen this signal a period ago (same method, one fewer
        # tested point: the latest non-provisional point and anything after it are left off).
        before = _compute(series[series.index < result.latest_assessed.name], compute)
        result.new_signal = before.variation != result.variation
    return result


@dataclass(frozen=True)
class _Inputs:
    polarity: str
    target: float | None
    rebase_at: tuple
    excluded: set
    provisional: set
    unit: str
    options: SpcOptions
    frequency: str | None
    floor_zero: bool


def _compute(series: pd.Series, inputs: _Inputs) -> SpcResult:
    polarity, target, unit, options = inputs.polarity, inputs.target, inputs.unit, inputs.options
    frame = pd.DataFrame({"value": series.to_numpy(dtype=float)}, index=series.index)
    frame.index.name = "period"
    frame["excluded"] = frame.index.isin(list(inputs.excluded))
    frame["provisional"] = frame.index.isin(list(inputs.provisional))
    frame["gap_before"], gaps = _gaps(frame.index, inputs.frequency)
    # Block: a stretch with no missing period in it; runs and moving ranges stay inside one.
    frame["block"] = np.cumsum(frame["gap_before"].to_numpy())
    frame["segment"] = _segments(frame.index, inputs.rebase_at)

    segments: list[SegmentLimits] = []
    parts = []
    for number, part in frame.groupby("segment", sort=True):
        part = part.copy()
        limits, in_baseline = _limits(part, number, options, inputs.floor_zero)
        segments.append(limits)
        part["in_baseline"] = in_baseline
        for column in ("mean", "ucl", "lcl", "upper_near", "lower_near"):
            part[column] = getattr(limits, column)
        _apply_rules(part, options, limits.has_limits)
        parts.append(part)
    points = pd.concat(parts) if parts else _empty_frame(frame)
    _classify(points, polarity)

    result = SpcResult(points, segments, polarity, target, unit, options, gaps=gaps)
    result.variation = _variation(points, segments)
    result.assurance = _assurance(segments, polarity, target)
    result.warnings = _warnings(segments, options)
    return result


def _clean(values: pd.Series) -> pd.Series:
    """Numeric values on a sorted date index; missing values are dropped, duplicates refused."""
    series = pd.Series(values, dtype=float).dropna()
    series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
    if series.index.has_duplicates:
        raise ValueError("SPC needs one value per period; the series has duplicate periods")
    return series.sort_index()


def _gaps(index: pd.DatetimeIndex, frequency: str | None) -> tuple[np.ndarray, list]:
    """Which points follow missing periods, and the missing period ends (last day of each).

    Counted in calendar months between period ends, so quarters and years ending in any month
    (e.g. financial years to March) work."""
    gap_before = np.zeros(len(index), dtype=bool)
    missing: list[pd.Timestamp] = []
    if frequency is None or len(index) < 2:
        return gap_before, missing
    step = FREQUENCY_MONTHS[frequency]
    months = index.year * 12 + index.month
    for position in range(1, len(index)):
        skipped = (months[position] - months[position - 1]) // step - 1
        if skipped > 0:
            gap_before[position] = True
            previous = index[position - 1]
            missing.extend(
                (previous + pd.offsets.MonthEnd(step * n)).normalize()
                for n in range(1, skipped + 1)
            )
    return gap_before, missing


def _segments(index: pd.DatetimeIndex, rebase_at: Iterable) -> np.ndarray:
    """Segment number per point: each rebase date starts a new one at the first point on/after it."""
    starts = sorted({int(index.searchsorted(pd.Timestamp(d))) for d in rebase_at})
    starts = [s for s in starts if 0 < s < len(index)]
    segment = np.zeros(len(index), dtype=int)
    for number, start in enumerate(starts, start=1):
        segment[start:] = number
    return segment


def _limits(
    part: pd.DataFrame, number: int, options: SpcOptions, floor_zero: bool = False
) -> tuple[SegmentLimits, list]:
    """Mean, screened mean moving range and limits from the segment's baseline points."""
    baseline = ~part["excluded"].to_numpy() & ~part["provisional"].to_numpy()
    if options.baseline_period is not None:
        start, end = (pd.Timestamp(d) for d in options.baseline_period)
        in_period = (part.index >= start) & (part.index <= end)
        # A segment wholly outside the period (e.g. after a rebase) uses all its own points.
        if in_period.any():
            baseline &= in_period
    if options.baseline_points is not None:
        baseline &= np.cumsum(baseline) <= options.baseline_points

    values = part["value"].to_numpy()
    mean = float(values[baseline].mean()) if baseline.any() else np.nan
    # Moving ranges only between neighbours that are both in the baseline, never across a gap.
    pairs = baseline[1:] & baseline[:-1] & ~part["gap_before"].to_numpy()[1:]
    ranges = np.abs(np.diff(values))[pairs]
    screened = 0
    mean_range = float(ranges.mean()) if len(ranges) else np.nan
    if options.screen_outliers and len(ranges) and mean_range > 0:
        kept = ranges[ranges < SCREEN_FACTOR * mean_range]
        screened = len(ranges) - len(kept)
        mean_range = float(kept.mean())
    spread = LIMIT_SIGMAS * mean_range
    lcl, lower_near = mean - spread, mean - NEAR_FRACTION * spread
    if floor_zero:  # a value that cannot be negative: a limit below zero means nothing
        lcl, lower_near = (max(0.0, x) if not np.isnan(x) else x for x in (lcl, lower_near))
    limits = SegmentLimits(
        number=int(number),
        start=part.index[0],
        end=part.index[-1],
        points=len(part),
        baseline_points=int(baseline.sum()),
        mean=mean,
        mean_moving_range=mean_range,
        ucl=mean + spread,
        lcl=lcl,
        upper_near=mean + NEAR_FRACTION * spread,
        lower_near=lower_near,
        screened_ranges=screened,
    )
    return limits, list(baseline)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each stretch of True values."""
    runs, start = [], None
    for position, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = position
        elif not flag and start is not None:
            runs.append((start, position))
            start = None
    return runs


def _trailing_run(flags: np.ndarray) -> int:
    """How many True values end the array."""
    count = 0
    for flag in flags[::-1]:
        if not flag:
            break
        count += 1
    return count


def _apply_rules(part: pd.DataFrame, options: SpcOptions, has_limits: bool) -> None:
    """Set the four rule flags and each flagged point's direction; no limits, no signals.

    The rules run on each block (stretch without a missing period) of non-provisional points:
    provisional points are never flagged and neither extend nor break the others' runs."""
    size = len(part)
    flags = {rule: np.zeros(size, dtype=bool) for rule in RULES}
    direction = {rule: np.zeros(size, dtype=int) for rule in RULES}
    if has_limits:
        limits = part.iloc[0]
        tested = ~part["provisional"].to_numpy()
        blocks = part["block"].to_numpy()
        for block in np.unique(blocks[tested]):
            where = np.flatnonzero(tested & (blocks == block))
            values = part["value"].to_numpy()[where]
            side = np.sign(values - limits["mean"])
            sub_flags = {rule: np.zeros(len(where), dtype=bool) for rule in RULES}
            sub_direction = {rule: np.zeros(len(where), dtype=int) for rule in RULES}
            _beyond_limits(values, limits, sub_flags, sub_direction)
            _two_of_three(values, limits, side, options, sub_flags, sub_direction)
            _shift(side, options, sub_flags, sub_direction)
            _trend(values, options, sub_flags, sub_direction)
            for rule in RULES:
                flags[rule][where] = sub_flags[rule]
                direction[rule][where] = sub_direction[rule]

    signal = np.zeros(size, dtype=int)
    for rule in reversed(_PRECEDENCE):  # the first rule in precedence order wins
        signal = np.where(flags[rule], direction[rule], signal)
    for rule in RULES:
        part[rule] = flags[rule]
    part["special_cause"] = np.logical_or.reduce([flags[r] for r in RULES])
    part["direction"] = np.where(signal > 0, "high", np.where(signal < 0, "low", ""))


def _beyond_limits(values, limits, flags, direction) -> None:
    """Rule a: a point above the upper or below the lower process limit."""
    above, below = values > limits["ucl"], values < limits["lcl"]
    flags["beyond_limits"] = above | below
    direction["beyond_limits"] = above.astype(int) - below.astype(int)


def _two_of_three(values, limits, side, options, flags, direction) -> None:
    """Rule d: two (or three) of three consecutive points beyond the same near limit."""
    for sign, beyond in ((1, values > limits["upper_near"]), (-1, values < limits["lower_near"])):
        for start in range(len(values) - 2):
            window = slice(start, start + 3)
            if beyond[window].sum() < 2:
                continue
            if options.strict_two_of_three and not (side[window] == sign).all():
                continue
            hits = np.zeros(len(values), dtype=bool)
            hits[window] = beyond[window]
            flags["two_of_three"] |= hits
            direction["two_of_three"][hits] = sign


def _shift(side, options, flags, direction) -> None:
    """Rule b: a run of points on one side of the mean; a point on the mean breaks it."""
    for sign in (1, -1):
        for start, stop in _runs(side == sign):
            if stop - start >= options.shift_run:
                flags["shift"][start:stop] = True
                direction["shift"][start:stop] = sign


def _trend(values, options, flags, direction) -> None:
    """Rule c: runs of strictly rising (or falling) steps; equal neighbours break the run.

    A point where a rise turns into a fall belongs to both runs; the later run decides its
    direction (as NHSRplotthedots)."""
    steps = np.sign(np.diff(values))
    runs = [(s, e, 1) for s, e in _runs(steps > 0)] + [(s, e, -1) for s, e in _runs(steps < 0)]
    for start, stop, sign in sorted(runs):
        if stop - start + 1 >= options.trend_run:  # a run of k steps spans k + 1 points
            flags["trend"][start : stop + 1] = True
            direction["trend"][start : stop + 1] = sign


def _classify(points: pd.DataFrame, polarity: str) -> None:
    """improvement / concern / neutral / common from each point's direction and the polarity."""
    high = points["direction"] == "high"
    low = points["direction"] == "low"
    if polarity == "neutral":
        kind = np.where(high | low, "neutral", "common")
    else:
        good = high if polarity == "up_good" else low
        bad = low if polarity == "up_good" else high
        kind = np.where(good, "improvement", np.where(bad, "concern", "common"))
    points["point_type"] = pd.Series(kind, index=points.index, dtype="str")
    points["signal"] = pd.Series(
        [_signal_text(row) for row in points.itertuples()], index=points.index, dtype="str"
    )


def _signal_text(row) -> str:
    rules = [RULE_LABELS[rule] for rule in _PRECEDENCE if getattr(row, rule)]
    if not rules:
        return POINT_TYPE_LABELS["common"]
    return f"{POINT_TYPE_LABELS[row.point_type]} ({row.direction}): {', '.join(rules)}"


def _variation(points: pd.DataFrame, segments: list[SegmentLimits]) -> str | None:
    """From the latest non-provisional point, against its own segment's limits."""
    assessed = points[~points["provisional"]]
    if assessed.empty:
        return None
    latest = assessed.iloc[-1]
    if not segments[int(latest["segment"])].has_limits:
        return None
    if latest["point_type"] == "common":
        return "common_cause"
    return f"{latest['point_type']}_{latest['direction']}"


def _assurance(segments: list[SegmentLimits], polarity: str, target: float | None) -> str | None:
    """Where the target sits against the latest limits decides pass, fail or hit and miss."""
    if target is None or polarity == "neutral" or not segments or not segments[-1].has_limits:
        return None
    limits = segments[-1]
    if target > limits.ucl:
        return "consistently_fail" if polarity == "up_good" else "consistently_pass"
    if target < limits.lcl:
        return "consistently_pass" if polarity == "up_good" else "consistently_fail"
    return "hit_and_miss"


def _warnings(segments: list[SegmentLimits], options: SpcOptions) -> list[str]:
    warnings = []
    if not segments:
        return warnings
    latest = segments[-1]
    if latest.points < options.min_points:
        since = " since the limits were last recalculated" if len(segments) > 1 else ""
        warnings.append(
            f"Caution: only {latest.points} point{'s' if latest.points != 1 else ''}{since}; "
            f"at least {options.min_points} are needed for reliable limits, so treat these "
            "limits and signals as provisional."
        )
    elif latest.has_limits and latest.baseline_points < options.min_points:
        left_out = latest.points - latest.baseline_points
        warnings.append(
            f"Caution: the limits rest on only {latest.baseline_points} points ({left_out} left "
            f"out of the baseline); at least {options.min_points} are needed for reliable limits."
        )
    earlier = [s for s in segments[:-1] if s.points < options.min_points]
    if earlier:
        warnings.append(
            f"{len(earlier)} earlier segment{'s have' if len(earlier) > 1 else ' has'} fewer "
            f"than {options.min_points} points."
        )
    return warnings


def _empty_frame(frame: pd.DataFrame) -> pd.DataFrame:
    empty = frame.copy()
    for column in ("mean", "ucl", "lcl", "upper_near", "lower_near"):
        empty[column] = pd.Series(dtype=float)
    empty["in_baseline"] = pd.Series(dtype=bool)
    empty["block"] = pd.Series(dtype=int)
    for rule in (*RULES, "special_cause"):
        empty[rule] = pd.Series(dtype=bool)
    empty["direction"] = pd.Series(dtype="str")
    return empty
