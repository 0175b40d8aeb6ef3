"""Refresh that never admits a wrong figure (issue 13), against copies of the real files.

Every case copies ../shared into tmp_path, damages the copy as a publisher or a network might,
and checks what the refresh then does: a release that lost figures is held for review (the last
good vintage stays on screen), notes are kept and shown, every file in a folder is accounted
for, an older release never becomes current, a CSV without a final line break is read only when
its last row is whole, a trickling server hits the deadline, and uploads are refused for what
the issue lists.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
import zipfile
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import Settings, release_check_for
from loaders import refresh, release_checks
from loaders.audit import audit
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.errors import LoaderError
from loaders.fetch import Fetcher, FetchError, HttpPolicy
from loaders.ledger import dataset_ledger, latest_notes
from loaders.models import AuditEvent, Dataset, Observation, RefreshRun, Vintage
from loaders.revisions import earlier_vintages
from loaders.sources import csvfile
from loaders.submissions.checking import check_file
from loaders.submissions.reading import xlsx_size_problem
from loaders.submissions.templates import TEMPLATES, submitter_areas
from scheduler.jobs import failure_summary

TODAY = date(2026, 11, 26)
POLICE = DATASETS["police_uk_street"]
CCSQ = DATASETS["moj_ccsq_crown"]
CPS = DATASETS["cps_case_outcomes"]
PRT = DATASETS["prt_women_imprisonment"]
REOFFENDING = DATASETS["moj_proven_reoffending"]
DURHAM_MARCH = "2025-03-durham-street.csv"
DURHAM = "E23000008"


def copy(public_data_dir: Path, folder: str, tmp_path: Path) -> Path:
    target = tmp_path / folder
    shutil.copytree(public_data_dir / folder, target)
    target.chmod(0o755)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def load(factory, spec, folder, **options):
    return refresh.refresh_dataset(factory, spec, folder, today=TODAY, **options)


def current_id(factory, dataset_id: str) -> int | None:
    with factory() as session:
        return session.get(Dataset, dataset_id).current_vintage_id


def durham_march_total(factory) -> float:
    with factory() as session:
        return session.scalar(
            sa.select(sa.func.sum(Observation.value))
            .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
            .where(
                Observation.dataset_id == POLICE.id,
                Observation.area_code == DURHAM,
                Observation.period_start == date(2025, 3, 1),
            )
        )


def keep_first_lines(path: Path, lines: int) -> None:
    """Cut a file at a line boundary: it still reads as a well-formed CSV."""
    kept = path.read_bytes().splitlines(keepends=True)[:lines]
    path.write_bytes(b"".join(kept))


# ---- 1. release-over-release checks, and 2. notes --------------------------------------------


def test_a_street_file_cut_at_a_line_boundary_is_held_for_review(cache, public_data_dir, tmp_path):
    folder = copy(public_data_dir, "police_uk_street", tmp_path)
    first = load(cache, POLICE, folder)
    assert first.status == "success"
    good, total = current_id(cache, POLICE.id), durham_march_total(cache)
    assert total == 6227  # every Durham record of March 2025, as the file holds them

    lines = len((folder / DURHAM_MARCH).read_bytes().splitlines())
    keep_first_lines(folder / DURHAM_MARCH, lines // 2)  # half the month, cut between rows
    held = load(cache, POLICE, folder)

    assert held.status == "held for review" and held.vintage_id != good
    warnings = held.warnings
    # The counts file disagreeing with the raw file is a warning note ...
    assert any("street_counts_by_force_month_type_outcome" in w and "6,227" in w for w in warnings)
    # ... and the period total falling by half is why the release is held.
    assert any("Durham (E23000008), March 2025" in w and "down 50%" in w for w in warnings)
    assert current_id(cache, POLICE.id) == good and durham_march_total(cache) == total
    with cache() as session:
        run = session.get(RefreshRun, held.run_id)
        vintage = session.get(Vintage, held.vintage_id)
        assert run.status == "held for review" and run.notes == list(held.notes)
        assert vintage.review_status == "held" and vintage.review[0].startswith("Held for review")
        # A held release was never on screen, so it is not an earlier publication either.
        assert earlier_vintages(session, POLICE.id) == (good, [])
        row = next(
            r
            for r in dataset_ledger(session, schedules={}, sources={})
            if r.dataset_id == POLICE.id
        )
        assert row.status == "held for review" and row.notes == held.notes
        assert latest_notes(session)[POLICE.id] == held.notes

    # The same files again are not loaded again: the release is still waiting.
    again = load(cache, POLICE, folder)
    assert again.status == "held for review" and again.vintage_id == held.vintage_id
    with cache() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Vintage)) == 2


def test_an_administrator_approves_or_rejects_a_held_release_and_it_is_audited(
    cache, public_data_dir, tmp_path
):
    folder = copy(public_data_dir, "police_uk_street", tmp_path)
    load(cache, POLICE, folder)
    good = current_id(cache, POLICE.id)
    keep_first_lines(folder / DURHAM_MARCH, 3000)
    held = load(cache, POLICE, folder)
    with cache() as session:
        (waiting,) = release_checks.held_releases(session)
    assert (waiting.vintage_id, waiting.current_id) == (held.vintage_id, good)

    def audited(event, detail):
        audit(event, detail, "test-admin", session_factory=cache)

    message = release_checks.decide(cache, held.vintage_id, "approve", "test-admin", audited)
    assert "now current" in message and current_id(cache, POLICE.id) == held.vintage_id
    with pytest.raises(release_checks.ReviewError):  # a decision is made once
        release_checks.decide(cache, held.vintage_id, "reject", "test-admin", audited)

    # Reject: the full files come back, then a cut copy is held and turned down.
    shutil.copy(public_data_dir / "police_uk_street" / DURHAM_MARCH, folder / DURHAM_MARCH)
    restored = load(cache, POLICE, folder)
    assert restored.status in {"success", "success with warnings"}
    keep_first_lines(folder / DURHAM_MARCH, 2000)
    second = load(cache, POLICE, folder)
    assert second.status == "held for review"
    release_checks.decide(cache, second.vintage_id, "reject", "test-admin", audited)
    assert current_id(cache, POLICE.id) == restored.vintage_id
    assert load(cache, POLICE, folder).status == "unchanged"  # rejected: not held again
    with cache() as session:
        events = session.execute(
            sa.select(AuditEvent.event, AuditEvent.username).order_by(AuditEvent.id)
        ).all()
        statuses = dict(session.execute(sa.select(Vintage.id, Vintage.review_status)).all())
    assert [e for e in events if e.event.startswith("release")] == [
        ("release approved", "test-admin"),
        ("release rejected", "test-admin"),
    ]
    assert statuses[second.vintage_id] == "rejected"


def test_thresholds_are_set_per_dataset(cache, public_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RELEASE_MAX_DROP_POLICE_UK_STREET", "60")
    monkeypatch.setenv("REVISION_WINDOW_DAYS_POLICE_UK_STREET", "45")
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-key-that-is-long-enough-to-use")
    settings = Settings.from_env()
    check = release_check_for(POLICE, settings)
    assert (check.max_drop, check.revision_window_days) == (0.6, 45)
    assert release_check_for(CCSQ, settings) == CCSQ.release_check  # others keep the default

    folder = copy(public_data_dir, "police_uk_street", tmp_path)
    load(cache, POLICE, folder)
    keep_first_lines(folder / DURHAM_MARCH, 3000)
    # Within 45 days of the latest period, March may fall: the release becomes current, but the
    # counts file's disagreement still makes it "success with warnings", never a plain success.
    loose = load(cache, POLICE, folder, check=check)
    assert loose.status == "success with warnings"
    assert current_id(cache, POLICE.id) == loose.vintage_id


def test_a_period_or_an_area_that_vanished_holds_the_release(cache, public_data_dir, tmp_path):
    folder = copy(public_data_dir, "police_uk_street", tmp_path)
    load(cache, POLICE, folder)
    (folder / "2025-01-cleveland-street.csv").unlink()  # the aggregate still covers January
    (folder / "2025-02-durham-street.csv").unlink()
    keep = [
        line
        for line in (folder / "street_counts_by_force_month_type_outcome_2025H1.csv")
        .read_text()
        .splitlines(keepends=True)
        if not line.startswith("2025-02,Durham")
    ]
    (folder / "street_counts_by_force_month_type_outcome_2025H1.csv").write_text("".join(keep))
    held = load(cache, POLICE, folder)
    assert held.status == "held for review"
    assert any("February 2025: the period is no longer in the release" in w for w in held.warnings)


# ---- 3. every file accounted for -------------------------------------------------------------


def test_extra_files_are_listed_as_not_read_and_never_unchanged(cache, public_data_dir, tmp_path):
    folder = copy(public_data_dir, "ccsq_crown_court", tmp_path)
    assert load(cache, CCSQ, folder).status == "success"
    (folder / "gold_new_table.csv").write_text("quarter_end,value\n2025-12-31,1\n")
    extra = load(cache, CCSQ, folder)
    assert extra.status == "success with warnings"  # looked at, not silently "unchanged"
    assert extra.warnings == ["not read: gold_new_table.csv (not a file this dataset reads)"]
    assert load(cache, CCSQ, folder).status == "unchanged"

    reoffending = copy(public_data_dir, "reoffending", tmp_path)
    (reoffending / "readme.json").write_text('{"title": "another table"}')
    outcome = load(cache, REOFFENDING, reoffending)
    assert outcome.status == "success with warnings"
    assert outcome.warnings == [
        "not read: readme.json (a JSON file without 'timeSeries': another table)"
    ]


def test_an_unrelated_table_never_fails_the_dataset_it_does_not_belong_to(
    cache, public_data_dir, tmp_path
):
    folder = copy(public_data_dir, "female_offenders", tmp_path)
    (folder / "prt_women_remand_2022.csv").write_text("Region,Remanded\nNorth East,120\n")
    outcome = load(cache, PRT, folder)
    assert outcome.status == "success with warnings", outcome.error
    assert outcome.warnings == [
        "not read: prt_women_remand_2022.csv (its first column is 'Region', not 'Police "
        "Force Area': another table)"
    ]
    cps = copy(public_data_dir, "cps_case_outcomes", tmp_path)
    (cps / "area_lookup.csv").write_text("a,b\n1,2\n")
    assert load(cache, CPS, cps).status == "success with warnings"


def test_a_file_the_dataset_expects_but_cannot_read_fails_that_dataset_only(
    cache, public_data_dir, tmp_path
):
    folder = copy(public_data_dir, "ccsq_crown_court", tmp_path)
    keep_first_lines(folder / "gold_backlog_trajectory.csv", 0)
    failed = load(cache, CCSQ, folder)
    assert failed.status == "failed" and "gold_backlog_trajectory.csv" in failed.error
    assert not failed.had_data
    assert "no earlier data" in failure_summary([failed])  # never "last good data kept"
    assert load(cache, PRT, copy(public_data_dir, "female_offenders", tmp_path)).status == (
        "success"
    )


# ---- 4. release order ------------------------------------------------------------------------


def test_an_older_release_loaded_after_a_newer_one_is_kept_as_history(
    cache, public_data_dir, tmp_path
):
    newer = copy(public_data_dir, "cps_case_outcomes", tmp_path)
    older = tmp_path / "older"
    older.mkdir()
    for name in ("oct2015.csv", "dec2015.csv", "jan2016.csv"):
        shutil.copy(newer / name, older / name)
    first = load(cache, CPS, newer)
    assert first.status == "success"
    late = load(cache, CPS, older)
    assert late.status == "kept as history"
    assert "older release" in late.notes[0]["text"]
    assert current_id(cache, CPS.id) == first.vintage_id
    with cache() as session:
        vintages = {
            v.id: (v.review_status, v.release_date) for v in session.scalars(sa.select(Vintage))
        }
        # The newer figures are never "previously published" because of the older release.
        assert earlier_vintages(session, CPS.id) == (first.vintage_id, [])
    assert vintages[first.vintage_id] == ("accepted", date(2016, 12, 31))
    assert vintages[late.vintage_id] == ("history", date(2016, 1, 31))


# ---- 5. CSV without a final line break -------------------------------------------------------


def test_a_complete_csv_without_a_final_line_break_is_read(public_data_dir, tmp_path):
    path = tmp_path / DURHAM_MARCH
    path.write_bytes((public_data_dir / "police_uk_street" / DURHAM_MARCH).read_bytes().rstrip())
    table = csvfile.read_csv(path, layout="police.uk")
    assert len(table.frame) == 6227
    assert table.notes and "complete" in table.notes[0] and "no line break" in table.notes[0]


def test_a_csv_cut_mid_row_is_refused_and_says_so(public_data_dir, tmp_path):
    source = (public_data_dir / "police_uk_street" / DURHAM_MARCH).read_text()
    lines = source.splitlines()
    # Cut inside the outcome of the last row: every field is there up to the outcome label.
    last = lines[-1]
    cut_at = last.rindex(",", 0, last.rindex(",")) + 6
    path = tmp_path / DURHAM_MARCH
    path.write_text("\n".join(lines[:-1]) + "\n" + last[:cut_at])
    with pytest.raises(LoaderError) as caught:
        csvfile.read_csv(path, layout="police.uk")
    assert "cut" in str(caught.value) and caught.value.row == len(lines)

    ccsq = tmp_path / "trajectory.csv"
    text = (public_data_dir / "ccsq_crown_court" / "gold_backlog_trajectory.csv").read_text()
    ccsq.write_text(text.rstrip("\n")[:-2])  # '670.0' becomes '670'
    with pytest.raises(LoaderError) as number_cut:
        csvfile.read_csv(ccsq, layout="CCSQ")
    assert "cut mid-row" in str(number_cut.value) and "'670'" in str(number_cut.value)


# ---- 6. download deadline --------------------------------------------------------------------


class _Trickle(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", str(100 * 1000))
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x" * 100)
                self.wfile.flush()
                if self.server.stop.wait(0.5):
                    return
        except OSError:
            return

    def log_message(self, *args):
        pass


def test_a_server_that_trickles_bytes_hits_the_overall_deadline(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    server.stop = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fetcher = Fetcher(HttpPolicy(timeout=4, retries=2, backoff=0.1, deadline=2))
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetcher.download(
                f"http://127.0.0.1:{server.server_address[1]}/x.csv", tmp_path / "x", None
            )
        took = time.monotonic() - started
    finally:
        server.stop.set()
        server.shutdown()
    assert "HTTP_DEADLINE" in str(caught.value)
    assert took < 4  # each read kept within HTTP_TIMEOUT, yet the whole file stopped at 2 s
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.part").exists()
    assert HttpPolicy.from_settings(Settings(http_deadline=300)).deadline == 300


# ---- 7. uploads ------------------------------------------------------------------------------

WCU = TEMPLATES["wcu_witness_care"]
CROWN = TEMPLATES["hmcts_crown_mi"]
WCU_CSV = (
    "area_code,month,needs_assessments_due,needs_assessments_completed,witnesses_warned,"
    "witnesses_attended,notes\nE23000008,2025-01,404,375,524,468,{notes}\n"
)


def _problems(checked) -> str:
    return " ".join(p.message for p in checked.problems)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("return.txt", WCU_CSV.format(notes="")),
        ("return.exe", b"MZ\x90\x00binary"),
        ("return.xls", WCU_CSV.format(notes="")),
        ("return.csv.php", WCU_CSV.format(notes="")),
        ("return", WCU_CSV.format(notes="")),
        ("return.xlsx", WCU_CSV.format(notes="")),  # named a workbook, holds text
    ],
)
def test_an_upload_whose_name_and_content_disagree_is_refused(name, data):
    data = data.encode() if isinstance(data, str) else data
    checked = check_file(WCU, name, data, today=TODAY)
    assert not checked.ok
    assert "Only CSV (.csv) and Excel workbook (.xlsx)" in _problems(checked) or (
        "name and the content must agree" in _problems(checked)
    )


def _bomb(sheet_megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        row = b"<row><c t='inlineStr'><is><t>x</t></is></c></row>"
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>"
            + row * (sheet_megabytes * 1024 * 1024 // len(row))
            + b"</sheetData></worksheet>",
        )
    return buffer.getvalue()


def test_a_small_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_at_once(
    public_data_dir,
):
    data = _bomb(200)
    assert len(data) < 2 * 1024 * 1024
    started = time.perf_counter()
    checked = check_file(WCU, "return.xlsx", data, today=TODAY)
    took = time.perf_counter() - started
    assert not checked.ok and "unpacks to" in _problems(checked)
    assert took < 1.0, took
    # A real published workbook passes the size check untouched.
    workbook = (
        public_data_dir
        / "female_offenders"
        / "prt_women_imprisonment_rates_2014-2022_final_table.xlsx"
    )
    assert xlsx_size_problem(workbook.read_bytes()) is None


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        ("1" + "0" * 39, "plausibly hold"),  # 40 digits: never stored as 1e40
        ("1e2", "plain whole number"),
        ("12.0", "plain whole number"),
        ("+5", "plain whole number"),
    ],
)
def test_counts_must_be_plain_integers_under_a_plausible_maximum(count, expected):
    data = WCU_CSV.format(notes="").replace("524,468", f"{count},468").encode()
    checked = check_file(WCU, "return.csv", data, today=TODAY)
    assert not checked.ok and expected in _problems(checked), _problems(checked)
    assert [p.column for p in checked.problems] == ["witnesses_warned"]


def test_an_hmcts_crown_court_return_may_not_name_a_force_area():
    header = ",".join(CROWN.column_names)
    figures = "37,50,75,18,6,5,7,2,2,1,1,2,1,"
    data = f"{header}\nCC-TEESSIDE,2025-01,{figures}\nE23000013,2025-01,{figures}\n".encode()
    hmcts = submitter_areas(CROWN, "hmcts", None)
    checked = check_file(CROWN, "crown.csv", data, today=TODAY, submitter=hmcts)
    assert [(p.row, p.column) for p in checked.problems] == [(3, "area_code")]
    assert "HMCTS Crown Court return names Crown Court centres" in _problems(checked)
    # The OPCC may still send figures by criminal justice area, as the template allows.
    assert check_file(CROWN, "crown.csv", data, today=TODAY, submitter=None).ok
    durham_police = submitter_areas(WCU, "police", DURHAM)
    cleveland = WCU_CSV.format(notes="").replace("E23000008", "E23000013").encode()
    assert not check_file(WCU, "wcu.csv", cleveland, today=TODAY, submitter=durham_police).ok


def test_formula_like_text_is_kept_as_text_and_the_sender_told():
    data = WCU_CSV.format(notes='"=HYPERLINK(""http://x"")"').encode()
    checked = check_file(WCU, "return.csv", data, today=TODAY)
    assert checked.ok, _problems(checked)
    assert checked.values["notes"].tolist() == ['=HYPERLINK("http://x")']
    assert any("run as a formula" in note and "rows 2" in note for note in checked.notes)
    tab = WCU_CSV.format(notes="\t@SUM(A1)").encode()
    assert any("run as a formula" in n for n in check_file(WCU, "r.csv", tab, today=TODAY).notes)


# ---- CLI -------------------------------------------------------------------------------------


def test_refresh_approve_and_reject_from_the_command_line(make_settings, public_data_dir, tmp_path):
    from app import create_app

    settings = make_settings()
    application = create_app(settings)
    factory = application.server.extensions["lcjp"].session_factory
    folder = copy(public_data_dir, "police_uk_street", tmp_path)
    load(factory, POLICE, folder)
    keep_first_lines(folder / DURHAM_MARCH, 3000)
    held = load(factory, POLICE, folder)
    runner = application.server.test_cli_runner()
    approved = runner.invoke(args=["refresh", "approve", str(held.vintage_id)])
    assert approved.exit_code == 0, approved.output
    assert f"vintage {held.vintage_id} of police_uk_street approved" in approved.output
    assert current_id(factory, POLICE.id) == held.vintage_id
    again = runner.invoke(args=["refresh", "reject", str(held.vintage_id)])
    assert again.exit_code == 1 and "not held for review" in again.output
    with factory() as session:
        assert session.scalar(
            sa.select(AuditEvent.username).where(AuditEvent.event == "release approved")
        ).startswith("(command line)")


def test_an_upload_that_cuts_an_earlier_period_is_kept_but_held_for_review(make_settings):
    from loaders.submissions.uploads import accept_upload

    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    refresh.sync_registry(factory, settings.lcjp)

    def upload(data: bytes, name: str):
        return accept_upload(
            factory,
            engine,
            dataset_id="wcu_witness_care",
            file_name=name,
            data=data,
            username="test-analyst",
            user_id=None,
            submissions_dir=settings.submissions_dir,
            lock_dir=settings.instance_dir,
            max_bytes=settings.submission_max_bytes,
            today=TODAY,
        )

    june = "E23000008,2025-06,410,380,530,470,\n"
    first = upload((WCU_CSV.format(notes="") + june).encode(), "first.csv")
    assert first.accepted and not first.held_for_review
    # January 2025 is settled (over 92 days before June, the partners' revision window): a
    # resubmission with a quarter of January's witnesses is kept, but held for review.
    cut = (WCU_CSV.format(notes="").replace("404,375,524,468", "100,90,130,120") + june).encode()
    second = upload(cut, "second.csv")
    assert second.accepted and second.held_for_review
    assert any("held for review" in note for note in second.notes)
    assert current_id(factory, "wcu_witness_care") == first.vintage_id
    with factory() as session:
        assert session.get(Vintage, second.vintage_id).review_status == "held"
    engine.dispose()


def test_a_normal_next_release_becomes_current(cache, public_data_dir, tmp_path):
    """What publishers really do between releases is not held: CCSQ's court tables move on to
    the new quarter (their older quarters drop off), and proven reoffending's offence groups
    move to the new cohort (the old cohort keeps its total)."""
    import json

    ccsq = copy(public_data_dir, "ccsq_crown_court", tmp_path)
    load(cache, CCSQ, ccsq)
    trajectory = ccsq / "gold_backlog_trajectory.csv"
    trajectory.write_text(
        trajectory.read_text() + "2026-03-31,2026,Q1,28800.0,80500.0,29100.0,300.0\n"
    )
    moved = load(cache, CCSQ, ccsq)
    assert moved.status in {"success", "success with warnings"}, moved.notes
    assert current_id(cache, CCSQ.id) == moved.vintage_id

    folder = copy(public_data_dir, "reoffending", tmp_path)
    load(cache, REOFFENDING, folder)
    path = folder / "wiah_proven_reoffending_national.json"
    data = json.loads(path.read_text())
    data["timeSeries"].append(
        {
            "cohort": "2024/25",
            "date": "2024-04",
            "offenders": 330000,
            "reoffenders": 92000,
            "reoffences": 430000,
            "reoffendingRate": 27.9,
            "avgReoffences": 4.67,
        }
    )
    data["latestCohort"] = "2024/25"
    path.write_text(json.dumps(data))
    following = load(cache, REOFFENDING, folder)
    assert following.status in {"success", "success with warnings"}, following.notes
    assert current_id(cache, REOFFENDING.id) == following.vintage_id
