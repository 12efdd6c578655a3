"""The 小区地图 page: its queries against the hand-made fixture (tests/fixture_data.py, values worked
by hand), the demo's before/after counts against independent SQL, the deck it sends, and the page
run with AppTest (switch, selectbox details, filters, links, empty scope, boundaries, tiles)."""

import copy
import dataclasses
import datetime as dt
import json
import math
import urllib.parse

import pytest

from coopdash.app import maps
from coopdash.data import db
from coopdash.data.settings import settings
from tests.apptest import metrics, open_app, shown, texts
from tests.conftest import LAUNCH, REPORT, params
from tests.fixture_data import ROWS, write_fixture

D = dt.date
PAGE = "pages/compound_map.py"
WINDOW = {"from_": LAUNCH.isoformat(), "to": REPORT.isoformat()}
RGB = maps.STATUS_RGB


def run(con, name, compound=None, **kw):
    extra = {} if compound is None else {"compound": compound}
    return db.execute(con, name, {**params(**kw), **extra})


# ============================================================== queries on the fixture
# Fixture management (tests/fixture_data.py): before the launch (state on 2023-04-01) P1 none,
# P2 self, P3 professional, P4 none (its row is dated on the launch day), P5 none; on 2023-11-30
# P1 P2 cooperative (co_build), P4 cooperative (self_governance), P3 professional, P5 none;
# P4 professional from 2024-01-01.

def test_points_carry_both_states_and_the_open_orders_at_the_end(fixture_con):
    df = run(fixture_con, "map_points")
    # ordered by street, community, kind, code: S1/C1 P1 (compound) P2 (standalone), S1/C2 P3, S2/C3 P4 P5
    assert list(df["compound_code"]) == ["P1", "P2", "P3", "P4", "P5"]
    assert list(df["management_before"]) == ["none", "self", "professional", "none", "none"]
    assert list(df["management_after"]) == ["cooperative", "cooperative", "professional", "cooperative", "none"]
    assert list(df["coop_mode_after"].fillna("")) == ["co_build", "co_build", "", "self_governance", ""]
    assert df["coop_mode_before"].isna().all()
    # open at the end of 2023-11-30: O3 (P2, submitted 11-29, resolved 12-01) and O6 (P5, in progress);
    # O5 (P4) was resolved at 23:59 on the last day, O4 is cancelled, O1 O2 O7 (P1) resolved earlier
    assert list(df["open_orders"]) == [0, 1, 0, 0, 1]
    p1 = df.iloc[0]
    assert (p1["compound_name"], p1["community_name"], p1["street_name"], p1["households"],
            p1["lon"], p1["lat"]) == ("甲小区", "一社区", "甲街道", 100, 126.5511, 43.9011)


def test_open_orders_are_those_unresolved_at_the_end_of_the_end_day(fixture_con):
    on_june_1 = run(fixture_con, "map_points", end=D(2023, 6, 1)).set_index("compound_code")["open_orders"]
    # O1 (P1) was submitted 06-01 10:00 and resolved 06-02: open at the end of 06-01; O7 resolved 04-02;
    # O3 and O6 were not submitted yet
    assert on_june_1.to_dict() == {"P1": 1, "P2": 0, "P3": 0, "P4": 0, "P5": 0}
    # the start of the window does not matter: the backlog is a stock at the end
    later_start = run(fixture_con, "map_points", start=D(2023, 6, 1), end=D(2023, 6, 1))
    assert list(later_start["open_orders"]) == list(on_june_1)


def test_points_take_the_state_on_the_window_end(fixture_con):
    df = run(fixture_con, "map_points", end=D(2024, 6, 30)).set_index("compound_code")
    assert df.loc["P4", "management_after"] == "professional"  # handed to a company on 2024-01-01
    assert df.loc["P4", "management_before"] == "none"
    assert df["open_orders"].to_dict() == {"P1": 0, "P2": 0, "P3": 0, "P4": 0, "P5": 1}  # O3 resolved 12-01


def test_points_follow_the_street_and_community_filters(fixture_con):
    assert list(run(fixture_con, "map_points", streets=["S2"])["compound_code"]) == ["P4", "P5"]
    assert list(run(fixture_con, "map_points", communities=["C2"])["compound_code"]) == ["P3"]
    assert run(fixture_con, "map_points", streets=["T1"]).empty  # a town without compounds


def counts(con, **kw):
    df = run(con, "map_status_counts", **kw)
    return {r.management: (r.n_before, r.n_after, r.n_change, r.households_before, r.households_after)
            for r in df.itertuples()}


def test_status_counts_before_the_program_and_on_the_window_end(fixture_con):
    assert list(run(fixture_con, "map_status_counts")["management"]) == ["professional", "cooperative", "self", "none"]
    assert counts(fixture_con) == {
        # (before, after, change, households before, households after)
        "professional": (1, 1, 0, 300, 300),     # P3 both times
        "cooperative": (0, 3, 3, 0, 320),        # P1 100 + P2 20 + P4 200
        "self": (1, 0, -1, 20, 0),               # P2
        "none": (3, 1, -2, 330, 30),             # P1 100 + P4 200 + P5 30 → P5 30
    }


def test_status_counts_follow_the_end_date_and_the_filters(fixture_con):
    later = counts(fixture_con, end=D(2024, 6, 30))
    assert later["professional"][:2] == (1, 2) and later["cooperative"][:2] == (0, 2)  # P4 went professional
    assert counts(fixture_con, communities=["C3"]) == {
        "professional": (0, 0, 0, 0, 0), "cooperative": (0, 1, 1, 0, 200),
        "self": (0, 0, 0, 0, 0), "none": (2, 1, -1, 230, 30)}  # P4 200 + P5 30 → P5
    assert all(v == (0, 0, 0, 0, 0) for v in counts(fixture_con, streets=["T1"]).values())


def test_street_seats_are_the_streets_with_compounds_in_scope(fixture_con):
    df = run(fixture_con, "map_street_seats")
    assert df.to_dict("records") == [{"street_code": "S1", "street_name": "甲街道", "lon": 126.55, "lat": 43.90},
                                     {"street_code": "S2", "street_name": "乙街道", "lon": 126.56, "lat": 43.91}]
    assert list(run(fixture_con, "map_street_seats", communities=["C3"])["street_code"]) == ["S2"]


def test_compound_orders_include_orders_open_or_resolved_in_the_window(fixture_con):
    df = run(fixture_con, "map_compound_orders", compound="P1")
    # O7 was submitted 03-20 (before the window) and resolved 04-02 (in it); O1, O2 submitted in it
    assert list(df["order_id"]) == ["O7", "O1", "O2"]
    assert list(df["category"]) == ["lighting", "pipe_unclog", "gas_safety"]
    assert not df["open_at_end"].any()
    # from 2023-06-10: O1 (resolved 06-02) and O7 are over before the window
    assert list(run(fixture_con, "map_compound_orders", compound="P1", start=D(2023, 6, 10))["order_id"]) == ["O2"]
    p2 = run(fixture_con, "map_compound_orders", compound="P2")
    assert (list(p2["order_id"]), list(p2["open_at_end"])) == (["O3"], [True])  # resolved 12-01
    p4 = run(fixture_con, "map_compound_orders", compound="P4")
    # the cancelled O4 was submitted in the window and is listed; O5 resolved at 23:59 on the last day
    assert (list(p4["order_id"]), list(p4["status"]), list(p4["open_at_end"])) == \
        (["O4", "O5"], ["cancelled", "resolved"], [False, False])


def test_compound_details_are_empty_outside_the_scope(fixture_con):
    for name in ("map_compound_orders", "map_compound_cleanups", "map_compound_repairs"):
        assert run(fixture_con, name, compound="P1", streets=["S2"]).empty  # P1 is in S1
        assert not run(fixture_con, name, compound="P1", streets=["S1"]).empty


def test_compound_cleanups_within_the_window(fixture_con):
    df = run(fixture_con, "map_compound_cleanups", compound="P1")
    assert df.to_dict("records") == [{"cleanup_id": "L1", "done_on": D(2023, 6, 15), "waste_type": "household",
                                      "tonnes": 1.5}]
    assert run(fixture_con, "map_compound_cleanups", compound="P3").empty  # L5 was on 03-31
    assert list(run(fixture_con, "map_compound_cleanups", compound="P4")["cleanup_id"]) == ["L3"]  # on the last day


def test_compound_repairs_within_the_window_by_date(fixture_con):
    df = run(fixture_con, "map_compound_repairs", compound="P1")
    assert list(df["repair_id"]) == ["R6", "R1", "R3"]  # 06-02, 07-01, 07-10
    assert list(df["kind"]) == ["parking_space", "road", "heating_pipe"]
    assert list(df["quantity"]) == [10.0, 0.8, 1.2]
    assert list(run(fixture_con, "map_compound_repairs", compound="P4", end=D(2024, 6, 30))["repair_id"]) == \
        ["R2", "R4", "R7"]


# ============================================================== the demo, against independent SQL

STATE_ON = """
SELECT h.management, count(*) AS n
FROM compounds c
JOIN management_history h ON h.compound_code = c.compound_code
WHERE h.valid_from = (SELECT max(h2.valid_from) FROM management_history h2
                      WHERE h2.compound_code = c.compound_code AND h2.valid_from <= ?)
GROUP BY h.management
"""


def independent_counts(con, day):
    return dict(con.execute(STATE_ON, [day]).fetchall())


def test_demo_before_after_counts_match_independent_sql_and_the_article(demo_con):
    before, after = independent_counts(demo_con, LAUNCH), independent_counts(demo_con, REPORT)
    assert before["professional"] == 127
    assert before.get("none", 0) + before.get("self", 0) == 34 + 92  # the article's unmanaged compounds + buildings
    df = run(demo_con, "map_status_counts").set_index("management")
    assert df["n_before"].to_dict() == {m: before.get(m, 0) for m in maps.STATUS_RGB}
    assert df["n_after"].to_dict() == {m: after.get(m, 0) for m in maps.STATUS_RGB}
    assert after["cooperative"] > 0 and after["none"] < before["none"]


def test_demo_page_shows_the_change_in_numbers(demo_con):
    before, after = independent_counts(demo_con, LAUNCH), independent_counts(demo_con, REPORT)
    at = open_app(page=PAGE, **WINDOW)
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown["无人管理"] == (f"{after['none']} 个", f"{after['none'] - before['none']:+d} 个")
    assert shown["共享物业社代管"] == (f"{after['cooperative']} 个", f"+{after['cooperative']} 个")
    assert shown["专业物业"][0] == f"{after['professional']} 个"


# ============================================================== the deck

def deck_of(at):
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json), json.loads(charts[0].proto.tooltip)


def layer(spec, layer_id):
    found = [l for l in spec["layers"] if l["id"] == layer_id]
    return found[0] if found else None


def test_demo_map_has_one_point_per_compound_and_no_basemap(demo_con):
    at = open_app(page=PAGE, **WINDOW)
    spec, tip = deck_of(at)
    # No basemap: pydeck's own "no style" marker, which Streamlit renders without a map. (A missing
    # mapStyle, i.e. map_style=None, makes Streamlit 1.67 load CARTO's online style instead.)
    assert "mapProvider" not in spec and spec["mapStyle"] == "__MAP_STYLE__"
    points = layer(spec, "compounds")
    n_compounds = demo_con.execute("SELECT count(*) FROM compounds").fetchone()[0]
    assert points["@@type"] == "ScatterplotLayer" and len(points["data"]) == n_compounds == 253
    assert len({p["compound_code"] for p in points["data"]}) == n_compounds
    # tooltip: every {field} it names is in every point
    fields = set(__import__("re").findall(r"{(\w+)}", tip["html"]))
    assert fields == {"name", "kind", "community", "street", "status", "mode", "households", "open_orders"}
    assert all(fields <= set(p) for p in points["data"])
    labels = layer(spec, "street_labels")
    assert labels["@@type"] == "TextLayer" and labels["characterSet"] == "auto"
    assert labels["fontFamily"].startswith('"Noto Sans CJK SC"')
    assert {d["name"] for d in labels["data"]} == set(
        r[0] for r in demo_con.execute("SELECT street_name FROM streets WHERE kind = 'street'").fetchall())
    assert layer(spec, "boundaries") is None  # the demo has no boundaries.geojson


def test_view_is_fitted_to_the_points():
    lons, lats = [126.5511, 126.5612], [43.9011, 43.9112]
    view = maps.fit_view(lons, lats)
    assert (view.longitude, view.latitude) == (pytest.approx(126.55615), pytest.approx(43.90615, abs=1e-4))
    # at that zoom the extent fills the map's limiting side to FIT_PADDING (512 px world at zoom 0)
    world = 512 * 2 ** view.zoom
    width = world * (lons[1] - lons[0]) / 360
    height = world * (maps._mercator_y(lats[1]) - maps._mercator_y(lats[0])) / (2 * math.pi)
    assert max(width / maps.FIT_WIDTH, height / maps.MAP_HEIGHT) == pytest.approx(maps.FIT_PADDING, abs=0.01)
    assert maps.fit_view([126.5], [43.9]).zoom == maps.MAX_FIT_ZOOM  # a single point


def test_point_radius_grows_with_the_square_root_of_households_with_a_floor():
    assert maps.radius_m(400) == 2 * maps.radius_m(100)  # four times the households, twice the radius
    assert maps.radius_m(20) == maps.RADIUS_MIN_M == maps.radius_m(0)


def test_map_selection_gives_the_compound_code():
    # the structure Streamlit 1.67 returns for a click (recorded in a browser)
    event = {"selection": {"indices": {"compounds": [10]},
                           "objects": {"compounds": [{"compound_code": "P3", "name": "乙花园"}]}}}
    assert maps.picked_code(event) == "P3"
    assert maps.picked_code({"selection": {"indices": {}, "objects": {}}}) is None
    assert maps.picked_code(None) is None
    assert maps.chart_key(["S1"], []) != maps.chart_key(["S2"], []) == maps.chart_key(["S2"], [])


def test_tile_url_draws_an_intranet_raster_basemap():
    deck = maps.build_deck([], db_seats(), maps.fit_view([126.5], [43.9]),
                           tile_url="http://tiles.intranet.local/{z}/{x}/{y}.png", tile_attribution="内网底图")
    spec = json.loads(deck.to_json())
    assert "mapProvider" not in spec
    prefix, body = spec["mapStyle"].split(",", 1)
    assert prefix == "data:application/json"
    style = json.loads(urllib.parse.unquote(body))
    assert style["sources"]["intranet"] == {"type": "raster", "tiles": ["http://tiles.intranet.local/{z}/{x}/{y}.png"],
                                            "tileSize": 256, "attribution": "内网底图"}
    assert [l["type"] for l in style["layers"]] == ["raster"]


def db_seats():
    import pandas as pd
    return pd.DataFrame({"street_code": ["S1"], "street_name": ["甲街道"], "lon": [126.55], "lat": [43.9]})


# ============================================================== the page on the fixture

@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


def points_by_code(at):
    spec, _ = deck_of(at)
    return {p["compound_code"]: p for p in layer(spec, "compounds")["data"]}


def legend(at):
    return next(str(m.value) for m in at.markdown if "border-radius:50%" in str(m.value))


def test_switch_shows_the_state_before_the_program_and_on_the_end_date(on_fixture):
    at = open_app(page=PAGE, **WINDOW)
    assert at.segmented_control(key="map_state").value == "after"
    pts = points_by_code(at)
    assert pts["P1"]["color"][:3] == list(RGB["cooperative"])
    assert (pts["P1"]["status"], pts["P1"]["mode"]) == ("共享物业社代管", "联建共建")
    assert (pts["P2"]["open_orders"], pts["P1"]["households"]) == ("1 件", "100 户")
    assert "3 个 · 320 户" in legend(at) and "1 个 · 30 户" in legend(at)
    assert {m.label: (m.value, m.delta) for m in at.metric} == {
        "专业物业": ("1 个", "0"), "共享物业社代管": ("3 个", "+3 个"),
        "业主自管": ("0 个", "-1 个"), "无人管理": ("1 个", "-2 个")}

    at.segmented_control(key="map_state").set_value("before").run()
    pts = points_by_code(at)
    assert [pts[c]["color"][:3] for c in ("P1", "P2", "P3")] == [list(RGB["none"]), list(RGB["self"]),
                                                                list(RGB["professional"])]
    assert (pts["P1"]["status"], pts["P1"]["mode"]) == ("无人管理", "—")
    assert "3 个 · 330 户" in legend(at)  # unmanaged before: P1 P4 P5
    assert "项目启动前（2023年4月1日）" in texts(at)


def test_choosing_a_compound_shows_its_orders_cleanups_and_repairs(on_fixture):
    at = open_app(page=PAGE, **WINDOW)
    box = at.selectbox(key="map_compound")
    assert box.value is None and not at.dataframe
    assert box.options == ["甲小区（一社区）", "甲路1号楼（一社区）", "乙花园（二社区）",
                           "丙新村（三社区）", "乙路2号楼（三社区）"]
    box.set_value("P1").run()
    orders, cleanups, repairs = (df.value for df in at.dataframe)
    assert list(orders["order_id"]) == ["O7", "O1", "O2"]
    assert list(orders["category"]) == ["照明", "管道疏通", "燃气安全"]
    assert list(orders["status"]) == ["已解决"] * 3
    assert cleanups[["cleanup_id", "waste_type", "tonnes"]].values.tolist() == [["L1", "生活垃圾", 1.5]]
    assert repairs[["repair_id", "kind", "quantity", "unit"]].values.tolist() == [
        ["R6", "停车位", 10.0, "个"], ["R1", "道路", 0.8, "公里"], ["R3", "供热管线", 1.2, "公里"]]
    shown = texts(at)
    assert "甲小区" in shown
    assert "管理状态：项目启动前 无人管理 → 结束日期 共享物业社代管（联建共建）" in shown
    assert "点单服务（3 件）" in shown and "垃圾清运（1 次）" in shown and "修缮（3 项）" in shown
    spec, _ = deck_of(at)
    assert layer(spec, "chosen")["data"][0]["compound_code"] == "P1"  # ringed on the map

    at.selectbox(key="map_compound").set_value("P3").run()  # professional: nothing in the window
    assert not at.dataframe and texts(at).count("所选范围内无数据") == 3


def test_street_filter_changes_the_map_and_lands_in_the_link(on_fixture):
    at = open_app(page=PAGE, **WINDOW)
    at.selectbox(key="map_compound").set_value("P1").run()
    at.sidebar.multiselect(key="flt_streets").set_value(["S2"]).run()
    assert set(points_by_code(at)) == {"P4", "P5"}
    assert metrics(at) == {"专业物业": "0 个", "共享物业社代管": "1 个", "业主自管": "0 个", "无人管理": "1 个"}
    assert at.query_params["street"] == "S2"
    # P1 left the scope: its details are gone
    assert at.selectbox(key="map_compound").value is None and not at.dataframe
    spec, _ = deck_of(at)
    assert [d["name"] for d in layer(spec, "street_labels")["data"]] == ["乙街道"]
    assert spec["initialViewState"]["longitude"] == pytest.approx((126.5611 + 126.5612) / 2)


def test_link_with_filters_reproduces_the_view(on_fixture):
    at = open_app(page=PAGE, from_="2023-04-01", to="2024-03-31", street="S2", community="C3")
    assert set(points_by_code(at)) == {"P4", "P5"}
    assert points_by_code(at)["P4"]["status"] == "专业物业"  # on 2024-03-31
    assert metrics(at) == {"专业物业": "1 个", "共享物业社代管": "0 个", "业主自管": "0 个", "无人管理": "1 个"}
    assert "结束日期（2024年3月31日）" in texts(at)


def test_english_link_labels_the_map_in_english(on_fixture):
    at = open_app(page=PAGE, lang="en", **WINDOW)
    assert metrics(at) == {"professional property company": "1 items", "managed by the cooperative": "3 items",
                           "self-managed by owners": "0 items", "unmanaged": "1 items"}
    p1 = points_by_code(at)["P1"]
    assert (p1["status"], p1["mode"], p1["kind"]) == ("managed by the cooperative", "co-building with enterprises",
                                                      "compound")
    _, tip = deck_of(at)
    assert "Community: {community}" in tip["html"]
    assert "On the end date (2023-11-30)" in texts(at)


def test_scope_without_compounds_says_so_without_a_map():
    at = open_app(page=PAGE, street="220203100")  # 乌拉街满族镇: no compound in the pilot
    assert "所选范围内无数据" in texts(at)
    assert not at.get("deck_gl_json_chart") and not at.metric


# ============================================================== boundaries and tiles

SQUARE = [[126.54, 43.89], [126.57, 43.89], [126.57, 43.92], [126.54, 43.92], [126.54, 43.89]]


@pytest.fixture
def own_dataset(tmp_path, monkeypatch):
    folder = write_fixture(tmp_path / "ds", copy.deepcopy(ROWS))
    monkeypatch.setenv("COOP_DATA_DIR", str(folder))
    return folder


def test_boundaries_file_adds_outlines(own_dataset):
    (own_dataset / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "甲街道"}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [126.55, 43.9]}},
    ]}, ensure_ascii=False), encoding="utf-8")
    at = open_app(page=PAGE, **WINDOW)
    spec, _ = deck_of(at)
    outlines = layer(spec, "boundaries")
    assert outlines["@@type"] == "GeoJsonLayer" and outlines["filled"] is False and outlines["stroked"] is True
    assert [f["geometry"]["type"] for f in outlines["data"]["features"]] == ["Polygon"]  # the point is dropped
    # drawn over the district's outline (data/reference/longtan-outline.geojson), under the points
    assert [l["id"] for l in spec["layers"]][:3] == ["outline", "boundaries", "compounds"]
    assert not at.warning


def test_broken_boundaries_file_is_named_and_the_map_still_works(own_dataset):
    (own_dataset / "boundaries.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    at = open_app(page=PAGE, **WINDOW)
    warning = " ".join(shown(w.value) for w in at.warning)
    assert "boundaries.geojson" in warning and "不是有效的 JSON" in warning
    assert "not valid JSON" in texts(at)
    spec, _ = deck_of(at)
    assert layer(spec, "boundaries") is None and len(layer(spec, "compounds")["data"]) == 5


@pytest.mark.parametrize("geojson, reason", [
    ({"type": "Polygon", "coordinates": [[[500000, 4860000], [500100, 4860000], [500100, 4860100],
                                          [500000, 4860000]]]}, "超出经纬度范围"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point",
                                                                              "coordinates": [126.5, 43.9]}}]},
     "没有面或线要素"),
    ({"type": "LineString", "coordinates": [[126.5, "43.9"]]}, "几何无效"),
    ([1, 2, 3], "不是 GeoJSON"),
])
def test_unusable_boundaries_are_explained(tmp_path, geojson, reason):
    (tmp_path / "boundaries.geojson").write_text(json.dumps(geojson), encoding="utf-8")
    found = maps.load_boundaries(tmp_path)
    assert found.geojson is None and reason in found.error_zh and str(tmp_path) in found.error_zh
    assert found.error_en
    assert maps.load_boundaries(tmp_path / "nowhere") == maps.Boundaries()  # no file: no outlines, no message


def test_configured_tile_url_is_drawn_under_the_points(on_fixture, monkeypatch):
    configured = dataclasses.replace(settings(), tile_url="http://10.0.0.5/tiles/{z}/{x}/{y}.png",
                                     tile_attribution="龙潭区测绘院")
    monkeypatch.setattr("coopdash.data.settings.settings", lambda: configured)
    at = open_app(page=PAGE, **WINDOW)
    spec, _ = deck_of(at)
    style = json.loads(urllib.parse.unquote(spec["mapStyle"].split(",", 1)[1]))
    assert style["sources"]["intranet"]["tiles"] == ["http://10.0.0.5/tiles/{z}/{x}/{y}.png"]
    assert style["sources"]["intranet"]["attribution"] == "龙潭区测绘院"  # drawn in the map's corner
    assert len(layer(spec, "compounds")["data"]) == 5


# ============================================================== city scale: one point per community
# Above [map] aggregate_above compounds in scope the page draws one point per community (from
# map_communities) and offers no compound list; at or below it, one point per compound as above.

def test_scope_size_counts_compounds_and_communities(fixture_con):
    def size(**kw):
        return run(fixture_con, "map_scope", **kw).iloc[0][["compounds", "communities"]].tolist()
    assert size() == [5, 3]
    assert size(streets=["S2"]) == [2, 1]
    assert size(communities=["C1", "C2"]) == [3, 2]
    assert size(streets=["T1"]) == [0, 0]


def state_counts(df, when):
    return {r.community_code: tuple(getattr(r, f"{m}_{when}") for m in RGB) for r in df.itertuples()}


def test_communities_count_compounds_in_each_state_before_and_after(fixture_con):
    df = run(fixture_con, "map_communities")
    assert list(df["community_code"]) == ["C1", "C2", "C3"]  # by street, then community
    assert list(df["street_name"]) == ["甲街道", "甲街道", "乙街道"]
    assert list(df["compounds"]) == [2, 1, 2] and list(df["households"]) == [120, 300, 230]
    # (professional, cooperative, self, none)
    assert state_counts(df, "before") == {"C1": (0, 0, 1, 1), "C2": (1, 0, 0, 0), "C3": (0, 0, 0, 2)}
    assert state_counts(df, "after") == {"C1": (0, 2, 0, 0), "C2": (1, 0, 0, 0), "C3": (0, 1, 0, 1)}
    # the point sits at the mean of the community's compounds
    c3 = df.set_index("community_code").loc["C3"]
    assert (c3["lon"], c3["lat"]) == (pytest.approx(126.56115), pytest.approx(43.91115))


def test_communities_follow_the_end_date_the_launch_and_the_filters(fixture_con):
    later = run(fixture_con, "map_communities", end=D(2024, 6, 30))
    assert state_counts(later, "after")["C3"] == (1, 0, 0, 1)  # P4 went professional on 2024-01-01
    # a day before P4's first row: it has no state, so it counts in `compounds` only
    early = run(fixture_con, "map_communities", launch=D(2023, 3, 31)).set_index("community_code")
    assert early.loc["C3", "compounds"] == 2 and state_counts(early.reset_index(), "before")["C3"] == (0, 0, 0, 1)
    assert list(run(fixture_con, "map_communities", streets=["S2"])["community_code"]) == ["C3"]
    assert run(fixture_con, "map_communities", streets=["T1"]).empty


def test_demo_communities_match_independent_sql(demo_con):
    df = run(demo_con, "map_communities").set_index("community_code")
    compounds = dict(demo_con.execute("SELECT community_code, count(*) FROM compounds GROUP BY ALL").fetchall())
    coop_on_report = dict(demo_con.execute("""
        SELECT c.community_code, count(*) FROM compounds c JOIN management_history h USING (compound_code)
        WHERE h.valid_from = (SELECT max(h2.valid_from) FROM management_history h2
                              WHERE h2.compound_code = c.compound_code AND h2.valid_from <= ?)
          AND h.management = 'cooperative'
        GROUP BY ALL""", [REPORT]).fetchall())
    assert df["compounds"].to_dict() == compounds and df["compounds"].sum() == 253
    assert df["cooperative_after"].to_dict() == {c: coop_on_report.get(c, 0) for c in compounds}
    assert df["cooperative_before"].sum() == 0 and df["cooperative_after"].sum() > 0  # none before the launch
    status = run(demo_con, "map_status_counts").set_index("management")
    for m in RGB:  # the communities add up to the district's cards
        assert df[f"{m}_before"].sum() == status.loc[m, "n_before"]
        assert df[f"{m}_after"].sum() == status.loc[m, "n_after"]


def test_share_classes_and_community_radius():
    # none, under 25 %, 25–50 %, 50–75 %, 75 % or more of a community's compounds
    assert maps.share_class([0, 1, 1, 2, 3, 4, 3, 0], [4, 5, 4, 4, 4, 4, 3, 0]).tolist() == [0, 1, 2, 3, 4, 4, 4, 0]
    assert maps.community_radius_px([16, 4, 1, 0]).tolist() == [8.0, 4.0, 3.0, 3.0]  # 2 px × √n, at least 3


def test_vectorised_radii_equal_the_scalar_rule():
    import pandas as pd
    households = pd.Series([0, 20, 24, 25, 100, 400, 1070, None, -5])
    assert maps.radii_m(households).tolist() == [maps.radius_m(h) for h in households]


def test_compact_deck_json_is_pydecks_json_with_the_rows_spliced_in(fixture_con):
    import pydeck as pdk
    points = run(fixture_con, "map_points")
    records = maps.point_records(points, "after")
    view = maps.fit_view(points["lon"], points["lat"])
    seats = run(fixture_con, "map_street_seats")
    plain = maps.build_deck(records, seats, view, selected=records[0])
    expected = json.loads(pdk.Deck.to_json(plain))  # pydeck's own (indented) serialisation …
    assert expected.pop("_raw") == {}  # … which also writes out the subclass's own attribute
    assert json.loads(plain.to_json()) == expected
    spliced = maps.build_deck(maps.records_json(points, "after", maps.LAYER_POINTS, "zh"), seats, view,
                              selected=records[0])
    text = spliced.to_json()
    assert json.loads(text) == expected and "__coopdash" not in text
    assert "甲小区" in text  # UTF-8, not \u escapes
    assert len(text) < 0.7 * len(pdk.Deck.to_json(plain))


def test_community_records_for_the_tooltip_and_colours(fixture_con):
    df = run(fixture_con, "map_communities")
    after = {r["community_code"]: r for r in maps.community_records(df, "after")}
    assert (after["C1"]["compounds"], after["C1"]["households"], after["C1"]["cooperative"]) == \
        ("2 个", "120 户", "2 个（占 100%）")
    assert (after["C3"]["cooperative"], after["C3"]["none"], after["C3"]["professional"]) == \
        ("1 个（占 50%）", "1 个", "0 个")
    assert [after[c]["color"][:3] for c in ("C1", "C2", "C3")] == \
        [list(maps.SHARE_RGB[4]), list(maps.SHARE_RGB[0]), list(maps.SHARE_RGB[3])]
    assert after["C1"]["radius"] == maps.community_radius_px([2])[0]
    before = {r["community_code"]: r for r in maps.community_records(df, "before")}
    assert all(r["color"][:3] == list(maps.SHARE_RGB[0]) for r in before.values())
    assert (before["C1"]["self"], before["C1"]["none"], before["C1"]["cooperative"]) == ("1 个", "1 个", "0 个（占 0%）")
    tip = maps.community_tooltip()["html"]
    assert set(__import__("re").findall(r"{(\w+)}", tip)) == \
        {"name", "street", "compounds", "households", "professional", "cooperative", "self", "none"}
    event = {"selection": {"indices": {"communities": [2]}, "objects": {"communities": [after["C3"]]}}}
    assert maps.picked_community(event) == "C3" and maps.picked_code(event) is None


@pytest.fixture
def aggregate_above(monkeypatch):
    """Set [map] aggregate_above for the page (the fixture has 5 compounds, the demo 253)."""
    def set_to(limit):
        configured = dataclasses.replace(settings(), map_aggregate_above=limit)
        monkeypatch.setattr("coopdash.data.settings.settings", lambda: configured)
    return set_to


def communities_by_code(at):
    spec, _ = deck_of(at)
    assert layer(spec, "compounds") is None
    return {p["community_code"]: p for p in layer(spec, "communities")["data"]}


def test_page_draws_one_point_per_community_above_the_threshold(on_fixture, aggregate_above):
    aggregate_above(4)  # 5 compounds in scope
    at = open_app(page=PAGE, **WINDOW)
    pts = communities_by_code(at)
    assert set(pts) == {"C1", "C2", "C3"}
    assert (pts["C3"]["name"], pts["C3"]["street"], pts["C3"]["compounds"], pts["C3"]["cooperative"]) == \
        ("三社区", "乙街道", "2 个", "1 个（占 50%）")
    assert pts["C1"]["color"][:3] == list(maps.SHARE_RGB[4])  # both of C1's compounds
    spec, tip = deck_of(at)
    assert layer(spec, "communities")["radiusUnits"] == "pixels" and "{cooperative}" in tip["html"]
    shown = texts(at)
    assert "范围内有 5 个小区、单体楼（超过 4 个），地图按社区汇总：每个点是一个社区（3 个）" in shown
    assert "1 个社区 · 2 个小区" in shown  # the legend: C1 (75 % or more), C3 (50–75 %)
    assert not at.selectbox and not at.dataframe  # no compound list at this scale
    # the cards are the same as on the compound map
    assert metrics(at) == {"专业物业": "1 个", "共享物业社代管": "3 个", "业主自管": "0 个", "无人管理": "1 个"}

    at.segmented_control(key="map_state").set_value("before").run()
    pts = communities_by_code(at)
    assert all(p["color"][:3] == list(maps.SHARE_RGB[0]) for p in pts.values())  # no cooperative yet
    assert (pts["C1"]["self"], pts["C1"]["none"]) == ("1 个", "1 个")
    assert "3 个社区 · 5 个小区" in texts(at)  # every community in the "none" class


def test_choosing_a_community_offers_its_compounds(on_fixture, aggregate_above):
    aggregate_above(4)
    at = open_app(page=PAGE, **WINDOW)
    at.session_state["map_community"] = "C3"  # what a click on its point sets (follow_map)
    at.run()
    shown = texts(at)
    assert "三社区" in shown and "乙街道 · 2 个小区、单体楼 · 230 户" in shown
    assert "共享物业社代管：项目启动前 0 → 结束日期 1" in shown and "无人管理：项目启动前 2 → 结束日期 1" in shown
    spec, _ = deck_of(at)
    assert layer(spec, "chosen")["data"][0]["community_code"] == "C3"  # ringed on the map

    at.button(key="map_show_community").click().run()  # narrows the sidebar filter to C3: 2 compounds
    assert at.sidebar.multiselect(key="flt_communities").value == ["C3"]
    assert at.query_params["community"] == "C3"
    assert set(points_by_code(at)) == {"P4", "P5"}  # one point per compound again
    assert at.selectbox(key="map_compound").options == ["丙新村（三社区）", "乙路2号楼（三社区）"]


def test_show_street_narrows_to_the_street_office(on_fixture, aggregate_above):
    aggregate_above(2)  # S1 has 3 compounds: still one point per community
    at = open_app(page=PAGE, **WINDOW)
    at.session_state["map_community"] = "C1"
    at.run()
    at.button(key="map_show_street").click().run()
    assert at.sidebar.multiselect(key="flt_streets").value == ["S1"]
    assert set(communities_by_code(at)) == {"C1", "C2"}
    at.session_state["map_community"] = "C1"
    at.run()
    keys = [b.key for b in at.button]
    assert "map_show_community" in keys and "map_show_street" not in keys  # already that street office


def test_demo_page_aggregates_by_community_under_a_low_threshold(demo_con, aggregate_above):
    aggregate_above(100)  # the demo has 253 compounds and standalone buildings
    at = open_app(page=PAGE, **WINDOW)
    pts = communities_by_code(at)
    expected = dict(demo_con.execute(
        "SELECT community_code, count(*) FROM compounds GROUP BY ALL").fetchall())
    assert set(pts) == set(expected)
    assert {c: p["compounds"] for c, p in pts.items()} == {c: f"{n} 个" for c, n in expected.items()}


def test_street_names_only_while_they_fit():
    import pandas as pd

    def seats(n):
        return pd.DataFrame({"street_code": [f"S{i}" for i in range(n)], "street_name": [f"街道{i}" for i in range(n)],
                             "lon": [126.5 + i / 1000 for i in range(n)], "lat": [43.9] * n})
    view = maps.fit_view([126.5], [43.9])
    few = json.loads(maps.build_deck([], seats(maps.MAX_STREET_LABELS), view).to_json())
    many = json.loads(maps.build_deck([], seats(maps.MAX_STREET_LABELS + 1), view).to_json())
    assert len(layer(few, "street_labels")["data"]) == maps.MAX_STREET_LABELS == 40
    assert layer(many, "street_labels") is None  # 243 names at city scale would cover the points …
    assert len(layer(many, "street_seats")["data"]) == 41  # … their seats are still drawn


def test_demo_open_orders_match_independent_sql_on_the_raw_orders(demo_con):
    # map_points counts them from orders_open_at (orders_flat); here straight from service_orders
    for end in (REPORT, D(2025, 1, 15)):
        expected = dict(demo_con.execute("""
            SELECT compound_code, count(*) FROM service_orders
            WHERE submitted_at < CAST(? AS DATE) + 1 AND status <> 'cancelled'
              AND (resolved_at IS NULL OR resolved_at >= CAST(? AS DATE) + 1)
            GROUP BY ALL""", [end, end]).fetchall())
        got = run(demo_con, "map_points", end=end).set_index("compound_code")["open_orders"]
        assert sum(expected.values()) > 0
        assert {c: n for c, n in got.items() if n} == expected
