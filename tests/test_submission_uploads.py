"""Partner uploads end to end on a fresh cache: vintages, "any error writes nothing", the drop
folder the refresh reads, demo returns, and a 50 MB file."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from loaders import refresh
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.measures import MEASURES
from loaders.models import Dataset, Observation, RefreshRun, Submission, Vintage
from loaders.queries import observations
from loaders.submissions import demo_returns, drop_folder
from loaders.submissions.drop_folder import folder_for, submission_files
from loaders.submissions.templates import TEMPLATES
from loaders.submissions.uploads import accept_upload

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 26)
WCU = "wcu_witness_care"
HEADER = ",".join(TEMPLATES[WCU].column_names)
PARTNER_SPECS = [d for d in DATASETS.values() if d.submission]


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


FIRST = _csv(
    "E23000008,2025-01,420,389,610,548,",
    "E23000013,2025-01,380,301,500,402,",
    "E23000008,2025-02,400,391,590,560,",
    "E23000013,2025-02,360,333,470,421,",
)
# A resubmission: Durham February revised, Durham March new; Cleveland is not in it.
SECOND = _csv("E23000008,2025-02,400,395,590,566,Revised", "E23000008,2025-03,410,380,600,570,")


class Cache:
    """A fresh, migrated cache with the registries written, and a drop-folder root."""

    def __init__(self, settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        migrate(self.engine)
        self.factory = make_sessionmaker(self.engine)
        refresh.sync_registry(self.factory, settings.lcjp)
        self.submissions_dir = settings.submissions_dir

    def upload(self, data: bytes, name: str = "wcu.csv", dataset_id: str = WCU, **overrides):
        options = dict(
            dataset_id=dataset_id,
            file_name=name,
            data=data,
            username="test-analyst",
            user_id=None,
            submissions_dir=self.submissions_dir,
            lock_dir=self.settings.instance_dir,
            max_bytes=self.settings.submission_max_bytes,
            today=TODAY,
        )
        options.update(overrides)
        return accept_upload(self.factory, self.engine, **options)

    def state(self) -> dict:
        """Everything an upload could change, to prove a refused one changed none of it."""
        with self.factory() as session:
            count = lambda model: session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
            return {
                "observations": count(Observation),
                "vintages": count(Vintage),
                "runs": count(RefreshRun),
                "submissions": count(Submission),
                "current": dict(
                    session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all()
                ),
                "files": sorted(p.name for p in self.submissions_dir.rglob("*") if p.is_file()),
            }

    def figures(self, measure_id: str) -> dict:
        with self.factory() as session:
            frame = observations(session, measure_id)
        return {
            (r.area_code, r.period_start): (r.numerator, r.denominator)
            for r in frame.itertuples(index=False)
        }


@pytest.fixture
def cache(make_settings):
    built = Cache(make_settings())
    yield built
    built.engine.dispose()


def test_a_valid_upload_becomes_a_vintage_and_a_second_a_further_one_keeping_the_first(cache):
    first = cache.upload(FIRST, name="WCU Jan-Feb 2025.csv")
    assert first.accepted, first.problems
    assert (first.rows, first.figures, first.vintage_figures) == (4, 8, 8)
    assert cache.figures("wcu_needs_assessment_rate") == {
        ("E23000008", date(2025, 1, 1)): (389, 420),
        ("E23000013", date(2025, 1, 1)): (301, 380),
        ("E23000008", date(2025, 2, 1)): (391, 400),
        ("E23000013", date(2025, 2, 1)): (333, 360),
    }
    # The original bytes are kept under a timestamped name, traceable from the ledger.
    folder = folder_for(cache.submissions_dir, WCU)
    (kept,) = submission_files(folder)
    assert kept.read_bytes() == FIRST and kept.name.endswith("-test-analyst-WCU_Jan-Feb_2025.csv")
    with cache.factory() as session:
        ledger = session.scalars(sa.select(Submission)).one()
        vintage = session.get(Vintage, first.vintage_id)
    assert (ledger.stored_name, ledger.vintage_id, ledger.original_name) == (
        kept.name,
        first.vintage_id,
        "WCU Jan-Feb 2025.csv",
    )
    assert ledger.sha256 == hashlib.sha256(FIRST).hexdigest() and ledger.size_bytes == len(FIRST)
    assert not vintage.is_demo and vintage.period_latest == date(2025, 2, 28)

    second = cache.upload(SECOND, name="wcu-revised.csv")
    assert second.accepted and second.vintage_id != first.vintage_id
    assert second.vintage_figures == 10  # 8 from the first file, 2 replaced, 2 new
    assert cache.figures("wcu_needs_assessment_rate") == {
        ("E23000008", date(2025, 1, 1)): (389, 420),  # only in the first file: kept
        ("E23000013", date(2025, 1, 1)): (301, 380),
        ("E23000008", date(2025, 2, 1)): (395, 400),  # revised by the second file
        ("E23000013", date(2025, 2, 1)): (333, 360),  # not in the second file: kept
        ("E23000008", date(2025, 3, 1)): (380, 410),  # new
    }
    with cache.factory() as session:
        kept_rows = session.scalar(
            sa.select(sa.func.count()).where(Observation.vintage_id == first.vintage_id)
        )
        runs = session.scalars(sa.select(RefreshRun.trigger)).all()
        assert session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 2
    assert kept_rows == 8  # the first vintage is kept whole
    assert runs == ["upload", "upload"]
    assert len(submission_files(folder)) == 2


def test_a_file_with_any_error_writes_nothing(cache):
    assert cache.upload(FIRST).accepted
    before = cache.state()
    bad = SECOND.replace(b"2025-03,410,380", b"2025-03,410,3B0")  # one bad cell in a good file
    outcome = cache.upload(bad)
    assert not outcome.accepted
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "needs_assessments_completed")]
    assert cache.state() == before  # no file kept, no row, no vintage, no run, no ledger entry


def test_a_file_over_the_size_limit_is_refused_unread_and_writes_nothing(cache):
    before = cache.state()
    big = FIRST + b"E23000008,2025-04,1,1,1,1," + b"x" * 3000 + b"\n"
    outcome = cache.upload(big, max_bytes=2048)
    assert not outcome.accepted
    (problem,) = outcome.problems
    assert problem.row is None and "files may be at most" in problem.message
    assert cache.state() == before


def _refresh_wcu(cache) -> refresh.RefreshOutcome:
    """The drop folder scan the scheduler runs, for the Witness Care Unit return only."""
    (outcome,) = refresh.refresh_all(
        cache.factory,
        public_data_dir=ROOT,
        demo_dir=cache.settings.instance_dir / "demo",
        submissions_dir=cache.submissions_dir,
        datasets=[DATASETS[WCU]],
        today=TODAY,
    )
    return outcome


def _stored(cache) -> dict:
    state = cache.state()
    return {k: state[k] for k in ("observations", "vintages", "current", "submissions")}


BY_HAND = "29990101T000000Z-by-hand.csv"
# Row 2 has more assessments completed than due; row 3 a month in the future.
MALFORMED = _csv("E23000008,2025-04,10,11,5,5,", "E23000013,2099-01,10,9,5,5,")


def test_a_broken_file_dropped_by_hand_is_set_aside_and_turns_no_upload_away(cache):
    assert cache.upload(FIRST).accepted
    folder = folder_for(cache.submissions_dir, WCU)
    (folder / BY_HAND).write_bytes(MALFORMED)
    before = _stored(cache)
    outcome = cache.upload(SECOND)
    assert outcome.accepted, outcome.problems
    assert any(BY_HAND in note and "rejected/" in note for note in outcome.notes)
    (moved,) = (folder / "rejected").glob(f"*-{BY_HAND}")
    assert moved.read_bytes() == MALFORMED and BY_HAND not in {p.name for p in folder.iterdir()}
    assert moved.with_name(moved.name + ".reasons.txt").is_file()
    with cache.factory() as session:  # the rejection is on record, then the upload's own load
        runs = session.execute(
            sa.select(RefreshRun.status, RefreshRun.error).order_by(RefreshRun.id)
        ).all()
    assert [status for status, _error in runs] == ["success", "failed", "success"]
    assert BY_HAND in runs[1].error and f"rejected/{moved.name}" in runs[1].error
    after = _stored(cache)
    assert after["vintages"] == before["vintages"] + 1 and after["submissions"] == 2
    assert cache.figures("wcu_needs_assessment_rate")[("E23000008", date(2025, 3, 1))] == (
        380,
        410,
    )
    assert _refresh_wcu(cache).status == "unchanged"  # rejected/ is no part of the release


def test_a_rejected_file_is_set_aside_with_its_reasons_and_never_read_again(cache, monkeypatch):
    assert cache.upload(FIRST).accepted
    folder = folder_for(cache.submissions_dir, WCU)
    (folder / BY_HAND).write_bytes(MALFORMED)
    before = _stored(cache)

    failed = _refresh_wcu(cache)
    assert failed.status == "failed" and failed.had_data
    (moved,) = (folder / "rejected").glob(f"*-{BY_HAND}")
    assert re.fullmatch(rf"\d{{8}}T\d{{12}}Z-{re.escape(BY_HAND)}", moved.name)
    assert moved.read_bytes() == MALFORMED
    assert BY_HAND not in {p.name for p in submission_files(folder)}
    reasons = (folder / "rejected" / f"{moved.name}.reasons.txt").read_text()
    assert reasons.startswith(f"{BY_HAND} was rejected on ")
    assert f"moved to rejected/{moved.name}" in reasons
    assert "Witness Care Unit return template, it has 2 problems:" in reasons
    assert "- row 2, column 'needs_assessments_completed': " in reasons
    assert "- row 3, column 'month': 2099-01 is in the future" in reasons
    assert "no figure already stored was changed" in reasons
    # The refresh's message, which the Data refresh page shows, says where the file is now.
    assert "row 2" in failed.error and f"moved to rejected/{moved.name}" in failed.error
    assert f"every problem in rejected/{moved.name}.reasons.txt" in failed.error
    assert _stored(cache) == before  # nothing already stored changed

    # The next scan does not read it again: the folder holds what was loaded, so nothing changes.
    reads = []
    real_check = drop_folder.check_file
    monkeypatch.setattr(
        drop_folder, "check_file", lambda *a, **k: reads.append(a[1]) or real_check(*a, **k)
    )
    assert _refresh_wcu(cache).status == "unchanged" and BY_HAND not in reads
    assert _stored(cache) == before

    # The same name rejected again never overwrites the first rejection; a good file loads.
    (folder / BY_HAND).write_bytes(MALFORMED.replace(b"10,11", b"10,12"))
    (folder / "29990102T000000Z-good.csv").write_bytes(SECOND)
    assert _refresh_wcu(cache).status == "failed" and _stored(cache) == before
    rejected = sorted((folder / "rejected").iterdir())
    assert len([p for p in rejected if p.name.endswith(BY_HAND)]) == 2
    assert len([p for p in rejected if p.name.endswith(".reasons.txt")]) == 2
    assert moved.read_bytes() == MALFORMED
    assert reads.count(BY_HAND) == 1  # the second one, read once
    loaded = _refresh_wcu(cache)
    assert loaded.status == "success" and reads.count(BY_HAND) == 1
    assert reads[-1] == "29990102T000000Z-good.csv"
    assert cache.figures("wcu_needs_assessment_rate")[("E23000008", date(2025, 3, 1))] == (
        380,
        410,
    )


def test_the_data_refresh_page_says_where_a_rejected_file_went(cache):
    from layouts import admin as admin_layout
    from loaders import ledger

    assert cache.upload(FIRST).accepted
    folder = folder_for(cache.submissions_dir, WCU)
    (folder / BY_HAND).write_bytes(MALFORMED)
    assert _refresh_wcu(cache).status == "failed"
    (moved,) = (folder / "rejected").glob(f"*-{BY_HAND}")
    with cache.factory() as session:
        rows = ledger.dataset_ledger(session, schedules={}, sources={})
        runs = ledger.recent_runs(session)
    page = " ".join(
        str(component)
        for component in (
            admin_layout.ledger_table(rows, "Europe/London"),
            admin_layout.history_table(runs, {}, "Europe/London"),
        )
    )
    assert page.count(f"moved to rejected/{moved.name}") == 2  # the ledger and the history


def test_the_refresh_reads_files_dropped_by_hand_in_name_order(cache):
    folder = folder_for(cache.submissions_dir, WCU)
    folder.mkdir(parents=True)
    (folder / "20250301T090000Z-analyst-first.csv").write_bytes(FIRST)
    (folder / "20250401T090000Z-analyst-second.csv").write_bytes(SECOND)
    (folder / "~$20250401T090000Z-analyst-second.csv").write_bytes(b"an Excel lock file")
    (folder / "notes.txt").write_text("not a return")

    def run():
        return refresh.refresh_all(
            cache.factory,
            public_data_dir=ROOT,
            demo_dir=cache.settings.instance_dir / "demo",
            submissions_dir=cache.submissions_dir,
            datasets=PARTNER_SPECS,
            today=TODAY,
        )

    outcomes = {o.dataset_id: o for o in run()}
    # notes.txt is not a return: listed as not read (a warning), never a plain success.
    assert outcomes[WCU].status == "success with warnings" and outcomes[WCU].rows == 10
    assert outcomes[WCU].warnings == [
        "not read: notes.txt (only .csv and .xlsx returns are read from a drop folder)"
    ]
    assert {o.status for k, o in outcomes.items() if k != WCU} == {"empty"}
    figures = cache.figures("wcu_witness_attendance_rate")
    assert figures[("E23000008", date(2025, 2, 1))] == (566, 590)  # the later file wins
    assert figures[("E23000013", date(2025, 2, 1))] == (421, 470)
    assert run()[list(outcomes).index(WCU)].status == "unchanged"
    with cache.factory() as session:  # an empty drop folder leaves no trace in the ledger
        assert session.scalars(sa.select(RefreshRun.dataset_id).distinct()).all() == [WCU]


def test_demo_returns_load_as_demo_data_and_a_real_return_replaces_its_periods(cache):
    def run():
        return refresh.refresh_all(
            cache.factory,
            public_data_dir=None,
            demo_dir=cache.settings.instance_dir / "demo-data",
            submissions_dir=cache.submissions_dir,
            datasets=PARTNER_SPECS,
            today=TODAY,
        )

    assert [o.status for o in run()] == ["success"] * len(PARTNER_SPECS)
    with cache.factory() as session:
        vintages = session.scalars(
            sa.select(Vintage).join(Dataset, Dataset.current_vintage_id == Vintage.id)
        ).all()
        measures = set(
            session.scalars(
                sa.select(Observation.measure_id)
                .distinct()
                .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
            )
        )
    assert {v.dataset_id for v in vintages if v.is_demo} == set(TEMPLATES)
    assert {MEASURES[m].subgroup for m in measures} >= {
        "effectiveness-efficiency",
        "victim-witness",
        "reducing-reoffending",
        "female-offender",
    }
    assert {v.period_latest for v in vintages if v.dataset_id == WCU} == {date(2026, 10, 31)}
    assert [o.status for o in run()] == ["unchanged"] * len(PARTNER_SPECS)

    demo_figure = cache.figures("wcu_needs_assessment_rate")[("E23000008", date(2025, 2, 1))]
    outcome = cache.upload(SECOND)
    assert outcome.accepted and outcome.is_demo  # still mixed with demo figures: still labelled
    figures = cache.figures("wcu_needs_assessment_rate")
    assert figures[("E23000008", date(2025, 2, 1))] == (395, 400) != demo_figure
    assert len(figures) == 5 * (12 * 7 + 10)  # five areas, 2019-01 to 2026-10


def test_demo_returns_have_the_covid_lockdown_and_are_stable(tmp_path):
    first = demo_returns.write_demo_returns(tmp_path / "a", today=TODAY)
    again = demo_returns.write_demo_returns(tmp_path / "a", today=TODAY)
    other = demo_returns.write_demo_returns(tmp_path / "b", today=TODAY)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in other]
    assert [p.stat().st_mtime_ns for p in first] == [p.stat().st_mtime_ns for p in again]

    def read(dataset_id):
        return pd.read_csv(folder_for(tmp_path / "a", dataset_id) / f"demo-{dataset_id}.csv")

    crown = (
        read("hmcts_crown_mi")
        .groupby("month")[["receipts", "disposals", "trials", "outstanding"]]
        .sum()
    )
    spring = lambda year: [f"{year}-04", f"{year}-05"]  # noqa: E731
    assert (
        crown.loc[spring(2020), "disposals"].sum()
        < 0.5 * crown.loc[spring(2019), "disposals"].sum()
    )
    assert crown.loc[spring(2020), "trials"].sum() < 0.5 * crown.loc[spring(2019), "trials"].sum()
    assert crown.loc["2023-12", "outstanding"] > 1.2 * crown.loc["2019-12", "outstanding"]
    police = read("police_force_extract")
    asb = police[police["measure"] == "force_asb_incidents"].groupby("month")["value"].sum()
    assert asb["2020-04"] > 1.8 * asb["2019-04"]
    cps = read("cps_weekly_dashboard").groupby("week_commencing")["charge_decisions"].sum()
    assert cps["2020-03-30"] < 0.8 * cps["2019-04-01"]
    areas = set(read("wcu_witness_care")["area_code"])
    assert areas == {"E23000008", "E23000013", "E23000007", "E23000012", "E23000011"}


def _fifty_megabyte_force_extract(path: Path) -> int:
    """A valid force extract of about 50 MB: every force, 2000 to 2025, each measure, long notes."""
    template = TEMPLATES["police_force_extract"]
    codes = template.column("measure").allowed
    note = "Checked against the control room log; " * 9
    rows = 0
    with path.open("w", newline="") as handle:
        handle.write(",".join(template.column_names) + "\n")
        for area in sorted(template.area_codes()):
            for year in range(2000, 2026):
                for month in range(1, 13):
                    for code in codes:
                        if MEASURES[code].unit == "percent":
                            handle.write(f"{area},{year}-{month:02d},{code},,{month},100,{note}\n")
                        else:
                            handle.write(f"{area},{year}-{month:02d},{code},{year},,,{note}\n")
                        rows += 1
    return rows


def test_a_50_mb_file_is_checked_and_loaded_without_blowing_time_or_memory(cache, tmp_path):
    path = tmp_path / "force-extract.csv"
    rows = _fifty_megabyte_force_extract(path)
    assert path.stat().st_size > 50 * 1000 * 1000
    # The upload runs in a fresh process, so its peak memory is its own and can be measured.
    script = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from loaders.db import make_engine, make_sessionmaker
from loaders.submissions.uploads import accept_upload

url, path, submissions, instance = sys.argv[1:]
engine = make_engine(url)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
outcome = accept_upload(
    make_sessionmaker(engine), engine, dataset_id="police_force_extract", file_name=Path(path).name,
    data=Path(path).read_bytes(), username="test-analyst", user_id=None,
    submissions_dir=Path(submissions), lock_dir=Path(instance), max_bytes=64 * 1024 * 1024,
    today=date(2026, 11, 26),
)
print(json.dumps({
    "accepted": outcome.accepted, "rows": outcome.rows, "figures": outcome.vintage_figures,
    "problems": [str(p) for p in outcome.problems[:3]],
    "seconds": time.perf_counter() - started,
    "extra_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
}))
"""
    settings = cache.settings
    arguments = [settings.database_url, path, settings.submissions_dir, settings.instance_dir]
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["accepted"], result["problems"]
    assert result["rows"] == rows and result["figures"] == rows
    # Guards against pathological time or memory, not benchmarks (benchmarks/bench_submissions.py).
    assert result["seconds"] < 60, result
    assert result["extra_mb"] < 800, result
    with cache.factory() as session:
        vintage = session.get(Dataset, "police_force_extract").current_vintage
        stored = session.scalar(
            sa.select(sa.func.count()).where(Observation.vintage_id == vintage.id)
        )
    assert stored == rows
    (kept,) = submission_files(folder_for(settings.submissions_dir, "police_force_extract"))
    assert kept.stat().st_size == path.stat().st_size
