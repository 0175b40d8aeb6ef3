"""Find the latest release of a statistics collection from the GOV.UK Content API.

MoJ publishes each Criminal Court Statistics Quarterly release as a new page whose attachment
URLs carry a hash that changes every time (`assets.publishing.service.gov.uk/media/<hash>/
cc_rdos_tool.xlsx`), so the refresh cannot hold fixed URLs. Instead the dataset's source is the
collection's Content API entry:

    https://www.gov.uk/api/content/government/collections/criminal-court-statistics

Its `links.documents` list every publication in the collection (title, base_path, api_url,
public_updated_at). The latest quarterly release is the one whose title names the latest
quarter ("... October to December 2025"); its own Content API entry lists `details.attachments`
(filename, url). The files a dataset needs are taken from there and fetched like any other
source, with the same time-out, retries, size limit and conditional GET (loaders.fetch). A new
release is new bytes, so a new vintage; figures it restates for earlier quarters show as
revisions of the previous vintage (loaders.revisions).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

COLLECTION_PATH = "/api/content/government/collections/"
# Publisher hosts attachments may come from; a test or mirror may also serve them from the
# collection URL's own host.
ATTACHMENT_HOSTS = ("assets.publishing.service.gov.uk", "www.gov.uk")
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_PERIOD = re.compile(
    r"(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+to\s+"
    r"(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+(\d{4})",
    re.IGNORECASE,
)


def _release_rules() -> dict[str, dict]:
    """Dataset id -> which publications count as its releases and which attachments it needs."""
    from loaders.sources import ccsq_tools

    return {
        "moj_ccsq_crown": {
            "title": re.compile(r"^criminal court statistics quarterly", re.IGNORECASE),
            "files": ccsq_tools.TOOLS,
        }
    }


def is_discovery_url(location: str) -> bool:
    return COLLECTION_PATH in urlsplit(location).path


def period_end(title: str) -> date | None:
    """The last month of the period a release title names ('October to December 2025')."""
    match = _PERIOD.search(title or "")
    if match is None:
        return None
    return date(int(match.group(3)), _MONTHS[match.group(2).casefold()], 1)


def latest_publication(collection: object, location: str, dataset_id: str) -> dict:
    """The collection's latest release for the dataset: by the period its title names, then by
    its last update."""
    from loaders.fetch import FetchError

    rules = _release_rules().get(dataset_id)
    if rules is None:
        raise FetchError(f"{location}: no release rule for dataset {dataset_id}")
    documents = (
        (collection or {}).get("links", {}).get("documents")
        if isinstance(collection, dict)
        else None
    )
    if not isinstance(documents, list):
        raise FetchError(
            f"{location}: the Content API reply has no links.documents list, so the latest "
            "release cannot be found"
        )
    releases = [
        d
        for d in documents
        if isinstance(d, dict)
        and rules["title"].search(str(d.get("title", "")))
        and period_end(str(d.get("title")))
    ]
    if not releases:
        raise FetchError(
            f"{location}: no publication in the collection is titled like a quarterly release "
            f"('{rules['title'].pattern}' with a period such as 'October to December 2025')"
        )
    return max(
        releases, key=lambda d: (period_end(d["title"]), str(d.get("public_updated_at", "")))
    )


def _allowed(url: str, location: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return False
    if parts.hostname in ATTACHMENT_HOSTS:
        return parts.scheme == "https"
    return parts.netloc == urlsplit(location).netloc


def release_files(fetcher, location: str, dataset_id: str) -> dict[str, str]:
    """file name -> URL of each attachment the dataset needs from the latest release."""
    from loaders.fetch import FetchError

    collection = fetcher.get_json(location)
    release = latest_publication(collection, location, dataset_id)
    api_url = release.get("api_url") or urljoin(
        location, "/api/content" + str(release.get("base_path", ""))
    )
    if not _allowed(api_url, location):
        raise FetchError(
            f"{location}: the release's Content API address {api_url} is not on GOV.UK"
        )
    publication = fetcher.get_json(api_url)
    details = publication.get("details") if isinstance(publication, dict) else None
    attachments = (details or {}).get("attachments")
    if not isinstance(attachments, list):
        raise FetchError(f"{api_url}: the release '{release.get('title')}' has no attachments list")
    by_name: dict[str, str] = {}
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        url = attachment.get("url") or ""
        name = attachment.get("filename") or urlsplit(url).path.rsplit("/", 1)[-1]
        if name and url:
            by_name.setdefault(name.casefold(), urljoin(api_url, url))
    files: dict[str, str] = {}
    for name in _release_rules()[dataset_id]["files"]:
        url = by_name.get(name.casefold())
        if url is None:
            found = ", ".join(sorted(by_name)) or "none"
            raise FetchError(
                f"{api_url}: the latest release '{release.get('title')}' has no attachment "
                f"{name} (attachments: {found}); the release is held back, nothing is loaded"
            )
        if not _allowed(url, location):
            raise FetchError(
                f"{api_url}: attachment {name} is served from {url}, which is not GOV.UK"
            )
        files[name] = url
    return files
