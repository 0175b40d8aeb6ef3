"""The dataset registry: where each source lives, how often it changes, who may see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loaders.frames import LoadResult
from loaders.sources import ccsq, police_uk


@dataclass(frozen=True)
class DatasetSpec:
    """A source loaded as a whole. `folder` is its place in a PUBLIC_DATA_DIR-style tree."""

    id: str
    title: str
    publisher: str
    publication_url: str
    cadence: str  # weekly, monthly, quarterly, annual
    classification: str  # public, partnership, force_restricted
    folder: str
    loader: Callable[[Path], LoadResult]
    schedule: str  # cron expression, Europe/London


DATASETS: dict[str, DatasetSpec] = {
    d.id: d
    for d in (
        DatasetSpec(
            id="moj_ccsq_crown",
            title="Criminal court statistics quarterly: Crown Court",
            publisher="Ministry of Justice",
            publication_url="https://www.gov.uk/government/collections/criminal-court-statistics",
            cadence="quarterly",
            classification="public",
            folder="ccsq_crown_court",
            loader=ccsq.load,
            schedule="0 10 * * 4",  # MoJ publishes on Thursdays at 09:30
        ),
        DatasetSpec(
            id="police_uk_street",
            title="police.uk street-level crime and outcomes",
            publisher="Home Office and police forces (data.police.uk)",
            publication_url="https://data.police.uk/data/",
            cadence="monthly",
            classification="public",
            folder="police_uk_street",
            loader=police_uk.load,
            schedule="0 6 * * *",
        ),
    )
}
