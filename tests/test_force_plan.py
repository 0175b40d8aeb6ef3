"""The Police and Crime Plan configuration and the Force performance page built from it."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

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
    return _text(getattr(component, "children", None))


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


def test_quarterly_view_sums_complete_quarters_of_months():
    months = pd.date_range("2024-10-01", periods=5, freq="MS")
    totals = pd.DataFrame(
        {
            "area_code": "A",
            "area_name": "Force A",
            "period_start": months,
            "period_type": "month",
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    monthly = plan_config.period_figures(totals, ["A"], "monthly")
    assert monthly["value"].tolist() == [5.0] and monthly["period"].tolist() == ["Feb 2025"]
    quarterly = plan_config.period_figures(totals, ["A"], "quarterly")  # Jan–Mar is incomplete
    assert quarterly["value"].tolist() == [6.0] and quarterly["period"].tolist() == ["Oct–Dec 2024"]


def _durham_street_records(public_data_dir, month: str) -> int:
    """Durham's records in a month, counted from police.uk's own files: the monthly street file
    where one is kept, else the published force-month counts."""
    folder = public_data_dir / "police_uk_street"
    street = folder / f"{month}-durham-street.csv"
    if street.exists():
        with street.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    counts = folder / "street_counts_by_force_month_type_outcome_2025H1.csv"
    with counts.open(newline="", encoding="utf-8") as handle:
        return sum(
            int(row["Count"])
            for row in csv.DictReader(handle)
            if row["Month"] == month and row["Falls within"] == "Durham Constabulary"
        )


def test_force_page_figures_equal_the_police_uk_files(app, as_user, public_data_dir):
    assert _durham_street_records(public_data_dir, "2025-01") == 5408
    with as_user("analyst"):
        monthly = _text(force_page.force_layout())
        quarterly = _text(force_page.force_layout(view="quarterly"))
    assert "How safe are our communities?" in monthly
    assert "How efficient is the criminal justice system?" in monthly
    june = _durham_street_records(public_data_dir, "2025-06")
    assert f"{june:,}" in monthly and "Jun 2025" in monthly
    spring = sum(_durham_street_records(public_data_dir, f"2025-{m:02d}") for m in (4, 5, 6))
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
    expected = sum(_durham_street_records(public_data_dir, f"2025-0{m}") for m in (1, 2, 3))
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
        assert "force_victim_satisfaction" in _section_measures(force_page.force_layout())
    with hmcts_viewer():  # HMCTS: the force's restricted extracts are not theirs
        shown = _section_measures(force_page.force_layout())
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
