"""Partner submissions: the upload page's callbacks and the template downloads.

Every callback and download checks the signed-in user's right to the return it touches
(callbacks/permissions.py: can_submit, can_download_template), whatever dataset id a request
carries. Checking and storing happen in loaders/submissions/uploads.py; nothing here writes data.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import PurePath

import dash
import flask
import flask_login
from dash import ClientsideFunction, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks import data, request_state
from callbacks.context import services
from callbacks.permissions import (
    NotAuthorised,
    can_download_template,
    can_submit,
    current_user,
    require_submit,
)
from layouts import ids
from layouts.components import not_authorised
from layouts.submissions import (
    choose_prompt,
    problem_report,
    success_report,
    template_panel,
)
from loaders.datasets import DATASETS
from loaders.refresh import london_today
from loaders.submissions.downloads import data_dictionary, rules, template_csv, template_xlsx
from loaders.submissions.problems import Problem
from loaders.submissions.templates import TEMPLATES
from loaders.submissions.uploads import (
    UploadOutcome,
    accept_upload,
    file_size,
    recent_submissions,
    size_problem,
)

TEMPLATE_ROUTE = "/submissions/templates/<dataset_id>.<any(csv, xlsx):file_format>"
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def template_url(dataset_id: str, file_format: str) -> str:
    return f"/submissions/templates/{dataset_id}.{file_format}"


def update_choices(state):
    """The returns this user may submit, the one the URL asked for, and the size limit."""
    user = current_user()
    wanted = (state or {}).get("dataset")
    options = [{"label": TEMPLATES[d].title, "value": d} for d in TEMPLATES if can_submit(user, d)]
    limit = services().settings.submission_max_bytes
    if not options:
        return [], "", limit, "You cannot submit partner data. Ask an administrator if you should."
    allowed = {o["value"] for o in options}
    value = wanted if wanted in allowed else ""
    if value == "" and len(options) == 1:
        value = options[0]["value"]
    text = f"A CSV file or an Excel workbook (.xlsx), up to {file_size(limit)}."
    return [{"label": "Choose a return…", "value": ""}, *options], value, limit, text


def update_template(dataset_id, _done):
    """The chosen return's template, data dictionary and what the dashboard holds for it."""
    if not dataset_id:
        return choose_prompt()
    try:
        require_submit(dataset_id)
    except NotAuthorised:
        return not_authorised("You may not submit this return.")
    template = TEMPLATES[dataset_id]
    return template_panel(
        template=template,
        cadence=DATASETS[dataset_id].cadence,
        dictionary=data_dictionary(template),
        rules=rules(template),
        csv_url=template_url(dataset_id, "csv"),
        xlsx_url=template_url(dataset_id, "xlsx"),
        provenance=data.provenance(dataset_id),
        recent=recent_submissions(services().session_factory, dataset_id),
        timezone=data.timezone(),
    )


def decode_upload(
    contents: str, file_name: str, max_bytes: int
) -> tuple[bytes | None, Problem | None]:
    """The file's bytes from dcc.Upload's data URL; an oversized file is refused undecoded."""
    header, _, payload = (contents or "").partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        return None, Problem(None, None, "The browser did not send the file. Choose it again.")
    padding = len(payload) - len(payload.rstrip("="))
    size = len(payload) * 3 // 4 - padding
    too_big = size_problem(file_name, size, max_bytes)
    if too_big:
        return None, too_big
    try:
        return base64.b64decode(payload, validate=True), None
    except (binascii.Error, ValueError):
        return None, Problem(None, None, "The file arrived damaged. Choose it and upload it again.")


def upload_submission(n_clicks, dataset_id, contents, file_name):
    """Check and load the chosen file for the chosen return, as the signed-in user."""
    if not n_clicks or not contents:
        raise PreventUpdate
    try:
        user = require_submit(dataset_id)
    except NotAuthorised:
        return not_authorised("You may not submit this return."), no_update, no_update
    file_name = PurePath(str(file_name or "upload")).name[:200]
    app = services()
    settings = app.settings
    content, problem = decode_upload(contents, file_name, settings.submission_max_bytes)
    if problem is not None:
        return problem_report(UploadOutcome(False, file_name, [problem], 1)), None, no_update
    outcome = accept_upload(
        app.session_factory,
        app.engine,
        dataset_id=dataset_id,
        file_name=file_name,
        data=content,
        username=user.username,
        user_id=user.id,
        submissions_dir=settings.submissions_dir,
        lock_dir=settings.instance_dir,
        max_bytes=settings.submission_max_bytes,
        today=london_today(settings.timezone),
        organisation_code=user.organisation_code,
        max_unpacked=settings.submission_max_unpacked_bytes,
    )
    if not outcome.accepted:
        return problem_report(outcome), None, no_update
    request_state.forget()  # the upload loaded a new vintage: read it, not what was read before
    report = success_report(
        outcome,
        title=TEMPLATES[dataset_id].title,
        loaded_at=data.provenance(dataset_id).loaded_at,
        timezone=data.timezone(),
    )
    return report, None, outcome.vintage_id


def download_template(dataset_id: str, file_format: str):
    """GET a blank template; the login guard runs first, and rights are checked here too."""
    user = flask_login.current_user
    if not getattr(user, "is_authenticated", False):
        return flask.jsonify(error="authentication required"), 401
    if dataset_id not in TEMPLATES:
        flask.abort(404)
    if not can_download_template(user, dataset_id):
        return flask.Response(
            "You do not have access to this template.", 403, mimetype="text/plain"
        )
    template = TEMPLATES[dataset_id]
    body = template_csv(template) if file_format == "csv" else template_xlsx(template)
    return flask.Response(
        body,
        mimetype=MIMETYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="{dataset_id}-template.{file_format}"',
            "Cache-Control": "no-store",
        },
    )


def register(app: dash.Dash) -> None:
    server = app.server
    server.add_url_rule(TEMPLATE_ROUTE, "download_template", download_template)
    if server.config.get("MAX_CONTENT_LENGTH") is None:
        # An upload travels base64-encoded inside a callback request: the size limit plus a third,
        # plus room for the rest of the request. A bigger request is refused before it is read.
        limit = server.extensions["lcjp"].settings.submission_max_bytes
        server.config["MAX_CONTENT_LENGTH"] = limit * 4 // 3 + 1024 * 1024

    app.callback(
        Output(ids.SUBMIT_DATASET, "options"),
        Output(ids.SUBMIT_DATASET, "value"),
        Output(ids.SUBMIT_LIMIT, "data"),
        Output(ids.SUBMIT_LIMIT_TEXT, "children"),
        Input(ids.SUBMIT_STATE, "data"),
    )(update_choices)
    app.callback(
        Output(ids.SUBMIT_TEMPLATE, "children"),
        Input(ids.SUBMIT_DATASET, "value"),
        Input(ids.SUBMIT_DONE, "data"),
    )(update_template)
    app.clientside_callback(
        ClientsideFunction(namespace="submissions", function_name="describeFile"),
        Output(ids.SUBMIT_FILE, "children"),
        Output(ids.SUBMIT_BUTTON, "disabled"),
        Input(ids.SUBMIT_UPLOAD, "contents"),
        Input(ids.SUBMIT_DATASET, "value"),
        State(ids.SUBMIT_UPLOAD, "filename"),
        State(ids.SUBMIT_LIMIT, "data"),
    )
    app.callback(
        Output(ids.SUBMIT_RESULT, "children"),
        Output(ids.SUBMIT_UPLOAD, "contents"),
        Output(ids.SUBMIT_DONE, "data"),
        Input(ids.SUBMIT_BUTTON, "n_clicks"),
        State(ids.SUBMIT_DATASET, "value"),
        State(ids.SUBMIT_UPLOAD, "contents"),
        State(ids.SUBMIT_UPLOAD, "filename"),
        prevent_initial_call=True,
        running=[(Output(ids.SUBMIT_BUTTON, "disabled"), True, True)],
    )(upload_submission)
