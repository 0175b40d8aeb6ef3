"""The shared figure store: Redis and the database keep the same promises (signed entries, one
build per miss across threads and processes, old vintages dropped), and the app's figures are
keyed by audience cut, so one cut's figures never reach another."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from access_probe import set_classification

from loaders.db import make_engine, migrate
from loaders.figure_store import (
    MISS,
    DatabaseFigureStore,
    RedisFigureStore,
    install_id,
    key_hash,
    make_store,
    vintage_fingerprint,
)

# Every key a test writes carries a prefix of its own; LCJP_TEST_REDIS_URL picks another database.
REDIS_TEST_URL = os.environ.get("LCJP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "test-secret-key"


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def open_store(spec: tuple, secret: str = SECRET, lease: float | None = None):
    """A store from a picklable description, so a child process opens its own connections.
    `lease`: a Redis lock's lease in seconds (the database's locks have none)."""
    kind, where, extra = spec
    if kind == "redis":
        options = {} if lease is None else {"lease_seconds": lease}
        return RedisFigureStore(where, secret, prefix=extra, **options)
    return DatabaseFigureStore(make_engine(where), secret, lock_dir=Path(extra))


@pytest.fixture(params=["database", "redis"])
def store_spec(request, databases, tmp_path):
    if request.param == "redis":
        if not _redis_reachable():
            pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL}")
        spec = ("redis", REDIS_TEST_URL, f"lcjp-test:{uuid.uuid4().hex[:10]}:")
        yield spec
        open_store(spec).clear()  # only keys with this test's own prefix
        return
    url = databases.new()
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield ("database", url, str(tmp_path / "locks"))


@pytest.fixture
def store(store_spec):
    return open_store(store_spec)


def test_a_stored_figure_is_read_back_and_a_miss_is_a_miss(store):
    assert store.get("v1", "a") is MISS
    store.put("v1", "a", {"value": 12.5, "label": "Jan 2026"})
    store.put("v1", "none", None)  # a stored None is a value, not a miss
    assert store.get("v1", "a") == {"value": 12.5, "label": "Jan 2026"}
    assert store.get("v1", "none") is None
    assert store.get("v2", "a") is MISS  # another vintage is another key
    assert store.count("v1") == 2


class _Tripwire:
    """Unpickling this records that it happened: a refused entry must never get that far."""

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))

    def __init__(self, path):
        self.path = str(path)


def test_an_entry_with_a_wrong_signature_is_refused_unread_and_rebuilt(store_spec, tmp_path):
    tripwire = tmp_path / "unpickled"
    forger = open_store(store_spec, secret="not-the-install-secret")
    forger.put("v1", "k", _Tripwire(tripwire))
    store = open_store(store_spec)
    assert store.get("v1", "k") is MISS
    assert not tripwire.exists()
    # Bytes with no signature at all (a bare pickle) are refused the same way.
    store._write("v1", "bare", pickle.dumps(_Tripwire(tripwire)), "forger")
    assert store.get("v1", "bare") is MISS and not tripwire.exists()
    # The next ask builds over the forged entry, and the rebuilt one is read from then on.
    assert store.get_or_build("v1", "k", lambda: "rebuilt") == "rebuilt"
    assert store.get("v1", "k") == "rebuilt"
    # And the honest key can still read what it wrote: the check is not refusing everything.
    assert forger.get("v1", "k") is MISS


def test_a_miss_asked_for_by_many_threads_is_built_once(store):
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.3)
        return "figures"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.get_or_build("v1", "k", build)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["figures"] * 6 and len(calls) == 1
    assert sum(store.builds("v1").values()) == 1


def _hold_lock(spec, held, seconds):
    with open_store(spec).lock("v1", "k"):
        held.set()
        time.sleep(seconds)


def _build_in_child(spec, marks: str):
    def build():
        with open(marks, "a") as handle:
            handle.write("built\n")
        time.sleep(0.5)
        return "figures"

    assert open_store(spec).get_or_build("v1", "shared", build) == "figures"


def test_a_lock_held_by_one_process_is_waited_for_by_another(store_spec, store):
    context = multiprocessing.get_context("fork")
    held = context.Event()
    child = context.Process(target=_hold_lock, args=(store_spec, held, 0.8))
    child.start()
    try:
        assert held.wait(20), "the child never took the lock"
        started = time.monotonic()
        with store.lock("v1", "k"):
            waited = time.monotonic() - started
        with store.lock("v1", "another key"):  # other keys are not held up
            pass
    finally:
        child.join(20)
    assert child.exitcode == 0
    assert waited >= 0.5, f"took the lock after {waited:.2f}s while another process held it"


def test_a_miss_asked_for_by_two_processes_is_built_by_one(store_spec, tmp_path):
    marks = tmp_path / "builds.txt"
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_build_in_child, args=(store_spec, str(marks))) for _ in range(3)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(30)
    assert [c.exitcode for c in children] == [0, 0, 0]
    assert marks.read_text().count("built") == 1
    assert sum(open_store(store_spec).builds("v1").values()) == 1


LEASE = 2.0  # seconds: short, so a test of a dead holder waits for one lease, not twenty


def _die_while_building(spec, building: str):
    def build():
        Path(building).touch()
        time.sleep(120)  # killed long before this ends
        return "never stored"

    open_store(spec, lease=LEASE).get_or_build("v1", "k", build)


def test_a_holder_killed_mid_build_holds_up_the_others_for_one_lease_at_most(store_spec, tmp_path):
    """SIGKILL runs no finally: the lock is left to its expiry (Redis), or freed with the
    process (the database's locks). Either way a waiter builds within a lease and a margin."""
    building = tmp_path / "building"
    child = multiprocessing.get_context("fork").Process(
        target=_die_while_building, args=(store_spec, str(building))
    )
    child.start()
    deadline = time.monotonic() + 20
    while not building.exists() and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert building.exists(), "the child never started building"
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL
    started, got = time.monotonic(), []
    waiter = threading.Thread(
        target=lambda: got.append(
            open_store(store_spec, lease=LEASE).get_or_build("v1", "k", lambda: "figures")
        ),
        daemon=True,  # on failure it would wait out the dead holder's lock: never the suite
    )
    waiter.start()
    waiter.join(LEASE + 3)
    waited = time.monotonic() - started
    assert got == ["figures"], f"no figure {waited:.1f}s after the holder died (lease {LEASE}s)"
    assert open_store(store_spec).get("v1", "k") == "figures"


def _hold_lock_renewed(spec, held, seconds):
    with open_store(spec, lease=0.6).lock("v1", "k"):
        held.set()
        time.sleep(seconds)


def test_a_live_holder_keeps_its_lease_however_long_it_builds(store_spec):
    """The holder renews a lease far shorter than its build: nobody takes the lock meanwhile."""
    if store_spec[0] != "redis":
        pytest.skip("only Redis locks are leases")
    context = multiprocessing.get_context("fork")
    held = context.Event()
    child = context.Process(target=_hold_lock_renewed, args=(store_spec, held, 2.5))
    child.start()
    try:
        assert held.wait(20), "the child never took the lock"
        started = time.monotonic()
        with open_store(store_spec, lease=0.6).lock("v1", "k"):
            waited = time.monotonic() - started
    finally:
        child.join(20)
    assert child.exitcode == 0
    assert waited >= 2.0, f"took a live holder's lock after {waited:.2f}s (lease 0.6s)"


def test_a_holder_whose_lease_lapsed_neither_renews_nor_deletes_the_next_holders_lock(store_spec):
    if store_spec[0] != "redis":
        pytest.skip("only Redis locks are leases")
    first, other = open_store(store_spec, lease=0.6), open_store(store_spec)
    name = f"{store_spec[2]}lock:v1:k"
    with first.lock("v1", "k"):
        other.client.delete(name)  # the first holder stalled past its lease...
        other.client.set(name, b"the next holder's token", px=30_000)  # ...and another took it
        time.sleep(0.5)  # the first holder's renewer wakes (every 0.2 s) meanwhile
        assert other.client.pttl(name) > 25_000, "renewed a lock that was not its own"
    assert other.client.get(name) == b"the next holder's token", "deleted another's lock"


def test_old_vintages_are_purged_and_the_current_one_kept(store):
    for vintage in ("old", "older", "current"):
        store.put(vintage, "a", vintage)
        store.put(vintage, "b", vintage)
    assert store.purge(keep="current") == 4
    assert store.get("old", "a") is MISS and store.get("older", "b") is MISS
    assert store.get("current", "a") == "current" and store.count("current") == 2
    assert store.builds("old") == {} and sum(store.builds("current").values()) == 2


def test_keys_are_the_same_in_every_process_and_refuse_what_would_not_be(app):
    from loaders.board import AreaPlan
    from loaders.measures import MEASURES

    plan = AreaPlan.from_config(app.server.extensions["lcjp"].settings.lcjp)
    name = ("presented", MEASURES["crown_open_cases"], "rows", plan, None, "monthly")
    assert key_hash(name) == key_hash(pickle.loads(pickle.dumps(name)))
    assert vintage_fingerprint([("a", 1), ("b", 2)]) != vintage_fingerprint([("a", 1), ("b", 3)])
    with pytest.raises(ValueError, match="differs between processes"):
        key_hash(("view", object()))


def test_redis_is_used_when_set_and_each_install_has_its_own_prefix(make_settings):
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL}")
    settings = make_settings(redis_url=REDIS_TEST_URL)
    engine = make_engine(settings.database_url)
    store = make_store(settings, engine)
    assert isinstance(store, RedisFigureStore)
    assert store.prefix == f"lcjp:{install_id(settings.database_url)}:"
    other = make_settings(redis_url=REDIS_TEST_URL)
    assert make_store(other, engine).prefix != store.prefix
    assert isinstance(make_store(make_settings(), engine), DatabaseFigureStore)
    # The password never reaches the install id (it names keys anyone with Redis can list).
    assert install_id("postgresql://u:secret@h/db") == install_id("postgresql://u:other@h/db")


def test_a_partner_cut_is_never_served_to_an_analyst_nor_an_analysts_to_a_partner(app, as_user):
    """Keys carry the rows a user may see and their audience: with the police.uk figures made
    force-restricted, a Durham police member sees Durham's rows only, withheld small numbers,
    whichever of the two asked first, and the analyst still sees every force."""
    from callbacks import data, permissions, presenting
    from loaders.areas import DURHAM
    from loaders.measures import MEASURES

    previous = set_classification(app, "police_uk_street", "force_restricted")
    try:
        with as_user("member") as member:
            measure = next(
                m
                for m, spec in MEASURES.items()
                if spec.dataset_id == "police_uk_street"
                and spec.unit == "count"
                and permissions.can_view_measure(member, m)
            )
        spec = MEASURES[measure]
        seen = {}
        for order in (("analyst", "member"), ("member", "analyst")):
            for role in order:
                data._CACHE.clear()
                with as_user(role):
                    view = data.measure_view(spec, presenting.plan())
                    figure = presenting.presented_figure(measure)
                    seen.setdefault(role, []).append(
                        (set(view.totals["area_code"]), figure.audience.sees_small_numbers)
                    )
    finally:
        set_classification(app, "police_uk_street", previous)
        data._CACHE.clear()
    member_areas, member_sees_small = seen["member"][0]
    analyst_areas, analyst_sees_small = seen["analyst"][0]
    assert seen["member"][0] == seen["member"][1] and seen["analyst"][0] == seen["analyst"][1]
    assert DURHAM in member_areas and "E23000013" not in member_areas  # not Cleveland's rows
    assert {DURHAM, "E23000013"} <= analyst_areas and analyst_areas > member_areas
    assert analyst_sees_small and not member_sees_small


def test_a_web_miss_is_built_once_by_the_web_and_recorded_as_such(app, as_user):
    from callbacks import data
    from loaders.figure_store import vintage_fingerprint as fingerprint

    store = app.server.extensions["lcjp"].figure_store
    with as_user("viewer"):
        vintage = fingerprint(data.current_vintages())
        before = store.builds(vintage)
        name = ("test-entry", uuid.uuid4().hex)
        assert data.cached(name, lambda _session: 41) == 41
    data._CACHE.clear()
    with as_user("analyst"):
        assert data.cached(name, lambda _session: pytest.fail("built twice")) == 41
    after = store.builds(vintage)
    grew = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert list(grew.values()) == [1] and next(iter(grew)).startswith("web:")


def test_the_scheduler_builds_no_figures_the_web_would_refuse(loaded_settings, monkeypatch):
    """Without the web's SECRET_KEY (outside demo mode) the scheduler's signatures would not
    match: --build-figures refuses, and a refresh builds none."""
    from scheduler import __main__ as scheduler_main

    monkeypatch.setenv("DATABASE_URL", loaded_settings.database_url)
    monkeypatch.setenv("INSTANCE_DIR", str(loaded_settings.instance_dir))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    monkeypatch.setattr(scheduler_main, "AFTER_REFRESH", [])
    assert scheduler_main.main(["--build-figures"]) == 2
    assert not scheduler_main.signs_figures(scheduler_main.load_settings())
    monkeypatch.setenv("SECRET_KEY", "the-web-secret")
    assert scheduler_main.signs_figures(scheduler_main.load_settings())
    assert scheduler_main.load_settings().secret_key == "the-web-secret"


def test_a_value_built_for_a_vintage_replaced_meanwhile_is_answered_but_not_stored(store):
    """A worker still on the old vintage when a refresh's purge ran must not leave entries the
    purge has already passed over."""
    answered = store.get_or_build("v1", "k", lambda: "built", still_current=lambda: False)
    assert answered == "built"
    assert store.get("v1", "k") is MISS
    assert store.get_or_build("v1", "k", lambda: "again", still_current=lambda: True) == "again"
    assert store.get("v1", "k") == "again"


def test_postgresql_connections_carry_tcp_keepalives(databases):
    """A host that dies holding an advisory lock frees it once keepalives give up on it (about
    a minute), not after the kernel's default two hours."""
    if not databases.is_postgres:
        pytest.skip("PostgreSQL only")
    from loaders.db import make_engine

    engine = make_engine(databases.new())
    with engine.connect() as connection:
        parameters = connection.connection.driver_connection.info.get_parameters()
    engine.dispose()
    assert parameters.get("keepalives") == "1"
    assert int(parameters["keepalives_idle"]) + int(parameters["keepalives_interval"]) * 3 <= 90
