"""Alembic environment: runs against the connection loaders.db.migrate() hands in."""

from alembic import context

from loaders import models  # noqa: F401  (registers every table on Base.metadata)
from loaders.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with config.attributes["engine"].connect() as connection:
            _run(connection)
            connection.commit()
    else:
        _run(connection)


def _run(connection) -> None:
    # render_as_batch lets column changes work on SQLite, which cannot ALTER most things.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
