"""Page callbacks' stored outputs (callbacks/rendered.py): keyed on everything their content
depends on, so one audience cut's output never reaches another, and a changed event or target
draws a new one; the permission check runs on every request, stored output or not."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from access_probe import UPDATE_URL, callback_body, server_callbacks, set_classification

POLICE_DEMAND = {"subgroup": "police-demand"}
TABLE = "subgroup-measures.children"


def _table(client, app, auth, role: str) -> str:
    """The police demand page's "Every measure" table as the served app answers a role's
    browser, decoded (its cells are HTML)."""
    auth.login(role)
    try:
        spec = server_callbacks(app)[TABLE]
        answer = client.post(UPDATE_URL, json=callback_body(TABLE, spec, [POLICE_DEMAND], None))
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return json.dumps(answer.get_json(), ensure_ascii=False)
    finally:
        auth.logout()


def test_a_partner_and_an_analyst_get_their_own_stored_table_whoever_asks_first(
    warmed_app, client, auth, as_user, monkeypatch
):
    """With the police.uk figures force-restricted, a Durham police member's table gives the
    police.uk measures for Durham alone and an analyst's for the whole partnership, in either
    order of asking, from a store that keeps both: their cuts are different keys."""
    from callbacks import data, rendered

    previous = set_classification(warmed_app, "police_uk_street", "force_restricted")
    try:
        seen: dict[str, list[str]] = {}
        for turn, order in enumerate((("analyst", "member"), ("member", "analyst"))):
            # A fresh key for every output of this turn (a timing no police.uk figure reads is
            # part of every cut): whoever asks first draws and stores.
            monkeypatch.setenv("PROVISIONAL_PERIODS_WOMENS_SERVICES", str(turn + 5))
            data._CACHE.clear()
            for role in order:
                seen.setdefault(role, []).append(_table(client, warmed_app, auth, role))
        keys = {}
        for role in ("analyst", "member"):
            with as_user(role):
                keys[role] = rendered.cut_key()
    finally:
        set_classification(warmed_app, "police_uk_street", previous)
        data._CACHE.clear()
    assert seen["member"][0] == seen["member"][1]
    assert seen["analyst"][0] == seen["analyst"][1]
    assert "<td>Durham</td>" in seen["member"][0]  # their own force's figure
    assert "<td>Durham</td>" not in seen["analyst"][0]
    partnership = "Durham &amp; Cleveland LCJP"
    assert seen["analyst"][0].count(partnership) > seen["member"][0].count(partnership)
    assert keys["analyst"] != keys["member"]


def test_a_changed_target_or_timeline_event_draws_a_new_output(app, as_user, monkeypatch):
    """The same inputs in a new request are read from the store; a target set on a measure, or
    an event added to the timeline, makes a new key and the callback draws again."""
    from callbacks import rendered
    from loaders import events
    from loaders.measures import MEASURES

    drawn = []
    name = f"probe-{uuid.uuid4().hex}"

    @rendered.render_once(name, lambda *_inputs: None)
    def probe(value):
        drawn.append(value)
        return {"value": value, "draw": len(drawn)}

    with as_user("analyst"):
        assert probe("x") == {"value": "x", "draw": 1}
    with as_user("analyst"):
        assert probe("x") == {"value": "x", "draw": 1}  # stored, not drawn again
        assert probe("y")["draw"] == 2  # other inputs, another output
    measure = next(m for m, spec in MEASURES.items() if spec.target is None)
    monkeypatch.setitem(MEASURES, measure, replace(MEASURES[measure], target=42.0))
    with as_user("analyst"):
        assert probe("x")["draw"] == 3
    factory = app.server.extensions["lcjp"].session_factory
    added = events.add_event(
        factory, title="Render test event", kind="event", start="2024-04-01", all_measures=True
    )
    try:
        with as_user("analyst"):
            assert probe("x")["draw"] == 4
    finally:
        events.delete_event(factory, added.id)
    with as_user("analyst"):
        assert probe("x")["draw"] == 3  # back as it was: the earlier output, stored


def test_the_check_runs_before_any_stored_output_is_read(app, as_user):
    """A stored output is never answered to a request whose permission check refuses."""
    from callbacks import rendered
    from callbacks.permissions import NotAuthorised

    allowed = {"analyst"}
    name = f"probe-{uuid.uuid4().hex}"

    def check(role):
        if role not in allowed:
            raise NotAuthorised(role)

    probe = rendered.render_once(name, check)(lambda role: {"secret": 1})
    with as_user("analyst"):
        assert probe("analyst") == {"secret": 1}
    allowed.clear()
    with as_user("analyst"), pytest.raises(NotAuthorised):
        probe("analyst")


def test_the_stored_output_is_what_dash_would_send(app, as_user):
    """Components become their JSON (type, namespace, props), tuples stay one output each, and
    an output holding no_update is answered as it is and never stored."""
    import dash
    from dash import html

    from callbacks import rendered

    name = f"probe-{uuid.uuid4().hex}"
    calls = []

    @rendered.render_once(name, lambda *_inputs: None)
    def probe(kind):
        calls.append(kind)
        if kind == "skip":
            return (dash.no_update, "text")
        return (html.P("hello", id="p"), {"data": []})

    with as_user("analyst"):
        paragraph, figure = probe("draw")
        assert paragraph == {
            "props": {"children": "hello", "id": "p"},
            "type": "P",
            "namespace": "dash_html_components",
        }
        assert figure == {"data": []}
        skipped = probe("skip")
        assert skipped[0] is dash.no_update
        probe("skip")
    assert calls == ["draw", "skip", "skip"]


def test_the_schedulers_build_leaves_a_court_page_for_the_web_only_to_read(warmed_app, as_user):
    """After the scheduler's build for a cut (scheduler/figures.render_pages), a court page, the
    board and a subgroup's table as pages open them are read from the store: the web builds
    nothing."""
    from callbacks import data, rendered
    from callbacks.courts import partnership_courts
    from loaders.figure_store import vintage_fingerprint
    from scheduler.figures import render_pages

    server = warmed_app.server
    store = server.extensions["lcjp"].figure_store
    with as_user("viewer") as viewer:
        code = partnership_courts()[0][0]
        vintage = vintage_fingerprint(data.current_vintages())
    store.role = "scheduler"
    try:
        render_pages(server, viewer)
    finally:
        store.role = "web"
    data._CACHE.clear()
    before = store.builds(vintage)
    with as_user("viewer"):
        page = rendered.STORED["court_page"]({"court": code})
    with as_user("viewer"):
        board = rendered.STORED["overview"]({})
    with as_user("viewer"):
        table = rendered.STORED["measure_table"]({"subgroup": "effectiveness-efficiency"})
    assert page[1] and board and table
    assert store.builds(vintage) == before
