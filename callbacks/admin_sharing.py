"""The data-sharing register page (/admin/sharing): administrators keep the provider, agreement,
review date, classification and sharing list of each dataset. Choosing a dataset fills the form
from its entry, so an edit starts from what is stored. Every callback checks the administrator
role again."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask_login
import pandas as pd
import sqlalchemy as sa
from dash import Input, Output, State, dcc, html, no_update

from callbacks.context import services
from callbacks.permissions import NotAuthorised, refuse_unauthorised, require_role
from layouts.components import data_table, not_authorised
from loaders import sharing
from loaders.access import CLASSIFICATIONS
from loaders.audit import audit
from loaders.datasets import DATASETS
from loaders.models import Organisation

SHARING_PATH = "/admin/sharing"
TABLE, VERSION, STATUS = "sharing-table", "sharing-version", "sharing-status"
DATASET, AGREEMENT, REFERENCE = "sharing-dataset", "sharing-agreement", "sharing-reference"
REVIEW, SHARED, PUBLISH, SAVE = (
    "sharing-review",
    "sharing-shared",
    "sharing-publish",
    "sharing-save",
)
PROVIDER, CLASSIFICATION, FORM_NOTE = (
    "sharing-provider",
    "sharing-classification",
    "sharing-form-note",
)


def register_table(entries: list, today: date):
    """The register as a table; a passed review date says so in words, not by colour alone."""
    frame = pd.DataFrame(
        {
            "Dataset": [e.dataset_id for e in entries],
            "Provider": [e.provider for e in entries],
            "Agreement": [f"{e.agreement_type} {e.reference}".strip() for e in entries],
            "Classification": [e.classification.replace("_", " ") for e in entries],
            "Shared with": [", ".join(sharing.shared_with(e)) or "–" for e in entries],
            "May publish": ["Yes" if e.may_publish else "No" for e in entries],
            "Review": [
                "none set"
                if e.review_date is None
                else f"{e.review_date:%d %b %Y}"
                + (" – OVERDUE for review" if sharing.review_overdue(e, today) else "")
                for e in entries
            ],
        }
    )
    overdue = sum(sharing.review_overdue(e, today) for e in entries)
    return html.Div(
        [
            html.P(
                f"{overdue} agreement(s) overdue for review."
                if overdue
                else "No agreement is overdue for review.",
                id="sharing-overdue",
                className="fw-bold" if overdue else "",
            ),
            data_table(frame, f"Data-sharing register: {len(entries)} datasets"),
        ]
    )


def _organisations() -> list[str]:
    with services().session_factory() as session:
        return list(session.scalars(sa.select(Organisation.code).order_by(Organisation.code)))


def sharing_layout(**_query):
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return html.Div()
    try:
        require_role("admin")
    except NotAuthorised:  # the page guard refuses first; this is the second check
        return not_authorised()
    field = {"className": "mb-2"}
    return html.Div(
        [
            html.H1("Data-sharing register", id="page-heading"),
            html.P(
                "Restricted by default: a force-restricted dataset reaches the OPCC and its force; "
                "any other organisation sees it only while it is shared with them here, and then "
                "only for this partnership's own forces, never for other forces' figures."
            ),
            dcc.Store(id=VERSION, data=0),
            html.Div(id=TABLE),
            html.H2("Change an entry", className="h4 mt-3"),
            dbc.Label("Dataset", html_for=DATASET),
            dbc.Select(
                id=DATASET,
                options=[{"label": d, "value": d} for d in sorted(DATASETS)],
                placeholder="Choose a dataset",
                class_name="mb-2",
            ),
            html.P(
                "Choosing a dataset fills the form from its entry.",
                id=FORM_NOTE,
                role="status",
                className="small",
            ),
            dbc.Label("Provider", html_for=PROVIDER),
            dbc.Input(id=PROVIDER, type="text", maxLength=sharing.PROVIDER_MAX, class_name="mb-2"),
            dbc.Label("Classification", html_for=CLASSIFICATION),
            dbc.Select(
                id=CLASSIFICATION,
                options=[{"label": c.replace("_", " "), "value": c} for c in CLASSIFICATIONS],
                class_name="mb-2",
            ),
            dbc.Label("Agreement type", html_for=AGREEMENT),
            dbc.Select(
                id=AGREEMENT,
                options=[{"label": a, "value": a} for a in sharing.AGREEMENT_TYPES],
                class_name="mb-2",
            ),
            dbc.Label("Agreement reference", html_for=REFERENCE),
            dbc.Input(id=REFERENCE, type="text", maxLength=120, class_name="mb-2"),
            dbc.Label("Review date (YYYY-MM-DD)", html_for=REVIEW),
            dbc.Input(id=REVIEW, type="text", class_name="mb-2"),
            dbc.Label("Shared with (organisations)", html_for=SHARED),
            dcc.Dropdown(id=SHARED, multi=True, **field),
            dbc.Checkbox(id=PUBLISH, label="May be published", value=False, class_name="mb-2"),
            dbc.Button("Save entry", id=SAVE, n_clicks=0),
            html.P(id=STATUS, role="status", className="mt-2"),
        ]
    )


@refuse_unauthorised(lambda: (not_authorised(), []))
def update_register(_version):
    require_role("admin")
    with services().session_factory() as session:
        entries = sharing.entries(session)
    return register_table(entries, date.today()), _organisations()


FORM_FIELDS = (PROVIDER, CLASSIFICATION, AGREEMENT, REFERENCE, REVIEW, SHARED, PUBLISH)


@refuse_unauthorised(
    lambda: ("Only administrators may change the register.", *(no_update for _ in FORM_FIELDS))
)
def fill_form(dataset_id):
    """The chosen dataset's entry as it is stored, in every field of the form."""
    require_role("admin")
    if not dataset_id:
        return ("Choose a dataset to edit its entry.", *(no_update for _ in FORM_FIELDS))
    with services().session_factory() as session:
        entry = sharing.entry_for(session, dataset_id)
    if entry is None:
        return (f"No register entry for {dataset_id!r}.", *(no_update for _ in FORM_FIELDS))
    source = DATASETS[dataset_id].classification.replace("_", " ")
    return (
        f"Editing {dataset_id} as stored (at source: {source}; the register may make its "
        "classification stricter, never laxer).",
        entry.provider,
        entry.classification,
        entry.agreement_type,
        entry.reference,
        entry.review_date.isoformat() if entry.review_date else "",
        sharing.shared_with(entry),
        bool(entry.may_publish),
    )


def _text_or_none(value) -> str | None:
    """A text field's value; anything else a forged request sends is an empty answer."""
    return value if isinstance(value, str) else ("" if value is not None else None)


@refuse_unauthorised(lambda: ("Only administrators may change the register.", no_update))
def save_entry(
    _clicks,
    dataset_id,
    provider,
    classification,
    agreement,
    reference,
    review,
    shared,
    may_publish,
    version,
):
    admin = require_role("admin")
    if not dataset_id:
        return "Choose a dataset first.", no_update
    try:
        review_date = (
            date.fromisoformat(review.strip())
            if isinstance(review, str) and review.strip()
            else None
        )
    except ValueError:
        return "Not saved: the review date must be written YYYY-MM-DD.", no_update
    edit = sharing.SharingEdit(
        str(dataset_id),
        agreement if isinstance(agreement, str) else "",
        reference if isinstance(reference, str) else "",
        review_date,
        tuple(str(code) for code in shared) if isinstance(shared, list) else (),
        may_publish is True,
        provider=_text_or_none(provider),
        classification=_text_or_none(classification),
    )
    try:
        changed = sharing.update_entry(services().session_factory, edit, set(_organisations()))
    except sharing.SharingError as error:
        return f"Not saved: {error}", no_update
    audit(
        "sharing_changed",
        {
            "dataset": dataset_id,
            "by": admin.username,
            "changed": changed,
            "classification": edit.classification,
            "shared_with": sorted(set(edit.shared_with)),
        },
    )
    return f"Saved the register entry for {dataset_id}.", (version or 0) + 1


def register_sharing_page() -> None:
    dash.register_page(
        "admin_sharing",
        path=SHARING_PATH,
        name="Data-sharing register",
        title="Data-sharing register – LCJP Performance Board",
        order=92,
        layout=sharing_layout,
        roles=("admin",),
    )


def register(app: dash.Dash) -> None:
    app.callback(Output(TABLE, "children"), Output(SHARED, "options"), Input(VERSION, "data"))(
        update_register
    )
    app.callback(
        Output(FORM_NOTE, "children"),
        Output(PROVIDER, "value"),
        Output(CLASSIFICATION, "value"),
        Output(AGREEMENT, "value"),
        Output(REFERENCE, "value"),
        Output(REVIEW, "value"),
        Output(SHARED, "value"),
        Output(PUBLISH, "value"),
        Input(DATASET, "value"),
    )(fill_form)
    app.callback(
        Output(STATUS, "children"),
        Output(VERSION, "data"),
        Input(SAVE, "n_clicks"),
        State(DATASET, "value"),
        State(PROVIDER, "value"),
        State(CLASSIFICATION, "value"),
        State(AGREEMENT, "value"),
        State(REFERENCE, "value"),
        State(REVIEW, "value"),
        State(SHARED, "value"),
        State(PUBLISH, "value"),
        State(VERSION, "data"),
        prevent_initial_call=True,
    )(save_entry)
