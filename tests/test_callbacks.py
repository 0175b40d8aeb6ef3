"""Callbacks called directly as a signed-in user: figures on screen equal the published files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dash.exceptions import PreventUpdate
from dash_tree import find_by_id, text_of

from callbacks import courts, effectiveness, police, subgroup


def _court_row(public_data_dir: Path, court: str) -> dict:
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_by_court.csv") as handle:
        return next(r for r in csv.DictReader(handle) if r["court"] == court)


def test_tiles_equal_the_published_court_and_national_figures(as_user, public_data_dir):
    with as_user("viewer"):
        court_tiles = courts.update_court_block({})
    teesside = _court_row(public_data_dir, "Teesside")
    durham = _court_row(public_data_dir, "Durham")
    value = text_of(find_by_id(court_tiles, "tile-crown_open_cases-cc-teesside-value"))
    assert value.startswith("1,548")
    assert float(teesside["open_latest"]) == 1548
    assert text_of(find_by_id(court_tiles, "tile-crown_open_cases-cc-durham-value")).startswith(
        f"{float(durham['open_latest']):,.0f}"
    )
    change = text_of(find_by_id(court_tiles, "tile-crown_open_cases-cc-teesside-change"))
    delta = float(teesside["open_latest"]) - float(teesside["open_year_ago"])
    assert f"{abs(delta):,.0f}" in change and ("Up" if delta > 0 else "Down") in change
    assert "worse" in change if delta > 0 else "better" in change
    national = find_by_id(court_tiles, "tile-crown_open_cases-k04000001-value")
    assert text_of(national).startswith("80,203")
    with open(public_data_dir / "ccsq_crown_court" / "gold_oldest_by_region.csv") as handle:
        north_east = [
            r
            for r in csv.DictReader(handle)
            if r["region"] == "North East" and r["quarter_end"] == "2025-12-31"
        ][0]
    share = text_of(find_by_id(court_tiles, "tile-crown_open_1yr_share-hmcts-north-east-value"))
    assert share.startswith(f"{float(north_east['share_1yr_plus']) * 100:.1f}%")
    comparison = text_of(
        find_by_id(court_tiles, "tile-crown_open_1yr_share-hmcts-north-east-comparison")
    )
    assert "England & Wales (27.7%)" in comparison


def test_national_trend_matches_the_trajectory_file(as_user, public_data_dir):
    with as_user("analyst"):
        figure, summary, table, source = effectiveness.update_trend({})
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv") as handle:
        rows = list(csv.DictReader(handle))
    traces = {t.name: t for t in figure.data}
    assert list(traces) == ["Receipts", "Disposals", "Open cases"]
    assert list(traces["Open cases"].y) == [float(r["open"]) for r in rows]
    assert list(traces["Receipts"].y) == [float(r["receipts"]) for r in rows]
    assert "80,203 cases were open" in summary
    assert "2025 Q4" in text_of(table)
    assert "Ministry of Justice" in text_of(source)


def test_courts_chart_highlights_the_lcjp_courts_and_marks_the_median(as_user, public_data_dir):
    with as_user("viewer"):
        figure, summary, table, _source, options = effectiveness.update_courts({})
    bar = figure.data[0]
    values = dict(zip(bar.y, bar.x, strict=True))
    assert values["Teesside"] == 1548 and values["Durham"] == 506
    assert "Unknown" not in values
    ticks = dict(zip(figure.layout.yaxis.tickvals, figure.layout.yaxis.ticktext, strict=True))
    assert (
        ticks["Teesside"] == "◆ Teesside" and ticks["Newcastle Upon Tyne"] == "Newcastle Upon Tyne"
    )
    with open(public_data_dir / "ccsq_crown_court" / "gold_backlog_by_court.csv") as handle:
        named = sorted(
            float(r["open_latest"])
            for r in csv.DictReader(handle)
            if r["court"] != "Unknown" and r["open_latest"]
        )
    middle = len(named) // 2
    median = named[middle] if len(named) % 2 else (named[middle - 1] + named[middle]) / 2
    assert figure.layout.shapes[0].x0 == median
    assert "Teesside has 1,548 open cases" in summary
    assert {"label": "Teesside", "value": "CC-TEESSIDE"} in options
    assert "/effectiveness-efficiency/court/CC-TEESSIDE" in str(table)


def test_timeliness_section_compares_the_region_with_england_and_wales(as_user, public_data_dir):
    with as_user("viewer"):
        _badges, summary, _crumbs, trend, compare, *_rest = subgroup.section_content(
            "crown_offence_to_completion_median", {}
        )
    with open(public_data_dir / "ccsq_crown_court" / "gold_timeliness_by_region.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["region"] == "North East"]
    traces = {t.name: t for t in compare.data}
    assert list(traces["North East"].y) == [float(r["offence_to_completion_median"]) for r in rows]
    assert "England and Wales" in traces
    values = [y for t in trend.data if t.name == "Value" for y in t.y]
    assert values == [float(r["offence_to_completion_median"]) for r in rows]
    assert summary.startswith(
        f"North East: {float(rows[-1]['offence_to_completion_median']):,.0f} days"
    )


def test_police_crime_by_month_equals_the_street_file(as_user, public_data_dir):
    with as_user("viewer"):
        figure, summary, table, _source, _crumbs = police.update_crime({"force": "E23000008"})
    january = sum(
        y for trace in figure.data for x, y in zip(trace.x, trace.y, strict=True) if x == "Jan 2025"
    )
    with open(public_data_dir / "police_uk_street" / "2025-01-durham-street.csv") as handle:
        assert january == sum(1 for _ in csv.DictReader(handle)) == 5408
    assert "Durham" in summary


def test_police_drill_to_a_crime_type_shows_its_outcomes(as_user, public_data_dir):
    with as_user("analyst"):  # the OPCC sees every count; a partner sees small ones withheld
        figure, _summary, _table, _source, crumbs = police.update_crime(
            {"force": "E23000013", "crime_type": "Burglary"}
        )
    with open(public_data_dir / "police_uk_street" / "2025-01-cleveland-street.csv") as handle:
        burglary = sum(1 for r in csv.DictReader(handle) if r["Crime type"] == "Burglary")
    january = sum(
        y for trace in figure.data for x, y in zip(trace.x, trace.y, strict=True) if x == "Jan 2025"
    )
    assert january == burglary
    assert "Burglary" in text_of(crumbs)


def test_police_forged_force_falls_back_to_an_lcjp_force(as_user):
    with as_user("viewer"):
        _figure, summary, *_ = police.update_crime({"force": "E23000001"})
    assert "Durham" in summary


def test_outcome_mix_ranks_forces_from_the_counts_file(as_user, public_data_dir):
    with as_user("viewer"):
        figure, summary, _table, _source = police.update_outcomes(
            {"outcome": "Unable to prosecute suspect"}
        )
    totals, unable = 0, 0
    with open(
        public_data_dir
        / "police_uk_street"
        / "street_counts_by_force_month_type_outcome_2025H1.csv"
    ) as handle:
        for row in csv.DictReader(handle):
            if (
                row["Falls within"] == "Durham Constabulary"
                and row["Crime type"] != "Anti-social behaviour"
            ):
                totals += int(row["Count"])
                unable += int(row["Last outcome category"] == "Unable to prosecute suspect") * int(
                    row["Count"]
                )
    shares = dict(zip(figure.data[0].y, figure.data[0].x, strict=True))
    assert shares["Durham"] == pytest.approx(100 * unable / totals)
    assert f"n = {totals:,}" in summary


def test_callbacks_refuse_anonymous_requests(app):
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        with pytest.raises(PreventUpdate):
            subgroup.update_tiles({"subgroup": "effectiveness-efficiency"})
        with pytest.raises(PreventUpdate):
            police.update_outcomes({})
        for call in (
            lambda: courts.update_court_block({}),
            lambda: courts.update_court_trends({}),
            lambda: courts.update_forecast("national", "8", ""),
            lambda: courts.update_court_page({"court": "CC-TEESSIDE"}),
            lambda: courts.update_court_forecast({"court": "CC-TEESSIDE"}, "8", ""),
            lambda: courts.open_parts(["sections"], [], ""),
        ):
            with pytest.raises(PreventUpdate):
                call()
