"""Figures worked out once and shared by every worker and host: Redis when REDIS_URL is set,
otherwise a table of the database (so an SQLite install needs nothing more).

Entries are keyed by data vintage (a fingerprint of every dataset's current vintage) and by a
hash of what the figure depends on, so a refresh changes every key and no entry goes stale.
Values are pickled, and pickle runs code: each payload is signed with a key derived from
SECRET_KEY, and one whose signature is wrong is refused unread, so a forged entry in Redis or the
table is never unpickled. A miss is built once under a lock that every process respects; each
store counts who built what per vintage, so a test can show web workers built nothing.
No Dash or Flask here: the scheduler builds through it too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from loaders.models import FigureEntry

log = logging.getLogger(__name__)

MISS = object()  # what get() returns when nothing (valid) is stored: a stored None is a value
_SIGNATURE_BYTES = 32
# A Redis build lock is a lease: its holder renews it while it builds, so a holder that dies
# holds up the others for at most one lease, however long a build may take.
LOCK_LEASE_SECONDS = 20.0


class ForgedEntry(ValueError):
    """A stored payload whose signature does not match: never unpickled."""


def current_vintages_in(session) -> tuple:
    """(dataset, current vintage) pairs, in a fixed order: every process and host must make the
    same keys from them."""
    from loaders.models import Dataset

    rows = session.execute(sa.select(Dataset.id, Dataset.current_vintage_id))
    return ordered_vintages(rows)


def ordered_vintages(pairs) -> tuple:
    """(dataset, vintage) pairs sorted in Python, not by the database's collation (PostgreSQL's
    may order '_' otherwise), so the scheduler and every web worker make the same keys."""
    return tuple(sorted((dataset, vintage) for dataset, vintage in pairs))


def vintage_fingerprint(vintages) -> str:
    """A short, stable name for a set of (dataset, vintage) pairs."""
    return hashlib.blake2b(repr(tuple(vintages)).encode(), digest_size=12).hexdigest()


def key_hash(name) -> str:
    """A stable hash of a cache name (tuples of str, numbers, dates and frozen dataclasses).
    Every process must agree on it, so a repr that carries a memory address is refused."""
    text = repr(name)
    if " at 0x" in text:
        raise ValueError(f"cache name differs between processes: {text[:200]}")
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def install_id(database_url: str) -> str:
    """Which install a Redis entry belongs to: the database it was built from (password left
    out), so two installs sharing one Redis never read each other's figures."""
    url = sa.make_url(database_url).render_as_string(hide_password=True)
    return hashlib.blake2b(url.encode(), digest_size=8).hexdigest()


def builder_name(role: str) -> str:
    """Who built an entry: 'scheduler:host:pid' or 'web:host:pid'."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}"


class FigureStore:
    """get/put/lock/purge by (vintage fingerprint, key hash); subclasses keep the bytes."""

    def __init__(self, secret_key: str, *, role: str = "web"):
        if not secret_key:
            raise ValueError("the figure store signs its entries and needs SECRET_KEY")
        # A key of its own, derived from SECRET_KEY: a store entry can never pass as a cookie.
        self._signing_key = hashlib.blake2b(
            secret_key.encode(), key=b"lcjp-figure-store", digest_size=32
        ).digest()
        self.role = role  # "scheduler" in the process that builds after each refresh

    # -- signing ---------------------------------------------------------------------------
    def seal(self, value: Any) -> bytes:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return hmac.new(self._signing_key, payload, hashlib.sha256).digest() + payload

    def unseal(self, blob: bytes) -> Any:
        signature, payload = blob[:_SIGNATURE_BYTES], blob[_SIGNATURE_BYTES:]
        expected = hmac.new(self._signing_key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise ForgedEntry("figure store entry has a wrong signature")
        return pickle.loads(payload)  # noqa: S301 - signed by us, checked above

    def get(self, vintage: str, key: str) -> Any:
        """The stored value, or MISS (also for an entry whose signature is wrong: it is logged
        and rebuilt over, never unpickled)."""
        blob = self._read(vintage, key)
        if blob is None:
            return MISS
        try:
            return self.unseal(bytes(blob))
        except ForgedEntry:
            log.error("figure store: refused an entry with a wrong signature (%s/%s)", vintage, key)
            return MISS

    def put(self, vintage: str, key: str, value: Any) -> None:
        self._write(vintage, key, self.seal(value), builder_name(self.role))

    def get_or_build(
        self,
        vintage: str,
        key: str,
        build: Callable[[], Any],
        still_current: Callable[[], bool] = lambda: True,
    ) -> Any:
        """The stored value; on a miss one process (of all workers and hosts) builds and stores
        it while the others wait for it. A value built for a vintage that a refresh replaced
        meanwhile (`still_current()` false) is answered but not stored: the purge that followed
        the refresh would otherwise never see it."""
        found = self.get(vintage, key)
        if found is not MISS:
            return found
        with self.lock(vintage, key):
            found = self.get(vintage, key)
            if found is not MISS:
                return found
            value = build()
            if still_current():
                self.put(vintage, key, value)
            return value

    # -- what each backend provides --------------------------------------------------------
    def _read(self, vintage: str, key: str) -> bytes | None:
        raise NotImplementedError

    def _write(self, vintage: str, key: str, blob: bytes, built_by: str) -> None:
        raise NotImplementedError

    def lock(self, vintage: str, key: str):
        """A context manager held by one process (and thread) at a time, across hosts."""
        raise NotImplementedError

    def purge(self, keep: str) -> int:
        """Drop every entry (and build count) of a vintage other than `keep`; how many."""
        raise NotImplementedError

    def builds(self, vintage: str) -> dict[str, int]:
        """Builder ('scheduler:host:pid', 'web:host:pid') → entries it built for a vintage."""
        raise NotImplementedError

    def count(self, vintage: str) -> int:
        """How many entries are stored for a vintage."""
        raise NotImplementedError


class RedisFigureStore(FigureStore):
    """Entries under `<prefix>fig:<vintage>:<key>`; locks are leases (`SET NX PX` with a token)
    that only their holder may renew or delete; build counts are a hash per vintage."""

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
    )

    def __init__(
        self,
        url: str,
        secret_key: str,
        *,
        prefix: str,
        role: str = "web",
        lease_seconds: float = LOCK_LEASE_SECONDS,
    ):
        import redis

        super().__init__(secret_key, role=role)
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.client = redis.Redis.from_url(url, health_check_interval=30)
        self._release = self.client.register_script(self._RELEASE)
        self._renew = self.client.register_script(self._RENEW)

    def _entry(self, vintage: str, key: str) -> str:
        return f"{self.prefix}fig:{vintage}:{key}"

    def _read(self, vintage, key):
        return self.client.get(self._entry(vintage, key))

    def _write(self, vintage, key, blob, built_by):
        pipe = self.client.pipeline()
        pipe.set(self._entry(vintage, key), blob)
        pipe.hincrby(f"{self.prefix}builds:{vintage}", built_by, 1)
        pipe.execute()

    @contextlib.contextmanager
    def lock(self, vintage: str, key: str) -> Iterator[None]:
        """Hold a short lease on the key, renewed by a daemon thread until the block ends.

        A thread rather than renewal between steps: a build is one opaque call (a page's
        figures, a national police.uk year) that may run longer than any lease, and only a
        thread can renew during it. A daemon thread dies with its process, so a holder killed
        mid-build stops renewing and a waiter takes over once the lease lapses, not after the
        longest build anyone could imagine. Renewal and release both check the token (in Lua,
        atomically): a holder whose lease lapsed (a long pause) never extends nor deletes the
        lock another process took since; at worst both build, and the second write is the same.
        """
        name, token = f"{self.prefix}lock:{vintage}:{key}", secrets.token_hex(16)
        lease_ms = max(1, int(self.lease_seconds * 1000))
        wait = 0.005
        while not self.client.set(name, token, nx=True, px=lease_ms):
            time.sleep(wait)
            wait = min(wait * 2, 0.1)
        done = threading.Event()
        renewer = threading.Thread(
            target=self._keep_renewing,
            args=(name, token, lease_ms, done),
            name=f"figure-lock-lease:{key[:12]}",
            daemon=True,
        )
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()
            self._release(keys=[name], args=[token])

    def _keep_renewing(self, name: str, token: str, lease_ms: int, done: threading.Event) -> None:
        """Extend the lease every third of it until `done`; stop once it is no longer ours."""
        import redis

        while not done.wait(lease_ms / 3000):
            try:
                if not self._renew(keys=[name], args=[token, lease_ms]):
                    log.warning("figure store: lease on %s lapsed before the build ended", name)
                    return
            except redis.RedisError as error:  # try again at the next third, while it lasts
                log.warning("figure store: lease on %s not renewed: %s", name, error)

    def _scan(self, pattern: str) -> Iterator[bytes]:
        return self.client.scan_iter(match=pattern, count=1000)

    def purge(self, keep: str) -> int:
        dropped = 0
        for kind in ("fig", "builds"):
            old = [
                k
                for k in self._scan(f"{self.prefix}{kind}:*")
                if k.decode().removeprefix(f"{self.prefix}{kind}:").split(":", 1)[0] != keep
            ]
            for start in range(0, len(old), 500):
                removed = self.client.delete(*old[start : start + 500])
                dropped += removed if kind == "fig" else 0
        return dropped

    def builds(self, vintage):
        counts = self.client.hgetall(f"{self.prefix}builds:{vintage}")
        return {k.decode(): int(v) for k, v in counts.items()}

    def count(self, vintage):
        return sum(1 for _ in self._scan(f"{self.prefix}fig:{vintage}:*"))

    def clear(self) -> None:
        """Drop every key with this store's prefix (tests)."""
        keys = list(self._scan(f"{self.prefix}*"))
        for start in range(0, len(keys), 500):
            self.client.delete(*keys[start : start + 500])


class DatabaseFigureStore(FigureStore):
    """Entries in the figure_store table. PostgreSQL: a transaction-free advisory lock per key.
    SQLite: an fcntl record lock on one byte per key of one file beside the database (a
    process's own threads wait on a lock of their own, since record locks are per process)."""

    def __init__(
        self,
        engine: sa.Engine,
        secret_key: str,
        *,
        lock_dir: Path,
        role: str = "web",
    ):
        super().__init__(secret_key, role=role)
        self.engine = engine
        self.session_factory = sessionmaker(engine)
        self.lock_path = Path(lock_dir) / "figure-store.lock"
        self._threads: dict[tuple[str, str], list] = {}  # key → [lock, users]
        self._threads_lock = threading.Lock()
        self._file: tuple[int, int] | None = None  # (pid, fd): a forked worker opens its own

    def _read(self, vintage, key):
        with self.session_factory() as session:
            return session.scalar(
                sa.select(FigureEntry.payload).where(
                    FigureEntry.vintage == vintage, FigureEntry.key == key
                )
            )

    def _write(self, vintage, key, blob, built_by):
        with self.session_factory() as session:
            existing = session.get(FigureEntry, (vintage, key))
            if existing is None:
                session.add(FigureEntry(vintage=vintage, key=key, payload=blob, built_by=built_by))
            else:  # rebuilt over a refused entry
                existing.payload, existing.built_by = blob, built_by
            try:
                session.commit()
            except sa.exc.IntegrityError:  # written meanwhile by a process that held no lock
                session.rollback()

    @contextlib.contextmanager
    def _thread_lock(self, vintage: str, key: str) -> Iterator[None]:
        with self._threads_lock:
            entry = self._threads.setdefault((vintage, key), [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._threads_lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._threads.pop((vintage, key), None)

    @contextlib.contextmanager
    def lock(self, vintage: str, key: str) -> Iterator[None]:
        digest = hashlib.blake2b(f"{vintage}:{key}".encode(), digest_size=8).digest()
        with self._thread_lock(vintage, key):
            if self.engine.dialect.name == "postgresql":
                number = int.from_bytes(digest, "big", signed=True)
                with self.engine.connect() as connection:
                    connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": number})
                    try:
                        yield
                    finally:
                        connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": number})
                        connection.commit()
                return
            offset = int.from_bytes(digest, "big") >> 4  # a byte of a sparse range: no file growth
            fd = self._lock_file()
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX, 1, offset)
                held = True
            except OSError:  # EDEADLK: two keys' bytes crossed between processes; build unlocked
                log.warning("figure store: lock not taken for %s (deadlock avoided)", key)
                held = False
            try:
                yield
            finally:
                if held:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)

    def _lock_file(self) -> int:
        """One descriptor per process: closing any descriptor of the file would drop every
        record lock the process holds on it."""
        with self._threads_lock:
            if self._file is None or self._file[0] != os.getpid():
                self.lock_path.parent.mkdir(parents=True, exist_ok=True)
                self._file = (os.getpid(), os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600))
            return self._file[1]

    def purge(self, keep):
        with self.session_factory() as session:
            result = session.execute(sa.delete(FigureEntry).where(FigureEntry.vintage != keep))
            session.commit()
            return result.rowcount or 0

    def builds(self, vintage):
        with self.session_factory() as session:
            rows = session.execute(
                sa.select(FigureEntry.built_by, sa.func.count())
                .where(FigureEntry.vintage == vintage)
                .group_by(FigureEntry.built_by)
            ).all()
        return {built_by: count for built_by, count in rows}

    def count(self, vintage):
        with self.session_factory() as session:
            return session.scalar(
                sa.select(sa.func.count())
                .select_from(FigureEntry)
                .where(FigureEntry.vintage == vintage)
            )


def make_store(settings, engine: sa.Engine, *, role: str = "web") -> FigureStore:
    """Redis when settings.redis_url is set, otherwise the database's own table."""
    if settings.redis_url:
        return RedisFigureStore(
            settings.redis_url,
            settings.secret_key,
            prefix=settings.redis_prefix or f"lcjp:{install_id(settings.database_url)}:",
            role=role,
        )
    return DatabaseFigureStore(
        engine, settings.secret_key, lock_dir=settings.instance_dir, role=role
    )
