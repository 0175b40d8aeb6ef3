"""Board packs fit for a board: readable chart text on paper with the legend clear of the period
labels, two measures to a PDF page where both fit (never one split across pages), slide body text
of at least 16 pt, and speaker notes with the reading and commentary on every measure slide."""

from __future__ import annotations

import io
import os

import flask_login
import pytest
from conftest import TEST_USERS
from pptx import Presentation
from pptx.util import Pt
from pypdf import PdfReader

from callbacks import packs, presenting
from callbacks.briefs import measure_brief
from layouts.packs import text
from loaders import meetings, users
from loaders.areas import crown_court_code
from loaders.models import PackSnapshot
from presented.model import tile_texts

REPORTS_CHECKED = ("effectiveness-efficiency", "lcjp-board")
KEEP = os.environ.get("PACK_LAYOUT_DIR")  # set to keep the files for a look


@pytest.fixture(scope="module")
def layout_app(databases, tmp_path_factory, public_data_dir):
    """An app of its own on the real files: the shared one gathers commentary and actions from
    other tests, and how a page is filled depends on how much each measure has to say."""
    from app import create_app
    from config import Settings

    settings = Settings(
        database_url=databases.new(),
        secret_key="test-secret-key",
        public_data_dir=public_data_dir,
        instance_dir=tmp_path_factory.mktemp("pack-layout"),
        refresh_on_start=True,
        testing=True,
    ).resolved()
    dash_app = create_app(settings)
    username, password = TEST_USERS["analyst"]
    users.create_user(
        dash_app.server.extensions["lcjp"].session_factory,
        username,
        password,
        role="analyst",
        organisation="opcc",
    )
    return dash_app


@pytest.fixture(scope="module")
def packs_built(layout_app):
    app = layout_app
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        analyst = users.find_user(session, TEST_USERS["analyst"][0])
    made = {}
    with (
        packs.chart_server(),
        app.server.test_request_context("/_dash-update-component", method="POST"),
    ):
        flask_login.login_user(analyst)
        for report_id in REPORTS_CHECKED:
            snapshot_id = packs.build_pack(report_id, analyst)
            with factory() as session:
                files = {
                    k: meetings.snapshot_file(session, snapshot_id, k)[1] for k in ("pdf", "pptx")
                }
                content = session.get(PackSnapshot, snapshot_id).content
            if KEEP:
                for kind, data in files.items():
                    with open(os.path.join(KEEP, f"{report_id}.{kind}"), "wb") as out:
                        out.write(data)
            made[report_id] = (content, files)
    return made


def _shown(content):
    return [m for m in content["measures"] if m["has_figures"]]


@pytest.mark.parametrize("report_id", REPORTS_CHECKED)
def test_two_measures_share_a_pdf_page_and_none_is_split(packs_built, report_id):
    content, files = packs_built[report_id]
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(files["pdf"])).pages]
    sheet_lines = {m["id"]: f"sheet “{m['sheet']}”" for m in _shown(content)}
    per_page = {}
    for measure in _shown(content):
        # The measure's first words (its heading) and its last line are on the same page.
        starts = [
            i
            for i, page in enumerate(pages)
            if measure["title"] in page and sheet_lines[measure["id"]] in page
        ]
        assert starts, measure["id"]
        per_page.setdefault(starts[-1], []).append(measure["id"])
    if len(_shown(content)) > 1:
        assert max(len(v) for v in per_page.values()) == 2
    assert len(per_page) < len(_shown(content))


@pytest.mark.parametrize("report_id", REPORTS_CHECKED)
def test_slides_have_16pt_body_text_and_notes_with_reading_and_commentary(packs_built, report_id):
    content, files = packs_built[report_id]
    deck = Presentation(io.BytesIO(files["pptx"]))
    by_title = {m["title"]: m for m in _shown(content)}
    noted = set()
    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for paragraph in shape.text_frame.paragraphs:
                for run in paragraph.runs:
                    if run.text.strip():
                        assert run.font.size is not None and run.font.size >= Pt(16), run.text[:60]
        title = slide.shapes.title.text.removesuffix(" (continued)")
        if title in by_title:
            measure = by_title[title]
            notes = slide.notes_slide.notes_text_frame.text
            assert measure["reading"] in notes
            said = measure["commentary"]["text"] if measure["commentary"] else text.no_commentary()
            assert said in notes
            noted.add(title)
    assert noted == set(by_title)


def test_printed_charts_letter_every_text_and_keep_the_legend_clear_of_the_axis(app, as_user):
    with as_user("analyst"):
        figure = measure_brief("crown_open_cases").figure
    printed = packs._print_ready(figure)
    layout = printed.layout
    # In rows at the foot of the figure, below a bottom margin tall enough for them and the
    # period labels (checked by eye: pdftoppm; the rows are estimated generously).
    assert layout.legend.orientation == "h" and layout.legend.yanchor == "top"
    labels = 4 * packs.CHART_TEXT_PX  # room for the slanted period labels, above the legend
    plot = packs.CHART_HEIGHT - layout.margin.t - layout.margin.b
    assert -layout.legend.y * plot >= labels
    assert layout.margin.b >= labels + round(packs.CHART_TEXT_PX * 1.5)
    assert layout.xaxis.automargin and layout.yaxis.automargin
    sizes = [layout.font.size, layout.legend.font.size, layout.xaxis.tickfont.size]
    sizes += [layout.yaxis.tickfont.size] + [a.font.size for a in layout.annotations]
    assert min(sizes) >= packs.CHART_TEXT_PX >= 15


@pytest.mark.parametrize("report_id", REPORTS_CHECKED)
def test_a_page_per_partnership_court_from_the_courts_presented_figure(
    app, as_user, packs_built, report_id
):
    content, files = packs_built[report_id]
    courts = [m for m in content["measures"] if m.get("court")]
    lcjp = app.server.extensions["lcjp"].settings.lcjp
    with as_user("analyst"):
        expected = {
            court: presenting.presented_figure("crown_open_cases", crown_court_code(court))
            for court in lcjp["crown_courts"]
        }
    with_figures = [c for c, f in expected.items() if f.has_figures]
    assert with_figures, "the real CCSQ file has the partnership's courts"
    assert sorted(m["court"] for m in courts) == sorted(with_figures)
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(files["pdf"])).pages
    )
    for page in courts:
        figure = expected[page["court"]]
        assert page["area_code"] == crown_court_code(page["court"]) == figure.area_code
        assert page["tile"]["value"] == tile_texts(figure)["value"]
        assert page["title"] in pdf_text and page["id"] not in content["exceptions"]
        assert not page["actions"]  # the measure's actions stay on its own page
    assert any(s["heading"] == packs.COURT_SECTION for s in content["sections"])
