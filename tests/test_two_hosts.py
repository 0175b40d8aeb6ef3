"""Two hosts on one PostgreSQL and one Redis: `gunicorn app:server` twice, on different ports and
instance folders. The scheduler refreshes; both hosts then serve the new vintage's figures that
the scheduler built, neither building any itself, and a sign-in on one is valid on the other.
PostgreSQL only (two hosts cannot share an SQLite file); skipped without Redis.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from test_startup import gunicorn

from layouts import subgroup as subgroup_layout
from loaders.figure_store import RedisFigureStore, current_vintages_in, vintage_fingerprint
from loaders.users import demo_password

ROOT = Path(__file__).resolve().parents[1]
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
SECRET = "two-hosts-secret-key"
DATASET = "prt_women_imprisonment"  # one small demo dataset keeps the test short
MEASURE = "women_imprisonment_rate"
SUBGROUP = "female-offender"

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="two hosts share a PostgreSQL database (DATABASE_URL=postgresql://…)",
)


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL}")


def _scheduler(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def _vintage(url: str) -> tuple[str, int]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        vintages = current_vintages_in(connection)
    engine.dispose()
    return vintage_fingerprint(vintages), dict(vintages)[DATASET]


def _sign_in(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"username": username, "password": demo_password(username), "csrf": token},
        headers={"Origin": base},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code in {302, 303}, answer.text[:500]
    return browser


def _measure_table(base: str, cookies) -> str:
    """The subgroup page's "Every measure" callback, as the browser posts it."""
    body = {
        "output": f"{subgroup_layout.PAGE_TABLE}.children",
        "outputs": {"id": subgroup_layout.PAGE_TABLE, "property": "children"},
        "inputs": [
            {"id": subgroup_layout.PAGE_STATE, "property": "data", "value": {"subgroup": SUBGROUP}}
        ],
        "changedPropIds": [f"{subgroup_layout.PAGE_STATE}.data"],
    }
    answer = requests.post(
        f"{base}/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": base},
        cookies=cookies,
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def _api(base: str, cookies) -> dict:
    answer = requests.get(f"{base}/api/v1/measures/{MEASURE}", cookies=cookies, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def test_two_hosts_serve_the_schedulers_new_vintage_and_share_sign_ins(databases, tmp_path):
    _redis_or_skip()
    url = databases.new()
    prefix = f"lcjp-two-hosts:{uuid.uuid4().hex[:10]}:"
    store = RedisFigureStore(REDIS_TEST_URL, SECRET, prefix=prefix)
    common = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "REDIS_URL": REDIS_TEST_URL,
        "REDIS_PREFIX": prefix,
        "DEMO_MODE": "1",
        "REFRESH_ON_START": "0",
        "PYTHONPATH": str(ROOT),
    }
    scheduler_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SOURCE_", "SCHEDULE_"))},
        **common,
        "INSTANCE_DIR": str(tmp_path / "scheduler"),
    }
    try:
        with ExitStack() as hosts:
            starting = []
            for name in ("a", "b"):
                (tmp_path / name).mkdir()
                starting.append(gunicorn(url, tmp_path / name, 1, **common))
            # Both hosts start while the scheduler makes the first load (start-up is locked).
            with ThreadPoolExecutor(2) as pool:
                futures = [pool.submit(host.__enter__) for host in starting]
                try:
                    _scheduler(scheduler_env, "--once", "--all", "--dataset", DATASET)
                finally:
                    for host, future in zip(starting, futures, strict=True):
                        if future.exception() is None:
                            hosts.push(host)
            started = [future.result() for future in futures]
            for server, _base, log in started:
                assert server.poll() is None, (log.seek(0), log.read())[1]
            host_a, host_b = (base for _server, base, _log in started)
            first, first_vintage = _vintage(url)
            assert store.count(first) > 0

            signed_in = _sign_in(host_a, "demo-analyst")
            cookies = signed_in.cookies.get_dict()
            assert (
                _api(host_b, cookies)["source"]["vintage_id"] == first_vintage
            )  # A's sign-in, on B

            # The scheduler refreshes again: a new vintage, whose figures it builds.
            log = _scheduler(scheduler_env, "--once", "--all", "--dataset", DATASET, "--force")
            second, second_vintage = _vintage(url)
            assert second != first and second_vintage != first_vintage, log[-2000:]
            assert "figures built for vintage " + second in log

            served = {base: _api(base, cookies) for base in (host_b, host_a)}
            tables = {base: _measure_table(base, cookies) for base in (host_b, host_a)}
            for base in (host_a, host_b):
                assert served[base]["source"]["vintage_id"] == second_vintage, served[base]
                assert "Women" in tables[base] or "women" in tables[base], tables[base][:500]
            # Sign-ins are shared too: signing out on B ends the session on A.
            assert requests.post(
                f"{host_b}/logout", cookies=cookies, headers={"Origin": host_b}, timeout=30
            ).status_code in {200, 302, 303}
            refused = requests.get(
                f"{host_a}/api/v1/measures/{MEASURE}", cookies=cookies, timeout=30
            )
            assert refused.status_code == 401

        builders = store.builds(second)
        assert builders and all(b.startswith("scheduler:") for b in builders), builders
        assert store.count(first) == 0  # the superseded vintage's figures were dropped
    finally:
        store.clear()
