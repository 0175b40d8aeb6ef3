"""The Police and Crime Plan configuration and the Force performance page built from it."""

from __future__ import annotations

import csv
import json
from urllib.parse import urlencode

import pandas as pd
import pytest
from dash_tree import tables_in, with_parts_opened

from callbacks import force_page, subgroup
from loaders import plan as plan_config
from loaders.measures import MEASURES


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    title = getattr(component, "title", None)  # a collapsed part's header
    return (
        (title if isinstance(title, str) else "")
        + " "
        + _text(getattr(component, "children", None))
    )


def _whole_page(**query):
    """The Force page with every collapsed part opened through its callback's builder, for the
    same URL (the parts read the board period from it)."""
    search = "?" + urlencode(query) if query else ""
    return with_parts_opened(force_page.force_layout(**query), force_page.build_part, search)


def test_default_plan_is_valid_and_each_measure_answers_one_question():
    plan = plan_config.load_plan(None, MEASURES)
    assert "How safe are our communities?" in [q.question for q in plan.questions]
    assert any(m.startswith("force_") for m in plan.measure_ids())
    assert any(m.startswith("police_") for m in plan.measure_ids())


def test_plan_file_naming_an_unknown_measure_is_refused_by_name(tmp_path):
    path = tmp_path / "plan.json"
    good = {
        "title": "T",
        "questions": [{"id": "q", "question": "Q?", "measures": ["police_crimes"]}],
    }
    path.write_text(json.dumps(good))
    assert plan_config.load_plan(path, MEASURES).measure_ids() == ["police_crimes"]
    good["questions"][0]["measures"].append("police_crimez")
    path.write_text(json.dumps(good))
    with pytest.raises(plan_config.PlanError, match="police_crimez"):
        plan_config.load_plan(path, MEASURES)
    path.write_text(json.dumps({"questions": [{"id": "q"}]}))
    with pytest.raises(plan_config.PlanError, match="malformed"):
        plan_config.load_plan(path, MEASURES)
    path.write_text("{not json")
    with pytest.raises(plan_config.PlanError, match="Cannot read"):
        plan_config.load_plan(path, MEASURES)


def _monthly_totals(values, numerators=None, denominators=None) -> pd.DataFrame:
    """A board.totals frame of one force's consecutive months from October 2024."""
    months = pd.date_range("2024-10-01", periods=len(values), freq="MS")
    return pd.DataFrame(
        {
            "area_code": "A",
            "area_name": "Force A",
            "area_type": "police_force_area",
            "period_start": [m.date() for m in months],
            "period_end": [(m + pd.offsets.MonthEnd(0)).date() for m in months],
            "period_type": "month",
            "value": [float(v) for v in values],
            "numerator": numerators or [None] * len(values),
            "denominator": denominators or [None] * len(values),
        }
    )


def test_quarterly_view_sums_complete_quarters_of_months():
    totals = _monthly_totals([1, 2, 3, 4, 5])
    monthly = plan_config.period_figures(totals, ["A"], "monthly")
    assert monthly["value"].tolist() == [5.0] and monthly["period"].tolist() == ["Feb 2025"]
    quarterly = plan_config.period_figures(totals, ["A"], "quarterly")  # Jan–Mar is incomplete
    assert quarterly["value"].tolist() == [6.0] and quarterly["period"].tolist() == ["Oct–Dec 2024"]


def test_a_quarterly_rate_comes_from_its_months_numerators_and_a_median_forms_no_quarter():
    # 10/20, 30/40 and 1/40 are 50%, 75% and 2.5%: their mean is 42.5%, the quarter's rate 41%.
    rates = _monthly_totals([50, 75, 2.5], [10, 30, 1], [20, 40, 40])
    quarter = plan_config.quarterly_totals(rates, "percent")
    assert quarter["value"].tolist() == [pytest.approx(41.0)]
    assert quarter[["numerator", "denominator"]].values.tolist() == [[41.0, 100.0]]
    assert quarter["period_type"].tolist() == ["quarter"]
    assert str(quarter["period_end"].iloc[0]) == "2024-12-31"
    assert plan_config.quarterly_totals(_monthly_totals([12, 15, 9]), "minutes").empty
    assert plan_config.quarterly_totals(_monthly_totals([1, 2]), "count").empty  # incomplete


def _street_records(public_data_dir, month: str, force: str = "Durham") -> int:
    """A force's records in a month (Durham's unless told), counted from police.uk's own files:
    the monthly street file where one is kept, else the published force-month counts."""
    folder = public_data_dir / "police_uk_street"
    street = folder / f"{month}-{force.lower()}-street.csv"
    if street.exists():
        with street.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    counts = folder / "street_counts_by_force_month_type_outcome_2025H1.csv"
    with counts.open(newline="", encoding="utf-8") as handle:
        return sum(
            int(row["Count"])
            for row in csv.DictReader(handle)
            if row["Month"] == month
            and row["Falls within"]
            == {"Durham": "Durham Constabulary"}.get(force, f"{force} Police")
        )


def test_force_page_figures_equal_the_police_uk_files(app, as_user, public_data_dir):
    assert _street_records(public_data_dir, "2025-01") == 5408
    with as_user("analyst"):
        monthly = _text(_whole_page())
        quarterly = _text(_whole_page(view="quarterly"))
    assert "How safe are our communities?" in monthly
    assert "How efficient is the criminal justice system?" in monthly
    june = _street_records(public_data_dir, "2025-06")
    assert f"{june:,}" in monthly and "Jun 2025" in monthly
    spring = sum(_street_records(public_data_dir, f"2025-{m:02d}") for m in (4, 5, 6))
    assert "Police and Crime Panel (quarterly)" in quarterly
    assert f"{spring:,}" in quarterly and "Apr–Jun 2025" in quarterly


def test_quarterly_view_of_the_real_files_sums_the_january_to_march_street_files(
    app, as_user, public_data_dir
):
    from loaders import board

    with as_user("analyst"):
        rows = force_page.data.observations("police_street_records")
    totals = board.totals(rows, "count")
    totals = totals[pd.to_datetime(totals["period_start"]) < "2025-04-01"]
    quarter = plan_config.period_figures(totals, ["E23000008"], "quarterly")
    expected = sum(_street_records(public_data_dir, f"2025-0{m}") for m in (1, 2, 3))
    assert quarter["value"].tolist() == [expected]
    assert quarter["period"].tolist() == ["Jan–Mar 2025"]


def _section_measures(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        node_id = getattr(node, "id", None)
        if isinstance(node_id, dict) and "measure" in node_id:
            found.add(node_id["measure"])
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


@pytest.fixture
def hmcts_viewer(app):
    """A viewer from HMCTS: the force's restricted extract is not shared with them."""
    from contextlib import contextmanager

    import flask_login

    from loaders import users

    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        if users.find_user(session, "hmcts-viewer") is None:
            users.create_user(
                factory, "hmcts-viewer", "a-hmcts-password-42", role="viewer", organisation="hmcts"
            )

    @contextmanager
    def signed_in():
        with factory() as session:
            user = users.find_user(session, "hmcts-viewer")
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            flask_login.login_user(user)
            yield user

    return signed_in


def test_partner_without_force_rights_gets_no_force_extract_section_or_figure(
    app, as_user, hmcts_viewer
):
    with as_user("analyst"):
        assert "force_victim_satisfaction" in _section_measures(_whole_page())
    with hmcts_viewer():  # HMCTS: the force's restricted extracts are not theirs
        shown = _section_measures(_whole_page())
        assert not {m for m in shown if MEASURES[m].dataset_id == "police_force_extract"}
        refused = subgroup.section_content("force_victim_satisfaction", {})
        assert "do not have access" in _text(refused)


def test_force_page_is_listed_only_for_those_who_may_see_force_data(app, as_user, hmcts_viewer):
    import dash

    from callbacks.permissions import may_open_page

    page = next(p for p in dash.page_registry.values() if p["path"] == "/force-performance")
    with as_user("analyst") as user:
        assert may_open_page(user, page)
    with hmcts_viewer() as user:
        assert not may_open_page(user, page)


def _rows(table) -> list[list[str]]:
    """The body rows of a data_table as cell texts."""
    return tables_in(table)[0]["rows"][1:]


def test_every_measure_table_and_summaries_follow_the_quarterly_view(app, as_user, public_data_dir):
    def spring(force: str) -> int:
        return sum(_street_records(public_data_dir, f"2025-{m:02d}", force) for m in (4, 5, 6))

    def june(force: str) -> int:
        return _street_records(public_data_dir, "2025-06", force)

    title = MEASURES["police_street_records"].title
    with as_user("analyst"):
        monthly = {r[0]: r for r in _rows(force_page.update_force_table({"view": "monthly"}))}
        quarterly = {r[0]: r for r in _rows(force_page.update_force_table({"view": "quarterly"}))}
        forged = {r[0]: r for r in _rows(force_page.update_force_table({"view": "yearly"}))}
        summary = subgroup.section_content(
            "police_street_records", {"view": "quarterly", "area": "E23000013"}
        )[1]
        lcjp_summary = subgroup.section_content("police_street_records", {"view": "quarterly"})[1]
        monthly_summary = subgroup.section_content("police_street_records", {})[1]
    lcjp_quarter = spring("Durham") + spring("Cleveland")
    # The partnership row: the latest complete quarter, summed from the police.uk files' months.
    assert quarterly[title][1:4] == [
        "Durham & Cleveland LCJP",
        "Apr–Jun 2025, the latest complete quarter",
        f"{lcjp_quarter:,}",
    ]
    assert monthly[title][2:4] == ["Jun 2025", f"{june('Durham') + june('Cleveland'):,}"]
    assert forged == monthly  # a forged board period falls back to the monthly view
    # Rates are re-derived from the quarter's months as well, so the figure changes too.
    charged = MEASURES["police_charged_share"].title
    assert quarterly[charged][2].startswith("Apr–Jun 2025")
    assert quarterly[charged][3] != monthly[charged][3]
    assert summary.startswith(f"Cleveland: {spring('Cleveland'):,} in Apr–Jun 2025")
    assert "Monthly SPC reading" in summary
    assert lcjp_summary.startswith(f"Durham & Cleveland LCJP: {lcjp_quarter:,} in Apr–Jun 2025")
    assert f"{june('Durham') + june('Cleveland'):,} in Jun 2025" in monthly_summary


def test_the_force_page_carries_its_board_period_into_sections_and_drill_downs(app, as_user):
    with as_user("analyst"):
        page = _whole_page(view="quarterly")
    stores = []
    stack = [page]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        node_id = getattr(node, "id", None)
        if isinstance(node_id, dict) and node_id.get("type") == "measure-state":
            stores.append(node.data)
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    assert stores and all(state["view"] == "quarterly" for state in stores)
    search = subgroup._search("police_crimes", {"area": "E23000008", "view": "quarterly"})
    assert "view=quarterly" in search and "area=E23000008" in search
    assert "view=" not in subgroup._search("police_crimes", {"view": "monthly"})


def test_a_measure_with_no_complete_quarter_keeps_its_latest_month():
    from loaders import board

    def view_of(measure_id: str, values) -> board.MeasureView:
        totals = _monthly_totals(values)
        view = board.MeasureView(MEASURES[measure_id], totals, level="force", focus_codes=["A"])
        view.headlines = {"A": board.headline(totals, "A")}
        return view

    median = view_of("force_emergency_response_median_minutes", [12, 15, 9])
    assert subgroup.board_period_view(median, "A", "quarterly") == (median, False)
    counts = view_of("police_crimes", [12, 15, 9])
    shown, quarterly = subgroup.board_period_view(counts, "A", "quarterly")
    assert quarterly and shown.headlines["A"].value == 36.0
    assert shown.headlines["A"].period_type == "quarter"
    assert subgroup.board_period_view(counts, "A", "monthly") == (counts, False)
    short = view_of("police_crimes", [12, 15])
    assert subgroup.board_period_view(short, "A", "quarterly") == (short, False)
