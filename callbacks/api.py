"""The figures API: /api/v1/measures and /api/v1/measures/<id>, as JSON or CSV.

It draws the same PresentedFigure the pages draw (callbacks/presenting.py), with the same rights
checks, so an analyst pulling figures into Excel Power Query or R gets exactly the figures, status
and suppression the board sees. The signed-in browser session works; so does
`Authorization: Bearer <token>` with a personal token (loaders/tokens.py), which acts as its user.
A bearer request never gets a session cookie, and tokens open /api/ only, never pages or /_dash-*.

Answers: anonymous 401 (callbacks/auth.py); an unknown measure and one the caller may not see the
same 404, so the API does not reveal which measures exist; an area with no figures 404; a bad
parameter 400. Every answer is `Cache-Control: no-store` (callbacks/security.py).
"""

from __future__ import annotations

import csv
import io
import math
import re

import flask
import flask_login

from callbacks import data, permissions, presenting
from callbacks.auth import client_ip
from loaders import tokens
from loaders.audit import audit
from loaders.measures import MEASURES, SUBGROUPS

API_PREFIX = "/api/v1"
FORMATS = ("json", "csv")
CSV_COLUMNS = [
    "measure_id",
    "area",
    "area_name",
    "period_end",
    "period_label",
    "value",
    "suppressed",
    "provisional",
]
_TOKEN_KEY = "lcjp_api_token"  # flask.g: the id of the token this request was authenticated with
_TOKEN_AUDIT = "lcjp_api_token_audit"  # flask.g: (event, detail, user) to record after the request


def spreadsheet_safe(text: str) -> str:
    """A cell starting = + - @ or a tab (or carriage return) is run as a formula by Excel; a
    leading apostrophe keeps it as text (OWASP CSV injection).

    Local for now: point this at the shared helper once it lands."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def bearer_token(request: flask.Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None when there is no such header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _error(status: int, message: str):
    return flask.jsonify(error=message), status


def _number(value):
    """JSON has no NaN or infinity: a value that is not a finite number is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite(item):
    if isinstance(item, dict):
        return {k: _finite(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_finite(v) for v in item]
    return _number(item)


def _csv_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def figure_csv(body: dict) -> str:
    """The figure's points as CSV, one row per period; a withheld value is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for point in body["points"]:
        writer.writerow(
            [
                spreadsheet_safe(body["id"]),
                spreadsheet_safe(body["area"] or ""),
                spreadsheet_safe(body["area_name"]),
                point["period_end"],
                spreadsheet_safe(point.get("period_label", "")),
                _csv_number(point["value"]),
                "true" if point["suppressed"] else "false",
                "true" if point["provisional"] else "false",
            ]
        )
    return buffer.getvalue()


def _measure_row(measure_id: str) -> dict:
    spec = MEASURES[measure_id]
    subgroup = SUBGROUPS.get(spec.subgroup)
    return {
        "id": spec.id,
        "title": spec.title,
        "unit": spec.unit,
        "subgroup": spec.subgroup,
        "subgroup_name": subgroup.name if subgroup else spec.subgroup,
        "polarity": spec.polarity,
        "definition": spec.definition,
        "url": f"{API_PREFIX}/measures/{spec.id}",
    }


def _known_area(code: str) -> str | None:
    """The stored area code matching what the caller typed (exactly, or in capitals)."""
    for candidate in dict.fromkeys((code, code.upper())):
        if data.area(candidate) is not None:
            return candidate
    return None


def list_measures():
    user = permissions.current_user()
    visible = [m for m in MEASURES if permissions.can_view_measure(user, m)]
    return flask.jsonify(measures=[_measure_row(m) for m in visible])


def measure_figure(measure_id: str):
    user = permissions.current_user()
    args = flask.request.args
    fmt = args.get("format", "json").strip().lower() or "json"
    if fmt not in FORMATS:
        return _error(400, f"format must be one of {', '.join(FORMATS)}, not '{fmt[:20]}'")
    board_period = args.get("period", "monthly").strip().lower() or "monthly"
    if board_period not in presenting.BOARD_PERIODS:
        return _error(
            400,
            f"period must be one of {', '.join(presenting.BOARD_PERIODS)}, "
            f"not '{board_period[:20]}'",
        )
    not_found = f"no measure '{measure_id[:80]}' that you may see"
    if measure_id not in MEASURES:
        return _error(404, not_found)
    if not permissions.can_view_measure(user, measure_id):
        audit("access_denied", {"api": flask.request.path, "measure": measure_id})
        return _error(404, not_found)

    requested = args.get("area", "").strip()
    area_code = None
    if requested:
        if len(requested) > 40 or not re.fullmatch(r"[A-Za-z0-9_.\-]+", requested):
            return _error(400, "area must be an area code such as K04000001")
        area_code = _known_area(requested)
        if area_code is None:
            return _error(404, f"unknown area '{requested}'")
    try:
        figure = presenting.presented_figure(measure_id, area_code, board_period)
    except permissions.NotAuthorised as refused:
        audit("access_denied", {"api": flask.request.path, "reason": str(refused)})
        return _error(404, not_found)
    if area_code is not None and figure.area_code != area_code:
        return _error(
            404, f"measure '{measure_id}' has no figures you may see for area '{area_code}'"
        )

    body = _finite(figure.api_dict())
    body["board_period"] = figure.board_period
    if fmt == "csv":
        filename = f"{measure_id}_{body['area'] or 'none'}_{board_period}.csv"
        return flask.Response(
            figure_csv(body),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return flask.jsonify(body)


def register_api(server: flask.Flask) -> None:
    """The API routes, and personal tokens as a way to sign in to them (and to nothing else)."""
    factory = server.extensions["lcjp"].session_factory

    @server.login_manager.request_loader
    def user_from_token(request: flask.Request):
        # flask-login asks here only when the session holds no user. Nothing here may touch
        # current_user (it is being worked out) or the session (no cookie for a bearer request).
        if not request.path.startswith(API_PREFIX + "/"):
            return None
        token = bearer_token(request)
        if token is None:
            return None
        found = tokens.user_for_token(factory, token)
        if found is None:
            flask.g.setdefault(_TOKEN_AUDIT, ("api_token_refused", {}, ""))
            return None
        user, token_id = found
        flask.g.setdefault(_TOKEN_KEY, token_id)
        flask.g.setdefault(_TOKEN_AUDIT, ("api_token_used", {"token_id": token_id}, user))
        return user

    @server.after_request
    def audit_token_use(response: flask.Response) -> flask.Response:
        if response.status_code == 401 and flask.request.path.startswith(API_PREFIX + "/"):
            response.headers.setdefault("WWW-Authenticate", 'Bearer realm="lcjp"')
        pending = flask.g.pop(_TOKEN_AUDIT, None)
        if pending is not None:
            event, detail, user = pending
            audit(
                event,
                {
                    **detail,
                    "path": flask.request.path[:200],
                    "query": flask.request.query_string.decode(errors="replace")[:300],
                    "status": response.status_code,
                },
                user=user,
                ip=client_ip(),
                session_factory=factory,
            )
        return response

    blueprint = flask.Blueprint("api_v1", __name__, url_prefix=API_PREFIX)

    @blueprint.before_request
    def one_identity():
        """A request carrying a bearer token is that token's, even beside a browser cookie: a
        wrong token is refused rather than quietly answered as the cookie's user."""
        token = bearer_token(flask.request)
        if token is None or flask.g.get(_TOKEN_KEY) is not None:
            return None
        found = tokens.user_for_token(factory, token)
        user = flask_login.current_user
        if found is None or found[0].id != getattr(user, "id", None):
            flask.g.setdefault(_TOKEN_AUDIT, ("api_token_refused", {}, ""))
            return _error(401, "invalid or revoked token")
        setattr(flask.g, _TOKEN_KEY, found[1])
        flask.g.setdefault(_TOKEN_AUDIT, ("api_token_used", {"token_id": found[1]}, found[0]))
        return None

    blueprint.add_url_rule("/measures", "measures", list_measures, methods=["GET"])
    blueprint.add_url_rule("/measures/<measure_id>", "measure", measure_figure, methods=["GET"])
    server.register_blueprint(blueprint)
