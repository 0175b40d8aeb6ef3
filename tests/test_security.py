"""Sessions and passwords: server-side sessions (expiry, sign-out, disabling), sign-in throttling,
cookie flags, security headers and the Content-Security-Policy, the password policy, and the
`flask users …` commands."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from loaders import sessions, users
from loaders.audit import AuditFilter, find_events
from loaders.passwords import PasswordRejected, check_password_policy

PASSWORD = "correct-horse-battery"


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, frozen and moved forward by hand."""

    class Clock:
        moment = datetime.now(UTC)

        def advance(self, **delta):
            self.moment += timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(sessions, "now", lambda: frozen.moment)
    return frozen


@pytest.fixture
def fresh(make_settings):
    """A new app on an empty database with one user ('alice', a viewer) and its factory."""
    from app import create_app

    def build(**overrides):
        app = create_app(make_settings(**overrides))
        factory = app.server.extensions["lcjp"].session_factory
        users.create_user(factory, "alice", PASSWORD, role="viewer")
        return app, factory

    return build


def sign_in(client, username="alice", password=PASSWORD, next_url="/", **request):
    page = client.get("/login", **request).get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": token, "next": next_url},
        **request,
    )


def events(factory, event: str) -> list:
    with factory() as session:
        return find_events(session, AuditFilter(event=event))


# Sessions ---------------------------------------------------------------------------------------


def test_session_expires_after_inactivity_and_slides_while_used(fresh, clock):
    app, factory = fresh(session_idle_minutes=30)
    client = app.server.test_client()
    assert sign_in(client).status_code == 302
    for _ in range(4):  # used every 20 minutes for 80 minutes: still signed in
        clock.advance(minutes=20)
        assert client.get("/_dash-layout").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/effectiveness-efficiency").status_code == 302
    notice = client.get("/login").get_data(as_text=True)
    assert "signed out after a period of inactivity" in notice
    assert [e.username for e in events(factory, "session_expired")] == ["alice"]


def test_session_has_an_absolute_limit(fresh, clock):
    app, _factory = fresh(session_max_hours=1)
    client = app.server.test_client()
    sign_in(client)
    for _ in range(3):
        clock.advance(minutes=20)
        assert client.get("/_dash-layout").status_code == 200
    clock.advance(minutes=5)
    assert client.get("/_dash-layout").status_code == 401


def _copy_cookie(app, client):
    thief = app.server.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_sign_out_ends_the_session_on_the_server(fresh):
    app, factory = fresh()
    client = app.server.test_client()
    sign_in(client)
    thief = _copy_cookie(app, client)
    assert thief.get("/_dash-layout").status_code == 200
    client.post("/logout")
    # The copied cookie still carries the old token, but the server has ended that session.
    assert thief.get("/_dash-layout").status_code == 401
    assert [e.username for e in events(factory, "logout")] == ["alice"]


@pytest.mark.parametrize("action", ["disable", "reset-password"])
def test_disabling_or_resetting_ends_every_session(fresh, action):
    app, factory = fresh()
    laptop, phone = app.server.test_client(), app.server.test_client()
    sign_in(laptop)
    sign_in(phone)
    with factory() as session:
        alice = users.find_user(session, "alice")
    assert sessions.live_session_count(factory, alice.id) == 2
    if action == "disable":
        users.set_active(factory, "alice", False, actor="test")
    else:
        users.reset_password(factory, "alice", "a-brand-new-passphrase", actor="test")
    assert sessions.live_session_count(factory, alice.id) == 0
    assert laptop.get("/_dash-layout").status_code == 401
    assert phone.get("/_dash-layout").status_code == 401


def test_signing_in_replaces_the_session_cookie(fresh):
    app, _factory = fresh()
    client = app.server.test_client()
    client.get("/login")
    before = client.get_cookie("session").value
    sign_in(client)
    after = client.get_cookie("session").value
    assert before != after


# Throttling -------------------------------------------------------------------------------------


def test_sign_in_is_throttled_per_account(fresh, clock):
    app, factory = fresh(login_max_failures_per_account=3, login_throttle_minutes=15)
    client = app.server.test_client()
    for _ in range(3):
        assert sign_in(client, password="wrong-password-guess").status_code == 401
    # Even the right password waits: the lock must not tell a guesser when they are right.
    locked = sign_in(client)
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert "Too many failed sign-in attempts for this account" in text
    assert "15 minutes" in text
    assert events(factory, "login_throttled")
    clock.advance(minutes=16)
    assert sign_in(client).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(fresh, clock):
    app, _factory = fresh(login_max_failures_per_account=3)
    client = app.server.test_client()
    for _ in range(2):
        sign_in(client, password="wrong-password-guess")
    assert sign_in(client).status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert sign_in(client, password="wrong-password-guess").status_code == 401
    assert sign_in(client).status_code == 302


def test_sign_in_is_throttled_per_address(fresh, clock):
    app, factory = fresh(login_max_failures_per_address=4, login_max_failures_per_account=100)
    attacker = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    client = app.server.test_client()
    for number in range(4):
        response = sign_in(client, f"guess-{number}", "wrong-password-guess", **attacker)
        assert response.status_code == 401
    blocked = sign_in(client, **attacker)
    assert blocked.status_code == 429
    assert "from your network address" in blocked.get_data(as_text=True)
    colleague = app.server.test_client()
    assert sign_in(colleague, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302
    failed = events(factory, "login_failed")
    assert {e.ip for e in failed} == {"203.0.113.9"} and len(failed) == 4


def test_throttling_holds_across_workers(fresh, make_settings, clock):
    """Two app processes on one database (gunicorn workers) share the count."""
    from app import create_app

    first, _factory = fresh(login_max_failures_per_account=2)
    settings = first.server.extensions["lcjp"].settings
    second = create_app(settings)
    sign_in(first.server.test_client(), password="wrong-password-guess")
    sign_in(second.server.test_client(), password="wrong-password-guess")
    assert sign_in(first.server.test_client()).status_code == 429


# Cookies and headers ----------------------------------------------------------------------------


def _session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_flags_over_http_and_https(fresh):
    app, _factory = fresh()
    plain = _session_cookie(sign_in(app.server.test_client()))
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    https = {"base_url": "https://board.example.org"}
    response = sign_in(app.server.test_client(), **https)
    assert "Secure" in _session_cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_trusted_proxy_https_is_detected(fresh):
    forwarded = {"headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.44"}}
    untrusted, _ = fresh()
    assert "Secure" not in _session_cookie(sign_in(untrusted.server.test_client(), **forwarded))
    proxied, factory = fresh(trusted_proxy_hops=1)
    assert "Secure" in _session_cookie(sign_in(proxied.server.test_client(), **forwarded))
    # The audit log records the caller's address as the proxy reported it.
    assert events(factory, "login")[0].ip == "192.0.2.44"


def test_secure_cookies_can_be_required(fresh):
    app, _factory = fresh(secure_cookies=True)
    assert "Secure" in _session_cookie(sign_in(app.server.test_client()))


def _inline_scripts(html: str) -> list[str]:
    """Inline scripts a browser would run (not src=, not JSON data, not IE-only comments)."""
    html = re.sub(r"<!--\[if IE\]>.*?<!\[endif\]-->", "", html, flags=re.S)
    scripts = re.findall(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", html, flags=re.S)
    return [body for attrs, body in scripts if "src=" not in attrs and "json" not in attrs]


def test_security_headers_and_a_csp_that_admits_only_dashs_own_inline_scripts(client, auth):
    login_page = client.get("/login")
    auth.login("viewer")
    page = client.get("/effectiveness-efficiency")
    for response in (login_page, page):
        headers = response.headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        assert headers["Cache-Control"] == "no-store"
        csp = dict(
            part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
        )
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"]
    csp = page.headers["Content-Security-Policy"]
    inline = _inline_scripts(page.get_data(as_text=True))
    assert inline  # Dash starts its renderer from an inline script
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # Static files may be cached; figures and pages never are.
    asset = client.get("/assets/style.css")
    assert "no-store" not in asset.headers.get("Cache-Control", "")


# Passwords --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "username", "message"),
    [
        ("short-one", "bob", "at least 12 characters long (it has 9)"),
        ("Bob.Smith.Durham", "bob.smith.durham", "must not be the username"),
        ("Password1234", "bob", "too common"),
        ("aaaaaaaaaaaaaaa", "bob", "too common"),
        ("qwertyuiopas", "bob", "too common"),
    ],
)
def test_password_policy_refuses_with_a_clear_message(password, username, message):
    with pytest.raises(PasswordRejected, match=re.escape(message)):
        check_password_policy(password, username)


def test_password_policy_accepts_a_passphrase():
    check_password_policy("kettle orbit meadow", "bob")


def test_weak_passwords_are_refused_everywhere(app):
    factory = app.server.extensions["lcjp"].session_factory
    with pytest.raises(users.UserError, match="too common"):
        users.create_user(factory, "weak.policy", "password1234")
    users.create_user(factory, "policy.person", "a-fine-long-passphrase")
    with pytest.raises(users.UserError, match="must not be the username"):
        users.reset_password(factory, "policy.person", "POLICY.PERSON")
    with factory() as session:
        stored = users.find_user(session, "policy.person").password_hash
    assert stored.startswith("scrypt:") and "a-fine-long-passphrase" not in stored


# The command line -------------------------------------------------------------------------------


def test_users_commands_manage_organisation_role_and_subgroups(fresh):
    app, factory = fresh()
    run = app.server.test_cli_runner().invoke
    created = run(
        args=[
            "users",
            "create",
            "d.chair",
            "--role",
            "chair",
            "--organisation",
            "police-durham",
            "--subgroup",
            "police-demand",
            "--name",
            "Dee Chair",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert created.exit_code == 0, created.output
    unknown = run(args=["users", "create", "x.y", "--organisation", "mi6"], input="a\na\n")
    assert unknown.exit_code != 0 and "police-durham" in unknown.output
    granted = run(args=["users", "grant", "d.chair", "effectiveness-efficiency"])
    assert granted.exit_code == 0 and "granted effectiveness-efficiency" in granted.output
    refused = run(args=["users", "grant", "alice", "police-demand"])
    assert refused.exit_code != 0 and "only subgroup chairs and members" in refused.output
    listed = run(args=["users", "list"]).output
    assert re.search(
        r"d\.chair\s+chair\s+police-durham\s+effectiveness-efficiency,police-demand", listed
    )
    revoked = run(args=["users", "revoke", "d.chair", "police-demand"])
    assert revoked.exit_code == 0 and "revoked police-demand" in revoked.output
    updated = run(args=["users", "update", "d.chair", "--role", "viewer", "--no-organisation"])
    assert updated.exit_code == 0
    with factory() as session:
        chair = users.find_user(session, "d.chair")
        assert (chair.role, chair.organisation_code) == ("viewer", None)

    client = app.server.test_client()
    sign_in(client)
    weak = run(args=["users", "reset-password", "alice"], input="alice\nalice\n")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    reset = run(
        args=["users", "reset-password", "alice"], input="new-kettle-orbit\nnew-kettle-orbit\n"
    )
    assert reset.exit_code == 0, reset.output
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(client, password="new-kettle-orbit").status_code == 302
    disabled = run(args=["users", "disable", "alice"])
    assert disabled.exit_code == 0
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(client, password="new-kettle-orbit").status_code == 401
    assert run(args=["users", "enable", "alice"]).exit_code == 0
    assert sign_in(client, password="new-kettle-orbit").status_code == 302
    # Every change is in the audit log, made from the command line.
    changes = events(factory, "rights_granted") + events(factory, "user_disabled")
    assert changes and all(e.username.startswith("(command line)") for e in changes)


def test_the_last_administrator_cannot_be_removed(fresh):
    app, factory = fresh()
    users.create_user(factory, "only.admin", PASSWORD, role="admin")
    with pytest.raises(users.UserError, match="last active administrator"):
        users.set_active(factory, "only.admin", False)
    with pytest.raises(users.UserError, match="last active administrator"):
        users.update_user(factory, "only.admin", role="analyst")
    users.create_user(factory, "second.admin", PASSWORD, role="admin")
    users.update_user(factory, "only.admin", role="analyst")


# Issue 14: throttle race, lock-out, stolen cookies, cross-site requests, sign-out -----------------


def _form_token(client, **request) -> str:
    page = client.get("/login", **request).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_thirty_concurrent_wrong_passwords_check_at_most_the_limit(fresh, monkeypatch):
    app, _factory = fresh(login_max_failures_per_account=5)
    checked = []
    real = users.authenticate

    def counting(session, username, password):
        checked.append(password)
        return real(session, username, password)

    monkeypatch.setattr(users, "authenticate", counting)
    clients = [app.server.test_client() for _ in range(30)]
    tokens = [_form_token(c) for c in clients]
    start = threading.Barrier(30)

    def guess(index):
        start.wait()
        return (
            clients[index]
            .post(
                "/login",
                data={"username": "alice", "password": f"wrong-{index}", "csrf": tokens[index]},
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(guess, range(30)))
    assert len(checked) <= 5, f"{len(checked)} passwords were checked"
    assert codes.count(429) >= 25 and set(codes) <= {401, 429}


def test_guessing_from_one_address_does_not_lock_the_owner_out(fresh, clock):
    app, factory = fresh(login_max_failures_per_account=5)
    attacker = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    owner = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong-password-guess", **attacker).status_code == 401
    blocked = sign_in(client, password="wrong-password-guess", **attacker)
    assert blocked.status_code == 429
    assert "for this account from your network address" in blocked.get_data(as_text=True)
    # Even the right password waits from the attacker's address ...
    assert sign_in(app.server.test_client(), **attacker).status_code == 429
    # ... but the owner, from their own address, signs in at once.
    assert sign_in(app.server.test_client(), **owner).status_code == 302


def test_guessing_from_many_addresses_slows_the_account_without_locking_it(fresh, clock):
    app, _factory = fresh(login_max_failures_per_account=5, login_account_backoff_after=10)
    for number in range(10):
        address = {"environ_base": {"REMOTE_ADDR": f"203.0.113.{number + 1}"}}
        client = app.server.test_client()
        assert sign_in(client, password="wrong-password-guess", **address).status_code == 401
    fresh_address = {"environ_base": {"REMOTE_ADDR": "192.0.2.200"}}
    waiting = sign_in(app.server.test_client(), password="wrong-guess-11", **fresh_address)
    assert waiting.status_code == 429
    assert "one at a time" in waiting.get_data(as_text=True)
    clock.advance(seconds=2)
    assert (
        sign_in(app.server.test_client(), password="wrong-again", **fresh_address).status_code
        == 401
    )
    # The wait doubles with each failure, but never passes a minute: the owner gets in.
    for number in range(10):
        clock.advance(seconds=61)
        elsewhere = {"environ_base": {"REMOTE_ADDR": f"192.0.2.{number + 1}"}}
        failed = sign_in(app.server.test_client(), password="wrong-again", **elsewhere)
        assert failed.status_code == 401
    owner = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    assert sign_in(app.server.test_client(), **owner).status_code == 429
    clock.advance(seconds=61)
    assert sign_in(app.server.test_client(), **owner).status_code == 302


def test_a_cookie_replayed_from_another_browser_ends_the_session(fresh):
    app, factory = fresh()
    browser = {"headers": {"User-Agent": "Mozilla/5.0 (alice's laptop)"}}
    client = app.server.test_client()
    assert sign_in(client, **browser).status_code == 302
    assert client.get("/_dash-layout", **browser).status_code == 200
    thief = _copy_cookie(app, client)
    stolen = thief.get("/_dash-layout", headers={"User-Agent": "curl/8.0"})
    assert stolen.status_code == 401
    # The session is ended on the server: the real browser must sign in again too.
    assert client.get("/_dash-layout", **browser).status_code == 401
    assert [e.username for e in events(factory, "session_hijack_refused")] == ["alice"]


def test_a_cross_site_request_changes_nothing(app, client, auth):
    from access_probe import UPDATE_URL, callback_body

    from layouts import meeting as screens
    from loaders.models import Meeting

    factory = app.server.extensions["lcjp"].session_factory
    auth.login("analyst")
    key = next(k for k in app.callback_map if screens.SCHEDULE_STATUS in k)
    spec = app.callback_map[key]
    values = [1, "lcjp-board", "2026-12-20", "Cross-site meeting", 0]
    with factory() as session:
        before = session.query(Meeting).count()
    for headers in ({"Origin": "http://evil.example"}, {"Referer": "http://evil.example/x"}):
        response = client.post(
            UPDATE_URL, json=callback_body(key, spec, values, None), headers=headers
        )
        assert response.status_code == 403
    with factory() as session:
        assert session.query(Meeting).count() == before
    same_site = client.post(
        UPDATE_URL,
        json=callback_body(key, spec, values, None),
        headers={"Origin": "http://localhost"},
    )
    assert same_site.status_code == 200
    with factory() as session:
        assert session.query(Meeting).count() == before + 1


def test_sign_out_is_a_post_and_a_link_elsewhere_cannot_sign_anyone_out(fresh):
    app, _factory = fresh()
    client = app.server.test_client()
    sign_in(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/_dash-layout").status_code == 200
    foreign = client.post("/logout", headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout", headers={"Origin": "http://localhost"}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401
