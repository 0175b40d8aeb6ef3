"""The Notifications page (pure builders): the user's alerts, newest first, and how they want each
kind of event. Unread ones say "Unread" in words and bold type, never by colour alone."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids

NOTIFICATIONS_PATH = "/notifications"
LIST, MARK_ALL, MARK_MESSAGE, CHANGED = (
    "notifications-list",
    "notifications-mark-all",
    "notifications-mark-message",
    "notifications-changed",
)
SAVE, SAVE_MESSAGE = "notifications-save", "notifications-save-message"
NAV_LINK, NAV_POLL = "nav-notifications", "nav-notifications-poll"


def preference_id(kind: str) -> dict:
    return {"type": "alert-preference", "kind": kind}


@dataclass(frozen=True)
class NotificationRow:
    id: int
    title: str
    body: str
    link: str
    when: str
    unread: bool


def nav_link(unread: int):
    """'Notifications' in the navigation, with the unread count in words for screen readers."""
    badge = (
        dbc.Badge(
            [str(unread), html.Span(" unread", className="visually-hidden")],
            color="warning",
            text_color="dark",
            class_name="ms-1",
            pill=True,
        )
        if unread
        else None
    )
    return html.A(
        ["Notifications", badge],
        href=NOTIFICATIONS_PATH,
        className="btn btn-outline-light btn-sm me-3",
        title=f"{unread} unread notification{'s' if unread != 1 else ''}",
    )


def notification_list(rows: list[NotificationRow]):
    if not rows:
        return html.P("Nothing yet: alerts you are signed up for will appear here.")
    unread = sum(r.unread for r in rows)
    items = []
    for row in rows:
        heading = [html.Span("Unread: ", className="fw-bold") if row.unread else None, row.title]
        items.append(
            html.Li(
                [
                    html.H3(heading, className="h6 mb-1" + (" fw-bold" if row.unread else "")),
                    html.P(row.when, className="small text-muted mb-1"),
                    html.P(row.body, className="mb-1", style={"whiteSpace": "pre-line"}),
                    html.A("Open this view", href=row.link) if row.link else None,
                ],
                className="list-group-item",
            )
        )
    return html.Div(
        [
            html.P(f"{unread} unread of {len(rows)}.", id="notifications-summary"),
            html.Ul(items, className="list-group mb-3"),
        ]
    )


def preferences_form(kinds: dict, frequencies: dict, chosen: dict, email: str | None, smtp: bool):
    fields = [
        html.Fieldset(
            [
                html.Legend(label, className="fs-6 fw-bold"),
                dcc.RadioItems(
                    id=preference_id(kind),
                    options=[
                        {"label": f" {words}", "value": f} for f, words in frequencies.items()
                    ],
                    value=chosen[kind],
                    inline=True,
                    labelClassName="me-3",
                ),
            ],
            className="mb-3",
        )
        for kind, label in kinds.items()
    ]
    if not smtp:
        where = "Email is not set up on this server, so alerts appear here only."
    elif email:
        where = f"Emails go to {email}. Ask an administrator to change the address."
    else:
        where = "No email address is set for you, so alerts appear here only. Ask an administrator."
    return html.Section(
        [
            html.H2("How you are told", className="h4", id="preferences"),
            html.P(where, id="notifications-email"),
            *fields,
            dbc.Button("Save my choices", id=SAVE, color="primary"),
            html.Div(id=SAVE_MESSAGE, role="status", className="mt-2"),
        ],
        className="mt-4",
    )


def notifications_page(rows, kinds, frequencies, chosen, email, smtp):
    return html.Div(
        [
            html.H1("Notifications", id=ids.PAGE_HEADING),
            dcc.Store(id=CHANGED, data=0),
            dbc.Button("Mark all as read", id=MARK_ALL, color="secondary", className="mb-2"),
            html.Div(id=MARK_MESSAGE, role="status"),
            html.Div(notification_list(rows), id=LIST),
            preferences_form(kinds, frequencies, chosen, email, smtp),
        ]
    )
