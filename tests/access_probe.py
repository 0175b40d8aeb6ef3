"""Build forged and legitimate requests for every callback and route an app registers.

Used by tests/test_access_enumeration.py. Nothing here lists callbacks or routes by name: it reads
`app.callback_map` and the Flask URL map, so callbacks and downloads added later are covered.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import dash
from dash.dependencies import _Wildcard

UPDATE_URL = "/_dash-update-component"
ROUTING_OUTPUT = "_pages_content"
CLICK_PROPS = {"clickData", "hoverData", "selectedData", "relayoutData", "active_cell"}
COUNT_PROPS = {"n_clicks", "n_submit", "n_blur", "n_intervals", "n_clicks_timestamp"}
# Query-string names a download or export route might read a forged value from.
QUERY_NAMES = (
    "dataset",
    "dataset_id",
    "measure",
    "measure_id",
    "subgroup",
    "area",
    "area_code",
    "force",
    "court",
    "id",
)
# Routes no signed-in probe should call: they sign out, serve static files or Dash's own plumbing.
SKIP_ROUTE_PREFIXES = ("/assets/", "/static/", "/_dash-component-suites/", "/_favicon")
SKIP_ROUTES = {"/login", "/logout", UPDATE_URL, "/_reload-hash", "/health", "/", "/<path:path>"}


@dataclass(frozen=True)
class Probe:
    """One request: a callback or route, with one set of (legitimate or forged) inputs."""

    name: str
    method: str
    url: str
    body: dict | None = None
    legit: bool = False

    def send(self, client):
        if self.method == "POST":
            return client.post(self.url, json=self.body)
        return client.get(self.url)


def stringify_id(component_id) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def _parse_id(raw):
    if isinstance(raw, str) and raw.startswith("{"):
        return json.loads(raw)
    if isinstance(raw, dict):
        return {
            k: (json.loads(v.to_json()) if isinstance(v, _Wildcard) else v) for k, v in raw.items()
        }
    return raw


def _is_wildcard(value) -> bool:
    return isinstance(value, list) and value and value[0] in {"MATCH", "ALL", "ALLSMALLER"}


def _has_all(component_id) -> bool:
    return isinstance(component_id, dict) and any(
        _is_wildcard(v) and v[0] in {"ALL", "ALLSMALLER"} for v in component_id.values()
    )


def _concrete(component_id, fill):
    if not isinstance(component_id, dict):
        return component_id
    return {k: (fill if _is_wildcard(v) else v) for k, v in component_id.items()}


def _matches(pattern: dict, concrete) -> bool:
    if not isinstance(concrete, dict) or set(concrete) != set(pattern):
        return False
    return all(_is_wildcard(v) or concrete[k] == v for k, v in pattern.items())


def components(tree):
    """(id, props) of every component with an id in a Dash JSON layout."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            props = tree["props"] or {}
            if "id" in props:
                yield props["id"], props
            for value in props.values():
                yield from components(value)
        else:
            for value in tree.values():
                yield from components(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from components(value)


def hrefs(tree):
    """Every link target in a Dash JSON layout (the navigation's pages, for instance)."""
    if isinstance(tree, dict):
        if isinstance(tree.get("href"), str):
            yield tree["href"]
        for value in tree.values():
            yield from hrefs(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from hrefs(value)


def server_callbacks(app: dash.Dash) -> dict[str, dict]:
    """Every callback the server runs (clientside ones have no server function)."""
    return {key: spec for key, spec in app.callback_map.items() if spec.get("callback")}


def routing_callback(app: dash.Dash) -> str:
    return next(key for key in app.callback_map if ROUTING_OUTPUT in key)


def _outputs(spec: dict, fill):
    outputs = spec["output"]
    many = isinstance(outputs, list | tuple)
    entries = []
    for output in outputs if many else [outputs]:
        component_id = _parse_id(output.component_id)
        entry = {"id": _concrete(component_id, fill), "property": output.component_property}
        entries.append([entry] if _has_all(component_id) else entry)
    return entries if many else entries[0]


def callback_body(key: str, spec: dict, values: list, fill, trigger: int = 0) -> dict:
    """The JSON the Dash renderer would post for this callback with these input and state values."""
    dependencies = list(spec["inputs"]) + list(spec["state"])
    entries = []
    for dependency, value in zip(dependencies, values, strict=True):
        component_id = _parse_id(dependency["id"])
        entry = {
            "id": _concrete(component_id, fill),
            "property": dependency["property"],
            "value": value,
        }
        entries.append([entry] if _has_all(component_id) else entry)
    inputs, state = entries[: len(spec["inputs"])], entries[len(spec["inputs"]) :]
    changed = []
    if inputs:
        first = inputs[trigger % len(inputs)]
        first = first[0] if isinstance(first, list) else first
        changed = [f"{stringify_id(first['id'])}.{first['property']}"]
    return {
        "output": key,
        "outputs": _outputs(spec, fill),
        "inputs": inputs,
        "state": state,
        "changedPropIds": changed,
    }


def forge(value, prop: str, forged):
    """A forged value shaped like the legitimate one, carrying `forged` wherever a code could go."""
    if prop in CLICK_PROPS:
        point = {k: forged for k in ("customdata", "x", "y", "label", "location", "text", "id")}
        return {"points": [point], "row": 0, "column_id": forged}
    if prop in COUNT_PROPS:
        return 1
    if isinstance(value, dict):
        return {k: forged for k in value} or {"value": forged}
    if isinstance(value, list):
        return [forged]
    if isinstance(value, bool | int | float):
        return value
    return forged


class LayoutValues:
    """The ids and property values found in the app's layouts, as an administrator sees them."""

    def __init__(self):
        self.values: dict[tuple[str, str], object] = {}
        self.ids: list = []

    def add_tree(self, tree) -> None:
        for component_id, props in components(tree):
            self.ids.append(component_id)
            for prop, value in props.items():
                self.values.setdefault((stringify_id(component_id), prop), value)

    def legit(self, component_id, prop: str):
        if isinstance(component_id, dict):
            for found in self.ids:
                if _matches(component_id, found):
                    return self.values.get((stringify_id(found), prop))
            return None
        return self.values.get((component_id, prop))

    def legit_fill(self, spec: dict):
        """A real value for wildcard keys, taken from a component that matches the pattern."""
        for dependency in list(spec["inputs"]) + list(spec["state"]):
            pattern = _parse_id(dependency["id"])
            if isinstance(pattern, dict):
                for found in self.ids:
                    if _matches(pattern, found):
                        key = next(k for k, v in pattern.items() if _is_wildcard(v))
                        return found[key]
        return None


def discover_layouts(app: dash.Dash, admin_client) -> LayoutValues:
    """Render the shell and every page as an administrator, through the real endpoints."""
    found = LayoutValues()
    found.add_tree(admin_client.get("/_dash-layout").get_json())
    key = routing_callback(app)
    spec = app.callback_map[key]
    for page in dash.page_registry.values():
        body = callback_body(key, spec, [page["path"], ""], None)
        response = admin_client.post(UPDATE_URL, json=body)
        found.add_tree(response.get_json())
    return found


def _layout_params(page: dict) -> list[str]:
    layout = page.get("layout")
    if not callable(layout):
        return []
    try:
        parameters = inspect.signature(layout).parameters.values()
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in parameters
        if p.kind in {p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY} and not p.name.startswith("_")
    ]


def page_probes(app: dash.Dash, pool: list) -> list[Probe]:
    """Open every registered page through Dash's routing callback, with forged query strings."""
    key = routing_callback(app)
    spec = app.callback_map[key]
    probes = []
    for page in dash.page_registry.values():
        path = page["path"]
        probes.append(
            Probe(
                f"page {path}", "POST", UPDATE_URL, callback_body(key, spec, [path, ""], None), True
            )
        )
        params = _layout_params(page) or list(QUERY_NAMES[:3])
        for forged in pool:
            search = "?" + urlencode({name: forged for name in params})
            body = callback_body(key, spec, [path, search], None)
            probes.append(Probe(f"page {path}{search}", "POST", UPDATE_URL, body))
    return probes


def callback_probes(app: dash.Dash, layouts: LayoutValues, pool: list) -> list[Probe]:
    """Every server callback with its legitimate inputs, then once per forged value (every input
    and state forged at once, pattern-matching ids pointed at the forged value too)."""
    routing = routing_callback(app)
    probes, seen = [], set()
    for key, spec in server_callbacks(app).items():
        if key == routing:
            continue
        dependencies = list(spec["inputs"]) + list(spec["state"])
        legit = [layouts.legit(_parse_id(d["id"]), d["property"]) for d in dependencies]
        variants = [("legit", legit, layouts.legit_fill(spec) or (pool[0] if pool else None))]
        for forged in pool:
            values = [
                forge(value, d["property"], forged)
                for value, d in zip(legit, dependencies, strict=True)
            ]
            variants.append((f"forged {forged!r}", values, forged))
        for index, (label, values, fill) in enumerate(variants):
            body = callback_body(key, spec, values, fill, trigger=index)
            fingerprint = json.dumps(body, sort_keys=True, default=str)
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            probes.append(Probe(f"{key} {label}", "POST", UPDATE_URL, body, label == "legit"))
    return probes


def _fill_rule(rule: str, value: str) -> str:
    """Put `value` in each variable part of a rule; an `any(a, b)` part takes its first choice."""
    rule = re.sub(r"<any\(\s*([^,)\s]+)[^)]*\):[a-z_]+>", r"\1", rule)
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?[a-z_]+>", value, rule)


def route_probes(app: dash.Dash, pool: list) -> list[Probe]:
    """Every other GET route (downloads, exports, JSON endpoints): plain, then with every
    forged value in the path and in the query-string names a route might read."""
    probes = []
    for rule in app.server.url_map.iter_rules():
        path = rule.rule
        if path in SKIP_ROUTES or path.startswith(SKIP_ROUTE_PREFIXES):
            continue
        if "GET" not in rule.methods:
            continue
        probes.append(Probe(f"GET {path}", "GET", _fill_rule(path, "x"), legit=True))
        for forged in pool:
            query = urlencode({name: forged for name in QUERY_NAMES})
            url = f"{_fill_rule(path, str(forged))}?{query}"
            probes.append(Probe(f"GET {url}", "GET", url))
    return probes


def anonymous_requests(app: dash.Dash, page_paths: set[str]) -> list[tuple[str, str, str]]:
    """(method, url, expected) for every route and method: pages redirect to sign-in, public paths
    are open, and everything else must answer 401."""
    public = {"/login", "/logout", "/health"}
    requests = []
    for rule in app.server.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.rule.startswith("/assets/") or rule.rule in public:
                continue
            if rule.rule == "/<path:path>":
                for page in sorted(page_paths):
                    requests.append((method, page, "302" if method == "GET" else "401"))
                requests.append((method, "/not-a-page/download.csv", "401"))
                continue
            url = _fill_rule(rule.rule, "x")
            expected = "302" if (url in page_paths or url == "/") and method == "GET" else "401"
            requests.append((method, url, expected))
    return requests


def set_classification(app, dataset_id: str, classification: str | None) -> str | None:
    """Change a dataset's data-sharing register class in place (through the app's own engine, so
    its workers hear of it) and return the class it had, for the test to put back."""
    from loaders.models import DataSharingEntry

    factory = app.server.extensions["lcjp"].session_factory
    with factory.begin() as session:
        entry = session.get(DataSharingEntry, dataset_id)
        previous, entry.classification = entry.classification, classification
    return previous
