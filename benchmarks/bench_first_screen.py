"""Time each board page's first screen in headless Chromium, as a board member meets it; prints a
table, asserts nothing.

The app runs as a deployment runs it: gunicorn (2 workers, 4 threads: one per core here) on
generated demo data (DEMO_MODE=1) in a throwaway INSTANCE_DIR, with every audience cut's figures built by
`python -m scheduler --build-figures` first, as after a refresh. The browser signs in as
demo-analyst (sees everything) and opens each page twice: cold (first visit; the browser already
holds the app's JavaScript from signing in, landing on the board packs page) and warm (second
visit, after every page's first).

First screen complete, measured in the page from navigation start (performance.now()): the
page heading is drawn, Dash has no callback queued or running (its store's callback lists,
as dash.testing reads them, are empty), no element is marked loading, and every chart on screen
(each visible dcc.Graph) has been drawn by Plotly — all of it still true 300 ms later. Collapsed
parts are not opened: building them is what the first screen no longer waits for.

Floor, in the same browser and run: the plain sign-in page (a bare Flask page, no Dash), from
navigation start to its load event. Ratio = page ÷ floor (same kind: cold ÷ cold, warm ÷ warm).

Usage: .venv/bin/python benchmarks/bench_first_screen.py [--runs 1] [--budget 2.0]
Needs chromium and chromedriver (/usr/bin). SQLite in the instance folder, or set DATABASE_URL to
a PostgreSQL server (a throwaway database is created there).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from benchmarks.common import fresh_database  # noqa: E402

PAGES = (
    ("LCJP Board overview", "/board"),
    ("Effectiveness & Efficiency", "/effectiveness-efficiency"),
    ("Crown Court (Teesside)", "/effectiveness-efficiency/court/CC-TEESSIDE"),
    ("Victim & Witness", "/victim-witness"),
    ("Reducing Reoffending", "/reducing-reoffending"),
    ("Female Offender", "/female-offender"),
    ("Police demand & outcomes", "/police-demand"),
    ("Force performance", "/force-performance"),
)
USER = ("demo-analyst", "demo-analyst-password")
LANDING = "/packs"

# Resolves with performance.now() at the moment the first screen was complete (and stayed so for
# 300 ms), or with an object naming what was still pending when `limit` ms had passed.
FIRST_SCREEN_JS = """
const done = arguments[arguments.length - 1];
const limit = arguments[0];
function pending() {
    if (!window.store) return "dash not started";
    const heading = document.getElementById("page-heading");
    if (!heading) return "no heading";
    const callbacks = Object.assign({}, window.store.getState().callbacks);
    delete callbacks.stored; delete callbacks.completed;
    const queued = [].concat.apply([], Object.values(callbacks)).length;
    if (queued) return queued + " callbacks";
    if (document.querySelector("[data-dash-is-loading='true']")) return "loading";
    const graphs = Array.from(document.querySelectorAll(".dash-graph"))
        .filter(g => g.offsetParent !== null);
    const undrawn = graphs.filter(g => !g.querySelector(".js-plotly-plot .main-svg")).length;
    if (undrawn) return undrawn + " charts undrawn";
    return "";
}
let since = null;
function poll() {
    const now = performance.now();
    const why = pending();
    if (why) { since = null; }
    else if (since === null) { since = now; }
    else if (now - since >= 300) {
        const charts = Array.from(document.querySelectorAll(".dash-graph .js-plotly-plot"))
            .filter(g => g.offsetParent !== null).length;
        done({ms: since, charts: charts, heading: document.getElementById("page-heading").textContent});
        return;
    }
    if (now > limit) { done({timeout: why || "unsettled"}); return; }
    setTimeout(poll, 20);
}
poll();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far, from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_until_idle(pid: int, quiet: float = 3.0, limit: float = 600) -> float:
    """Wait until the server has used (almost) no CPU for `quiet` seconds: demo data generated,
    migrations run and the workers started. Returns the seconds waited."""
    start = time.monotonic()
    last, still_since = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last > 0.1:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return time.monotonic() - start
    raise SystemExit("the server never went idle")


def start_server(instance: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEMO_MODE": "1",
        "INSTANCE_DIR": str(instance),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("PUBLIC_DATA_DIR", "SECRET_KEY"):
        env.pop(name, None)
    # A throwaway database: SQLite in the instance, or on the PostgreSQL server DATABASE_URL names.
    env["DATABASE_URL"] = fresh_database(instance)
    # First start alone (demo data generated, schema made), as an instance is set up once.
    setup = subprocess.run(
        [sys.executable, "-c", "import app; app.create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if setup.returncode:
        raise SystemExit(f"setting up the demo instance failed:\n{setup.stderr[-2000:]}")
    # Then the scheduler works out every audience cut's figures, as it does after each refresh.
    built = subprocess.run(
        [sys.executable, "-m", "scheduler", "--build-figures"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if built.returncode:
        raise SystemExit(f"building the figures failed:\n{built.stderr[-2000:]}")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not answer /health")


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def load_time(driver, url: str) -> float:
    """Seconds from navigation start to the load event of a plain page."""
    driver.get(url)
    return (
        driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd;"
        )
        / 1000
    )


def sign_in(driver, base: str) -> None:
    """Sign in, landing on a page not timed (board packs), and let it finish: the browser then
    holds the app's JavaScript, and no timed page has been visited."""
    driver.get(f"{base}/login?next={LANDING}")
    driver.find_element(By.ID, "username").send_keys(USER[0])
    driver.find_element(By.ID, "password").send_keys(USER[1])
    driver.find_element(By.ID, "login-submit").click()
    deadline = time.monotonic() + 60
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.1)
    found = driver.execute_async_script(FIRST_SCREEN_JS, 60_000)
    if "timeout" in found:
        raise SystemExit(f"signing in did not reach {LANDING}: {found}")


def first_screen(driver, url: str, limit_s: float) -> dict:
    driver.set_script_timeout(limit_s + 30)
    driver.get(url)
    return driver.execute_async_script(FIRST_SCREEN_JS, limit_s * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=1, help="fresh browsers; warm is their median, cold the first"
    )
    parser.add_argument("--budget", type=float, default=2.0, help="seconds for a first screen")
    parser.add_argument("--limit", type=float, default=120.0, help="give up on a page after")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="lcjp-bench-first-screen-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print("Starting gunicorn -w 2 --threads 4 on demo data (figures built by the scheduler) …")
    server = start_server(instance, port)
    try:
        waited = wait_until_idle(server.pid)
        print(f"  server idle {waited:.0f}s after answering /health")
        results: dict[str, dict[str, list]] = {p: {"cold": [], "warm": []} for _, p in PAGES}
        floors: dict[str, list[float]] = {"cold": [], "warm": []}
        charts: dict[str, int] = {}
        for _run in range(args.runs):
            driver = browser()
            try:
                floors["cold"].append(load_time(driver, f"{base}/login"))
                floors["warm"].append(load_time(driver, f"{base}/login"))
                sign_in(driver, base)
                for kind in ("cold", "warm"):
                    for _name, path in PAGES:
                        found = first_screen(driver, base + path, args.limit)
                        if "timeout" in found:
                            print(f"  {path}: not complete after {args.limit:.0f}s ({found})")
                            results[path][kind].append(float("inf"))
                            continue
                        results[path][kind].append(found["ms"] / 1000)
                        charts[path] = found["charts"]
            finally:
                driver.quit()
        report(results, floors, charts, args.budget)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)


def report(results, floors, charts, budget: float) -> None:
    # Cold is the first run's first visit (later runs meet the server's caches already warm);
    # warm is the median of every second visit.
    floor = {"cold": floors["cold"][0], "warm": statistics.median(floors["warm"])}
    load = os.getloadavg()[0]
    print(
        f"\nFirst screen, headless Chromium, {os.cpu_count()} cores (load average {load:.1f}); "
        f"budget {budget:.1f}s"
    )
    print(
        f"  floor: sign-in page (plain Flask) cold {floor['cold']:.3f}s, warm {floor['warm']:.3f}s"
    )
    print(
        f"  {'page':<28} {'charts':>6} {'cold s':>7} {'× floor':>8} {'warm s':>7} {'× floor':>8}"
        "  result"
    )
    for name, path in PAGES:
        cold = results[path]["cold"][0]
        warm = statistics.median(results[path]["warm"])
        verdict = "PASS" if max(cold, warm) < budget else "FAIL"
        print(
            f"  {name:<28} {charts.get(path, 0):>6} {cold:>7.2f} {cold / floor['cold']:>8.0f} "
            f"{warm:>7.2f} {warm / floor['warm']:>8.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
