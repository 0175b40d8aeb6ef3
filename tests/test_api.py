"""The figures API: the same figures, rights and suppression as the pages, for sessions and tokens."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import replace

import pytest
import sqlalchemy as sa

from callbacks import permissions, presenting
from callbacks.api import spreadsheet_safe
from loaders import users
from loaders.measures import MEASURES
from loaders.models import ApiToken, AuditEvent, User

ROLES = ("admin", "analyst", "viewer", "chair", "member")
CCSQ_FILE = ("ccsq_crown_court", "gold_backlog_trajectory.csv")
ENGLAND_AND_WALES = "K04000001"


def _factory(app):
    return app.server.extensions["lcjp"].session_factory


def _visible(as_user, role: str) -> list[str]:
    with as_user(role) as user:
        return [m for m in MEASURES if permissions.can_view_measure(user, m)]


def _model(as_user, role: str, measure_id: str, area=None, board_period="monthly") -> dict:
    """What the model gives this role, as JSON would carry it."""
    with as_user(role):
        figure = presenting.presented_figure(measure_id, area, board_period)
        body = figure.api_dict()
        body["board_period"] = figure.board_period
    return json.loads(json.dumps(body))


def _numbers(item):
    if isinstance(item, bool) or item is None:
        return
    if isinstance(item, int | float):
        yield float(item)
    elif isinstance(item, dict):
        for value in item.values():
            yield from _numbers(value)
    elif isinstance(item, list):
        for value in item:
            yield from _numbers(value)


# --- Who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_exactly_the_measures_it_may_see(client, auth, as_user, role):
    expected = _visible(as_user, role)
    assert expected, f"{role} should see some measures"
    auth.login(role)
    answer = client.get("/api/v1/measures")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    rows = answer.get_json()["measures"]
    assert [r["id"] for r in rows] == expected
    for row in rows:
        spec = MEASURES[row["id"]]
        assert (row["title"], row["unit"], row["subgroup"]) == (
            spec.title,
            spec.unit,
            spec.subgroup,
        )

    # Every measure it may not see answers exactly as a measure that does not exist.
    unknown = client.get("/api/v1/measures/no_such_measure")
    assert unknown.status_code == 404
    hidden = [m for m in MEASURES if m not in expected]
    if role in {"chair", "member"}:
        assert hidden, f"a {role} should not see every measure"
    for measure_id in hidden:
        refused = client.get(f"/api/v1/measures/{measure_id}")
        assert refused.status_code == 404
        assert refused.get_json() == {"error": f"no measure '{measure_id}' that you may see"}, (
            measure_id
        )
        assert client.get(f"/api/v1/measures/{measure_id}?format=csv").status_code == 404
    assert unknown.get_json() == {"error": "no measure 'no_such_measure' that you may see"}


def test_anonymous_gets_401_json(client):
    for path in (
        "/api/v1/measures",
        "/api/v1/measures/crown_open_cases",
        f"/api/v1/measures/crown_open_cases?area={ENGLAND_AND_WALES}&format=csv",
        "/api/v1/measures/no_such_measure",
    ):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.is_json and answer.get_json() == {"error": "authentication required"}
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in answer.headers


# --- The figure is the model's, and the file's -----------------------------------------------------


def test_figure_json_is_the_model_and_the_published_file(client, auth, as_user, public_data_dir):
    auth.login("analyst")
    answer = client.get(f"/api/v1/measures/crown_open_cases?area={ENGLAND_AND_WALES}")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body == _model(as_user, "analyst", "crown_open_cases", ENGLAND_AND_WALES)
    assert body["id"] == "crown_open_cases" and body["area"] == ENGLAND_AND_WALES

    with open(public_data_dir.joinpath(*CCSQ_FILE), newline="") as handle:
        published = {row["quarter_end"]: float(row["open"]) for row in csv.DictReader(handle)}
    assert published["2025-12-31"] == 80203
    points = {p["period_end"]: p for p in body["points"]}
    assert points["2025-12-31"]["value"] == 80203
    for quarter_end, value in published.items():
        assert points[quarter_end]["value"] == value, quarter_end
        assert points[quarter_end]["suppressed"] is False
    latest = body["latest"]
    last_quarter = max(published)
    assert latest["period_end"] == last_quarter
    assert latest["value"] == published[last_quarter]
    assert latest["status"] in {"current", "stale", "provisional"}
    assert latest["suppressed"] is False
    for point in body["points"]:
        assert set(point) >= {"period_end", "value", "suppressed", "provisional"}


def test_board_period_and_bad_parameters(client, auth, as_user):
    auth.login("analyst")
    quarterly = client.get("/api/v1/measures/crown_open_cases?period=quarterly")
    assert quarterly.status_code == 200
    body = quarterly.get_json()
    assert body["board_period"] == "quarterly"
    assert body == _model(as_user, "analyst", "crown_open_cases", None, "quarterly")

    bad_period = client.get("/api/v1/measures/crown_open_cases?period=weekly")
    assert (
        bad_period.status_code == 400 and "period must be one of" in bad_period.get_json()["error"]
    )
    bad_format = client.get("/api/v1/measures/crown_open_cases?format=xml")
    assert (
        bad_format.status_code == 400 and "format must be one of" in bad_format.get_json()["error"]
    )
    bad_area = client.get("/api/v1/measures/crown_open_cases?area=%3Cscript%3E")
    assert bad_area.status_code == 400 and "area code" in bad_area.get_json()["error"]
    unknown_area = client.get("/api/v1/measures/crown_open_cases?area=E99999999")
    assert unknown_area.status_code == 404
    assert unknown_area.get_json() == {"error": "unknown area 'E99999999'"}


def test_an_area_with_no_figures_for_the_measure_is_404(client, auth):
    """Crown Court open cases are published for England & Wales only: a force has none."""
    auth.login("analyst")
    force = client.get("/api/v1/measures/police_crimes").get_json()["area"]
    assert force and force != ENGLAND_AND_WALES
    answer = client.get(f"/api/v1/measures/crown_open_cases?area={force}")
    assert answer.status_code == 404
    assert answer.get_json() == {
        "error": f"measure 'crown_open_cases' has no figures you may see for area '{force}'"
    }
    # A lower-case code is read as the stored code.
    lower = client.get(f"/api/v1/measures/police_crimes?area={force.lower()}")
    assert lower.status_code == 200 and lower.get_json()["area"] == force


def test_csv_gives_the_points(client, auth):
    auth.login("analyst")
    base = f"/api/v1/measures/crown_open_cases?area={ENGLAND_AND_WALES}"
    body = client.get(base).get_json()
    answer = client.get(base + "&format=csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == len(body["points"])
    for row, point in zip(rows, body["points"], strict=True):
        assert row["measure_id"] == "crown_open_cases" and row["area"] == ENGLAND_AND_WALES
        assert row["period_end"] == point["period_end"]
        assert (float(row["value"]) if row["value"] else None) == point["value"]
        assert row["suppressed"] == str(point["suppressed"]).lower()
        assert row["provisional"] == str(point["provisional"]).lower()
    q4 = next(r for r in rows if r["period_end"] == "2025-12-31")
    assert q4["value"] == "80203"


def test_spreadsheet_safe_defuses_formulas():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("2025 Q4") == "2025 Q4"
    assert spreadsheet_safe("") == ""


# --- Small numbers never reach a partner -----------------------------------------------------------


def test_a_partner_never_gets_a_small_count(app, client, auth, as_user, monkeypatch):
    measure = "police_crimes"
    assert "member" in {r for r in ROLES} and measure in _visible(as_user, "member")
    area = _model(as_user, "member", measure)["area"]
    full = _model(as_user, "analyst", measure, area)
    values = sorted(p["value"] for p in full["points"] if p["value"])
    assert len(values) >= 4
    # A threshold above half of this force's monthly counts: those become small for a partner.
    threshold = int(values[len(values) // 2]) + 1
    services = app.server.extensions["lcjp"]
    monkeypatch.setitem(
        app.server.extensions,
        "lcjp",
        replace(services, settings=replace(services.settings, suppression_threshold=threshold)),
    )
    small = {v for v in values if 0 < v < threshold}
    assert small

    auth.login("member")
    answer = client.get(f"/api/v1/measures/{measure}?area={area}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body == _model(as_user, "member", measure, area)
    assert body["area"] == area
    suppressed = [p for p in body["points"] if p["suppressed"]]
    assert len(suppressed) >= len(small)
    for point in body["points"]:
        if point["suppressed"]:
            assert point["value"] is None
        else:
            assert point["value"] is None or not 0 < point["value"] < threshold
    if body["latest"]["suppressed"]:
        assert body["latest"]["value"] is None
    assert not small & set(_numbers(body)), "a withheld count is somewhere in the JSON"
    text = answer.get_data(as_text=True)
    for value in small:
        assert f"{value:,.0f}" not in text

    answer_csv = client.get(f"/api/v1/measures/{measure}?area={area}&format=csv")
    rows = list(csv.DictReader(io.StringIO(answer_csv.get_data(as_text=True))))
    assert len(rows) == len(body["points"])
    for row in rows:
        if row["suppressed"] == "true":
            assert row["value"] == ""
        elif row["value"]:
            assert float(row["value"]) not in small and not 0 < float(row["value"]) < threshold

    # The analyst, who may see small numbers, still gets them under the same threshold.
    auth.logout()
    auth.login("analyst")
    analyst = client.get(f"/api/v1/measures/{measure}?area={area}").get_json()
    assert sorted(p["value"] for p in analyst["points"] if p["value"]) == values


# --- Personal tokens ------------------------------------------------------------------------------


def _token_user(app, role: str = "member") -> str:
    username = f"api-{role}-{uuid.uuid4().hex[:8]}"
    organisation, subgroups = {
        "member": ("police-durham", ("police-demand",)),
        "viewer": ("", ()),
        "analyst": ("opcc", ()),
    }[role]
    users.create_user(
        _factory(app),
        username,
        "a-long-test-password-42",
        role=role,
        organisation=organisation,
        subgroups=subgroups,
    )
    return username


def _make_token(runner, username: str, name: str = "Power Query") -> tuple[int, str]:
    result = runner.invoke(args=["users", "token", username, "--name", name])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    token_id = int(lines[0].split()[1])
    return token_id, lines[-1].strip()


def _audit(app, event: str, username: str | None = None) -> list[AuditEvent]:
    with _factory(app)() as session:
        query = sa.select(AuditEvent).where(AuditEvent.event == event)
        if username is not None:
            query = query.where(AuditEvent.username == username)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_acts_as_its_user_and_is_stored_only_as_a_hash(app, as_user):
    username = _token_user(app, "member")
    runner = app.server.test_cli_runner()
    token_id, token = _make_token(runner, username)
    assert token.startswith("lcjp_") and len(token) > 40

    with _factory(app)() as session:
        row = session.get(ApiToken, token_id)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.name == "Power Query" and row.last_used_at is None and row.revoked_at is None
        stored = [str(v) for v in session.execute(sa.select(ApiToken.__table__)).all()]
    assert not any(token in text for text in stored)
    created = _audit(app, "api_token_created")
    assert any(json.loads(e.detail)["token_id"] == token_id for e in created)

    listed = runner.invoke(args=["users", "token", username, "--list"])
    assert listed.exit_code == 0 and "Power Query" in listed.output and "never" in listed.output
    assert token not in listed.output

    client = app.server.test_client()  # a fresh client with no cookies at all
    answer = client.get("/api/v1/measures", headers=_bearer(token))
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"
    # Exactly the measures of a member of this organisation and subgroup.
    expected = _visible(as_user, "member")
    assert [r["id"] for r in answer.get_json()["measures"]] == expected
    figure = client.get("/api/v1/measures/police_crimes?format=csv", headers=_bearer(token))
    assert figure.status_code == 200 and "Set-Cookie" not in figure.headers
    hidden = next(m for m in MEASURES if m not in expected)
    assert client.get(f"/api/v1/measures/{hidden}", headers=_bearer(token)).status_code == 404
    assert client.get_cookie("session") is None

    used = _audit(app, "api_token_used", username)
    assert len(used) == 3
    assert [json.loads(e.detail)["status"] for e in used] == [200, 200, 404]
    assert all(json.loads(e.detail)["token_id"] == token_id for e in used)
    with _factory(app)() as session:
        assert session.get(ApiToken, token_id).last_used_at is not None

    # A token opens the API only: not pages, not Dash's callbacks.
    assert client.get("/_dash-layout", headers=_bearer(token)).status_code == 401
    page = client.get("/police-demand", headers=_bearer(token))
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_wrong_token_is_refused_and_audited(app):
    client = app.server.test_client()
    for header in ("Bearer lcjp_not-a-real-token", "Bearer ", "Bearer x" * 100):
        answer = client.get("/api/v1/measures", headers={"Authorization": header})
        assert answer.status_code == 401
        assert answer.is_json and "Set-Cookie" not in answer.headers
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert _audit(app, "api_token_refused")


def test_a_token_beside_another_users_session_is_refused(app, client, auth):
    username = _token_user(app, "member")
    _token_id, token = _make_token(app.server.test_cli_runner(), username)
    auth.login("analyst")
    assert client.get("/api/v1/measures").status_code == 200
    answer = client.get("/api/v1/measures", headers=_bearer(token))
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "invalid or revoked token"}


def test_revoking_a_token_stops_it(app):
    username = _token_user(app, "viewer")
    runner = app.server.test_cli_runner()
    token_id, token = _make_token(runner, username, "R script")
    kept_id, kept = _make_token(runner, username, "Excel")
    client = app.server.test_client()
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 200

    result = runner.invoke(args=["users", "token", username, "--revoke", str(token_id)])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 401
    assert client.get("/api/v1/measures", headers=_bearer(kept)).status_code == 200
    revoked = _audit(app, "api_token_revoked")
    assert any(json.loads(e.detail)["token_id"] == token_id for e in revoked)

    again = runner.invoke(args=["users", "token", username, "--revoke", str(token_id)])
    assert again.exit_code != 0 and "already revoked" in again.output
    other = runner.invoke(args=["users", "token", "test-analyst", "--revoke", str(kept_id)])
    assert other.exit_code != 0 and "has no token" in other.output
    listed = runner.invoke(args=["users", "token", username, "--list"]).output
    assert "revoked" in listed and "active" in listed
    nobody = runner.invoke(args=["users", "token", "no-such-user"])
    assert nobody.exit_code != 0 and "there is no user called 'no-such-user'" in nobody.output
    both = runner.invoke(args=["users", "token", username, "--list", "--revoke", "1"])
    assert both.exit_code != 0 and "not both" in both.output


def test_a_disabled_users_token_stops_working(app):
    username = _token_user(app, "viewer")
    runner = app.server.test_cli_runner()
    _token_id, token = _make_token(runner, username)
    client = app.server.test_client()
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 200

    # Deactivated however it happened: the token is checked against the account on every use.
    with _factory(app)() as session, session.begin():
        session.execute(sa.update(User).where(User.username == username).values(active=False))
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 401
    with _factory(app)() as session, session.begin():
        session.execute(sa.update(User).where(User.username == username).values(active=True))
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 200

    # Disabling through the command line revokes the tokens: re-enabling does not revive them.
    assert runner.invoke(args=["users", "disable", username]).exit_code == 0
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 401
    assert runner.invoke(args=["users", "enable", username]).exit_code == 0
    assert client.get("/api/v1/measures", headers=_bearer(token)).status_code == 401
    refused = runner.invoke(args=["users", "token", username, "--list"]).output
    assert "revoked" in refused and "active" not in refused
    disabled = _audit(app, "user_disabled")
    assert any(json.loads(e.detail).get("api_tokens_revoked") == 1 for e in disabled)
