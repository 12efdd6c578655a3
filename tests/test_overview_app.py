"""The 总览 page, run server-side with AppTest on the demo data and on the fixture."""


import pytest

from coopdash.data import db
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from tests.apptest import cards, charts, metrics, open_app, shown, texts, values
from tests.conftest import LAUNCH, REPORT, params

ARTICLE = {  # the article's figures, as the cards must show them for the report window
    "试点社区": "13 个", "共享物业社": "13 个", "“五有”达标": "13 个", "物业社成员": "99 人",
    "其中党员": "77 人", "四支工作力量": "300 人", "协商会议": "20 次", "会议解决问题": "46 个",
    "点单服务（已解决）": "35 次", "清运生活垃圾": "12 吨", "清运建筑垃圾": "7 吨", "更换楼宇门": "15 个",
    "修缮小区道路": "2.3 公里", "维修供热、排水管线": "10.24 公里", "规划停车位": "56 个", "成立业委会": "11 个",
    "小区总数": "161 个", "项目前无专业物业的小区": "34 个", "项目前无专业物业的单体楼": "92 个",
}


def test_report_window_link_shows_every_article_figure():
    shown = metrics(open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    assert {k: shown.get(k) for k in ARTICLE} == ARTICLE
    assert shown["党员占比"] == "77.8%"


def test_report_window_button_sets_the_window_and_the_url():
    at = open_app()
    assert metrics(at)["点单服务（已解决）"] != ARTICLE["点单服务（已解决）"]  # default: the latest month
    at.button(key="flt_report_window").click().run()
    assert {k: metrics(at).get(k) for k in ARTICLE} == ARTICLE
    cfg = settings()  # the button's window: [program] launch to report_date
    assert (at.query_params["from"], at.query_params["to"]) == (cfg.launch.isoformat(), cfg.report_date.isoformat())


def test_default_window_is_the_latest_complete_month_with_the_total_since_the_launch_beside_it(demo_con):
    # issue 23: a link without dates opens on "how did the last month go, and where do we stand since the
    # launch". The demo's last record is on 2026-10-31, so the month is October 2026.
    import datetime as dt
    at = open_app()
    last = db.execute(demo_con, "data_bounds", params()).iloc[0]["last_day"]
    assert last == dt.date(2026, 10, 31)
    assert (at.query_params["from"], at.query_params["to"]) == ("2026-10-01", "2026-10-31")
    month = db.execute(demo_con, "kpi_orders", params(start=dt.date(2026, 10, 1), end=last)).iloc[0]["resolved"]
    before = db.execute(demo_con, "kpi_orders", params(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
                        ).iloc[0]["resolved"]
    total = db.execute(demo_con, "kpi_orders", params(start=settings().launch, end=last)).iloc[0]["resolved"]
    shown = metrics(at)
    assert shown["点单服务（已解决）"] == f"{fmt.number(month)} 次"  # the month's
    assert shown["点单服务（已解决）（累计）"] == f"{fmt.number(total)} 次"  # since the launch, its own row
    assert month != total
    assert cards(at)["点单服务（已解决）"].delta == f"{int(month - before):+d}"  # 环比: against September 2026
    assert "项目启动以来累计（2023年4月1日至2026年10月31日）" in texts(at)
    # a link with dates keeps them (the report window: no since-launch row, it is the whole window)
    at = open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    assert not [k for k in metrics(at) if k.endswith("（累计）")]


def test_a_link_with_one_date_fills_the_other_as_before(demo_con):
    at = open_app(from_="2024-01-01")
    last = db.execute(demo_con, "data_bounds", params()).iloc[0]["last_day"]
    assert (at.query_params["from"], at.query_params["to"]) == ("2024-01-01", last.isoformat())
    at = open_app(to="2023-11-30")
    assert (at.query_params["from"], at.query_params["to"]) == (settings().launch.isoformat(), "2023-11-30")


def test_street_filter_changes_figures_and_lands_in_the_url(demo_con):
    at = open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    at.sidebar.multiselect(key="flt_streets").set_value(["220203013"]).run()
    org = db.execute(demo_con, "kpi_organisation", params(streets=["220203013"])).iloc[0]
    shown = metrics(at)
    assert shown["共享物业社"] == "1 个"
    assert shown["物业社成员"] == f"{org['members']} 人"
    assert shown["其中党员"] == f"{org['party_members']} 人"
    assert at.query_params["street"] == "220203013"
    assert "承德街道" in texts(at)


def test_community_filter_from_the_link_reproduces_the_view(demo_con):
    code = db.execute(demo_con, "community_options", params()).set_index("community_name").loc["站前社区", "community_code"]
    at = open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat(), street="220203013", community=code)
    out = db.execute(demo_con, "kpi_outcomes", params(streets=["220203013"], communities=[code])).iloc[0]
    assert metrics(at)["更换楼宇门"] == f"{fmt.number(out['building_doors'])} 个"
    assert at.sidebar.multiselect(key="flt_communities").value == [code]
    assert "站前社区" in texts(at)


def test_scope_without_data_says_so_in_words():
    at = open_app(street="220203100")  # 乌拉街满族镇: no compound in the pilot
    assert "所选范围内无数据" in texts(at)
    assert metrics(at)["共享物业社"] == "0 个"
    assert charts(at) == {}


def test_bad_link_is_reported_and_defaults_used():
    at = open_app(from_="2023-13-45", street=["999", "220203013"])
    warnings = " ".join(shown(w.value) for w in at.sidebar.warning)
    assert "from=2023-13-45" in warnings and "999" in warnings
    assert at.query_params["from"] == settings().launch.isoformat()  # the default window's start
    assert at.query_params["street"] == "220203013"


def test_charts_state_their_units():
    figs = charts(open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    assert set(figs) == {"orders_by_month", "tonnes_by_month", "orders_by_street"}
    assert figs["orders_by_month"]["layout"]["title"]["text"].endswith("（次）")
    assert figs["orders_by_month"]["layout"]["yaxis"]["title"]["text"] == "次"
    assert figs["tonnes_by_month"]["layout"]["title"]["text"].endswith("（吨）")
    assert [tr["name"] for tr in figs["tonnes_by_month"]["data"]] == ["生活垃圾", "建筑垃圾"]
    # the monthly tonnage bars add up to the tonnage cards: 12 t + 7 t
    total = sum(sum(values(tr["y"])) for tr in figs["tonnes_by_month"]["data"])
    assert total == pytest.approx(19.0)


@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


def test_fixture_figures_reach_the_cards(on_fixture):
    shown = metrics(open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat()))
    assert shown["点单服务（已解决）"] == "4 次"
    assert shown["点单解决率"] == "60.0%"
    assert shown["清运生活垃圾"] == "1.75 吨"
    assert shown["修缮小区道路"] == "1.25 公里"
    assert shown["维修供热、排水管线"] == "1.5 公里"
    assert shown["四支工作力量"] == "18 人"
    assert shown["现由共享物业社代管"] == "3 个"


def test_broken_dataset_shows_a_clear_message(tmp_path, monkeypatch):
    from tests.fixture_data import write_fixture
    ds = write_fixture(tmp_path / "ds")
    (ds / "meetings.parquet").unlink()
    monkeypatch.setenv("COOP_DATA_DIR", str(ds))
    at = open_app()
    errors = " ".join(shown(e.value) for e in at.error)
    assert "缺少数据表 meetings" in errors
    assert "missing table meetings" in texts(at)
