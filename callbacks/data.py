"""Figures for callbacks, cached per process and keyed on the current vintages so a refresh shows at once."""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd
import sqlalchemy as sa

from callbacks import permissions
from callbacks.context import services
from loaders import queries, staleness
from loaders import revisions as loader_revisions
from loaders.models import Dataset

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_MAX_ENTRIES = 128  # a board pack reads every measure of a report


def current_vintages() -> tuple:
    """(dataset, vintage) pairs; any refresh changes this tuple and so every cache key."""
    with services().session_factory() as session:
        return tuple(session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all())


def _filters_key(filters: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))


def _cached(name: str, build):
    """`build(session)` once per (database, current vintages, name): any refresh changes the
    vintages and so every key, and earlier vintages never change, so no entry goes stale."""
    key = (services().settings.database_url, current_vintages(), name)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with services().session_factory() as session:
        value = build(session)
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _MAX_ENTRIES:
            _CACHE.popitem(last=False)
    return value


def observations(measure_id: str, **filters) -> pd.DataFrame:
    """queries.observations through a small LRU cache, cut down to the rows the signed-in user may
    see (NotAuthorised if none of the measure); callers get a copy they may change."""
    permissions.require_measure(measure_id)
    cached = _cached(
        ("observations", measure_id, _filters_key(filters)),
        lambda session: queries.observations(session, measure_id, **filters),
    )
    return permissions.permitted_rows(measure_id, cached).copy()


def provenance(dataset_id: str) -> queries.Provenance:
    """Where a dataset's figures came from (publisher, when loaded): metadata, not figures."""
    with services().session_factory() as session:
        return queries.provenance(session, dataset_id)


def area(code: str):
    with services().session_factory() as session:
        return queries.area(session, code)


def lcjp() -> dict:
    return services().settings.lcjp


def timezone() -> str:
    return services().settings.timezone


def stale_reason(dataset_id: str) -> str:
    """Why the dataset's figures are stale, or '' when they are current (see loaders.staleness)."""
    with services().session_factory() as session:
        state = staleness.freshness(
            session, dataset_id, grace_days=services().settings.stale_grace_days
        )
    return state.reason if state.stale else ""


def revisions(measure_id: str, **filters) -> pd.DataFrame:
    """Earlier values of the current figures (loaders.revisions), cached like observations."""
    frame = _cached(
        ("revisions", measure_id, _filters_key(filters)),
        lambda session: loader_revisions.latest_revisions(
            loader_revisions.revisions(session, measure_id, **filters)
        ),
    )
    return frame.copy()


def session_factory():
    return services().session_factory


def suppression_threshold() -> int:
    """Counts below this are withheld from partner roles (configurable per install)."""
    return services().settings.suppression_threshold


def boundaries() -> dict:
    """Force-area outlines as GeoJSON, cached with the figures (they change with their vintage)."""
    return _cached(("boundaries",), queries.boundaries)
