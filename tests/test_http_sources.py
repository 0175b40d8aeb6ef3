"""Sources over http(s): a loopback server serves the real published files, then breaks them.

Each fault (HTTP 500, a time-out, a truncated body, a renamed column) must leave the last good
data exactly as it was and record the run as failed with a plain reason.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import Settings
from loaders.datasets import DATASETS
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.fetch import Fetcher, FetchError, HttpPolicy, file_list
from loaders.models import Dataset, Observation, RefreshRun, SourceState, Vintage
from loaders.queries import observations
from loaders.refresh import sync_registry
from loaders.sources import ccsq, police_uk
from scheduler.jobs import refresh_everything, run_job

CCSQ = DATASETS["moj_ccsq_crown"]
POLICE = DATASETS["police_uk_street"]


class SourceServer(ThreadingHTTPServer):
    """Serves /ccsq/<file> and /police/<file> (+ manifest.json) from the real folders, with faults."""

    daemon_threads = True

    def __init__(self, public_dir: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folders = {
            "ccsq": public_dir / "ccsq_crown_court",
            "police": public_dir / "police_uk_street",
        }
        self.faults: dict[str, str] = {}  # path -> "500", "404", "slow", "truncate"
        self.bodies: dict[str, bytes] = {}  # path -> replacement body (schema drift)
        self.validators = True  # send ETag / Last-Modified and honour conditional requests
        self.requests: list[tuple[str, int]] = []
        self.stop = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def body(self, path: str) -> tuple[bytes, float] | None:
        if path in self.bodies:
            return self.bodies[path], 1_700_000_000.0
        prefix, _, name = path.strip("/").partition("/")
        folder = self.folders.get(prefix)
        if folder is None:
            return None
        if name == "manifest.json":
            names = sorted(p.name for p in folder.iterdir() if p.is_file())
            return json.dumps({"files": names}).encode(), 1_700_000_000.0
        file = folder / name
        if "/" in name or not file.is_file():
            return None
        return file.read_bytes(), file.stat().st_mtime

    def handle_error(self, request, client_address):
        pass  # a client that timed out and hung up is expected here


class _Handler(BaseHTTPRequestHandler):
    server: SourceServer

    def log_message(self, *_args):
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.server.requests.append((self.path, status))
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        fault = self.server.faults.get(self.path)
        if fault == "slow":
            self.server.requests.append((self.path, 0))
            self.server.stop.wait(5)  # longer than the client's time-out
            return
        if fault in {"500", "404"}:
            return self._reply(int(fault), b"broken")
        found = self.server.body(self.path)
        if found is None:
            return self._reply(404, b"not found")
        body, mtime = found
        headers = {}
        if self.server.validators:
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
            if self.headers.get("If-None-Match") == etag:
                self.server.requests.append((self.path, 304))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
        if fault == "truncate":
            self.server.requests.append((self.path, 200))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._reply(200, body, headers)


@pytest.fixture(scope="module")
def module_server(public_data_dir):
    httpd = SourceServer(public_data_dir)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(module_server):
    """The loopback server with no faults, serving the real files with validators."""
    module_server.faults.clear()
    module_server.bodies.clear()
    module_server.validators = True
    module_server.requests.clear()
    return module_server


@dataclass
class Remote:
    settings: object
    engine: sa.Engine
    factory: object
    server: SourceServer

    def refresh(self, *specs, force=False):
        outcomes = refresh_everything(
            self.engine,
            self.factory,
            self.settings,
            trigger="test",
            datasets=list(specs) or None,
            force=force,
        )
        return {o.dataset_id: o for o in outcomes}

    def snapshot(self) -> dict:
        """Everything a reader could see: current vintages, their figures, the stored validators."""
        with self.factory() as session:
            current = dict(session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all())
            counts = dict(
                session.execute(
                    sa.select(Observation.dataset_id, sa.func.count())
                    .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
                    .group_by(Observation.dataset_id)
                ).all()
            )
            total = session.scalar(sa.select(sa.func.count()).select_from(Observation))
            vintages = session.scalar(sa.select(sa.func.count()).select_from(Vintage))
            states = {
                s.dataset_id: (s.content_hash, json.dumps(s.validators, sort_keys=True))
                for s in session.scalars(sa.select(SourceState))
            }
            teesside = observations(session, "crown_open_cases", area_codes=["CC-TEESSIDE"])
        return {
            "current": current,
            "counts": counts,
            "total": total,
            "vintages": vintages,
            "states": states,
            "teesside": teesside["value"].tolist(),
        }

    def last_run(self, dataset_id: str) -> RefreshRun:
        with self.factory() as session:
            return session.scalars(
                sa.select(RefreshRun)
                .where(RefreshRun.dataset_id == dataset_id)
                .order_by(RefreshRun.id.desc())
            ).first()


def _remote(settings, server) -> Remote:
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, settings.lcjp)
    return Remote(settings, engine, factory, server)


def _http_settings(server) -> dict:
    """Both datasets over HTTP, with short time-outs and backoff so faults cost little time."""
    return dict(
        sources={
            CCSQ.id: f"{server.base}/ccsq/",
            POLICE.id: f"{server.base}/police/manifest.json",
        },
        http_timeout=0.4,
        http_retries=2,
        http_backoff=0.01,
    )


@pytest.fixture
def remote(make_settings, server):
    remote = _remote(make_settings(**_http_settings(server)), server)
    yield remote
    remote.engine.dispose()


@pytest.fixture(scope="module")
def good_cache(databases, tmp_path_factory, module_server, public_data_dir):
    """One cache with good Crown Court data from HTTP, shared by the fault tests.

    A fault never changes stored data, which is exactly what each of those tests checks.
    """
    settings = Settings(
        database_url=databases.new(),
        public_data_dir=public_data_dir,
        instance_dir=tmp_path_factory.mktemp("faults"),
        testing=True,
        **_http_settings(module_server),
    ).resolved()
    remote = _remote(settings, module_server)
    assert remote.refresh(CCSQ)[CCSQ.id].status == "success"
    yield remote
    remote.engine.dispose()


@pytest.fixture
def loaded(good_cache, server):
    """A cache whose last good Crown Court data came over HTTP from the real files."""
    return good_cache


@pytest.fixture
def loaded_alone(remote):
    """Like `loaded`, but a cache of its own, for tests that change the stored data."""
    assert remote.refresh(CCSQ)[CCSQ.id].status == "success"
    return remote


@pytest.fixture
def loaded_both(remote):
    """Both datasets loaded over HTTP: police.uk through its manifest."""
    outcomes = remote.refresh()
    statuses = {k: outcomes[k].status for k in (CCSQ.id, POLICE.id)}
    assert statuses == {CCSQ.id: "success", POLICE.id: "success"}
    return remote


def test_a_normal_fetch_loads_the_same_figures_as_the_folder(loaded_both, public_data_dir):
    loaded = loaded_both
    snapshot = loaded.snapshot()
    counts = {k: snapshot["counts"][k] for k in (CCSQ.id, POLICE.id)}
    assert counts == {
        CCSQ.id: len(ccsq.load(public_data_dir / CCSQ.folder).observations),
        POLICE.id: len(police_uk.load(public_data_dir / POLICE.folder).observations),
    }
    # Teesside's open cases as published in gold_backlog_by_court.csv: 1548 at 2025 Q4.
    assert snapshot["teesside"][-1] == 1548.0
    with loaded.factory() as session:
        locations = dict(
            session.execute(
                sa.select(Vintage.dataset_id, Vintage.source_location).where(
                    Vintage.is_demo.is_(False)
                )
            ).all()
        )
        state = session.get(SourceState, CCSQ.id)
    assert locations[CCSQ.id] == f"{loaded.server.base}/ccsq/"
    assert locations[POLICE.id] == f"{loaded.server.base}/police/manifest.json"
    assert len(state.validators) == len(ccsq.FILES)
    assert all(v["etag"] and v["last_modified"] for v in state.validators.values())
    assert not list((loaded.settings.instance_dir / "staging").iterdir())  # staging tidied


def test_an_unchanged_source_answers_304_and_is_skipped_quickly(loaded_both):
    loaded = loaded_both
    before = loaded.snapshot()
    loaded.server.requests.clear()
    started = time.perf_counter()
    outcomes = loaded.refresh()
    elapsed = time.perf_counter() - started
    assert {o.status for o in outcomes.values()} - {"empty"} == {"unchanged"}  # empty: no returns
    file_requests = [r for r in loaded.server.requests if not r[0].endswith("manifest.json")]
    assert file_requests and {status for _path, status in file_requests} == {304}
    assert loaded.snapshot() == before
    assert loaded.last_run(POLICE.id).status == "unchanged"
    assert elapsed < 5  # nothing downloaded or parsed; generous for a slow CI machine


def test_a_source_without_validators_is_skipped_by_its_content_hash(loaded_alone):
    loaded = loaded_alone
    loaded.server.validators = False
    calls = []

    def counting_loader(folder):
        calls.append(folder)
        return ccsq.load(folder)

    before = loaded.snapshot()
    spec = replace(CCSQ, loader=counting_loader)
    outcome = run_job(loaded.engine, loaded.factory, loaded.settings, spec, trigger="test")
    assert outcome.status == "unchanged"
    assert calls == []  # same bytes as the current vintage: the loader never ran
    assert loaded.snapshot()["current"] == before["current"]


def _assert_failed_and_intact(remote, before, dataset_id, *reason_words):
    run = remote.last_run(dataset_id)
    assert run.status == "failed"
    assert run.finished_at is not None
    for word in reason_words:
        assert word in run.error, run.error
    assert remote.snapshot() == before


def test_http_500_is_retried_then_recorded_with_the_last_good_data_kept(loaded):
    before = loaded.snapshot()
    path = "/ccsq/gold_backlog_by_court.csv"
    loaded.server.faults[path] = "500"
    loaded.server.validators = False  # force full downloads so the broken file is requested
    loaded.server.requests.clear()
    outcome = loaded.refresh(CCSQ)[CCSQ.id]
    assert outcome.status == "failed"
    attempts = [r for r in loaded.server.requests if r[0] == path]
    assert len(attempts) == 3  # one try and two retries (HTTP_RETRIES=2)
    _assert_failed_and_intact(loaded, before, CCSQ.id, "HTTP 500", path, "gave up after 3 attempts")


def test_http_404_fails_at_once_without_retries(loaded):
    before = loaded.snapshot()
    path = f"/ccsq/{ccsq.TIMELINESS_TREND}"
    loaded.server.faults[path] = "404"
    loaded.server.validators = False
    loaded.server.requests.clear()
    loaded.refresh(CCSQ)
    assert [r for r in loaded.server.requests if r[0] == path] == [(path, 404)]
    _assert_failed_and_intact(loaded, before, CCSQ.id, "HTTP 404", ccsq.TIMELINESS_TREND)


def test_a_time_out_is_recorded_with_the_last_good_data_kept(loaded):
    before = loaded.snapshot()
    loaded.server.faults["/ccsq/gold_caseload_age.csv"] = "slow"
    loaded.server.validators = False
    started = time.perf_counter()
    loaded.refresh(CCSQ)
    assert time.perf_counter() - started < 4  # 3 attempts of 0.4 s, not the server's 5 s
    _assert_failed_and_intact(
        loaded, before, CCSQ.id, "no answer within 0.4 seconds", "gold_caseload_age.csv"
    )


def test_a_truncated_body_is_recorded_with_the_last_good_data_kept(loaded):
    before = loaded.snapshot()
    name = ccsq.CASELOAD_AGE
    loaded.server.faults[f"/ccsq/{name}"] = "truncate"
    loaded.server.validators = False
    loaded.refresh(CCSQ)
    _assert_failed_and_intact(loaded, before, CCSQ.id, "cut short", name)
    assert not list((loaded.settings.instance_dir / "staging").iterdir())


def test_a_renamed_column_is_recorded_with_the_last_good_data_kept(loaded, public_data_dir):
    before = loaded.snapshot()
    original = (public_data_dir / CCSQ.folder / ccsq.TRAJECTORY).read_bytes()
    header, rest = original.split(b"\n", 1)
    assert b",open," in header
    drifted = header.replace(b",open,", b",open_cases,") + b"\n" + rest
    loaded.server.bodies[f"/ccsq/{ccsq.TRAJECTORY}"] = drifted
    loaded.refresh(CCSQ)
    _assert_failed_and_intact(loaded, before, CCSQ.id, "'open'", "open_cases")
    # The reason names the file by its URL, not by the staging folder it was read from.
    assert f"{loaded.server.base}/ccsq/{ccsq.TRAJECTORY}" in loaded.last_run(CCSQ.id).error
    assert "staging" not in loaded.last_run(CCSQ.id).error


def test_a_changed_file_is_fetched_whole_and_loaded_as_a_new_vintage(loaded_alone, public_data_dir):
    loaded = loaded_alone
    """One file changes: the others answered 304 but are fetched again, since the loader needs all."""
    original = (public_data_dir / CCSQ.folder / ccsq.WAITING_HEARING).read_bytes()
    loaded.server.bodies[f"/ccsq/{ccsq.WAITING_HEARING}"] = original.replace(b"\n", b"\r\n")
    before = loaded.snapshot()
    outcome = loaded.refresh(CCSQ)[CCSQ.id]
    assert outcome.status == "success"
    after = loaded.snapshot()
    assert after["current"][CCSQ.id] != before["current"][CCSQ.id]
    assert after["counts"] == before["counts"] and after["teesside"] == before["teesside"]


def test_a_manifest_may_not_write_outside_the_staging_folder(server):
    server.bodies["/evil/manifest.json"] = json.dumps({"files": ["../../etc/passwd"]}).encode()
    fetcher = Fetcher(HttpPolicy(timeout=1, retries=0))
    with pytest.raises(FetchError, match="not a plain file name"):
        file_list(fetcher, f"{server.base}/evil/manifest.json", POLICE.id)
    server.bodies["/evil2/manifest.json"] = json.dumps(
        {"files": [{"name": "a.csv", "url": "file:///etc/passwd"}]}
    ).encode()
    with pytest.raises(FetchError, match="only http and https"):
        file_list(fetcher, f"{server.base}/evil2/manifest.json", POLICE.id)


def test_a_file_over_the_size_limit_is_refused_and_not_kept(server, tmp_path):
    fetcher = Fetcher(HttpPolicy(timeout=1, retries=0, max_bytes=1000))
    target = tmp_path / ccsq.CASELOAD_AGE
    with pytest.raises(FetchError, match="over the 1,000 byte limit"):
        fetcher.download(f"{server.base}/ccsq/{ccsq.CASELOAD_AGE}", target, None)
    assert list(tmp_path.iterdir()) == []
