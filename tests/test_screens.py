"""The screens leaders use (issue 23), checked without a browser: Streamlit's own English words kept out
of the Chinese UI, and the document's language. The browser tests are tests/test_browser_screens.py."""

from __future__ import annotations

from tests.apptest import open_app


def test_tables_show_a_dash_for_a_missing_value_not_none():
    # the explorer's raw orders: resolved_at is empty for open orders; Streamlit would draw "None"
    at = open_app("pages/explorer.py")
    tables = at.dataframe
    assert tables and all(el.proto.placeholder == "—" for el in tables)
    overview = open_app()  # the overview's tables and its ranking too
    tables = overview.dataframe
    assert len(tables) >= 2 and all(el.proto.placeholder == "—" for el in tables)


def test_multiselects_offer_no_english_select_all():
    at = open_app()
    pickers = at.get("multiselect")
    assert pickers and all(not el.proto.select_all for el in pickers)
    assert all(el.proto.placeholder and "Choose" not in el.proto.placeholder for el in pickers)


def test_html_lang_script_follows_the_language():
    for query, tag in (({}, '"zh-CN"'), ({"lang": "en"}, '"en"')):
        at = open_app(**query)
        scripts = [el.proto.body for el in at.get("html") if "__coopLang" in el.proto.body]
        assert len(scripts) == 1 and f"w.__coopLang = {tag}" in scripts[0]


def test_audit_page_reads_in_the_local_clock_and_in_words(monkeypatch, tmp_path, fixture_dir):
    import datetime as dt
    from dataclasses import replace

    from streamlit.testing.v1 import AppTest

    from coopdash import ROOT
    from coopdash.app import audit_view
    from coopdash.app.state import K_TOKEN
    from coopdash.auth.accounts import Accounts
    from coopdash.data.settings import settings

    monkeypatch.setenv("COOP_AUTH", "accounts")
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    monkeypatch.setattr(audit_view, "settings", lambda: replace(settings(), audit_timezone="Asia/Shanghai"))
    # an evening event in Beijing: 14:05:09.123 UTC yesterday is 22:05:09 the same day in Beijing
    day = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
    when = dt.datetime.combine(day, dt.time(14, 5, 9, 123000), tzinfo=dt.timezone.utc)
    store = Accounts(tmp_path, clock=when.timestamp)
    store.add("adm", "admin", (), "correct-horse-1", "test")
    store.add("s1", "street", ("S1",), "correct-horse-1", "adm")
    store.set_disabled("s1", True, "adm")
    store.audit("adm", "admin", "127.0.0.1", "download", {"table": "overview_by_street", "format": "csv", "rows": 19})
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state[K_TOKEN] = Accounts(tmp_path).login("adm", "correct-horse-1", "127.0.0.1")[1]
    at.switch_page(str(ROOT / "pages" / "users.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    users, trail = (df.value for df in at.dataframe)
    # 状态：正常 / 已停用 (not a ✗ under 已停用, a double negative)
    assert dict(zip(users["name"], users["status"])) == {"adm": "正常", "s1": "已停用"}
    rows = trail[(trail["at"] == f"{day.isoformat()} 22:05:09") & (trail["user"] == "adm")]  # Beijing, to the second
    assert set(rows["action"]) == {"新增用户", "停用用户", "下载"}
    assert set(rows["role"]) == {"数据管理员"}
    details = dict(zip(rows["action"], rows["details"]))
    assert details["下载"] == "表格：overview_by_street；格式：csv；行数：19"
    assert details["停用用户"] == "账号：s1；结束会话数：0"
    assert details["新增用户"] == "账号：s1；角色：街道；街道：甲街道", details
    assert "{" not in "".join(trail["details"])  # no raw JSON
    assert "Asia/Shanghai (UTC+08:00)" in "".join(c.value for c in at.caption)


def test_the_briefings_monthly_charts_label_quarters_or_years_not_every_month():
    import datetime as dt

    from coopdash.briefing.charts import month_ticks
    months = [dt.date(2023 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(40)]  # 2023-04 … 2026-07
    # 40 months: the first month, then each January as its year (four labels, not 40 running together)
    assert month_ticks(months) == ([0, 9, 21, 33], ["2023年4月", "2024年", "2025年", "2026年"])
    # 20 months: the quarters
    assert month_ticks(months[:20])[1] == ["2023年4月", "2023年7月", "2023年10月", "2024年1月", "2024年4月",
                                           "2024年7月", "2024年10月"]
    # up to 12: every month
    assert month_ticks(months[:8]) == (list(range(8)), [f"2023年{m}月" for m in range(4, 12)])
