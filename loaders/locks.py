"""A cross-process lock so only one process refreshes at a time (PostgreSQL advisory lock or a file lock)."""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


@contextmanager
def exclusive(engine: sa.Engine, name: str, lock_dir: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold a named lock for the block; yields False when wait=False and someone else holds it."""
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())
        with engine.connect() as connection:
            if wait:
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
                acquired = True
            else:
                acquired = connection.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
            try:
                yield bool(acquired)
            finally:
                if acquired:
                    connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as handle:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
