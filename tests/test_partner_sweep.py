"""A partner must never read, or work out, a withheld figure: every measure, every renderer.

The app here withholds counts below 5,300 (instead of 10), so that on the real police.uk files
some of Durham's months, Durham's crime types and the partnership totals built from them are
withheld from a partner. Every renderer a partner or a partner audience meets is then searched
for those figures: page sections (summary, tables, charts, breadcrumbs), tiles, the "Every
measure" table, meeting briefs, a pack for a partner audience (PDF text, PPTX text, XLSX cells)
and the figures API (JSON and CSV).
"""

from __future__ import annotations

import io
import json
import re
from contextlib import contextmanager

import flask_login
import openpyxl
import pandas as pd
import pytest
from conftest import TEST_USER_RIGHTS, TEST_USERS, AuthActions
from dash_tree import text_of, walk
from pptx import Presentation
from pypdf import PdfReader

from callbacks import briefs, data, packs, presenting, subgroup
from callbacks.permissions import can_view_measure
from layouts.packs.pdf import pack_pdf
from layouts.packs.slides import pack_pptx
from layouts.packs.workbook import pack_xlsx
from loaders import users
from loaders.measures import MEASURES
from presented.words import format_value

THRESHOLD = 5_300
DURHAM, CLEVELAND = "E23000008", "E23000013"


@pytest.fixture(scope="module")
def small_app(databases, tmp_path_factory, public_data_dir):
    from app import create_app
    from config import Settings

    settings = Settings(
        database_url=databases.new(),
        secret_key="test-secret-key",
        public_data_dir=public_data_dir,
        instance_dir=tmp_path_factory.mktemp("sweep"),
        refresh_on_start=True,
        testing=True,
        suppression_threshold=THRESHOLD,
    ).resolved()
    dash_app = create_app(settings)
    factory = dash_app.server.extensions["lcjp"].session_factory
    for role in ("analyst", "member"):
        username, password = TEST_USERS[role]
        organisation, groups = TEST_USER_RIGHTS[role]
        users.create_user(
            factory, username, password, role=role, organisation=organisation, subgroups=groups
        )
    return dash_app


@contextmanager
def signed_in(app, role: str):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, TEST_USERS[role][0])
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        yield user


def _partner_measures(app) -> list[str]:
    with signed_in(app, "member") as member:
        return [
            m
            for m, spec in MEASURES.items()
            if spec.unit == "count" and can_view_measure(member, m)
        ]


@pytest.fixture(scope="module")
def withheld(small_app) -> dict[str, set[float]]:
    """Per measure, every count a partner may not see or derive: small ones, and partnership
    totals in a period where one of its forces is small (the total less the other force)."""
    found: dict[str, set[float]] = {}
    with signed_in(small_app, "analyst"):
        plan = presenting.plan()
        for measure_id in _partner_measures(small_app):
            view = data.measure_view(MEASURES[measure_id], plan)
            totals = view.totals
            small = totals[(totals["value"] > 0) & (totals["value"] < THRESHOLD)]
            values = set(small["value"].astype(float))
            members = totals[totals["area_code"].isin(plan.forces)]
            small_periods = set(members.loc[members["value"] < THRESHOLD, "period_end"])
            lcjp = totals[
                (totals["area_code"] == plan.lcjp_code) & totals["period_end"].isin(small_periods)
            ]
            values |= set(lcjp["value"].astype(float))
            found[measure_id] = {v for v in values if v >= 1_000}
    assert any(found.values()), "the threshold should withhold some real figures"
    assert any(v > 10_000 for vs in found.values() for v in vs), "and some partnership totals"
    return found


def _pattern(values: set[float]) -> re.Pattern | None:
    texts = sorted({format_value(v, "count") for v in values} | {f"{v:.0f}" for v in values})
    if not texts:
        return None
    return re.compile(r"(?<![\d,.])(" + "|".join(re.escape(t) for t in texts) + r")(?![\d,])")


def _numbers(obj) -> list[float]:
    """Every number inside a figure or JSON structure."""
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int | float):
        return [float(obj)]
    if isinstance(obj, dict):
        return [n for v in obj.values() for n in _numbers(v)]
    if isinstance(obj, list | tuple):
        return [n for v in obj for n in _numbers(v)]
    if hasattr(obj, "tolist"):
        return _numbers(obj.tolist())
    return []


# A pack's reference ("PCP-20261205-174203-ad1432") ends in random hex that can spell a figure.
_PACK_REFERENCE = re.compile(r"\b[A-Z]+-\d{8}-\d{6}-[0-9a-f]+\b")


def _assert_hidden(where: str, text: str, numbers: list[float], values: set[float]):
    text = _PACK_REFERENCE.sub("", text)
    pattern = _pattern(values)
    if pattern is not None:
        match = pattern.search(text)
        assert match is None, f"{where}: withheld figure {match.group(0)} shown"
    leaked = values & set(numbers)
    assert not leaked, f"{where}: withheld figure(s) {sorted(leaked)[:3]} in the chart data"


def _figure_numbers(figure) -> list[float]:
    if not figure:
        return []
    as_dict = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure
    return _numbers(as_dict.get("data", []))


def test_page_sections_tiles_and_tables_never_show_a_withheld_figure(small_app, withheld):
    with signed_in(small_app, "member") as member:
        for measure_id, values in withheld.items():
            for state in ({}, {"area": DURHAM}, {"area": CLEVELAND}):
                parts = subgroup.section_content(measure_id, state)
                badges, summary, crumbs, trend, compare, tables, source, map_fig, *_ = parts
                text = " ".join(text_of(p) for p in (badges, summary, crumbs, tables, source))
                hover = json.dumps(
                    [_figure_json(f) for f in (trend, compare, map_fig)], default=str
                )
                numbers = sum((_figure_numbers(f) for f in (trend, compare, map_fig)), [])
                _assert_hidden(f"{measure_id} {state}", text + hover, numbers, values)
        tiles = subgroup.update_tiles({"subgroup": "police-demand"})
        table = subgroup.measure_table(
            member, [MEASURES[m] for m in withheld], "Every measure of this group"
        )
        overview = subgroup.update_overview({})
        everything = set().union(*withheld.values())
        _assert_hidden("tiles and table", text_of(tiles) + text_of(table), [], everything)
        sparklines = [c.figure for c in walk(overview) if type(c).__name__ == "Graph"]
        numbers = sum((_figure_numbers(f) for f in sparklines), [])
        _assert_hidden("overview and its sparklines", text_of(overview), numbers, everything)


def _figure_json(figure):
    if not figure:
        return {}
    return figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure


def test_meeting_briefs_never_show_a_withheld_figure(small_app, withheld):
    with signed_in(small_app, "member"):
        for measure_id, values in withheld.items():
            brief = briefs.measure_brief(measure_id)
            text = " ".join(
                [brief.summary, brief.reading, json.dumps(brief.texts), brief.table.to_csv()]
            )
            _assert_hidden(measure_id, text, _figure_numbers(brief.figure), values)


def test_a_pack_for_a_partner_audience_never_holds_a_withheld_figure(small_app, withheld):
    """The Police and Crime Panel is public: its pack withholds small counts even when the OPCC
    generates it. Its PDF text, slides and workbook cells are all searched."""
    everything = set().union(*withheld.values())
    with signed_in(small_app, "analyst") as analyst:
        content, figures = packs.assemble("police-crime-panel", analyst)
    assert content["small_numbers_hidden"]
    pdf = PdfReader(io.BytesIO(pack_pdf(content, {})))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    deck = Presentation(io.BytesIO(pack_pptx(content, {})))
    slide_text = " ".join(
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx(content)))
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    cell_numbers = [float(c) for c in cells if isinstance(c, int | float)]
    cell_text = " ".join(str(c) for c in cells if isinstance(c, str))
    chart_numbers = sum((_figure_numbers(f) for f in figures.values()), [])
    _assert_hidden("pack PDF", pdf_text, [], everything)
    _assert_hidden("pack slides", slide_text, [], everything)
    _assert_hidden("pack workbook", cell_text, cell_numbers, everything)
    _assert_hidden("pack charts", "", chart_numbers, everything)


def test_the_api_never_returns_a_withheld_figure(small_app, withheld):
    client = small_app.server.test_client()
    AuthActions(client).login("member")
    for measure_id, values in withheld.items():
        for area in ("", DURHAM, CLEVELAND):
            query = f"?area={area}" if area else ""
            answer = client.get(f"/api/v1/measures/{measure_id}{query}")
            assert answer.status_code == 200, (measure_id, area, answer.get_data(as_text=True))
            body = answer.get_json()
            points = pd.DataFrame(body["points"])
            assert points.loc[points["suppressed"], "value"].isna().all()
            _assert_hidden(f"API {measure_id} {area}", "", _numbers(body), values)
            csv = client.get(f"/api/v1/measures/{measure_id}{query}&format=csv".replace("?&", "?"))
            if not query:
                csv = client.get(f"/api/v1/measures/{measure_id}?format=csv")
            assert csv.status_code == 200
            _assert_hidden(f"API CSV {measure_id} {area}", csv.get_data(as_text=True), [], values)


def test_the_police_cards_withhold_small_crime_type_counts(small_app):
    from callbacks import police
    from layouts.cards import police_crime_trend

    with signed_in(small_app, "analyst"):
        every = police_crime_trend.process_data(police._records(area_codes=[DURHAM]))
    small = every[(every["value"] >= 1_000) & (every["value"] < THRESHOLD)]
    values = set(small["value"].astype(float))
    assert values, "some of Durham's monthly crime-type counts fall under the threshold"
    with signed_in(small_app, "member"):
        figure, summary, table, _source, _crumbs = police.update_crime({"force": DURHAM})
        outcomes = police.update_outcomes({"force": DURHAM})
    text = " ".join([summary, text_of(table), text_of(outcomes[1]), text_of(outcomes[2])])
    _assert_hidden("police crime card", text, _figure_numbers(figure), values)
    assert f"<{THRESHOLD} (suppressed)" in text_of(table)
