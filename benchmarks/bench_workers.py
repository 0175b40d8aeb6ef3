"""Memory per gunicorn worker after a load of signed-in page callbacks, and a shared-store read
against its floor; prints figures, asserts nothing.

1. The scheduler loads the files and builds every audience cut's figures (as after a refresh).
2. `gunicorn app:server` (N workers, optionally --preload) serves signed-in sessions of an OPCC
   analyst and a Durham police partner replaying the "Every measure" table and headline tiles of
   every subgroup, the board overview, and every measure's figure (both board periods) from the
   figures API; then each worker's RSS (and PSS, which shares preloaded pages out fairly) is
   read from /proc, with how many figures web workers built (the scheduler should have built
   all of them).
3. In one process: the figures API for one measure with this worker's small cache emptied (a
   read from the shared store, rights checked) against a bare Flask endpoint that reads the same
   stored figure from the same store and returns the same JSON (the floor).

Usage: .venv/bin/python benchmarks/bench_workers.py [--workers 2] [--rounds 3] [--preload]
       [--runs 30] [--public DIR | --demo]
Set DATABASE_URL (PostgreSQL) and REDIS_URL (redis://…/15) to measure with them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask  # noqa: E402
import requests  # noqa: E402

from benchmarks.common import DEFAULT_PUBLIC, fresh_database, median_ms  # noqa: E402
from config import Settings  # noqa: E402
from layouts import subgroup as subgroup_layout  # noqa: E402
from loaders import users  # noqa: E402
from loaders.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from loaders.figure_store import MISS, current_vintages_in, vintage_fingerprint  # noqa: E402
from loaders.measures import MEASURES, SUBGROUPS  # noqa: E402
from loaders.organisations import sync_organisations  # noqa: E402
from loaders.refresh import sync_registry  # noqa: E402

SECRET = "bench-workers-secret"
PEOPLE = {
    "bench-analyst": dict(role="analyst", organisation="opcc", subgroups=()),
    "bench-partner": dict(
        role="member", organisation="police-durham", subgroups=("police-demand", "force")
    ),
}
PASSWORD = "bench-workers-password-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB."""
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in {"Rss", "Pss"}:
            value = int(rest.split()[0]) / 1024
            rss, pss = (value, pss) if name == "Rss" else (rss, value)
    return rss, pss


def _sign_in(base: str, username: str) -> dict:
    browser = requests.Session()
    token = re.search(
        r'name="csrf" value="([^"]+)"', browser.get(f"{base}/login", timeout=60).text
    ).group(1)
    browser.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf": token},
        headers={"Origin": base},
        allow_redirects=False,
        timeout=60,
    )
    return browser.cookies.get_dict()


def _callback(base: str, cookies: dict, output: str, state_id: str, value: dict) -> float:
    body = {
        "output": f"{output}.children",
        "outputs": {"id": output, "property": "children"},
        "inputs": [{"id": state_id, "property": "data", "value": value}],
        "changedPropIds": [f"{state_id}.data"],
    }
    start = time.perf_counter()
    answer = requests.post(
        f"{base}/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": base},
        cookies=cookies,
        timeout=300,
    )
    answer.raise_for_status()
    return time.perf_counter() - start


def _session_load(base: str, cookies: dict) -> list[float]:
    """Every page callback and figure a board member's visit asks for, once."""
    times = [
        _callback(
            base, cookies, subgroup_layout.OVERVIEW_CONTENT, subgroup_layout.OVERVIEW_STATE, {}
        )
    ]
    for subgroup_id in SUBGROUPS:
        for output in (subgroup_layout.PAGE_TABLE, subgroup_layout.PAGE_TILES):
            times.append(
                _callback(
                    base, cookies, output, subgroup_layout.PAGE_STATE, {"subgroup": subgroup_id}
                )
            )
    for measure_id in MEASURES:
        for period in ("monthly", "quarterly"):
            start = time.perf_counter()
            requests.get(
                f"{base}/api/v1/measures/{measure_id}?period={period}", cookies=cookies, timeout=300
            )
            times.append(time.perf_counter() - start)
    return times


def _prepare(args, workdir: Path) -> tuple[str, dict]:
    url = fresh_database(workdir)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_DIR": str(workdir / "instance"),
        "REFRESH_ON_START": "0",
        "PYTHONPATH": str(ROOT),
    }
    if args.demo:
        env["DEMO_MODE"] = "1"
        env.pop("PUBLIC_DATA_DIR", None)
    else:
        env["PUBLIC_DATA_DIR"] = str(args.public)
    if os.environ.get("REDIS_URL"):
        env["REDIS_PREFIX"] = f"lcjp-bench:{uuid.uuid4().hex[:8]}:"
    engine = make_engine(url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    sync_registry(factory, Settings().lcjp)
    sync_organisations(factory, Settings().lcjp)
    for username, rights in PEOPLE.items():
        users.create_user(factory, username, PASSWORD, **rights)
    engine.dispose()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "--once", "--all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    built = [line for line in done.stderr.splitlines() if "figures built" in line]
    print(f"Scheduler: load and build {time.perf_counter() - start:.0f}s (exit {done.returncode})")
    print("  " + (built[-1].split(": ", 1)[-1] if built else done.stderr[-1500:]))
    return url, env


def _store_for(env: dict, url: str):
    from loaders.figure_store import make_store

    settings = Settings(
        database_url=url,
        secret_key=SECRET,
        instance_dir=Path(env["INSTANCE_DIR"]),
        redis_url=env.get("REDIS_URL", ""),
        redis_prefix=env.get("REDIS_PREFIX", ""),
        testing=True,
    ).resolved()
    return settings, make_store(settings, make_engine(settings.database_url))


def _served(args, url: str, env: dict) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(args.workers)]
    command += ["-b", f"127.0.0.1:{port}", "--timeout", "600"]
    command += (["--preload"] if args.preload else []) + ["app:server"]
    Path(env["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    log = open(Path(env["INSTANCE_DIR"]) / "gunicorn.log", "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(1)
        workers = _children(server.pid)
        before = {pid: _memory_mb(pid) for pid in workers}
        sessions = [_sign_in(base, name) for name in PEOPLE for _ in range(2)]
        times: list[float] = []
        start = time.perf_counter()
        for _round in range(args.rounds):
            with ThreadPoolExecutor(len(sessions)) as pool:
                for found in pool.map(lambda cookies: _session_load(base, cookies), sessions):
                    times.extend(found)
        seconds = time.perf_counter() - start
        after = {pid: _memory_mb(pid) for pid in workers}
        master = _memory_mb(server.pid)
        settings, store = _store_for(env, url)
        engine = make_engine(settings.database_url)
        with engine.connect() as connection:
            vintage = vintage_fingerprint(current_vintages_in(connection))
        builds = store.builds(vintage)
        engine.dispose()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        log.close()
    times.sort()
    print(
        f"gunicorn -w {args.workers}{' --preload' if args.preload else ''}: {len(times):,} "
        f"requests from {len(sessions)} signed-in sessions in {seconds:.0f}s; median "
        f"{statistics.median(times) * 1000:.0f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.0f} ms"
    )
    print(f"  master RSS {master[0]:.0f} MB")
    for pid in workers:
        print(
            f"  worker {pid}: RSS {before[pid][0]:.0f} MB after start, {after[pid][0]:.0f} MB "
            f"after the load (PSS {after[pid][1]:.0f} MB)"
        )
    web = {k: v for k, v in builds.items() if k.startswith("web:")}
    print(
        f"  figures in the store for this vintage: built by the scheduler "
        f"{sum(v for k, v in builds.items() if k.startswith('scheduler:')):,}, by web workers "
        f"{sum(web.values()):,} (asked for first by a page; built once, then shared)"
    )


def _floor(args, url: str, env: dict) -> None:
    from app import create_app

    settings, store = _store_for(env, url)
    app = create_app(settings)
    client = app.server.test_client()
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "bench-analyst", "password": PASSWORD, "csrf": token})
    measure = args.measure
    path = f"/api/v1/measures/{measure}"
    seen: dict = {}
    from callbacks import data

    real_get = app.server.extensions["lcjp"].figure_store.get

    def recording_get(vintage, key):
        value = real_get(vintage, key)
        if type(value).__name__ == "PresentedFigure":
            seen["entry"] = (vintage, key)
        return value

    app.server.extensions["lcjp"].figure_store.get = recording_get
    data._CACHE.clear()
    assert client.get(path).status_code == 200
    app.server.extensions["lcjp"].figure_store.get = real_get
    vintage, key = seen["entry"]  # the key the app made, as every worker makes it

    bare = flask.Flask("floor")

    @bare.route("/figure")
    def figure():
        found = store.get(vintage, key)
        if found is MISS:
            flask.abort(404)
        return flask.jsonify(found.api_dict())

    floor_client = bare.test_client()
    assert floor_client.get("/figure").status_code == 200

    def app_read():
        data._CACHE.clear()  # a worker that has not served this figure yet: a store read
        client.get(path)

    def app_cached():
        client.get(path)

    app_ms, _ = median_ms(app_read, args.runs)
    lru_ms, _ = median_ms(app_cached, args.runs)
    floor_ms, _ = median_ms(lambda: floor_client.get("/figure"), args.runs)
    blob = store._read(vintage, key)
    print(
        f"Figures API for {measure} ({len(blob) / 1024:.0f} kB stored, "
        f"{type(store).__name__}), median of {args.runs}:"
    )
    print(f"  app, read from the shared store  {app_ms:7.1f} ms")
    print(f"  app, from the worker's cache     {lru_ms:7.1f} ms")
    print(f"  bare Flask, same stored figure   {floor_ms:7.1f} ms (floor)")
    print(f"  ratio (store read / floor)       {app_ms / floor_ms:7.2f}")
    if hasattr(store, "clear"):
        store.clear()  # this run's own Redis prefix only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--preload", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--measure", default="police_street_records")
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    parser.add_argument("--demo", action="store_true", help="generated demo data, not real files")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-workers-"))
    url, env = _prepare(args, workdir)
    _served(args, url, env)
    _floor(args, url, env)


if __name__ == "__main__":
    main()
