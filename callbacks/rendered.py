"""Page callbacks' outputs worked out once per data vintage and audience cut, like the figures.

A heavy page callback (the board's tiles, the E&E courts, a court's page) draws plotly figures,
component trees and tables from presented figures that are already stored; drawing them again
on every request cost ~10 ms a figure. `render_once` stores what the callback returns as the JSON
Dash would send, in the shared figure store (callbacks/data.cached: keyed on the vintages), under
a key made of the callback, its inputs and everything else its content depends on (`cut_key`).
The permission check runs on every request before the key is even made; a refusal is never
stored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable

import plotly.io.json as plotly_json
from dash._callback import NoUpdate

from callbacks import data, permissions, presenting, request_state
from callbacks.context import services
from callbacks.permissions import refuse_unauthorised
from loaders import access
from loaders.datasets import DATASETS
from loaders.measures import MEASURES
from loaders.refresh import london_today

_REGISTRY: list = [None, ""]  # (the registry's entries, their digest): reprs cost ~1 ms a request


# name → the callback as registered (the scheduler draws each cut's pages through it)
STORED: dict[str, Callable] = {}


class _NotStored(Exception):
    """A callback answered with no_update somewhere: passed on as it is, never stored."""

    def __init__(self, output):
        super().__init__("output holds no_update")
        self.output = output


def _registry_digest() -> str:
    """Every measure's registry entry (title, direction, target, …): a target set or changed
    makes a new key. Worked out again whenever any entry is replaced."""
    entries = tuple(MEASURES.values())
    cached_entries, digest = _REGISTRY
    if (
        cached_entries is None
        or len(cached_entries) != len(entries)
        or any(a is not b for a, b in zip(cached_entries, entries, strict=True))
    ):
        digest = hashlib.blake2b(repr(entries).encode(), digest_size=16).hexdigest()
        _REGISTRY[:] = [entries, digest]
    return digest


def cut_key() -> str:
    """Everything a page's content depends on besides its inputs and the vintages (which
    data.cached keys on): which rows of every measure the signed-in user may see (the reach that
    decides them, as loaders/access.permitted_rows reads it; None for a measure they may not
    see), whether small numbers are withheld, the timeline's events, today's date (periods,
    staleness), every dataset's provenance, register entry and why it is stale (what its last
    success decides, not the time itself: a refresh that brings nothing new keeps the key), each
    dataset's publication timing, the registry and the partnership's configuration. Every
    measure, not only those a callback reads, so no callback can leave one out. The same cut as
    the scheduler's (scheduler/figures.audience_cuts): it builds one output for all who share it."""
    user = permissions.current_user()
    tokens = request_state.generations()
    if tokens is None:
        return _work_out_cut_key(user)
    # Kept by the worker while nothing it depends on is written, and for a minute at most: a
    # dataset turning stale is a matter of its time passing, not of a write.
    return request_state.kept(
        (
            "cut_key",
            user.id,
            london_today(data.timezone()),
            int(time.time() // 60),
            _registry_digest(),
        ),
        request_state.ALL_GROUPS,
        lambda: _work_out_cut_key(user),
    )


def _work_out_cut_key(user) -> str:
    rights = permissions.rights_of(user)  # once: ~80 measures are asked about
    reach = tuple(
        (m, data._reach_key(m, rights) if access.can_view_measure(rights, m) else None)
        for m in MEASURES
    )
    states = request_state.dataset_states()
    ingredients = (
        reach,
        presenting.audience_of(user).key,
        tuple(repr(e) for e in presenting.timeline_events()),
        london_today(data.timezone()),
        services().settings.stale_grace_days,
        tuple(
            (d, repr(s.provenance), s.register_classification, s.register_shared_with)
            for d, s in sorted(states.items())
        ),
        tuple((d, data.stale_reason(d)) for d in sorted(states)),
        tuple((d, presenting.timing(d)) for d in DATASETS),
        _registry_digest(),
        json.dumps(data.lcjp(), sort_keys=True, default=str),
    )
    return hashlib.blake2b(repr(ingredients).encode(), digest_size=20).hexdigest()


def _plain(output):
    """The JSON Dash would send for this output (components as type/namespace/props, figures as
    dicts), as Python lists and dicts: what Dash serialises again costs little."""
    parts = output if isinstance(output, tuple) else (output,)
    if any(isinstance(part, NoUpdate) for part in parts):
        raise _NotStored(output)
    plain = json.loads(plotly_json.to_json_plotly(output))
    return tuple(plain) if isinstance(output, tuple) else plain


def render_once(
    name: str,
    check: Callable[..., object],
    key_inputs: Callable[..., tuple | None] = lambda *inputs: inputs,
):
    """Decorate a page callback: `check(*inputs)` (its permission checks; NotAuthorised refuses)
    runs on every request, then its output is read from the store, or drawn once and stored.
    `key_inputs(*inputs)` gives the inputs as the output depends on them (() for a callback that
    ignores them), or None for inputs a page never sends by itself: those are drawn, not
    stored, so no one can fill the store by posting made-up inputs. Put it inside
    refuse_unauthorised, so a refusal is answered and never stored."""

    def decorate(callback):
        @functools.wraps(callback)
        def stored(*inputs):
            check(*inputs)
            canonical = key_inputs(*inputs)
            if canonical is None:
                return callback(*inputs)
            key = (
                "rendered",
                name,
                json.dumps(canonical, sort_keys=True, default=str),
                cut_key(),
            )
            try:
                return data.cached(key, lambda _session: _plain(callback(*inputs)))
            except _NotStored as answered:
                return answered.output

        stored.uncached = callback  # the callback itself, drawing every time (profiling, tests)
        STORED[name] = stored
        return stored

    return decorate


def stored(
    checked,
    name: str,
    check: Callable[..., object],
    key_inputs: Callable[..., tuple | None] = lambda *inputs: inputs,
):
    """A callback decorated with refuse_unauthorised, as it is registered: the same refusal
    round its drawing, with its output stored by render_once in between. Called directly (tests,
    packs) the callback still draws and returns components."""
    registered = refuse_unauthorised(checked.refusal)(
        render_once(name, check, key_inputs)(checked.__wrapped__)
    )
    STORED[name] = registered
    return registered


def ignores_inputs(*_inputs) -> tuple:
    """key_inputs for a callback whose output does not depend on its inputs (a page's state
    store that only fires it)."""
    return ()
