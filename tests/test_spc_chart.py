"""The SPC chart, table, reading and badges: every signal carries a shape and words, not colour only."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from layouts import spc_chart
from loaders import queries
from loaders.areas import ENGLAND_AND_WALES
from loaders.events import builtin_events, events_for, spc_options_for
from loaders.spc import POINT_TYPE_LABELS, SpcOptions, spc
from presented.words import format_value, quarter_label


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return " ".join(_text(getattr(component, "children", None)).split())


def quarterly(values, start="2019-03-31") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="QE"), dtype=float
    )


@pytest.fixture
def mixed():
    """Common points, a concern shift at the end, a lockdown quarter left out, a target.

    Baseline: the first twelve less the lockdown quarter (14): mean 130/11 = 11.818, moving
    ranges 2,1,2,1,1,1,1,1,2 (none across the gap) = 12/9, limits 8.272 to 15.365."""
    values = quarterly([10, 12, 11, 13, 12, 14, 13, 12, 11, 12, 13, 11, 15, 15, 15, 15, 15, 15, 15])
    lockdown = pd.Timestamp("2020-06-30")
    options = SpcOptions(baseline_points=11)
    result = spc(values, "down_good", target=8, exclude=[lockdown], unit="count", options=options)
    assert result.segments[0].lcl == pytest.approx(130 / 11 - 2.66 * 12 / 9)
    return result


def test_point_types_differ_by_shape_and_legend_text(mixed):
    fig = spc_chart.create_figure(mixed, y_title="Cases")
    traces = {t.name: t for t in fig.data}
    common, concern = traces["Common cause"], traces["Special cause — concern"]
    assert set(common.marker.symbol) == {"circle", "circle-open"}  # the lockdown point is hollow
    assert set(concern.marker.symbol) == {"triangle-down"}
    assert common.marker.color == "#a6a6a6" and concern.marker.color == "#e46c0a"
    assert len(concern.x) == (mixed.points["point_type"] == "concern").sum()
    assert "Hollow marker: left out of the limits" in traces
    assert {"Mean", "Process limits", "Target: 8"} <= set(traces)
    assert traces["Process limits"].line.dash == "dash"
    assert "Near limits (2-sigma)" not in traces
    shapes = {spc_chart.SYMBOLS[k] for k in ("common", "improvement", "concern", "neutral")}
    assert len(shapes) == 4  # one shape per point type
    # Hover text says what each point means in words.
    assert any("Special cause — concern (high)" in row[2] for row in concern.customdata)
    assert any("left out of the limits" in row[2] for row in common.customdata)


def test_limit_lines_follow_each_segment():
    values = quarterly([10, 12] * 6 + [20, 22] * 6)
    result = spc(values, "up_good", rebase_at=[values.index[12]])
    fig = spc_chart.create_figure(result, show_near_limits=True)
    traces = {t.name: t for t in fig.data}
    mean = [y for y in traces["Mean"].y if y is not None]
    assert mean == pytest.approx([11, 11, 21, 21])
    limits = [y for y in traces["Process limits"].y if y is not None]
    assert limits == pytest.approx([16.32, 16.32, 5.68, 5.68, 26.32, 26.32, 15.68, 15.68])
    assert traces["Near limits (2-sigma)"].line.dash == "dot"
    annotations = [a.text for a in fig.layout.annotations]
    assert annotations == ["Limits recalculated"]
    assert [s.type for s in fig.layout.shapes] == ["line"]


def test_events_are_drawn_and_labelled(mixed):
    # Quarterly 2019 Q1 – 2023 Q3: the three lockdowns fall inside, and Common Platform too.
    chart_events = events_for("crown_open_cases")
    fig = spc_chart.create_figure(mixed, events=chart_events)
    labels = [a.text for a in fig.layout.annotations]
    assert labels == [
        "First COVID-19 lockdown",
        "Series break: Common Platform go-live",
        "Second COVID-19 lockdown (England)",
        "Third COVID-19 lockdown (England)",
    ]
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [s.name for s in bands] == [labels[0], labels[2], labels[3]]
    assert pd.Timestamp(bands[0].x0) == pd.Timestamp("2020-03-23")
    assert pd.Timestamp(bands[0].x1) == pd.Timestamp("2020-07-03")
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [pd.Timestamp(s.x0) for s in lines] == [pd.Timestamp("2020-09-01")]
    assert lines[0].line.dash == "longdash"


def test_a_series_break_that_rebased_names_the_recalculation():
    values = quarterly(list(range(10, 29)), start="2016-03-31")
    periods = [(d - pd.offsets.QuarterBegin(startingMonth=1), d) for d in values.index]
    rebase_at, exclude = spc_options_for("crown_open_cases", periods)
    result = spc(values, "down_good", rebase_at=rebase_at, exclude=exclude)
    fig = spc_chart.create_figure(result, events=events_for("crown_open_cases"))
    texts = [a.text for a in fig.layout.annotations]
    assert "Limits recalculated: Common Platform go-live" in texts
    assert "Series break: Common Platform go-live" not in texts


def test_events_outside_the_chart_are_not_drawn():
    result = spc(quarterly([10, 12, 11, 13, 12, 14], start="2023-03-31"), "up_good")
    fig = spc_chart.create_figure(result, events=builtin_events())
    assert not fig.layout.shapes and not fig.layout.annotations


def test_table_has_every_point_with_its_signal_and_notes(mixed):
    table = spc_chart.spc_table(
        mixed,
        events=events_for("crown_open_cases"),
        fmt=lambda v: format_value(v, "count"),
        period_label=quarter_label,
    )
    assert list(table.columns) == [
        "Period", "Value", "Mean", "Lower limit", "Upper limit", "Signal", "Notes"
    ]  # fmt: skip
    assert len(table) == len(mixed.points)
    by_period = table.set_index("Period")
    assert by_period.loc["2020 Q2", "Notes"] == "Left out of the limits; First COVID-19 lockdown"
    assert by_period.loc["2020 Q3", "Notes"] == ("First COVID-19 lockdown; Common Platform go-live")
    assert by_period.loc["2019 Q1", "Signal"] == "Common cause"
    assert by_period.loc["2023 Q3", "Signal"].startswith("Special cause — concern (high)")
    assert by_period.loc["2023 Q3", "Value"] == "15"


def test_summary_is_the_reading(mixed):
    summary = spc_chart.spc_summary(mixed)
    assert summary == mixed.reading()
    assert summary.startswith(
        "Special cause concern: the last 7 points are above the mean (shift) (also 2 of 3 points "
        "beyond the near limit). The target of 8 is below the lower process limit"
    )


def test_badges_carry_a_letter_and_words(mixed):
    badges = spc_chart.spc_badges(mixed)
    text = _text(badges)
    assert "Variation: Special cause variation — concern (higher)" in text
    assert "Assurance: Consistently fails the target" in text
    variation, assurance = badges.children
    icon = variation.children[0]
    assert icon.children == "H" and icon.style["background"] == "#e46c0a"
    assert icon.to_plotly_json()["props"]["aria-hidden"] == "true"  # the words carry the meaning
    assert assurance.children[0].children == "F"


def test_badges_for_common_cause_hit_and_miss_and_short_series():
    result = spc(quarterly([10, 12, 11, 13, 12, 14, 13, 12]), "up_good", target=12)
    text = _text(spc_chart.spc_badges(result))
    assert "Variation: Common cause variation" in text
    assert "Assurance: Hit and miss target" in text
    assert "Provisional: fewer than 12 points" in text
    none = spc(quarterly([10]), "up_good")
    assert "Not enough points" in _text(spc_chart.spc_badges(none))


def test_neutral_points_are_diamonds_in_purple():
    result = spc(quarterly([8, 12, 8, 12, 8] + [12] * 7), "neutral")
    traces = {t.name: t for t in spc_chart.create_figure(result).data}
    neutral = traces["Special cause — neutral"]
    assert set(neutral.marker.symbol) == {"diamond"} and neutral.marker.color == "#490092"


def test_empty_result_draws_a_message():
    fig = spc_chart.create_figure(spc(pd.Series([], dtype=float), "up_good"))
    assert [a.text for a in fig.layout.annotations] == ["No figures yet"]
    assert spc_chart.spc_table(spc(pd.Series([], dtype=float), "up_good")).empty


def test_chart_of_the_real_national_backlog_equals_the_published_file(app, public_data_dir):
    """From the cache to the chart: the points are the MoJ figures, and the first segment's mean
    is the plain mean of the file's pre-Common-Platform quarters without the lockdown ones."""
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv") as handle:
        rows = list(csv.DictReader(handle))
    with app.server.extensions["lcjp"].session_factory() as session:
        frame = queries.observations(
            session, "crown_open_cases", area_codes=[ENGLAND_AND_WALES], totals_only=True
        )
    values = pd.Series(frame["value"].to_numpy(), index=pd.to_datetime(frame["period_end"]))
    rebase_at, exclude = spc_options_for("crown_open_cases", frame)
    result = spc(values, "down_good", rebase_at=rebase_at, exclude=exclude, unit="count")
    fig = spc_chart.create_figure(result, events=events_for("crown_open_cases"))

    plotted = pd.concat(
        pd.Series(list(t.y), index=pd.to_datetime(list(t.x)))
        for t in fig.data
        if t.name in POINT_TYPE_LABELS.values()
    ).sort_index()
    published = {pd.Timestamp(r["quarter_end"]): float(r["open"]) for r in rows}
    assert plotted.to_dict() == published

    before = [
        float(r["open"])
        for r in rows
        if r["quarter_end"] < "2020-09-30" and r["quarter_end"] not in ("2020-03-31", "2020-06-30")
    ]
    assert result.segments[0].mean == pytest.approx(sum(before) / len(before))
    assert result.segments[1].start == pd.Timestamp("2020-09-30")
    assert result.reading()  # a sentence for the board, whatever the figures say


def test_options_are_reported_on_the_result():
    result = spc(quarterly([10, 12] * 6), "up_good", options=SpcOptions(min_points=15))
    assert result.options.min_points == 15 and result.short_series


def _line_segments(fig, name="Value"):
    """The (x0, x1) pairs a value line draws, reading its None separators."""
    trace = next((t for t in fig.data if t.name == name), None)
    if trace is None:
        return []
    pairs, previous = [], None
    for x in trace.x:
        if x is not None and previous is not None:
            pairs.append((pd.Timestamp(previous), pd.Timestamp(x)))
        previous = x
    return pairs


def test_the_value_line_breaks_at_a_missing_period_and_the_table_names_it():
    # Q1–Q3 2019, Q4 2019 and Q1 2020 missing, then Q2–Q4 2020.
    index = pd.DatetimeIndex(
        ["2019-03-31", "2019-06-30", "2019-09-30", "2020-06-30", "2020-09-30", "2020-12-31"]
    )
    values = pd.Series([10, 12, 11, 13, 12, 14], index=index, dtype=float)
    result = spc(values, "up_good", unit="count", frequency="quarter")
    fig = spc_chart.create_figure(result, period_label=quarter_label)
    drawn = _line_segments(fig)
    assert (pd.Timestamp("2019-09-30"), pd.Timestamp("2020-06-30")) not in drawn
    assert len(drawn) == 4  # three points before the gap, three after: 2 + 2 joins
    # No line crosses the gap, whichever trace drew it.
    for trace in fig.data:
        if trace.mode == "lines" and trace.name.startswith("Value"):
            for a, b in _line_segments(fig, trace.name):
                assert not (a <= index[2] and b >= index[3])
    table = spc_chart.spc_table(result, period_label=quarter_label)
    assert list(table["Period"]) == [
        "2019 Q1", "2019 Q2", "2019 Q3", "2019 Q4", "2020 Q1", "2020 Q2", "2020 Q3", "2020 Q4"
    ]  # fmt: skip
    missing = table[table["Period"].isin(["2019 Q4", "2020 Q1"])]
    assert set(missing["Value"]) == {"–"} and set(missing["Signal"]) == {"No figure"}
    assert all("Missing period" in note for note in missing["Notes"])


def test_provisional_points_have_their_own_marker_legend_hover_and_note():
    values = quarterly([10, 12, 11, 13, 12, 14, 13, 12, 11, 12, 13, 11, 30, 31])
    result = spc(values, "up_good", unit="count", provisional=values.index[-2:])
    fig = spc_chart.create_figure(result, period_label=quarter_label)
    traces = {t.name: t for t in fig.data}
    provisional = traces["Provisional (still being recorded)"]
    assert list(provisional.x) == list(values.index[-2:])
    assert provisional.marker.symbol == "square-open"
    assert provisional.marker.symbol not in {s for s in spc_chart.SYMBOLS.values()}
    assert all("Provisional: still being recorded" in row[2] for row in provisional.customdata)
    assert provisional.customdata[0][0] == "2022 Q1"
    # The tested markers leave them out; the line into them is dotted.
    tested = sum(len(t.x) for name, t in traces.items() if name in POINT_TYPE_LABELS.values())
    assert tested == 12
    assert _line_segments(fig, "Value (provisional)") == [
        (values.index[11], values.index[12]), (values.index[12], values.index[13])
    ]  # fmt: skip
    assert traces["Value (provisional)"].line.dash == "dot"
    table = spc_chart.spc_table(result, period_label=quarter_label)
    last = table.iloc[-2:]
    assert set(last["Signal"]) == {"Not tested (provisional)"}
    assert all(n.startswith("Provisional: still being recorded") for n in last["Notes"])
    assert "Provisional" not in " ".join(table["Notes"].iloc[:-2])
