"""How long the overview takes in a real browser on a warm server (issue 23, item 7).

    .venv/bin/python -m bench.browser_time                       # this checkout, median of 5
    .venv/bin/python -m bench.browser_time --also /work/other    # and another checkout, runs interleaved
    .venv/bin/python -m bench.browser_time --phone              # on a phone (390×844, touch, DPR 3)

One `streamlit run server.py` per checkout on the demo data (sign-in off), opened once to warm its caches;
then, for each round, a fresh Chromium tab (a new context: nothing cached, as a forwarded link opens)
navigates to the overview. In the page an observer notes, on the page's own clock (ms since navigation
started):
- **first KPI**: the first KPI card's value is on screen;
- **charts**: every chart of the page has drawn its plot (Plotly's `.main-svg`);
- **settled**: the page's last change before 1.5 s without any (the script's run over).
Checkouts alternate round by round, so a busy moment of this shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.streamlit_ws import free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

OBSERVE = """
(() => {
  const marks = {last: 0};
  window.__marks = marks;
  const look = () => {
    const now = performance.now();
    marks.last = now;
    if (!marks.kpi && document.querySelector('[data-testid="stMetricValue"], .coop-kpi-value')) marks.kpi = now;
    if (!marks.app && document.querySelector('[data-testid="stApp"]')) marks.app = now;
    if (!marks.sidebar && document.querySelector('[data-testid="stSidebar"] [data-testid="stDateInput"], [data-testid="stSidebar"] input')) marks.sidebar = now;
    if (!marks.h1 && document.querySelector('h1')) marks.h1 = now;
    const plots = document.querySelectorAll('.js-plotly-plot');
    const drawn = document.querySelectorAll('.js-plotly-plot .main-svg');
    if (plots.length) marks.charts = drawn.length >= plots.length ? (marks.charts || now) : undefined;
    marks.plots = plots.length;
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, attributes: true,
                                                characterData: true});
})();
"""


def start(checkout: Path, data: Path, log: Path):
    port = free_port()
    env = {"COOP_DATA_DIR": str(data), "COOP_AUTH": "none", "PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    proc = subprocess.Popen(
        [str(checkout / ".venv" / "bin" / "python"), "-m", "streamlit", "run", str(checkout / "server.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=checkout, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{checkout}: the server did not start; see {log}")


PHONE = {"viewport": {"width": 390, "height": 844}, "screen": {"width": 390, "height": 844},
         "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}  # tests/test_browser_screens


def one_view(browser, url: str, device: dict) -> dict:
    context = browser.new_context(locale="zh-CN", **device)
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url or r.request.url.startswith(
        ("data:", "blob:")) else r.abort())
    page = context.new_page()
    page.add_init_script(OBSERVE)
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=120_000)
    while True:  # quiet for 1.5 s
        page.wait_for_timeout(500)
        marks = page.evaluate("window.__marks")
        if page.evaluate("performance.now()") - marks["last"] > 1500:
            break
    context.close()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="another checkout (with its .venv) measured alongside (may be given more than once)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--phone", action="store_true", help="a phone instead: 390×844, touch, DPR 3, a phone's UA")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    checkouts = [ROOT] + [also.resolve() for also in args.also]
    servers = [start(c, args.data, Path(f"/tmp/browser_time-{i}.log")) for i, c in enumerate(checkouts)]
    device = PHONE if args.phone else {"viewport": {"width": args.width, "height": args.height}}
    results: dict[int, list[dict]] = {i: [] for i in range(len(checkouts))}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for _, url in servers:  # warm each server's caches
                one_view(browser, url, device)
            for r in range(args.rounds):
                for i, (_, url) in enumerate(servers):
                    results[i].append(one_view(browser, url, device))
                    m = results[i][-1]
                    print(f"round {r + 1} {checkouts[i]}: first KPI {m.get('kpi', 0):.0f} ms, charts "
                          f"{m.get('charts', 0):.0f} ms ({m.get('plots')}), settled {m['last']:.0f} ms; app {m.get('app', 0):.0f}, "
                          f"sidebar {m.get('sidebar', 0):.0f}, h1 {m.get('h1', 0):.0f}",
                          file=sys.stderr, flush=True)
            browser.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
    size = "a phone (390×844, touch, DPR 3)" if args.phone else f"{args.width}×{args.height}"
    print(f"\nOverview on {size}, demo data, warm server; median of {args.rounds} (ms since "
          "navigation started)\n")
    print("| checkout | first KPI | all charts drawn | settled |\n|---|---:|---:|---:|")
    for i, c in enumerate(checkouts):
        med = {k: statistics.median(m.get(k) or 0 for m in results[i]) for k in ("kpi", "charts", "last")}
        print(f"| {c} | {med['kpi']:.0f} | {med['charts']:.0f} | {med['last']:.0f} |")


if __name__ == "__main__":
    main()
