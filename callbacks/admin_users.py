"""The users-and-rights page: every callback checks the caller is an administrator, on the server,
and every change goes through loaders/users.py (policy, last administrator kept, audit)."""

from __future__ import annotations

import secrets

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import sqlalchemy as sa
from dash import Input, Output, State, no_update

from callbacks.context import services
from callbacks.permissions import current_user, refuse_unauthorised, require_role
from layouts import ids
from layouts.admin_access import NO_ORGANISATION, NO_ORGANISATION_VALUE
from layouts.components import data_table, not_authorised
from loaders import users
from loaders.access import ROLE_NAMES
from loaders.measures import SUBGROUPS
from loaders.models import Organisation


def _organisation(value) -> str:
    """The organisation code a picker sent ('' for none)."""
    return "" if value in (None, NO_ORGANISATION_VALUE) else str(value)


def _changed() -> str:
    """A new value for the version store, so the table and the form reload after a change."""
    return secrets.token_hex(4)


def _message(text: str, ok: bool):
    return dbc.Alert(text, color="success" if ok else "danger", class_name="mt-2")


def _organisation_options() -> list[dict]:
    with services().session_factory() as session:
        rows = session.execute(
            sa.select(Organisation.code, Organisation.name).order_by(
                Organisation.kind != "opcc", Organisation.kind != "police", Organisation.name
            )
        ).all()
    return NO_ORGANISATION + [{"label": name, "value": code} for code, name in rows]


def _users_frame(summaries: list[users.UserSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Username": [u.username for u in summaries],
            "Name": [u.display_name for u in summaries],
            "Organisation": [u.organisation_name or "–" for u in summaries],
            "Role": [ROLE_NAMES.get(u.role, u.role) for u in summaries],
            "Subgroups": [
                ", ".join(SUBGROUPS[s].name if s in SUBGROUPS else s for s in u.subgroups) or "–"
                for u in summaries
            ],
            "Status": ["Active" if u.active else "Disabled" for u in summaries],
        }
    )


@refuse_unauthorised(lambda: (not_authorised(), [], [], []))
def update_users(_version):
    """The users table and the pickers' options, fresh after every change."""
    require_role("admin")
    with services().session_factory() as session:
        summaries = users.list_users(session)
    organisations = _organisation_options()
    people = [
        {
            "label": f"{u.username} ({u.display_name})" if u.display_name else u.username,
            "value": u.username,
        }
        for u in summaries
    ]
    table = data_table(_users_frame(summaries), f"{len(summaries)} users")
    return table, organisations, organisations, people


@refuse_unauthorised(lambda: (no_update, no_update, no_update, "Not authorised."))
def load_user(username, _version=None):
    """Put the chosen user's organisation, role and subgroups into the change form."""
    require_role("admin")
    if not username:
        return NO_ORGANISATION_VALUE, "viewer", [], "Disable or enable"
    with services().session_factory() as session:
        found = [u for u in users.list_users(session) if u.username == username]
    if not found:
        return NO_ORGANISATION_VALUE, "viewer", [], "Disable or enable"
    user = found[0]
    return (
        user.organisation_code or NO_ORGANISATION_VALUE,
        user.role,
        list(user.subgroups),
        "Disable user" if user.active else "Enable user",
    )


def _refused_action():
    return _message("Only administrators may change users.", ok=False), no_update


@refuse_unauthorised(lambda: (*_refused_action(), no_update))
def create_user(_clicks, username, name, organisation, role, subgroups, password):
    admin = require_role("admin")
    try:
        users.create_user(
            services().session_factory,
            username or "",
            password or "",
            role=role or "",
            display_name=name or "",
            organisation=_organisation(organisation),
            subgroups=subgroups if isinstance(subgroups, list) else [],
            actor=admin,
        )
    except users.UserError as error:
        return _message(f"Not added: {error}", ok=False), no_update, ""
    return _message(f"Added {username.strip().lower()}.", ok=True), _changed(), ""


@refuse_unauthorised(_refused_action)
def save_user(_clicks, username, organisation, role, subgroups):
    admin = require_role("admin")
    if not username:
        return _message("Choose a user first.", ok=False), no_update
    factory = services().session_factory
    try:
        users.update_user(
            factory, username, role=role, organisation=_organisation(organisation), actor=admin
        )
        chosen = subgroups if isinstance(subgroups, list) else []
        if role in {"chair", "member"}:
            users.set_subgroups(factory, username, chosen, actor=admin)
        elif chosen:
            return _message(
                "Saved, but subgroups were not given: only chairs and members hold them.", ok=False
            ), _changed()
    except users.UserError as error:
        return _message(f"Not saved: {error}", ok=False), no_update
    return _message(f"Saved {username}.", ok=True), _changed()


@refuse_unauthorised(_refused_action)
def toggle_active(_clicks, username):
    admin = require_role("admin")
    if not username:
        return _message("Choose a user first.", ok=False), no_update
    if username == current_user().username:
        return _message("You cannot disable your own account.", ok=False), no_update
    factory = services().session_factory
    try:
        with factory() as session:
            target = users.find_user(session, username)
            if target is None:
                raise users.UserError(f"there is no user called '{username}'")
            make_active = not target.active
        users.set_active(factory, username, make_active, actor=admin)
    except users.UserError as error:
        return _message(f"Not changed: {error}", ok=False), no_update
    done = "enabled" if make_active else "disabled (and signed out everywhere)"
    return _message(f"{username} is now {done}.", ok=True), _changed()


@refuse_unauthorised(lambda: (*_refused_action(), no_update))
def reset_password(_clicks, username, password):
    admin = require_role("admin")
    if not username:
        return _message("Choose a user first.", ok=False), no_update, no_update
    try:
        users.reset_password(services().session_factory, username, password or "", actor=admin)
    except users.UserError as error:
        return _message(f"Not reset: {error}", ok=False), no_update, ""
    return (
        _message(f"New password set for {username}; they were signed out.", ok=True),
        _changed(),
        "",
    )


def register(app: dash.Dash) -> None:
    status = Output(ids.ADMIN_USERS_STATUS, "children", allow_duplicate=True)
    version = Output(ids.ADMIN_USERS_VERSION, "data", allow_duplicate=True)
    app.callback(
        Output(ids.ADMIN_USERS_TABLE, "children"),
        Output(ids.ADMIN_NEW_ORGANISATION, "options"),
        Output(ids.ADMIN_EDIT_ORGANISATION, "options"),
        Output(ids.ADMIN_EDIT_USER, "options"),
        Input(ids.ADMIN_USERS_VERSION, "data"),
    )(update_users)
    app.callback(
        Output(ids.ADMIN_EDIT_ORGANISATION, "value"),
        Output(ids.ADMIN_EDIT_ROLE, "value"),
        Output(ids.ADMIN_EDIT_SUBGROUPS, "value"),
        Output(ids.ADMIN_EDIT_ACTIVE, "children"),
        Input(ids.ADMIN_EDIT_USER, "value"),
        Input(ids.ADMIN_USERS_VERSION, "data"),
    )(load_user)
    app.callback(
        status,
        version,
        Output(ids.ADMIN_NEW_PASSWORD, "value"),
        Input(ids.ADMIN_NEW_SUBMIT, "n_clicks"),
        State(ids.ADMIN_NEW_USERNAME, "value"),
        State(ids.ADMIN_NEW_NAME, "value"),
        State(ids.ADMIN_NEW_ORGANISATION, "value"),
        State(ids.ADMIN_NEW_ROLE, "value"),
        State(ids.ADMIN_NEW_SUBGROUPS, "value"),
        State(ids.ADMIN_NEW_PASSWORD, "value"),
        prevent_initial_call=True,
    )(create_user)
    app.callback(
        status,
        version,
        Input(ids.ADMIN_EDIT_SAVE, "n_clicks"),
        State(ids.ADMIN_EDIT_USER, "value"),
        State(ids.ADMIN_EDIT_ORGANISATION, "value"),
        State(ids.ADMIN_EDIT_ROLE, "value"),
        State(ids.ADMIN_EDIT_SUBGROUPS, "value"),
        prevent_initial_call=True,
    )(save_user)
    app.callback(
        status,
        version,
        Input(ids.ADMIN_EDIT_ACTIVE, "n_clicks"),
        State(ids.ADMIN_EDIT_USER, "value"),
        prevent_initial_call=True,
    )(toggle_active)
    app.callback(
        status,
        version,
        Output(ids.ADMIN_EDIT_PASSWORD, "value"),
        Input(ids.ADMIN_EDIT_RESET, "n_clicks"),
        State(ids.ADMIN_EDIT_USER, "value"),
        State(ids.ADMIN_EDIT_PASSWORD, "value"),
        prevent_initial_call=True,
    )(reset_password)
