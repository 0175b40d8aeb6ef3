"""Build a page's collapsed parts the first time each is opened (layouts/lazy_parts.py).

One callback serves every page: it asks the page guard's rule again, then the page's builder makes
the part for the signed-in user and checks their rights itself (NotAuthorised for a part they may
not see), so a forged request for a part the page would not offer them returns nothing."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

import dash
from dash import ALL, MATCH, Input, Output, State, ctx, no_update

from callbacks.permissions import (
    NotAuthorised,
    current_user,
    may_open_page,
    refuse_unauthorised,
)
from layouts import ids
from layouts import lazy_parts as layout

# page → build(part, query): the part's body, or NotAuthorised.
Builder = Callable[[str, dict], object]


def open_parts(build: Builder, parts: list[str], active, built, search: str | None):
    """(one body or no_update per part, the parts built so far): a part is built once, when
    it is first opened."""
    active = [active] if isinstance(active, str) else list(active or [])
    built = [str(p) for p in (built or [])]
    query = dict(parse_qsl((search or "").lstrip("?")))
    bodies = []
    for part in parts:
        if part in active and part not in built:
            bodies.append(build(part, query))
            built.append(part)
        else:
            bodies.append(no_update)
    return bodies, built


def _refused():
    return [no_update] * len(ctx.outputs_list[0]), no_update


def require_page(path: str) -> None:
    """The page guard's own rule (callbacks/page_guard.py), asked again for a part: a user who
    may not open the page gets none of its parts, whatever measures they may see elsewhere."""
    page = next(
        (p for p in dash.page_registry.values() if path in (p.get("path"), p.get("path_template"))),
        None,
    )
    if page is None or not may_open_page(current_user(), page):
        raise NotAuthorised(f"may not open {path}")


def register(app: dash.Dash, builders: dict[str, tuple[str, Builder]]) -> None:
    """One callback for every page's accordion: `builders` maps the page key in the accordion's
    id to (the page's path, its builder); an unknown page, or one the user may not open, is
    refused before anything is built."""

    def open_page_parts(active, built, search):
        page = ctx.outputs_list[1]["id"]["page"]
        if page not in builders:
            raise NotAuthorised(f"no collapsed parts on page {page!r}")
        path, build = builders[page]
        require_page(path)
        parts = [output["id"]["part"] for output in ctx.outputs_list[0]]
        return open_parts(build, parts, active, built, search)

    app.callback(
        Output(layout.body_id(MATCH, ALL), "children"),
        Output(layout.built_id(MATCH), "data"),
        Input(layout.accordion_id(MATCH), "active_item"),
        State(layout.built_id(MATCH), "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(refuse_unauthorised(_refused)(open_page_parts))
