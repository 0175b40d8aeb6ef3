"""Load test: many signed-in users walking board → E&E → court drill-down against gunicorn.

Usage: .venv/bin/python benchmarks/bench_load.py [--users 10,25,50] [--seconds 60] [--demo]
           [--database postgresql://postgres@127.0.0.1:5432/test] [--public DIR]

Starts gunicorn (2 workers × 4 threads, with gunicorn.conf.py) against a throwaway PostgreSQL
database loaded from the real files (or demo data with --demo), with REDIS_URL set for a shared
figure store. Creates the users, signs each in, and for a fixed time has every user replay what a
browser sends for each page: the page, /_dash-layout, /_dash-dependencies, then every callback
the Dash renderer fires for that page, in its order (initial callbacks with the layout's values,
then those chained on their outputs). Prints p50/p95 per page, requests/s and errors for each
number of users. Before the load the scheduler builds every audience cut's figures, as after a
refresh in production. Then the court drill-down callback alone, for one user, against a floor: a
bare Flask endpoint (its own app under gunicorn, on another port) reading the figure-store entries
that callback reads (recorded by running it as that user) from the same Redis, returned as JSON,
with the ratio. Asserts nothing; targets: each page's callbacks p95 ≤ 1 s at 25
users, no errors at 50, drill-down ≤ 2× the floor.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
DEFAULT_PUBLIC = ROOT.parent / "shared" / "data" / "public"
PASSWORD = "load-test-password-1"
PAGES = ("board", "E&E", "court")
WILDCARDS = ("MATCH", "ALL", "ALLSMALLER")
MAX_CALLBACKS = 200  # a page that fires more has a loop the renderer would not follow


# --- A small Dash renderer: which callbacks a browser fires on a page, and with what ------------


def _parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def _key(component_id) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def _is_pattern(component_id) -> bool:
    return isinstance(component_id, dict) and any(
        isinstance(v, list) and v and v[0] in WILDCARDS for v in component_id.values()
    )


def _matches(pattern: dict, concrete) -> bool:
    if not isinstance(concrete, dict) or set(pattern) != set(concrete):
        return False
    return all(
        (isinstance(v, list) and v and v[0] in WILDCARDS) or concrete[k] == v
        for k, v in pattern.items()
    )


def _split_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    found = []
    for part in parts:
        part = part.split("@")[0]  # allow_duplicate outputs carry a hash suffix
        component, _, prop = part.rpartition(".")
        found.append((component, prop))
    return found


class Page:
    """The components on screen (id → props) and the callbacks that fire on them."""

    def __init__(self, dependencies: list[dict]):
        self.callbacks = [d for d in dependencies if not d.get("clientside_function")]
        self.props: dict[str, dict] = {}
        self.ids: dict[str, object] = {}
        self.types: dict[str, str] = {}

    def add(self, tree) -> list[str]:
        """Index every component in a layout tree; returns the keys of components added."""
        added = []
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                props = node.get("props")
                if isinstance(props, dict) and "type" in node:
                    if "id" in props:
                        key = _key(props["id"])
                        self.props[key] = props
                        self.ids[key] = props["id"]
                        self.types[key] = node["type"]
                        added.append(key)
                    stack.extend(props.values())
                else:
                    stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return added

    def value(self, key: str, prop: str):
        return self.props.get(key, {}).get(prop)

    def concrete(self, component: str) -> list:
        """Concrete ids on screen for a dependency id (one, or every match of a pattern)."""
        parsed = _parse_id(component)
        if _is_pattern(parsed):
            return [cid for cid in self.ids.values() if _matches(parsed, cid)]
        return [parsed] if _key(parsed) in self.props else []

    def instances(self, callback: dict) -> list[dict | None]:
        """The MATCH values this callback fires for (one [None] when it has no MATCH)."""
        for dependency in [*callback["inputs"], *callback["state"]]:
            parsed = _parse_id(dependency["id"])
            if isinstance(parsed, dict):
                keys = [k for k, v in parsed.items() if v == ["MATCH"]]
                if keys:
                    return [
                        {k: cid[k] for k in keys}
                        for cid in self.concrete(dependency["id"])
                        if isinstance(cid, dict)
                    ]
        return [None]

    def _entries(self, dependency: dict, match: dict | None, with_value: bool):
        parsed = _parse_id(dependency["id"])
        prop = dependency["property"]
        if not _is_pattern(parsed):
            if _key(parsed) not in self.props:
                return None
            entry = {"id": parsed, "property": prop}
            if with_value:
                entry["value"] = self.value(_key(parsed), prop)
            return entry
        found = [
            cid
            for cid in self.concrete(dependency["id"])
            if match is None or all(cid.get(k) == v for k, v in match.items())
        ]
        entries = []
        for cid in found:
            entry = {"id": cid, "property": prop}
            if with_value:
                entry["value"] = self.value(_key(cid), prop)
            entries.append(entry)
        is_all = any(v in (["ALL"], ["ALLSMALLER"]) for v in parsed.values())
        if is_all:
            return entries
        return entries[0] if entries else None

    def body(self, callback: dict, match: dict | None, changed: list[str]) -> dict | None:
        """What the renderer posts to /_dash-update-component, or None if it cannot fire here."""
        inputs = [self._entries(d, match, True) for d in callback["inputs"]]
        if any(entry is None for entry in inputs):
            return None
        state = [self._entries(d, match, True) for d in callback["state"]]
        outputs = []
        for component, prop in _split_outputs(callback["output"]):
            entry = self._entries({"id": component, "property": prop}, match, False)
            if entry is None:
                return None
            outputs.append(entry)
        many = callback["output"].startswith("..")
        return {
            "output": callback["output"],
            "outputs": outputs if many else outputs[0],
            "inputs": inputs,
            "state": [s for s in state if s is not None],
            "changedPropIds": changed,
        }

    def input_keys(self, callback: dict, match: dict | None) -> set[tuple[str, str]]:
        keys = set()
        for dependency in callback["inputs"]:
            for cid in self.concrete(dependency["id"]):
                if (
                    match is None
                    or not isinstance(cid, dict)
                    or all(cid.get(k) == v for k, v in match.items())
                ):
                    keys.add((_key(cid), dependency["property"]))
        return keys

    def output_keys(self, callback: dict, match: dict | None) -> set[tuple[str, str]]:
        keys = set()
        for component, prop in _split_outputs(callback["output"]):
            for cid in self.concrete(component):
                if (
                    match is None
                    or not isinstance(cid, dict)
                    or all(cid.get(k) == v for k, v in match.items())
                ):
                    keys.add((_key(cid), prop))
        return keys

    def apply(self, response: dict) -> list[str]:
        """Write a callback's answer into the page; returns the keys of components it added."""
        added = []
        for component, props in (response.get("response") or {}).items():
            key = _key(_parse_id(component))
            self.props.setdefault(key, {}).update(props)
            for value in props.values():
                added += self.add(value)
        return added


def replay_page(http: requests.Session, base: str, path: str, record) -> int:
    """Load one page as a browser does; record(kind, seconds, status). Returns callbacks fired."""

    def timed(kind: str, method: str, url: str, **kwargs):
        start = time.perf_counter()
        try:
            response = http.request(method, base + url, timeout=60, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0
        record(kind, time.perf_counter() - start, status)
        return response

    timed("html", "GET", path)
    layout = timed("layout", "GET", "/_dash-layout")
    dependencies = timed("dependencies", "GET", "/_dash-dependencies")
    if layout is None or dependencies is None or layout.status_code != 200:
        return 0
    page = Page(dependencies.json())
    page.add(layout.json())
    pathname, _, search = path.partition("?")
    for key, props in page.props.items():
        if page.types.get(key) == "Location":  # the renderer fills it from the address bar
            props.update(pathname=pathname, search="?" + search if search else "", hash="")
            props["href"] = base + path
    fired: set[tuple[int, str]] = set()
    pending = _initial(page, fired)
    # dcc.Location writes the address into its props as it mounts: a change, so callbacks on it
    # fire even with prevent_initial_call (the pages router among them).
    located = {
        (key, prop)
        for key, kind in page.types.items()
        if kind == "Location"
        for prop in ("pathname", "search", "href", "hash")
    }
    pending += _chained(page, located, pending)
    count = 0
    while pending and count < MAX_CALLBACKS:
        # The renderer holds back a callback while another still to run writes one of its inputs.
        ready = []
        for item in pending:
            inputs = page.input_keys(page.callbacks[item[0]], item[1])
            waits = any(
                other is not item and inputs & page.output_keys(page.callbacks[other[0]], other[1])
                for other in pending
            )
            if not waits:
                ready.append(item)
        ready = ready or pending[:1]
        pending = [item for item in pending if all(item is not r for r in ready)]
        for index, match, changed in ready:
            body = page.body(page.callbacks[index], match, changed)
            if body is None:
                continue
            response = timed("callback", "POST", "/_dash-update-component", json=body)
            count += 1
            if response is None or response.status_code != 200:
                continue
            answer = response.json()
            added = page.apply(answer)
            changed_keys = {
                (_key(_parse_id(c)), p)
                for c, props in (answer.get("response") or {}).items()
                for p in props
            }
            pending += _chained(page, changed_keys, pending, source=(index, match))
            if added:
                pending += _initial(page, fired, set(added))
    return count


def _initial(page: Page, fired: set, only: set[str] | None = None) -> list:
    """Callbacks that fire when components appear: all inputs and outputs on screen, not
    prevent_initial_call, each (callback, MATCH value) once."""
    pending = []
    for index, callback in enumerate(page.callbacks):
        if callback.get("prevent_initial_call"):
            continue
        for match in page.instances(callback):
            marker = (index, json.dumps(match, sort_keys=True))
            if marker in fired:
                continue
            if only is not None and not any(
                key in only for key, _prop in page.input_keys(callback, match)
            ):
                continue
            if page.body(callback, match, []) is None:
                continue
            fired.add(marker)
            pending.append((index, match, []))
    return pending


def _chained(
    page: Page, changed: set[tuple[str, str]], pending: list, source: tuple | None = None
) -> list:
    """Callbacks with an input among the properties a callback just wrote (never the writer
    itself: the renderer does not call a callback again for its own outputs)."""
    chained = []
    queued = {(i, json.dumps(m, sort_keys=True)) for i, m, _c in pending}
    for index, callback in enumerate(page.callbacks):
        for match in page.instances(callback):
            if source is not None and (index, match) == source:
                continue
            hit = page.input_keys(callback, match) & changed
            if not hit or (index, json.dumps(match, sort_keys=True)) in queued:
                continue
            key, prop = sorted(hit)[0]
            chained.append((index, match, [f"{key}.{prop}"]))
    return chained


# --- Setting up: a database, users, gunicorn --------------------------------------------------


def throwaway_database(base: str) -> tuple[str, str]:
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"lcjp_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(base).set(database=name).render_as_string(False), name


def drop_database(base: str, name: str) -> None:
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(env: dict, users: int) -> str:
    """Load the data and create the users (in this process, before gunicorn starts); returns
    the court the drill-down opens."""
    from app import create_app
    from config import Settings
    from loaders import users as user_store

    for name, value in env.items():
        os.environ[name] = value
    os.environ["REFRESH_ON_START"] = "1"
    dash_app = create_app(Settings.from_env())
    services = dash_app.server.extensions["lcjp"]
    factory = services.session_factory
    for number in range(1, users + 1):
        user_store.create_user(factory, f"load-{number:02d}", PASSWORD, role="viewer")
    with factory() as session:
        courts = session.scalars(
            sa.text("SELECT code FROM area WHERE area_type = 'crown_court' ORDER BY code")
        ).all()
    services.engine.dispose()
    court = next((c for c in courts if "TEESSIDE" in c.upper()), courts[0] if courts else "")
    return court


def build_figures(env: dict) -> None:
    """What production runs after each refresh, before anyone signs in: the scheduler works out
    every audience cut's figures into the shared store (same SECRET_KEY and REDIS_URL)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "scheduler", "--build-figures"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"Scheduler built every audience cut's figures in {time.perf_counter() - started:.0f} s")


def start_gunicorn(env: dict, port: int, target: str, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "300",
            "--bind",
            f"127.0.0.1:{port}",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer; see {log}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def sign_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = http.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf": token, "next": "/board"},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"{username} could not sign in: {answer.status_code}")
    return http


# --- The floor: a bare Flask endpoint serving the drill-down's stored entries -------------------


def drill_down_entries(env: dict, username: str, court: str) -> list[tuple[str, str]]:
    """The figure-store entries (vintage, key) the court drill-down callback reads for this
    user, recorded by running it in this process against the same store with the worker's own
    cache empty: what the floor serves."""
    import flask_login

    from app import create_app
    from callbacks import data, rendered
    from config import Settings
    from loaders import users as user_store

    for name, value in env.items():
        os.environ[name] = value
    os.environ["WARM_CACHE_ON_START"] = "0"
    dash_app = create_app(Settings.from_env())
    services = dash_app.server.extensions["lcjp"]
    store = services.figure_store
    seen: list[tuple[str, str]] = []
    read = store.get

    def recording(vintage, key):
        seen.append((vintage, key))
        return read(vintage, key)

    store.get = recording
    with services.session_factory() as session:
        user = user_store.find_user(session, username)
    data._CACHE.clear()
    with dash_app.server.test_request_context("/_dash-update-component", method="POST"):
        flask_login.login_user(user)
        rendered.STORED["court_page"]({"court": court})
    store.get = read
    services.engine.dispose()
    return list(dict.fromkeys(seen))


def floor_app():
    """gunicorn 'benchmarks.bench_load:floor_app()': the entries the drill-down callback reads
    (FLOOR_ENTRIES), read from the same figure store (Redis, signed and pickled) and returned as
    JSON, with nothing else: no session, no rights, no Dash."""
    import flask
    import plotly.io.json as plotly_json

    from config import Settings
    from loaders.db import make_engine
    from loaders.figure_store import MISS, make_store

    settings = Settings.from_env()
    store = make_store(settings, make_engine(settings.database_url))
    entries = [tuple(e) for e in json.loads(os.environ.get("FLOOR_ENTRIES", "[]"))]
    server = flask.Flask("floor")

    @server.get("/stored")
    def stored():
        values = [store.get(vintage, key) for vintage, key in entries]
        if not values or any(v is MISS for v in values):
            return {"error": "an entry the drill-down reads is not stored"}, 500
        return flask.Response(plotly_json.to_json_plotly(values), mimetype="application/json")

    server.add_url_rule("/health", "health", lambda: {"status": "ok"})
    return server


# --- Running it ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_load(base: str, sessions: list[requests.Session], paths: dict, seconds: float) -> None:
    records: list[tuple[str, str, float, int]] = []
    pages_done: list[tuple[str, float]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(http: requests.Session, offset: int):
        order = itertools.islice(itertools.cycle(PAGES), offset, None)
        for page in order:
            if time.monotonic() >= stop_at:
                return
            start = time.perf_counter()

            def record(kind, took, status, page=page):
                with lock:
                    records.append((page, kind, took, status))

            replay_page(http, base, paths[page], record)
            with lock:
                pages_done.append((page, time.perf_counter() - start))

    threads = [
        threading.Thread(target=user, args=(http, n % len(PAGES)), daemon=True)
        for n, http in enumerate(sessions)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    errors = [r for r in records if r[3] not in (200, 204)]
    print(
        f"{len(sessions)} users, {elapsed:.0f} s: {len(records):,} requests, "
        f"{len(records) / elapsed:.1f} requests/s, {len(errors)} errors"
        + (f" (statuses {sorted({r[3] for r in errors})})" if errors else "")
    )
    print(
        f"  {'page':<6} {'loads':>6} {'callbacks':>9} {'cb p50 ms':>10} {'cb p95 ms':>10} "
        f"{'page p50 s':>11} {'page p95 s':>11}"
    )
    by_page = defaultdict(list)
    for page, kind, took, _status in records:
        if kind == "callback":
            by_page[page].append(took)
    for page in PAGES:
        loads = [t for p, t in pages_done if p == page]
        callbacks = by_page[page]
        per_load = len(callbacks) / len(loads) if loads else 0
        print(
            f"  {page:<6} {len(loads):>6} {per_load:>9.0f} "
            f"{percentile(callbacks, 0.5) * 1000:>10.0f} {percentile(callbacks, 0.95) * 1000:>10.0f} "
            f"{percentile(loads, 0.5):>11.2f} {percentile(loads, 0.95):>11.2f}"
        )


def drill_down_against_floor(base: str, floor: str, http, court: str, runs: int) -> None:
    dependencies = http.get(f"{base}/_dash-dependencies", timeout=30).json()
    callback = next(d for d in dependencies if "court-open-graph.figure" in d["output"])
    page = Page(dependencies)
    page.add(http.get(f"{base}/_dash-layout", timeout=30).json())
    body = {
        "output": callback["output"],
        "outputs": [
            {"id": _parse_id(c), "property": p} for c, p in _split_outputs(callback["output"])
        ],
        "inputs": [
            {"id": _parse_id(d["id"]), "property": d["property"], "value": {"court": court}}
            for d in callback["inputs"]
        ],
        "state": [],
        "changedPropIds": [],
    }

    def timed(call) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text[:300]
        return statistics.median(times) * 1000

    http.post(f"{base}/_dash-update-component", json=body, timeout=60)  # build its figures
    floor_session = requests.Session()
    floor_session.get(f"{floor}/stored", timeout=60)
    app_ms = timed(lambda: http.post(f"{base}/_dash-update-component", json=body, timeout=60))
    floor_ms = timed(lambda: floor_session.get(f"{floor}/stored", timeout=60))
    print(f"Court drill-down callback alone, one user, median of {runs} ({court})")
    print(f"  app callback (every chart, table and summary)  {app_ms:8.1f} ms")
    print(f"  bare Flask endpoint (its stored entries)       {floor_ms:8.1f} ms")
    print(f"  ratio                                          {app_ms / floor_ms:8.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", default="10,25,50", help="comma-separated user counts")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--demo", action="store_true", help="demo data, not the real files")
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--floor-port", type=int, default=8072)
    parser.add_argument("--runs", type=int, default=30, help="drill-down vs floor repetitions")
    args = parser.parse_args()
    counts = [int(n) for n in args.users.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="lcjp-load-"))
    database_url, database_name = throwaway_database(args.database)
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_DIR": str(workdir / "instance"),
        "REDIS_URL": args.redis,
        "REFRESH_ON_START": "0",
        "WARM_CACHE_ON_START": "1",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
    }
    if not args.demo:
        env["PUBLIC_DATA_DIR"] = str(args.public)
    print(f"Loading {'demo data' if args.demo else args.public} into {database_name} ...")
    court = prepare(env, max(counts))
    env["REFRESH_ON_START"] = "0"
    build_figures(env)
    app = start_gunicorn(env, args.port, "app:server", workdir / "gunicorn.log")
    floor = None
    base, floor_base = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.floor_port}"
    paths = {
        "board": "/board",
        "E&E": "/effectiveness-efficiency",
        "court": f"/effectiveness-efficiency/court/{court}",
    }
    try:
        sessions = [sign_in(base, f"load-{n:02d}") for n in range(1, max(counts) + 1)]
        counted = defaultdict(list)
        for page in PAGES:  # warm every worker and show what each page fires
            for _ in range(4):
                replay_page(
                    sessions[0],
                    base,
                    paths[page],
                    lambda kind, took, status, page=page: counted[page].append((kind, status)),
                )
        print("gunicorn: 2 workers × 4 threads; each page load fires (warm-up, 4 loads each):")
        for page in PAGES:
            kinds = [k for k, _s in counted[page]]
            bad = [s for _k, s in counted[page] if s not in (200, 204)]
            print(
                f"  {page:<6} {paths[page]:<50} {kinds.count('callback') // 4} callbacks"
                + (f", {len(bad)} errors {sorted(set(bad))}" if bad else "")
            )
        for count in counts:
            run_load(base, sessions[:count], paths, args.seconds)
        entries = drill_down_entries(env, "load-01", court)
        print(f"The drill-down callback reads {len(entries)} stored entries; the floor serves them")
        floor = start_gunicorn(
            {**env, "FLOOR_ENTRIES": json.dumps(entries)},
            args.floor_port,
            "benchmarks.bench_load:floor_app()",
            workdir / "floor.log",
        )
        drill_down_against_floor(base, floor_base, sessions[0], court, args.runs)
    finally:
        stop(app)
        if floor is not None:
            stop(floor)
        drop_database(args.database, database_name)
    print(f"(logs in {workdir})")


if __name__ == "__main__":
    main()
