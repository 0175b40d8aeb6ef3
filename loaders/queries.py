"""The read side: the app asks only these functions for figures, always from current vintages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from loaders.ledger import GOOD_STATUSES
from loaders.models import (
    Area,
    AreaBoundary,
    AreaMember,
    Dataset,
    DataSharingEntry,
    Observation,
    RefreshRun,
    Vintage,
)

# The reference dataset whose current vintage holds the police force area boundaries.
BOUNDARY_DATASET = "ons_pfa_boundaries"
# The reference measure (loaders.measures.REFERENCE_MEASURES) holding each force's population.
POPULATION_MEASURE = "pfa_population"

OBSERVATION_FIELDS = [
    "measure_id",
    "area_code",
    "area_name",
    "area_type",
    "parent_code",
    "period_start",
    "period_end",
    "period_type",
    "value",
    "numerator",
    "denominator",
    "breakdown",
]


@dataclass(frozen=True)
class Provenance:
    """Where a figure came from: shown on every tile and chart."""

    dataset_id: str
    title: str
    publisher: str
    publication_url: str
    loaded_at: datetime | None
    period_latest: date | None
    is_demo: bool
    # Which load the screen shows, so a figure can be traced to the exact files behind it.
    vintage_id: int | None = None
    content_hash: str = ""
    source_location: str = ""
    vintages_kept: int = 0

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits: enough to tell loads apart when read aloud in a meeting."""
        return self.content_hash[:12]


def observations(
    session: Session,
    measure_id: str,
    *,
    area_codes: Iterable[str] | None = None,
    area_type: str | None = None,
    totals_only: bool = False,
) -> pd.DataFrame:
    """Current-vintage figures for one measure as a frame, sorted by area, period and row."""
    query = (
        sa.select(
            Observation.measure_id,
            Observation.area_code,
            Area.name.label("area_name"),
            Area.area_type,
            Area.parent_code,
            Observation.period_start,
            Observation.period_end,
            Observation.period_type,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Observation.breakdown,
        )
        .join(Area, Area.code == Observation.area_code)
        .join(Dataset, Dataset.current_vintage_id == Observation.vintage_id)
        .where(Observation.measure_id == measure_id)
        # A total order (id last): every process reads the same frame, so the keys worked out
        # from it (data.rows_key) agree across workers and hosts.
        .order_by(Observation.area_code, Observation.period_end, Observation.id)
    )
    if area_codes is not None:
        query = query.where(Observation.area_code.in_(list(area_codes)))
    if area_type is not None:
        query = query.where(Area.area_type == area_type)
    if totals_only:
        query = query.where(Observation.breakdown_key == "")
    frame = pd.DataFrame(session.execute(query).all(), columns=OBSERVATION_FIELDS)
    for column in ("value", "numerator", "denominator"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def expand_breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn the breakdown dicts into one column per dimension (crime_type, outcome, ...)."""
    if frame.empty:
        return frame.drop(columns=["breakdown"])
    dims = pd.DataFrame(list(frame["breakdown"]), index=frame.index)
    return pd.concat([frame.drop(columns=["breakdown"]), dims], axis=1)


def provenance(session: Session, dataset_id: str) -> Provenance:
    """The dataset's publisher and the vintage the screen shows."""
    dataset = session.get(Dataset, dataset_id)
    vintage: Vintage | None = dataset.current_vintage if dataset else None
    kept = session.scalar(
        sa.select(sa.func.count()).select_from(Vintage).where(Vintage.dataset_id == dataset_id)
    )
    return _provenance_of(dataset_id, dataset, vintage, kept)


def _provenance_of(
    dataset_id: str, dataset: Dataset | None, vintage: Vintage | None, kept: int | None
) -> Provenance:
    return Provenance(
        dataset_id=dataset_id,
        title=dataset.title if dataset else dataset_id,
        publisher=dataset.publisher if dataset else "",
        publication_url=dataset.publication_url if dataset else "",
        loaded_at=vintage.loaded_at if vintage else None,
        period_latest=vintage.period_latest if vintage else None,
        is_demo=bool(vintage and vintage.is_demo),
        vintage_id=vintage.id if vintage else None,
        content_hash=vintage.content_hash if vintage else "",
        source_location=vintage.source_location if vintage else "",
        vintages_kept=kept or 0,
    )


@dataclass(frozen=True)
class DatasetState:
    """Everything a page asks about a dataset besides its figures: where they came from, when a
    refresh last succeeded, and how the data-sharing register classifies and shares it."""

    provenance: Provenance
    cadence: str
    last_success_at: datetime | None
    register_classification: str | None
    register_shared_with: tuple[str, ...]


def dataset_states(session: Session) -> dict[str, DatasetState]:
    """Every dataset's state in one statement: a page callback asks about several datasets, and
    each question used to cost two or three round trips to the store."""
    kept = (
        sa.select(sa.func.count())
        .select_from(Vintage)
        .where(Vintage.dataset_id == Dataset.id)
        .correlate(Dataset)
        .scalar_subquery()
    )
    last_good = (
        sa.select(sa.func.max(RefreshRun.finished_at))
        .where(RefreshRun.dataset_id == Dataset.id, RefreshRun.status.in_(GOOD_STATUSES))
        .correlate(Dataset)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            Dataset,
            Vintage,
            kept,
            last_good,
            DataSharingEntry.classification,
            DataSharingEntry.shared_with,
        )
        .outerjoin(Vintage, Vintage.id == Dataset.current_vintage_id)
        .outerjoin(DataSharingEntry, DataSharingEntry.dataset_id == Dataset.id)
    ).all()
    states = {}
    for dataset, vintage, count, success, classification, shared in rows:
        states[dataset.id] = DatasetState(
            provenance=_provenance_of(dataset.id, dataset, vintage, count),
            cadence=dataset.cadence,
            last_success_at=success,
            register_classification=classification,
            register_shared_with=tuple(c for c in (shared or "").split(",") if c),
        )
    return states


def area(session: Session, code: str) -> Area | None:
    return session.get(Area, code)


def group_members(session: Session, group_code: str) -> list[str]:
    """The member area codes of an LCJP or comparator group, in code order."""
    return list(
        session.scalars(
            sa.select(AreaMember.member_code)
            .where(AreaMember.group_code == group_code)
            .order_by(AreaMember.member_code)
        )
    )


def boundaries(
    session: Session, area_codes: Iterable[str] | None = None, dataset_id: str = BOUNDARY_DATASET
) -> dict:
    """The current boundaries as a GeoJSON FeatureCollection; each feature's id is its area code.

    Plotly draws it with `locations=<area codes>, featureidkey="id"`. Until the boundaries
    dataset has loaded, the collection is empty.
    """
    query = (
        sa.select(AreaBoundary.area_code, AreaBoundary.name, AreaBoundary.geometry)
        .join(Dataset, Dataset.current_vintage_id == AreaBoundary.vintage_id)
        .where(Dataset.id == dataset_id)
        .order_by(AreaBoundary.area_code)
    )
    if area_codes is not None:
        query = query.where(AreaBoundary.area_code.in_(list(area_codes)))
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name},
            "geometry": json.loads(geometry),
        }
        for code, name, geometry in session.execute(query)
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class Populations:
    """Resident population per police force area (ONS code), for one mid-year.

    Every figure is for the same date, so rates for different forces compare like with like.
    Empty (`figures == {}`, no period) until the population dataset has loaded."""

    figures: dict[str, float]
    period_end: date | None
    period_label: str  # "mid-2022"
    dataset_id: str = "pfa_population"

    def get(self, area_code: str) -> float | None:
        return self.figures.get(area_code)

    def __bool__(self) -> bool:
        return bool(self.figures)


def populations(session: Session) -> Populations:
    """The current population figures: ONS force area code -> residents, and the mid-year."""
    frame = observations(session, POPULATION_MEASURE, totals_only=True)
    if frame.empty:
        return Populations({}, None, "")
    # One edition is loaded at a time; should a table ever hold two dates, use the latest.
    latest = max(frame["period_end"])
    frame = frame[frame["period_end"] == latest]
    figures = dict(zip(frame["area_code"], frame["value"].astype(float), strict=True))
    return Populations(figures, latest, f"mid-{latest.year}")
