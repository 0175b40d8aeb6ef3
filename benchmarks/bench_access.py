"""What the access checks cost: per request (session, rights) and per figure (rows cut by force).

Usage: .venv/bin/python benchmarks/bench_access.py [--runs 200] [--public DIR]
Prints medians; asserts nothing. Set DATABASE_URL to a PostgreSQL server to measure there.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import flask_login  # noqa: E402
from bench_refresh_and_callbacks import fresh_database  # noqa: E402

from app import create_app  # noqa: E402
from callbacks import data  # noqa: E402
from config import Settings  # noqa: E402
from loaders import users  # noqa: E402
from loaders.datasets import DATASETS  # noqa: E402


def median_ms(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--public", type=Path, default=ROOT.parent / "shared" / "data" / "public")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="lcjp-bench-access-"))
    settings = Settings(
        database_url=fresh_database(workdir),
        secret_key="bench",
        public_data_dir=args.public,
        instance_dir=workdir / "instance",
        testing=True,
    ).resolved()
    app = create_app(settings)
    factory = app.server.extensions["lcjp"].session_factory
    users.create_user(factory, "bench.analyst", "bench-analyst-password", role="analyst")
    users.create_user(
        factory,
        "bench.force",
        "bench-force-password",
        role="member",
        organisation="police-durham",
        subgroups=["police-demand"],
    )

    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"username": "bench.force", "password": "bench-force-password", "csrf": token},
    )
    print(f"Per request, median of {args.runs}")
    public_ms = median_ms(lambda: client.get("/health"), args.runs)
    signed_ms = median_ms(lambda: client.get("/_dash-dependencies"), args.runs)
    print(f"  public route (no session check)        {public_ms:8.2f} ms")
    print(f"  signed-in route (session and rights)   {signed_ms:8.2f} ms")

    # The police.uk file treated as force-restricted: a Durham user's rows are cut per request.
    street = DATASETS["police_uk_street"]
    DATASETS["police_uk_street"] = dataclasses.replace(street, classification="force_restricted")
    runs = max(5, args.runs // 10)
    print(f"All forces' street records (police.uk as force-restricted), median of {runs}")
    try:
        for username in ("bench.analyst", "bench.force"):
            with factory() as session:
                user = users.find_user(session, username)
            with app.server.test_request_context("/_dash-update-component", method="POST"):
                flask_login.login_user(user)
                frame = data.observations("police_street_records", area_type="police_force_area")

                def read():
                    data.observations("police_street_records", area_type="police_force_area")

                ms = median_ms(read, runs)
            print(f"  {username:<14} {len(frame):>7,} rows kept  {ms:8.2f} ms (cached read + cut)")
    finally:
        DATASETS["police_uk_street"] = street


if __name__ == "__main__":
    main()
