"""Sign-in, the guard on every page and /_dash-* route, and the users command."""

from __future__ import annotations

import pytest

from config import ConfigurationError, Settings
from loaders import users

DASH_ROUTES = [
    ("get", "/_dash-layout"),
    ("get", "/_dash-dependencies"),
    ("post", "/_dash-update-component"),
    ("get", "/_dash-component-suites/dash/dcc/dash_core_components.js"),
    ("get", "/_reload-hash"),
]


def test_health_is_public(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path"), DASH_ROUTES)
def test_anonymous_dash_requests_get_401_json(client, method, path):
    response = getattr(client, method)(path, json={} if method == "post" else None)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "authentication required"


@pytest.mark.parametrize(
    "path", ["/", "/effectiveness-efficiency", "/police-demand?force=E23000008"]
)
def test_anonymous_pages_redirect_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_page_has_labelled_fields_and_no_demo_users_outside_demo(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label class="form-label" for="username">' in page
    assert '<label class="form-label" for="password">' in page
    assert "demo-admin" not in page


def test_wrong_password_is_refused_with_a_clear_message(client, auth):
    response = auth.login("analyst", password="not-the-password")
    assert response.status_code == 401
    assert "Unknown username or wrong password." in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_login_opens_dash_routes_and_logout_closes_them(client, auth):
    response = auth.login("analyst", next_url="/police-demand")
    assert response.status_code == 302
    assert response.headers["Location"] == "/police-demand"
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/effectiveness-efficiency").status_code == 200
    auth.logout()
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_only_redirects_within_the_site(auth, target):
    response = auth.login("viewer", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_without_the_form_token_is_refused(client):
    response = client.post(
        "/login", data={"username": "test-analyst", "password": "analyst-password-123"}
    )
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_disabled_user_cannot_sign_in(app, client, auth):
    factory = app.server.extensions["lcjp"].session_factory
    users.create_user(factory, "left-the-force", "a-long-password-1", role="viewer")
    with factory.begin() as session:
        users.find_user(session, "left-the-force").active = False
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": "left-the-force", "password": "a-long-password-1", "csrf": token},
    )
    assert response.status_code == 401


def test_passwords_are_stored_hashed(app):
    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        user = users.find_user(session, "test-admin")
    assert "admin-password-123" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_users_create_command(app):
    runner = app.server.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "new.chair", "--role", "viewer"],
        input="a-strong-password-9\na-strong-password-9\n",
    )
    assert result.exit_code == 0, result.output
    assert "created viewer 'new.chair'" in result.output
    again = runner.invoke(
        args=["users", "create", "new.chair"], input="a-strong-password-9\na-strong-password-9\n"
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["users", "create", "weak.one"], input="short\nshort\n")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output


def test_secret_key_is_required_outside_demo_mode(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Settings(instance_dir=tmp_path).resolved()
    demo = Settings(instance_dir=tmp_path, demo_mode=True).resolved()
    assert len(demo.secret_key) == 64


def test_demo_mode_creates_and_prints_demo_users(make_settings, capsys):
    from app import create_app

    dash_app = create_app(make_settings(demo_mode=True))
    out = capsys.readouterr().out
    for username, _role, *_ in users.DEMO_USERS:
        assert f"username: {username}" in out
        assert users.demo_password(username) in out
    client = dash_app.server.test_client()
    assert "demo-analyst" in client.get("/login").get_data(as_text=True)
