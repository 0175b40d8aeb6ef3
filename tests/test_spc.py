"""The SPC engine on worked examples whose answers are worked out by hand in each test.

Constants: limits = mean ± 2.66 × mean moving range (mR̄); near limits = mean ± (2/3 × 2.66) × mR̄
= mean ± 1.77333 × mR̄; moving ranges ≥ 3.267 × mR̄ are screened out before mR̄ is recalculated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loaders.spc import SpcOptions, spc


def monthly(values, start="2023-01-31") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="ME"), dtype=float
    )


def flagged(result, rule) -> list[int]:
    """Positions (0-based) of the points a rule flags."""
    return list(np.flatnonzero(result.points[rule].to_numpy()))


# Example 1: twelve stable points.
# sum = 10+12+11+13+12+14+13+12+11+12+13+11 = 144, mean = 144/12 = 12
# moving ranges: 2,1,2,1,2,1,1,1,1,1,2 → sum 15 over 11, mR̄ = 15/11 = 1.363636…
# screening: 3.267 × 1.3636 = 4.455, no range that large
# UCL = 12 + 2.66 × 15/11 = 12 + 3.627273 = 15.627273; LCL = 12 − 3.627273 = 8.372727
# near: 12 ± 2/3 × 3.627273 = 12 ± 2.418182 → 14.418182 and 9.581818
EXAMPLE_1 = [10, 12, 11, 13, 12, 14, 13, 12, 11, 12, 13, 11]


def test_limits_of_a_stable_series_match_the_hand_arithmetic():
    result = spc(monthly(EXAMPLE_1), "up_good")
    limits = result.segments[0]
    assert limits.mean == pytest.approx(12)
    assert limits.mean_moving_range == pytest.approx(15 / 11)
    assert limits.ucl == pytest.approx(15.627273, abs=1e-6)
    assert limits.lcl == pytest.approx(8.372727, abs=1e-6)
    assert limits.upper_near == pytest.approx(14.418182, abs=1e-6)
    assert limits.lower_near == pytest.approx(9.581818, abs=1e-6)
    assert limits.screened_ranges == 0
    points = result.points
    assert list(points["ucl"].round(6).unique()) == [15.627273]
    assert not points["special_cause"].any()
    assert set(points["point_type"]) == {"common"}
    assert result.variation == "common_cause"
    assert result.variation_label == "Common cause variation"
    assert result.assurance is None and result.warnings == []
    assert result.reading() == (
        "Common cause variation: the latest value (11) is within the process limits (8.4 to "
        "15.6) and is not part of a special-cause pattern."
    )


def test_mirrors_nhsrplotthedots_spc_standard_snapshot():
    """NHSRplotthedots tests/testthat/test-ptd_spc_standard.R: set.seed(123); rnorm(20).

    Its snapshot prints mean 0.142, lpl −3.01, upl 3.29 for these values."""
    y = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
         -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
         -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141]  # fmt: skip
    limits = spc(monthly(y), "neutral").segments[0]
    assert round(limits.mean, 3) == 0.142
    assert round(limits.lcl, 2) == -3.01
    assert round(limits.ucl, 2) == 3.29

    # The same test then sets y[15] (R counts from 1) to 10 to check the moving-range screening.
    y[14] = 10
    # mean = (2.83247607 − (−0.55584113) + 10) / 20 = 13.38831720 / 20 = 0.66941586
    # moving ranges either side of the spike: |10 − 0.11068272| = 9.88931728 and
    # |1.78691314 − 10| = 8.21308686; all 19 ranges sum to 37.61457886, mR̄ = 1.97971468
    # screen at 3.267 × 1.97971468 = 6.46772786: both spike ranges go; 17 ranges remain,
    # summing 37.61457886 − 9.88931728 − 8.21308686 = 19.51217472, mR̄ = 1.14777498
    screened = spc(monthly(y), "neutral").segments[0]
    assert screened.mean == pytest.approx(0.66941586, abs=1e-8)
    assert screened.screened_ranges == 2
    assert screened.mean_moving_range == pytest.approx(19.51217472 / 17, abs=1e-8)
    assert screened.ucl == pytest.approx(0.66941586 + 2.66 * 19.51217472 / 17, abs=1e-7)
    unscreened = spc(monthly(y), "neutral", options=SpcOptions(screen_outliers=False)).segments[0]
    assert unscreened.mean_moving_range == pytest.approx(37.61457886 / 19, abs=1e-8)
    assert unscreened.ucl - unscreened.lcl > screened.ucl - screened.lcl


def test_a_point_beyond_the_limits_after_screening_its_moving_range():
    # Example 1 then 20: sum 164 over 13, mean = 12.615385
    # moving ranges: Example 1's (sum 15) plus |20 − 11| = 9 → 12 ranges, mR̄ = 24/12 = 2
    # screen at 3.267 × 2 = 6.534: the 9 goes, mR̄ = 15/11 again
    # UCL = 12.615385 + 3.627273 = 16.242657; 20 is beyond it
    result = spc(monthly([*EXAMPLE_1, 20]), "up_good")
    limits = result.segments[0]
    assert limits.mean == pytest.approx(164 / 13)
    assert limits.screened_ranges == 1
    assert limits.ucl == pytest.approx(16.242657, abs=1e-6)
    assert flagged(result, "beyond_limits") == [12]
    assert result.points["point_type"].iloc[-1] == "improvement"
    assert result.variation == "improvement_high"
    assert result.reading().startswith(
        "Special cause improvement: the latest value (20) is above the upper process limit (16.2)"
    )
    # Without screening mR̄ = 2 and UCL = 12.615385 + 5.32 = 17.935385: wider, still beaten.
    wide = spc(monthly([*EXAMPLE_1, 20]), "up_good", options=SpcOptions(screen_outliers=False))
    assert wide.segments[0].ucl == pytest.approx(17.935385, abs=1e-6)


def test_baseline_from_the_first_n_points():
    # Limits from Example 1 only (UCL 15.627273); later points are judged against them.
    result = spc(monthly([*EXAMPLE_1, 16, 12]), "down_good", options=SpcOptions(baseline_points=12))
    assert result.segments[0].ucl == pytest.approx(15.627273, abs=1e-6)
    assert list(result.points["in_baseline"]) == [True] * 12 + [False, False]
    assert flagged(result, "beyond_limits") == [12]
    assert result.points["point_type"].iloc[12] == "concern"  # higher is worse here
    assert result.variation == "common_cause"
    assert result.latest_signal.name == pd.Timestamp("2024-01-31")
    assert "The most recent special cause was in Jan 2024 (concern)." in result.reading()


def test_baseline_from_a_period():
    # Baseline Jan–Dec 2023: 10,12 repeated, mean 11, every moving range 2, limits 11 ± 5.32.
    values = monthly([10, 12] * 6 + [20, 22, 20])
    result = spc(
        values, "up_good", options=SpcOptions(baseline_period=("2023-01-01", "2023-12-31"))
    )
    limits = result.segments[0]
    assert (limits.mean, limits.ucl, limits.lcl) == pytest.approx((11, 16.32, 5.68))
    assert limits.baseline_points == 12
    assert flagged(result, "beyond_limits") == [12, 13, 14]
    assert result.variation == "improvement_high"


# Shift: two series with mean exactly 11.
# [12]*7 + [8,12,8,12,8]: sum 84 + 48 = 132, mean 11; ranges 0×6 then 4×5, mR̄ = 20/11
# UCL = 11 + 2.66 × 20/11 = 15.836; near = 11 ± 3.224 → 14.224 / 7.776 (8 is not beyond it)
SEVEN_ABOVE = [12] * 7 + [8, 12, 8, 12, 8]
# [12]*6 + [8,12,8,12,8,12]: sum 72 + 60 = 132, mean 11: only six in a row above the mean
SIX_ABOVE = [12] * 6 + [8, 12, 8, 12, 8, 12]


def test_seven_on_one_side_of_the_mean_is_a_shift_and_six_is_not():
    seven = spc(monthly(SEVEN_ABOVE), "up_good")
    assert seven.segments[0].mean == pytest.approx(11)
    assert flagged(seven, "shift") == [0, 1, 2, 3, 4, 5, 6]  # every point of the run
    assert flagged(seven, "special_cause") == [0, 1, 2, 3, 4, 5, 6]
    assert set(seven.points["point_type"].iloc[:7]) == {"improvement"}
    assert seven.variation == "common_cause"  # the latest point is not part of it

    six = spc(monthly(SIX_ABOVE), "up_good")
    assert six.segments[0].mean == pytest.approx(11)
    assert flagged(six, "shift") == []
    assert not six.points["special_cause"].any()


def test_a_point_on_the_mean_breaks_a_run():
    # [12,12,12,11,12,12,12] + [8,12,8,12,8,12,11]: sum 83 + 71 = 154 over 14, mean 11.
    # Seven points in a row are at or above the mean, but the 11 sits on it: runs of 3 and 3.
    # ranges: 0,0,1,1,0,0,4,4,4,4,4,4,1 → 27/13 = 2.0769; lower near = 11 − 3.683 = 7.317
    result = spc(monthly([12, 12, 12, 11, 12, 12, 12, 8, 12, 8, 12, 8, 12, 11]), "up_good")
    assert result.segments[0].mean == pytest.approx(11)
    assert result.segments[0].mean_moving_range == pytest.approx(27 / 13)
    assert flagged(result, "shift") == []
    assert not result.points["special_cause"].any()


def test_a_shift_at_the_end_sets_the_variation_icon_by_polarity():
    values = monthly(SEVEN_ABOVE[7:] + SEVEN_ABOVE[:7])  # 8,12,8,12,8 then seven 12s
    up = spc(values, "up_good")
    assert flagged(up, "shift") == [5, 6, 7, 8, 9, 10, 11]
    assert up.variation == "improvement_high"
    assert up.variation_label == "Special cause variation — improvement (higher)"
    assert (
        up.reading() == "Special cause improvement: the last 7 points are above the mean (shift)."
    )

    down = spc(values, "down_good")
    assert down.variation == "concern_high"
    assert down.variation_label == "Special cause variation — concern (higher)"
    assert set(down.points["point_type"].iloc[5:]) == {"concern"}
    assert down.reading().startswith("Special cause concern: the last 7 points are above")

    neutral = spc(values, "neutral")
    assert neutral.variation == "neutral_high"
    assert neutral.variation_label == "Special cause variation — neutral (higher)"
    assert set(neutral.points["point_type"].iloc[5:]) == {"neutral"}

    below = spc(-values, "up_good")  # mirrored: seven below the mean
    assert below.variation == "concern_low"
    assert spc(-values, "down_good").variation == "improvement_low"


def test_mirrors_nhsrplotthedots_seven_point_one_side_mean():
    # ptd_seven_point_one_side_mean(c(rep(1, 8), -1)): the first eight points form the run.
    # Values 1 ×8 and −8: sum 0, mean 0, so eight above then one below.
    result = spc(monthly([1] * 8 + [-8]), "neutral")
    assert result.segments[0].mean == 0
    assert flagged(result, "shift") == list(range(8))


def test_seven_rising_is_a_trend_and_six_is_not():
    base = [13, 11, 13, 11, 13, 11]
    seven = spc(monthly([*base, 10, 11, 12, 13, 14, 15, 16, 13]), "up_good")
    assert flagged(seven, "trend") == [6, 7, 8, 9, 10, 11, 12]
    six = spc(monthly([*base, 10, 11, 12, 13, 14, 15, 13, 11]), "up_good")
    assert flagged(six, "trend") == []


def test_equal_neighbours_break_a_trend():
    # Choice (as NHSRplotthedots): a repeated value neither extends nor continues the run.
    # 10,11,12,12,13,14,15,16: runs of 3 and 5 points, eight points in all but no trend.
    result = spc(monthly([13, 11, 13, 11, 10, 11, 12, 12, 13, 14, 15, 16, 13]), "up_good")
    assert flagged(result, "trend") == []
    falling = spc(monthly([20, 19, 18, 17, 17, 16, 15, 14, 13, 18, 16, 18]), "up_good")
    assert flagged(falling, "trend") == []


def test_mirrors_nhsrplotthedots_seven_point_trend():
    # ptd_seven_point_trend(c(2, 1:7, 3)) and c(2, 7:1, 3): the 7-point run is flagged, not
    # the first or last point.
    rising = spc(monthly([2, 1, 2, 3, 4, 5, 6, 7, 3]), "up_good")
    assert flagged(rising, "trend") == [1, 2, 3, 4, 5, 6, 7]
    falling = spc(monthly([2, 7, 6, 5, 4, 3, 2, 1, 3]), "up_good")
    assert flagged(falling, "trend") == [1, 2, 3, 4, 5, 6, 7]
    # A falling trend is a concern when up is good, whichever side of the mean its points lie.
    assert set(falling.points["point_type"].iloc[1:8]) == {"concern"}
    assert set(falling.points["direction"].iloc[1:8]) == {"low"}


def test_a_trend_crossing_the_mean_takes_the_trend_direction():
    # NHSRplotthedots issue #171: points of a rising trend below the mean are still "higher".
    # mean = (72 + 80.5) / 13 = 11.730769; the run 10 … 13 starts at the 7th point.
    values = [13, 11, 13, 11, 13, 11, 10, 10.5, 11, 11.5, 12, 12.5, 13]
    result = spc(monthly(values), "up_good")
    assert result.segments[0].mean == pytest.approx(152.5 / 13)
    assert flagged(result, "trend") == [6, 7, 8, 9, 10, 11, 12]
    below_mean = result.points.iloc[6:10]
    assert (below_mean["value"] < below_mean["mean"]).all()
    assert set(below_mean["point_type"]) == {"improvement"}
    assert result.variation == "improvement_high"
    assert "the last 7 points have each risen (trend)" in result.reading()


# Two of three: limits fixed on 10,12 ×6: mean 11, mR̄ 2, UCL 16.32, upper near 11 + 3.546667
# = 14.546667, lower near 7.453333. 15 is beyond the upper near limit but within the UCL.
BASE = [10, 12] * 6
FIXED = SpcOptions(baseline_points=12)


def test_two_of_three_beyond_the_near_limit_flags_the_two():
    result = spc(monthly([*BASE, 15, 11.5, 15]), "up_good", options=FIXED)
    assert result.segments[0].upper_near == pytest.approx(14.546667, abs=1e-6)
    assert flagged(result, "two_of_three") == [12, 14]  # the two beyond, not the one between
    assert flagged(result, "special_cause") == [12, 14]
    assert result.variation == "improvement_high"
    assert result.reading().startswith(
        "Special cause improvement: 2 of the last 3 points are beyond the upper near"
    )


def test_two_of_three_needs_both_in_one_window_of_three():
    result = spc(monthly([*BASE, 15, 11.5, 11.5, 15]), "up_good", options=FIXED)
    assert flagged(result, "two_of_three") == []


def test_two_of_three_on_opposite_sides_is_not_a_signal():
    result = spc(monthly([*BASE, 15, 11.5, 7]), "up_good", options=FIXED)
    assert result.segments[0].lower_near == pytest.approx(7.453333, abs=1e-6)
    assert flagged(result, "two_of_three") == []


def test_two_of_three_with_the_third_point_across_the_mean():
    # Default (Western Electric): the third point may be anywhere, so 15, 10, 15 signals.
    values = monthly([*BASE, 15, 10, 15])
    assert flagged(spc(values, "up_good", options=FIXED), "two_of_three") == [12, 14]
    # NHSRplotthedots 0.2 also requires the third on the same side of the mean: no signal.
    strict = SpcOptions(baseline_points=12, strict_two_of_three=True)
    assert flagged(spc(values, "up_good", options=strict), "two_of_three") == []
    assert flagged(spc(monthly([*BASE, 15, 11.5, 15]), "up_good", options=strict), "two_of_three")


def test_mirrors_nhsrplotthedots_two_in_three_on_opposite_sides():
    # test-ptd_spc_standard.R: rep(c(1, -1), 8) with points 15 and 16 set to 5.5 and −5.5.
    # mean 0; ranges 2 ×13, 6.5, 11 → 43.5/15 = 2.9; screen at 9.474 drops the 11:
    # mR̄ = 32.5/14 = 2.321429, UCL = 6.175, near = ±4.116667: both points near, opposite sides.
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    result = spc(monthly(values), "up_good")
    assert result.segments[0].mean_moving_range == pytest.approx(32.5 / 14)
    assert list(result.points["point_type"].iloc[-2:]) == ["common", "common"]


def test_a_point_beyond_the_limit_counts_towards_two_of_three():
    # 17 is beyond the UCL (16.32) and 15 beyond the near limit: both flagged by rule d.
    result = spc(monthly([*BASE, 17, 15]), "down_good", options=FIXED)
    assert flagged(result, "beyond_limits") == [12]
    assert flagged(result, "two_of_three") == [12, 13]
    assert result.variation == "concern_high"


@pytest.mark.parametrize(
    ("target", "polarity", "expected", "label"),
    [
        (16, "up_good", "consistently_fail", "Consistently fails the target"),  # above UCL 15.63
        (16, "down_good", "consistently_pass", "Consistently passes the target"),
        (8, "up_good", "consistently_pass", "Consistently passes the target"),  # below LCL 8.37
        (8, "down_good", "consistently_fail", "Consistently fails the target"),
        (12, "up_good", "hit_and_miss", "Hit and miss target"),
        (15.6, "down_good", "hit_and_miss", "Hit and miss target"),  # just inside the UCL
        (12, "neutral", None, None),
        (None, "up_good", None, None),
    ],
)
def test_assurance_from_where_the_target_sits(target, polarity, expected, label):
    result = spc(monthly(EXAMPLE_1), polarity, target=target)
    assert result.assurance == expected
    assert result.assurance_label == label


def test_assurance_sentences():
    hit = spc(monthly(EXAMPLE_1), "up_good", target=12, unit="percent")
    assert hit.reading().endswith(
        "The target of 12.0% sits within the process limits, so it will be hit and missed unless "
        "the process changes."
    )
    fail = spc(monthly(EXAMPLE_1), "up_good", target=16)
    assert "The target of 16 is above the upper process limit, so the process will " in (
        fail.reading()
    )
    assert "consistently fail it" in fail.reading()
    neutral = spc(monthly(EXAMPLE_1), "neutral", target=12)
    assert "not assessed" in neutral.reading()


def test_rebasing_gives_each_segment_its_own_limits():
    # Segment 0: 10,12 ×3, mean 11, mR̄ 2, limits 11 ± 5.32 → 5.68 to 16.32.
    # Segment 1: 20,22 ×3, mean 21, mR̄ 2, limits 21 ± 5.32 → 15.68 to 26.32.
    # The jump from 12 to 20 is never a moving range: it spans the break.
    values = monthly([10, 12] * 3 + [20, 22] * 3)
    result = spc(values, "up_good", rebase_at=["2023-07-01"])
    assert list(result.points["segment"]) == [0] * 6 + [1] * 6
    first, second = result.segments
    assert (first.mean, first.lcl, first.ucl) == pytest.approx((11, 5.68, 16.32))
    assert (second.mean, second.lcl, second.ucl) == pytest.approx((21, 15.68, 26.32))
    assert second.start == pd.Timestamp("2023-07-31")
    assert not result.points["special_cause"].any()

    # One set of limits for all twelve: mean 16; ranges 2 ×10 and 8 → 28/11 = 2.545455
    # (8 < 3.267 × 2.545 = 8.316, so kept); near = 16 ± 4.513939 → 11.486 / 20.514:
    # 10,12,10 and 22,20,22 put two of three beyond the near limits.
    single = spc(values, "up_good")
    assert single.segments[0].mean_moving_range == pytest.approx(28 / 11)
    assert flagged(single, "two_of_three") == [0, 2, 4, 7, 9, 11]


def test_rebase_dates_outside_the_series_add_no_segment():
    result = spc(monthly(EXAMPLE_1), "up_good", rebase_at=["2000-01-01", "2030-01-01"])
    assert len(result.segments) == 1


def test_excluded_points_stay_on_the_chart_but_out_of_the_limits():
    # Example 1 with 30 inserted after the 14. Baseline: the other twelve, mean 144/12 = 12.
    # Ranges only between neighbours both in the baseline: 2,1,2,1,2 then 1,1,1,1,2 (the ranges
    # 14→30 and 30→13 are not taken, nor 14→13 across the gap): 14/10 = 1.4.
    # UCL = 12 + 2.66 × 1.4 = 15.724; LCL = 8.276.
    values = monthly([10, 12, 11, 13, 12, 14, 30, 13, 12, 11, 12, 13, 11])
    excluded_period = values.index[6]
    result = spc(values, "down_good", exclude=[excluded_period])
    limits = result.segments[0]
    assert limits.mean == pytest.approx(12)
    assert limits.mean_moving_range == pytest.approx(1.4)
    assert limits.ucl == pytest.approx(15.724)
    assert limits.baseline_points == 12
    row = result.points.loc[excluded_period]
    assert bool(row["excluded"]) and not bool(row["in_baseline"])
    assert bool(row["beyond_limits"]) and row["point_type"] == "concern"
    # Left in, the spike moves the mean to 174/13 = 13.384615.
    assert spc(values, "down_good").segments[0].mean == pytest.approx(174 / 13)


def test_short_series_warns_and_still_applies_the_rules():
    eleven = spc(monthly(EXAMPLE_1[:11]), "up_good")
    assert eleven.short_series
    assert eleven.warnings == [
        "Caution: only 11 points; at least 12 are needed for reliable limits, so treat these "
        "limits and signals as provisional."
    ]
    assert eleven.reading().endswith("treat these limits and signals as provisional.")
    assert eleven.variation == "common_cause"

    twelve = spc(monthly(EXAMPLE_1), "up_good")
    assert not twelve.short_series and twelve.warnings == []
    assert spc(monthly(EXAMPLE_1), "up_good", min_points=20).short_series


def test_short_segment_after_a_rebase_is_named():
    values = monthly([*EXAMPLE_1, 20, 22, 20, 22])
    result = spc(values, "up_good", rebase_at=[values.index[12]])
    assert result.short_series
    assert "only 4 points since the limits were last recalculated" in result.warnings[0]


def test_too_few_points_claim_no_icon():
    result = spc(monthly([5]), "up_good", target=3)
    assert result.variation is None and result.assurance is None
    assert result.variation_label == "Not enough points to calculate process limits"
    assert result.reading().startswith("Only 1 point: too few to calculate process limits")
    # Every point but one left out of the baseline: the limits cannot be set.
    values = monthly(EXAMPLE_1)
    mostly_out = spc(values, "up_good", exclude=values.index[1:])
    assert mostly_out.variation is None
    assert mostly_out.reading().startswith("Only 1 of the 12 points can set the limits")
    assert not mostly_out.points["special_cause"].any()  # no limits, no signals claimed
    empty = spc(pd.Series([], dtype=float), "up_good")
    assert empty.points.empty and empty.variation is None
    assert empty.reading() == "No figures yet, so there is no SPC reading."


def test_missing_values_are_skipped_and_bad_input_refused():
    values = monthly(EXAMPLE_1)
    values.iloc[3] = np.nan
    assert len(spc(values, "up_good").points) == 11
    with pytest.raises(ValueError, match="polarity"):
        spc(monthly(EXAMPLE_1), "higher_is_better")
    doubled = pd.Series([1.0, 2.0], index=[pd.Timestamp("2024-01-31")] * 2)
    with pytest.raises(ValueError, match="duplicate"):
        spc(doubled, "up_good")


def test_configurable_run_lengths():
    values = monthly(SIX_ABOVE)
    assert flagged(spc(values, "up_good", options=SpcOptions(shift_run=6)), "shift") == list(
        range(6)
    )
    rising = monthly([13, 11, 13, 11, 13, 11, 10, 11, 12, 13, 14, 15, 13, 11])
    assert flagged(spc(rising, "up_good", options=SpcOptions(trend_run=6)), "trend") == list(
        range(6, 12)
    )


def test_a_new_signal_is_one_the_board_did_not_see_a_period_earlier():
    # Example 1 then 20: the 20 is beyond the limits; a period earlier all was common cause.
    fresh = spc(monthly([*EXAMPLE_1, 20]), "up_good")
    assert fresh.new_signal
    # Seven 12s after 8,12,8,12,8: the shift first appears at the seventh 12 ...
    values = monthly(SEVEN_ABOVE[7:] + SEVEN_ABOVE[:7])
    assert spc(values, "up_good").new_signal
    # ... and an eighth 12 continues it: still a signal, no longer new.
    # (8,12,8,12,8 + 12 ×8: sum 144, mean 144/13 = 11.08, the eight 12s all above it.)
    continued = spc(monthly(SEVEN_ABOVE[7:] + [12] * 8), "up_good")
    assert continued.variation == "improvement_high" and not continued.new_signal
    assert not spc(monthly(EXAMPLE_1), "up_good").new_signal


def test_summary_as_plain_data():
    summary = spc(monthly([*EXAMPLE_1, 20]), "up_good", target=25).summary()
    assert summary["variation"] == "improvement_high"
    assert summary["assurance"] == "consistently_fail"  # 25 is above the UCL of 16.24
    assert summary["new_signal"] and not summary["short_series"]
    assert summary["latest_signal"]["period"] == pd.Timestamp("2024-01-31")
    assert summary["latest_signal"]["rules"] == ["beyond_limits"]
    assert summary["reading"].startswith("Special cause improvement: the latest value (20)")


# Provisional points: Example 1 then three points still being recorded (Jan–Mar 2024).
def test_provisional_points_are_drawn_but_left_out_of_the_limits_and_the_rules():
    values = monthly([*EXAMPLE_1, 30, 31, 32])  # would be beyond the limits and a shift start
    late = values.index[-3:]
    result = spc(values, "up_good", provisional=late, unit="count")
    points = result.points
    assert list(points["provisional"]) == [False] * 12 + [True] * 3
    # The limits are Example 1's alone: mean 12, UCL 15.627273.
    limits = result.segments[0]
    assert limits.mean == pytest.approx(12)
    assert limits.ucl == pytest.approx(15.627273, abs=1e-6)
    assert limits.baseline_points == 12 and limits.points == 15
    assert not points["special_cause"].any()
    assert set(points["point_type"].iloc[-3:]) == {"common"}
    assert not points["in_baseline"].iloc[-3:].any()
    # Read from the latest tested point (Dec 2023, 11), not from the provisional 32.
    assert result.variation == "common_cause" and not result.new_signal
    assert result.latest_assessed.name == pd.Timestamp("2023-12-31")
    assert result.reading() == (
        "Common cause variation: the latest value (11) is within the process limits (8.4 to "
        "15.6) and is not part of a special-cause pattern. The last 3 points (Jan 2024 to Mar "
        "2024) are provisional: their figures are still being recorded, so they are not tested "
        "for signals."
    )
    # Without the flag the same figures are a signal.
    assert spc(values, "up_good").variation == "improvement_high"


def test_provisional_points_neither_extend_nor_break_a_run():
    # SIX_ABOVE ends 8, 12: six above the mean at the start. Put a provisional 12 after six
    # points above the mean in the middle: it must not make a run of seven.
    values = monthly([12] * 6 + [12] + [8, 12, 8, 12, 8, 12, 8])
    middle = values.index[6]
    result = spc(values, "up_good", provisional=[middle])
    # Baseline without point 6: [12]*6 + [8,12,8,12,8,12,8] = 72 + 68 = 140 over 13 → 10.769
    assert result.segments[0].mean == pytest.approx(140 / 13)
    assert flagged(result, "shift") == []  # only six tested points in a row above the mean
    assert spc(values, "up_good").points["shift"].iloc[:7].all()  # seven without the flag
    # A provisional point below the mean in a run of seven does not break it.
    values = monthly([12] * 3 + [5] + [12] * 4 + [8, 12, 8, 12, 8])
    result = spc(values, "up_good", provisional=[values.index[3]])
    assert flagged(result, "shift") == [0, 1, 2, 4, 5, 6, 7]
    assert not result.points["special_cause"].iloc[3]


def test_a_provisional_point_among_the_last_is_named_by_its_period():
    values = monthly([*EXAMPLE_1, 12])
    one = spc(values, "up_good", provisional=[values.index[-1]])
    assert "The last point (Jan 2024) is provisional: its figure is still being recorded" in (
        one.reading()
    )
    every = spc(monthly([10, 12]), "up_good", provisional=monthly([10, 12]).index)
    assert every.variation is None
    assert every.reading().startswith("Every point is provisional")


def test_a_new_signal_is_read_from_the_latest_tested_point():
    # Example 1, 20 (beyond the limits), then a provisional 12: the 20 is still the news.
    values = monthly([*EXAMPLE_1, 20, 12])
    result = spc(values, "up_good", provisional=[values.index[-1]])
    assert result.variation == "improvement_high"
    assert result.new_signal
    assert result.reading().startswith(
        "Special cause improvement: the latest value (20) is above the upper process limit"
    )


def test_missing_periods_are_gaps_no_moving_range_or_run_crosses():
    # Jan 2016 ... then Feb and Mar 2016 missing. Values 10, 12 alternate; a jump across the gap
    # (10 → 30) would add a moving range of 20 if it were taken.
    index = pd.DatetimeIndex(
        ["2015-10-31", "2015-11-30", "2015-12-31", "2016-01-31", "2016-04-30", "2016-05-31"]
    )
    values = pd.Series([10, 12, 10, 12, 30, 28], index=index, dtype=float)
    result = spc(values, "up_good", frequency="month")
    assert result.gaps == [pd.Timestamp("2016-02-29"), pd.Timestamp("2016-03-31")]
    assert list(result.points["gap_before"]) == [False] * 4 + [True, False]
    # Ranges 2, 2, 2 (before) and 2 (after); |30 − 12| = 18 is not taken. mR̄ = 8/4 = 2.
    assert result.segments[0].mean_moving_range == pytest.approx(2)
    assert "No figures for Feb 2016 and Mar 2016: the series is broken there and no moving " in (
        result.reading()
    )
    # Without gap detection the 18 is a moving range: (2+2+2+18+2)/5 = 5.2, then 18 ≥ 3.267 × 5.2
    # = 16.99 is screened out, leaving 2 again, but 5 ranges were taken.
    plain = spc(values, "up_good")
    assert plain.gaps == [] and not plain.points["gap_before"].any()
    assert plain.segments[0].screened_ranges == 1


def test_a_shift_or_trend_never_spans_a_gap():
    # Four rising points, a missing month, three more rising: seven rising without the gap.
    index = pd.DatetimeIndex(
        ["2023-01-31", "2023-02-28", "2023-03-31", "2023-04-30",
         "2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30"]
    )  # fmt: skip
    values = pd.Series([1, 2, 3, 4, 5, 6, 7, 3, 4, 3], index=index, dtype=float)
    assert flagged(spc(values, "up_good"), "trend") == [0, 1, 2, 3, 4, 5, 6]
    result = spc(values, "up_good", frequency="month")
    assert result.gaps == [pd.Timestamp("2023-05-31")]
    assert flagged(result, "trend") == []
    # Seven on one side of the mean across the gap: a shift without detection, none with it.
    index = pd.date_range("2023-01-31", periods=15, freq="ME").delete(4)
    values = pd.Series([12] * 7 + [8, 12, 8, 12, 8, 12, 8], index=index, dtype=float)
    assert flagged(spc(values, "up_good"), "shift") == list(range(7))
    assert flagged(spc(values, "up_good", frequency="month"), "shift") == []


def test_quarter_and_financial_year_gaps():
    quarters = pd.Series(
        [1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2023-03-31", "2023-06-30", "2024-03-31"])
    )
    result = spc(quarters, "up_good", frequency="quarter")
    assert result.gaps == [pd.Timestamp("2023-09-30"), pd.Timestamp("2023-12-31")]
    years = pd.Series(
        [1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2020-03-31", "2021-03-31", "2023-03-31"])
    )
    assert spc(years, "up_good", frequency="year").gaps == [pd.Timestamp("2022-03-31")]
    assert spc(years, "up_good", frequency="quarter").points["gap_before"].sum() == 2
    with pytest.raises(ValueError, match="unknown frequency 'week'"):
        spc(years, "up_good", frequency="week")


def test_lower_limits_of_counts_and_rates_never_go_below_zero():
    # 1, 9 alternating: mean 5, every moving range 8, LCL = 5 − 21.28 < 0, near = 5 − 14.19 < 0.
    values = monthly([1, 9] * 6)
    for unit in ("count", "per_100k", "days", "percent", "ratio"):
        limits = spc(values, "up_good", unit=unit).segments[0]
        assert (limits.lcl, limits.lower_near) == (0, 0), unit
        assert limits.ucl == pytest.approx(5 + 21.28)
        result = spc(values, "up_good", unit=unit)
        assert (result.points["lcl"] == 0).all() and (result.points["lower_near"] == 0).all()
    # A unit that may be negative (a change, an index) keeps the arithmetic.
    free = spc(values, "up_good", unit="").segments[0]
    assert free.lcl == pytest.approx(5 - 21.28)
    assert free.lower_near == pytest.approx(5 - 2 / 3 * 21.28)
    own = spc(values, "up_good", unit="count", floor_zero_units={"percent"}).segments[0]
    assert own.lcl == pytest.approx(5 - 21.28)
