"""The audit log (what is recorded, the administrators' page and its CSV export), the users-and-rights
page, and demo mode's users, one per role."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from access_probe import UPDATE_URL, callback_body, components, hrefs, routing_callback

from callbacks import admin_audit, admin_users
from loaders import users
from loaders.audit import AuditFilter, audit, events_csv, find_events
from loaders.models import AuditEvent


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _factory(app):
    return app.server.extensions["lcjp"].session_factory


def _events(app, **filters) -> list[AuditEvent]:
    with _factory(app)() as session:
        return find_events(session, AuditFilter(**filters), limit=None)


def _open_page(app, client, path: str, search: str = ""):
    key = routing_callback(app)
    body = callback_body(key, app.callback_map[key], [path, search], None)
    return client.post(UPDATE_URL, json=body)


def test_sign_ins_page_views_and_refusals_are_audited(app, client, auth):
    auth.login("chair", password="not-the-chairs-password")
    auth.login("chair")
    _open_page(app, client, "/effectiveness-efficiency", "?court=CC-DURHAM")
    refused = _open_page(app, client, "/admin/users")
    assert "page-not-authorised" in refused.get_data(as_text=True)
    auth.logout()
    recorded = [(e.event, e.detail) for e in _events(app, username="test-chair")]
    kinds = [kind for kind, _detail in recorded]
    for kind in ("login_failed", "login", "page_view", "page_denied", "logout"):
        assert kind in kinds
    assert any('"path": "/admin/users"' in d for k, d in recorded if k == "page_denied")
    assert any('"court": "CC-DURHAM"' in d for k, d in recorded if k == "page_view")
    assert all(e.ip == "127.0.0.1" for e in _events(app, username="test-chair"))


def test_audit_page_filters_by_event_user_address_and_uk_date(app, as_user):
    factory = _factory(app)
    summer = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
    winter = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)  # 12:00 GMT
    with factory.begin() as session:
        session.add(AuditEvent(at=summer, event="download", username="filter.me", ip="10.1.2.3"))
        session.add(AuditEvent(at=winter, event="upload", username="filter.me", ip="10.9.9.9"))
    with as_user("admin"):
        options, summary, table, href = admin_audit.update_audit(
            "", "filter.me", "", "2025-07-02", "2025-07-02"
        )
    text = _text(table)
    assert "2025-07-02 00:30:00 BST" in text and "10.1.2.3" in text
    assert "GMT" not in text  # the winter event is outside the UK date chosen
    assert "Showing 1 events" in summary and "user filter.me" in summary
    assert href == "/admin/audit.csv?user=filter.me&from=2025-07-02&to=2025-07-02"
    assert {"label": "Downloaded a file", "value": "download"} in options
    with as_user("admin"):
        _options, _summary, table, _href = admin_audit.update_audit(
            "upload", "filter.me", "10.9", "", ""
        )
    assert "2025-01-15 12:00:00 GMT" in _text(table)
    # Forged filter values are read as text and matched literally, never trusted.
    with as_user("admin"):
        _o, summary, _t, _h = admin_audit.update_audit(
            "x' OR 1=1", "%", "%", "not-a-date", "2025-99-01"
        )
    assert "Showing 0 events" in summary


def test_only_administrators_get_the_audit_log(app, as_user):
    with as_user("analyst"):
        options, summary, table, href = admin_audit.update_audit("", "", "", "", "")
    assert options == [] and href == "" and "do not have access" in summary
    assert "not-authorised" in str(table)


def test_audit_csv_export_is_for_administrators_and_is_itself_audited(app, client, auth):
    factory = _factory(app)
    audit(
        "upload", {"file": '=HYPERLINK("http://evil")'}, user="csv.check", session_factory=factory
    )
    auth.login("viewer")
    refused = client.get("/admin/audit.csv")
    assert refused.status_code == 403
    auth.logout()
    auth.login("admin")
    response = client.get("/admin/audit.csv?user=csv.check")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["event"] for r in rows] == ["upload"]
    assert rows[0]["time_utc"].endswith("Z") and rows[0]["time_local"][-3:] in {"GMT", "BST"}
    assert rows[0]["detail"] == '{"file": "=HYPERLINK(\\"http://evil\\")"}'
    exports = _events(app, event="export", username="test-admin")
    assert exports and '"user": "csv.check"' in exports[0].detail
    assert _events(app, event="access_denied", username="test-viewer")


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    event = AuditEvent(
        at=datetime(2026, 1, 1, tzinfo=UTC), event="upload", username="=cmd|x", ip="", detail="+1"
    )
    row = list(csv.reader(io.StringIO(events_csv([event]))))[1]
    assert row[3] == "'=cmd|x" and row[5] == "'+1"


def test_audit_outside_a_request_needs_a_database():
    with pytest.raises(RuntimeError, match="session_factory"):
        audit("upload", "no request here")


def test_administrators_manage_users_on_the_page(app, as_user):
    factory = _factory(app)
    with as_user("admin"):
        table, new_orgs, _edit_orgs, people = admin_users.update_users(0)
        assert {"label": "Durham Constabulary", "value": "police-durham"} in new_orgs
        admin_users.create_user(
            1, "page.other", "", "police-durham", "viewer", [], "kettle-orbit-meadow"
        )
        status, version, cleared = admin_users.create_user(
            1,
            "Page.Member",
            "Pat Member",
            "cps",
            "member",
            ["effectiveness-efficiency"],
            "kettle-orbit-meadow",
        )
        assert "Added page.member" in _text(status) and version and cleared == ""
        weak, _version, _ = admin_users.create_user(1, "weak.one", "", "", "viewer", [], "short")
        assert "at least 12 characters" in _text(weak)
        loaded = admin_users.load_user("page.member")
        assert loaded == ("cps", "member", ["effectiveness-efficiency"], "Disable user")
        saved, _ = admin_users.save_user(
            1, "page.member", "police-cleveland", "chair", ["police-demand"]
        )
        assert "Saved page.member" in _text(saved)
        reset, _v, _p = admin_users.reset_password(1, "page.member", "new-kettle-orbit")
        assert "signed out" in _text(reset)
        disabled, _ = admin_users.toggle_active(1, "page.member")
        assert "disabled" in _text(disabled)
        mine, _ = admin_users.toggle_active(1, "test-admin")
        assert "your own account" in _text(mine)
        admin_users.save_user(1, "page.other", "-", "viewer", [])
    with factory() as session:
        member = users.find_user(session, "page.member")
        assert (member.role, member.organisation_code, member.active) == (
            "chair",
            "police-cleveland",
            False,
        )
        summary = next(s for s in users.list_users(session) if s.username == "page.member")
        assert summary.subgroups == ("police-demand",)
        assert users.find_user(session, "page.other").organisation_code is None
    changes = {e.event for e in _events(app, username="test-admin")}
    assert {"user_created", "user_changed", "rights_granted", "rights_revoked"} <= changes
    assert {"password_reset", "user_disabled"} <= changes


def test_non_administrators_get_nothing_from_the_users_page(app, as_user):
    with as_user("analyst"):
        table, orgs, _orgs, people = admin_users.update_users(0)
        assert orgs == [] and people == [] and "not-authorised" in str(table)
        status, _version, _ = admin_users.create_user(
            1, "sneaky.user", "", "opcc", "admin", [], "kettle-orbit-meadow"
        )
        assert "Only administrators" in _text(status)
    with _factory(app)() as session:
        assert users.find_user(session, "sneaky.user") is None


def test_demo_mode_has_one_user_per_role_and_a_force_user(make_settings, capsys):
    from app import create_app

    dash_app = create_app(make_settings(demo_mode=True))
    printed = capsys.readouterr().out
    factory = _factory(dash_app)
    with factory() as session:
        summaries = {u.username: u for u in users.list_users(session)}
    assert {summaries[name].role for name, *_ in users.DEMO_USERS} == {
        "admin",
        "analyst",
        "chair",
        "member",
        "viewer",
    }
    assert summaries["demo-force"].organisation_code == "police-durham"
    assert summaries["demo-member"].organisation_code == "cps"
    assert summaries["demo-chair"].subgroups == ("effectiveness-efficiency",)
    for name, *_ in users.DEMO_USERS:
        assert f"username: {name}" in printed and users.demo_password(name) in printed
    client = dash_app.server.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert "Subgroup chair" in login_page and "Durham Constabulary" in login_page
    # Each demo user sees their own pages in the navigation.
    # Each demo user sees their own pages in the navigation, and never what is not theirs.
    expected = {  # name: (pages that must be listed, pages that must not be)
        "demo-admin": (
            {"/effectiveness-efficiency", "/police-demand", "/admin/users", "/admin/audit"},
            set(),
        ),
        "demo-chair": ({"/effectiveness-efficiency"}, {"/police-demand", "/admin/users"}),
        "demo-force": ({"/police-demand"}, {"/effectiveness-efficiency", "/admin/audit"}),
        "demo-viewer": (
            {"/effectiveness-efficiency", "/police-demand"},
            {"/admin/users", "/admin/audit", "/admin/refresh", "/submit"},
        ),
    }
    for name, (listed, hidden) in expected.items():
        client = dash_app.server.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post(
            "/login",
            data={"username": name, "password": users.demo_password(name), "csrf": token},
        )
        shell = client.get("/_dash-layout").get_json()
        links = {h for h in hrefs(shell) if h.startswith("/") and h not in {"/", "/logout"}}
        assert listed <= links and not (hidden & links), name
        assert {str(i) for i, _ in components(shell)} >= {"url"}
