"""LCJP Performance Board: `create_app` builds the Flask server, the cache and the Dash app on it.

`gunicorn app:server` serves it; `flask --app app refresh` reloads the cache from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
import dash
import flask
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from callbacks import register_callbacks
from callbacks.auth import register_auth
from callbacks.context import services
from callbacks.navigation import register_home_redirect, serve_layout
from callbacks.pages import register_board_pages
from config import Settings
from layouts.pages import register_pages
from loaders import users
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.refresh import sync_registry
from scheduler.jobs import refresh_everything, refresh_if_empty

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Services:
    """What callbacks and commands need from the app: settings and the cache."""

    settings: Settings
    engine: sa.Engine
    session_factory: sessionmaker

    def refresh(self, *, trigger: str, progress=None):
        return refresh_everything(
            self.engine, self.session_factory, self.settings, trigger=trigger, progress=progress
        )


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build one independent app; tests call this many times with their own settings."""
    settings = settings or Settings.from_env()
    server = flask.Flask(__name__, instance_path=str(settings.instance_dir))
    server.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    engine = make_engine(settings.database_url)
    migrate(engine)
    session_factory = make_sessionmaker(engine)
    sync_registry(session_factory, settings.lcjp)
    app_services = Services(settings, engine, session_factory)
    server.extensions["lcjp"] = app_services

    if settings.demo_mode:
        _print_demo_users(users.ensure_demo_users(session_factory))
    if settings.refresh_on_start:
        refresh_if_empty(engine, session_factory, settings, progress=print)

    register_auth(server, session_factory, demo_mode=settings.demo_mode)
    register_home_redirect(server)
    server.add_url_rule("/health", "health", lambda: {"status": "ok"})
    _register_commands(server)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        assets_ignore=r"vendor/.*",
        external_stylesheets=["/assets/vendor/bootstrap.min.css"],
        title="LCJP Performance Board",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    # Screen readers need the page language (WCAG 3.1.1); Dash's template leaves it out.
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    register_pages()
    register_board_pages()  # their layouts check rights, so they live in callbacks/
    app.layout = serve_layout
    register_callbacks(app)
    return app


def _print_demo_users(credentials: list[tuple[str, str, str]]) -> None:
    print("\nDemo mode: sign in with one of these demo users (never use them in production)")
    for username, password, role in credentials:
        print(f"  {role:<10} username: {username:<14} password: {password}")
    print()


def _register_commands(server: flask.Flask) -> None:
    """`flask --app app refresh` and `flask --app app users create`."""

    @server.cli.command("refresh")
    def refresh_command():
        """Reload every dataset from its source and show progress."""
        outcomes = services().refresh(trigger="cli", progress=click.echo)
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            raise click.ClickException(f"{len(failed)} dataset(s) failed; last good data kept")

    user_group = flask.cli.AppGroup("users", help="Manage users.")

    @user_group.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(users.ROLES), default="viewer")
    @click.option("--name", "display_name", default="")
    @click.option("--organisation", default="")
    @click.password_option()
    def create_user_command(username, role, display_name, organisation, password):
        """Create a user; the password is asked for twice and stored only as a hash."""
        try:
            users.create_user(
                services().session_factory,
                username,
                password,
                role=role,
                display_name=display_name,
                organisation=organisation,
            )
        except users.UserError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"created {role} '{username.strip().lower()}'")

    server.cli.add_command(user_group)


_app: dash.Dash | None = None


def __getattr__(name: str):
    """Build the app on first use of `server` (gunicorn) or `application` (flask CLI), not at import."""
    global _app
    if name in {"server", "application"}:
        if _app is None:
            _app = create_app()
        return _app.server
    raise AttributeError(name)


if __name__ == "__main__":
    import os

    _app = create_app()
    _app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")))
