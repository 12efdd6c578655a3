"""Accounts and roles through the app (AppTest): what each role's navigation holds, what a page it may
not open says, what a street user sees on every page (their street's hand-worked figures on the
fixture), crafted links, downloads, the explorer, the console, a disabled user's live session, logout,
the audit trail, and two users of different streets at once (no cache leak).

The session token goes in as the sign-in page's cookie would (the gate reads the cookie, else the
session's token); the browser tests (tests/test_browser_auth.py) cover the cookie itself."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from coopdash import ROOT
from coopdash.app.state import K_STREETS, K_TOKEN
from coopdash.auth.accounts import Accounts
from coopdash.i18n import fmt
from tests.apptest import metrics, shown, texts
from tests.conftest import LAUNCH, REPORT

PASSWORD = "correct-horse-1"
WINDOW = {"from": LAUNCH.isoformat(), "to": REPORT.isoformat()}
USERS = {"lead": ("leader", ()), "s1": ("street", ("S1",)), "s2": ("street", ("S2",)),
         "ana": ("analyst", ()), "adm": ("admin", ())}
REPORTS = {"overview", "compound_map", "service_orders", "environment", "organisation"}
NAVIGATION = {"leader": REPORTS, "street": REPORTS | {"explorer"}, "analyst": REPORTS | {"explorer", "sql_console"},
              "admin": REPORTS | {"explorer", "sql_console", "data_admin", "users"}}
PAGE_FILE = {p: ROOT / "pages" / f"{p}.py" for p in NAVIGATION["admin"]}


@pytest.fixture
def store(monkeypatch, tmp_path, fixture_dir):
    monkeypatch.setenv("COOP_AUTH", "accounts")
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    accounts = Accounts(tmp_path)
    for name, (role, streets) in USERS.items():
        accounts.add(name, role, streets, PASSWORD, "test")
    return accounts


def session(store, name: str, page: str | None = None, token: str | None = None, **query) -> AppTest:
    """A new browser session of `name` (signed in), on `page` with the link's `query`."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state[K_TOKEN] = token or store.login(name, PASSWORD, "127.0.0.1")[1]
    for key, value in {**WINDOW, **query}.items():
        at.query_params[key] = value
    if page in NAVIGATION[USERS[name][0]]:  # the link opens the page itself (its own URL keys kept)
        at.switch_page(str(PAGE_FILE[page]))
    at.run()
    if page and page not in NAVIGATION[USERS[name][0]]:
        go(at, page)
    assert not at.exception, [e.value for e in at.exception]
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Open `page` by its URL path, as a link would (also the stand-ins of refused pages)."""
    hashes = {info.get("url_pathname") or "overview": h for h, info in at._registered_pages.items()}
    at._page_hash = hashes[page]
    return at.run()


def navigation(at: AppTest) -> set[str]:
    """The pages in the navigation: those registered from a page file (refused pages are stand-ins)."""
    return {info.get("url_pathname") or "overview" for info in at._registered_pages.values()
            if info.get("script_path")}


@pytest.mark.parametrize("name", sorted(USERS))
def test_each_role_navigates_its_own_pages_and_is_refused_the_others(store, name):
    role = USERS[name][0]
    at = session(store, name)
    assert navigation(at) == NAVIGATION[role]
    for page in sorted(NAVIGATION["admin"] - NAVIGATION[role]):
        go(at, page)
        assert not at.exception
        assert "不能打开此页面" in texts(at) and "may not open this page" in texts(at), page
        assert not metrics(at)  # nothing of the page ran
    audited = {r["details"]["page"] for r in store.audit_rows(user=name, action="page_refused")}
    assert audited == NAVIGATION["admin"] - NAVIGATION[role]


def test_a_street_user_sees_their_streets_hand_worked_figures(store):
    """乙街道 (S2): C3 only; O5 resolved; K2 with 3 members (1 party member), 5 in work teams; 0.25 t of
    household waste, 0.45 km of road, 0.3 km of pipes (tests/fixture_data.py, tests/test_queries.py)."""
    shown = metrics(session(store, "s2"))
    assert shown["点单服务（已解决）"] == "1 次"
    assert (shown["共享物业社"], shown["物业社成员"], shown["其中党员"], shown["四支工作力量"]) == \
        ("1 个", "3 人", "1 人", "5 人")
    assert shown["清运生活垃圾"] == f"{fmt.number(0.25)} 吨"
    assert shown["修缮小区道路"] == f"{fmt.number(0.45)} 公里"
    assert shown["维修供热、排水管线"] == f"{fmt.number(0.3)} 公里"
    district = metrics(session(store, "lead"))
    assert district["点单服务（已解决）"] == "4 次" and district["共享物业社"] == "2 个"


@pytest.mark.parametrize("page", sorted(REPORTS | {"explorer"}))
def test_every_page_of_a_street_user_shows_only_their_street(store, page):
    at = session(store, "s2", page)
    text = texts(at) + "".join(el.proto.json for el in at.get("deck_gl_json_chart"))  # the map's points too
    assert "甲街道" not in text and "一社区" not in text and "二社区" not in text and "甲小区" not in text
    for frame in [df.value for df in at.dataframe]:
        for column in frame.columns:
            values = {str(v) for v in frame[column].tolist()}
            assert not values & {"甲街道", "S1", "一社区", "二社区", "C1", "C2", "甲小区", "乙花园", "甲路1号楼"}, \
                (page, column)


def test_a_link_to_another_street_shows_a_notice_and_the_users_own(store):
    at = session(store, "s2", street="S1")
    # at the top of the page (not the sidebar's foot), in the session's language only, naming the account's
    # own street by name (not the refused street's code)
    notice = [w.value for w in at.main.warning if "不在本账号的数据范围内" in w.value]
    assert notice == ["链接中的街道或社区不在本账号的数据范围内，已改为本账号的街道：乙街道"]
    assert "outside your account's scope" not in texts(at) and "S1" not in texts(at)
    assert not [w for w in at.sidebar.warning if "数据范围" in w.value]
    assert metrics(at)["点单服务（已解决）"] == "1 次"  # S2's, not S1's 3
    at = session(store, "s2", community="C1")
    assert "不在本账号的数据范围内" in texts(at)
    assert metrics(at)["点单服务（已解决）"] == "1 次"
    at = session(store, "s2", street="S1", lang="en")
    assert [w.value for w in at.main.warning if "scope" in w.value] == [
        "The link's street offices or communities are outside your account's scope: showing your own instead "
        "(乙街道)"]
    assert "不在本账号的数据范围内" not in texts(at)


def test_the_street_filter_of_a_street_user_offers_their_streets_only(store):
    at = session(store, "s2")
    assert at.sidebar.multiselect(key="flt_streets").options == ["乙街道"]
    assert at.sidebar.multiselect(key="flt_communities").options == ["三社区"]


def test_a_street_users_download_holds_their_rows_and_is_audited(store, captured):
    session(store, "s2")
    csv = captured["overview_by_street.csv"].decode("utf-8-sig").splitlines()
    assert len(csv) == 2 and csv[1].startswith("乙街道")
    downloads = store.audit_rows(user="s2", action="download")
    assert {"table": "overview_by_street", "format": "csv", "rows": 1} in [r["details"] for r in downloads]


def test_a_street_users_explorer_grouped_by_street_shows_one_street(store):
    at = session(store, "s2", "explorer", **{"x.src": "orders_detail", "x.group": "street_name",
                                             "x.measure": "count", "x.window": "0"})
    frame = at.dataframe[0].value
    assert frame.iloc[:, 0].tolist() == ["乙街道"]
    rows = store.audit_rows(user="s2", action="explorer_query")
    assert rows and rows[0]["details"]["spec"]["x.group"] == "street_name"


def test_the_console_is_refused_to_leader_and_street_and_runs_for_analysts(store):
    for name in ("lead", "s2"):
        at = session(store, name, "sql_console")
        assert "不能打开此页面" in texts(at) and not at.text_area
    at = session(store, "ana", "sql_console")
    at.text_area(key="sql_text").set_value("SELECT count(*) AS n FROM service_orders").run()
    at.button(key="sql_run").click().run()
    result = next(df.value for df in at.dataframe if list(df.value.columns) == ["n"])
    assert result["n"].tolist() == [7]  # O1 … O7
    row = store.audit_rows(user="ana", action="console_query")[0]
    assert row["details"]["outcome"] == "ok" and row["details"]["rows"] == 1
    assert "service_orders" in row["details"]["sql"]


def test_projection_is_refused_to_a_street_user(store):
    at = session(store, "s2", mode="present", carousel="overview,service_orders")
    assert "不能使用放映模式" in texts(at)
    assert not at.session_state["mode_present"] and not at.session_state["carousel_on"]
    at = session(store, "lead", mode="present", carousel="overview,service_orders")
    assert at.session_state["mode_present"] and at.session_state["carousel_on"]


def test_a_disabled_users_live_session_is_refused_at_the_next_rerun(store):
    at = session(store, "s2")
    assert metrics(at)
    store.set_disabled("s2", True, "adm")
    at.run()
    assert not metrics(at)
    assert "重新登录" in texts(at) and "sign in again" in texts(at)


def test_logout_ends_the_session(store):
    _, token = store.login("s2", PASSWORD)
    at = session(store, "s2", token=token)
    at.sidebar.button(key="auth_logout").click().run()
    assert "您已退出登录" in texts(at) and not metrics(at)
    assert store.session(token) is None
    assert session_refused(store, token)
    assert [r["action"] for r in store.audit_rows(user="s2")][:1] == ["logout"]


def session_refused(store, token) -> bool:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state[K_TOKEN] = token
    at.run()
    return not metrics(at) and "登录" in texts(at)


def test_no_session_means_the_sign_in_link_and_no_data(store):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not metrics(at) and "请先登录" in texts(at) and "Please sign in" in texts(at)
    assert "/auth/login?next=" in texts(at)


def test_accounts_mode_without_any_account_shows_how_to_create_the_first_admin(monkeypatch, tmp_path, fixture_dir):
    monkeypatch.setenv("COOP_AUTH", "accounts")
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not metrics(at)
    assert "python -m coopdash.users add admin --role admin" in [c.value for c in at.code]


def test_the_demo_runs_open_with_a_banner_unless_coop_auth_says_otherwise(monkeypatch):
    monkeypatch.delenv("COOP_AUTH")
    monkeypatch.delenv("COOP_DATA_DIR", raising=False)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert metrics(at) and "未启用登录" in texts(at)


def test_without_sign_in_there_is_no_user_management(monkeypatch, fixture_dir):
    monkeypatch.setenv("COOP_AUTH", "none")
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert navigation(at) == NAVIGATION["admin"] - {"users"}
    go(at, "users")
    assert "不能打开此页面" in texts(at) and not at.text_input


def test_proxy_mode_without_the_header_refuses_and_names_the_header(store, monkeypatch):
    """AppTest cannot send a header: the header itself is exercised over websockets in
    tests/test_browser_auth.py (a known user, an unknown one, none, and the header ignored in accounts mode)."""
    monkeypatch.setenv("COOP_AUTH", "proxy")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not metrics(at) and "X-Remote-User" in texts(at) and "single sign-on" in texts(at)


def test_the_same_page_view_is_audited_once_a_minute(store):
    at = session(store, "lead")
    at.run()
    at.run()
    views = [r for r in store.audit_rows(user="lead", action="page_view") if r["details"]["page"] == "overview"]
    assert len(views) == 1
    assert views[0]["details"]["filters"]["from"] == LAUNCH.isoformat()
    assert views[0]["client"] == "localhost" and views[0]["role"] == "leader"


def test_a_leader_who_looks_at_four_streets_within_a_minute_is_audited_four_times(store):
    """Issue 24: one page_view per distinct page + filters (the district, S1, S2, T1: four views within a
    minute, four rows); the same view again within the minute (a rerun, or back to S1) adds none."""
    at = session(store, "lead")
    for streets in (["S1"], ["S2"], ["T1"]):
        at.multiselect(key=K_STREETS).set_value(streets).run()
        at.run()  # the same view again
    at.multiselect(key=K_STREETS).set_value(["S1"]).run()  # back to a view seen this minute
    views = [r for r in store.audit_rows(user="lead", action="page_view") if r["details"]["page"] == "overview"]
    assert [r["details"]["filters"].get("street") for r in reversed(views)] == [None, ["S1"], ["S2"], ["T1"]]


def test_users_of_different_streets_in_turn_never_get_each_others_cached_figures(store):
    """S1, S2, S1, S2 and the district on the same filters: each run after the first is served from the
    caches, which key on the scope (the websocket test in tests/test_browser_auth.py does it at once)."""
    expected = {"s1": "3 次", "s2": "1 次", "lead": "4 次"}
    for name in ["s1", "s2", "s1", "s2", "lead", "s2"]:
        assert metrics(session(store, name))["点单服务（已解决）"] == expected[name], name


def test_an_admin_adds_disables_and_removes_a_user_in_the_browser_and_it_is_audited(store):
    at = session(store, "adm", "users")
    at.text_input(key="users_new_name").set_value("s3")
    at.selectbox(key="users_new_role").set_value("street")
    at.multiselect(key="users_new_streets").set_value(["S2"])
    at.text_input(key="users_new_password").set_value("another-pass-9")
    at.text_input(key="users_new_again").set_value("another-pass-9")
    at.button(key="users_submit").click().run()
    assert "已创建用户 s3。" in [shown(s.value) for s in at.success]
    new = store.get("s3")
    assert (new.role, new.streets, new.disabled) == ("street", ("S2",), False)
    at.selectbox(key="users_pick").set_value("s3").run()
    at.button(key="users_disable").click().run()
    assert store.get("s3").disabled
    at.checkbox(key="users_remove_confirm").check().run()
    at.button(key="users_remove").click().run()
    assert store.get("s3") is None
    actions = [r["action"] for r in store.audit_rows(user="adm") if r["action"].startswith("user_")]
    assert actions == ["user_removed", "user_disabled", "user_added"]
    trail = next(df.value for df in at.dataframe if "action" in df.value.columns)
    assert {"新增用户", "停用用户", "删除用户", "登录成功"} <= set(trail["action"])  # the trail in words


def test_a_refused_change_says_why_and_changes_nothing(store):
    at = session(store, "adm", "users")
    at.text_input(key="users_new_name").set_value("has space")
    at.selectbox(key="users_new_role").set_value("leader")
    at.text_input(key="users_new_password").set_value("another-pass-9")
    at.text_input(key="users_new_again").set_value("another-pass-9")
    at.button(key="users_submit").click().run()
    assert [e.value for e in at.error] and store.get("has space") is None
    assert len(store.users()) == len(USERS)
