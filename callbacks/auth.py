"""Sign-in, sign-out and the server-side guard in front of every page and every /_dash-* route."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import flask
import flask_login
from sqlalchemy.orm import sessionmaker

from layouts.login import render_login_page
from loaders import users
from loaders.models import User

# Paths an anonymous visitor may reach: the sign-in page, its styles and the health check.
PUBLIC_PATHS = {"/login", "/health", "/favicon.ico"}
PUBLIC_PREFIXES = ("/assets/",)


def safe_next(target: str | None) -> str:
    """Only ever redirect within this site, whatever `next` a link carried."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target:
        return "/"
    return target


def register_auth(server: flask.Flask, session_factory: sessionmaker, *, demo_mode: bool) -> None:
    """Wire flask-login and the guard onto one Flask app."""
    login_manager = flask_login.LoginManager()
    login_manager.init_app(server)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        with session_factory() as session:
            user = session.get(User, int(user_id)) if user_id.isdigit() else None
            return user if user is not None and user.active else None

    @server.before_request
    def require_login():
        path = flask.request.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if flask_login.current_user.is_authenticated:
            return None
        if path.startswith("/_"):
            # Dash's own routes answer a machine, so a redirect would only confuse it.
            return flask.jsonify(error="authentication required"), 401
        return flask.redirect(flask.url_for("login", next=flask.request.full_path.rstrip("?")))

    @server.route("/login", methods=["GET", "POST"])
    def login():
        target = safe_next(flask.request.values.get("next"))
        if flask.request.method == "GET":
            if flask_login.current_user.is_authenticated:
                return flask.redirect(target)
            return _login_page(target, demo_mode=demo_mode)
        token = flask.session.get("login_csrf")
        if not token or not secrets.compare_digest(token, flask.request.form.get("csrf", "")):
            return _login_page(
                target, "Your sign-in form expired. Please try again.", demo_mode, 400
            )
        username = flask.request.form.get("username", "")
        password = flask.request.form.get("password", "")
        with session_factory() as session:
            user = users.authenticate(session, username, password)
        if user is None:
            return _login_page(target, "Unknown username or wrong password.", demo_mode, 401)
        flask.session.clear()
        flask_login.login_user(user)
        flask.session.permanent = True
        return flask.redirect(target)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect(flask.url_for("login"))


def _login_page(target: str, error: str = "", demo_mode: bool = False, status: int = 200):
    # One token per browser session: a second tab or a favicon redirect must not invalidate the form.
    token = flask.session.setdefault("login_csrf", secrets.token_urlsafe(32))
    demo_users = [(name, users.demo_password(name)) for name, *_ in users.DEMO_USERS]
    html = render_login_page(
        next_url=target, csrf=token, error=error, demo_users=demo_users if demo_mode else []
    )
    return flask.Response(html, status=status, mimetype="text/html")
