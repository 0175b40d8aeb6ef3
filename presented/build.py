"""present(): one measure, one area, one board period, one audience -> a PresentedFigure.

Everything a renderer shows is decided here, once: which series is read, its latest figure and
period, whether that figure is current, stale or provisional, what is withheld from this audience,
the change on a year ago in words that agree with the SPC reading, the comparison with like
figures, and the table behind the chart. Pure: the caller passes in what loaders/ stored (already
cut to the rows the audience may see), so pages, meetings, packs, the API and the scheduler all
build figures one way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from loaders import board, events
from loaders.events import Event
from loaders.measures import MeasureSpec
from loaders.plan import quarter_months, quarterly_totals
from loaders.queries import Provenance
from loaders.spc import SpcResult, spc
from loaders.staleness import PeriodAge, period_age
from presented import suppression
from presented.model import Audience, Period, PresentedFigure, Reading, Status
from presented.words import (
    NO_CHANGE,
    SUMMABLE_UNITS,
    Change,
    change_on_year,
    format_amount,
    format_value,
    local_time,
    period_label,
    period_long_label,
)

MIN_POINTS = 12
FREQUENCY = {"month": "month", "quarter": "quarter", "year": "year", "financial_year": "year"}
NATIONAL_NAME = "England & Wales"


@dataclass(frozen=True)
class Timing:
    """How a dataset's figures age: months after a period ends before it is usually published,
    and how many of the latest periods are still being recorded (police.uk outcomes)."""

    lag_months: int = 1
    provisional_periods: int = 0


@dataclass
class FigureInputs:
    """What loaders/ stored for one measure, as the audience may see it."""

    spec: MeasureSpec
    view: board.MeasureView  # only the rows the audience may see
    plan: board.AreaPlan
    today: date
    timing: Timing = field(default_factory=Timing)
    events: list[Event] = field(default_factory=list)  # those that affect this measure
    provenance: Provenance | None = None
    populations: dict[str, float] = field(default_factory=dict)
    population_period: str = ""
    # area code -> that series' revised periods (period_end, value, previous_value, revision_note)
    revisions: Callable[[str], pd.DataFrame] | None = None


def default_focus(view: board.MeasureView, plan: board.AreaPlan) -> str | None:
    """The series a measure is read on: the LCJP (or first local area) when it has enough points
    for limits, else whichever local series is longest (often England & Wales)."""
    candidates = [c for c in (plan.lcjp_code, *view.focus_codes) if c in view.headlines]
    if not candidates:
        return None
    counts = view.totals.groupby("area_code").size()
    for code in candidates:
        if counts.get(code, 0) >= MIN_POINTS:
            return code
    return max(candidates, key=lambda c: counts.get(c, 0))


def present(
    inputs: FigureInputs,
    audience: Audience,
    area_code: str | None = None,
    board_period: str = "monthly",
) -> PresentedFigure:
    """The figure for `area_code` (the default focus when None or unknown)."""
    spec, view, plan = inputs.spec, inputs.view, inputs.plan
    figure = PresentedFigure(
        measure_id=spec.id,
        title=spec.title,
        unit=spec.unit,
        polarity=spec.polarity,
        subgroup=spec.subgroup,
        area_code=None,
        area_name="",
        audience=audience,
        board_period=board_period,
        source=inputs.provenance,
    )
    if view.totals.empty:
        figure.summary = "No figures are loaded for this measure yet."
        return figure
    codes = set(view.totals["area_code"])
    focus = area_code if area_code in codes else default_focus(view, plan)
    if focus is None:
        figure.summary = "No figures are loaded for this measure yet."
        return figure
    safe = safe_totals(view, plan, audience)
    rows = view.totals[view.totals["area_code"] == focus].sort_values("period_end")
    safe_rows = safe[safe["area_code"] == focus].sort_values("period_end")
    kind = str(rows["period_type"].iloc[-1])
    figure.area_code, figure.area_name = focus, str(rows["area_name"].iloc[-1])

    provisional = provisional_periods(view.totals, inputs.timing.provisional_periods, kind)
    result = run_spc(inputs, rows, provisional)
    withheld = {pd.Timestamp(e) for e in safe_rows.loc[safe_rows["suppressed"], "period_end"]}
    shown_spc = suppression.mask_spc(result, withheld)
    figure.spc = shown_spc
    figure.points = _points(shown_spc, rows, withheld)
    latest_tested_withheld = bool(withheld) and _segment_withheld(shown_spc)

    # The latest figure, for the board period asked for (the Panel reads complete quarters).
    latest, quarter = _latest(view, safe, focus, audience, board_period)
    start = latest.get("period_start")
    period_kind = "quarter" if quarter else kind
    figure.period = Period(
        kind=period_kind,
        start=_date(start),
        end=_date(latest["period_end"]),
        label=period_label(period_kind, _date(start), _date(latest["period_end"])),
        long_label=period_long_label(period_kind, _date(start), _date(latest["period_end"])),
    )
    if quarter:
        figure.quarter_note = f"{quarter_months(figure.period.end)}, the latest complete quarter"
    figure.suppressed = bool(latest["suppressed"])
    figure.value = None if figure.suppressed else float(latest["value"])
    figure.value_text = (
        f"<{audience.threshold} (suppressed)"
        if figure.suppressed
        else format_value(figure.value, spec.unit)
    )
    figure.numerator = _number(latest.get("numerator"))
    figure.denominator = _number(latest.get("denominator"))
    if figure.denominator:
        figure.n_text = f" (n = {figure.denominator:,.0f})"

    # Status: stale from the period the data describes, provisional while still being recorded.
    age = period_age(period_kind, figure.period.end, inputs.today, inputs.timing.lag_months)
    latest_provisional = pd.Timestamp(figure.period.end) in provisional
    figure.status = _status(age, latest_provisional, spec)
    if provisional:
        figure.provisional_sentence = _provisional_sentence(provisional, kind, spec)

    # Change on a year ago, and the SPC reading, in words that agree.
    figure.change = _change(safe if not quarter else latest["_frame"], focus, latest, spec)
    figure.reading = _reading(shown_spc, result, kind, latest_tested_withheld)
    figure.change_text = agree(figure.change, figure.reading, spec, figure.suppressed)
    if quarter:
        figure.reading = _monthly_note(figure.reading)

    # Comparison with like figures, and the ranking behind the comparison chart.
    figure.ranking, figure.ranking_basis = ranking(view, safe, plan, inputs.populations)
    figure.comparison = comparison(
        view, safe, plan, focus, latest, inputs.populations, inputs.population_period, quarter
    )
    figure.missing_sentence = _missing_sentence(result, kind)
    figure.compare_series = safe[safe["area_code"].isin(view.focus_codes)][
        ["area_code", "area_name", "period_end", "value", "suppressed"]
    ].sort_values(["area_code", "period_end"])

    # Revisions, only where this audience may see both figures.
    revised = _revised(inputs, focus, withheld, audience, kind)
    figure.points = _mark_revised(figure.points, revised, spec.unit)
    if not revised.empty:
        latest_revised = revised[revised["period_end"] == pd.Timestamp(figure.period.end)]
        if not latest_revised.empty and not figure.suppressed and not quarter:
            figure.revision = str(latest_revised["revision_note"].iloc[0])
        figure.revised_sentence = _revision_sentence(revised, figure.area_name, spec.unit)

    figure.table = chart_table(figure.points, inputs.events, spec.unit, audience)
    if figure.points["suppressed"].all():
        figure.chart_withheld = (
            f"Chart withheld: every figure in it is below {audience.threshold}, which this "
            "audience may not see."
        )
    figure.summary = summary(figure)
    return figure


# --- The series ------------------------------------------------------------------------------------


def safe_totals(view: board.MeasureView, plan: board.AreaPlan, audience: Audience) -> pd.DataFrame:
    return suppression.safe_totals(
        view.totals,
        view.spec.unit,
        audience,
        partnership=plan.lcjp_code,
        members=plan.forces,
        national=plan.national,
    )


def provisional_periods(totals: pd.DataFrame, count: int, kind: str) -> set[pd.Timestamp]:
    """The last `count` periods the source holds (whichever area): still being recorded."""
    if count <= 0 or totals.empty:
        return set()
    ends = sorted({pd.Timestamp(e) for e in totals["period_end"]})
    return set(ends[-count:])


def run_spc(inputs: FigureInputs, rows: pd.DataFrame, provisional: set) -> SpcResult:
    """SPC on the full series (withholding happens after): lockdowns kept out of the baseline,
    series breaks rebased, provisional periods drawn but not tested, gaps never bridged."""
    spec = inputs.spec
    values = pd.Series(
        rows["value"].to_numpy(dtype=float), index=pd.to_datetime(rows["period_end"])
    )
    rebase_at, exclude = events.spc_options_for(spec.id, rows, inputs.events)
    kind = str(rows["period_type"].iloc[-1])
    return spc(
        values,
        spec.polarity,
        target=spec.target,
        rebase_at=rebase_at,
        exclude=exclude,
        unit=spec.unit,
        provisional=sorted(p for p in provisional if p in set(values.index)),
        frequency=FREQUENCY.get(kind),
    )


def labeller(kind: str) -> Callable[[pd.Timestamp], str]:
    return lambda ts: period_label(kind, None, ts.date() if hasattr(ts, "date") else ts)


def _points(result: SpcResult, rows: pd.DataFrame, withheld: set) -> pd.DataFrame:
    """One row per period as the audience may see it (values and limits withheld as NaN)."""
    frame = result.points.copy()
    kind = str(rows["period_type"].iloc[-1])
    label = labeller(kind)
    out = pd.DataFrame(
        {
            "period_end": frame.index,
            "label": [label(ts) for ts in frame.index],
            "value": frame["value"].to_numpy(),
            "suppressed": frame.index.isin(list(withheld)),
            "provisional": frame.get("provisional", pd.Series(False, index=frame.index))
            .astype(bool)
            .to_numpy(),
            "gap_before": frame.get("gap_before", pd.Series(False, index=frame.index))
            .astype(bool)
            .to_numpy(),
            "excluded": frame["excluded"].astype(bool).to_numpy(),
            "segment": frame["segment"].to_numpy(),
            "mean": frame["mean"].to_numpy(),
            "lcl": frame["lcl"].to_numpy(),
            "ucl": frame["ucl"].to_numpy(),
            "point_type": frame["point_type"].to_numpy(),
            "special_cause": frame["special_cause"].astype(bool).to_numpy(),
            "signal": frame["signal"].to_numpy() if "signal" in frame else "",
        }
    )
    out["revised_from"] = np.nan
    out["revision_note"] = ""
    out["previously_published"] = ""
    return out.reset_index(drop=True)


def _segment_withheld(result: SpcResult) -> bool:
    """The latest segment's limits are withheld, so the reading may not quote numbers."""
    segment = result.current_limits
    return segment is not None and bool(np.isnan(segment.mean))


# --- The latest figure -----------------------------------------------------------------------------


def _latest(view, safe, focus, audience, board_period) -> tuple[pd.Series, bool]:
    """The focus area's latest row as the audience may see it, and whether it is a quarter formed
    from months (the Police and Crime Panel's view of a monthly measure)."""
    if board_period == "quarterly":
        quarters = quarterly_totals(view.totals, view.spec.unit)
        mine = quarters[quarters["area_code"] == focus].sort_values("period_end")
        if not mine.empty:
            mine = _withhold_quarters(mine, safe, focus, view.spec.unit, audience)
            row = mine.iloc[-1].copy()
            row["_frame"] = mine
            return row, True
    rows = safe[safe["area_code"] == focus].sort_values("period_end")
    return rows.iloc[-1], False


def _withhold_quarters(quarters, safe, focus, unit, audience) -> pd.DataFrame:
    """A quarter is withheld when it is small or any of its months is withheld (the quarter less
    two shown months would give the third)."""
    months = safe[safe["area_code"] == focus]
    hidden_months = {pd.Timestamp(e) for e in months.loc[months["suppressed"], "period_end"]}
    flags = suppression.primary(quarters, unit, audience)
    for index, end in zip(quarters.index, quarters["period_end"], strict=True):
        end = pd.Timestamp(end)
        start = end - pd.DateOffset(months=3)
        if any(start < m <= end for m in hidden_months):
            flags[index] = True
    quarters = quarters.assign(suppressed=flags)
    for column in suppression.VALUE_COLUMNS:
        quarters[column] = quarters[column].where(~quarters["suppressed"])
    return quarters


def _status(age: PeriodAge, provisional: bool, spec: MeasureSpec) -> Status:
    if age.stale:
        return Status("stale", f"Stale, {age.months_old} months old", age.reason, age.months_old)
    if provisional:
        return Status(
            "provisional",
            "Provisional",
            "its figures are still being recorded and will rise as outcomes are added",
            age.months_old,
        )
    return Status("current", "Current", "", age.months_old)


def _provisional_sentence(provisional: set, kind: str, spec: MeasureSpec) -> str:
    ends = sorted(provisional)
    label = labeller(kind)
    span = label(ends[0]) if len(ends) == 1 else f"{label(ends[0])} to {label(ends[-1])}"
    return (
        f"{span} {'is' if len(ends) == 1 else 'are'} provisional: outcomes are still being "
        "recorded, so these figures will change and are not tested for signals."
    )


def _change(frame: pd.DataFrame, focus: str, latest: pd.Series, spec: MeasureSpec) -> Change:
    """On a year ago, only when this audience may see both figures."""
    if bool(latest["suppressed"]):
        return NO_CHANGE
    rows = frame[frame["area_code"] == focus]
    end = pd.Timestamp(latest["period_end"])
    target = end - pd.DateOffset(years=1)
    earlier = rows[pd.to_datetime(rows["period_end"]) == target]
    if earlier.empty:
        return NO_CHANGE
    if bool(earlier["suppressed"].iloc[0]):
        return Change(None, None, None, None, "no change shown: the figure a year earlier is small")
    return change_on_year(
        float(latest["value"]), float(earlier["value"].iloc[0]), spec.polarity, spec.unit
    )


# --- The SPC reading and words that agree ----------------------------------------------------------


def _reading(shown: SpcResult, full: SpcResult, kind: str, withheld: bool) -> Reading:
    label = labeller(kind)
    if withheld:
        sentence = _numberless_reading(full)
    else:
        sentence = full.reading(
            fmt=lambda value: format_value(value, full.unit), period_label=label
        )
    return Reading(
        variation=full.variation,
        label=full.variation_label,
        sentence=sentence,
        signal=full.variation not in (None, "common_cause"),
        new_signal=full.new_signal,
        assurance=full.assurance if not withheld else None,
        assurance_label=full.assurance_label if not withheld else None,
    )


def _numberless_reading(result: SpcResult) -> str:
    """The reading for an audience from whom some of the series is withheld: no value, mean or
    limit is quoted, since with the shown points they could give a withheld one back."""
    if result.variation is None:
        return "Too few points to calculate process limits, so no signal can be read."
    if result.variation == "common_cause":
        return (
            "Common cause variation: the latest figure is within the process limits. Figures "
            "below the disclosure threshold and the limits are withheld."
        )
    return (
        f"{result.variation_label}. Figures below the disclosure threshold and the limits are "
        "withheld."
    )


def _spc_direction(variation: str | None) -> tuple[str | None, str | None]:
    """(kind, side) of a special-cause reading: ('improvement', 'low') etc."""
    if variation in (None, "common_cause"):
        return None, None
    kind, side = variation.split("_")
    return kind, side


def agree(change: Change, reading: Reading | None, spec: MeasureSpec, suppressed: bool) -> str:
    """The change on a year ago, said so that it never contradicts the SPC reading beside it.

    A year-on-year difference inside the usual variation is said to be so; a special cause whose
    direction differs from the year-on-year verdict is said first, with the change after it."""
    if suppressed:
        return "Change not shown: the figure is below the disclosure threshold."
    if not change.comparable:
        return change.words[:1].upper() + change.words[1:] + "."
    if change.direction == "same":
        return "The same as a year ago."
    higher = "higher" if change.direction == "up" else "lower"
    amount = change.words.removesuffix(" on a year ago")
    kind, side = _spc_direction(reading.variation if reading else None)
    if reading is None or reading.variation is None:
        verdict = f", {change.verdict}" if change.verdict else ""
        return f"{amount.capitalize()} on a year ago{verdict}."
    if kind is None:
        return f"{higher.capitalize()} than a year ago ({amount}), but within its usual variation."
    pattern = {"low": "lower", "high": "higher"}[side]
    if kind == "neutral" or change.verdict is None:
        if pattern == higher:
            return f"{amount.capitalize()} on a year ago; special-cause variation ({pattern})."
        return (
            f"Special-cause variation (the process is running {pattern}), though {higher} than "
            f"a year ago ({amount})."
        )
    spc_good = kind == "improvement"
    if spc_good == (change.verdict == "better"):
        return f"{amount.capitalize()} on a year ago, {change.verdict}: a special-cause {kind}."
    return (
        f"A special-cause {kind} (the process is running {pattern}), though "
        f"{higher} than a year ago ({amount})."
    )


def _monthly_note(reading: Reading) -> Reading:
    from dataclasses import replace

    return replace(reading, sentence="Monthly SPC reading: " + reading.sentence)


# --- Comparison with like figures ------------------------------------------------------------------


def per_100k(value: float | None, population: float | None) -> float | None:
    if value is None or population is None or not population or pd.isna(value):
        return None
    return float(value) / float(population) * 100_000


def ranking(
    view: board.MeasureView, safe: pd.DataFrame, plan: board.AreaPlan, populations: dict
) -> tuple[pd.DataFrame, str]:
    """Areas of the local level (forces or courts) at the latest period, ranked: counts across
    forces by their rate per 100,000 population (raw counts kept beside it), anything else by
    value. Withheld figures stay in, with no value and no rank."""
    area_type = {"force": "police_force_area", "court": "crown_court"}.get(view.level)
    columns = ["area_code", "area_name", "value", "denominator", "per_100k", "suppressed", "rank"]
    if area_type is None:
        return pd.DataFrame(columns=columns), ""
    same = safe[safe["area_type"] == area_type]
    if same.empty:
        return pd.DataFrame(columns=columns), ""
    latest = same[same["period_end"] == same["period_end"].max()].copy()
    by_population = view.spec.unit in SUMMABLE_UNITS and area_type == "police_force_area"
    latest["per_100k"] = [
        per_100k(v, populations.get(c)) if by_population else None
        for c, v in zip(latest["area_code"], latest["value"], strict=True)
    ]
    basis = "per_100k" if by_population and latest["per_100k"].notna().any() else "value"
    key = pd.to_numeric(latest[basis], errors="coerce")
    latest["rank"] = key.rank(ascending=False, method="min").astype("Int64")
    latest = latest.assign(_key=key).sort_values("_key", ascending=False, na_position="last")
    return latest[columns].reset_index(drop=True), basis


def comparison(view, safe, plan, focus, latest, populations, population_period, quarter) -> str:
    """Against England & Wales where published; a partnership's sum against a sum (the rate per
    100,000 of all forces with figures, or of its comparator group); never a sum against one
    force's median."""
    spec = view.spec
    if focus == plan.national or bool(latest["suppressed"]):
        return ""
    frame = latest["_frame"] if quarter else safe
    end = latest["period_end"]
    at_period = frame[frame["period_end"] == end]
    national = at_period[at_period["area_code"] == plan.national]
    value = float(latest["value"])
    if not national.empty:
        if bool(national["suppressed"].iloc[0]):
            return "The England & Wales figure for the same period is withheld."
        if spec.unit in SUMMABLE_UNITS and view.level == "force":
            return _per_population_comparison(
                frame, end, focus, plan, populations, population_period, value, national
            )
        if spec.unit in SUMMABLE_UNITS:
            total = float(national["value"].iloc[0])
            share = f"{value / total:.1%} of " if total else ""
            return f"{share}the {NATIONAL_NAME} total ({format_value(total, spec.unit)})."
        headline = _headline(latest, focus)
        other = _headline(national.iloc[0], plan.national)
        return board.compare_with_national(headline, other, spec)
    if view.level == "force":
        if spec.unit in SUMMABLE_UNITS:
            return _per_population_comparison(
                frame, end, focus, plan, populations, population_period, value, None
            )
        forces = at_period[
            (at_period["area_type"] == "police_force_area") & at_period["value"].notna()
        ]
        if forces.empty:
            return f"No {NATIONAL_NAME} figure for the same period."
        if focus == plan.lcjp_code:
            return _pooled_rate_comparison(forces, latest, spec)
        median = float(forces["value"].median())
        return _against(
            value,
            median,
            spec,
            f"the median force ({format_value(median, spec.unit)}) of {len(forces)} forces",
        )
    return f"No {NATIONAL_NAME} figure for the same period."


def _pooled_rate_comparison(forces, latest, spec) -> str:
    """A partnership's rate (pooled from its forces) against all forces' pooled rate."""
    value = float(latest["value"])
    if forces["denominator"].notna().all() and forces["denominator"].sum() > 0:
        pooled = forces["numerator"].sum() / forces["denominator"].sum()
        pooled = pooled * 100 if spec.unit == "percent" else pooled
        return _against(
            value,
            pooled,
            spec,
            f"all {len(forces)} forces with figures taken together ({format_value(pooled, spec.unit)})",
        )
    median = float(forces["value"].median())
    return _against(value, median, spec, f"the median force ({format_value(median, spec.unit)})")


def _per_population_comparison(
    frame, end, focus, plan, populations, population_period, value, national
) -> str:
    """Counts compared across areas only per 100,000 population, sums against sums."""
    if not populations:
        return (
            "Counts are not compared across forces without population figures (load the "
            "population reference data)."
        )
    members = plan.forces if focus == plan.lcjp_code else (focus,)
    population = sum(populations.get(code, 0) for code in members)
    if not population or any(code not in populations for code in members):
        return "No population figure for this area, so its count is not compared with others."
    rate = value / population * 100_000
    at_period = frame[(frame["period_end"] == end) & (frame["area_type"] == "police_force_area")]
    with_pop = at_period[at_period["area_code"].isin(populations) & at_period["value"].notna()]
    if with_pop.empty:
        return ""
    total = float(with_pop["value"].sum())
    total_population = float(sum(populations[c] for c in with_pop["area_code"]))
    overall = total / total_population * 100_000
    where = (
        f"{NATIONAL_NAME}"
        if national is not None and len(with_pop) >= 40
        else f"the {len(with_pop)} forces with figures taken together"
    )
    rate_unit = "per_100k"
    parts = [
        f"{format_value(rate, rate_unit)} ({population_period or 'population'} estimates), "
        f"against {format_value(overall, rate_unit)} for {where}"
    ]
    comparators = [c for c in plan.comparators if c in set(with_pop["area_code"])]
    if comparators and focus == plan.lcjp_code:
        group = with_pop[with_pop["area_code"].isin(comparators)]
        group_rate = float(group["value"].sum()) / sum(populations[c] for c in comparators) * 1e5
        parts.append(f"and {format_value(group_rate, rate_unit)} for its similar forces together")
    return " ".join(parts) + "."


def _against(value: float, other: float, spec: MeasureSpec, what: str) -> str:
    gap = value - other
    if format_amount(gap, spec.unit) in {format_amount(0, spec.unit), "0.0 percentage points"}:
        return f"About the same as {what}."
    direction = "above" if gap > 0 else "below"
    verdict = ""
    if spec.polarity in {"up_good", "down_good"}:
        verdict = " (better)" if (gap > 0) == (spec.polarity == "up_good") else " (worse)"
    return f"{format_amount(gap, spec.unit).capitalize()} {direction} {what}{verdict}."


def _headline(row: pd.Series, code: str) -> board.Headline:
    return board.Headline(
        area_code=code,
        area_name=str(row["area_name"]),
        period_end=_date(row["period_end"]),
        period_type=str(row["period_type"]),
        value=float(row["value"]),
        numerator=_number(row.get("numerator")),
        denominator=_number(row.get("denominator")),
        year_ago=None,
    )


# --- Missing periods, revisions, the table and the summary ----------------------------------------


def _missing_sentence(result: SpcResult, kind: str) -> str:
    gaps = list(getattr(result, "gaps", []) or [])
    if not gaps:
        return ""
    label = labeller(kind)
    names = [label(pd.Timestamp(g)) for g in gaps]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(names) > 6:
        listed = f"{len(names)} periods ({names[0]} to {names[-1]} in part)"
    return (
        f"No figures for {listed}: the line and the limits are broken there, never joined across "
        "the gap."
    )


def _revised(inputs, focus, withheld, audience, kind) -> pd.DataFrame:
    empty = pd.DataFrame(columns=["period_end", "value", "previous_value", "revision_note"])
    if inputs.revisions is None:
        return empty
    frame = inputs.revisions(focus)
    if frame is None or frame.empty:
        return empty
    frame = frame.assign(period_end=pd.to_datetime(frame["period_end"]))
    if not audience.sees_small_numbers:
        keep = [
            pd.Timestamp(end) not in withheld
            and not suppression.is_small(now, audience.threshold)
            and not suppression.is_small(before, audience.threshold)
            for end, now, before in zip(
                frame["period_end"], frame["value"], frame["previous_value"], strict=True
            )
        ]
        frame = frame[keep]
    label = labeller(kind)
    return frame.assign(label=[label(ts) for ts in frame["period_end"]])


def _mark_revised(points: pd.DataFrame, revised: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Each revised period's first-published value, note and every earlier value, on its point."""
    if revised.empty or points.empty:
        return points
    found = {}
    for row in revised.to_dict("records"):
        earlier = str(row.get("previously_published") or "")
        if not earlier and row.get("previous_vintage_id") is not None:
            earlier = (
                f"{format_value(row['previous_value'], unit)} (vintage "
                f"{row['previous_vintage_id']}, loaded {local_time(row['previous_loaded_at'])})"
            )
        found[pd.Timestamp(row["period_end"])] = (
            row["previous_value"],
            row["revision_note"],
            earlier,
        )
    rows = [found.get(pd.Timestamp(e), (np.nan, "", "")) for e in points["period_end"]]
    return points.assign(
        revised_from=[r[0] for r in rows],
        revision_note=[r[1] for r in rows],
        previously_published=[r[2] for r in rows],
    )


def _revision_sentence(revised: pd.DataFrame, where: str, unit: str, limit: int = 3) -> str:
    """' Revised since an earlier release (☆ on the chart): Durham, 2025 Q4, is now 80,228; it
    was 80,203 in the vintage loaded …'."""
    rows = revised.sort_values("period_end", ascending=False)
    parts = [
        f"{where}, {label}, is now {format_value(now, unit)}; "
        + str(note).replace("Revised: was", "it was", 1)
        for label, now, note in zip(
            rows["label"], rows["value"], rows["revision_note"], strict=True
        )
    ][:limit]
    more = len(rows) - len(parts)
    tail = f"; and {more} more (see 'Previously published' in the table)" if more > 0 else ""
    return " Revised since an earlier release (☆ on the chart): " + "; ".join(parts) + tail + "."


def chart_table(
    points: pd.DataFrame, measure_events, unit: str, audience: Audience
) -> pd.DataFrame:
    """The data behind the chart, oldest first, as every renderer prints it: period, value (or
    '<10 (suppressed)'), mean, limits, signal and notes (provisional, gaps, events, revisions)."""
    columns = ["Period", "Value", "Mean", "Lower limit", "Upper limit", "Signal", "Notes"]
    if points.empty:
        return pd.DataFrame(columns=columns)
    withheld = f"<{audience.threshold} (suppressed)"
    starts = set()
    previous = None
    rows = []
    ends = list(points["period_end"])
    for position, row in points.iterrows():
        if previous is not None and row["segment"] != previous:
            starts.add(position)
        previous = row["segment"]
        notes = []
        if position in starts:
            notes.append("Limits recalculated from here")
        if row["gap_before"]:
            notes.append("Figures missing before this period: the series is broken here")
        if row["provisional"]:
            notes.append("Provisional: still being recorded, not tested for signals")
        if row["excluded"]:
            notes.append("Left out of the limits")
        notes += [e.title for e in measure_events if _in_period(e, ends, position)]
        if row["revision_note"]:
            notes.append(str(row["revision_note"]))
        rows.append(
            [
                row["label"],
                withheld if row["suppressed"] else _num(row["value"]),
                _num(row["mean"]),
                _num(row["lcl"]),
                _num(row["ucl"]),
                "Withheld" if row["suppressed"] else _signal_words(row),
                "; ".join(notes),
            ]
        )
    table = pd.DataFrame(rows, columns=columns)
    if points["revised_from"].notna().any():
        table["Previously published"] = [
            "–" if pd.isna(v) else (text or format_value(v, unit))
            for v, text in zip(points["revised_from"], points["previously_published"], strict=True)
        ]
    return table


def _signal_words(row) -> str:
    if row["provisional"]:
        return "Not tested (provisional)"
    from loaders.spc import POINT_TYPE_LABELS

    return POINT_TYPE_LABELS.get(str(row["point_type"]), str(row["point_type"]))


def _in_period(event: Event, ends: list, position: int) -> bool:
    end = pd.Timestamp(ends[position])
    if position:
        start = pd.Timestamp(ends[position - 1]) + pd.Timedelta(days=1)
    elif len(ends) > 1:
        start = end - (pd.Timestamp(ends[1]) - pd.Timestamp(ends[0])) + pd.Timedelta(days=1)
    else:
        start = end
    return event.overlaps(start.date(), end.date())


def summary(figure: PresentedFigure) -> str:
    """The one-line text summary behind the chart: figure, period and status; comparison; change
    reconciled with the reading; the reading; what is provisional, missing or revised."""
    period = figure.quarter_note or figure.period.label
    if figure.period.kind == "financial_year" and not figure.quarter_note:
        period = f"{figure.period.label} ({figure.period.long_label})"
    parts = [f"{figure.area_name}: {figure.value_text} in {period}."]
    if figure.status.kind == "stale":
        parts.append(f"{figure.status.words}: {figure.status.reason}.")
    if figure.comparison:
        parts.append(figure.comparison)
    parts.append(figure.change_text)
    if figure.reading:
        parts.append(figure.reading.sentence)
    for sentence in (figure.provisional_sentence, figure.missing_sentence):
        if sentence:
            parts.append(sentence)
    return " ".join(p for p in parts if p) + figure.revised_sentence


# --- Small helpers ---------------------------------------------------------------------------------


def _date(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _num(value):
    return None if value is None or pd.isna(value) else float(value)


def breakdown(
    spec: MeasureSpec, raw: pd.DataFrame, period: str | None, filters: dict, audience: Audience
) -> tuple[str | None, pd.DataFrame]:
    """The next drill level for one area: its figures by the next dimension for one period (the
    latest by default), small counts withheld with complementary suppression (the categories add
    up to the area's shown total). `raw` is the area's observations with breakdowns expanded."""
    remaining = [d for d in spec.drill if d not in filters]
    if not remaining or raw.empty or remaining[0] not in raw.columns:
        return None, pd.DataFrame()
    dim = remaining[0]
    for key, value in filters.items():
        if key not in raw.columns:
            return None, pd.DataFrame()
        raw = raw[raw[key].astype(str) == value]
    if raw.empty:
        return None, pd.DataFrame()
    end = pd.Timestamp(period).date() if period else raw["period_end"].max()
    raw = raw[raw["period_end"] == end]
    grouped = raw.groupby(dim, as_index=False).agg(
        value=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum")
    )
    if spec.unit not in SUMMABLE_UNITS:
        grouped["value"] = board._rate(grouped["numerator"], grouped["denominator"], spec.unit)
    grouped = grouped.rename(columns={dim: "category"}).sort_values("value", ascending=False)
    grouped = suppression.safe_breakdown(grouped, spec.unit, audience)
    grouped.attrs["period_end"] = end
    return dim, grouped.reset_index(drop=True)
