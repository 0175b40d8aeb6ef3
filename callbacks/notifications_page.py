"""The Notifications page and the unread count in the navigation: only the signed-in user's own
notifications and preferences are ever read or changed, whatever a request carries."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, no_update

from callbacks.context import services
from callbacks.permissions import current_user, signed_in_user
from layouts import notifications as layout
from loaders import notifications
from presented.words import local_time


def _rows(user_id: int) -> list[layout.NotificationRow]:
    timezone = services().settings.timezone
    with services().session_factory() as session:
        found = notifications.notifications_of(session, user_id)
    return [
        layout.NotificationRow(
            id=n.id,
            title=n.title,
            body=n.body,
            link=n.link,
            when=local_time(n.created_at, timezone),
            unread=n.read_at is None,
        )
        for n in found
    ]


def notifications_layout(**_query):
    user = signed_in_user()
    if user is None:
        return dash.html.Div()
    with services().session_factory() as session:
        chosen = notifications.preferences(session, user.id)
    return layout.notifications_page(
        _rows(user.id),
        notifications.KINDS,
        notifications.FREQUENCIES,
        chosen,
        user.email,
        bool(services().settings.smtp_url),
    )


def unread_for_nav(_n=None):
    user = signed_in_user()
    if user is None:
        return no_update
    with services().session_factory() as session:
        return layout.nav_link(notifications.unread_count(session, user.id))


def mark_all_read(n_clicks, changed):
    user = current_user()
    if not n_clicks:
        return no_update, no_update, no_update
    count = notifications.mark_read(services().session_factory, user.id)
    return f"{count} marked as read.", (changed or 0) + 1, layout.nav_link(0)


def refresh_list(_changed):
    user = current_user()
    return layout.notification_list(_rows(user.id))


def save_preferences(n_clicks, values, ids):
    user = current_user()
    if not n_clicks:
        return no_update
    if not isinstance(ids, list) or not isinstance(values, list) or len(ids) != len(values):
        return "Not saved: the form was not complete."
    choices = {}
    for given_id, value in zip(ids, values, strict=True):
        kind = given_id.get("kind") if isinstance(given_id, dict) else None
        if not isinstance(kind, str) or not isinstance(value, str):
            return "Not saved: the form was not complete."
        choices[kind] = value
    try:
        notifications.set_preferences(services().session_factory, user.id, choices)
    except ValueError as error:
        return f"Not saved: {error}"
    return "Saved. Your choices apply to alerts from now on."


def register_notifications_page() -> None:
    dash.register_page(
        "notifications",
        path=layout.NOTIFICATIONS_PATH,
        name="Notifications",
        title="Notifications – LCJP Performance Board",
        order=95,
        roles=("*",),
        # Listed in the navigation as its own link with the unread count (layouts/shell.py).
        layout=notifications_layout,
    )


def register(app: dash.Dash) -> None:
    app.callback(
        Output(layout.NAV_LINK, "children"),
        Input(layout.NAV_POLL, "n_intervals"),
    )(unread_for_nav)
    app.callback(
        Output(layout.MARK_MESSAGE, "children"),
        Output(layout.CHANGED, "data"),
        Output(layout.NAV_LINK, "children", allow_duplicate=True),
        Input(layout.MARK_ALL, "n_clicks"),
        State(layout.CHANGED, "data"),
        prevent_initial_call=True,
    )(mark_all_read)
    app.callback(
        Output(layout.LIST, "children"),
        Input(layout.CHANGED, "data"),
        prevent_initial_call=True,
    )(refresh_list)
    app.callback(
        Output(layout.SAVE_MESSAGE, "children"),
        Input(layout.SAVE, "n_clicks"),
        State({"type": "alert-preference", "kind": ALL}, "value"),
        State({"type": "alert-preference", "kind": ALL}, "id"),
        prevent_initial_call=True,
    )(save_preferences)
