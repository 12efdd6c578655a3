"""What leadership compares (issue 16, §2, §4, §6): monthly trends mark the launch, the report date and
configured events; KPI cards compare with the previous period (环比), a year before (同比) and the launch
(总览, 点单服务, 环境与修缮, 组织建设; the backlog with the previous period's end), coloured by meaning;
choosing other streets drops their communities with a notice."""

import datetime as dt

import pandas as pd

from coopdash.app import charts
from tests.apptest import charts as page_charts
from tests.apptest import cards, open_app
from tests.conftest import LAUNCH, REPORT

D = dt.date


def months(first: D, n: int) -> pd.DataFrame:
    days = [(pd.Timestamp(first) + pd.DateOffset(months=i)).date() for i in range(n)]
    return pd.DataFrame({"month": pd.Series(days, dtype=object), "v": range(n)})


def test_marks_inside_the_months_shown_are_drawn_and_the_others_left_out():
    fig = charts.bars(months(D(2023, 4, 1), 8), "month", {"v": "v"}, "t", "x", "y")  # April … November
    marks = [(D(2023, 4, 1), "项目启动"), (D(2023, 11, 30), "报道日"), (D(2023, 3, 31), "前一天"),
             (D(2023, 12, 1), "之后"), (D(2023, 7, 15), "活动")]
    layout = charts.monthly_axis(fig, marks).to_dict()["layout"]
    assert [s["x0"] for s in layout["shapes"]] == [D(2023, 4, 1), D(2023, 11, 30), D(2023, 7, 15)]
    assert [a["text"] for a in layout["annotations"]] == ["项目启动", "报道日", "活动"]
    assert all(s["yref"] == "paper" and s["line"]["dash"] == "dot" for s in layout["shapes"])


def test_no_marks_means_no_shapes():
    fig = charts.monthly_axis(charts.bars(months(D(2024, 1, 1), 3), "month", {"v": "v"}, "t", "x", "y"), [])
    assert "shapes" not in fig.to_dict()["layout"]


def test_the_overviews_trends_mark_the_launch_and_the_report_date():
    specs = page_charts(open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    for key in ("orders_by_month", "tonnes_by_month"):
        layout = specs[key]["layout"]
        assert [a["text"] for a in layout["annotations"]] == ["项目启动", "报道日"], key
        assert [str(s["x0"])[:10] for s in layout["shapes"]] == ["2023-04-01", "2023-11-30"], key


def deltas(at) -> dict[str, tuple]:
    return {label: (c.delta, c.note) for label, c in cards(at).items()}


def test_overview_cards_compare_with_the_previous_period_and_a_year_before(fixture_dir, monkeypatch):
    """The report window 2023-04-01 … 11-30 (244 days) on the fixture: the previous period
    2022-07-31 … 2023-03-31 resolved no order (O7 was resolved on 2023-04-02), so 4 resolved now is
    +4; a year before ends in 2022, before the first record (O7, 2023-03-20): "—". Members on the
    launch day: none (K1 was founded on 2023-04-20): +7."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    shown = deltas(open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    assert shown["点单服务（已解决）"] == ("+4", "环比；同比 —")
    assert shown["物业社成员"] == ("+7", "较项目启动时")
    assert shown["试点社区"] == ("", "")


def test_a_window_with_a_year_before_gets_both_comparisons(fixture_dir, monkeypatch):
    """2024-01-01 … 2024-05-31 against 2023-08-02 … 2023-12-31 (previous) and 2023-01-01 … 05-31
    (a year before): the same named queries on those dates give the deltas."""
    from coopdash.data import db
    from coopdash.i18n import fmt
    from tests.conftest import params
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    con = db.open_dataset(fixture_dir)

    def resolved(start, end):
        return int(db.execute(con, "kpi_orders", params(start=start, end=end)).iloc[0]["resolved"])

    now = resolved(D(2024, 1, 1), D(2024, 5, 31))
    previous, year = resolved(D(2023, 8, 2), D(2023, 12, 31)), resolved(D(2023, 1, 1), D(2023, 5, 31))
    shown = deltas(open_app(from_="2024-01-01", to="2024-05-31"))

    def signed(n):
        return ("+" if n > 0 else "") + fmt.number(n)
    assert shown["点单服务（已解决）"] == (signed(now - previous), f"环比；同比 {signed(now - year)}")


def colours(at) -> dict[str, str]:
    """Each card's delta colour as drawn: RED, GREEN or GRAY (no delta, or no change)."""
    return {label: c.colour.upper() for label, c in cards(at).items()}


def test_service_order_cards_compare_flows_with_both_periods_and_colour_time_as_bad(fixture_dir, monkeypatch):
    """2023-06-15 … 2024-04-01 (292 days) against 2022-08-27 … 2023-06-14 (previous) and
    2022-06-15 … 2023-04-01 (a year before; it ends after the first record, O7 on 2023-03-20).
    Resolved: now O2 (07-03), O5 (11-30), O3 (12-01) = 3; previous O7 (2023-04-02), O1 (06-02) = 2;
    a year before none (O7 was resolved the day after it ended) → +1, 同比 +3.
    Hours to resolve: now O5 0.48, O3 38, O2 48 → median 38; previous O1 23, O7 312 → median 167.5:
    −129.5 hours, green (fewer hours is better); the 90th percentile 46 (38 + 0.8·10) against
    283.1 (23 + 0.9·289): −237.1. A year before nothing was resolved: 同比 —.
    Satisfaction: now O2 4, O5 3 (O3 unrated) → 3.5 and 2 rated; previous O1 5 → 5 and 1 rated: −1.5
    (red), +1; a year before none rated: 同比 — and +2.
    Backlog at the window's end (2024-04-02 0:00): O6 (O4 was cancelled) = 1; at the previous
    period's end (2023-06-15 0:00) nothing was open (O1 was resolved on 06-02): +1, red; its age then
    has no value: "较上期末 —"."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app("pages/service_orders.py", from_="2023-06-15", to="2024-04-01")
    shown, colour = deltas(at), colours(at)
    assert shown["解决点单"] == ("+1", "环比；同比 +3") and colour["解决点单"] == "GREEN"
    assert shown["解决用时中位数"] == ("-129.5", "环比；同比 —") and colour["解决用时中位数"] == "GREEN"
    assert shown["九成工单解决用时"] == ("-237.1", "环比；同比 —") and colour["九成工单解决用时"] == "GREEN"
    assert shown["平均满意度评分"] == ("-1.5", "环比；同比 —") and colour["平均满意度评分"] == "RED"
    assert shown["参与评价的工单"] == ("+1", "环比；同比 +2")
    assert shown["评4–5分占比"] == ("-50 个百分点", "环比；同比 —")
    assert shown["未结工单数"] == ("+1", "较上期末") and colour["未结工单数"] == "RED"
    assert shown["未结等待中位数"] == ("", "较上期末 —") and colour["未结等待中位数"] == "GRAY"


def test_the_backlog_compares_with_the_end_of_the_previous_period(fixture_dir, monkeypatch):
    """November 2023 against 2023-10-02 … 10-31. Open at 2023-12-01 0:00: O6 (submitted 10-01 9:00,
    60.625 days) and O3 (submitted 11-29 20:00, resolved 12-01: 1.167 days) = 2, median age 30.896;
    open at 2023-11-01 0:00: O6 alone, 30.625 days. So +1 order, +0.3 days median, +30 days oldest,
    all red (a bigger, older backlog is worse). Resolved: O5 (11-30) against none in October: +1;
    November 2022 ends before the first record: 同比 —. October had no order submitted, so its
    resolution rate has no value: "—" for both."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app("pages/service_orders.py", from_="2023-11-01", to="2023-11-30")
    shown, colour = deltas(at), colours(at)
    assert shown["未结工单数"] == ("+1", "较上期末")
    assert shown["未结等待中位数"] == ("+0.3", "较上期末")
    assert shown["最久未结已等待"] == ("+30", "较上期末")
    assert {colour[k] for k in ("未结工单数", "未结等待中位数", "最久未结已等待")} == {"RED"}
    assert shown["解决点单"] == ("+1", "环比；同比 —")
    assert shown["点单解决率"] == ("", "环比 — ；同比 —") and colour["点单解决率"] == "GRAY"


def test_no_earlier_data_means_no_delta(fixture_dir, monkeypatch):
    """From the first record (O7, 2023-03-20) to 11-30: the previous period ends on 03-19 and the year
    before in 2022, both before the first record: no delta on any flow or backlog card, only "—"."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    shown = deltas(open_app("pages/service_orders.py", from_="2023-03-20", to="2023-11-30"))
    assert shown["解决点单"] == ("", "环比 — ；同比 —")
    assert shown["解决用时中位数"] == ("", "环比 — ；同比 —")
    assert shown["未结工单数"] == ("", "较上期末 —")


def test_environment_cards_compare_tonnes_and_repairs(fixture_dir, monkeypatch):
    """The report window 2023-04-01 … 11-30: household waste L1 1.5 + L3 0.25 = 1.75 t against L5's
    4 t on 2023-03-31 in the previous period: −2.25, red (less cleared); construction L2 2 t against
    none: +2, green; a year before ends in 2022: 同比 —. 2023-07-01 … 2024-05-01 (306 days): household
    L3 0.25 + L4 9 = 9.25 against 2022-08-29 … 2023-06-30 (L5 4 + L1 1.5 = 5.5) and 2022-07-01 …
    2023-05-01 (L5 4): +3.75, 同比 +5.25; roads R1 0.8 + R2 0.45 + R7 5 = 6.25 km against none in
    either: +6.25 both."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app("pages/environment.py", from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    shown, colour = deltas(at), colours(at)
    assert shown["清运生活垃圾"] == ("-2.25", "环比；同比 —") and colour["清运生活垃圾"] == "RED"
    assert shown["清运建筑垃圾"] == ("+2", "环比；同比 —") and colour["清运建筑垃圾"] == "GREEN"
    assert shown["安装楼道灯"] == ("0", "环比；同比 —") and colour["安装楼道灯"] == "GRAY"
    shown = deltas(open_app("pages/environment.py", from_="2023-07-01", to="2024-05-01"))
    assert shown["清运生活垃圾"] == ("+3.75", "环比；同比 +5.25")
    assert shown["修缮小区道路"] == ("+6.25", "环比；同比 +6.25")


def test_organisation_stocks_compare_with_the_launch_and_flows_with_earlier_periods(fixture_dir, monkeypatch):
    """On the launch day (2023-04-01) no cooperative had been founded (K1: 04-20), so no member: the
    report window's 7 members (m1–m4, m6–m8) are +7, its 2 cooperatives +2, and the party share had
    no value then: "—". To 2024-05-01 m5 (joined 2024-01-10) makes 8: +8. Meetings 2023-07-01 …
    2024-05-01: M2 (11-30), M3 (12-01) = 2 against M1 (05-10) in 2022-08-29 … 2023-06-30 and none in
    2022-07-01 … 2023-05-01: +1, 同比 +2; problems 3 + 4 = 7 against 2: +5, +7; committees W1 (2023-09-01),
    W2 (2024-02-01) against none: +2, +2."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    shown = deltas(open_app("pages/organisation.py", from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    assert shown["物业社成员"] == ("+7", "较项目启动时")
    assert shown["共享物业社"] == ("+2", "较项目启动时")
    assert shown["党员占比"] == ("", "较项目启动时 —")
    at = open_app("pages/organisation.py", from_="2023-07-01", to="2024-05-01")
    shown, colour = deltas(at), colours(at)
    assert shown["物业社成员"] == ("+8", "较项目启动时") and colour["物业社成员"] == "GREEN"
    assert shown["协商会议"] == ("+1", "环比；同比 +2")
    assert shown["会议解决问题"] == ("+5", "环比；同比 +7")
    assert shown["新成立业委会"] == ("+2", "环比；同比 +2")


def test_a_street_users_comparisons_are_their_streets_own(fixture_dir, monkeypatch, tmp_path):
    """The earlier periods' queries run on helper threads: they must read the signed-in user's scope,
    not the whole district. 乙街道 (S2: P4, P5), 2023-06-15 … 2024-04-01: resolved O5 = 1 against none
    in either earlier period (O7 and O1 are 甲街道's) → +1, 同比 +1 (the district: −1 were it leaked);
    hours: no order of S2 resolved in the previous period → no delta (leaked: 0.48 − 167.5 = −167);
    household waste in the report window L3 0.25 t against none (L5 is 乙花园, 甲街道's) → +0.25."""
    from streamlit.testing.v1 import AppTest

    from coopdash import ROOT
    from coopdash.app.state import K_TOKEN
    from coopdash.auth.accounts import Accounts
    monkeypatch.setenv("COOP_AUTH", "accounts")
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    accounts = Accounts(tmp_path)
    accounts.add("s2", "street", ("S2",), "correct-horse-1", "test")

    def page(name: str, start: str, end: str) -> dict[str, tuple]:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.session_state[K_TOKEN] = accounts.login("s2", "correct-horse-1", "127.0.0.1")[1]
        at.query_params["from"], at.query_params["to"] = start, end
        at.switch_page(str(ROOT / "pages" / f"{name}.py"))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return deltas(at)
    shown = page("service_orders", "2023-06-15", "2024-04-01")
    assert shown["解决点单"] == ("+1", "环比；同比 +1")
    assert shown["解决用时中位数"] == ("", "环比 — ；同比 —")
    assert page("environment", LAUNCH.isoformat(), REPORT.isoformat())["清运生活垃圾"] == ("+0.25", "环比；同比 —")


def test_a_change_that_rounds_to_nothing_is_no_change():
    from coopdash.app import compare
    assert compare.change(1.004, 1.0) == "0" and compare.change(1.0, 1.004) == "0"
    assert compare.change(3, 1) == "+2" and compare.change(0.5, 0.25, share=True) == "+25 个百分点"
    assert compare.change(None, 1) is None and compare.change(1, float("nan")) is None


def test_choosing_other_streets_drops_their_communities_with_a_notice(fixture_dir, monkeypatch):
    """Cascading filters (issue 16 §6): S1 with its community C1 chosen, then S2 instead: C1 goes, the
    sidebar says so, and the community list holds S2's only."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app(street="S1", community="C1")
    assert at.sidebar.multiselect(key="flt_communities").value == ["C1"]
    at.sidebar.multiselect(key="flt_streets").set_value(["S2"]).run()
    assert at.sidebar.multiselect(key="flt_communities").value == []
    assert at.sidebar.multiselect(key="flt_communities").options == ["三社区"]
    assert any("已移除不属于所选街道的社区：一社区" in w.value for w in at.sidebar.warning)
    assert "community" not in at.query_params


def test_one_workbook_holds_every_table_of_the_page_a_sheet_each(fixture_dir, monkeypatch, captured):
    """§6: the 点单服务 page's tables, each as its own .xlsx and all of them in the page's workbook."""
    import io

    import openpyxl
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    open_app("pages/service_orders.py", from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    own = {name[:-5]: data for name, data in captured.items() if name.endswith(".xlsx") and name != "点单服务.xlsx"}
    assert len(own) >= 2
    book = openpyxl.load_workbook(io.BytesIO(captured["点单服务.xlsx"]))
    assert book.sheetnames == list(own)  # in page order, named as the tables' own files
    for name, data in own.items():
        single = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = [[c.value for c in r] for r in book[name].iter_rows()]
        assert rows == [[c.value for c in r] for r in single.iter_rows()], name


def test_a_page_with_one_table_offers_no_workbook(fixture_dir, monkeypatch, captured):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    open_app("pages/environment.py", from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    assert "env_by_street_table.xlsx" in captured and "环境与修缮.xlsx" not in captured  # its one table, no workbook
