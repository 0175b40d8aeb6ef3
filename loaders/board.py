"""The board's read model: turn a measure's observations into the figures a page shows.

Pure pandas (no database, no dash) so pages, board packs and tests compute figures one way:
totals over breakdowns, the LCJP combined from its forces, latest-versus-year-ago, rank among
areas, and the comparison with England & Wales with an honest 'within noise' test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from loaders.areas import ENGLAND_AND_WALES, region_code
from loaders.measures import MeasureSpec

RATE_UNITS = {"percent"}
SUMMABLE_UNITS = {"count"}


@dataclass(frozen=True)
class AreaPlan:
    """Which areas a partnership looks at: its forces and courts, E&W, and similar forces."""

    lcjp_code: str
    lcjp_name: str
    forces: tuple[str, ...]
    courts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # HMCTS region area codes the partnership's courts sit in
    comparators: tuple[str, ...] = ()
    national: str = ENGLAND_AND_WALES

    @classmethod
    def from_config(cls, lcjp: dict) -> AreaPlan:
        return cls(
            lcjp_code=lcjp["code"],
            lcjp_name=lcjp["name"],
            forces=tuple(lcjp["forces"]),
            courts=tuple(lcjp.get("crown_courts", ())),
            regions=tuple(region_code(r) for r in lcjp.get("hmcts_regions", ())),
            comparators=tuple(lcjp.get("comparators", ())),
        )


@dataclass(frozen=True)
class Headline:
    """The latest figure for one area with its year-ago comparison and its base (n)."""

    area_code: str
    area_name: str
    period_end: date
    period_type: str
    value: float
    numerator: float | None
    denominator: float | None
    year_ago: float | None


@dataclass
class MeasureView:
    """Everything a measure card shows, computed once from current-vintage observations."""

    spec: MeasureSpec
    totals: (
        pd.DataFrame
    )  # area_code, area_name, area_type, period_end, period_type, value, numerator, denominator
    headlines: dict[str, Headline] = field(default_factory=dict)
    level: str = "national"  # force, court, region or national: where the local figures live
    focus_codes: list[str] = field(default_factory=list)  # the local areas, then the LCJP, then E&W
    totals_published: bool = True  # False: each area's figure is the sum of its breakdowns


def totals(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One row per area and period: published totals where they exist, else the sum of breakdowns.

    Rates are re-derived from summed numerators and denominators, never averaged.
    """
    columns = ["area_code", "area_name", "area_type", "period_start", "period_end", "period_type"]
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "value", "numerator", "denominator"])
    is_total = frame["breakdown"].map(lambda b: not b)
    if is_total.any():
        published = frame[is_total]
        return published[[*columns, "value", "numerator", "denominator"]].reset_index(drop=True)
    grouped = frame.groupby(columns, as_index=False, dropna=False).agg(
        value=("value", "sum"),
        numerator=("numerator", lambda s: s.sum(min_count=1)),
        denominator=("denominator", lambda s: s.sum(min_count=1)),
    )
    if unit in SUMMABLE_UNITS:
        return grouped
    if grouped["denominator"].notna().all():
        grouped["value"] = _rate(grouped["numerator"], grouped["denominator"], unit)
        return grouped
    return grouped.iloc[0:0]  # a non-additive figure with no published total cannot be totalled


def _rate(numerator: pd.Series, denominator: pd.Series, unit: str) -> pd.Series:
    ratio = numerator / denominator
    return ratio * 100 if unit in RATE_UNITS else ratio


def combine(
    totals_frame: pd.DataFrame, members: tuple[str, ...], code: str, name: str, unit: str
) -> pd.DataFrame:
    """The partnership's figure from its members, only for periods where every member reported."""
    part = totals_frame[totals_frame["area_code"].isin(members)]
    if part.empty:
        return part
    keys = ["period_start", "period_end", "period_type"]
    complete = part.groupby(keys)["area_code"].nunique() == len(members)
    part = part.set_index(keys).loc[complete[complete].index].reset_index()
    if part.empty:
        return part
    summed = part.groupby(keys, as_index=False).agg(
        value=("value", "sum"),
        numerator=("numerator", lambda s: s.sum(min_count=len(members))),
        denominator=("denominator", lambda s: s.sum(min_count=len(members))),
    )
    if unit not in SUMMABLE_UNITS:
        if summed["denominator"].isna().any():
            return summed.iloc[0:0]
        summed["value"] = _rate(summed["numerator"], summed["denominator"], unit)
    summed["area_code"], summed["area_name"], summed["area_type"] = code, name, "lcjp"
    return summed


def build_view(spec: MeasureSpec, frame: pd.DataFrame, plan: AreaPlan) -> MeasureView:
    """Totals for every area, the LCJP combined where it can be formed, and headline figures."""
    table = totals(frame, spec.unit)
    codes = set(table["area_code"])
    if codes & set(plan.forces):
        level, local = "force", [c for c in plan.forces if c in codes]
        lcjp = combine(table, plan.forces, plan.lcjp_code, plan.lcjp_name, spec.unit)
        if not lcjp.empty:
            table = pd.concat([table, lcjp], ignore_index=True)
            local.append(plan.lcjp_code)
    else:
        court_codes = {
            code
            for code, name in zip(table["area_code"], table["area_name"], strict=True)
            if name in plan.courts
        }
        if court_codes:
            level = "court"
            local = sorted(court_codes, key=lambda c: plan.courts.index(_name(table, c)))
        elif codes & set(plan.regions):
            level, local = "region", [c for c in plan.regions if c in codes]
        else:
            level, local = ("national", []) if plan.national in codes else ("other", [])
    if plan.national in codes:
        local.append(plan.national)
    view = MeasureView(
        spec=spec,
        totals=table.sort_values(["area_code", "period_end"]),
        level=level,
        totals_published=frame.empty or bool(frame["breakdown"].map(lambda b: not b).any()),
    )
    view.focus_codes = local
    view.headlines = {code: h for code in local if (h := headline(view.totals, code))}
    return view


def _name(table: pd.DataFrame, code: str) -> str:
    return table.loc[table["area_code"] == code, "area_name"].iloc[0]


def headline(table: pd.DataFrame, area_code: str) -> Headline | None:
    """Latest figure for an area and the figure for the same period a year earlier."""
    rows = table[table["area_code"] == area_code].sort_values("period_end")
    if rows.empty:
        return None
    latest = rows.iloc[-1]
    end = latest["period_end"]
    try:
        target = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        target = end.replace(year=end.year - 1, day=28)
    earlier = rows[rows["period_end"] == target]
    return Headline(
        area_code=area_code,
        area_name=latest["area_name"],
        period_end=end,
        period_type=latest["period_type"],
        value=float(latest["value"]),
        numerator=_maybe(latest["numerator"]),
        denominator=_maybe(latest["denominator"]),
        year_ago=float(earlier["value"].iloc[0]) if not earlier.empty else None,
    )


def _maybe(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def ranking(table: pd.DataFrame, area_type: str, period_end: date | None = None) -> pd.DataFrame:
    """Areas of one kind at one period (the latest by default), ranked from the highest value."""
    same = table[table["area_type"] == area_type]
    if same.empty:
        return same.assign(rank=pd.Series(dtype="int64"))
    period_end = period_end or same["period_end"].max()
    latest = same[same["period_end"] == period_end].copy()
    latest["rank"] = latest["value"].rank(ascending=False, method="min").astype(int)
    return latest.sort_values("rank", ignore_index=True)


def wilson_interval(numerator: float, denominator: float, z: float = 1.96) -> tuple[float, float]:
    """95% interval for a proportion (as a percentage); honest for small n and extreme rates."""
    if denominator <= 0:
        return (math.nan, math.nan)
    p = numerator / denominator
    centre = (p + z * z / (2 * denominator)) / (1 + z * z / denominator)
    half = (z / (1 + z * z / denominator)) * math.sqrt(
        p * (1 - p) / denominator + z * z / (4 * denominator * denominator)
    )
    return (100 * (centre - half), 100 * (centre + half))


def compare_with_national(local: Headline, national: Headline | None, spec: MeasureSpec) -> str:
    """How the local figure stands against E&W, saying so when the gap is within noise."""
    if national is None or national.period_end != local.period_end:
        return "No England & Wales figure for the same period."
    gap = local.value - national.value
    if spec.unit in RATE_UNITS and local.numerator is not None and local.denominator:
        low, high = wilson_interval(local.numerator, local.denominator)
        if low <= national.value <= high:
            return (
                f"Similar to England & Wales ({national.value:.1f}%): the gap of {abs(gap):.1f} "
                f"percentage points is within noise for n = {local.denominator:,.0f} (95% interval "
                f"{low:.1f}% to {high:.1f}%)."
            )
    if spec.unit in SUMMABLE_UNITS:
        return f"England & Wales: {national.value:,.0f}."
    direction = "above" if gap > 0 else "below"
    verdict = ""
    if spec.polarity in {"up_good", "down_good"} and gap != 0:
        better = (gap > 0) == (spec.polarity == "up_good")
        verdict = " (better)" if better else " (worse)"
    return (
        f"{_gap(abs(gap), spec.unit)} {direction} England & Wales "
        f"({_level(national.value, spec.unit)}){verdict}."
    )


UNIT_WORDS = {"days": "days", "weeks": "weeks", "hours": "hours"}


def _gap(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:.1f} percentage points"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f} {UNIT_WORDS.get(unit, '')}".strip()


def _level(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.0f} {UNIT_WORDS.get(unit, '')}".strip()


def suppressed(value: float | None, unit: str, threshold: int) -> bool:
    """Small counts are withheld from partner roles so individuals cannot be identified."""
    return value is not None and unit in SUMMABLE_UNITS and 0 < value < threshold


def compare_with_peers(local: Headline, table: pd.DataFrame, spec: MeasureSpec) -> str:
    """Where no England & Wales figure exists, read the local figure against the median force."""
    ranked = ranking(table, "police_force_area", local.period_end)
    if ranked.empty:
        return "No England & Wales figure for the same period."
    median = float(ranked["value"].median())
    gap = local.value - median
    direction = "above" if gap > 0 else "below"
    return (
        f"{_gap(abs(gap), spec.unit)} {direction} the median force ({_level(median, spec.unit)}) "
        f"of {len(ranked)} forces; no England & Wales figure is published for this measure."
    )
