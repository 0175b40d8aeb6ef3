"""Latest-release discovery through the GOV.UK Content API, served by a loopback http.server.

The collection and publication replies follow the Content API's shape (links.documents with
title, base_path, api_url, public_updated_at; details.attachments with filename and url); the
attachments are MoJ tool workbooks built in the documented pivot-cache layout
(tests/test_loaders_ccsq_tools.py). A new release is a new vintage and its restated figures show
as revisions; a release missing a file, or pointing off GOV.UK, is refused and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config import Settings
from loaders import refresh
from loaders.areas import crown_court_code
from loaders.datasets import CCSQ_COLLECTION_API, DATASETS, POLICE_UK_LATEST_ARCHIVE
from loaders.fetch import Fetcher, FetchError, HttpPolicy, file_list, resolve_source
from loaders.models import Dataset
from loaders.revisions import revisions
from loaders.sources import ccsq_tools
from tests.test_loaders_ccsq_tools import build_release

CCSQ = DATASETS["moj_ccsq_crown"]
COLLECTION = "/api/content/government/collections/criminal-court-statistics"
TEESSIDE = crown_court_code("Teesside")
POLICY = HttpPolicy(timeout=5, retries=0, backoff=0)


class ContentApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: dict[str, bytes] = {}
        self.requests: list[tuple[str, int]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def publish(self, slug: str, title: str, folder: Path, files=ccsq_tools.TOOLS, host=None):
        """Add a release page and its attachments; the collection lists every release."""
        attachments = []
        for name in files:
            path = f"/media/{slug}/{name}"
            self.bodies[path] = (folder / name).read_bytes()
            attachments.append(
                {
                    "attachment_type": "file",
                    "filename": name,
                    "title": name,
                    "url": (host or self.base) + path,
                }
            )
        api_path = f"/api/content/government/statistics/{slug}"
        self.bodies[api_path] = json.dumps(
            {"title": title, "details": {"attachments": attachments}}
        ).encode()
        collection = json.loads(self.bodies.get(COLLECTION, b'{"links": {"documents": []}}'))
        collection["links"]["documents"].append(
            {
                "title": title,
                "base_path": f"/government/statistics/{slug}",
                "api_url": self.base + api_path,
                "document_type": "official_statistics",
                "public_updated_at": "2026-03-26T09:30:00.000+00:00",
            }
        )
        self.bodies[COLLECTION] = json.dumps(collection).encode()


class _Handler(BaseHTTPRequestHandler):
    server: ContentApi

    def log_message(self, *_args):
        pass

    def do_GET(self):
        body = self.server.bodies.get(self.path)
        if body is None:
            self.server.requests.append((self.path, 404))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.server.requests.append((self.path, 304))
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.server.requests.append((self.path, 200))
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api():
    httpd = ContentApi()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def releases(tmp_path_factory, public_data_dir) -> dict[str, Path]:
    """Q3 2025 and Q4 2025 releases (the same figures), and a Q1 2026 one restating Teesside."""
    root = tmp_path_factory.mktemp("releases")

    def restate(parts):
        name = "xl/pivotCache/pivotCacheRecords1.xml"
        parts[name] = parts[name].replace('<n v="1448"/>', '<n v="1450"/>', 1)

    return {
        "q3": build_release(root / "q3", public_data_dir),
        "q4": build_release(root / "q4", public_data_dir),
        "q1": build_release(root / "q1", public_data_dir, rdos_change=restate),
    }


def _publish_two(api, releases):
    api.publish(
        "ccsq-jul-sep-2025",
        "Criminal court statistics quarterly: July to September 2025",
        releases["q3"],
    )
    api.publish(
        "ccsq-oct-dec-2025",
        "Criminal court statistics quarterly: October to December 2025",
        releases["q4"],
    )
    api.bodies[COLLECTION] = api.bodies[COLLECTION].replace(
        b'"documents": [',
        b'"documents": [{"title": "A guide to criminal court statistics", "base_path": "/guide"}, ',
        1,
    )


def test_the_latest_release_is_found_by_its_period(api, releases):
    _publish_two(api, releases)
    files = file_list(Fetcher(POLICY), api.base + COLLECTION, "moj_ccsq_crown")
    assert set(files) == set(ccsq_tools.TOOLS)
    assert all("/media/ccsq-oct-dec-2025/" in url for url in files.values())


def _teesside(cache, quarter_end=date(2025, 12, 31)) -> float:
    from loaders.models import Observation

    with cache() as session:
        vintage = session.get(Dataset, CCSQ.id).current_vintage_id
        return (
            session.query(Observation.value)
            .filter_by(
                vintage_id=vintage,
                measure_id="crown_open_cases",
                area_code=TEESSIDE,
                period_end=quarter_end,
            )
            .scalar()
        )


def test_refresh_from_the_collection_then_not_modified_then_a_new_release(
    api, releases, cache, tmp_path
):
    _publish_two(api, releases)
    url = api.base + COLLECTION
    first = refresh.refresh_dataset(cache, CCSQ, url, http=POLICY, staging_root=tmp_path)
    assert first.status == "success", first.error
    assert _teesside(cache) == 1548

    again = refresh.refresh_dataset(cache, CCSQ, url, http=POLICY, staging_root=tmp_path)
    assert again.status == "unchanged"
    media = [status for path, status in api.requests[-3:] if path.startswith("/media/")]
    assert media == [304, 304, 304]  # conditional GET: nothing downloaded again

    # The next quarter's release restates Teesside's 2025 Q4 figure: a new vintage, a revision.
    api.publish(
        "ccsq-jan-mar-2026",
        "Criminal court statistics quarterly: January to March 2026",
        releases["q1"],
    )
    third = refresh.refresh_dataset(cache, CCSQ, url, http=POLICY, staging_root=tmp_path)
    assert third.status == "success", third.error
    assert _teesside(cache) == 1550
    with cache() as session:
        revised = revisions(session, "crown_open_cases", area_codes=[TEESSIDE])
    assert len(revised) == 1
    row = revised.iloc[0]
    assert (row["value"], row["previous_value"]) == (1550, 1548)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda api, releases: api.publish(
                "ccsq-jan-mar-2026",
                "Criminal court statistics quarterly: January to March 2026",
                releases["q1"],
                files=(ccsq_tools.RDOS_TOOL, ccsq_tools.TIMELINESS_TOOL),
            ),
            "has no attachment cc_open_tool.xlsx",
        ),
        (
            lambda api, releases: api.publish(
                "ccsq-jan-mar-2026",
                "Criminal court statistics quarterly: January to March 2026",
                releases["q1"],
                host="http://example.invalid",
            ),
            "which is not GOV.UK",
        ),
        (
            lambda api, releases: api.bodies.__setitem__(COLLECTION, b'{"title": "moved"}'),
            "has no links.documents list",
        ),
    ],
)
def test_a_bad_release_is_refused_and_nothing_changes(
    api, releases, cache, tmp_path, setup, message
):
    _publish_two(api, releases)
    url = api.base + COLLECTION
    assert (
        refresh.refresh_dataset(cache, CCSQ, url, http=POLICY, staging_root=tmp_path).status
        == "success"
    )
    with cache() as session:
        current = session.get(Dataset, CCSQ.id).current_vintage_id
    setup(api, releases)
    outcome = refresh.refresh_dataset(cache, CCSQ, url, http=POLICY, staging_root=tmp_path)
    assert outcome.status == "failed"
    assert message in outcome.error
    with cache() as session:
        assert session.get(Dataset, CCSQ.id).current_vintage_id == current
    assert _teesside(cache) == 1548


def test_the_collection_must_list_a_quarterly_release(api):
    api.bodies[COLLECTION] = json.dumps({"links": {"documents": [{"title": "Guide"}]}}).encode()
    with pytest.raises(FetchError, match="no publication in the collection is titled like"):
        file_list(Fetcher(POLICY), api.base + COLLECTION, "moj_ccsq_crown")


# --- publisher defaults: opt-in, never offline, in demo mode or in tests -----------------------


def test_publisher_defaults_are_opt_in(tmp_path):
    base = Settings(instance_dir=tmp_path, secret_key="x")
    police = DATASETS["police_uk_street"]
    assert resolve_source(CCSQ, base) == (str(tmp_path / "demo-data" / CCSQ.folder), True)
    online = replace(base, fetch_from_publishers=True)
    assert resolve_source(CCSQ, online) == (CCSQ_COLLECTION_API, False)
    assert resolve_source(police, online) == (POLICE_UK_LATEST_ARCHIVE, False)
    assert resolve_source(DATASETS["police_uk_outcomes"], online) == (
        POLICE_UK_LATEST_ARCHIVE,
        False,
    )
    # A dataset with no known publisher location stays on its folder or demo data.
    cps = DATASETS["cps_case_outcomes"]
    assert resolve_source(cps, online)[1] is True and cps.default_source_note
    # PUBLIC_DATA_DIR, demo mode and tests never fetch the default.
    public = replace(online, public_data_dir=tmp_path / "public")
    assert resolve_source(CCSQ, public) == (str(tmp_path / "public" / CCSQ.folder), False)
    assert resolve_source(CCSQ, replace(online, demo_mode=True))[1] is True
    assert resolve_source(CCSQ, replace(online, testing=True))[1] is True
    # SOURCE_<ID> still wins.
    mine = replace(online, sources={CCSQ.id: "https://mirror.example/ccsq/"})
    assert resolve_source(CCSQ, mine) == ("https://mirror.example/ccsq/", False)


def test_every_public_dataset_names_its_publisher_location_or_why_not():
    for spec in DATASETS.values():
        if spec.submission:
            continue
        assert spec.default_source or spec.default_source_note, spec.id


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FETCH_FROM_PUBLISHERS", "1")
    monkeypatch.delenv("SOURCE_MAX_BYTES", raising=False)
    settings = Settings.from_env(instance_dir=tmp_path, secret_key="x", testing=True)
    assert settings.fetch_from_publishers is True
    assert settings.source_max_bytes == 4 * 1_073_741_824
    monkeypatch.setenv("FETCH_FROM_PUBLISHERS", "0")
    assert Settings.from_env(instance_dir=tmp_path, secret_key="x").fetch_from_publishers is False
