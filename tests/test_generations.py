"""What a worker keeps between requests (sessions, dataset states, events, rights, cut keys) is
used again only while nobody, in any process, has written what it was read from.

Two apps on one database and one Redis stand for two workers (or hosts): a write through one is
seen by the other on its very next request, and a warm callback reads nothing from the database.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from access_probe import UPDATE_URL, callback_body, server_callbacks, set_classification
from test_request_cost import statements

from loaders import generations

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "generations-password-1"
E_AND_E = {"subgroup": "effectiveness-efficiency"}


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_a_write_names_the_groups_of_the_table_it_writes():
    assert generations.written_groups("INSERT INTO user_session (id) VALUES (?)") == {"sessions"}
    assert generations.written_groups('UPDATE "app_user" SET active=false') == {"sessions"}
    assert generations.written_groups("delete from timeline_event where id = 1") == {"events"}
    assert generations.written_groups("INSERT OR REPLACE INTO dataset VALUES (1)") == {"datasets"}
    assert generations.written_groups("UPDATE public.vintage SET x = 1") == {"datasets"}
    assert generations.written_groups("ALTER TABLE refresh_run ADD COLUMN y INT") == {"datasets"}
    # Reads, and writes to tables no kept read depends on, change nothing.
    assert generations.written_groups("SELECT * FROM user_session") == frozenset()
    assert generations.written_groups("COPY observation FROM STDIN") == frozenset()
    assert generations.written_groups("INSERT INTO audit_event (kind) VALUES (?)") == frozenset()


def test_every_table_a_kept_read_reads_is_in_its_group(app):
    """Whatever the reads kept between requests read, a write to it must change their token."""
    from loaders import access, events, queries, sessions, users

    services = app.server.extensions["lcjp"]
    factory = services.session_factory
    reads = {
        "datasets": [
            lambda: queries.dataset_states(factory()),
            lambda: access.area_force_map(factory()),
        ],
        "events": [lambda: events.list_events(factory)],
        "sessions": [
            lambda: sessions.read_session(factory, "no-such-session"),
            lambda: access.subgroup_grants(factory(), users.find_user(factory(), "test-chair")),
        ],
    }
    for group, calls in reads.items():
        with statements(services.engine) as seen:
            for call in calls:
                call()
        tables = {
            name.lower()
            for statement in seen
            for name in re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)', statement, re.IGNORECASE)
        }
        assert tables, group
        assert tables <= generations.GROUPS[group], (group, tables - generations.GROUPS[group])


@pytest.fixture
def workers(app, loaded_settings):
    """Two apps on the shared real-data database with one Redis: two workers of one install."""
    if not _redis_reachable():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from app import create_app
    from loaders import users

    settings = replace(
        loaded_settings,
        redis_url=REDIS_TEST_URL,
        redis_prefix=f"lcjp-test-gen:{uuid.uuid4().hex[:10]}:",
        refresh_on_start=False,
    )
    first, second = create_app(settings), create_app(settings)
    username = f"gen-viewer-{uuid.uuid4().hex[:6]}"
    users.create_user(
        second.server.extensions["lcjp"].session_factory, username, PASSWORD, role="viewer"
    )
    yield first, second, username
    for dash_app in (first, second):
        dash_app.server.extensions["lcjp"].engine.dispose()


def _signed_in(dash_app, username):
    client = dash_app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token, "next": "/"}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def _tiles(client, dash_app):
    spec = server_callbacks(dash_app)["subgroup-tiles.children"]
    return client.post(
        UPDATE_URL, json=callback_body("subgroup-tiles.children", spec, [E_AND_E], None)
    )


def test_a_warm_callback_reads_nothing_from_the_database(workers):
    first, _second, username = workers
    client = _signed_in(first, username)
    assert _tiles(client, first).status_code == 200  # reads, and builds its figures
    with statements(first.server.extensions["lcjp"].engine) as seen:
        answer = _tiles(client, first)
    assert answer.status_code == 200 and answer.get_json()["response"]
    assert seen == []


def test_a_user_disabled_on_another_worker_is_refused_on_the_next_request(workers):
    from loaders import users

    first, second, username = workers
    client = _signed_in(first, username)
    assert _tiles(client, first).status_code == 200
    assert _tiles(client, first).status_code == 200  # now from what the worker kept
    users.set_active(second.server.extensions["lcjp"].session_factory, username, False)
    assert _tiles(client, first).status_code == 401


def test_a_sign_out_on_another_worker_ends_the_session_on_this_one(workers):
    first, second, username = workers
    client = _signed_in(first, username)
    assert _tiles(client, first).status_code == 200
    assert _tiles(client, first).status_code == 200
    # The same browser's next request lands on the other worker, and signs out there.
    other = second.server.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert other.post("/logout").status_code in (200, 302)
    assert _tiles(client, first).status_code == 401


def test_an_event_and_a_register_edit_elsewhere_are_read_on_the_next_request(workers):
    from callbacks import presenting, request_state
    from loaders import events

    first, second, _username = workers
    other = second.server.extensions["lcjp"].session_factory

    def read_in_a_request():
        with first.server.test_request_context("/_dash-update-component", method="POST"):
            return (
                [e.title for e in presenting.timeline_events()],
                request_state.dataset_states()["police_uk_street"].register_classification,
            )

    titles, classification = read_in_a_request()
    assert read_in_a_request() == (titles, classification)
    title = f"Generations test {uuid.uuid4().hex[:6]}"
    added = events.add_event(
        other, title=title, kind="event", start="2025-03-01", all_measures=True
    )
    changed = "force_restricted" if classification != "force_restricted" else "public"
    set_classification(second, "police_uk_street", changed)
    try:
        titles_after, classification_after = read_in_a_request()
        assert title in titles_after and title not in titles
        assert classification_after == changed
    finally:
        events.delete_event(other, added.id)
        set_classification(second, "police_uk_street", classification)
    assert read_in_a_request() == (titles, classification)


def test_what_is_kept_is_used_again_until_a_watched_write(workers, app):
    """A write the generations are not told of (the shared test app's engine watches nothing)
    is not seen until a watched one: the kept reads really are kept, and only a token decides."""
    from callbacks import presenting
    from loaders import events

    first, second, _username = workers
    unwatched = app.server.extensions["lcjp"].session_factory

    def titles():
        with first.server.test_request_context("/_dash-update-component", method="POST"):
            return [e.title for e in presenting.timeline_events()]

    before = titles()
    quiet = events.add_event(
        unwatched, title="Unannounced", kind="event", start="2025-03-02", all_measures=True
    )
    try:
        assert titles() == before
        loud = events.add_event(
            second.server.extensions["lcjp"].session_factory,
            title="Announced",
            kind="event",
            start="2025-03-03",
            all_measures=True,
        )
        events.delete_event(unwatched, loud.id)
        assert "Unannounced" in titles()
    finally:
        events.delete_event(second.server.extensions["lcjp"].session_factory, quiet.id)


def test_a_last_seen_write_changes_no_token(workers, monkeypatch):
    from loaders import sessions

    first, _second, username = workers
    client = _signed_in(first, username)
    assert _tiles(client, first).status_code == 200
    services = first.server.extensions["lcjp"]
    before = services.generations.current()
    later = sessions.now() + sessions.TOUCH_INTERVAL + timedelta(seconds=1)
    monkeypatch.setattr(sessions, "now", lambda: later)
    with statements(services.engine) as seen:
        assert _tiles(client, first).status_code == 200
    assert any(s.startswith("UPDATE user_session SET last_seen_at") for s in seen), seen
    assert services.generations.current() == before


def test_unreachable_redis_means_reading_afresh_and_a_missed_bump_is_made_later():
    gens = generations.RedisGenerations("redis://127.0.0.1:1/0", prefix="lcjp-test-gen-down:")
    assert gens.current() is None
    gens.bump({"events"})  # logged, not raised
    assert gens._unsent == {"events"}
    if not _redis_reachable():
        return
    prefix = f"lcjp-test-gen:{uuid.uuid4().hex[:10]}:"
    gens = generations.RedisGenerations(REDIS_TEST_URL, prefix=prefix)
    before = gens.current()
    gens._unsent = {"events"}  # a bump that failed while Redis was away
    after = gens.current()
    assert after["events"] != before["events"] and after["sessions"] == before["sessions"]
    assert gens._unsent == set()
