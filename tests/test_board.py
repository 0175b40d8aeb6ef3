"""The board read model: totals, the LCJP combined, headlines, rank and honest comparisons."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from loaders import board
from loaders.measures import MeasureSpec

PLAN = board.AreaPlan("LCJP-X", "Test LCJP", ("E23000008", "E23000013"), comparators=("E23000007",))


def _spec(unit="percent", polarity="down_good"):
    return MeasureSpec("m", "A measure", "victim-witness", unit, polarity, "def", "ds")


def _rows(records):
    frame = pd.DataFrame(
        records,
        columns=[
            "area_code",
            "area_name",
            "area_type",
            "period_end",
            "value",
            "numerator",
            "denominator",
            "breakdown",
        ],
    )
    frame["period_start"] = frame["period_end"].map(lambda d: d.replace(day=1))
    frame["period_type"] = "month"
    return frame


def test_rates_are_re_derived_from_summed_breakdowns_not_averaged():
    frame = _rows(
        [
            (
                "E23000008",
                "Durham",
                "police_force_area",
                date(2025, 1, 31),
                10.0,
                1,
                10,
                {"x": "a"},
            ),
            (
                "E23000008",
                "Durham",
                "police_force_area",
                date(2025, 1, 31),
                50.0,
                45,
                90,
                {"x": "b"},
            ),
        ]
    )
    table = board.totals(frame, "percent")
    assert table["value"].tolist() == [pytest.approx(46.0)]  # 46/100, not (10+50)/2 = 30
    assert table["denominator"].tolist() == [100]


def test_published_totals_win_over_summing_breakdowns():
    frame = _rows(
        [
            ("E23000008", "Durham", "police_force_area", date(2025, 1, 31), 7.0, None, None, {}),
            (
                "E23000008",
                "Durham",
                "police_force_area",
                date(2025, 1, 31),
                3.0,
                None,
                None,
                {"x": "a"},
            ),
        ]
    )
    assert board.totals(frame, "count")["value"].tolist() == [7.0]


def test_lcjp_combined_only_where_every_force_reported():
    frame = _rows(
        [
            ("E23000008", "Durham", "police_force_area", date(2025, 1, 31), 20.0, 20, 100, {}),
            ("E23000013", "Cleveland", "police_force_area", date(2025, 1, 31), 40.0, 120, 300, {}),
            ("E23000008", "Durham", "police_force_area", date(2025, 2, 28), 25.0, 25, 100, {}),
        ]
    )
    view = board.build_view(_spec(), frame, PLAN)
    lcjp = view.totals[view.totals["area_code"] == "LCJP-X"]
    assert lcjp["period_end"].tolist() == [date(2025, 1, 31)]
    assert lcjp["value"].tolist() == [pytest.approx(35.0)]  # 140 / 400
    assert view.level == "force"
    assert view.focus_codes == ["E23000008", "E23000013", "LCJP-X"]


def test_headline_compares_with_the_same_period_a_year_earlier():
    frame = _rows(
        [
            (
                "K04000001",
                "England and Wales",
                "national",
                date(2024, 3, 31),
                100.0,
                None,
                None,
                {},
            ),
            (
                "K04000001",
                "England and Wales",
                "national",
                date(2024, 12, 31),
                90.0,
                None,
                None,
                {},
            ),
            (
                "K04000001",
                "England and Wales",
                "national",
                date(2025, 3, 31),
                120.0,
                None,
                None,
                {},
            ),
        ]
    )
    headline = board.headline(board.totals(frame, "count"), "K04000001")
    assert (headline.value, headline.year_ago) == (120.0, 100.0)


def test_ranking_orders_areas_of_one_kind_at_the_latest_period():
    frame = _rows(
        [
            ("E23000008", "Durham", "police_force_area", date(2025, 1, 31), 5.0, None, None, {}),
            ("E23000013", "Cleveland", "police_force_area", date(2025, 1, 31), 9.0, None, None, {}),
            (
                "E23000007",
                "Northumbria",
                "police_force_area",
                date(2025, 1, 31),
                7.0,
                None,
                None,
                {},
            ),
            (
                "E23000007",
                "Northumbria",
                "police_force_area",
                date(2024, 12, 31),
                70.0,
                None,
                None,
                {},
            ),
        ]
    )
    ranked = board.ranking(board.totals(frame, "count"), "police_force_area")
    assert ranked["area_name"].tolist() == ["Cleveland", "Northumbria", "Durham"]
    assert ranked["rank"].tolist() == [1, 2, 3]


def test_wilson_interval_matches_a_worked_example():
    # 45 of 100: Wilson 95% interval is 35.6% to 54.8% (textbook value).
    low, high = board.wilson_interval(45, 100)
    assert low == pytest.approx(35.6, abs=0.05) and high == pytest.approx(54.8, abs=0.05)


def test_comparison_says_when_the_gap_is_within_noise():
    local = board.Headline("E23000008", "Durham", date(2025, 1, 31), "month", 45.0, 45, 100, None)
    national = board.Headline(
        "K04000001", "England and Wales", date(2025, 1, 31), "month", 50.0, None, None, None
    )
    assert "within noise" in board.compare_with_national(local, national, _spec())
    big = board.Headline("E23000008", "Durham", date(2025, 1, 31), "month", 45.0, 4500, 10000, None)
    text = board.compare_with_national(big, national, _spec())
    assert text == "5.0 percentage points below England & Wales (50.0%) (better)."


def test_small_counts_are_flagged_for_suppression():
    assert board.suppressed(3, "count", 10)
    assert not board.suppressed(0, "count", 10)
    assert not board.suppressed(12, "count", 10)
    assert not board.suppressed(3, "percent", 10)
