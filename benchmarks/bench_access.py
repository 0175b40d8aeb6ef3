"""What the access checks cost: per request (session, rights) and per figure (rows cut by force).

Usage: .venv/bin/python benchmarks/bench_access.py [--runs 200] [--public DIR]
Prints medians; asserts nothing. Set DATABASE_URL to a PostgreSQL server to measure there.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from benchmarks.common import DEFAULT_PUBLIC, bench_app, median_ms, signed_in  # noqa: E402
from callbacks import data  # noqa: E402
from loaders import users  # noqa: E402
from loaders.datasets import DATASETS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC)
    args = parser.parse_args()
    app, factory = bench_app(args.public, "access")
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
    public_ms, _ = median_ms(lambda: client.get("/health"), args.runs)
    signed_ms, _ = median_ms(lambda: client.get("/_dash-dependencies"), args.runs)
    print(f"  public route (no session check)        {public_ms:8.2f} ms")
    print(f"  signed-in route (session and rights)   {signed_ms:8.2f} ms")

    # The police.uk file treated as force-restricted: a Durham user's rows are cut per request.
    street = DATASETS["police_uk_street"]
    DATASETS["police_uk_street"] = dataclasses.replace(street, classification="force_restricted")
    runs = max(5, args.runs // 10)
    print(f"All forces' street records (police.uk as force-restricted), median of {runs}")
    try:
        for username in ("bench", "bench.force"):
            with signed_in(app, factory, username):
                frame = data.observations("police_street_records", area_type="police_force_area")

                def read():
                    data.observations("police_street_records", area_type="police_force_area")

                ms, _ = median_ms(read, runs)
            print(f"  {username:<14} {len(frame):>7,} rows kept  {ms:8.2f} ms (cached read + cut)")
    finally:
        DATASETS["police_uk_street"] = street


if __name__ == "__main__":
    main()
