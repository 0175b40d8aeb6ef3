"""The events page: administrators list, add and delete events; everyone else is refused.

Every callback checks the role itself, because a forged POST to /_dash-update-component can call
any callback whatever the page on screen shows.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, no_update

from callbacks.context import services
from callbacks.permissions import NotAuthorised, require_role
from layouts import ids
from layouts.components import not_authorised
from layouts.events_admin import event_form, events_card, events_table, scope_options
from loaders import events
from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS

REFUSED = "Only administrators can manage events."


def _events_table():
    return events_table(events.list_events(services().session_factory, services().settings.lcjp))


def render_admin(_state):
    """The form and the list, for administrators only."""
    try:
        require_role("admin")
    except NotAuthorised:
        return not_authorised(REFUSED)
    return [event_form(scope_options(MEASURES, SUBGROUPS, DATASETS)), events_card(_events_table())]


def _scope(value: str | None) -> dict:
    """'all', 'subgroup:<id>', 'dataset:<id>' or 'measure:<id>' as add_event's keyword arguments."""
    if value == "all":
        return {"all_measures": True}
    kind, _, item = (value or "").partition(":")
    field = {"subgroup": "subgroups", "dataset": "datasets", "measure": "measures"}.get(kind)
    if field is None or not item:
        raise events.EventError("Choose which measures the event affects.")
    return {field: [item]}


def save_event(_clicks, title, kind, start, end, scope, exclude, description, source):
    """Validate and store a new event; the message says what was wrong, and nothing is stored."""
    try:
        user = require_role("admin")
    except NotAuthorised:
        return dbc.Alert(REFUSED, color="danger"), no_update
    try:
        event = events.add_event(
            services().session_factory,
            title=title,
            kind=kind,
            start=start or "",
            end=end or None,
            exclude_from_baseline=bool(exclude),
            description=description or "",
            source=source or "",
            created_by=user.username,
            **_scope(scope),
        )
    except events.EventError as error:
        return dbc.Alert(str(error), color="danger", id="event-form-error"), no_update
    message = f"Added “{event.title}” ({event.when})."
    return dbc.Alert(message, color="success", id="event-form-added"), _events_table()


def remove_event(clicks):
    """Delete the administrator's event whose button was pressed."""
    if not ctx.triggered_id or not any(clicks or []):
        return no_update, no_update
    try:
        require_role("admin")
    except NotAuthorised:
        return dbc.Alert(REFUSED, color="danger"), no_update
    event_id = ctx.triggered_id["index"]
    try:
        events.delete_event(services().session_factory, str(event_id))
    except events.EventError as error:
        return dbc.Alert(str(error), color="danger"), no_update
    return dbc.Alert("Event deleted.", color="success"), _events_table()


def register(app: dash.Dash) -> None:
    app.callback(Output(ids.EVENTS_ADMIN_BODY, "children"), Input(ids.EVENTS_ADMIN_STATE, "data"))(
        render_admin
    )
    app.callback(
        Output(ids.EVENT_FORM_STATUS, "children"),
        Output(ids.EVENTS_TABLE, "children"),
        Input(ids.EVENT_FORM_SUBMIT, "n_clicks"),
        State(ids.EVENT_FORM_TITLE, "value"),
        State(ids.EVENT_FORM_KIND, "value"),
        State(ids.EVENT_FORM_START, "value"),
        State(ids.EVENT_FORM_END, "value"),
        State(ids.EVENT_FORM_SCOPE, "value"),
        State(ids.EVENT_FORM_EXCLUDE, "value"),
        State(ids.EVENT_FORM_DESCRIPTION, "value"),
        State(ids.EVENT_FORM_SOURCE, "value"),
        prevent_initial_call=True,
    )(save_event)
    app.callback(
        Output(ids.EVENTS_TABLE_STATUS, "children"),
        Output(ids.EVENTS_TABLE, "children", allow_duplicate=True),
        Input({"type": ids.EVENT_DELETE, "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )(remove_event)
