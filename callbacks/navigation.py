"""The app shell for each request: only the pages the signed-in user may open, and the demo banner."""

from __future__ import annotations

import dash
import flask
import flask_login
import sqlalchemy as sa
from dash import html

from callbacks.context import services
from callbacks.permissions import may_open_page, rights_of
from layouts.shell import create_shell
from loaders.access import ROLE_NAMES
from loaders.models import Dataset, Vintage


def visible_pages(user) -> list[dict]:
    """The pages this user may open, in menu order. Hiding the others is a courtesy, not the
    control: every page layout and callback checks again (callbacks/page_guard.py). Pages marked
    `in_navigation=False` (a meeting's screens, reached from /meetings) are never listed."""
    pages = sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0)
    return [page for page in pages if page.get("in_navigation", True) and may_open_page(user, page)]


def any_demo_data() -> bool:
    with services().session_factory() as session:
        return bool(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Dataset)
                .join(Vintage, Vintage.id == Dataset.current_vintage_id)
                .where(Vintage.is_demo.is_(True))
            )
        )


def serve_layout():
    """Called by Dash for every page load (and once at start with no request, for validation)."""
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return html.Div(dash.page_container)
    name = user.display_name or user.username
    role = ROLE_NAMES.get(rights_of(user).role, "no access")
    return create_shell(
        visible_pages(user),
        user_name=f"{name} ({role})",
        demo=any_demo_data(),
        admin=rights_of(user).is_admin,
        unread=unread_count(user),
    )


def unread_count(user) -> int:
    """The signed-in user's unread notifications, for the badge in the navigation."""
    from loaders.notifications import unread_count as count

    with services().session_factory() as session:
        return count(session, user.id)


def register_home_redirect(server: flask.Flask) -> None:
    """'/' opens the first page the signed-in user may see (the guard has already run)."""

    @server.before_request
    def open_first_visible_page():
        if flask.request.path != "/" or not flask_login.current_user.is_authenticated:
            return None
        pages = visible_pages(flask_login.current_user)
        if not pages:
            return flask.Response("Your account has no pages yet. Ask an administrator.", 403)
        return flask.redirect(pages[0]["path"])
