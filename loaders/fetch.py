"""Fetch a dataset published over http(s) into a staging folder the folder loaders read unchanged.

A source URL is either a folder-like base (`https://host/ccsq/`) holding the file names the
loader expects, or a JSON manifest (`https://host/police/manifest.json`) listing them:

    {"files": ["2025-01-durham-street.csv", {"name": "x.csv", "url": "https://other/x.csv"}]}

Every request has a time-out for each read and an overall deadline per file (HTTP_DEADLINE,
retries included), so a server that trickles bytes cannot hold a refresh open; time-outs,
dropped connections, truncated bodies and HTTP 5xx are retried with exponential backoff; any
other HTTP error fails at once. The ETag and
Last-Modified each file was served with are remembered (loaders.models.SourceState) and sent
back next time, so an unchanged source answers 304 and is skipped without a download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

from loaders import discovery
from loaders.sources import ccsq
from loaders.submissions import drop_folder

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
# File names a base URL is expected to hold, for loaders that read a fixed set of files.
# Any other dataset's base URL must serve a manifest.json listing its files.
EXPECTED_FILES: dict[str, tuple[str, ...]] = {"moj_ccsq_crown": ccsq.FILES}
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ ()-]{0,200}")
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
CHUNK = 1 << 16


class FetchError(RuntimeError):
    """A source could not be fetched; the message is the plain reason shown in the ledger."""


@dataclass(frozen=True)
class HttpPolicy:
    """Time-out, retries and size limit for every request to a source."""

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0
    max_bytes: int = 1_073_741_824
    deadline: float = 300.0  # seconds one file may take in all, every attempt included

    @classmethod
    def from_settings(cls, settings) -> HttpPolicy:
        return cls(
            timeout=max(settings.http_timeout, 0.1),
            retries=max(settings.http_retries, 0),
            backoff=max(settings.http_backoff, 0.0),
            max_bytes=settings.source_max_bytes,
            deadline=max(settings.http_deadline, 0.1),
        )


@dataclass
class FetchedSource:
    """The outcome of fetching: either nothing changed (304 for every file) or a staged folder."""

    location: str
    folder: Path | None
    not_modified: bool
    validators: dict[str, dict] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # staged file name -> its URL

    def explain(self, message: str) -> str:
        """Name files by their URL, not by the temporary folder they were read from."""
        if self.folder is None:
            return message
        for name, url in self.urls.items():
            message = message.replace(str(self.folder / name), url)
        return message.replace(str(self.folder), self.location)

    def discard(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def resolve_source(spec, settings) -> tuple[str, bool]:
    """(where a dataset is read from, whether it is generated demo data).

    SOURCE_<ID> (a folder or an http(s) URL) wins; then PUBLIC_DATA_DIR/<folder>; then, with
    FETCH_FROM_PUBLISHERS=1, the publisher's own location from the registry; otherwise the
    dataset is read from the generated demo files under the instance folder.
    """
    if getattr(spec, "submission", False):
        # Partner returns are read from their drop folder, where uploads land; the dataset is
        # demo data while any generated demo return is in it.
        folder = drop_folder.folder_for(submissions_root(settings), spec.id)
        return str(folder), drop_folder.holds_demo_files(folder)
    configured = settings.sources.get(spec.id)
    if configured:
        return (configured if is_url(configured) else str(Path(configured).resolve())), False
    if settings.public_data_dir is not None:
        return str(settings.public_data_dir / spec.folder), False
    default = publisher_default(spec, settings)
    if default:
        return default, False
    return str(demo_root(settings) / spec.folder), True


def publisher_default(spec, settings) -> str | None:
    """The publisher's own location (or discovery rule) when FETCH_FROM_PUBLISHERS=1 opts in.

    Never in demo mode or tests, and never when PUBLIC_DATA_DIR applies (the caller checks that
    first): an offline install keeps its folders and demo data.
    """
    if not getattr(settings, "fetch_from_publishers", False):
        return None
    if settings.demo_mode or settings.testing:
        return None
    return getattr(spec, "default_source", "") or None


def display_location(location: str) -> str:
    """A source location safe to show and log: any user:password in a URL is hidden."""
    if not is_url(location):
        return location
    parts = urlsplit(location)
    if "@" not in parts.netloc:
        return location
    return parts._replace(netloc="…@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def demo_root(settings) -> Path:
    return settings.instance_dir / "demo-data"


def submissions_root(settings) -> Path:
    """Where partner datasets' drop folders live (SUBMISSIONS_DIR, else under the instance)."""
    return settings.submissions_dir or settings.instance_dir / "submissions"


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.lower().startswith(("http://", "https://"))


def _check_http_url(url: str) -> str:
    if urlsplit(url).scheme.lower() not in {"http", "https"} or not urlsplit(url).netloc:
        raise FetchError(f"{url}: only http and https sources can be fetched")
    return url


def _plain_http_error(response: requests.Response) -> str:
    return f"{response.url}: the server answered HTTP {response.status_code} {response.reason or ''}".strip()


class Fetcher:
    """One source's requests, sharing a connection pool and the retry policy."""

    def __init__(self, policy: HttpPolicy, session: requests.Session | None = None):
        self.policy = policy
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "lcjp-performance-board (scheduled refresh)"

    def _attempts(self, url: str, attempt_once):
        """Call attempt_once(deadline) until it returns, retrying transient failures with
        backoff, all within the file's overall deadline."""
        last_error, made = "", 0
        deadline = time.monotonic() + self.policy.deadline
        for attempt in range(self.policy.retries + 1):
            if attempt:
                wait = self.policy.backoff * 2 ** (attempt - 1)
                if time.monotonic() + wait >= deadline:
                    last_error += (
                        "; no time left for another attempt "
                        f"(HTTP_DEADLINE {self.policy.deadline:g} s)"
                    )
                    break
                log.info("retrying %s in %.2fs (%s)", url, wait, last_error)
                time.sleep(wait)
            made += 1
            try:
                return attempt_once(deadline)
            except _Transient as error:
                last_error = str(error)
            except requests.Timeout:
                last_error = f"{url}: no answer within {self.policy.timeout:g} seconds"
            except requests.ConnectionError as error:
                last_error = f"{url}: connection failed or dropped ({type(error).__name__})"
            except requests.RequestException as error:
                raise FetchError(f"{url}: {error}") from error
        raise FetchError(f"{last_error} (gave up after {made} attempt{'s' if made > 1 else ''})")

    def _past_deadline(self, url: str) -> FetchError:
        return FetchError(
            f"{url}: not fetched within the {self.policy.deadline:g} second deadline "
            "(HTTP_DEADLINE); the server is sending too slowly"
        )

    def _body(self, response, url: str, deadline: float):
        """The body in chunks as they arrive, stopping at the deadline.

        A read returns whatever has arrived (read1), so a server sending a few bytes at a time
        never keeps one read waiting for a whole chunk past the deadline.
        """
        raw = response.raw
        if response.headers.get("Content-Encoding", "identity") != "identity":
            # Compressed although we asked for identity: decode as we go, checking the deadline
            # between chunks.
            for chunk in raw.stream(CHUNK, decode_content=True):
                if time.monotonic() > deadline:
                    raise self._past_deadline(url)
                yield chunk
            return
        read1 = getattr(raw, "read1", None) or raw._fp.read1  # urllib3 2, else http.client's
        while True:
            if time.monotonic() > deadline:
                raise self._past_deadline(url)
            try:
                chunk = read1(CHUNK)
            except TimeoutError as error:
                raise requests.Timeout(str(error)) from error
            if not chunk:
                return
            yield chunk

    def get_json(self, url: str) -> object:
        def once(deadline):
            with self.session.get(
                url,
                timeout=self.policy.timeout,
                stream=True,
                headers={"Accept-Encoding": "identity"},
            ) as response:
                if response.status_code in RETRY_STATUSES:
                    raise _Transient(_plain_http_error(response))
                if response.status_code != 200:
                    raise FetchError(_plain_http_error(response))
                body, size = [], 0
                for chunk in self._body(response, url, deadline):
                    size += len(chunk)
                    if size > self.policy.max_bytes:
                        raise FetchError(f"{url}: the manifest is over the size limit")
                    body.append(chunk)
                return b"".join(body)

        body = self._attempts(url, once)
        try:
            return json.loads(body)
        except ValueError as error:
            raise FetchError(f"{url}: the manifest is not valid JSON ({error})") from error

    def download(self, url: str, target: Path, validators: dict | None) -> tuple[bool, dict]:
        """GET url into target, written whole or not at all: (fetched?, validators to remember).

        (False, validators) means the server answered 304 Not Modified to the validators sent.
        """
        # Bytes as sent (no compression), so they can be read as they arrive.
        headers = {"Accept-Encoding": "identity"}
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]

        conditional = bool(validators)

        def once(deadline):
            partial = target.with_name(target.name + ".part")
            with self.session.get(
                url, headers=headers, timeout=self.policy.timeout, stream=True
            ) as response:
                if response.status_code == 304 and conditional:
                    return False, dict(validators)
                if response.status_code in RETRY_STATUSES:
                    raise _Transient(_plain_http_error(response))
                if response.status_code != 200:
                    raise FetchError(_plain_http_error(response))
                expected = response.headers.get("Content-Length")
                if expected and expected.isdigit() and int(expected) > self.policy.max_bytes:
                    raise FetchError(
                        f"{url}: {int(expected):,} bytes is over the {self.policy.max_bytes:,} "
                        "byte limit (SOURCE_MAX_BYTES)"
                    )
                digest, size = hashlib.sha256(), 0
                try:
                    with open(partial, "wb") as handle:
                        for chunk in self._body(response, url, deadline):
                            size += len(chunk)
                            if size > self.policy.max_bytes:
                                raise FetchError(
                                    f"{url}: larger than the {self.policy.max_bytes:,} byte limit "
                                    "(SOURCE_MAX_BYTES)"
                                )
                            digest.update(chunk)
                            handle.write(chunk)
                except Exception as error:
                    partial.unlink(missing_ok=True)
                    if isinstance(error, FetchError | requests.Timeout):
                        raise
                    if isinstance(error, ReadTimeoutError):
                        raise requests.Timeout(str(error)) from error
                    raise _Transient(
                        f"{url}: the download was cut short after {size:,} bytes"
                        + (f" of {int(expected):,}" if expected and expected.isdigit() else "")
                    ) from error
                encoded = response.headers.get("Content-Encoding", "identity") != "identity"
                if expected and expected.isdigit() and not encoded and size != int(expected):
                    partial.unlink(missing_ok=True)
                    raise _Transient(
                        f"{url}: the download was cut short: got {size:,} of {int(expected):,} bytes"
                    )
                partial.replace(target)
                return True, {
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                    "sha256": digest.hexdigest(),
                    "bytes": size,
                }

        return self._attempts(url, once)


def archive_name(location: str) -> str | None:
    """The file name of a URL that is itself one archive (a police.uk monthly .zip), else None."""
    name = urlsplit(location).path.rsplit("/", 1)[-1]
    if name.lower().endswith(".zip") and SAFE_NAME.fullmatch(name) and ".." not in name:
        return name
    return None


class _Transient(Exception):
    """A failure worth another attempt (server error, truncated body)."""


def file_list(fetcher: Fetcher, location: str, dataset_id: str) -> dict[str, str]:
    """file name -> URL for every file the source holds, from a manifest or the expected names."""
    _check_http_url(location)
    if discovery.is_discovery_url(location):
        return discovery.release_files(fetcher, location, dataset_id)
    single = archive_name(location)
    if single:
        return {single: location}
    if urlsplit(location).path.lower().endswith(".json"):
        manifest_url = location
    else:
        base = location if location.endswith("/") else location + "/"
        names = EXPECTED_FILES.get(dataset_id)
        if names:
            return {name: urljoin(base, quote(name)) for name in names}
        manifest_url = urljoin(base, MANIFEST_NAME)
    manifest = fetcher.get_json(manifest_url)
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not entries:
        raise FetchError(f'{manifest_url}: the manifest has no "files" list')
    files: dict[str, str] = {}
    for entry in entries:
        name = entry if isinstance(entry, str) else (entry or {}).get("name")
        url = None if isinstance(entry, str) else entry.get("url")
        if not isinstance(name, str) or not SAFE_NAME.fullmatch(name) or ".." in name:
            # A name is written into the staging folder, so it must be a plain file name.
            raise FetchError(f"{manifest_url}: '{name}' is not a plain file name")
        if name in files:
            raise FetchError(f"{manifest_url}: '{name}' is listed twice")
        files[name] = _check_http_url(urljoin(manifest_url, url or quote(name)))
    return files


def fetch_source(
    location: str,
    dataset_id: str,
    staging_root: Path,
    policy: HttpPolicy,
    previous_validators: dict[str, dict] | None = None,
    session: requests.Session | None = None,
) -> FetchedSource:
    """Fetch every file of the source, or learn that none changed since `previous_validators`.

    previous_validators are only those recorded for the dataset's current vintage; when every
    file answers 304 to them the source is unchanged and nothing is downloaded.
    """
    fetcher = Fetcher(policy, session)
    files = file_list(fetcher, location, dataset_id)
    staging_root.mkdir(parents=True, exist_ok=True)
    folder = staging_root / f"{dataset_id}-{time.time_ns()}"
    folder.mkdir()
    result = FetchedSource(location=location, folder=folder, not_modified=False, urls=files)
    try:
        previous = previous_validators or {}
        # Ask "changed since?" only when the same files made the current vintage.
        conditional = set(files.values()) == set(previous)
        modified: dict[str, dict] = {}
        for name, url in files.items():
            fetched, validators = fetcher.download(
                url, folder / name, previous.get(url) if conditional else None
            )
            if fetched:
                modified[url] = validators
                # One file changed: the loader needs every file, so fetch the rest in full.
                conditional = False
        if not modified:
            result.discard()
            return FetchedSource(location, None, True, dict(previous))
        for name, url in files.items():
            if not (folder / name).exists():
                _fetched, modified[url] = fetcher.download(url, folder / name, None)
        result.validators = modified
        return result
    except BaseException:
        result.discard()
        raise
