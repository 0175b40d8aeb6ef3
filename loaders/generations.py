"""Generations: a token per group of tables, changed whenever one of those tables is written.

Every request needs the same few reads — its session and user, every dataset's state and the
timeline's events — and they change rarely (a sign-in, a refresh, an edited register or event).
Read afresh they were the only round trips to the database a warm page callback made. With a
generation per group, a worker keeps what it read between requests and, from one read of the
tokens (Redis MGET, with REDIS_URL set), knows whether it is still current: any write through any
watched engine, in any process on any host, changes the token of the groups it touched.

Writes are noticed on the engine itself (`watch`): every INSERT, UPDATE, DELETE, COPY or DDL
statement names its table, so no code path can write without a bump. The tokens change when the
transaction commits and again when its connection goes back to the pool, so a reader that saw the
first change before the commit was visible reads again after the second. A statement run with
the execution option QUIET (a session's last-seen time) changes nothing a cached read depends on.

Without Redis there is nothing every process can see at the cost of a cache read, so nothing is
kept between requests (`NoGenerations`): correct, only slower.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

log = logging.getLogger(__name__)

# What each group's cached reads depend on (callbacks/request_state.py, callbacks/auth.py).
GROUPS: Mapping[str, frozenset[str]] = {
    "sessions": frozenset({"user_session", "app_user", "organisation", "subgroup_grant"}),
    "datasets": frozenset(
        {"dataset", "vintage", "refresh_run", "data_sharing_entry", "area", "area_member"}
    ),
    "events": frozenset({"timeline_event"}),
}
TABLE_GROUPS: Mapping[str, str] = {
    table: group for group, tables in GROUPS.items() for table in tables
}

# Execution option for a write no cached read depends on.
QUIET = "lcjp_quiet_write"
_PENDING = "lcjp_generations_pending"

_WRITE = re.compile(
    r"""^\s*(?:
        insert\s+(?:or\s+\w+\s+)?into
        | update(?:\s+only)?
        | delete\s+from
        | copy
        | truncate(?:\s+table)?
        | (?:alter|drop|create)\s+table(?:\s+if\s+(?:not\s+)?exists)?
        | merge\s+into
    )\s+(?:only\s+)?(?:["`]?\w+["`]?\.)?["`]?(\w+)""",
    re.IGNORECASE | re.VERBOSE,
)


def written_groups(statement: str) -> frozenset[str]:
    """The groups a statement writes to (empty for reads and for tables no group holds)."""
    match = _WRITE.match(statement)
    if not match:
        return frozenset()
    group = TABLE_GROUPS.get(match.group(1).lower())
    return frozenset((group,)) if group else frozenset()


class Generations:
    """The current tokens, or None when they cannot be known (then nothing may be kept)."""

    def current(self) -> dict[str, str] | None:
        return None

    def bump(self, groups: Iterable[str]) -> None:
        return None


class NoGenerations(Generations):
    """No shared store: every request reads afresh."""


class RedisGenerations(Generations):
    """Tokens under `<prefix>gen:<group>`, replaced by a fresh random token on every write, so a
    Redis that was emptied or restarted never hands back a token a worker already holds.

    A bump that fails (Redis unreachable) is remembered and made again at this process's next
    successful contact; meanwhile readers cannot read tokens either, so they keep nothing."""

    def __init__(self, url: str, *, prefix: str):
        import redis

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        )
        self.keys = {group: f"{prefix}gen:{group}" for group in GROUPS}
        self._unsent: set[str] = set()
        self._lock = threading.Lock()

    def current(self) -> dict[str, str] | None:
        try:
            if self._unsent:
                self.bump(())
            values = self.client.mget(list(self.keys.values()))
            if any(value is None for value in values):
                pipe = self.client.pipeline()
                for key, value in zip(self.keys.values(), values, strict=True):
                    if value is None:
                        pipe.set(key, secrets.token_hex(8), nx=True)
                pipe.execute()
                values = self.client.mget(list(self.keys.values()))
        except self._errors as error:
            log.warning("generations unreadable (%s): reading everything afresh", error)
            return None
        if any(value is None for value in values):
            return None
        return {
            group: value.decode() if isinstance(value, bytes) else value
            for group, value in zip(self.keys, values, strict=True)
        }

    def bump(self, groups: Iterable[str]) -> None:
        with self._lock:
            groups = set(groups) | self._unsent
            if not groups:
                return
            try:
                pipe = self.client.pipeline(transaction=False)
                for group in sorted(groups):
                    pipe.set(self.keys[group], secrets.token_hex(8))
                pipe.execute()
                self._unsent.clear()
            except self._errors as error:
                log.warning(
                    "could not record a write to %s (%s): will retry", sorted(groups), error
                )
                self._unsent = groups


def make_generations(settings) -> Generations:
    """Redis when settings.redis_url is set (the same prefix as the figure store's)."""
    if not settings.redis_url:
        return NoGenerations()
    from loaders.figure_store import install_id

    prefix = settings.redis_prefix or f"lcjp:{install_id(settings.database_url)}:"
    return RedisGenerations(settings.redis_url, prefix=prefix)


def watch(engine: sa.Engine, generations: Generations) -> None:
    """Bump the groups every write through `engine` touches: at its transaction's commit, and
    again when its connection returns to the pool (after the commit is visible to others)."""
    if isinstance(generations, NoGenerations):
        return

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _note_write(connection, _cursor, statement, _parameters, context, _executemany):
        if context is not None and context.execution_options.get(QUIET):
            return
        groups = written_groups(statement)
        if groups:
            connection.info.setdefault(_PENDING, set()).update(groups)

    @sa.event.listens_for(engine, "commit")
    def _bump_at_commit(connection):
        pending = connection.info.get(_PENDING)
        if pending:
            generations.bump(pending)

    @sa.event.listens_for(engine, "checkin")
    def _bump_at_checkin(_dbapi_connection, record):
        pending = record.info.pop(_PENDING, None) if record is not None else None
        if pending:
            generations.bump(pending)
