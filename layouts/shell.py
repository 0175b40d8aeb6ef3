"""The frame around every page: skip link, navigation from the page registry, demo banner."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids


def create_shell(
    pages: list[dict], *, user_name: str, demo: bool, admin: bool = False, unread: int | None = None
):
    """Navigation lists only the pages passed in (the caller filters by the user's rights).

    `admin` adds a slot for the refresh-failure badge, which a callback fills for admins only.
    `unread` (a number) adds the Notifications link with its unread count, polled for changes.
    """
    from layouts import notifications

    nav = dbc.Nav(
        [
            dbc.NavItem(dbc.NavLink(page["name"], href=page["path"], active="exact"))
            for page in pages
            # Notifications has its own link with the unread count, beside the user's name.
            if not (unread is not None and page["path"] == notifications.NOTIFICATIONS_PATH)
        ],
        navbar=True,
        class_name="flex-wrap",  # wrap, never overflow, on narrow screens (WCAG 1.4.10 reflow)
    )
    banner = (
        dbc.Alert(
            [
                html.Strong("Demo data. "),
                "Figures on this instance are generated for demonstration and are not real statistics.",
            ],
            color="warning",
            class_name="mb-0 rounded-0",
            id="demo-banner",
        )
        if demo
        else None
    )
    return html.Div(
        [
            html.A("Skip to main content", href="#main", className="visually-hidden-focusable"),
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("LCJP Performance Board", href="/"),
                        nav,
                        html.Div(
                            [
                                html.Div(id=ids.REFRESH_ALERT) if admin else None,
                                dcc.Interval(id=ids.REFRESH_ALERT_POLL, interval=60_000)
                                if admin
                                else None,
                                html.Div(notifications.nav_link(unread), id=notifications.NAV_LINK)
                                if unread is not None
                                else None,
                                dcc.Interval(id=notifications.NAV_POLL, interval=60_000)
                                if unread is not None
                                else None,
                                html.Span(user_name, className="me-3 text-white", id="user-name"),
                                # A form, not a link: signing out changes state, so it is a
                                # POST (a link on another site cannot sign anyone out).
                                html.Form(
                                    html.Button(
                                        "Sign out",
                                        type="submit",
                                        id="sign-out",
                                        className="btn btn-outline-light btn-sm",
                                    ),
                                    action="/logout",
                                    method="POST",
                                    className="d-inline m-0",
                                ),
                            ],
                            className="ms-auto d-flex align-items-center",
                        ),
                    ],
                    fluid=True,
                    class_name="flex-wrap",
                ),
                color="dark",
                dark=True,
                class_name="no-print",
            ),
            banner,
            dbc.Container(
                html.Main(dash.page_container, id="main", tabIndex="-1"),
                fluid=True,
                class_name="py-3",
            ),
        ]
    )
