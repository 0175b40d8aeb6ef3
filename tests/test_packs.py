"""Board packs: each of the seven reports generated once on the real published files and opened
back (PDF text and tags, slides, workbook), figures checked against the database and a published
file; who may generate and download; and "as presented" surviving a revision of the data."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import time
from datetime import date, timedelta

import flask_login
import openpyxl
import pytest
import sqlalchemy as sa
from conftest import TEST_USERS
from dash_tree import text_of
from pptx import Presentation
from pypdf import PdfReader
from test_revisions import SPEC as CCSQ
from test_revisions import revise_q4_open_cases, signed_in

from callbacks import packs, packs_page
from callbacks.subgroup import view_for
from layouts.packs import text
from layouts.packs.pdf import pack_pdf
from layouts.packs.slides import pack_pptx, slide_outline
from loaders import meetings, refresh, users
from loaders.datasets import DATASETS
from loaders.measures import MEASURES
from loaders.models import AuditEvent, PackSnapshot
from loaders.reports import REPORTS
from presented.words import format_value

TODAY = date(2026, 11, 26)


def words(raw: str) -> str:
    """Text with every run of white space made one space, as a reader hears it."""
    return " ".join(raw.split())


def pdf_text(reader: PdfReader) -> str:
    """The pages' text without their running footers, so text that flows on reads whole."""
    return words(" ".join(page.extract_text().rsplit("\n", 1)[0] for page in reader.pages))


def slide_texts(deck) -> list[str]:
    return [
        words(" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame))
        for slide in deck.slides
    ]


def sheet_rows(book, name: str) -> list[list]:
    """A measure sheet's data table: the rows under its 'Period' header."""
    rows = list(book[name].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Period")
    return [list(row) for row in rows[header + 1 :] if row[0] is not None]


@pytest.fixture(scope="module")
def chart_renderer():
    """One headless Chromium for the whole module's charts."""
    with packs.chart_server():
        yield


@pytest.fixture(scope="module")
def built(app, chart_renderer):
    """Every report's pack generated once by the analyst, with how long each took."""
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        analyst = users.find_user(session, TEST_USERS["analyst"][0])
    made, seconds = {}, {}
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(analyst)
        for report_id in REPORTS:
            started = time.perf_counter()
            made[report_id] = packs.build_pack(report_id, analyst)
            seconds[report_id] = round(time.perf_counter() - started, 1)
    print(f"\npack generation, seconds: {seconds}")
    opened = {}
    for report_id, snapshot_id in made.items():
        with factory() as session:
            files = {
                kind: meetings.snapshot_file(session, snapshot_id, kind)[1]
                for kind in packs.FORMATS
            }
            snapshot = session.get(PackSnapshot, snapshot_id)
            content = snapshot.content
        opened[report_id] = {
            "id": snapshot_id,
            "content": content,
            "pdf": PdfReader(io.BytesIO(files["pdf"])),
            "pptx": Presentation(io.BytesIO(files["pptx"])),
            "xlsx": openpyxl.load_workbook(io.BytesIO(files["xlsx"])),
            "bytes": files,
            "seconds": seconds[report_id],
        }
    return opened


def shown(content: dict) -> list[dict]:
    return [m for m in content["measures"] if m["has_figures"]]


@pytest.mark.parametrize("report_id", list(REPORTS))
def test_the_pdf_is_tagged_and_prints_every_measure_with_its_headline(built, report_id):
    pack = built[report_id]
    content, reader = pack["content"], pack["pdf"]
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith(REPORTS[report_id].title)
    assert content["measures"], report_id
    # Cover, contents, exceptions, half a page per measure with figures, the action log.
    assert len(reader.pages) >= (len(shown(content)) + 1) // 2 + 4
    found = pdf_text(reader)
    assert REPORTS[report_id].title in found and content["reference"] in found
    for measure in content["measures"]:
        assert words(measure["title"]) in found, measure["id"]
        if measure["has_figures"]:
            assert words(measure["tile"]["value"]) in found, measure["id"]
            assert words(measure["reading"]) in found, measure["id"]


@pytest.mark.parametrize("report_id", list(REPORTS))
def test_the_slides_have_a_titled_slide_per_measure_and_alt_text_on_every_chart(built, report_id):
    pack = built[report_id]
    content, deck = pack["content"], pack["pptx"]
    slides = list(deck.slides)
    assert len(slides) == len(slide_outline(content))
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == REPORTS[report_id].title
    assert titles[1] == "Contents"
    assert "Exceptions: measures showing a signal" in titles
    assert titles[-1].startswith("Actions from the previous meeting")
    for measure in shown(content):
        assert titles.count(measure["title"]) == 1, measure["id"]
    pictures = [
        shape
        for slide in slides
        for shape in slide.shapes
        if shape.shape_type == 13  # PICTURE
    ]
    assert len(pictures) == sum(m["chart"] for m in content["measures"])
    for picture in pictures:
        alt = picture._element.nvPicPr.cNvPr.get("descr")
        assert alt and alt.startswith("Statistical process control chart of")
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    for number, slide in enumerate(slides, start=1):  # nothing placed off the slide's edge
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= deck.slide_width, (number, shape.name)
            assert shape.top + shape.height <= deck.slide_height, (number, shape.name)


@pytest.mark.parametrize("report_id", list(REPORTS))
def test_the_workbook_has_contents_a_sheet_per_measure_and_the_actions(built, report_id):
    content, book = built[report_id]["content"], built[report_id]["xlsx"]
    expected = ["Contents", *(m["sheet"] for m in shown(content)), "Actions"]
    assert book.sheetnames == expected
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({name.lower() for name in book.sheetnames}) == len(expected)
    for measure in shown(content):
        assert book[measure["sheet"]]["A1"].value == measure["title"]


def test_every_measure_sheet_holds_the_figures_in_the_database(app, as_user, built):
    """The workbook's values are the current figures of the chart's area, period by period."""
    checked = 0
    with as_user("analyst"):
        for pack in built.values():
            content, book = pack["content"], pack["xlsx"]
            threshold = content["suppression_threshold"]
            for measure in shown(content):
                if measure.get("court"):
                    continue  # a court's page: test_pack_layout.py checks it against its figure
                view = view_for(MEASURES[measure["id"]])
                rows = view.totals[view.totals["area_code"] == measure["area_code"]]
                database = list(rows.sort_values("period_end")["value"])
                in_sheet = [row[1] for row in sheet_rows(book, measure["sheet"])]
                assert len(in_sheet) == len(database), measure["id"]
                for sheet_value, value in zip(in_sheet, database, strict=True):
                    if isinstance(sheet_value, str):  # withheld: only small counts may be
                        assert content["small_numbers_hidden"] and value < threshold
                    else:
                        assert sheet_value == pytest.approx(value), measure["id"]
                latest = format_value(database[-1], MEASURES[measure["id"]].unit)
                assert measure["tile"]["value"] in (latest, f"<{threshold} (suppressed)")
                checked += 1
    assert checked >= 30


def test_crown_court_open_cases_match_the_published_ccsq_file(built, public_data_dir):
    """Open Crown Court cases in the E&E appendix, quarter by quarter, against MoJ's CSV."""
    content, book = (
        built["effectiveness-efficiency"]["content"],
        built["effectiveness-efficiency"]["xlsx"],
    )
    measure = next(m for m in content["measures"] if m["id"] == "crown_open_cases")
    assert measure["area_name"] == "England and Wales"
    path = public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        published = {
            f"{r['year']} {r['quarter']}": float(r["open"]) for r in csv.DictReader(handle)
        }
    in_sheet = {row[0]: row[1] for row in sheet_rows(book, measure["sheet"])}
    assert in_sheet == published
    assert measure["tile"]["value"] == f"{published['2025 Q4']:,.0f}"
    assert f"{published['2025 Q4']:,.0f}" in pdf_text(built["effectiveness-efficiency"]["pdf"])


def test_the_police_and_crime_panel_pack_holds_only_publishable_figures(built):
    content = built["police-crime-panel"]["content"]
    kinds = {DATASETS[MEASURES[m["id"]].dataset_id].classification for m in content["measures"]}
    assert kinds == {"public"}
    assert (
        content["excluded_count"]
        == sum(
            DATASETS[MEASURES[m].dataset_id].classification != "public"
            for m in REPORTS["police-crime-panel"].measure_ids()
        )
        > 0
    )
    assert not any(m["id"].startswith("force_") for m in content["measures"])
    found = pdf_text(built["police-crime-panel"]["pdf"])
    included = [m["title"] for m in content["measures"]]
    for measure_id in REPORTS["police-crime-panel"].measure_ids():
        title = MEASURES[measure_id].title
        if measure_id.startswith("force_") and not any(title in t for t in included):
            assert words(title) not in found
    assert content["small_numbers_hidden"]


def test_the_executive_board_groups_the_force_under_the_plans_questions(built):
    content = built["executive-board"]["content"]
    headings = [s["heading"] for s in content["sections"]]
    assert headings[0] == "How safe are our communities?"
    assert "Effectiveness & Efficiency" in headings
    ordered = [m["id"] for m in content["measures"]]
    assert ordered == [m for s in content["sections"] for m in s["measure_ids"]]
    assert set(ordered) == set(REPORTS["executive-board"].measure_ids())
    assert not content["small_numbers_hidden"]  # the OPCC's own board, generated by the OPCC


def test_exceptions_are_the_signals_and_come_first(built):
    content, reader = (
        built["effectiveness-efficiency"]["content"],
        built["effectiveness-efficiency"]["pdf"],
    )
    assert content["exceptions"] == [m["id"] for m in content["measures"] if m["signal"]]
    # The real Crown Court release is a year old: its signals are stale, so no exceptions.
    stale_signals = [
        m["id"]
        for m in content["measures"]
        if m["has_figures"]
        and m["variation"] not in (None, "common_cause")
        and m["status"] == "stale"
    ]
    assert "crown_open_cases" in stale_signals
    assert not set(stale_signals) & set(content["exceptions"])
    assert reader.pages[2].extract_text().startswith("Exceptions")
    deck = built["effectiveness-efficiency"]["pptx"]
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles.index("Exceptions: measures showing a signal") < titles.index(
        "Open Crown Court cases"
    )


def test_downloads_return_the_stored_files_as_attachments(app, client, auth, built):
    pack = built["lcjp-board"]
    auth.login("analyst")
    for kind, mimetype in packs.FORMATS.items():
        response = client.get(f"/packs/{pack['id']}.{kind}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["Content-Disposition"].endswith(f'.{kind}"')
        assert response.data == pack["bytes"][kind]
    with app.server.extensions["lcjp"].session_factory() as session:
        logged = [
            json.loads(detail)
            for detail in session.scalars(
                sa.select(AuditEvent.detail).where(
                    AuditEvent.event == "download", AuditEvent.username == TEST_USERS["analyst"][0]
                )
            )
        ]
    assert {(d.get("snapshot"), d.get("kind")) for d in logged} >= {
        (pack["id"], kind) for kind in packs.FORMATS
    }


def test_the_pack_list_reads_neither_files_nor_records_of_figures(app, built):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        listed = meetings.snapshots(session)
        assert len(listed) >= len(built)
        by_id = {snapshot.id: snapshot for snapshot in listed}
        for snapshot in listed:
            assert {"content", "pdf", "pptx", "xlsx"} <= sa.inspect(snapshot).unloaded
        for pack in built.values():
            content = pack["content"]
            listed_as = by_id[pack["id"]]
            assert listed_as.reference == content["reference"]
            assert listed_as.small_numbers_hidden == content["small_numbers_hidden"]


def test_anonymous_downloads_get_401(client, built):
    response = client.get(f"/packs/{built['lcjp-board']['id']}.pdf")
    assert response.status_code == 401


def test_a_chair_generates_only_their_subgroups_report_and_opens_only_its_packs(
    app, client, auth, as_user, built
):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot))
    with as_user("chair"):
        assert [r.id for r in packs.generatable_reports(flask_login.current_user)] == [
            "effectiveness-efficiency"
        ]
        refused, job, polling_stopped, _locked = packs_page.generate(1, "executive-board", "")
        listed = text_of(packs_page.update_list(None))
    assert "You may not generate this report's pack" in text_of(refused)
    assert job is None and polling_stopped is True  # no job was started
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot)) == before
    assert REPORTS["effectiveness-efficiency"].title in listed
    assert REPORTS["executive-board"].title not in listed
    auth.login("chair")
    for kind in packs.FORMATS:
        assert client.get(f"/packs/{built['executive-board']['id']}.{kind}").status_code == 403
    # The E&E pack withholds small counts, so its own chair may open it.
    response = client.get(f"/packs/{built['effectiveness-efficiency']['id']}.pdf")
    assert response.status_code == 200


def test_a_member_of_another_subgroup_cannot_open_a_pack(client, auth, built):
    auth.login("member")  # police-demand only
    assert client.get(f"/packs/{built['lcjp-board']['id']}.xlsx").status_code == 403
    assert client.get("/packs/999999.pdf").status_code == 404


def test_a_forged_report_or_meeting_is_refused_and_nothing_is_stored(app, as_user):
    factory = app.server.extensions["lcjp"].session_factory
    meeting_id = meetings.create_meeting(factory, "victim-witness", "2026-12-01", "", "test")
    with factory() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot))
    with as_user("analyst") as analyst:
        for report_id, meeting in (
            ("no-such-report", None),
            ("x' OR '1'='1", None),
            ("lcjp-board", meeting_id),  # a meeting of another body
            ("lcjp-board", "not-a-number"),
        ):
            with pytest.raises(packs.PackError):
                packs.build_pack(report_id, analyst, meeting)
        message, job, _stopped, _locked = packs_page.generate(1, "no-such-report", "")
        elsewhere, job_too, *_ = packs_page.generate(1, "lcjp-board", str(meeting_id))
    assert "There is no report 'no-such-report'" in text_of(message)
    assert "Nothing was stored" in text_of(message)
    assert "is not a meeting of the" in text_of(elsewhere)
    assert job is None and job_too is None
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot)) == before


def test_the_page_offers_the_form_only_to_those_who_may_generate(as_user):
    with as_user("viewer"):
        page = packs_page.packs_layout()
        assert "Generate pack" not in text_of(page)
        options, _value = packs_page.update_meetings("lcjp-board")
        assert [o["value"] for o in options] == [""]
    with as_user("analyst"):
        page = packs_page.packs_layout()
        assert "Generate pack" in text_of(page)


def test_long_commentary_and_many_actions_continue_rather_than_being_cut(built):
    """4,000 characters of commentary and eight actions: every word reaches the PDF and slides."""
    content = copy.deepcopy(built["female-offender"]["content"])
    measure = shown(content)[0]
    sentence = "The rate rose as remand use grew across the region while courts caught up. "
    long_text = (sentence * 60)[:4000]
    measure["commentary"] = {
        "text": long_text,
        "by": "chair-user",
        "at": "20 Nov 2026 10:00",
        "version": 3,
        "period_end": "2022-12-31",
    }
    measure["actions"] = [
        {
            "title": f"Action number {n} on remand",
            "owner": "Probation",
            "due": "2026-01-05",
            "overdue": n % 2 == 0,
            "closed": False,
            "status_label": "Open",
            "line": f"{'OVERDUE: was due' if n % 2 == 0 else 'Due'} 05 Jan 2026 (Open). "
            f"Action number {n} on remand. Owner: Probation.",
        }
        for n in range(8)
    ]
    png = built["female-offender"]["pptx"]
    charts = {}
    for slide in png.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:
                charts[measure["id"]] = shape.image.blob
    content["demo"] = True
    found = pdf_text(PdfReader(io.BytesIO(pack_pdf(content, charts))))
    assert words(long_text) in found
    assert "Demo data Some figures in this pack are generated demonstration data" in found
    assert "Action number 7 on remand" in found
    deck = Presentation(io.BytesIO(pack_pptx(content, charts)))
    titles = [s.shapes.title.text for s in deck.slides]
    assert f"{measure['title']} (continued)" in titles
    all_text = " ".join(slide_texts(deck))
    assert words(long_text) in all_text
    assert "Action number 7 on remand" in all_text
    assert len(deck.slides) == len(slide_outline(content))


# --- As presented: a pack keeps its figures and commentary after both change -----------------------


@pytest.fixture
def meeting_app(make_settings, tmp_path, public_data_dir):
    """An app of its own (this test revises its figures), loaded from a copy of the MoJ release."""
    from app import create_app

    folder = tmp_path / "public" / CCSQ.folder
    shutil.copytree(public_data_dir / CCSQ.folder, folder)
    dash_app = create_app(make_settings(public_data_dir=folder.parent))
    factory = dash_app.server.extensions["lcjp"].session_factory
    users.create_user(
        factory, "packs-analyst", "packs-analyst-password", role="analyst", organisation="opcc"
    )
    outcome = refresh.refresh_dataset(factory, CCSQ, folder, today=TODAY)
    assert outcome.status == "success", outcome.error
    dash_app.release = folder
    return dash_app


def _generate(dash_app, report_id: str, meeting_id=None) -> tuple[dict, dict]:
    with signed_in(dash_app, "packs-analyst") as analyst:
        snapshot_id = packs.build_pack(report_id, analyst, meeting_id)
    factory = dash_app.server.extensions["lcjp"].session_factory
    with factory() as session:
        files = {k: meetings.snapshot_file(session, snapshot_id, k)[1] for k in packs.FORMATS}
        content = session.get(PackSnapshot, snapshot_id).content
    return content, files


def test_a_pack_keeps_its_figures_and_commentary_after_both_are_revised(
    meeting_app, chart_renderer
):
    factory = meeting_app.server.extensions["lcjp"].session_factory

    def comment(words: str) -> None:
        meetings.publish(
            factory, "crown_open_cases", date(2025, 12, 31), "ee-chair", "hmcts", text=words
        )

    comment("Receipts outpaced disposals.")
    overdue, later, closed = (
        meetings.raise_action(
            factory,
            measure_id="crown_open_cases",
            title=title,
            owner=owner,
            due_date=due,
            by="analyst",
        )
        for title, owner, due in (
            ("Ask for extra sitting days", "HMCTS", TODAY - timedelta(days=30)),
            ("Report on listing", "Judiciary liaison", "2099-01-31"),
            ("Share the court data", "OPCC", "2026-02-01"),
        )
    )
    meetings.update_action(factory, closed, status="done", by="analyst")
    meetings.create_meeting(factory, "lcjp-board", "2026-09-10", "September board", "analyst")
    meeting_id = meetings.create_meeting(factory, "lcjp-board", "2026-12-10", "", "analyst")

    before, before_files = _generate(meeting_app, "lcjp-board", meeting_id)
    measure = next(m for m in before["measures"] if m["id"] == "crown_open_cases")
    assert measure["tile"]["value"] == "80,203"
    assert measure["commentary"]["text"] == "Receipts outpaced disposals."
    assert [a["id"] for a in measure["actions"]] == [overdue, later]
    assert [a["id"] for a in before["actions"]] == [overdue, later, closed]  # open ones first
    assert before["actions"][0]["overdue"] and not before["actions"][1]["overdue"]
    assert (
        before["meeting"]["id"] == meeting_id
        and "2025 Q4" in before["period_label"]  # the period its figures describe
    )
    old_pdf = pdf_text(PdfReader(io.BytesIO(before_files["pdf"])))
    assert "Receipts outpaced disposals." in old_pdf and "ee-chair" in old_pdf
    assert "OVERDUE: was due" in old_pdf and "Ask for extra sitting days" in old_pdf
    assert "Previous meeting: September board (10 Sep 2026)" in old_pdf
    old_book = openpyxl.load_workbook(io.BytesIO(before_files["xlsx"]))
    actions_sheet = list(old_book["Actions"].iter_rows(values_only=True))
    assert actions_sheet[1][1] == "Ask for extra sitting days" and actions_sheet[1][5] == "OVERDUE"

    # MoJ revises the quarter; the partner rewrites the commentary; the action is closed.
    revise_q4_open_cases(meeting_app.release, 25)
    outcome = refresh.refresh_dataset(factory, CCSQ, meeting_app.release, today=TODAY)
    assert outcome.status == "success", outcome.error
    comment("Revised after MoJ's restatement.")
    meetings.update_action(factory, overdue, status="done", by="analyst")

    after, after_files = _generate(meeting_app, "lcjp-board", meeting_id)
    revised = next(m for m in after["measures"] if m["id"] == "crown_open_cases")
    assert revised["tile"]["value"] == "80,228"  # the new pack shows the revision (control)
    assert revised["source"]["vintage_id"] != measure["source"]["vintage_id"]
    assert "Revised after MoJ's restatement." in pdf_text(PdfReader(io.BytesIO(after_files["pdf"])))

    # The first pack, read back from the database, is exactly as presented.
    with factory() as session:
        stored = meetings.snapshots(session, ["lcjp-board"])[-1]
        files = {k: meetings.snapshot_file(session, stored.id, k)[1] for k in packs.FORMATS}
        record = stored.content
    assert record == before and files == before_files
    kept = pdf_text(PdfReader(io.BytesIO(files["pdf"])))
    assert "80,203" in kept and "80,228" not in kept
    assert "Receipts outpaced disposals." in kept and "Revised after" not in kept
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    values = {row[0]: row[1] for row in sheet_rows(book, measure["sheet"])}
    assert values["2025 Q4"] == 80203
    slides = " ".join(slide_texts(Presentation(io.BytesIO(files["pptx"]))))
    assert "Receipts outpaced disposals." in slides and "80,228" not in slides
    assert measure["source"]["content_hash"] in {
        p["content_hash"] for p in stored.content["provenance"]
    }


def test_sheet_names_are_valid_unique_and_readable():
    long = "Crown Court waiting time by offence group and court centre, mean weeks"
    names = text.sheet_names([long, long + " (median)", "Rate: a/b [raw]?", "Contents", "History"])
    assert names[0] == long[:31].rstrip()
    assert names[1] != names[0] and len(names[1]) <= 31 and names[1].endswith("(2)")
    assert names[2] == "Rate a b raw"
    assert names[3].lower() != "contents" and names[4].lower() != "history"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5


def test_the_reporting_period_is_the_period_the_figures_describe():
    """Never the month the pack was printed in: the newest period among its figures."""

    def measure(end: str | None, label: str | None) -> dict:
        return {"has_figures": end is not None, "period_end": end, "period_label": label}

    assert text.reporting_period([measure("2025-12-31", "2025 Q4")]) == "2025 Q4"
    mixed = [
        measure("2025-12-31", "2025 Q4"),
        measure("2016-12-31", "Dec 2016"),
        measure(None, None),
    ]
    assert text.reporting_period(mixed) == (
        "figures up to 2025 Q4 (1 of 2 measures describe earlier periods)"
    )
    assert text.reporting_period([measure(None, None)]) == "no figures loaded"


def test_a_packs_cover_states_the_period_of_its_figures(built):
    content = built["effectiveness-efficiency"]["content"]
    newest = max(m["period_end"] for m in content["measures"] if m["has_figures"])
    label = next(m["period_label"] for m in content["measures"] if m["period_end"] == newest)
    assert label in content["period_label"] and "2026" not in content["period_label"]


def _wait_for_job(job_id: int) -> None:
    import threading

    for thread in [t for t in threading.enumerate() if t.name == f"lcjp-pack-{job_id}"]:
        thread.join(timeout=300)
        assert not thread.is_alive()


def test_a_pack_is_generated_in_the_background_and_only_its_requester_follows_it(
    app, as_user, chart_renderer
):
    factory = app.server.extensions["lcjp"].session_factory
    with as_user("analyst"):
        message, job, polling_stopped, locked = packs_page.generate(1, "female-offender", "")
        assert "Generating the Female Offender" in text_of(message)
        assert polling_stopped is False and locked is True  # the page polls; no second click
        _wait_for_job(job["job"])
        result, listed, stopped, unlocked = packs_page.poll(1, job)
    assert stopped is True and unlocked is False
    assert "Pack generated and stored" in text_of(result)
    with factory() as session:
        snapshot = session.get(PackSnapshot, listed)
        assert snapshot.report_id == "female-offender" and snapshot.generated_by == "test-analyst"
    # Another user cannot follow it, nor a forged job.
    with as_user("viewer"):
        refused, _listed, stopped, _unlocked = packs_page.poll(1, job)
        assert "You may not follow this pack's progress" in text_of(refused) and stopped
        for forged in ({"job": 999999}, {"job": "1 OR 1=1"}, {"job": True}, "x", None):
            try:
                answer = packs_page.poll(1, forged)
            except packs_page.PreventUpdate:
                continue
            assert "You may not follow" in text_of(answer[0])


def test_a_failed_background_pack_says_why_and_stores_nothing(app, as_user, monkeypatch):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the chart renderer crashed")

    monkeypatch.setattr(packs, "build_pack", broken)
    with as_user("analyst"):
        _message, job, *_ = packs_page.generate(1, "victim-witness", "")
        _wait_for_job(job["job"])
        result, listed, stopped, _unlocked = packs_page.poll(1, job)
    assert "the chart renderer crashed" in text_of(result) and "Nothing was stored" in text_of(
        result
    )
    assert listed is packs_page.dash.no_update and stopped is True
    with factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PackSnapshot)) == before


def test_a_job_whose_worker_was_lost_reads_as_failed(app):
    from datetime import timedelta

    from loaders.models import PackJob, utcnow

    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        analyst = users.find_user(session, TEST_USERS["analyst"][0])
    job_id = meetings.start_job(factory, "lcjp-board", None, analyst.id)
    with factory.begin() as session:
        session.get(PackJob, job_id).started_at = utcnow() - timedelta(hours=1)
    with factory() as session:
        state = meetings.job_state(session, job_id)
    assert state.status == meetings.JOB_FAILED and "interrupted" in state.message
