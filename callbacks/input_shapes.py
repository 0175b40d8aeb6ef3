"""What every callback input may hold, checked once for every request to /_dash-update-component.

A forged request can put any JSON in any input or state: a list where a text box's value belongs,
10**30 as a job id, a megabyte of text, an object nested sixty deep. Rather than every callback
defending itself, each (component id, property) a callback reads has a declared shape here (types,
lengths, ranges), and a Flask hook checks the whole request before Dash runs any callback. A value
that does not fit answers 400 with a JSON reason, and nothing runs, so nothing changes.

Shapes come from the property when it says enough (`n_clicks` is a count, `pathname` a short text,
`contents` an upload) and otherwise from the component's id (a store's keys, a multi-select's list).
`undeclared(app)` names any input a new callback reads that has neither, and the tests fail on it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping

import flask

UPDATE_PATH = "/_dash-update-component"
INT_LIMIT = 2**31 - 1  # the database's integer columns: ids and counters beyond this are forged
NUMBER_LIMIT = 1e15
SHORT = 200  # codes, ids, choices
LINE = 2_000  # one line a person types (a title, an owner, a search)
PROSE = 20_000  # commentary, notes and descriptions
MAX_ITEMS = 500
MAX_ENTRIES = 200  # inputs and states in one request

Shape = Callable[[object], str | None]  # None when the value fits, else what was wrong


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def nothing(value) -> str | None:
    return None if value is None else f"must be empty, not {_kind(value)}"


def text(limit: int = LINE) -> Shape:
    def check(value):
        if not isinstance(value, str):
            return f"must be text, not {_kind(value)}"
        return None if len(value) <= limit else f"is longer than {limit} characters"

    return check


def integer(low: int = 0, high: int = INT_LIMIT) -> Shape:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {_kind(value)}"
        return None if low <= value <= high else f"must be between {low} and {high}"

    return check


def number(limit: float = NUMBER_LIMIT) -> Shape:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, not {_kind(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        return None if abs(value) <= limit else f"must be within ±{limit:g}"

    return check


def boolean(value) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {_kind(value)}"


def any_of(*shapes: Shape) -> Shape:
    def check(value):
        reasons = [shape(value) for shape in shapes]
        return None if any(r is None for r in reasons) else reasons[-1]

    return check


def optional(shape: Shape) -> Shape:
    return any_of(nothing, shape)


def list_of(item: Shape, limit: int = MAX_ITEMS) -> Shape:
    def check(value):
        if not isinstance(value, list):
            return f"must be a list, not {_kind(value)}"
        if len(value) > limit:
            return f"has more than {limit} items"
        for position, entry in enumerate(value):
            reason = item(entry)
            if reason:
                return f"item {position + 1} {reason}"
        return None

    return check


def record(fields: Mapping[str, Shape], *, others: Shape | None = None) -> Shape:
    """An object with these keys (each optional); other keys only if `others` says what they hold."""

    def check(value):
        if not isinstance(value, dict):
            return f"must be an object, not {_kind(value)}"
        if len(value) > MAX_ITEMS:
            return "has too many keys"
        for key, entry in value.items():
            shape = fields.get(key, others)
            if shape is None:
                return f"has an unexpected key {str(key)[:40]!r}"
            if len(key) > SHORT:
                return "has a key that is too long"
            reason = shape(entry)
            if reason:
                return f"key {str(key)[:40]!r} {reason}"
        return None

    return check


def json_value(depth: int = 4, size: int = 64_000) -> Shape:
    """Plain JSON of bounded depth and size, numbers in range (what a graph's point may carry)."""

    def check(value, level=0):
        if level > depth:
            return f"is nested more than {depth} deep"
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return number()(value)
        if isinstance(value, str):
            return text(size)(value)
        items = value.values() if isinstance(value, dict) else value
        if not isinstance(value, dict | list) or len(value) > MAX_ITEMS:
            return "is too large"
        for entry in items:
            reason = check(entry, level + 1)
            if reason:
                return reason
        return None

    return check


SCALAR = any_of(nothing, text(LINE), number(), boolean)
COUNT = optional(integer(0, 10**9))
CHOICE = optional(text(SHORT))
CHOICES = optional(list_of(text(SHORT)))
URL_PART = optional(text(LINE))


def _path(value) -> str | None:
    reason = text(LINE)(value)
    if reason:
        return reason
    return None if value.startswith("/") else "must be a path starting with /"


PATH = _path  # a browser's location always has a path; Dash's router fails without one
COUNTER = optional(integer(0, INT_LIMIT))

CLICK_POINT = record({}, others=json_value(depth=2, size=LINE))
CLICK_DATA = optional(record({"points": list_of(CLICK_POINT, 50)}, others=json_value(2, LINE)))


def upload_contents(value) -> str | None:
    """A data: URL no larger than the upload limit allows (base64 is 4/3 of the bytes)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"must be a file's data, not {_kind(value)}"
    services = flask.current_app.extensions.get("lcjp")
    limit = getattr(getattr(services, "settings", None), "submission_max_bytes", 64 * 2**20)
    if len(value) > limit * 4 // 3 + 4_096:
        return "is larger than the upload limit"
    return None if value.startswith("data:") else "must be a data: URL"


# By property: what the property itself says, whichever component carries it.
PROPERTY_SHAPES: dict[str, Shape] = {
    "n_clicks": COUNT,
    "n_submit": COUNT,
    "n_blur": COUNT,
    "n_intervals": COUNT,
    "pathname": PATH,
    "search": URL_PART,
    "hash": URL_PART,
    "href": URL_PART,
    "clickData": CLICK_DATA,
    "contents": upload_contents,
    "filename": optional(text(255)),
    "last_modified": optional(number()),
}

_state_text = optional(text(SHORT))
# By component id (a pattern-matching id by its "type"): values and stores.
ID_SHAPES: dict[tuple[str, str], Shape] = {
    # Counters and stores that tell a list to reload.
    **{
        (store, "data"): COUNTER
        for store in (
            "actions-raised",
            "actions-updated",
            "admin-users-version",
            "meetings-version",
            "sharing-version",
            "packs-done",
            "submit-done",
            "submit-limit",
        )
    },
    ("packs-job", "data"): optional(record({"job": integer(1, INT_LIMIT)})),
    ("ee-state", "data"): optional(record({"court": _state_text})),
    **{
        (store, "data"): optional(
            record({"force": _state_text, "crime_type": _state_text, "outcome": _state_text})
        )
        for store in ("police-state", "police-outcomes-state")
    },
    ("force-page-state", "data"): optional(record({"view": _state_text})),
    **{
        (store, "data"): optional(record({"subgroup": _state_text, "view": _state_text}))
        for store in ("subgroup-page-state", "subgroup-table-state")
    },
    ("submit-state", "data"): optional(record({"dataset": _state_text})),
    ("overview-state", "data"): optional(record({}, others=optional(text(SHORT)))),
    ("events-admin-state", "data"): optional(record({}, others=optional(text(SHORT)))),
    ("measure-state", "data"): optional(
        record(
            {
                "area": _state_text,
                "period": _state_text,
                "view": _state_text,
                "filters": optional(record({}, others=optional(text(SHORT)))),
            }
        )
    ),
    # Form fields a person types into.
    **{
        (field, "value"): optional(text(LINE))
        for field in (
            "action-owner",
            "action-title",
            "action-due",
            "admin-new-name",
            "admin-new-username",
            "admin-new-password",
            "admin-edit-password",
            "audit-from",
            "audit-to",
            "audit-ip",
            "audit-user",
            "event-form-title",
            "event-form-start",
            "event-form-end",
            "event-form-source",
            "schedule-date",
            "schedule-title",
            "sharing-provider",
            "sharing-reference",
            "sharing-review",
        )
    },
    **{
        (field, "value"): optional(text(PROSE))
        for field in (
            "action-signal",
            "action-note",
            "event-form-description",
            "measure-commentary-text",
        )
    },
    # Choices from a list (single).
    **{
        (field, "value"): CHOICE
        for field in (
            "action-choice",
            "action-measure",
            "action-meeting",
            "action-owner-organisation",
            "action-status",
            "actions-filter",
            "admin-dataset-picker",
            "admin-edit-organisation",
            "admin-edit-role",
            "admin-edit-user",
            "admin-new-organisation",
            "admin-new-role",
            "audit-event",
            "ee-court-picker",
            "event-form-kind",
            "event-form-scope",
            "meetings-report",
            "packs-meeting",
            "packs-report",
            "police-force-picker",
            "police-outcome-picker",
            "schedule-report",
            "sharing-agreement",
            "sharing-classification",
            "sharing-dataset",
            "submit-dataset",
        )
    },
    # The E&E page, court pages and the backlog forecast (callbacks/courts.py).
    ("court-state", "data"): optional(record({"court": _state_text})),
    **{
        (store, "data"): optional(record({}))
        for store in ("court-comparisons-state", "court-forecast-state")
    },
    ("ee-court-block-state", "data"): optional(record({}, others=optional(text(SHORT)))),
    ("ee-national-state", "data"): optional(record({}, others=optional(text(SHORT)))),
    ("ee-more", "active_item"): any_of(CHOICE, CHOICES),
    ("ee-more-built", "data"): CHOICES,
    # Collapsed parts of the grammar pages and the Force page (callbacks/lazy_parts.py).
    ("lazy-parts", "active_item"): any_of(CHOICE, CHOICES),
    ("lazy-built", "data"): CHOICES,
    **{
        (field, "value"): any_of(CHOICE, optional(integer(0, 1_000)))
        for field in ("ee-forecast-horizon", "court-forecast-horizon")
    },
    **{
        (field, "value"): CHOICE
        for field in ("ee-forecast-area", "ee-forecast-target", "court-forecast-target")
    },
    # A meeting's agenda editor (callbacks/meeting_mode.py).
    ("agenda-meeting", "data"): any_of(nothing, integer(1, INT_LIMIT), text(SHORT)),
    ("agenda-add-choice", "value"): CHOICE,
    # Notifications: preferences per kind of alert, and the list's reload counter.
    ("alert-preference", "value"): CHOICE,
    ("alert-preference", "id"): optional(record({"type": _state_text, "kind": _state_text})),
    ("notifications-changed", "data"): COUNTER,
    # Choices from a list (several), and ticks.
    ("admin-edit-subgroups", "value"): CHOICES,
    ("admin-new-subgroups", "value"): CHOICES,
    ("sharing-shared", "value"): CHOICES,
    ("sharing-publish", "value"): optional(boolean),
    ("event-form-exclude", "value"): optional(boolean),
}

UNDECLARED = json_value(depth=4, size=PROSE)
# Any id (string, or each value of a pattern-matching id).
ID_PART = any_of(nothing, text(SHORT), integer(-INT_LIMIT, INT_LIMIT))


def _id_key(component_id) -> str:
    if isinstance(component_id, dict):
        return str(component_id.get("type", ""))
    return str(component_id)


def shape_for(component_id, prop: str) -> Shape | None:
    return ID_SHAPES.get((_id_key(component_id), prop)) or PROPERTY_SHAPES.get(prop)


def _parse_id(raw):
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def undeclared(app) -> list[str]:
    """'id.property' of every input or state a server callback reads that has no declared shape."""
    missing = set()
    for spec in app.callback_map.values():
        if not spec.get("callback"):
            continue
        for dependency in list(spec.get("inputs", [])) + list(spec.get("state", [])):
            component_id = _parse_id(dependency["id"])
            if isinstance(component_id, dict):
                component_id = {k: v for k, v in component_id.items() if not _is_pattern(v)}
            if shape_for(component_id, dependency["property"]) is None:
                missing.add(f"{_id_key(component_id)}.{dependency['property']}")
    return sorted(missing)


def _is_pattern(value) -> bool:
    return not isinstance(value, str | int | float | bool)


def _check_id(component_id) -> str | None:
    if isinstance(component_id, str):
        return text(SHORT)(component_id)
    if isinstance(component_id, dict):
        if len(component_id) > 8:
            return "has too many keys"
        for key, value in component_id.items():
            reason = text(SHORT)(key) or ID_PART(value)
            if reason:
                return reason
        return None
    return f"must be text or an object, not {_kind(component_id)}"


def _check_entry(entry) -> str | None:
    if not isinstance(entry, dict):
        return "each input must be an object"
    component_id, prop = entry.get("id"), entry.get("property")
    reason = _check_id(component_id)
    if reason:
        return f"an input's id {reason}"
    if not isinstance(prop, str) or len(prop) > 60:
        return "an input's property must be a short text"
    # An input with no declared shape (tests/test_input_validation.py fails on any the app's own
    # callbacks read) still gets plain, bounded JSON.
    shape = shape_for(component_id, prop) or UNDECLARED
    name = f"{_id_key(component_id)}.{prop}"
    reason = shape(entry.get("value"))
    return f"{name} {reason}" if reason else None


def check_request(body) -> str | None:
    """Why a /_dash-update-component body is refused, or None when every value fits."""
    if not isinstance(body, dict):
        return "the request must be a JSON object"
    if not isinstance(body.get("output"), str) or len(body["output"]) > 20_000:
        return "the request names no output"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > MAX_ENTRIES:
        return "changedPropIds must be a short list"
    if any(not isinstance(c, str) or len(c) > 1_000 for c in changed):
        return "changedPropIds must hold short texts"
    entries = 0
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if not isinstance(items, list):
            return f"{part} must be a list"
        for item in items:
            group = item if isinstance(item, list) else [item]
            entries += len(group)
            if entries > MAX_ENTRIES * 5:
                return "the request has too many inputs"
            for entry in group:
                reason = _check_entry(entry)
                if reason:
                    return reason
    return None


def register_input_checks(server: flask.Flask) -> None:
    """Check every callback request at the one boundary they all pass, before Dash reads it."""

    @server.before_request
    def check_callback_inputs():
        request = flask.request
        if request.method != "POST" or not request.path.endswith(UPDATE_PATH):
            return None
        body = request.get_json(silent=True)
        reason = check_request(body)
        if reason is None:
            return None
        response = flask.jsonify(error=f"Bad request: {reason}.")
        response.status_code = 400
        return response
