"""Sign-in in a real browser (Debian Chromium) and over real websockets: the HttpOnly cookie, reloads
and new tabs, sign-out, the link kept through the sign-in page, projection for a leader, users of two
streets at once on one server, and the proxy mode's header. A server per mode, on the fixture dataset,
with its own state folder. No request may leave the machine."""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

import pytest

from coopdash import ROOT
from coopdash.auth import tokens
from coopdash.auth.accounts import Accounts
from tests.apptest import shown
from tests.streamlit_ws import open_views, serve
from tests.test_browser import CHROMIUM, SHOTS, blank_tab, browser  # noqa: F401 — the browser fixture

PASSWORD = "correct-horse-1"
WINDOW = "from=2023-04-01&to=2023-11-30"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="未找到 Chromium / no Chromium: browser tests skipped")


@contextlib.contextmanager
def auth_server(mode: str, dataset, state):
    """server.py in `mode` on the dataset and state folder: (base URL, port)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(ROOT / "server.py", dataset, timeout=90, env={"COOP_STATE_DIR": str(state), "COOP_AUTH": mode},
               log=SHOTS.parent / f"browser-auth-server-{mode}.log") as server:
        yield f"http://127.0.0.1:{server.port}", server.port


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    folder = tmp_path_factory.mktemp("auth-state")
    store = Accounts(folder)
    for name, role, streets in (("s1", "street", ("S1",)), ("s2", "street", ("S2",)), ("lead", "leader", ()),
                                ("adm", "admin", ())):
        store.add(name, role, streets, PASSWORD, "test")
    return folder


@pytest.fixture(scope="module")
def accounts_server(fixture_dir, state):
    with auth_server("accounts", fixture_dir, state) as server:
        yield server


def sign_in_http(base: str, name: str, password: str = PASSWORD) -> tuple[int, dict[str, str]]:
    """POST the sign-in form as a browser would: (status of the answer, the cookies it set)."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    data = urllib.parse.urlencode({"name": name, "password": password, "next": "/"}).encode()
    try:
        status = opener.open(base + "/auth/login", data=data, timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, {c.name: c.value for c in jar}


def views_at_once(port: int, specs, headers):
    """tests/streamlit_ws.open_views in a thread of its own: Playwright's sync API keeps an event loop
    running in this one."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(open_views(port, specs, headers=headers))).result()


def settle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=90_000)
    page.wait_for_timeout(1000)


def fill_sign_in(page, name: str, password: str) -> None:
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")


@needs_chromium
def test_sign_in_keeps_the_link_sets_an_httponly_cookie_survives_reloads_and_tabs(accounts_server, browser):  # noqa: F811
    base, _ = accounts_server
    context, page, outside = blank_tab(browser)
    try:
        page.goto(f"{base}/service_orders?{WINDOW}")
        page.wait_for_url("**/auth/login?next=**")
        fill_sign_in(page, "s2", "wrong-password")
        page.get_by_text("用户名或密码错误").wait_for()
        page.screenshot(path=str(SHOTS / "sign-in-refused.png"))
        fill_sign_in(page, "s2", PASSWORD)
        page.wait_for_url(f"**/service_orders?{WINDOW}")  # back to the link the user opened
        settle(page)
        page.get_by_text("已登录：s2").wait_for()
        page.screenshot(path=str(SHOTS / "signed-in-street.png"))
        cookie = next(c for c in context.cookies() if c["name"] == "coop_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert page.evaluate("document.cookie").find("coop_session") == -1  # scripts cannot read it
        page.reload()
        settle(page)
        page.get_by_text("已登录：s2").wait_for()  # a reload does not ask again
        other = context.new_page()
        other.goto(f"{base}/?{WINDOW}")
        settle(other)
        other.get_by_text("已登录：s2").wait_for()  # nor does a new tab
        assert "甲街道" not in other.inner_text("body")
        other.close()
        page.get_by_role("button", name="退出登录").click()
        page.get_by_text("您已退出登录").wait_for()
        page.reload()
        page.wait_for_url("**/auth/login?next=**")  # the ended session opens nothing
        assert outside == []
    finally:
        context.close()


@needs_chromium
def test_a_leaders_projection_link_survives_the_sign_in_and_the_carousel_runs(accounts_server, browser):  # noqa: F811
    base, _ = accounts_server
    context, page, outside = blank_tab(browser)
    try:
        page.goto(f"{base}/?{WINDOW}&mode=present&carousel=overview,organisation&every=5")
        page.wait_for_url("**/auth/login?next=**")
        fill_sign_in(page, "lead", PASSWORD)
        page.wait_for_url("**/organisation**", timeout=60_000)  # the carousel moved on, still signed in
        page.locator("h1", has_text="组织建设").wait_for(timeout=30_000)
        assert not page.locator('section[data-testid="stSidebar"]').is_visible()
        page.wait_for_url("**mode=present**")
        assert outside == []
    finally:
        context.close()


def test_the_sign_in_route_refuses_a_wrong_password_and_locks_after_five(accounts_server, state):
    base, _ = accounts_server
    assert sign_in_http(base, "adm", "nope-nope")[0] == 401
    status, cookies = sign_in_http(base, "adm")
    assert status == 303 and "coop_session" in cookies
    for _ in range(5):
        status, cookies = sign_in_http(base, "lockme", "wrong-one")
    assert status == 429 and not cookies  # locked (a name that does not exist locks the same way)
    actions = [r["action"] for r in Accounts(state).audit_rows(user="lockme")]
    assert actions == ["login_locked"] + ["login_failed"] * 5  # newest first: the fifth failure locked it


def test_users_of_two_streets_at_once_get_their_own_figures(accounts_server):
    """10 sessions each of S1 and S2, all at once, each with its own cookie: the overview's resolved
    orders are S1's 3 and S2's 1 (tests/fixture_data.py), never the other's (no cache leak)."""
    base, port = accounts_server
    cookies = {name: sign_in_http(base, name)[1]["coop_session"] for name in ("s1", "s2")}
    names = ["s1", "s2"] * 10
    views = views_at_once(port, [("", WINDOW)] * len(names), [{"Cookie": f"coop_session={cookies[n]}"} for n in names])
    assert all(not isinstance(v, Exception) and v.finished and not v.exceptions for v in views), views
    got = [v.metrics.get("点单服务（已解决）") for v in views]
    assert got == [{"s1": "3 次", "s2": "1 次"}[n] for n in names]


def test_the_proxy_header_is_ignored_unless_proxy_mode_is_on(accounts_server):
    _, port = accounts_server
    view, = views_at_once(port, [("", WINDOW)], [{"X-Remote-User": "adm"}])
    assert not view.metrics and any("请先登录" in shown(a) for a in view.alerts)


def test_proxy_mode_takes_the_user_from_the_trusted_header(fixture_dir, state):
    """The header counts only with the proxy's secret (state/proxy.key, as deploy/nginx.conf sends it)."""
    proof = {"X-Coop-Proxy-Secret": tokens.proxy_secret(state)}
    with auth_server("proxy", fixture_dir, state) as (base, port):
        views = views_at_once(port, [("", WINDOW)] * 3, [{"X-Remote-User": "s2", **proof},
                                                         {"X-Remote-User": "nobody", **proof}, proof])
        s2, nobody, none = views
        assert s2.metrics["点单服务（已解决）"] == "1 次"
        assert not nobody.metrics and any("nobody" in shown(a) for a in nobody.alerts)
        assert not none.metrics and any("X-Remote-User" in shown(a) for a in none.alerts)
        # the header sent straight to the port, as any local process (or anyone, on 0.0.0.0) could:
        # without the secret, or with a wrong one, it is ignored and the request is signed out
        forged = views_at_once(port, [("", WINDOW)] * 3, [{"X-Remote-User": "adm"},
                                                          {"X-Remote-User": "adm", "X-Coop-Proxy-Secret": "0" * 64},
                                                          {"X-Remote-User": "adm", "X-Coop-Proxy-Secret": ""}])
        for view in forged:
            assert view.finished and not view.metrics and any("X-Remote-User" in shown(a) for a in view.alerts), view
        request = urllib.request.Request(base + "/users", headers={"Accept": "text/html", "X-Remote-User": "adm"})
        assert urllib.request.urlopen(request, timeout=10).status == 200  # no sign-in page in this mode
    assert any(r["action"] == "login_proxy" for r in Accounts(state).audit_rows(user="s2"))
    assert not any(r["action"] == "login_proxy" for r in Accounts(state).audit_rows(user="adm"))
