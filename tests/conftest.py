"""Fixtures shared by the whole suite (flaskr style: app, client, auth).

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points at a server:
each fixture that needs a database gets a fresh one of that kind.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402

# The real published files live beside the repo, never inside it.
SHARED_PUBLIC = Path(
    os.environ.get("SHARED_PUBLIC_DIR", ROOT.parent / "shared" / "data" / "public")
).resolve()

TEST_USERS = {
    "admin": ("test-admin", "admin-password-123"),
    "analyst": ("test-analyst", "analyst-password-123"),
    "viewer": ("test-viewer", "viewer-password-123"),
    "chair": ("test-chair", "chair-password-123"),
    "member": ("test-member", "member-password-123"),
}
# The organisation and subgroups of the test users who need them (rules: loaders/access.py).
TEST_USER_RIGHTS = {
    "admin": ("opcc", ()),
    "analyst": ("opcc", ()),
    "chair": ("hmcts", ("effectiveness-efficiency",)),
    "member": ("police-durham", ("police-demand",)),
}


@pytest.fixture(scope="session")
def public_data_dir() -> Path:
    """The folder of real published files (../shared/data/public)."""
    if not SHARED_PUBLIC.is_dir():
        pytest.fail(f"real data folder not found at {SHARED_PUBLIC}; set SHARED_PUBLIC_DIR")
    return SHARED_PUBLIC


class DatabaseFactory:
    """Hands out empty databases: SQLite files, or throwaway PostgreSQL databases."""

    def __init__(self, base_url: str | None, tmp_dir: Path):
        self.base_url, self.tmp_dir, self.created = base_url, tmp_dir, []

    @property
    def is_postgres(self) -> bool:
        return bool(self.base_url and self.base_url.startswith("postgresql"))

    def new(self) -> str:
        name = f"lcjp_test_{uuid.uuid4().hex[:12]}"
        if not self.is_postgres:
            return f"sqlite:///{self.tmp_dir / (name + '.sqlite')}"
        admin = sa.create_engine(_pg_url(self.base_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return str(sa.make_url(_pg_url(self.base_url)).set(database=name).render_as_string(False))

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = sa.create_engine(_pg_url(self.base_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _pg_url(url: str) -> str:
    return re.sub(r"^postgresql(\+\w+)?://", "postgresql+psycopg://", url)


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(os.environ.get("DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture
def make_settings(databases, tmp_path):
    """Settings for a fresh, empty database; keyword arguments override."""

    def build(**overrides) -> Settings:
        values = dict(
            database_url=databases.new(),
            secret_key="test-secret-key",
            public_data_dir=SHARED_PUBLIC,
            instance_dir=tmp_path / "instance",
            refresh_on_start=False,
            testing=True,
        )
        values.update(overrides)
        return Settings(**values).resolved()

    return build


@pytest.fixture
def cache(make_settings):
    """An empty, migrated cache with the registries written: what a refresh starts from."""
    from loaders import refresh
    from loaders.db import make_engine, make_sessionmaker, migrate

    settings = make_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    refresh.sync_registry(factory, settings.lcjp)
    yield factory
    engine.dispose()


@pytest.fixture(scope="session")
def loaded_settings(databases, tmp_path_factory, public_data_dir) -> Settings:
    """One database loaded from the real files, shared by every read-only test."""
    return Settings(
        database_url=databases.new(),
        secret_key="test-secret-key",
        public_data_dir=public_data_dir,
        instance_dir=tmp_path_factory.mktemp("instance"),
        refresh_on_start=True,
        testing=True,
    ).resolved()


@pytest.fixture(scope="session")
def app(loaded_settings):
    """The app on the real-data database, with one test user per role."""
    from app import create_app
    from loaders import users

    dash_app = create_app(loaded_settings)
    factory = dash_app.server.extensions["lcjp"].session_factory
    for role, (username, password) in TEST_USERS.items():
        with factory() as session:
            if users.find_user(session, username) is None:
                organisation, subgroups = TEST_USER_RIGHTS.get(role, ("", ()))
                users.create_user(
                    factory,
                    username,
                    password,
                    role=role,
                    organisation=organisation,
                    subgroups=subgroups,
                )
    return dash_app


@pytest.fixture(scope="session")
def credentials() -> dict[str, tuple[str, str]]:
    """role → (username, password) of the test users the app fixture creates."""
    return dict(TEST_USERS)


@pytest.fixture
def client(app):
    return app.server.test_client()


class AuthActions:
    """Sign in and out through the real login form, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def login(self, role: str = "analyst", password: str | None = None, next_url: str = "/"):
        username, default_password = TEST_USERS[role]
        page = self._client.get(f"/login?next={next_url}")
        token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        return self._client.post(
            "/login",
            data={
                "username": username,
                "password": password if password is not None else default_password,
                "csrf": token,
                "next": next_url,
            },
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def as_user(app):
    """Run callback functions directly inside a request signed in as a role's test user."""
    import flask_login

    from loaders import users

    @contextmanager
    def signed_in(role: str):
        factory = app.server.extensions["lcjp"].session_factory
        with factory() as session:
            user = users.find_user(session, TEST_USERS[role][0])
        # From the test client's address, so audit entries look like those of a real request.
        with app.server.test_request_context(
            "/_dash-update-component", method="POST", environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ):
            flask_login.login_user(user)
            yield user

    return signed_in


@pytest.fixture(scope="session")
def warmed_app(app):
    """The shared app with the OPCC analyst's figures in the store, as the scheduler leaves them
    after a refresh (scheduler/figures.py builds every cut; one is enough for browser tests)."""
    from loaders import users
    from scheduler.figures import build_figures

    factory = app.server.extensions["lcjp"].session_factory
    with factory() as session:
        analyst = users.find_user(session, TEST_USERS["analyst"][0])
    build_figures(app.server, users=[analyst])
    app.server.extensions["lcjp"].figure_store.role = "web"  # what the served app builds is web's
    return app


@pytest.fixture
def sign_in(dash_thread_server, dash_br, warmed_app, credentials):
    """Serve the app and sign in through the real form as a role, landing on `next_url`.

    The server is started directly: dash_duo.start_server would wait for a Dash page at '/',
    but an anonymous visitor is (rightly) sent to the plain sign-in page instead.
    """
    dash_thread_server(warmed_app)
    dash_br.base = dash_thread_server.url

    def go(next_url: str = "/effectiveness-efficiency", role: str = "viewer"):
        username, password = credentials[role]
        dash_br.driver.get(f"{dash_thread_server.url}/login?next={next_url}")
        dash_br.find_element("#username").send_keys(username)
        dash_br.find_element("#password").send_keys(password)
        dash_br.find_element("#login-submit").click()
        return dash_br

    return go
