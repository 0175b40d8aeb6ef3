"""Figures for callbacks, cached per process and keyed on the current vintages so a refresh shows at once."""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import replace

import flask
import pandas as pd
import sqlalchemy as sa

from callbacks import permissions
from callbacks.context import services
from layouts.measure import outlines
from loaders import board, queries, sharing, staleness
from loaders import revisions as loader_revisions
from loaders.datasets import DATASETS
from loaders.measures import MEASURES
from loaders.models import Dataset
from loaders.refresh import london_today

_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_BUILDING: dict = {}  # key -> the lock its builder holds
_WARMED: set = set()  # (database, vintages) the cache was warmed for
# Set at interpreter exit: a warming thread stops after its current measure. A daemon thread
# still inside pandas' native code when the interpreter finalises aborts the process
# ("terminate called without an active exception", exit 134), e.g. at the end of
# `flask --app app refresh`, which cron and CI read as a failure.
_STOP = threading.Event()
_WARMERS: list[threading.Thread] = []
log = logging.getLogger(__name__)
_MAX_ENTRIES = 512  # a board pack reads every measure of a report; views come per set of rows


def current_vintages() -> tuple:
    """(dataset, vintage) pairs; any refresh changes this tuple and so every cache key. Read once
    per request: a page's callback looks up dozens of cached figures, each keyed on it."""
    if flask.has_request_context() and "lcjp_vintages" in flask.g:
        return flask.g.lcjp_vintages
    with services().session_factory() as session:
        vintages = tuple(session.execute(sa.select(Dataset.id, Dataset.current_vintage_id)).all())
    if flask.has_request_context():
        flask.g.lcjp_vintages = vintages
    return vintages


def _filters_key(filters: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))


def cached(name, build):
    """`build(session)` once per (database, current vintages, name): any refresh changes the
    vintages and so every key, and earlier vintages never change, so no entry goes stale."""
    vintages = current_vintages()
    key = (services().settings.database_url, vintages, name)
    _warm_if_new(vintages)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        building = _BUILDING.setdefault(key, threading.Lock())
    # One thread builds each entry; others asking for it meanwhile wait and share the result.
    with building:
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        with services().session_factory() as session:
            value = build(session)
        with _LOCK:
            _CACHE[key] = value
            _BUILDING.pop(key, None)
            while len(_CACHE) > _MAX_ENTRIES:
                _CACHE.popitem(last=False)
    return value


def _permitted_observations(measure_id: str, **filters) -> pd.DataFrame:
    """The cached frame cut down to the rows the signed-in user may see (NotAuthorised if none)."""
    permissions.require_measure(measure_id)
    if set(filters) == {"area_type"}:
        # One area type's rows are cut from the measure's whole frame, which warm() builds, not
        # read again: police.uk's every-force file is some 400,000 rows (15 s to read on SQLite).
        whole = cached(
            ("observations", measure_id, ()),
            lambda session: queries.observations(session, measure_id),
        )
        kind = filters["area_type"]
        frame = cached(
            ("observations", measure_id, _filters_key(filters)),
            lambda _session: whole[whole["area_type"] == kind].reset_index(drop=True),
        )
    else:
        frame = cached(
            ("observations", measure_id, _filters_key(filters)),
            lambda session: queries.observations(session, measure_id, **filters),
        )
    return permissions.permitted_rows(measure_id, frame)


def observations(measure_id: str, **filters) -> pd.DataFrame:
    """queries.observations through a small LRU cache, cut down to the rows the signed-in user may
    see (NotAuthorised if none of the measure); callers get a copy they may change."""
    return _permitted_observations(measure_id, **filters).copy()


def rows_key(frame: pd.DataFrame) -> str:
    return hashlib.blake2b(frame.index.to_numpy().tobytes(), digest_size=16).hexdigest()


def start_warming(server: flask.Flask) -> threading.Thread:
    """Run warm() in the background for this app (a failure only logs: pages still work)."""

    def run():
        try:
            with server.app_context():
                count = warm()
            log.info("figures cache warmed for %d measures", count)
        except Exception:
            log.exception("warming the figures cache failed")

    thread = threading.Thread(target=run, name="lcjp-warm", daemon=True)
    thread.start()
    with _LOCK:
        _WARMERS[:] = [t for t in _WARMERS if t.is_alive()] + [thread]
    return thread


@atexit.register
def _stop_warming(timeout: float = 60.0) -> None:
    """At exit, let warming threads leave native code before the interpreter goes away."""
    _STOP.set()
    for thread in list(_WARMERS):
        thread.join(timeout)


def _warm_if_new(vintages: tuple) -> None:
    """After a refresh (new vintages, seen on the first request that follows) warm again in the
    background, so the next board member to open a page does not wait either."""
    settings = services().settings
    if not settings.warm_cache_on_start:
        return
    mark = (settings.database_url, vintages)
    with _LOCK:
        if mark in _WARMED:
            return
        _WARMED.add(mark)
    start_warming(flask.current_app._get_current_object())


def warm() -> int:
    """Build every measure's figures and the view of all its rows (the OPCC's), and the map, so
    the first page after start does not wait for them; returns how many measures it built. Needs
    an app context and no user: it hands no figures to anyone, and each user's views are still cut
    to their rights when asked for."""
    with _LOCK:
        _WARMED.add((services().settings.database_url, current_vintages()))
    plan = board.AreaPlan.from_config(lcjp())
    for spec in MEASURES.values():
        if _STOP.is_set():
            break
        frame = cached(
            ("observations", spec.id, ()),
            lambda session, measure_id=spec.id: queries.observations(session, measure_id),
        )
        cached(
            ("view", spec.id, rows_key(frame), plan),
            lambda _session, spec=spec, frame=frame: board.build_view(spec, frame, plan),
        )
    if not _STOP.is_set():
        map_outlines()
    return len(MEASURES)


def measure_view(spec, plan: board.AreaPlan) -> board.MeasureView:
    """board.build_view over the rows the signed-in user may see, built once per vintage and per
    set of rows: users who may see the same rows share it, and a user who may see fewer rows gets
    a view of their own. Callers read it and never change it in place (pandas copy-on-write keeps
    the frames they derive from it apart)."""
    permitted = _permitted_observations(spec.id)
    return cached(
        ("view", spec.id, rows_key(permitted), plan),
        lambda _session: board.build_view(spec, permitted, plan),
    )


def permitted_key(measure_id: str) -> str:
    """Which rows of a measure the signed-in user may see, as a key: users who may see the same
    rows share cached figures."""
    return rows_key(_permitted_observations(measure_id))


def populations() -> tuple[dict[str, float], str]:
    """Resident population by force area code and the period it describes ('mid-2022'), for
    comparing counts across forces per 100,000 population; ({}, '') when none is loaded."""
    found = cached(("populations",), queries.populations)
    return found.figures, found.period_label


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
    """Why the dataset's figures are stale, or '' when they are current (loaders.staleness):
    first by the period they describe, then by a refresh that has stopped bringing new data."""
    settings = services().settings
    with services().session_factory() as session:
        state = staleness.freshness(session, dataset_id, grace_days=settings.stale_grace_days)
        latest = queries.provenance(session, dataset_id).period_latest
    spec = DATASETS.get(dataset_id)
    age = staleness.dataset_age(spec, latest, london_today(settings.timezone)) if spec else None
    if age is not None and age.stale:
        return f"Stale, {age.months_old} months old: {age.reason}"
    return state.reason if state.stale else ""


def revisions(measure_id: str, **filters) -> pd.DataFrame:
    """Earlier values of the current figures (loaders.revisions), cached like observations."""
    frame = cached(
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


def map_outlines() -> dict[str, tuple[list, list]]:
    """Each force area's outline as x and y lists for a map, worked out once per vintage of the
    boundaries (they change with their vintage, like the figures)."""
    return cached(("map_outlines",), lambda session: outlines(queries.boundaries(session)))


def datasets_as_registered() -> dict:
    """The dataset registry with each classification as the data-sharing register holds it (an
    administrator may tighten one): what pages label a figure with."""
    with services().session_factory() as session:
        registered = sharing.register_classifications(session)
    return {
        dataset_id: replace(spec, classification=registered.get(dataset_id, spec.classification))
        for dataset_id, spec in DATASETS.items()
    }
