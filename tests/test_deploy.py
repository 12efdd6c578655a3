"""The deployment of deploy/ (nginx in front of two replicas, under supervisord) on the fixture dataset,
broken on purpose: a replica killed under an open browser tab, a replica that hangs, nginx restarted
under load, a data publish while twenty sessions load pages. Sessions go through nginx as browser tabs
do (the page's GET first, its cookies kept, then the websocket: tests/streamlit_ws.py) or in Debian's
Chromium. No request may leave the machine.

Skipped, with the reason, where nginx or Chromium is missing (./test.sh installs both).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coopdash import ROOT
from deploy import serve, upstreams
from deploy.serve import Plan, health, pid, running
from ingest.cli import main as ingest_main
from tests.fixture_data import write_fixture
from tests.streamlit_ws import free_port, free_ports, open_view, open_views
from tests.test_browser import CHROMIUM, SHOTS, blank_tab, browser  # noqa: F401 — the browser fixture

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="未找到 nginx（apt-get install nginx）/ no nginx: "
                                                       "deployment tests skipped")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="未找到 Chromium / no Chromium: browser tests skipped")
WINDOW = "from=2023-04-01&to=2024-12-31"
TODAY = "2024-02-15"  # the ledger's "today", as in tests/test_ingest.py
CLEANUP = "清运编号,小区代码,清运日期,垃圾类型,重量（吨）\nL10,P4,2024-01-08,生活垃圾,1.2\n".encode()
STATE = '[data-testid="stApp"][data-test-script-state="notRunning"] h1'


# ---------------------------------------------------------------------------- the configuration
def test_a_replica_that_is_down_gets_no_new_session_and_its_routes_fall_back_to_the_others():
    text = upstreams.render([8601, 8602, 8603], {8601, 8603})
    blocks = {b.split("{")[0].strip(): b for b in text.split("\nupstream ")[1:]}
    assert sorted(blocks) == ["coop_any", "coop_r8601", "coop_r8602", "coop_r8603"]
    lines = {name: [ln.strip() for ln in b.splitlines() if ln.strip().startswith("server")] for name, b in blocks.items()}
    assert lines["coop_any"] == ["server 127.0.0.1:8601 max_fails=1 fail_timeout=2s;",
                                 "server 127.0.0.1:8602 max_fails=1 fail_timeout=2s down;",
                                 "server 127.0.0.1:8603 max_fails=1 fail_timeout=2s;"]
    assert "least_conn;" in blocks["coop_any"]
    # a replica's own route: it first, every other one as a backup (down ones stay down)
    assert lines["coop_r8602"] == ["server 127.0.0.1:8602 max_fails=1 fail_timeout=2s down;",
                                   "server 127.0.0.1:8601 max_fails=1 fail_timeout=2s backup;",
                                   "server 127.0.0.1:8603 max_fails=1 fail_timeout=2s backup;"]
    assert upstreams.routes([8601, 8602]).split("\n") == ['        "8601" coop_r8601;', '        "8602" coop_r8602;']


@needs_nginx
def test_the_rendered_configuration_is_valid_for_nginx_and_drops_a_forged_sso_header(tmp_path):
    plan = Plan(18501, (18601, 18602), tmp_path / "run")
    serve.render(plan)
    conf = (plan.run / "nginx.conf").read_text()
    assert not re.search(r"@[A-Z_]+@", conf)  # every placeholder filled
    assert 'proxy_set_header X-Remote-User "";' in conf and "listen 18501;" in conf
    assert '"18602" coop_r18602;' in conf
    done = subprocess.run([NGINX, "-t", "-p", str(plan.run), "-c", str(plan.run / "nginx.conf")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # supervisord's programs: both replicas, the health check, nginx
    sup = plan.conf.read_text()
    assert [s for s in ("[program:replica-18601]", "[program:replica-18602]", "[program:upstreams]",
                        "[program:nginx]") if s in sup] == ["[program:replica-18601]", "[program:replica-18602]",
                                                           "[program:upstreams]", "[program:nginx]"]


# ---------------------------------------------------------------------------- the running deployment
@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if NGINX is None:
        pytest.skip("未找到 nginx / no nginx")
    root = tmp_path_factory.mktemp("deploy")
    data = write_fixture(root / "ds")
    plan = Plan(free_port(), free_ports(2), root / "run")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with running(plan, env={"COOP_DATA_DIR": str(data), "COOP_STATE_DIR": str(root / "state"), "COOP_AUTH": "none"},
                 log=SHOTS.parent / "deploy-test-serve.log"):
        yield plan, data


def wait_for(condition, timeout: float, what: str, step: float = 0.1):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        value = condition()
        if value:
            return time.monotonic() - t0
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout} s")


def all_up(plan: Plan) -> float:
    return wait_for(lambda: set(health(plan).get("up", ())) == set(plan.replicas), 90, "every replica healthy")


def arun(make):
    """asyncio.run(make()) in a thread of its own: Playwright's sync API keeps an event loop running in
    this one once a browser test has run."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def views(plan: Plan, specs, timeout: float = 120) -> list:
    """The (page, query) views at once, each a new session as a browser tab (GET, cookies, websocket)."""
    return arun(lambda: open_views(plan.port, specs, timeout=timeout, http_first=True))


def view(plan: Plan, page: str, query: str):
    return arun(lambda: open_view(plan.port, page, query, 120, None, True))


def links(n: int) -> list[tuple[str, str]]:
    """n sessions' own links: report pages, windows and street offices that differ."""
    pages = ("", "service_orders", "environment", "organisation")
    ends = ("2023-11-30", "2024-01-31", "2024-06-30", "2024-12-31")
    return [(pages[i % 4], f"from=2023-04-01&to={ends[i // 4 % 4]}" + ("&street=S1", "&street=S2", "")[i % 3])
            for i in range(n)]


@needs_nginx
def test_sessions_spread_over_the_replicas_and_each_sees_its_own_figures(deployment):
    plan, _ = deployment
    specs = links(12)
    alone = [view(plan, page, query) for page, query in specs]
    together = views(plan, specs)
    for i, (want, got) in enumerate(zip(alone, together)):
        assert not isinstance(got, BaseException), (i, got)
        assert got.finished and not got.exceptions and want.finished and not want.exceptions, i
        assert want.metrics and got.metrics == want.metrics, specs[i]
        assert int(got.cookies["coop_route"]) in plan.replicas
    served = {v.cookies["coop_route"] for v in alone + together}
    assert served == {str(p) for p in plan.replicas}  # both replicas took sessions
    # the cookie routes: a request naming a replica is answered by it, an unknown name by a healthy one
    for port in plan.replicas:
        req = urllib.request.Request(f"http://127.0.0.1:{plan.port}/", headers={"Cookie": f"coop_route={port}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert f"coop_route={port};" in r.headers["Set-Cookie"]
            assert r.headers.get("Content-Encoding") is None  # no Accept-Encoding asked
    req = urllib.request.Request(f"http://127.0.0.1:{plan.port}/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Content-Encoding"] == "gzip"


def _metrics(tab) -> list[str]:
    return tab.locator('.coop-kpi-value').all_inner_texts()


def _tab(browser, url: str, route: int | None = None):
    """A tab (its own browser context: its own cookies) on `url`, counting its websockets."""
    context, tab, outside = blank_tab(browser)
    if route:
        context.add_cookies([{"name": "coop_route", "value": str(route), "url": url}])
    sockets: list[str] = []
    tab.on("websocket", lambda ws: sockets.append(ws.url))
    tab.goto(url)
    tab.wait_for_selector(STATE, timeout=60_000)
    tab.wait_for_selector('.coop-kpi-value', timeout=60_000)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(SHOTS / f"deploy-tab-{len(list(SHOTS.glob('deploy-tab-*')))}.png"))
    return context, tab, outside, sockets


def reconnected(tab, sockets: list[str], before: list[str]) -> None:
    """The tab opens a second websocket (the frontend reconnects) and draws the same figures again."""
    t0 = time.monotonic()
    while len(sockets) < 2 and time.monotonic() - t0 < 30:
        tab.wait_for_timeout(100)
    assert len(sockets) >= 2, "the tab did not reconnect"
    tab.wait_for_selector(STATE, timeout=30_000)
    wait_for(lambda: _metrics(tab) == before, 30, "the same figures again")


def _route(context) -> int:
    return int(next(c["value"] for c in context.cookies() if c["name"] == "coop_route"))


@needs_nginx
@needs_chromium
def test_a_replica_killed_under_an_open_tab_the_tab_comes_back_on_another_with_its_filters(deployment, browser):
    plan, _ = deployment
    all_up(plan)
    base = f"http://127.0.0.1:{plan.port}"
    url1 = base + "/service_orders?from=2023-04-01&to=2024-12-31&street=S1"
    url2 = base + "/environment?from=2023-04-01&to=2024-12-31&street=S2"
    ctx1, tab1, outside1, sockets1 = _tab(browser, url1)
    victim = _route(ctx1)
    other = next(p for p in plan.replicas if p != victim)
    ctx2, tab2, outside2, sockets2 = _tab(browser, url2, route=other)
    assert _route(ctx2) == other
    before1, before2 = _metrics(tab1), _metrics(tab2)
    link1 = tab1.url  # the link as the page wrote it back (the window within the data's days)
    assert before1 and before2 and "street=S1" in link1
    old = pid(plan, f"replica-{victim}")
    os.kill(old, signal.SIGKILL)
    t0 = time.monotonic()
    reconnected(tab1, sockets1, before1)  # to the live replica
    back = time.monotonic() - t0
    tab1.screenshot(path=str(SHOTS / "deploy-after-kill.png"))
    print(f"tab back on replica {_route(ctx1)} {back:.1f} s after replica {victim} was killed")
    assert back < 15
    assert tab1.url == link1 and _route(ctx1) == other
    # supervisord starts the killed replica again, and it comes back into the upstreams once warm
    restarted = wait_for(lambda: pid(plan, f"replica-{victim}") not in (0, old) and victim in health(plan).get("up", ()),
                         90, "the killed replica restarted and healthy")
    print(f"replica {victim} restarted and healthy {restarted:.1f} s later")
    # the other tab noticed nothing: one websocket all along, the same figures
    tab2.wait_for_timeout(1000)
    assert len(sockets2) == 1 and _metrics(tab2) == before2
    assert outside1 == outside2 == []
    ctx1.close()
    ctx2.close()


@needs_nginx
def test_a_hung_replica_gets_no_new_session_once_its_health_check_fails(deployment):
    plan, _ = deployment
    all_up(plan)
    victim, other = plan.replicas
    stopped = pid(plan, f"replica-{victim}")
    os.kill(stopped, signal.SIGSTOP)
    try:
        out = wait_for(lambda: victim not in health(plan).get("up", ()), 15, "the hung replica taken out")
        print(f"hung replica out of the upstreams {out:.1f} s after SIGSTOP")
        time.sleep(0.5)  # nginx's reload
        got = views(plan, links(10), timeout=60)
        bad = [v for v in got if isinstance(v, BaseException) or not v.finished or v.exceptions]
        assert bad == []
        assert {v.cookies["coop_route"] for v in got} == {str(other)}
        assert pid(plan, f"replica-{victim}") == stopped  # hung, not dead: supervisord sees it running
    finally:
        os.kill(stopped, signal.SIGCONT)
    all_up(plan)


def views_retrying(plan: Plan, specs, tries: int = 20) -> tuple[list, list[int]]:
    """Each spec's view, opened again (as the browser's frontend reconnects) when its connection broke;
    (the views, how many tries broke for each)."""
    async def one(page, query):
        broke = 0
        for _ in range(tries):
            try:
                got = await open_view(plan.port, page, query, 60, None, True)
                if got.finished:
                    return got, broke
            except Exception:  # noqa: BLE001 — a closed connection or a refused one while nginx restarts
                pass
            broke += 1
            await asyncio.sleep(0.5)
        raise AssertionError(f"{page}?{query} never finished")

    async def every():
        return await asyncio.gather(*(one(p, q) for p, q in specs))

    results = arun(every)
    return [v for v, _ in results], [b for _, b in results]


@needs_nginx
@needs_chromium
def test_nginx_restarted_under_load_clients_reconnect_and_nothing_is_lost(deployment, browser):
    plan, _ = deployment
    all_up(plan)
    specs = links(20)
    reference = [view(plan, p, q).metrics for p, q in specs]
    url = f"http://127.0.0.1:{plan.port}/environment?from=2023-04-01&to=2024-06-30&street=S2"
    ctx, tab, outside, sockets = _tab(browser, url)
    before, route, link = _metrics(tab), _route(ctx), tab.url
    nginx_pid = pid(plan, "nginx")
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(views_retrying, plan, specs * 2)
        time.sleep(0.3)
        assert serve.ctl(plan, "restart", "nginx").returncode == 0
        got, broke = load.result()
    assert pid(plan, "nginx") not in (0, nginx_pid)
    print(f"nginx restarted under load: {sum(b > 0 for b in broke)} of {len(got)} sessions were cut and opened "
          f"again ({max(broke)} tries at most, 0.5 s apart)")
    for i, v in enumerate(got):
        assert not v.exceptions and v.metrics == reference[i % len(specs)], specs[i % len(specs)]
    reconnected(tab, sockets, before)  # to its own replica: same page, same filters, same figures
    assert tab.url == link and _route(ctx) == route and outside == []
    ctx.close()


@needs_nginx
def test_a_publish_while_twenty_sessions_load_pages_through_the_proxy(deployment, tmp_path, monkeypatch):
    """Last: it changes the dataset. Every session finishes without an error and shows the old
    figure or the new one, whole; after the publish every replica shows the new one."""
    plan, data = deployment
    all_up(plan)
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "state"))
    ledger = tmp_path / "清运.csv"
    ledger.write_bytes(CLEANUP)
    window = "from=2024-01-01&to=2024-01-31"

    def rounds(n):
        out = []
        for _ in range(n):
            out += views(plan, [("", window)] * 20)
        return out

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(rounds, 3)
        time.sleep(1.0)
        assert ingest_main([str(ledger), "--dataset", str(data), "--today", TODAY]) == 0
        seen_views = future.result()
    after = views(plan, [("", window)] * 20)
    bad = [v for v in seen_views + after if isinstance(v, BaseException) or not v.finished or v.exceptions]
    assert bad == [], [repr(v) if isinstance(v, BaseException) else (v.exceptions, v.alerts) for v in bad]
    seen = [v.metrics["清运生活垃圾"] for v in seen_views]
    assert set(seen) <= {"0 吨", "1.2 吨"}
    assert {v.metrics["清运生活垃圾"] for v in after} == {"1.2 吨"}
    assert {v.cookies["coop_route"] for v in after} == {str(p) for p in plan.replicas}  # on both replicas
    print(f"during the publish: {seen.count('0 吨')} sessions saw the old figure, {seen.count('1.2 吨')} the new")


def test_signed_in_on_one_replica_is_signed_in_on_every_one(fixture_dir, tmp_path):
    """Two replicas sharing a state folder (as deploy/serve.py runs them): the cookie the sign-in on one
    sets opens the pages on the other, with the account's own scope; signing out on one ends it on both."""
    import urllib.error

    from coopdash.auth.accounts import Accounts
    from tests.streamlit_ws import serve
    from tests.test_browser_auth import PASSWORD, sign_in_http
    state = tmp_path / "state"
    Accounts(state).add("s2", "street", ("S2",), PASSWORD, "test")
    env = {"COOP_STATE_DIR": str(state), "COOP_AUTH": "accounts"}

    def page(port, cookie):  # (status, where it redirects) of a browser's page request, redirects not followed
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        req = urllib.request.Request(f"http://127.0.0.1:{port}/?{WINDOW}",
                                     headers={"Accept": "text/html", "Cookie": f"coop_session={cookie}"})
        try:
            return urllib.request.build_opener(NoRedirect).open(req, timeout=30).status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", "")

    with serve(ROOT / "server.py", fixture_dir, env=env) as a, serve(ROOT / "server.py", fixture_dir, env=env) as b:
        status, cookies = sign_in_http(f"http://127.0.0.1:{a.port}", "s2")
        assert status == 303 and cookies["coop_session"]
        cookie = cookies["coop_session"]
        assert page(b.port, cookie) == (200, "")
        assert page(b.port, "forged")[0] == 303  # to the sign-in page
        on_a, on_b = (arun(lambda s=s: open_view(s.port, "", WINDOW, 60, {"Cookie": f"coop_session={cookie}"}))
                      for s in (a, b))
        assert on_b.finished and not on_b.exceptions and on_b.metrics
        assert on_b.metrics == on_a.metrics  # the same account, the same scope (S2)
        form = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{b.port}/auth/logout",
                                                             headers={"Cookie": f"coop_session={cookie}"}),
                                      timeout=30).read().decode()
        token = re.search(r'name="token" value="([0-9a-f]+)"', form).group(1)  # sign-out is a POST with its token
        out = urllib.request.Request(f"http://127.0.0.1:{b.port}/auth/logout", data=f"token={token}".encode(),
                                     headers={"Cookie": f"coop_session={cookie}"}, method="POST")
        try:
            urllib.request.urlopen(out, timeout=30)
        except urllib.error.HTTPError:
            pass  # a redirect to the sign-in page
        assert page(a.port, cookie)[0] == 303  # signed out everywhere


def test_the_health_check_takes_out_dead_and_hung_replicas_but_never_every_busy_one():
    ok, refused, failed, slow = upstreams.OK, upstreams.REFUSED, upstreams.FAILED, upstreams.TIMED_OUT
    decide = upstreams.decide
    # warming up (503): not up until it says ok
    up, fails = decide(set(), {1: failed, 2: ok}, {})
    assert up == {2}
    up, fails = decide(up, {1: ok, 2: ok}, fails)
    assert up == {1, 2} and fails == {1: 0, 2: 0}
    # dead (refused): out at once
    assert decide({1, 2}, {1: refused, 2: ok}, fails)[0] == {2}
    # hung: out after two time-outs in a row, back with one ok
    up, fails = decide({1, 2}, {1: slow, 2: ok}, {1: 0, 2: 0})
    assert up == {1, 2} and fails[1] == 1
    up, fails = decide(up, {1: slow, 2: ok}, fails)
    assert up == {2} and fails[1] == 2
    assert decide(up, {1: ok, 2: ok}, fails)[0] == {1, 2}
    # every replica slow (a hundred sessions at once on two cores): they stay, busy is not dead
    up, fails = decide({1, 2}, {1: slow, 2: slow}, {1: 1, 2: 1})
    assert up == {1, 2} and fails == {1: 2, 2: 2}
    # … but not one that is dead or answers an error
    assert decide({1, 2}, {1: slow, 2: refused}, {1: 1, 2: 0})[0] == {1}
    assert decide({1, 2}, {1: failed, 2: failed}, {1: 1, 2: 1})[0] == set()


@needs_nginx
def test_the_stop_command_stops_everything_the_start_command_started(tmp_path):
    """`./serve.sh stop` (python -m deploy.serve stop, the same settings): supervisord, the replica, the
    health check and nginx (master and workers) are all gone, and the port is free again."""
    import subprocess
    import sys
    data = write_fixture(tmp_path / "ds")
    plan = Plan(free_port(), free_ports(1), tmp_path / "run")
    env = {"COOP_DATA_DIR": str(data), "COOP_STATE_DIR": str(tmp_path / "state"), "COOP_AUTH": "none"}
    with running(plan, env=env, log=tmp_path / "serve.log"):
        programs = {name: pid(plan, name) for name in (f"replica-{plan.replicas[0]}", "upstreams", "nginx")}
        supervisor = int((plan.run / "supervisord.pid").read_text())
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(programs["nginx"])], capture_output=True,
                                                  text=True).stdout.split()]
        assert all(programs.values()) and workers
        done = subprocess.run([sys.executable, "-m", "deploy.serve", "stop"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PORT": str(plan.port), "COOP_RUN_DIR": str(plan.run)})
        assert done.returncode == 0, done.stderr

        def alive(p: int) -> bool:
            try:
                os.kill(p, 0)
                return Path(f"/proc/{p}").exists() and "zombie" not in Path(f"/proc/{p}/status").read_text().lower()
            except ProcessLookupError:
                return False
        wait_for(lambda: not any(alive(p) for p in [supervisor, *programs.values(), *workers]), 30, "everything stopped")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{plan.port}/_stcore/health", timeout=2)
