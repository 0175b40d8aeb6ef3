"""Engine, session factory and automatic schema migration."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import DeclarativeBase, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# A fixed key for PostgreSQL's advisory lock so two workers never migrate at once.
MIGRATION_LOCK_KEY = 7_311_001


class Base(DeclarativeBase):
    """Declarative base for every table of the cache."""


def make_engine(database_url: str) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys and a busy timeout so writers wait, not fail."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(database_url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # TCP keepalives: a host that dies holding an advisory lock (loaders/locks.py, the figure
    # store's build lock) frees it within about a minute, not the kernel's default two hours.
    keepalives = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
    keepalives["keepalives_count"] = 3
    return sa.create_engine(database_url, pool_pre_ping=True, connect_args=keepalives)


def make_sessionmaker(engine: sa.Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (the UI reads them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: sa.Engine) -> Config:
    """An Alembic config that needs no alembic.ini: migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the latest revision; safe to call from every process at start."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.commit()
        try:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY}
                )
                connection.commit()


@contextmanager
def transaction(session_factory: sessionmaker):
    """One unit of work: commit on success, roll back on any error."""
    with session_factory() as session, session.begin():
        yield session
