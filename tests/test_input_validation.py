"""A type-fuzzing pass over every registered server callback: wrong types, huge numbers, long
strings and nested JSON in every input and state must never give HTTP 500.

A request the declared shapes refuse answers 400 with a JSON reason and changes nothing; one they
admit reaches the callback, which answers with a message or no update. Callbacks come from
app.callback_map, so callbacks added later are fuzzed too.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from access_probe import UPDATE_URL, callback_body, discover_layouts, server_callbacks

from callbacks import input_shapes


def _nested(depth: int):
    value: object = "deep"
    for _ in range(depth):
        value = {"a": [value]}
    return value


FUZZ = [
    10**30,
    -(10**30),
    1.5e308,
    "x" * 200_000,
    _nested(60),
    {"props": {"children": [{"a": 1}]}, "type": "Div"},
    [[1, 2], {"a": None}],
    ["a", 1, None, {"b": []}],
    True,
    -1,
    "",
    {"id": 10**30, "page_current": "x"},
    [10**30],
    "2026-13-45",
    "../../etc/passwd",
    "data:application/json;base64,e30=",
    {"contents": {"a": 1}},
]

LOCATION_PARTS = {"pathname", "search", "hash", "href"}
# Tables whose rows a refused (400) request must not change.
WATCHED = ("meeting", "meeting_action", "commentary", "timeline_event", "pack_job", "app_user")


def _counts(factory) -> dict[str, int]:
    with factory() as session:
        return {
            name: session.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
            for name in WATCHED
        }


# Values of the right type but the wrong meaning: they pass the boundary and reach the callbacks.
ODD = [
    1,
    "/../../etc/passwd",
    "../../etc/passwd",
    "/no-such-page?x=%00",
    "2026-13-45",
    "",
    "-",
    {},
    [],
    True,
    0,
    2**31 - 1,
    "x" * 1_900,
]


def _variants(dependencies: int):
    """Every input and state set to each fuzz value at once, then a mixture of values per input."""
    for value in FUZZ:
        yield [value] * dependencies
    for shift in range(len(FUZZ)):
        yield [FUZZ[(shift + j) % len(FUZZ)] for j in range(dependencies)]


def _odd_variants(spec: dict):
    """For each input, the first odd value (from a rotating start) its declared shape admits."""
    dependencies = list(spec["inputs"]) + list(spec["state"])
    for shift in range(len(ODD)):
        values = []
        for dependency in dependencies:
            component_id = input_shapes._parse_id(dependency["id"])
            shape = input_shapes.shape_for(component_id, dependency["property"])
            rotated = ODD[shift:] + ODD[:shift]
            values.append(next((v for v in rotated if shape is None or not shape(v)), None))
        yield values


def _signed_in(app, credentials, role: str):
    import re

    client = app.server.test_client()
    username, password = credentials[role]
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf": token})
    return client


@pytest.fixture(scope="module")
def admin_client(app, credentials):
    return _signed_in(app, credentials, "admin")


def test_every_callback_has_a_declared_shape_for_every_input(app):
    """The boundary knows what each input may hold; a callback added without one is named."""
    missing = input_shapes.undeclared(app)
    assert not missing, f"declare the shape of: {missing}"


@pytest.mark.parametrize("role", ["admin", "member"])
def test_fuzzed_inputs_never_give_a_server_error(app, admin_client, credentials, role, databases):
    """As the administrator (every callback reaches its data) and as a partner (refusals).
    Fuzzed on SQLite only: the boundary answers before any database is read, and the callbacks
    that odd right-typed values reach read the same figures on either database."""
    if databases.is_postgres:
        pytest.skip("the input boundary does not depend on the database; fuzzed on SQLite")
    layouts = discover_layouts(app, admin_client)
    client = admin_client if role == "admin" else _signed_in(app, credentials, role)
    failures, refused, sent = [], 0, 0
    for key, spec in server_callbacks(app).items():
        dependencies = len(spec["inputs"]) + len(spec["state"])
        fill = layouts.legit_fill(spec) or "x"
        with app.server.test_request_context("/"):
            odd = list(_odd_variants(spec))
        for index, values in enumerate([*_variants(dependencies), *odd]):
            for wildcard in (fill, 10**30, None):
                body = callback_body(key, spec, values, wildcard, trigger=index)
                sent += 1
                try:  # the test app propagates exceptions: each one would be a 500
                    response = client.post(UPDATE_URL, json=body)
                except Exception as error:  # noqa: BLE001 - every kind counts as a failure
                    failures.append((key, f"{type(error).__name__}: {error}"[:200]))
                    continue
                if response.status_code >= 500:
                    failures.append((key, json.dumps(values, default=str)[:200]))
                elif response.status_code == 400:
                    refused += 1
                    assert response.get_json()["error"], key
    assert not failures, f"{len(failures)} of {sent} fuzzed requests gave 5xx: {failures[:15]}"
    assert refused > 0


def test_a_refused_request_answers_400_and_changes_nothing(app, admin_client):
    factory = app.server.extensions["lcjp"].session_factory
    before = _counts(factory)
    key = next(k for k in server_callbacks(app) if "schedule-status" in k)
    spec = app.callback_map[key]
    # A real click with a meeting date of the wrong type and a title far too long.
    body = callback_body(key, spec, [1, "lcjp-board", {"a": 1}, "t" * 100_000, 0], None)
    response = admin_client.post(UPDATE_URL, json=body)
    assert response.status_code == 400
    assert "schedule-date" in response.get_json()["error"]
    assert _counts(factory) == before


def test_a_job_id_too_big_for_the_column_is_refused(app, admin_client):
    key = next(
        k for k, spec in server_callbacks(app).items() if spec["callback"].__name__ == "poll"
    )
    spec = app.callback_map[key]
    names = [d["id"] for d in list(spec["inputs"]) + list(spec["state"])]
    values = [{"job": 10**30} if name == "packs-job" else 1 for name in names]
    assert "packs-job" in names
    response = admin_client.post(UPDATE_URL, json=callback_body(key, spec, values, None))
    assert response.status_code == 400
    assert "packs-job.data" in response.get_json()["error"]


def test_the_values_the_app_itself_sends_all_fit(app, admin_client):
    """Every value found in the app's own layouts passes its declared shape (nothing legitimate
    is refused)."""
    layouts = discover_layouts(app, admin_client)
    refused = []
    with app.server.test_request_context("/"):
        for spec in server_callbacks(app).values():
            for dependency in list(spec["inputs"]) + list(spec["state"]):
                found = [
                    (component_id, props.get(dependency["property"]))
                    for component_id, props in _components_matching(layouts, dependency["id"])
                ]
                for component_id, value in found:
                    if value is None and dependency["property"] in LOCATION_PARTS:
                        continue  # the browser fills a location in before any callback runs
                    shape = input_shapes.shape_for(component_id, dependency["property"])
                    reason = shape(value) if shape else "no shape"
                    if reason:
                        refused.append(f"{component_id}.{dependency['property']}: {reason}")
    assert not refused, refused


def _components_matching(layouts, pattern):
    from access_probe import _matches, _parse_id, stringify_id

    wanted = _parse_id(pattern)
    for component_id in layouts.ids:
        if component_id == wanted or (isinstance(wanted, dict) and _matches(wanted, component_id)):
            props = {
                prop: value
                for (found, prop), value in layouts.values.items()
                if found == stringify_id(component_id)
            }
            yield component_id, props
