"""Administration pages: users and rights, and the audit log. Skeletons only; callbacks fill them
after checking the user is an administrator (callbacks/admin_users.py, callbacks/admin_audit.py)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids
from layouts.components import form_field
from loaders.access import ROLE_NAMES, ROLES
from loaders.measures import SUBGROUPS

USERS_PATH = "/admin/users"
AUDIT_PATH = "/admin/audit"
AUDIT_CSV_PATH = "/admin/audit.csv"

# First options of the pickers a callback fills, so each shows a meaningful choice at once.
# Not "": dbc.Select keeps "" for its hidden placeholder, which could not be chosen again.
NO_ORGANISATION_VALUE, ALL_EVENTS_VALUE = "-", "*"
NO_ORGANISATION = [{"label": "No organisation", "value": NO_ORGANISATION_VALUE}]
ALL_EVENTS = [{"label": "All events", "value": ALL_EVENTS_VALUE}]

ROLE_DESCRIPTIONS = {
    "admin": "Manages users and rights, reads the audit log, and sees every figure.",
    "analyst": "OPCC staff: every figure on every page, including force-restricted data.",
    "chair": "Their own subgroups' pages (public and partnership data); may submit their "
    "subgroups' data.",
    "member": "Their own subgroups' pages (public and partnership data).",
    "viewer": "Every subgroup's public and partnership figures; nothing force-restricted.",
}


def _role_options() -> list[dict]:
    return [{"label": ROLE_NAMES[r], "value": r} for r in ROLES]


def _subgroup_options() -> list[dict]:
    return [{"label": s.name, "value": s.id} for s in SUBGROUPS.values()]


def roles_explained():
    """What each role sees, in words (and that force-restricted data follows the organisation)."""
    items = []
    for role in ROLES:
        items += [html.Dt(ROLE_NAMES[role]), html.Dd(ROLE_DESCRIPTIONS[role])]
    return html.Details(
        [
            html.Summary("What each role may see"),
            html.Dl(items, className="mt-2"),
            html.P(
                "Force-restricted figures reach only the OPCC and the force they are about: a "
                "user in a police force's organisation sees that force's restricted figures, "
                "never another force's.",
                className="small",
            ),
        ],
        className="mb-3",
    )


def users_layout(**_query):
    """Add users, change their organisation, role and subgroups, disable them, reset passwords."""
    new_user = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Add a user", className="h5"),
                form_field(
                    "Username",
                    dbc.Input(id=ids.ADMIN_NEW_USERNAME, autocomplete="off"),
                    ids.ADMIN_NEW_USERNAME,
                    "Lower case, no spaces, e.g. j.smith.",
                ),
                form_field(
                    "Name", dbc.Input(id=ids.ADMIN_NEW_NAME, autocomplete="off"), ids.ADMIN_NEW_NAME
                ),
                form_field(
                    "Organisation",
                    dbc.Select(
                        id=ids.ADMIN_NEW_ORGANISATION,
                        options=NO_ORGANISATION,
                        value=NO_ORGANISATION_VALUE,
                    ),
                    ids.ADMIN_NEW_ORGANISATION,
                ),
                form_field(
                    "Role",
                    dbc.Select(id=ids.ADMIN_NEW_ROLE, options=_role_options(), value="viewer"),
                    ids.ADMIN_NEW_ROLE,
                ),
                html.Fieldset(
                    [
                        html.Legend(
                            "Subgroups (chairs and members only)", className="form-label fs-6"
                        ),
                        dbc.Checklist(
                            id=ids.ADMIN_NEW_SUBGROUPS, options=_subgroup_options(), value=[]
                        ),
                    ],
                    className="mb-3",
                ),
                form_field(
                    "Initial password",
                    dbc.Input(
                        id=ids.ADMIN_NEW_PASSWORD, type="password", autocomplete="new-password"
                    ),
                    ids.ADMIN_NEW_PASSWORD,
                    "At least 12 characters, not the username and not a common password. Tell "
                    "the person by another channel.",
                ),
                dbc.Button("Add user", id=ids.ADMIN_NEW_SUBMIT, color="primary"),
            ]
        ),
        class_name="mb-4",
    )
    change_user = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Change a user", className="h5"),
                form_field(
                    "User",
                    dbc.Select(id=ids.ADMIN_EDIT_USER, options=[], placeholder="Choose a user"),
                    ids.ADMIN_EDIT_USER,
                ),
                form_field(
                    "Organisation",
                    dbc.Select(
                        id=ids.ADMIN_EDIT_ORGANISATION,
                        options=NO_ORGANISATION,
                        value=NO_ORGANISATION_VALUE,
                    ),
                    ids.ADMIN_EDIT_ORGANISATION,
                ),
                form_field(
                    "Role",
                    dbc.Select(id=ids.ADMIN_EDIT_ROLE, options=_role_options()),
                    ids.ADMIN_EDIT_ROLE,
                ),
                html.Fieldset(
                    [
                        html.Legend(
                            "Subgroups (chairs and members only)", className="form-label fs-6"
                        ),
                        dbc.Checklist(
                            id=ids.ADMIN_EDIT_SUBGROUPS, options=_subgroup_options(), value=[]
                        ),
                    ],
                    className="mb-3",
                ),
                html.Div(
                    [
                        dbc.Button(
                            "Save changes",
                            id=ids.ADMIN_EDIT_SAVE,
                            color="primary",
                            class_name="me-2",
                        ),
                        dbc.Button(
                            "Disable or enable", id=ids.ADMIN_EDIT_ACTIVE, color="outline-danger"
                        ),
                    ],
                    className="mb-3",
                ),
                form_field(
                    "New password",
                    dbc.Input(
                        id=ids.ADMIN_EDIT_PASSWORD, type="password", autocomplete="new-password"
                    ),
                    ids.ADMIN_EDIT_PASSWORD,
                    "Resetting a password signs the user out everywhere.",
                ),
                dbc.Button("Reset password", id=ids.ADMIN_EDIT_RESET, color="outline-primary"),
            ]
        ),
        class_name="mb-4",
    )
    return html.Div(
        [
            html.H1("Users and rights", id=ids.PAGE_HEADING),
            html.P(
                "Who may sign in, which organisation they belong to, their role and, for chairs "
                "and members, their subgroups. Every change is recorded in the audit log."
            ),
            roles_explained(),
            html.Div(id=ids.ADMIN_USERS_STATUS, role="status", **{"aria-live": "polite"}),
            dcc.Store(id=ids.ADMIN_USERS_VERSION, data=0),
            dbc.Row([dbc.Col(new_user, lg=6), dbc.Col(change_user, lg=6)]),
            html.H2("All users", className="h5"),
            html.Div(id=ids.ADMIN_USERS_TABLE),
        ]
    )


def audit_layout(**_query):
    """The audit log, newest first, with filters that work from the keyboard and a CSV export."""
    filters = dbc.Row(
        [
            dbc.Col(
                form_field(
                    "Event",
                    dbc.Select(id=ids.AUDIT_EVENT, options=ALL_EVENTS, value=ALL_EVENTS_VALUE),
                    ids.AUDIT_EVENT,
                ),
                md=4,
            ),
            dbc.Col(
                form_field(
                    "Username",
                    dbc.Input(id=ids.AUDIT_USER, debounce=True, autocomplete="off"),
                    ids.AUDIT_USER,
                ),
                md=4,
            ),
            dbc.Col(
                form_field(
                    "Network address starts with",
                    dbc.Input(id=ids.AUDIT_IP, debounce=True, autocomplete="off"),
                    ids.AUDIT_IP,
                ),
                md=4,
            ),
            dbc.Col(
                form_field(
                    "From (UK date)",
                    dbc.Input(id=ids.AUDIT_FROM, type="date", debounce=True),
                    ids.AUDIT_FROM,
                ),
                md=4,
            ),
            dbc.Col(
                form_field(
                    "To (UK date)",
                    dbc.Input(id=ids.AUDIT_TO, type="date", debounce=True),
                    ids.AUDIT_TO,
                ),
                md=4,
            ),
        ]
    )
    return html.Div(
        [
            html.H1("Audit log", id=ids.PAGE_HEADING),
            html.P(
                "Sign-ins (and refusals), page views, downloads and exports, uploads, and every "
                "change to users and rights: who, what, when and from which network address. "
                "Times are UK local time (GMT or BST, as shown); they are stored in UTC."
            ),
            # Not a <form>: Enter in a field applies the filter instead of reloading the page.
            html.Div(filters, role="search", **{"aria-label": "Filter the audit log"}),
            html.P(id=ids.AUDIT_SUMMARY, className="chart-summary", **{"aria-live": "polite"}),
            html.A(
                "Download these events as CSV",
                id=ids.AUDIT_DOWNLOAD,
                href=AUDIT_CSV_PATH,
                className="btn btn-outline-primary btn-sm mb-3",
            ),
            html.Div(id=ids.AUDIT_TABLE),
        ]
    )


def register_admin_pages() -> None:
    """Administrator-only pages (`roles`); the page guard and every callback check it again."""
    dash.register_page(
        "admin_users",
        path=USERS_PATH,
        name="Users and rights",
        title="Users and rights – LCJP Performance Board",
        order=90,
        layout=users_layout,
        roles=("admin",),
    )
    dash.register_page(
        "admin_audit",
        path=AUDIT_PATH,
        name="Audit log",
        title="Audit log – LCJP Performance Board",
        order=91,
        layout=audit_layout,
        roles=("admin",),
    )
