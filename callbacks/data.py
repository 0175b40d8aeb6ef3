"""Figures for callbacks, cached per process and keyed on the current vintages so a refresh shows at once."""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd
import sqlalchemy as sa

from callbacks.context import services
from loaders import queries
from loaders.models import Dataset

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_MAX_ENTRIES = 64


def current_vintages() -> tuple:
    """(dataset, vintage) pairs; any refresh changes this tuple and so every cache key."""
    with services().session_factory() as session:
        return tuple(session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all())


def observations(measure_id: str, **filters) -> pd.DataFrame:
    """queries.observations through a small LRU cache; callers get a copy they may change."""
    key = (
        services().settings.database_url,
        current_vintages(),
        measure_id,
        tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items())),
    )
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key].copy()
    with services().session_factory() as session:
        frame = queries.observations(session, measure_id, **filters)
    with _LOCK:
        _CACHE[key] = frame
        while len(_CACHE) > _MAX_ENTRIES:
            _CACHE.popitem(last=False)
    return frame.copy()


def provenance(dataset_id: str) -> queries.Provenance:
    with services().session_factory() as session:
        return queries.provenance(session, dataset_id)


def area(code: str):
    with services().session_factory() as session:
        return queries.area(session, code)


def lcjp() -> dict:
    return services().settings.lcjp


def timezone() -> str:
    return services().settings.timezone


def session_factory():
    return services().session_factory


def suppression_threshold() -> int:
    """Counts below this are withheld from partner roles (configurable per install)."""
    return services().settings.suppression_threshold


def boundaries() -> dict:
    """Force-area outlines as GeoJSON, cached with the figures (they change with their vintage)."""
    key = (services().settings.database_url, current_vintages(), "__boundaries__")
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    with services().session_factory() as session:
        geojson = queries.boundaries(session)
    with _LOCK:
        _CACHE[key] = geojson
    return geojson
