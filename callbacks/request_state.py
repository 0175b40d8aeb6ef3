"""Store reads a request makes once, however many times its callback asks (flask.g).

A page callback asks about several datasets, areas and events, and checks rights for every
figure; each answer read afresh cost a round trip to the store. Read once per request, they are
still current on the next request (a revoked right, an edited register, a new load show at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import flask

from callbacks.context import services
from loaders import queries

T = TypeVar("T")


def once(name, load: Callable[[], T]) -> T:
    """`load()` once per request; outside a request (warming, the CLI) every time."""
    if not flask.has_request_context():
        return load()
    memo = flask.g.setdefault("lcjp_request_state", {})
    if name not in memo:
        memo[name] = load()
    return memo[name]


def forget() -> None:
    """After a callback writes (an upload that loads a new vintage), read again."""
    if flask.has_request_context():
        flask.g.pop("lcjp_request_state", None)


def dataset_states() -> dict[str, queries.DatasetState]:
    """Every dataset's provenance, last success and register entry, from one statement."""

    def load():
        with services().session_factory() as session:
            return queries.dataset_states(session)

    return once("dataset_states", load)


def register() -> list[tuple[str, str, tuple[str, ...]]]:
    """The data-sharing register as (dataset, classification, shared with) for rights checks."""
    return [
        (dataset_id, state.register_classification, state.register_shared_with)
        for dataset_id, state in dataset_states().items()
        if state.register_classification is not None
    ]
