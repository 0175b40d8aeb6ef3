"""Store reads a request makes once, however many times its callback asks (flask.g), and that a
worker keeps between requests while nothing they depend on has been written.

A page callback asks about several datasets, areas and events, and checks rights for every
figure; each answer read afresh cost a round trip to the store. Read once per request, and kept
only while their generations (loaders/generations.py) are unchanged, they are still current on
the next request: a revoked right, an edited register or a new load changes a token, and every
worker on every host reads again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

import flask

from callbacks.context import services
from loaders import queries
from loaders.generations import GROUPS

ALL_GROUPS = tuple(GROUPS)  # what a key made of everything a request read depends on

T = TypeVar("T")


def once(name, load: Callable[[], T]) -> T:
    """`load()` once per request; outside a request (warming, the CLI) every time."""
    if not flask.has_request_context():
        return load()
    memo = flask.g.setdefault("lcjp_request_state", {})
    if name not in memo:
        memo[name] = load()
    return memo[name]


# Kept even while the tokens hold for at most this long: bounds what a write that could not be
# recorded (Redis unreachable at that moment, then back) would leave out of date.
KEPT_SECONDS = 60.0
# A worker keeps at most this many answers (a session record each, a few per page): past it,
# it starts again rather than grow with every session it has ever seen.
KEPT_ENTRIES = 4096


def generations() -> dict[str, str] | None:
    """This request's generation tokens, read once (None: keep nothing between requests)."""
    return once("generations", lambda: services().generations.current())


def kept(name: Hashable, groups: tuple[str, ...], load: Callable[[], T]) -> T:
    """`load()` once per request, and kept by this worker between requests while the
    generations of `groups` are those read at the start of this request. The tokens are read
    before the store, so a write between the two only makes the next request read again."""

    def load_or_reuse():
        tokens = generations()
        if tokens is None:
            return load()
        held_under = tuple(tokens[group] for group in groups)
        memory = services().kept
        held = memory.get(name)
        if held is not None and held[0] == held_under and time.monotonic() - held[1] < KEPT_SECONDS:
            return held[2]
        value = load()
        keep(name, (held_under, time.monotonic(), value))
        return value

    return once(name, load_or_reuse)


def keep(name: Hashable, entry) -> None:
    """Keep `entry` in this worker's memory, bounded by KEPT_ENTRIES."""
    memory = services().kept
    if len(memory) >= KEPT_ENTRIES and name not in memory:
        memory.clear()
    memory[name] = entry


def forget() -> None:
    """After a callback writes (an upload that loads a new vintage), read again."""
    if flask.has_request_context():
        flask.g.pop("lcjp_request_state", None)


def dataset_states() -> dict[str, queries.DatasetState]:
    """Every dataset's provenance, last success and register entry, from one statement."""

    def load():
        with services().session_factory() as session:
            return queries.dataset_states(session)

    return kept("dataset_states", ("datasets",), load)


def register() -> list[tuple[str, str, tuple[str, ...]]]:
    """The data-sharing register as (dataset, classification, shared with) for rights checks."""
    return [
        (dataset_id, state.register_classification, state.register_shared_with)
        for dataset_id, state in dataset_states().items()
        if state.register_classification is not None
    ]
