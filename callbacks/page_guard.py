"""Every registered page's layout checks the signed-in user before it builds anything.

Dash builds a page's layout inside its routing callback, which anyone signed in can call with any
path and query string. So each layout in dash.page_registry is wrapped: a user who may not open the
page gets a plain "not authorised" message and nothing else, and every view is audited. Wrapping
happens before each request, so pages other modules register later are covered too.
"""

from __future__ import annotations

import functools

import dash
import dash_bootstrap_components as dbc
import flask
import flask_login
from dash import html

from callbacks.permissions import may_open_page
from layouts import ids
from loaders.audit import audit

NOT_AUTHORISED_PAGE_ID = "page-not-authorised"
_GUARD_MARK = "_lcjp_page_guard"


def not_authorised_page():
    """What a refused page shows: a heading and one sentence, no data and no data components."""
    return html.Div(
        [
            html.H1("Not authorised", id=ids.PAGE_HEADING),
            dbc.Alert(
                "You do not have access to this page. If you need it for your work, ask an "
                "administrator to give your account the right subgroup or role.",
                color="secondary",
            ),
        ],
        id=NOT_AUTHORISED_PAGE_ID,
    )


def _query_for_log(kwargs: dict) -> dict:
    return {str(k)[:40]: str(v)[:200] for k, v in list(kwargs.items())[:10]}


def _guard(page: dict, layout):
    @functools.wraps(layout if callable(layout) else not_authorised_page)
    def guarded_layout(**kwargs):
        user = flask_login.current_user
        path = page.get("path", "")
        if not flask.has_request_context() or not getattr(user, "is_authenticated", False):
            return not_authorised_page()
        if not may_open_page(user, page):
            audit("page_denied", {"path": path, "query": _query_for_log(kwargs)})
            return not_authorised_page()
        audit("page_view", {"path": path, "query": _query_for_log(kwargs)})
        return layout(**kwargs) if callable(layout) else layout

    setattr(guarded_layout, _GUARD_MARK, True)
    return guarded_layout


def guard_pages() -> None:
    """Wrap every page layout not yet wrapped (idempotent; cheap enough to run per request)."""
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if not getattr(layout, _GUARD_MARK, False):
            page["layout"] = _guard(page, layout)


def is_guarded(page: dict) -> bool:
    return bool(getattr(page.get("layout"), _GUARD_MARK, False))


def register_page_guard(server: flask.Flask) -> None:
    guard_pages()
    server.before_request(guard_pages)
