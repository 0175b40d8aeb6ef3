"""E&E's courts (callbacks/courts.py): the courts first, each court's page, the backlog forecast
and the collapsed parts built when opened; figures equal the published files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from dash_tree import find_by_id, tables_in, text_of, walk

from callbacks import courts, effectiveness
from layouts import court as court_layout
from layouts import ids

CCSQ = "ccsq_crown_court"


def _rows(public_data_dir: Path, name: str) -> list[dict]:
    with open(public_data_dir / CCSQ / name) as handle:
        return list(csv.DictReader(handle))


def _north_east_courts(public_data_dir: Path) -> list[str]:
    return sorted(
        r["court"]
        for r in _rows(public_data_dir, "gold_backlog_by_court.csv")
        if r["region"] == "North East" and r["court"] != "Unknown"
    )


def test_ee_opens_on_its_own_courts_from_presented_figures(as_user, public_data_dir):
    with as_user("viewer"):
        block = courts.update_court_block({})
    by_court = {r["court"]: r for r in _rows(public_data_dir, "gold_backlog_by_court.csv")}
    ratio = {r["court"]: r for r in _rows(public_data_dir, "gold_court_backlog_ratio.csv")}
    for code, court in (("cc-teesside", "Teesside"), ("cc-durham", "Durham")):
        section = find_by_id(block, f"court-{code}")
        assert section is not None, court
        value = text_of(find_by_id(section, f"tile-crown_open_cases-{code}-value"))
        assert value.startswith(f"{float(by_court[court]['open_latest']):,.0f}")
        years = text_of(find_by_id(section, f"tile-crown_backlog_years-{code}-value"))
        assert years.startswith(f"{float(ratio[court]['years_of_backlog']):.2f} years")
        # Each court's tiles open its own page.
        hrefs = {c.href for c in walk(section) if type(c).__name__ == "Link"}
        assert hrefs == {f"/effectiveness-efficiency/court/{code.upper()}"}
    teesside = text_of(find_by_id(block, "court-cc-teesside"))
    assert "0.69 years" in teesside
    assert "Up 272 (+21.3%) on a year ago" in teesside  # 1,548 against 1,276
    listed = ", ".join(_north_east_courts(public_data_dir))
    assert f"North East region (HMCTS): {listed}" in teesside
    assert "Leeds" in listed and "Sheffield" in listed
    context = find_by_id(block, "ee-context")
    assert text_of(find_by_id(context, "tile-crown_open_cases-k04000001-value")).startswith(
        "80,203"
    )
    share = next(
        r
        for r in _rows(public_data_dir, "gold_oldest_by_region.csv")
        if r["region"] == "North East" and r["quarter_end"] == "2025-12-31"
    )
    region_tile = text_of(find_by_id(context, "tile-crown_open_1yr_share-hmcts-north-east-value"))
    assert region_tile.startswith(f"{float(share['share_1yr_plus']) * 100:.1f}%")
    assert "Yorkshire and the Humber" in text_of(context)


def test_each_court_has_its_trend_from_every_source_with_one(as_user, public_data_dir):
    with as_user("viewer"):
        blocks = courts.update_court_trends({})
    teesside = find_by_id(blocks, "court-trend-cc-teesside")
    (trace,) = teesside.figure.data
    assert trace.name == courts.CCSQ_SOURCE and list(trace.y) == [1276.0, 1548.0]
    text = text_of(blocks)
    assert "Teesside: 1,548 open at the end of 2025 Q4" in text
    assert "no HMCTS management information for Teesside has been submitted" in text
    caption = [t for t in tables_in(blocks) if t["caption"] == "Open cases at Teesside, by source"]
    assert caption[0]["rows"][1][:3] == ["2025 Q4", courts.CCSQ_SOURCE, "1,548"]


def test_the_court_page_names_its_region_with_the_courts_it_holds(as_user, public_data_dir):
    with as_user("viewer"):
        page = courts.court_layout(court="CC-TEESSIDE")
        region, tiles, *charts = courts.update_court_page({"court": "CC-TEESSIDE"})
    heading = find_by_id(page, ids.PAGE_HEADING)
    assert text_of(heading) == "Teesside Crown Court" and heading.tabIndex == "-1"
    back = [c for c in walk(page) if type(c).__name__ == "Link"][0]
    assert back.href == "/effectiveness-efficiency#ee-courts" and "Back" in text_of(back)
    listed = ", ".join(_north_east_courts(public_data_dir))
    assert f"North East region (HMCTS): {listed}." in text_of(region)
    assert "Yorkshire and the Humber" in text_of(region)
    assert text_of(find_by_id(tiles, "tile-crown_backlog_years-cc-teesside-value")).startswith(
        "0.69 years"
    )
    opened, flows, age, similar, in_region = (charts[i : i + 4] for i in range(0, 20, 4))
    assert list(opened[0].data[0].y) == [1276.0, 1548.0]
    assert "No receipts or disposals by month for Teesside" in flows[1]
    assert "2,259" in flows[1]  # its disposals over four quarters, from the backlog ratio file
    assert {t.name for t in age[0].data} == {"North East", "England and Wales"}
    assert "published by region, not for each court" in age[1]
    assert "◆ Teesside" in similar[0].layout.yaxis.ticktext
    assert len(similar[0].data[0].y) == 7 and "rank" in similar[1]
    region_bars = dict(zip(in_region[0].data[0].y, in_region[0].data[0].x, strict=True))
    assert sorted(region_bars) == _north_east_courts(public_data_dir)
    assert region_bars["Teesside"] == 1548
    assert in_region[1].startswith("The North East region (HMCTS) had ")
    assert "Teesside held 1,548 of them (14%), and is the region's median court." in in_region[1]


def test_an_unknown_court_gets_a_plain_page_and_no_figures(as_user):
    with as_user("viewer"):
        page = courts.court_layout(court="E23000001' OR 1=1")
        outputs = courts.update_court_page({"court": "E23000001' OR 1=1"})
    assert "not in the latest release" in text_of(page)
    assert "You do not have access" in text_of(outputs[1]) or outputs[0] == ""


def test_national_forecast_with_its_fan_table_and_what_if(as_user):
    with as_user("viewer"):
        fig, summary, table, source, what_if, options, chosen = courts.update_forecast(
            "national", "8", ""
        )
    assert summary.startswith("England and Wales: 80,203 open cases at the end of 2025 Q4.")
    assert "80% interval" in summary and "not within the forecast horizon" in summary
    names = [t.name for t in fig.data]
    assert names[0] == "Open cases (actual)" and "Forecast: median (dashed)" in names
    dashes = {t.name: t.line.dash for t in fig.data}
    assert "2025 Q4" in fig.layout.xaxis.ticktext
    assert dashes["Forecast: median (dashed)"] == "dash"
    assert dashes["80% interval (shaded, dotted edges)"] == "dot"
    assert [o["label"] for o in options] == ["2026 Q4", "2027 Q4", "2028 Q4", "2029 Q4"]
    assert chosen == "2027-12-31"
    assert what_if.startswith(
        "To be back to 2019 Q4's level (38,108 open cases) by 2027 Q4, England and Wales would "
        "need to dispose of about "
    )
    (tab,) = tables_in(table)
    assert tab["rows"][0][:5] == ["Quarter", "Kind", "Receipts", "Disposals", "Open cases"]
    assert tab["rows"][8][:5] == ["2025 Q4", "Actual", "29,482", "28,812", "80,203"]
    assert tab["rows"][-1][0] == "2027 Q4"
    assert "Ministry of Justice" in text_of(source)


def test_a_court_forecast_says_plainly_when_it_cannot_be_made(as_user):
    with as_user("viewer"):
        _fig, summary, *_rest = courts.update_forecast("CC-TEESSIDE", "8", "")
        partnership = courts.update_forecast("partnership", "8", "")[1]
        forged = courts.update_forecast("CC-LEEDS", "8", "")[1]
        court_page = courts.update_court_forecast({"court": "CC-DURHAM"}, "6", "")[1]
    assert summary.startswith(
        "No forecast for Teesside: it needs at least 8 quarters of receipts and disposals for "
        "Teesside"
    )
    assert partnership.startswith("No forecast for the partnership's courts (Durham and Teesside)")
    assert forged.startswith("England and Wales:")  # not an option here: the national figure
    assert court_page.startswith("No forecast for Durham: it needs at least 8 quarters")


def test_demo_court_returns_are_enough_for_a_court_forecast(tmp_path):
    """loaders/demo data: HMCTS MI for Teesside, monthly since 2019, summed to quarters."""
    from datetime import date

    from loaders.submissions import demo_returns
    from presented import forecast

    (path,) = [
        p
        for p in demo_returns.write_demo_returns(tmp_path, today=date(2026, 1, 15))
        if "hmcts_crown_mi" in str(p)
    ]
    rows = pd.read_csv(path)
    teesside = rows[rows["area_code"] == "CC-TEESSIDE"]
    ends = pd.PeriodIndex(teesside["month"], freq="M").end_time.normalize()

    def frame(column):
        return pd.DataFrame({"period_end": ends, "value": teesside[column].astype(float)})

    quarterly = forecast.monthly_to_quarterly(
        frame("outstanding"), frame("receipts"), frame("disposals")
    )
    assert quarterly["period_end"].iloc[0] == pd.Timestamp("2019-03-31")
    assert quarterly["period_end"].iloc[-1] == pd.Timestamp("2025-12-31")
    fc = forecast.forecast(quarterly, "Teesside", 8)
    assert fc.can_forecast and fc.baseline is not None and len(fc.fan) == 8
    assert forecast.what_if(fc, date(2027, 12, 31)).sentence.startswith(
        "To be back to 2019 Q4's level"
    )


def _clicked(prop_id: str, value):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    return context_value.set(
        AttributeDict(
            triggered_inputs=[{"prop_id": prop_id, "value": value}],
        )
    )


@pytest.mark.parametrize(
    "prop_id, value",
    [
        (f"{ids.graph(ids.EE_COURTS)}.clickData", {"points": [{"customdata": "CC-TEESSIDE"}]}),
        (f"{ids.EE_COURT_PICKER}.value", "CC-TEESSIDE"),
        (
            f"{ids.graph(court_layout.COURT_SIMILAR)}.clickData",
            {"points": [{"customdata": "CC-TEESSIDE"}]},
        ),
    ],
)
def test_a_bar_or_the_picker_opens_the_courts_page(as_user, prop_id, value):
    from dash._callback_context import context_value

    token = _clicked(prop_id, value)
    try:
        with as_user("viewer"):
            assert courts.open_court(value, None) == "/effectiveness-efficiency/court/CC-TEESSIDE"
    finally:
        context_value.reset(token)


def test_the_courts_table_links_each_court_to_its_page(as_user):
    with as_user("viewer"):
        _fig, _summary, table, _source, _options = effectiveness.update_courts({})
    (tab,) = tables_in(table)
    assert tab["links"]["Teesside"] == "/effectiveness-efficiency/court/CC-TEESSIDE"


def test_collapsed_parts_are_built_only_when_opened(as_user):
    with as_user("viewer"):
        page = courts.ee_layout()
        first = courts.open_parts(["national"], [], "")
        again = courts.open_parts(["national", "courts"], first[-1], "")
    from dash import no_update

    # The first screen holds the courts; nothing collapsed is built yet.
    assert find_by_id(page, court_layout.EE_COURT_BLOCK) is not None
    assert find_by_id(page, ids.graph(ids.EE_TREND)) is None
    titles = [item.title for item in find_by_id(page, court_layout.EE_MORE).children]
    assert titles[2].startswith("Open cases by Crown Court centre (") and "courts)" in titles[2]
    parts = dict(zip(court_layout.LAZY_PARTS, first[:-1], strict=True))
    assert find_by_id(parts["national"], ids.graph(ids.EE_TREND)) is not None
    assert parts["courts"] is no_update and first[-1] == ["national"]
    parts = dict(zip(court_layout.LAZY_PARTS, again[:-1], strict=True))
    assert parts["national"] is no_update  # built once
    assert find_by_id(parts["courts"], ids.graph(ids.EE_COURTS)) is not None
    assert again[-1] == ["national", "courts"]


def test_a_measure_link_opens_its_section_already_built(as_user):
    with as_user("viewer"):
        page = courts.ee_layout(measure="crown_offence_to_completion_median")
    assert find_by_id(page, "section-crown_offence_to_completion_median") is not None
    assert find_by_id(page, court_layout.EE_MORE).active_item == ["sections"]


def test_old_drill_down_urls_point_to_the_court_page(as_user):
    with as_user("viewer"):
        page = courts.ee_layout(court="CC-TEESSIDE")
    links = [c.href for c in walk(page) if type(c).__name__ == "Link"]
    assert "/effectiveness-efficiency/court/CC-TEESSIDE" in links


def test_the_partnership_forecast_sums_its_courts_over_the_quarters_all_have(as_user, monkeypatch):
    ends = pd.date_range("2019-12-31", periods=10, freq="QE")

    def flows(code):
        scale = 1.0 if code == "CC-TEESSIDE" else 0.4
        frame = pd.DataFrame(
            {
                "period_end": ends,
                "open": [1000.0 * scale + 10 * i for i in range(10)],
                "receipts": [300.0 * scale + (i % 3) for i in range(10)],
                "disposals": [290.0 * scale + (i % 2) for i in range(10)],
            }
        )
        if code == "CC-DURHAM":
            frame = frame.iloc[1:]  # Durham's return starts a quarter later
        return frame, courts.MI_SOURCE

    monkeypatch.setattr(courts, "court_flows", flows)
    with as_user("viewer"):
        fc, _source = courts.forecast_for(courts.PARTNERSHIP, 4)
    assert fc.area_name == "the partnership's courts (Durham and Teesside)"
    assert fc.summary.startswith("The partnership's courts (Durham and Teesside): 1,580 open")
    assert len(fc.history) == 9 and fc.history["period_end"].iloc[0] == ends[1]
    assert fc.last_open == pytest.approx((1000 + 90) + (400 + 90))
    assert fc.can_forecast and len(fc.fan) == 4
    assert fc.baseline is None and "no 2019 Q4 figure" in fc.return_text
