"""The 环境与修缮 page: its queries against the hand-made fixture (values worked by hand), and the
page run with AppTest on the fixture and on the demo data (article figures, filters, link, empty scope).

Fixture records in the report window 2023-04-01 … 2023-11-30 (tests/fixture_data.py):
  cleanups  L1 P1/C1/S1 06-15 household 1.5 · L2 P2/C1/S1 06-20 construction 2.0 ·
            L3 P4/C3/S2 11-30 household 0.25 (the last day counts) · L4 12-05, L5 03-31 outside
  repairs   R1 P1 S1 07-01 road 0.8 · R2 P4 S2 08-01 road 0.45 · R3 P1 S1 07-10 heating_pipe 1.2 ·
            R4 P4 S2 09-01 drainage_pipe 0.3 · R5 P2 S1 06-01 building_door 3 ·
            R6 P1 S1 06-02 parking_space 10 · R7 2024-05-01 road 5.0 outside
"""

import datetime as dt
import json

import pytest

from coopdash.data import db
from coopdash.data.contract import REPAIR_KIND, WASTE_TYPE
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from tests.apptest import charts, metrics, open_app, texts, values
from tests.conftest import LAUNCH, REPORT, params
from tests.fixture_data import ROWS, write_fixture

D = dt.date
PAGE = "pages/environment.py"
WASTES = WASTE_TYPE.codes
KINDS = REPAIR_KIND.codes
MONTHS_APR_NOV = [D(2023, m, 1) for m in range(4, 12)]
CHENGDE = "220203013"  # 承德街道
NO_COMPOUNDS = "220203100"  # 乌拉街满族镇: no compound in the pilot

# card label → (kpi_outcomes column, unit)
CARDS = {
    "清运生活垃圾": ("household_t", "吨"), "清运建筑垃圾": ("construction_t", "吨"),
    "修缮小区道路": ("road_km", "公里"), "维修供热管线": ("heating_pipe_km", "公里"),
    "维修排水管线": ("drainage_pipe_km", "公里"), "供热、排水管线合计": ("pipe_km", "公里"),
    "更换楼宇门": ("building_doors", "个"), "安装楼道灯": ("stair_lights", "个"),
    "安装休闲座椅": ("seating", "个"), "规划停车位": ("parking_spaces", "个"),
}
# kpi_outcomes column of each contract code (the page's queries name columns by code)
TOTAL_OF = {"household": "household_t", "construction": "construction_t", "road": "road_km",
            "heating_pipe": "heating_pipe_km", "drainage_pipe": "drainage_pipe_km",
            "building_door": "building_doors", "stair_light": "stair_lights", "seating": "seating",
            "parking_space": "parking_spaces"}


def approx_row(**values_):
    return {k: pytest.approx(v) for k, v in values_.items()}


# ====================================================================== env_by_street (fixture)
def test_by_street_splits_tonnes_by_waste_type_and_repairs_by_kind(q):
    df = q("env_by_street").set_index("street_code")
    assert list(df.index) == ["S1", "S2"]  # T1 丙镇 has no compounds
    assert list(df["street_name"]) == ["甲街道", "乙街道"]
    # S1: L1 1.5 household, L2 2.0 construction; R1 road 0.8, R3 heating 1.2, R5 doors 3, R6 parking 10
    assert df.loc["S1", WASTES + KINDS].to_dict() == approx_row(
        household=1.5, construction=2.0, road=0.8, heating_pipe=1.2, drainage_pipe=0,
        building_door=3, stair_light=0, seating=0, parking_space=10)
    # S2: L3 0.25 household (11-30, the last day); R2 road 0.45, R4 drainage 0.3; R7 (2024) outside
    assert df.loc["S2", WASTES + KINDS].to_dict() == approx_row(
        household=0.25, construction=0, road=0.45, heating_pipe=0, drainage_pipe=0.3,
        building_door=0, stair_light=0, seating=0, parking_space=0)


def test_by_street_window_is_inclusive_of_both_days_and_nothing_more(q):
    # ending a day earlier drops L3 (11-30); starting a day earlier adds L5 (P3/C2/S1, 03-31, 4.0 t)
    assert q("env_by_street", end=D(2023, 11, 29)).set_index("street_code").loc["S2", "household"] == 0
    assert q("env_by_street", start=D(2023, 3, 31)).set_index("street_code").loc["S1", "household"] == \
        pytest.approx(5.5)
    # to 2024-05-31: R7 road 5.0 at P4/S2 joins R2 0.45; L4 9.0 t at P5/S2 joins L3 0.25
    s2 = q("env_by_street", end=D(2024, 5, 31)).set_index("street_code").loc["S2"]
    assert (s2["road"], s2["household"]) == (pytest.approx(5.45), pytest.approx(9.25))


def test_by_street_follows_street_and_community_filters(q):
    assert list(q("env_by_street", streets=["S2"])["street_code"]) == ["S2"]
    # C2 has only P3, whose one record (L5) is before the window: S1 is listed with zeros
    c2 = q("env_by_street", communities=["C2"])
    assert list(c2["street_code"]) == ["S1"]
    assert c2.loc[0, WASTES + KINDS].sum() == 0
    # C1 (P1 P2) holds all of S1's figures; C3 (P4 P5) all of S2's
    c1 = q("env_by_street", communities=["C1"]).iloc[0]
    assert (c1["household"], c1["construction"], c1["parking_space"]) == (1.5, 2.0, 10)


def test_by_street_is_empty_for_a_town_without_compounds(q):
    assert q("env_by_street", streets=["T1"]).empty


# ====================================================================== env_repairs_cumulative (fixture)
def test_cumulative_repairs_start_at_zero_and_carry_every_month(q):
    df = q("env_repairs_cumulative")
    assert list(df["month"]) == MONTHS_APR_NOV
    by = df.set_index("month")
    # road: R1 0.8 in July, R2 0.45 in August → Apr–Jun 0, Jul 0.8, Aug–Nov 1.25
    assert list(by["road"]) == pytest.approx([0, 0, 0, 0.8, 1.25, 1.25, 1.25, 1.25])
    # heating: R3 1.2 in July; drainage: R4 0.3 in September
    assert list(by["heating_pipe"]) == pytest.approx([0, 0, 0, 1.2, 1.2, 1.2, 1.2, 1.2])
    assert list(by["drainage_pipe"]) == pytest.approx([0, 0, 0, 0, 0, 0.3, 0.3, 0.3])
    # doors: R5 3 on 06-01; parking: R6 10 on 06-02; no stair lights or seating
    assert list(by["building_door"]) == [0, 0, 3, 3, 3, 3, 3, 3]
    assert list(by["parking_space"]) == [0, 0, 10, 10, 10, 10, 10, 10]
    assert list(by["stair_light"]) == list(by["seating"]) == [0] * 8


def test_cumulative_repairs_ignore_work_before_the_window_start(q):
    # window 07-05 … 08-31: R1 (07-01) is before it, so road starts at 0 and only R2 0.45 counts
    df = q("env_repairs_cumulative", start=D(2023, 7, 5), end=D(2023, 8, 31))
    assert list(df["month"]) == [D(2023, 7, 1), D(2023, 8, 1)]
    assert list(df["road"]) == pytest.approx([0, 0.45])
    assert list(df["heating_pipe"]) == pytest.approx([1.2, 1.2])  # R3 07-10 is inside
    assert list(df["building_door"]) == [0, 0]  # R5 06-01 is before


def test_cumulative_repairs_stop_at_the_window_end_inside_a_month(q):
    # window ends 07-05: July holds R1 (07-01) but not R3 (07-10)
    df = q("env_repairs_cumulative", end=D(2023, 7, 5))
    assert list(df["month"]) == MONTHS_APR_NOV[:4]
    last = df.iloc[-1]
    assert (last["road"], last["heating_pipe"]) == (pytest.approx(0.8), 0)


def test_cumulative_repairs_follow_the_street_filter(q):
    by = q("env_repairs_cumulative", streets=["S2"]).set_index("month")  # P4: R2 road, R4 drainage
    assert list(by["road"]) == pytest.approx([0, 0, 0, 0, 0.45, 0.45, 0.45, 0.45])
    assert list(by["drainage_pipe"]) == pytest.approx([0, 0, 0, 0, 0, 0.3, 0.3, 0.3])
    assert by[["heating_pipe", "building_door", "parking_space"]].to_numpy().sum() == 0


def test_cumulative_for_a_scope_without_compounds_is_zero_every_month(q):
    df = q("env_repairs_cumulative", streets=["T1"])
    assert list(df["month"]) == MONTHS_APR_NOV
    assert df[KINDS].to_numpy().sum() == 0


def test_cumulative_last_month_equals_the_window_totals(q):
    # to 2024-05-31: 14 months; road 0.8 + 0.45 + R7 5.0 = 6.25
    for end in (REPORT, D(2024, 5, 31)):
        last = q("env_repairs_cumulative", end=end).iloc[-1]
        totals = q("kpi_outcomes", end=end).iloc[0]
        assert {k: last[k] for k in KINDS} == {k: pytest.approx(totals[TOTAL_OF[k]]) for k in KINDS}
    assert len(q("env_repairs_cumulative", end=D(2024, 5, 31))) == 14
    assert q("env_repairs_cumulative", end=D(2024, 5, 31)).iloc[-1]["road"] == pytest.approx(6.25)


# -------------------------------------------------- a variant with stair lights, seating, more waste
VARIANT_EXTRA = {
    "cleanups": [dict(cleanup_id="L6", compound_code="P5", done_on=D(2023, 10, 1), waste_type="construction",
                      tonnes=0.5)],
    "repairs": [dict(repair_id="R8", compound_code="P5", done_on=D(2023, 10, 15), kind="stair_light", quantity=4),
                dict(repair_id="R9", compound_code="P2", done_on=D(2023, 11, 30), kind="seating", quantity=2)],
}


@pytest.fixture(scope="module")
def variant_dir(tmp_path_factory):
    rows = {name: list(table) + VARIANT_EXTRA.get(name, []) for name, table in ROWS.items()}
    return write_fixture(tmp_path_factory.mktemp("env_variant") / "ds", rows)


def test_every_kind_lands_in_its_own_column(variant_dir):
    con = db.open_dataset(variant_dir)
    by = db.execute(con, "env_by_street", params()).set_index("street_code")
    # L6 0.5 t construction and R8 4 stair lights at P5/S2; R9 2 seats at P2/S1 on the last day
    assert (by.loc["S2", "construction"], by.loc["S2", "stair_light"], by.loc["S2", "seating"]) == \
        (pytest.approx(0.5), 4, 0)
    assert (by.loc["S1", "seating"], by.loc["S1", "stair_light"]) == (2, 0)
    cum = db.execute(con, "env_repairs_cumulative", params()).set_index("month")
    assert list(cum["stair_light"]) == [0, 0, 0, 0, 0, 0, 4, 4]  # October on
    assert list(cum["seating"]) == [0, 0, 0, 0, 0, 0, 0, 2]  # November


# ====================================================================== the page on the fixture
@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


def report_window(**query):
    return open_app(page=PAGE, from_=LAUNCH.isoformat(), to=REPORT.isoformat(), **query)


def traces(fig) -> dict[str, dict]:
    """name → trace of a figure's JSON."""
    return {tr["name"]: tr for tr in fig["data"]}


def bars_by_street(fig) -> dict[str, dict[str, float]]:
    """Horizontal bars: trace name → {street name: value}."""
    return {name: dict(zip(tr["y"], values(tr["x"]))) for name, tr in traces(fig).items()}


def by_month(fig) -> dict[str, list[float]]:
    return {name: values(tr["y"]) for name, tr in traces(fig).items()}


def test_fixture_figures_reach_cards_charts_and_table(on_fixture):
    at = report_window()
    shown = metrics(at)
    assert {k: shown[k] for k in CARDS} == {
        "清运生活垃圾": "1.75 吨", "清运建筑垃圾": "2 吨", "修缮小区道路": "1.25 公里",
        "维修供热管线": "1.2 公里", "维修排水管线": "0.3 公里", "供热、排水管线合计": "1.5 公里",
        "更换楼宇门": "3 个", "安装楼道灯": "0 个", "安装休闲座椅": "0 个", "规划停车位": "10 个"}
    figs = charts(at)
    assert bars_by_street(figs["env_tonnes_by_street"]) == {
        "生活垃圾": {"甲街道": 1.5, "乙街道": 0.25}, "建筑垃圾": {"甲街道": 2.0, "乙街道": 0.0}}
    km = bars_by_street(figs["env_km_by_street"])
    assert km["道路"] == approx_row(甲街道=0.8, 乙街道=0.45)
    assert km["供热管线"] == approx_row(甲街道=1.2, 乙街道=0)
    assert km["排水管线"] == approx_row(甲街道=0, 乙街道=0.3)
    items = bars_by_street(figs["env_items_by_street"])
    assert (items["楼宇门"], items["停车位"]) == ({"甲街道": 3, "乙街道": 0}, {"甲街道": 10, "乙街道": 0})
    # tonnage by month Apr…Nov: June 1.5 household + 2.0 construction, November 0.25 household
    assert by_month(figs["env_tonnes_by_month"]) == {
        "生活垃圾": [0, 0, 1.5, 0, 0, 0, 0, 0.25], "建筑垃圾": [0, 0, 2.0, 0, 0, 0, 0, 0]}
    assert by_month(figs["env_km_cumulative"])["道路"] == pytest.approx([0, 0, 0, 0.8, 1.25, 1.25, 1.25, 1.25])
    assert by_month(figs["env_items_cumulative"])["停车位"] == [0, 0, 10, 10, 10, 10, 10, 10]
    table = at.dataframe[0].value.set_index("street_name")
    assert list(table.index) == ["甲街道", "乙街道"]
    assert table.loc["甲街道", "construction"] == 2.0 and table.loc["乙街道", "drainage_pipe"] == 0.3


def test_fixture_street_filter_leaves_only_that_street(on_fixture):
    at = report_window()
    at.sidebar.multiselect(key="flt_streets").set_value(["S2"]).run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["清运生活垃圾"], shown["清运建筑垃圾"], shown["修缮小区道路"], shown["规划停车位"]) == \
        ("0.25 吨", "0 吨", "0.45 公里", "0 个")
    assert bars_by_street(charts(at)["env_tonnes_by_street"]) == {"生活垃圾": {"乙街道": 0.25},
                                                                 "建筑垃圾": {"乙街道": 0.0}}
    assert list(at.dataframe[0].value["street_name"]) == ["乙街道"]
    # S2 has no doors or parking spaces but does have km repairs: only the item charts are empty
    figs = charts(at)
    assert "env_km_cumulative" in figs and "env_items_by_street" not in figs
    assert "env_items_cumulative" not in figs
    assert texts(at).count("所选范围内无数据") == 2


# ====================================================================== the page on the demo data
ARTICLE = {"清运生活垃圾": "12 吨", "清运建筑垃圾": "7 吨", "修缮小区道路": "2.3 公里",
           "维修供热管线": "6.12 公里", "维修排水管线": "4.12 公里", "供热、排水管线合计": "10.24 公里",
           "更换楼宇门": "15 个", "规划停车位": "56 个"}
ARTICLE_TOTALS = {"household": 12, "construction": 7, "road": 2.3, "heating_pipe": 6.12,
                  "drainage_pipe": 4.12, "building_door": 15, "parking_space": 56}


def shown_totals(at) -> dict[str, dict[str, float]]:
    """Per contract code, the total each view of the page adds up to."""
    figs = charts(at)
    labels = {**{WASTE_TYPE.zh(c): c for c in WASTES}, **{REPAIR_KIND.zh(c): c for c in KINDS}}
    out = {"by_street": {}, "by_month": {}, "cumulative_last": {}, "table": {}}
    for key in ("env_tonnes_by_street", "env_km_by_street", "env_items_by_street"):
        for name, tr in traces(figs[key]).items():
            out["by_street"][labels[name]] = sum(values(tr["x"]))
    for name, tr in traces(figs["env_tonnes_by_month"]).items():
        out["by_month"][labels[name]] = sum(values(tr["y"]))
    for key in ("env_km_cumulative", "env_items_cumulative"):
        for name, tr in traces(figs[key]).items():
            out["cumulative_last"][labels[name]] = values(tr["y"])[-1]
    table = at.dataframe[0].value
    out["table"] = {c: table[c].sum() for c in WASTES + KINDS}
    return out


def test_report_window_shows_the_articles_figures_and_every_view_adds_up_to_them():
    at = report_window()
    shown = metrics(at)
    assert {k: shown[k] for k in ARTICLE} == ARTICLE
    views = shown_totals(at)
    for code, total in ARTICLE_TOTALS.items():
        assert views["by_street"][code] == pytest.approx(total), code
        assert views["table"][code] == pytest.approx(total), code
        if code in WASTES:
            assert views["by_month"][code] == pytest.approx(total), code
        else:
            assert views["cumulative_last"][code] == pytest.approx(total), code
    figs = charts(at)
    months = [D.fromisoformat(m) for m in traces(figs["env_tonnes_by_month"])["生活垃圾"]["x"]]
    assert months == MONTHS_APR_NOV  # every month, zeros included
    assert [D.fromisoformat(m) for m in traces(figs["env_km_cumulative"])["道路"]["x"]] == MONTHS_APR_NOV
    assert values(traces(figs["env_km_cumulative"])["道路"]["y"])[0] == 0  # no road work in April


def test_full_window_views_add_up_to_the_cards(demo_con):
    last = db.execute(demo_con, "data_bounds", params()).iloc[0]["last_day"]
    # the whole window, launch to the last record (a link without dates opens on the latest month: issue 23)
    at = open_app(page=PAGE, from_=settings().launch.isoformat(), to=last.isoformat())
    totals = db.execute(demo_con, "kpi_outcomes", params(start=settings().launch, end=last)).iloc[0]
    shown = metrics(at)
    for label, (column, unit) in CARDS.items():
        assert shown[label] == f"{fmt.number(totals[column])} {unit}", label
    views = shown_totals(at)
    for code in WASTES + KINDS:
        assert views["by_street"][code] == pytest.approx(totals[TOTAL_OF[code]]), code
        assert views["table"][code] == pytest.approx(totals[TOTAL_OF[code]]), code
        view = "by_month" if code in WASTES else "cumulative_last"
        assert views[view][code] == pytest.approx(totals[TOTAL_OF[code]]), code
    assert views["cumulative_last"]["road"] > ARTICLE_TOTALS["road"]  # work continued after the report


# An independent computation (no macros, no page queries): the window's figures for a scope.
INDEPENDENT = """
WITH c AS (
    SELECT cp.compound_code FROM compounds cp JOIN communities cm USING (community_code)
    WHERE cm.street_code = $street AND ($community IS NULL OR cm.community_code = $community)
)
SELECT kind AS code, sum(quantity) AS total FROM repairs
WHERE compound_code IN (SELECT compound_code FROM c) AND done_on BETWEEN $start AND $end GROUP BY kind
UNION ALL
SELECT waste_type, sum(tonnes) FROM cleanups
WHERE compound_code IN (SELECT compound_code FROM c) AND done_on BETWEEN $start AND $end GROUP BY waste_type
"""


def independent(con, start, end, street, community=None) -> dict[str, float]:
    rows = con.cursor().execute(INDEPENDENT, {"start": start, "end": end, "street": street,
                                              "community": community}).fetchall()
    return {**dict.fromkeys(WASTES + KINDS, 0.0), **dict(rows)}


def assert_page_shows(at, expected: dict[str, float]) -> None:
    shown = metrics(at)
    for label, (column, unit) in CARDS.items():
        if column == "pipe_km":
            assert shown[label] == f"{fmt.number(expected['heating_pipe'] + expected['drainage_pipe'])} {unit}"
        else:
            code = next(c for c, col in TOTAL_OF.items() if col == column)
            assert shown[label] == f"{fmt.number(expected[code])} {unit}", label
    views = shown_totals(at)
    for code in WASTES + KINDS:
        for view in ("by_street", "table"):
            if views[view]:
                assert views[view].get(code, 0) == pytest.approx(expected[code]), (view, code)


def test_street_filter_changes_the_figures_to_that_street(demo_con):
    at = report_window()
    before = metrics(at)
    at.sidebar.multiselect(key="flt_streets").set_value([CHENGDE]).run()
    assert not at.exception
    expected = independent(demo_con, LAUNCH, REPORT, CHENGDE)
    assert expected["household"] > 0 and expected["stair_light"] > 0  # the check means something
    assert_page_shows(at, expected)
    assert metrics(at)["清运生活垃圾"] != before["清运生活垃圾"]
    assert list(at.dataframe[0].value["street_name"]) == ["承德街道"]
    assert at.query_params["street"] == CHENGDE


def test_link_with_window_street_and_community_reproduces_the_view(demo_con):
    code = db.execute(demo_con, "community_options", params()).set_index("community_name").loc["站前社区", "community_code"]
    end = D(2024, 12, 31)
    at = open_app(page=PAGE, from_=LAUNCH.isoformat(), to=end.isoformat(), street=CHENGDE, community=code)
    assert at.sidebar.multiselect(key="flt_streets").value == [CHENGDE]
    assert at.sidebar.multiselect(key="flt_communities").value == [code]
    assert "站前社区" in texts(at)
    expected = independent(demo_con, LAUNCH, end, CHENGDE, code)
    assert expected != independent(demo_con, LAUNCH, REPORT, CHENGDE, code)  # the window matters
    assert_page_shows(at, expected)
    months = traces(charts(at)["env_km_cumulative"])["道路"]["x"]
    assert (months[0], months[-1], len(months)) == ("2023-04-01", "2024-12-01", 21)


def test_scope_without_compounds_says_so_in_words():
    at = open_app(page=PAGE, street=NO_COMPOUNDS)
    assert not at.exception
    assert charts(at) == {}
    assert len(at.dataframe) == 0
    assert texts(at).count("所选范围内无数据") == 7  # six charts and the table
    assert metrics(at)["清运生活垃圾"] == "0 吨" and metrics(at)["规划停车位"] == "0 个"


def test_window_without_any_work_shows_no_blank_charts():
    # the first cleanup is on 2023-06-12 and the first repair on 2023-06-02
    at = open_app(page=PAGE, from_="2023-04-01", to="2023-05-31")
    assert not at.exception
    assert charts(at) == {}
    assert texts(at).count("所选范围内无数据") == 6
    table = at.dataframe[0].value  # every street office with compounds, all zeros
    assert len(table) == 13 and table[WASTES + KINDS].to_numpy().sum() == 0


def test_charts_state_their_units_and_use_contract_labels():
    figs = charts(report_window())
    units = {"env_tonnes_by_street": "吨", "env_tonnes_by_month": "吨", "env_km_by_street": "公里",
             "env_items_by_street": "个", "env_km_cumulative": "公里", "env_items_cumulative": "个"}
    assert set(figs) == set(units)
    for key, unit in units.items():
        layout = figs[key]["layout"]
        assert layout["title"]["text"].endswith(f"（{unit}）"), key
        value_axis = "xaxis" if key.endswith("by_street") else "yaxis"
        assert layout[value_axis]["title"]["text"] == unit, key
    assert list(traces(figs["env_tonnes_by_street"])) == ["生活垃圾", "建筑垃圾"]
    assert list(traces(figs["env_km_by_street"])) == ["道路", "供热管线", "排水管线"]
    assert list(traces(figs["env_items_cumulative"])) == ["楼宇门", "楼道灯", "休闲座椅", "停车位"]
    assert figs["env_tonnes_by_street"]["layout"]["barmode"] == "stack"
    assert figs["env_tonnes_by_month"]["layout"]["barmode"] == "stack"


def test_table_headers_are_chinese_with_units():
    table = report_window().dataframe[0]
    config = json.loads(table.proto.columns)  # the column_config the page sent
    assert [config[c]["label"] for c in table.value.columns] == [
        "街道", "生活垃圾（吨）", "建筑垃圾（吨）", "道路（公里）", "供热管线（公里）", "排水管线（公里）",
        "楼宇门（个）", "楼道灯（个）", "休闲座椅（个）", "停车位（个）"]
