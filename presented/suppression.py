"""Which figures an audience may not see, decided once, before anything is drawn.

Small counts (fewer than the threshold, but not zero) are withheld from audiences that may not see
them, so that individuals cannot be identified. Withholding one figure is not enough where others
add up to it: a partnership total less one shown force gives the other force, and a force's total
less its shown categories gives the hidden one. So every additive family gets complementary
suppression: a total whose part is withheld is withheld too, and a part withheld alone among the
parts of a shown total takes the next smallest part with it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from loaders.spc import SpcResult
from presented.model import Audience
from presented.words import SUMMABLE_UNITS

VALUE_COLUMNS = ("value", "numerator", "denominator")


def is_small(value, threshold: int) -> bool:
    """0 < value < threshold: a small count. Zero is not disclosive and is shown."""
    if value is None:
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return not math.isnan(number) and 0 < number < threshold


def primary(frame: pd.DataFrame, unit: str, audience: Audience) -> pd.Series:
    """True where a row's own figure is disclosive: a small count, or a rate whose count on top
    or underneath is small (a rate and its base would give the count back)."""
    if audience.sees_small_numbers or frame.empty:
        return pd.Series(False, index=frame.index)
    threshold = audience.threshold
    if unit in SUMMABLE_UNITS:
        return frame["value"].map(lambda v: is_small(v, threshold)).astype(bool)
    flags = pd.Series(False, index=frame.index)
    for column in ("numerator", "denominator"):
        if column in frame.columns:
            flags |= frame[column].map(lambda v: is_small(v, threshold)).astype(bool)
    return flags


def complementary(values: pd.Series, suppressed: pd.Series) -> pd.Series:
    """Parts of one shown total: where exactly one part is withheld, withhold the smallest other
    part too, so the total less the shown parts gives nothing back."""
    suppressed = suppressed.copy()
    if suppressed.sum() == 1 and (~suppressed).sum() >= 1:
        others = values[~suppressed].dropna()
        if not others.empty:
            suppressed[others.idxmin()] = True
    return suppressed


def safe_totals(
    totals: pd.DataFrame,
    unit: str,
    audience: Audience,
    *,
    partnership: str | None = None,
    members: tuple[str, ...] = (),
    national: str | None = None,
) -> pd.DataFrame:
    """`totals` with a `suppressed` column, and value, numerator and denominator removed (NaN)
    wherever this audience may not see them: primary, then per period the partnership total if
    any member is withheld, and complementary suppression among same-kind areas under a national
    total."""
    frame = totals.copy()
    frame["suppressed"] = primary(frame, unit, audience)
    if audience.sees_small_numbers or frame.empty or not frame["suppressed"].any():
        return frame
    for _end, rows in frame.groupby("period_end", sort=False):
        flags = frame.loc[rows.index, "suppressed"]
        if partnership and members:
            member_rows = rows[rows["area_code"].isin(members)]
            if flags[member_rows.index].any():
                frame.loc[rows.index[rows["area_code"] == partnership], "suppressed"] = True
        if national and (rows["area_code"] == national).any() and unit in SUMMABLE_UNITS:
            for _kind, same in rows[~rows["area_code"].isin([national, partnership])].groupby(
                "area_type"
            ):
                frame.loc[same.index, "suppressed"] = complementary(
                    same["value"], frame.loc[same.index, "suppressed"]
                )
    for column in VALUE_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].where(~frame["suppressed"])
    return frame


def safe_breakdown(frame: pd.DataFrame, unit: str, audience: Audience) -> pd.DataFrame:
    """Categories of one area and period (they add up to its shown total): primary and
    complementary suppression, withheld figures removed."""
    out = frame.copy()
    out["suppressed"] = primary(out, unit, audience)
    if unit in SUMMABLE_UNITS and not audience.sees_small_numbers:
        out["suppressed"] = complementary(out["value"], out["suppressed"])
    for column in VALUE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].where(~out["suppressed"])
    return out


def mask_spc(result: SpcResult, withheld: set[pd.Timestamp]) -> SpcResult:
    """The SPC result as an audience may see it: withheld points have no value, and a segment
    holding one has no mean or limits either (they are sums of its values, so with the other
    points shown they would give the withheld one back)."""
    if not withheld:
        return result
    points = result.points.copy()
    hidden = points.index.isin(list(withheld))
    points["suppressed"] = hidden
    points.loc[hidden, "value"] = np.nan
    points.loc[hidden, "point_type"] = "common"
    points.loc[hidden, "special_cause"] = False
    touched = set(points.loc[hidden, "segment"])
    limit_columns = [c for c in ("mean", "ucl", "lcl", "upper_near", "lower_near") if c in points]
    for number in touched:
        points.loc[points["segment"] == number, limit_columns] = np.nan
    segments = [
        replace(
            s,
            mean=np.nan,
            mean_moving_range=np.nan,
            ucl=np.nan,
            lcl=np.nan,
            upper_near=np.nan,
            lower_near=np.nan,
        )
        if s.number in touched
        else s
        for s in result.segments
    ]
    return replace(result, points=points, segments=segments)


def safe_by_period(frame: pd.DataFrame, unit: str, audience: Audience) -> pd.DataFrame:
    """Categories by period (a stacked chart's bars): each period's categories suppressed as the
    parts of that period's shown total."""
    if frame.empty:
        return frame.assign(suppressed=pd.Series(dtype=bool))
    parts = [
        safe_breakdown(rows, unit, audience) for _period, rows in frame.groupby("period_start")
    ]
    return pd.concat(parts).loc[frame.index]
