"""What leadership compares (issue 16, §2, §4, §6): monthly trends mark the launch, the report date and
configured events; KPI cards compare with the previous period (环比), a year before (同比) and the launch;
choosing other streets drops their communities with a notice."""

import datetime as dt

import pandas as pd

from coopdash.app import charts
from tests.apptest import charts as page_charts
from tests.apptest import open_app
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
    return {m.label: (m.proto.delta, m.proto.delta_description) for m in at.metric}


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
    open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    assert "overview_by_street.xlsx" in captured and "总览.xlsx" not in captured  # its one table, no workbook
