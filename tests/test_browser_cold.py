"""Real-browser tests on a COLD server: a link to any page as the process's very first request, and
two tabs racing on a fresh process. Proof that coopdash/app/multipage.py keeps Streamlit's v1
`pages/` discovery from running a page without dashboard.py (no sidebar, no filters, a KeyError).

Every test starts its own `streamlit run server.py` (the flag in question is process-wide, so only
a fresh process shows the cold path), waits for /_stcore/health without opening a session, and stops
the server when done. Skipped (with the reason) where no Chromium is installed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from coopdash import ROOT
from tests.test_browser import CHROMIUM, SHOTS, blank_tab, browser, free_port  # noqa: F401  (browser: a fixture)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="未找到 Chromium（apt-get install chromium fonts-noto-cjk）/ "
                                                          "no Chromium found: browser tests skipped")
LOGS = ROOT / "artifacts"
WINDOW = "from=2023-04-01&to=2023-11-30"
STREET, STREET_NAME = "220203013", "承德街道"
WINDOW_ZH = "2023年4月1日至2023年11月30日"
# url path → the page's h1
TITLES = {
    "": "总览",
    "compound_map": "小区地图",
    "service_orders": "点单服务",
    "environment": "环境与修缮",
    "organisation": "组织建设",
    "explorer": "数据查询",
    "sql_console": "SQL 查询",
    "data_admin": "数据管理",
}
NOT_FOUND = ("Page not found", "not found", "找不到页面")


@contextlib.contextmanager
def fresh_server(name: str):
    """A new Streamlit process on a free port, healthy but with no session yet; stopped on exit."""
    port = free_port()
    env = {**os.environ, "COOP_DATA_DIR": str(ROOT / "data" / "demo")}
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"browser-cold-server-{name}.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:  # a file, never a pipe nobody drains
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
                                 "--server.port", str(port), "--server.address", "127.0.0.1",
                                 "--server.headless", "true", "--server.fileWatcherType", "none",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 90
            while True:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail("the app did not start: " + log_path.read_text(errors="replace")[-2000:])
                try:  # the health endpoint opens no session: the page link below stays the first one
                    if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def settle(page, title: str) -> None:
    """Wait for the page's own h1 (or an exception box, so a broken run fails fast and says why), then
    for the run to be over. Not `notRunning h1` alone: a rerun can briefly show notRunning before it starts."""
    exception = page.locator('[data-testid="stException"]')
    page.locator("h1", has_text=title).or_(exception).first.wait_for(state="visible", timeout=90_000)
    if exception.count() == 0:
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
        page.wait_for_timeout(1500)


def check_page(page, outside: list[str], title: str, street: str | None, shot: str) -> None:
    """The page is the right one, drawn through dashboard.py: sidebar filters, caption, link kept."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"cold-{shot}.png"))
    exception = page.locator('[data-testid="stException"]')
    assert exception.count() == 0, exception.first.inner_text()
    body = page.locator("body").inner_text()
    for phrase in NOT_FOUND:
        assert phrase not in body, f"{phrase!r} on the page"
    h1 = page.locator("h1").first
    assert title in h1.inner_text(), h1.inner_text()

    # the sidebar dashboard.py draws: the 筛选 heading, both date inputs and the street multiselect
    sidebar = page.locator('section[data-testid="stSidebar"]')
    assert sidebar.is_visible()
    sidebar.get_by_text("筛选", exact=True).first.wait_for(state="visible", timeout=10_000)
    dates = sidebar.locator('[data-testid="stDateInput"]')
    assert dates.count() == 2 and dates.nth(0).is_visible() and dates.nth(1).is_visible()
    streets = sidebar.locator('[data-testid="stMultiSelect"]', has_text="街道（乡镇）").first
    assert streets.is_visible()
    assert (STREET_NAME in streets.inner_text()) == bool(street), streets.inner_text()  # the link's street chosen

    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="统计范围").first
    text = caption.inner_text()
    assert WINDOW_ZH in text, text
    if street:
        assert STREET_NAME in text, text
        assert f"street={street}" in page.url, page.url
    else:
        assert "全部街道" in text and STREET_NAME not in text, text
        assert "street=" not in page.url, page.url
    assert "from=2023-04-01" in page.url and "to=2023-11-30" in page.url, page.url
    assert outside == []  # nothing asked for anything outside the machine


@pytest.mark.parametrize("path", list(TITLES))
def test_a_link_as_a_cold_servers_first_request(browser, path):  # noqa: F811
    with fresh_server(path or "overview") as base:
        context, page, outside = blank_tab(browser)
        try:
            page.goto(f"{base}/{path}?{WINDOW}&street={STREET}")
            settle(page, TITLES[path])
            check_page(page, outside, TITLES[path], STREET, path or "overview")
        finally:
            context.close()


def test_two_tabs_racing_on_a_cold_server(browser):  # noqa: F811
    links = [("service_orders", STREET), ("organisation", None)]
    with fresh_server("race") as base:
        tabs = [blank_tab(browser) for _ in links]
        try:
            for (path, street), (_, page, _) in zip(links, tabs):  # both navigations start together
                url = f"{base}/{path}?{WINDOW}" + (f"&street={street}" if street else "")
                page.evaluate("url => { location.href = url; }", url)
            for (path, _), (_, page, _) in zip(links, tabs):
                page.wait_for_url(f"**/{path}**")
                settle(page, TITLES[path])
            for (path, street), (_, page, outside) in zip(links, tabs):
                check_page(page, outside, TITLES[path], street, f"race-{path}")
        finally:
            for context, _, _ in tabs:
                context.close()
