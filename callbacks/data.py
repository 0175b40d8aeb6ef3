"""Figures for callbacks: worked out once per data vintage and shared by every worker and host.

A figure is looked up in the request's own memo, then a small bounded cache of this worker, then
the shared store (loaders/figure_store.py: Redis, or the database), and only on a miss built, by
one process of all workers and hosts under the store's lock, and stored for the others. The
scheduler builds every audience cut's figures after each refresh (scheduler/figures.py), so web
workers mostly only read. Keys carry the current vintages: a refresh changes every key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

import flask
import pandas as pd

from callbacks import permissions, request_state
from callbacks.context import services
from layouts.measure import outlines
from loaders import access, board, queries, staleness
from loaders import revisions as loader_revisions
from loaders.datasets import DATASETS
from loaders.figure_store import (
    FigureStore,
    current_vintages_in,
    key_hash,
    make_store,
    ordered_vintages,
    vintage_fingerprint,
)
from loaders.refresh import london_today

# This worker's few most recent figures; bounded by Settings.figure_cache_entries, so a worker
# holds little between requests (the shared store holds the rest).
_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
_STORES: dict = {}  # for apps whose Services were built without a store (some tests)


def current_vintages() -> tuple:
    """(dataset, vintage) pairs; any refresh changes this tuple and so every cache key. In a
    request they come from its one read of every dataset's state (request_state), which a
    page's callback makes anyway: no statement of their own."""
    if not flask.has_request_context():
        with services().session_factory() as session:
            return current_vintages_in(session)
    states = request_state.dataset_states()
    return ordered_vintages((d, s.provenance.vintage_id) for d, s in states.items())


def figure_store() -> FigureStore:
    """The app's shared store (Services.figure_store)."""
    app_services = services()
    store = getattr(app_services, "figure_store", None)
    if store is not None:
        return store
    settings = app_services.settings
    mark = (settings.database_url, settings.redis_url, settings.secret_key)
    with _LOCK:
        if mark not in _STORES:
            _STORES[mark] = make_store(settings, app_services.engine)
        return _STORES[mark]


def forget_figures() -> None:
    """Drop every figure this worker and the shared store hold for this app (tests that change
    stored rows in place, without a new vintage)."""
    with _LOCK:
        _CACHE.clear()
    figure_store().purge(keep="")
    if flask.has_request_context():
        flask.g.pop("lcjp_figures", None)


def _filters_key(filters: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))


def cached(name, build):
    """`build(session)` once per (database, current vintages, name) across every worker and
    host: any refresh changes the vintages and so every key, and earlier vintages never change,
    so no entry goes stale."""
    settings = services().settings
    vintages = current_vintages()
    key = (settings.database_url, vintages, name)
    memo = flask.g.setdefault("lcjp_figures", {}) if flask.has_request_context() else None
    if memo is not None and key in memo:
        return memo[key]
    with _LOCK:
        found = _CACHE.get(key, _LOCK)
        if found is not _LOCK:
            _CACHE.move_to_end(key)
    if found is _LOCK:

        def build_now():
            with services().session_factory() as session:
                return build(session)

        def still_current() -> bool:
            with services().session_factory() as session:
                return current_vintages_in(session) == vintages

        found = figure_store().get_or_build(
            vintage_fingerprint(vintages), key_hash(name), build_now, still_current
        )
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > max(settings.figure_cache_entries, 0):
                _CACHE.popitem(last=False)
    if memo is not None:
        memo[key] = found
    return found


def _permitted_observations(measure_id: str, **filters) -> pd.DataFrame:
    """The cached frame cut down to the rows the signed-in user may see (NotAuthorised if none)."""
    permissions.require_measure(measure_id)
    if set(filters) == {"area_type"}:
        # One area type's rows are cut from the measure's whole frame, which the scheduler's
        # figure build stores (scheduler/figures.py), not read again: police.uk's every-force file is some 400,000 rows (15 s to read on SQLite).
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


def _reach_key(measure_id: str, rights=None) -> tuple:
    """What decides which of a measure's rows the signed-in user may see, without reading the
    rows (loaders/access.permitted_rows): how far the measure reaches them and, for a reach to
    their own force or the partnership, that force, the partnership and which force each area
    belongs to. `rights`: the signed-in user's, when the caller has them already."""
    rights = permissions.current_rights() if rights is None else rights
    how_far = access.measure_reach(rights, measure_id)
    if how_far not in {access.OWN_FORCE, access.SHARED}:
        return (how_far,)
    forces = flask.g.get("lcjp_area_forces_key") if flask.has_request_context() else None
    if forces is None:
        forces = hashlib.blake2b(
            repr(sorted(permissions.area_forces().items())).encode(), digest_size=12
        ).hexdigest()
        if flask.has_request_context():
            flask.g.lcjp_area_forces_key = forces
    return (how_far, rights.force_area, tuple(sorted(rights.partnership)), forces)


def permitted_key(measure_id: str) -> str:
    """Which rows of a measure the signed-in user may see, as a key: users who may see the same
    rows share cached figures. Stored per reach, so a request whose figures are built already
    reads a short string, not the measure's rows."""
    permissions.require_measure(measure_id)
    return cached(
        ("rows_key", measure_id, _reach_key(measure_id)),
        lambda _session: rows_key(_permitted_observations(measure_id)),
    )


def measure_view(spec, plan: board.AreaPlan) -> board.MeasureView:
    """board.build_view over the rows the signed-in user may see, built once per vintage and per
    set of rows: users who may see the same rows share it, and a user who may see fewer rows gets
    a view of their own. Callers read it and never change it in place (pandas copy-on-write keeps
    the frames they derive from it apart)."""
    return cached(
        ("view", spec.id, permitted_key(spec.id), plan),
        lambda _session: board.build_view(spec, _permitted_observations(spec.id), plan),
    )


def populations() -> tuple[dict[str, float], str]:
    """Resident population by force area code and the period it describes ('mid-2022'), for
    comparing counts across forces per 100,000 population; ({}, '') when none is loaded."""
    found = cached(("populations",), queries.populations)
    return found.figures, found.period_label


def provenance(dataset_id: str) -> queries.Provenance:
    """Where a dataset's figures came from (publisher, when loaded): metadata, not figures.
    Every dataset's is read in one statement, once per request (callbacks/request_state.py)."""
    state = request_state.dataset_states().get(dataset_id)
    if state is not None:
        return state.provenance
    with services().session_factory() as session:
        return queries.provenance(session, dataset_id)


def area(code: str):
    def load():
        with services().session_factory() as session:
            return queries.area(session, code)

    return request_state.once(("area", code), load)


def lcjp() -> dict:
    return services().settings.lcjp


def timezone() -> str:
    return services().settings.timezone


def stale_reason(dataset_id: str) -> str:
    """Why the dataset's figures are stale, or '' when they are current (loaders.staleness):
    first by the period they describe, then by a refresh that has stopped bringing new data."""
    settings = services().settings
    known = request_state.dataset_states().get(dataset_id)
    if known is None:
        with services().session_factory() as session:
            state = staleness.freshness(session, dataset_id, grace_days=settings.stale_grace_days)
            latest = queries.provenance(session, dataset_id).period_latest
    else:
        state = staleness.freshness_of(
            dataset_id,
            known.cadence,
            known.provenance.loaded_at,
            known.last_success_at,
            grace_days=settings.stale_grace_days,
        )
        latest = known.provenance.period_latest
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
    registered = {
        dataset_id: classification for dataset_id, classification, _ in request_state.register()
    }
    return {
        dataset_id: replace(spec, classification=registered.get(dataset_id, spec.classification))
        for dataset_id, spec in DATASETS.items()
    }
