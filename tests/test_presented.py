"""The presented-figure model: words, periods, status, suppression, like-for-like comparison.

Unit cases build small views by hand; the rest read the real published files (the `app` fixture)
and check what the model says against them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from callbacks import data, presenting
from loaders import board
from loaders.measures import MEASURES
from loaders.refresh import london_today
from loaders.spc import spc
from loaders.staleness import months_between, period_age
from presented import suppression
from presented.build import FigureInputs, Timing, agree, present
from presented.model import Audience, Reading
from presented.words import (
    axis_title,
    change_on_year,
    format_amount,
    format_value,
    period_label,
    period_long_label,
)

PARTNER = Audience(sees_small_numbers=False, threshold=10)
OPCC = Audience(sees_small_numbers=True, threshold=10)
PLAN = board.AreaPlan(
    lcjp_code="LCJP", lcjp_name="Durham & Cleveland LCJP", forces=("D", "C"), national="EW"
)


# --- Words -----------------------------------------------------------------------------------------


def test_units_read_as_people_write_them():
    assert format_value(1, "hours") == "1 hour"
    assert format_value(0.98, "hours") == "1 hour"
    assert format_value(2, "weeks") == "2 weeks"
    assert format_value(1, "minutes") == "1 minute"
    assert format_value(346, "days") == "346 days"
    assert format_value(0.69, "years") == "0.69 years"
    assert format_value(23.2, "per_100k") == "23.2 per 100,000 population"
    assert format_value(14212, "count") == "14,212"
    assert format_amount(0.4, "minutes") == "0.4 minutes"  # never "up 0 minutes"
    assert format_amount(-1.0, "percent") == "1.0 percentage point"
    assert axis_title("per_100k") == "Per 100,000 population"
    assert axis_title("ratio") == "Ratio" and axis_title("count") == "Number"


def test_periods_are_labelled_for_their_cadence():
    assert period_label("year", date(2022, 1, 1), date(2022, 12, 31)) == "2022"
    assert period_label("year", date(2022, 12, 1), date(2022, 12, 31)) == "2022"
    assert period_label("financial_year", date(2024, 3, 1), date(2024, 3, 31)) == "2023/24"
    assert period_label("quarter", None, date(2025, 12, 31)) == "2025 Q4"
    assert period_label("month", None, date(2025, 6, 30)) == "Jun 2025"
    assert (
        period_long_label("financial_year", None, date(2024, 3, 31)) == "April 2023 to March 2024"
    )
    assert period_long_label("quarter", None, date(2025, 12, 31)) == (
        "October to December 2025 (2025 Q4)"
    )


def _reading(variation: str | None) -> Reading:
    return Reading(variation, "", "", variation not in (None, "common_cause"))


@pytest.mark.parametrize(
    ("now", "before", "polarity", "unit", "variation", "expected", "forbidden"),
    [
        # "346 days, up 33 days (+10.5%), worse on a year ago" beside an improvement (lower).
        (346, 313, "down_good", "days", "improvement_low", "special-cause improvement", "worse"),
        # "Proven reoffences up 29.8%, worse" beside an improvement.
        (441946, 340465, "down_good", "count", "improvement_low", "though higher", "worse"),
        # Up on a year ago, but the process shows no signal.
        (350, 313, "down_good", "days", "common_cause", "within its usual variation", "worse"),
        # Agreement is said as such.
        (346, 313, "down_good", "days", "concern_high", "worse: a special-cause concern", None),
    ],
)
def test_the_change_and_the_spc_reading_never_contradict(
    now, before, polarity, unit, variation, expected, forbidden
):
    spec = board.MeasureSpec("m", "M", "s", unit, polarity, "d" * 40, "x")
    text = agree(change_on_year(now, before, polarity, unit), _reading(variation), spec, False)
    assert expected in text
    if forbidden:
        assert forbidden not in text


# --- Status ----------------------------------------------------------------------------------------


def test_staleness_is_measured_from_the_period_the_data_describes():
    assert period_age("month", date(2016, 12, 31), date(2026, 12, 5), 3).stale
    assert period_age("month", date(2016, 12, 31), date(2026, 12, 5), 3).months_old == 120
    assert not period_age("month", date(2026, 10, 31), date(2026, 12, 5), 1).stale
    # A cohort year is published about 22 months after it ends: 2023/24 is current in Dec 2026.
    assert not period_age("financial_year", date(2024, 3, 31), date(2026, 12, 5), 22).stale
    assert period_age("quarter", date(2025, 12, 31), date(2026, 12, 5), 3).stale


# --- Synthetic views -------------------------------------------------------------------------------


def _totals(series: dict[str, list[float]], start="2023-01-31", freq="ME", kind="month"):
    rows = []
    for code, values in series.items():
        ends = pd.date_range(start, periods=len(values), freq=freq)
        for end, value in zip(ends, values, strict=True):
            if value is None:
                continue
            area_type = {"LCJP": "lcjp", "EW": "country"}.get(code, "police_force_area")
            rows.append(
                {
                    "area_code": code,
                    "area_name": {"D": "Durham", "C": "Cleveland", "LCJP": "LCJP"}.get(code, code),
                    "area_type": area_type,
                    "period_start": end.replace(day=1).date(),
                    "period_end": end.date(),
                    "period_type": kind,
                    "value": float(value),
                    "numerator": np.nan,
                    "denominator": np.nan,
                    "breakdown": {},
                }
            )
    return pd.DataFrame(rows)


def _inputs(measure_id: str, frame: pd.DataFrame, **extra) -> FigureInputs:
    spec = MEASURES[measure_id]
    view = board.build_view(spec, frame, PLAN)
    today = max(frame["period_end"]) + pd.Timedelta(days=20)  # a month after the latest period
    return FigureInputs(spec=spec, view=view, plan=PLAN, today=today, **extra)


def test_a_small_count_never_leaves_the_model_for_a_partner_audience():
    durham = [20, 18, 25, 22, 19, 21, 23, 24, 20, 18, 22, 21, 3]  # the latest month is small
    cleveland = [30, 28, 31, 29, 33, 30, 32, 31, 29, 30, 28, 33, 31]
    inputs = _inputs("police_crimes", _totals({"D": durham, "C": cleveland}))
    shown = present(inputs, PARTNER, "D")
    assert shown.suppressed and shown.value is None and shown.value_text == "<10 (suppressed)"
    assert "3" not in shown.change_text and "down" not in shown.change_text.lower()
    assert "(3)" not in shown.reading.sentence and "3 " not in shown.summary.split(":")[1][:3]
    # The chart: the withheld point has no value and its segment no mean or limits.
    assert shown.points["value"].iloc[-1] != shown.points["value"].iloc[-1]  # NaN
    assert shown.points[["mean", "lcl", "ucl"]].isna().all().all()
    assert shown.spc.points["value"].isna().iloc[-1]
    assert all(np.isnan(s.mean) for s in shown.spc.segments)
    assert shown.table["Value"].iloc[-1] == "<10 (suppressed)"
    assert 3.0 not in [v for v in shown.table["Value"] if isinstance(v, float)]
    # The partnership total less Cleveland would give Durham back: it is withheld too.
    lcjp = present(inputs, PARTNER, "LCJP")
    assert lcjp.suppressed and lcjp.value is None
    # The API dictionary carries no withheld value either.
    last = shown.api_dict()["points"][-1]
    assert last == {**last, "value": None, "suppressed": True}
    # The OPCC sees every figure.
    opcc = present(inputs, OPCC, "D")
    assert opcc.value == 3.0 and not opcc.suppressed


def test_complementary_suppression_stops_differencing():
    values = pd.Series([3.0, 40.0, 55.0, 12.0])
    flags = suppression.complementary(values, pd.Series([True, False, False, False]))
    assert flags.tolist() == [True, False, False, True]  # the next smallest goes too
    frame = pd.DataFrame(
        {"category": list("abcd"), "value": values, "numerator": values, "denominator": values}
    )
    shown = suppression.safe_breakdown(frame, "count", PARTNER)
    assert shown["value"].isna().sum() == 2 and shown.loc[0, "suppressed"]


def test_count_limits_never_go_below_zero():
    values = pd.Series(
        [1, 9, 0, 8, 1, 7, 0, 9, 2, 8, 1, 9],
        index=pd.date_range("2024-01-31", periods=12, freq="ME"),
    )
    result = spc(values, "down_good", unit="count")
    assert result.segments[0].lcl >= 0 and (result.points["lcl"] >= 0).all()


def test_provisional_months_are_drawn_but_never_signals():
    stable = [50, 52, 49, 51, 50, 53, 48, 50, 52, 51, 49, 50, 51, 50]
    frame = _totals({"D": [*stable, 10, 9, 8], "C": [*stable, 11, 9, 7]})
    inputs = _inputs(
        "police_charged_share",
        frame.assign(numerator=frame["value"], denominator=100.0),
        timing=Timing(2, 3),
    )
    shown = present(inputs, OPCC, "D")
    assert shown.points["provisional"].tolist()[-3:] == [True, True, True]
    assert not shown.points["special_cause"].tail(3).any()
    assert not shown.reading.signal and not shown.is_exception
    assert shown.status.kind == "provisional"
    assert "provisional" in shown.summary and "not tested for signals" in shown.summary


def test_a_missing_month_breaks_the_series_and_is_named():
    values = [50, 52, 49, None, None, 53, 48, 50, 52, 51, 49, 50, 51, 50]
    inputs = _inputs("police_crimes", _totals({"D": values, "C": values}))
    shown = present(inputs, OPCC, "D")
    assert "Apr 2023 and May 2023" in shown.missing_sentence
    assert shown.points.loc[shown.points["label"] == "Jun 2023", "gap_before"].item()
    assert "Apr 2023 and May 2023" in shown.summary


# --- On the real published files ------------------------------------------------------------------


@pytest.fixture
def analyst(as_user):
    with as_user("analyst") as user:
        yield user


def test_old_cps_figures_are_stale_everywhere_and_never_exceptions(analyst):
    figure = presenting.presented_figure("cps_conviction_rate")
    months = months_between(date(2016, 12, 31), london_today())
    assert figure.period.label == "Dec 2016" and figure.value_text == "87.5%"
    assert figure.status.kind == "stale" and figure.status.words == f"Stale, {months} months old"
    assert not figure.is_exception
    assert f"Stale, {months} months old" in figure.summary
    assert figure.api_dict()["latest"]["status"] == "stale"


def test_cps_missing_months_are_named_not_joined(analyst):
    # The CPS files hold Oct 2015, Dec 2015, Jan 2016 and Apr to Dec 2016.
    figure = presenting.presented_figure("cps_conviction_rate")
    assert "Nov 2015" in figure.missing_sentence
    assert "Feb 2016" in figure.missing_sentence and "Mar 2016" in figure.missing_sentence
    assert figure.points.loc[figure.points["label"] == "Apr 2016", "gap_before"].item()


def test_annual_and_cohort_figures_carry_their_own_period(analyst):
    women = presenting.presented_figure("women_imprisonment_rate", "E23000008")
    assert women.period.label == "2022" and women.value_text == "23.2 per 100,000 population"
    reoffending = presenting.presented_figure("reoffending_rate")
    assert reoffending.period.label == "2023/24"
    assert "April 2023 to March 2024" in reoffending.summary


def test_police_uk_outcomes_latest_months_are_provisional(analyst):
    figure = presenting.presented_figure("police_charged_share", "E23000008")
    provisional = figure.points.loc[figure.points["provisional"], "label"].tolist()
    assert provisional == ["Apr 2025", "May 2025", "Jun 2025"]
    assert not figure.points.loc[figure.points["provisional"], "special_cause"].any()
    assert "Apr 2025 to Jun 2025 are provisional" in figure.summary


def test_counts_are_compared_per_100000_and_sums_with_sums(analyst, public_data_dir):
    figure = presenting.presented_figure("police_crimes", "E23000099")  # unknown: LCJP default
    assert figure.area_code == data.lcjp()["code"]
    assert "median force" not in figure.comparison
    assert "per 100,000 population" in figure.comparison
    assert figure.ranking_basis == "per_100k"
    durham = figure.ranking[figure.ranking["area_code"] == "E23000008"].iloc[0]
    assert durham["per_100k"] == pytest.approx(durham["value"] / 637_600 * 100_000)
    # The real counts file: Durham's June 2025 crimes (anti-social behaviour excluded).
    counts = pd.read_csv(
        public_data_dir
        / "police_uk_street"
        / "street_counts_by_force_month_type_outcome_2025H1.csv"
    )
    june = counts[
        (counts["Month"] == "2025-06") & (counts["Falls within"] == "Durham Constabulary")
    ]
    crimes = june[june["Crime type"] != "Anti-social behaviour"]["Count"].sum()
    assert durham["value"] == crimes


def test_the_data_sources_page_judges_staleness_by_the_period_described(analyst):
    from callbacks import data_sources

    rows = {row.dataset_id: row for row in data_sources.source_rows(analyst)}
    months = months_between(date(2016, 12, 31), london_today())
    assert rows["cps_case_outcomes"].stale
    assert rows["cps_case_outcomes"].stale_reason.startswith(f"Stale, {months} months old")
    assert rows["police_uk_street"].stale and "months old" in rows["police_uk_street"].stale_reason
    # The 2023/24 cohort (to March 2024) is published about 22 months after it ends.
    expected = period_age("financial_year", date(2024, 3, 31), london_today(), 22).stale
    assert rows["moj_proven_reoffending"].stale == expected


def test_overview_tiles_carry_a_sparkline_of_the_presented_series(analyst):
    from dash_tree import walk

    from callbacks import subgroup

    overview = subgroup.update_overview({})
    graphs = {
        c.id: c.figure
        for c in walk(overview)
        if type(c).__name__ == "Graph" and str(c.id).endswith("-sparkline")
    }
    figure = presenting.presented_figure("reoffending_rate")
    tile_id = f"reoffending_rate-{figure.area_code}".lower()
    line = graphs[f"tile-{tile_id}-sparkline"]["data"][0]
    assert line["y"] == [float(v) for v in figure.points["value"].tail(24)]
    latest = f"{figure.value_text} in {figure.period.label}."
    captions = [c.children for c in walk(overview) if type(c).__name__ == "Figcaption"]
    assert any(c.startswith("Trend over") and c.endswith(latest) for c in captions)
