"""The backlog forecast (presented/forecast.py), tested by back-casting the real E&W series."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from presented import forecast


@pytest.fixture(scope="module")
def national(public_data_dir) -> pd.DataFrame:
    frame = pd.read_csv(
        public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv",
        parse_dates=["quarter_end"],
    )
    return frame.rename(columns={"quarter_end": "period_end"})[
        ["period_end", "open", "receipts", "disposals"]
    ]


def test_backcast_from_2023_q4_covers_what_happened_by_2025_q4(national):
    """Forecast from 2023 Q4 with only the data to 2023 Q4: the 2025 Q4 caseload that happened
    lies inside the 80% interval (and the median's error is recorded: about 4% low)."""
    known = national[national["period_end"] <= "2023-12-31"]
    fc = forecast.forecast(known, "England and Wales", 8)
    assert fc.can_forecast and fc.last_end == date(2023, 12, 31)
    row = fc.fan.set_index("label").loc["2025 Q4"]
    actual = float(national.loc[national["period_end"] == "2025-12-31", "open"].iloc[0])
    assert actual == 80203
    assert row["low"] <= actual <= row["high"]
    assert abs(row["median"] - actual) / actual < 0.06  # the median was 3,186 (4.0%) low
    # The fan widens as it looks further ahead, and is ordered low ≤ median ≤ high.
    widths = (fc.fan["high"] - fc.fan["low"]).tolist()
    assert widths == sorted(widths)
    assert (fc.fan["low"] <= fc.fan["median"]).all() and (fc.fan["median"] <= fc.fan["high"]).all()


def test_forecast_is_reproducible_and_says_what_it_found(national):
    first = forecast.forecast(national, "England and Wales", 6)
    again = forecast.forecast(national, "England and Wales", 6)
    pd.testing.assert_frame_equal(first.fan, again.fan)
    assert len(first.fan) == 6 and first.fan["label"].iloc[0] == "2026 Q1"
    assert first.baseline == 38108  # open cases at the end of 2019 Q4
    assert "not within the forecast horizon" in first.return_text
    assert first.summary.startswith("England and Wales: 80,203 open cases at the end of 2025 Q4.")
    assert "80% interval" in first.summary


def test_what_if_is_the_identity_solved_for_disposals(national):
    fc = forecast.forecast(national, "England and Wales")
    plan = forecast.what_if(fc, date(2027, 12, 31))
    assert plan.quarters == 8
    expected = fc.mean_receipts + (80203 - 38108) / 8
    assert plan.needed == pytest.approx(expected)
    assert plan.extra == pytest.approx(expected - fc.mean_disposals)
    assert plan.sentence.startswith(
        "To be back to 2019 Q4's level (38,108 open cases) by 2027 Q4, England and Wales would "
        f"need to dispose of about {round(expected):,} cases a quarter, "
        f"{round(expected - fc.mean_disposals):,} more than its recent average"
    )
    assert forecast.what_if(fc, date(2025, 12, 31)) is None  # a target in the past


def test_a_court_with_two_quarters_is_not_forecast():
    """The court file has two points (2024 Q4 and 2025 Q4): say so, invent nothing."""
    two = pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2024-12-31", "2025-12-31"]),
            "open": [1400.0, 1548.0],
            "receipts": [500.0, 510.0],
            "disposals": [480.0, 470.0],
        }
    )
    fc = forecast.forecast(two, "Teesside", 8)
    assert not fc.can_forecast and fc.fan.empty
    assert fc.reason.startswith("needs at least 8 quarters of receipts and disposals for Teesside")
    assert forecast.what_if(fc, date(2027, 12, 31)) is None


def test_a_falling_backlog_returns_to_its_2019_level_within_the_horizon():
    ends = pd.date_range("2019-12-31", periods=12, freq="QE")
    receipts = [100.0, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 99]
    disposals = [r + 40 + (i % 3) for i, r in enumerate(receipts)]
    opens = [1000.0]
    for r, d in zip(receipts[1:], disposals[1:], strict=True):
        opens.append(opens[-1] + r - d)
    history = pd.DataFrame(
        {"period_end": ends, "open": [o + 200 for o in opens], "receipts": receipts}
    )
    history["disposals"] = disposals
    history.loc[0, "open"] = 600.0  # the 2019 Q4 level
    fc = forecast.forecast(history, "A court", 8)
    assert fc.baseline == 600 and fc.last_open > 600
    assert fc.return_end is not None and fc.return_text.startswith("back to its 2019 Q4 level by ")


def test_a_gap_breaks_the_run_the_rates_come_from(national):
    gappy = national.drop(index=national.index[-3])  # lose 2025 Q2
    fc = forecast.forecast(gappy, "England and Wales")
    assert not fc.can_forecast and "the data loaded has 2 quarters" in fc.reason


def test_monthly_management_information_makes_whole_quarters_only():
    months = pd.to_datetime(
        ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30"]
        + ["2025-07-31"]
    )

    def frame(values):
        return pd.DataFrame({"period_end": months, "value": values})

    quarterly = forecast.monthly_to_quarterly(
        frame([10.0, 11, 12, 13, 14, 15, 16]),
        frame([5.0, 6, 7, 8, 9, 10, 11]),
        frame([4.0, 5, 6, 7, 8, 9, 10]),
    )
    assert list(quarterly["period_end"].dt.date) == [date(2025, 3, 31), date(2025, 6, 30)]
    assert list(quarterly["open"]) == [12, 15]
    assert list(quarterly["receipts"]) == [18, 27] and list(quarterly["disposals"]) == [15, 24]
