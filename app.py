"""LCJP Performance Board: `create_app` builds the Flask server, the cache and the Dash app on it.

`gunicorn app:server` serves it; `flask --app app refresh` reloads the cache from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import click
import dash
import flask
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from callbacks import register_callbacks
from callbacks.action_log import register_action_log_page
from callbacks.admin_sharing import register_sharing_page
from callbacks.alerts import alerts_command_group
from callbacks.api import register_api
from callbacks.auth import AuthSettings, register_auth
from callbacks.context import services
from callbacks.force_page import register_force_page
from callbacks.input_shapes import register_input_checks
from callbacks.meeting_mode import register_meeting_pages
from callbacks.navigation import register_home_redirect, serve_layout
from callbacks.notifications_page import register_notifications_page
from callbacks.packs_page import register_packs_page
from callbacks.page_guard import register_page_guard
from callbacks.pages import register_board_pages
from callbacks.permissions import refuse_on_error
from callbacks.security import register_security
from callbacks.user_commands import command_line_actor, users_command_group
from config import Settings
from layouts.admin_access import register_admin_pages
from layouts.pages import register_pages
from loaders import refresh_requests, release_checks, sessions, users
from loaders.audit import audit
from loaders.db import make_engine, make_sessionmaker, migrate
from loaders.demo_meetings import seed_demo_meetings
from loaders.figure_store import FigureStore, make_store
from loaders.generations import Generations, NoGenerations, make_generations, watch
from loaders.locks import exclusive
from loaders.organisations import sync_organisations
from loaders.refresh import london_today, sync_registry
from loaders.sharing import seed_register
from scheduler.jobs import failure_summary, refresh_everything, refresh_if_empty
from scheduler.service import start_in_app_scheduler

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Services:
    """What callbacks and commands need from the app: settings and the cache."""

    settings: Settings
    engine: sa.Engine
    session_factory: sessionmaker
    # Figures worked out once and shared by every worker and host (loaders/figure_store.py).
    figure_store: FigureStore | None = None
    # Tokens telling a worker whether what it read on an earlier request is still current.
    generations: Generations = field(default_factory=NoGenerations)
    # What this worker keeps between requests while its generations hold (request_state.kept).
    kept: dict = field(default_factory=dict)

    def refresh(self, *, trigger: str, progress=None):
        return refresh_everything(
            self.engine, self.session_factory, self.settings, trigger=trigger, progress=progress
        )

    def request_refresh(self, dataset_ids, *, requested_by: str, force: bool = False) -> int:
        """Queue a refresh for the scheduler process (the admin page); a web worker never loads."""
        return refresh_requests.enqueue(
            self.session_factory, list(dataset_ids), requested_by, force=force
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
    register_security(
        server,
        trusted_proxy_hops=settings.trusted_proxy_hops,
        force_secure_cookies=settings.secure_cookies,
    )
    engine = make_engine(settings.database_url)
    generations = make_generations(settings)
    watch(engine, generations)
    # Workers and scheduler processes starting together must not race to create the schema.
    with exclusive(engine, "startup", settings.instance_dir):
        migrate(engine)
        session_factory = make_sessionmaker(engine)
        sync_registry(session_factory, settings.lcjp)
        sync_organisations(session_factory, settings.lcjp)
        seed_register(session_factory)
        if settings.demo_mode:
            # Inside the lock: two workers starting on an empty database must not both create them.
            users.ensure_demo_users(session_factory)
    app_services = Services(
        settings, engine, session_factory, make_store(settings, engine), generations
    )
    server.extensions["lcjp"] = app_services

    if settings.demo_mode:
        _print_demo_users(users.demo_user_rows())
    if settings.refresh_on_start:
        refresh_if_empty(engine, session_factory, settings, progress=print)
    if settings.demo_mode:
        # A meeting per board with its agenda, commentary and actions, so meeting mode works on
        # first start (after the first load: commentary needs a period). Idempotent.
        with exclusive(engine, "startup", settings.instance_dir):
            seed_demo_meetings(session_factory, london_today(settings.timezone))
    if settings.scheduler_in_app:
        server.extensions["lcjp-scheduler"] = start_in_app_scheduler(
            engine, session_factory, settings
        )

    register_auth(server, session_factory, auth_settings=_auth_settings(settings))
    # After the sign-in guard: every callback request's inputs are checked against their declared
    # shapes before any callback runs (callbacks/input_shapes.py).
    register_input_checks(server)
    register_home_redirect(server)
    register_api(server)  # /api/v1: the figures API, for sessions and personal tokens
    server.add_url_rule("/health", "health", lambda: {"status": "ok"})
    _register_commands(server, settings.lcjp)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        # Dash matches file names, not paths: Bootstrap comes once, first, as an external sheet.
        assets_ignore=r"^bootstrap\.min\.css$",
        external_stylesheets=["/assets/vendor/bootstrap.min.css"],
        title="LCJP Performance Board",
        update_title=None,
        suppress_callback_exceptions=True,
        on_error=refuse_on_error,
    )
    server.extensions["lcjp_dash"] = app
    # Screen readers need the page language (WCAG 3.1.1); Dash's template leaves it out.
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    register_pages()
    register_board_pages()  # their layouts check rights, so they live in callbacks/
    register_force_page(settings.plan_file)
    register_sharing_page()
    register_action_log_page()
    register_packs_page()
    register_meeting_pages()
    register_admin_pages()
    register_notifications_page()
    app.layout = serve_layout
    register_callbacks(app)
    register_page_guard(server)
    return app


def _auth_settings(settings: Settings) -> AuthSettings:
    return AuthSettings(
        demo_mode=settings.demo_mode,
        limits=sessions.SessionLimits(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_max_hours),
        ),
        throttle=sessions.ThrottleRules(
            per_account=settings.login_max_failures_per_account,
            per_address=settings.login_max_failures_per_address,
            window=timedelta(minutes=settings.login_throttle_minutes),
            account_backoff_after=settings.login_account_backoff_after,
            backoff_max=timedelta(seconds=settings.login_backoff_max_seconds),
        ),
    )


def _print_demo_users(rows: list[tuple[str, str, str, str]]) -> None:
    print("\nDemo mode: sign in with one of these demo users (never use them in production)")
    for username, password, role, who in rows:
        print(f"  {role:<16} username: {username:<12} password: {password:<22} {who}")
    print()


def _register_commands(server: flask.Flask, lcjp: dict) -> None:
    """`flask --app app refresh [approve|reject VINTAGE]` and `flask --app app users …`."""

    @server.cli.group("refresh", invoke_without_command=True)
    @click.pass_context
    def refresh_command(context):
        """Reload every dataset from its source and show progress and loader notes.

        `approve VINTAGE` / `reject VINTAGE` decide on a release held for review.
        """
        if context.invoked_subcommand is not None:
            return
        with server.app_context():  # a group's own callback gets no app context from Flask
            outcomes = services().refresh(trigger="cli", progress=click.echo)
        held = [o for o in outcomes if o.status == "held for review"]
        for outcome in held:
            click.echo(
                f"{outcome.dataset_id}: vintage {outcome.vintage_id} is held for review; "
                f"approve it with `flask --app app refresh approve {outcome.vintage_id}` or "
                f"reject it with `flask --app app refresh reject {outcome.vintage_id}`"
            )
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            raise click.ClickException(failure_summary(failed))

    def decide(vintage: int, decision: str) -> None:
        app_services = services()
        actor = command_line_actor()
        try:
            message = release_checks.decide(
                app_services.session_factory,
                vintage,
                decision,
                actor,
                audit=lambda event, detail: audit(
                    event, detail, actor, session_factory=app_services.session_factory
                ),
            )
        except release_checks.ReviewError as error:
            raise click.ClickException(str(error)) from error
        click.echo(message)

    @refresh_command.command("approve")
    @click.argument("vintage", type=int)
    def approve_command(vintage):
        """Make a vintage held for review current (audited)."""
        decide(vintage, "approve")

    @refresh_command.command("reject")
    @click.argument("vintage", type=int)
    def reject_command(vintage):
        """Turn down a vintage held for review; the current vintage stays (audited)."""
        decide(vintage, "reject")

    server.cli.add_command(users_command_group(lcjp))
    server.cli.add_command(alerts_command_group())  # flask --app app alerts run


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
