"""Sign-in, sign-out and the server-side guard in front of every page, route and /_dash-* request.

A signed-in browser holds a random session token; the server keeps its record (loaders/sessions.py)
and the user loader accepts only live ones, so sign-out, disabling and inactivity end a session on
the server and a copied cookie stops working. Failed sign-ins are throttled per account and per
address, and every sign-in, refusal and sign-out is audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import dash
import flask
import flask_login
from sqlalchemy.orm import sessionmaker

from callbacks import request_state
from callbacks.context import services
from layouts.login import render_login_page
from loaders import sessions, users
from loaders.audit import audit
from loaders.models import User

# Paths an anonymous visitor may reach: the sign-in page, its styles and the health check.
PUBLIC_PATHS = {"/login", "/logout", "/health", "/favicon.ico"}
PUBLIC_PREFIXES = ("/assets/",)
SESSION_KEY = "lcjp_session"


@dataclass(frozen=True)
class AuthSettings:
    """How long sessions last and when sign-in is throttled (from config.Settings)."""

    demo_mode: bool = False
    limits: sessions.SessionLimits = field(default_factory=sessions.SessionLimits)
    throttle: sessions.ThrottleRules = field(default_factory=sessions.ThrottleRules)


def safe_next(target: str | None) -> str:
    """Only ever redirect within this site, whatever `next` a link carried."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target


def is_page_path(path: str) -> bool:
    """'/' and the registered pages' paths: what an anonymous browser is sent to sign in for.
    Everything else (Dash's routes, downloads, exports, any route added later) answers 401."""
    path = path.rstrip("/") or "/"
    if path == "/":
        return True
    return any(
        path == (page.get("path") or "").rstrip("/") or _fits_template(path, page)
        for page in dash.page_registry.values()
    )


def _fits_template(path: str, page: dict) -> bool:
    """A page with a path template (/meeting/<meeting_id>/<screen>): one path segment a variable."""
    template = page.get("path_template")
    if not template:
        return False
    pattern = "/".join(
        "[^/]+" if re.fullmatch(r"<\w+>", part) else re.escape(part)
        for part in template.rstrip("/").split("/")
    )
    return re.fullmatch(pattern, path) is not None


def client_ip() -> str:
    """The caller's address (the proxy's X-Forwarded-For only when TRUSTED_PROXY_HOPS says so)."""
    return flask.request.remote_addr or ""


class _KeptSessions:
    """Session records this worker keeps between requests, under the "sessions" generation
    (loaders/generations.py): a sign-out, a disabled user or a changed grant anywhere changes
    the token and every worker reads again."""

    def get(self, digest: str) -> sessions.SessionRecord | None:
        tokens = request_state.generations()
        held = services().kept.get(("session", digest))
        if tokens is None or held is None or held[0] != tokens["sessions"]:
            return None
        return held[1]

    def put(self, digest: str, record: sessions.SessionRecord | None) -> None:
        tokens = request_state.generations()
        if tokens is None or record is None:
            services().kept.pop(("session", digest), None)
        else:
            request_state.keep(("session", digest), (tokens["sessions"], record))


_KEPT_SESSIONS = _KeptSessions()


def register_auth(
    server: flask.Flask,
    session_factory: sessionmaker,
    *,
    demo_mode: bool = False,
    auth_settings: AuthSettings | None = None,
) -> None:
    """Wire flask-login, server-side sessions and the guard onto one Flask app."""
    config = auth_settings or AuthSettings(demo_mode=demo_mode)
    server.config["PERMANENT_SESSION_LIFETIME"] = config.limits.absolute
    # The cookie lives as long as a session may (the absolute limit, set at sign-in); the idle
    # limit slides on the server (loaders/sessions.py). Re-signing the cookie on every response
    # would only cost time: a page load makes a dozen requests.
    server.config["SESSION_REFRESH_EACH_REQUEST"] = False
    login_manager = flask_login.LoginManager()
    login_manager.init_app(server)
    # flask-login's "strong" protection quietly becomes "basic" for permanent sessions, so the
    # binding that counts is ours: the server-side session remembers the browser that signed in
    # (loaders/sessions.check_session) and ends when its cookie arrives from another.
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        # The session, the user and their organisation in one read; the rights checks of this
        # request reuse the user and organisation (callbacks/permissions.rights_of).
        checked = sessions.session_user(
            session_factory,
            flask.session.get(SESSION_KEY),
            int(user_id),
            config.limits,
            user_agent=flask.request.headers.get("User-Agent", ""),
            memory=_KEPT_SESSIONS,
        )
        state = checked.state
        if state == "mismatch":
            # The cookie came from another browser than the one that signed in: a copied cookie.
            # The session is ended on the server, so the real browser must sign in again too.
            audit(
                "session_hijack_refused",
                {"user_agent": flask.request.headers.get("User-Agent", "")[:200]},
                user=_username(session_factory, int(user_id)),
                ip=client_ip(),
                session_factory=session_factory,
            )
        if state != "live":
            if state == "expired":
                flask.g.lcjp_session_expired = True
                audit(
                    "session_expired",
                    {"idle_minutes": config.limits.idle / timedelta(minutes=1)},
                    user=_username(session_factory, int(user_id)),
                    ip=client_ip(),
                    session_factory=session_factory,
                )
            return None
        user = checked.user
        if user is None or not user.active:
            return None
        flask.g.lcjp_loaded_user = (user, checked.organisation)
        return user

    @server.before_request
    def require_login():
        path = flask.request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if flask_login.current_user.is_authenticated:
            return None
        if flask.g.get("lcjp_session_expired"):
            flask.session.clear()
            flask.session["lcjp_expired"] = True
        if flask.request.method == "GET" and is_page_path(path):
            return flask.redirect(flask.url_for("login", next=flask.request.full_path.rstrip("?")))
        # Dash's routes, downloads and exports answer a machine: a redirect would only confuse it.
        return flask.jsonify(error="authentication required"), 401

    @server.route("/login", methods=["GET", "POST"])
    def login():
        target = safe_next(flask.request.values.get("next"))
        if flask.request.method == "GET":
            if flask_login.current_user.is_authenticated:
                return flask.redirect(target)
            notice = (
                "You were signed out after a period of inactivity. Please sign in again."
                if flask.session.pop("lcjp_expired", False)
                else ""
            )
            return _login_page(target, demo_mode=config.demo_mode, notice=notice)
        token = flask.session.get("login_csrf")
        if not token or not secrets.compare_digest(token, flask.request.form.get("csrf", "")):
            return _login_page(
                target, "Your sign-in form expired. Please try again.", config.demo_mode, 400
            )
        username = flask.request.form.get("username", "").strip().lower()[:80]
        password = flask.request.form.get("password", "")
        ip = client_ip()
        # Reserved before the password is checked, so concurrent guesses count against each other.
        attempt, blocked = sessions.begin_attempt(session_factory, username, ip, config.throttle)
        if blocked:
            audit("login_throttled", {"attempted": username}, user=username, ip=ip)
            return _login_page(target, blocked, config.demo_mode, 429)
        with session_factory() as session:
            user = users.authenticate(session, username, password)
        sessions.finish_attempt(session_factory, attempt, succeeded=user is not None)
        if user is None:
            audit("login_failed", {"attempted": username}, user=username, ip=ip)
            return _login_page(target, "Unknown username or wrong password.", config.demo_mode, 401)
        # A fresh cookie and a fresh server-side record: nothing from before sign-in survives.
        flask.session.clear()
        session_token = sessions.start_session(
            session_factory, user.id, ip, flask.request.headers.get("User-Agent", "")
        )
        flask.session[SESSION_KEY] = session_token
        flask_login.login_user(user)
        flask.session.permanent = True
        audit("login", {"next": target}, user=user, ip=ip)
        return flask.redirect(target)

    @server.route("/logout", methods=["GET"], endpoint="logout_get")
    def logout_by_link():
        """A link (from anywhere) never signs anyone out: only the Sign out button's POST does."""
        response = flask.jsonify(error="sign out with the Sign out button (POST /logout)")
        response.status_code = 405
        response.headers["Allow"] = "POST"
        return response

    @server.route("/logout", methods=["POST"])
    def logout():
        user = flask_login.current_user
        if getattr(user, "is_authenticated", False):
            sessions.end_session(session_factory, flask.session.get(SESSION_KEY), "logout")
            audit("logout", user=user)
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect(flask.url_for("login"))


def _username(session_factory: sessionmaker, user_id: int) -> str:
    with session_factory() as session:
        user = session.get(User, user_id)
        return user.username if user else ""


def _login_page(
    target: str, error: str = "", demo_mode: bool = False, status: int = 200, notice: str = ""
):
    # One token per browser session: a second tab or a favicon redirect must not invalidate the form.
    token = flask.session.setdefault("login_csrf", secrets.token_urlsafe(32))
    html = render_login_page(
        next_url=target,
        csrf=token,
        error=error,
        notice=notice,
        demo_users=users.demo_user_rows() if demo_mode else [],
    )
    return flask.Response(html, status=status, mimetype="text/html")
