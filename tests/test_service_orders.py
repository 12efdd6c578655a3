"""The 点单服务 page: its queries against the hand-made fixture (values worked by hand below), and the
page run with AppTest on the fixture, on a variant of it, and on the demo data.

Base fixture orders (tests/fixture_data.py), window 2023-04-01 … 2023-11-30 (end = 2023-12-01 00:00):
  O1 P1(C1,S1) pipe_unclog   06-01 10:00 → 06-02 09:00  23 h      rating 5
  O2 P1(C1,S1) gas_safety    07-01 08:00 → 07-03 08:00  48 h      rating 4
  O3 P2(C1,S1) snow_clearing 11-29 20:00 → 12-01 10:00  (after the window: open at its end)
  O4 P4(C3,S2) other         08-01 09:00   cancelled
  O5 P4(C3,S2) heating       11-30 23:30 → 11-30 23:59  29 min = 29/60 h  rating 3
  O6 P5(C3,S2) garbage       10-01 09:00   in progress
  O7 P1(C1,S1) lighting      03-20 10:00 → 04-02 10:00  312 h (submitted before the window)
quantile_cont(p) on n sorted values: position (n − 1)·p counted from 0, linear between neighbours.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from coopdash.data import db, hours
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from tests.apptest import charts, metrics, open_app, texts, values
from tests.conftest import LAUNCH, REPORT, params
from tests.fixture_data import ROWS, write_fixture

D, T = dt.date, dt.datetime
PAGE = "pages/service_orders.py"
O5_HOURS = 29 / 60
DEADLINES = settings().deadlines  # hours per category, from config/dashboard.toml [service_deadlines]


def deadline_days(category: str) -> float | None:
    """A deadline in days when it is a whole number of days of 7 or more (the queries' rule), else None."""
    hours = DEADLINES[category]
    return hours / 24 if hours >= 168 and hours % 24 == 0 else None


def deadline_shown(category: str) -> str:
    """The deadline as the page shows it: in days when it is given in days, else in hours."""
    days = deadline_days(category)
    return f"{fmt.number(days)} 天" if days is not None else f"{fmt.number(DEADLINES[category])} 小时"


def one(df):
    assert len(df) == 1
    return df.iloc[0].to_dict()


# ------------------------------------------------------------------ a variant of the fixture
# Extra orders (added to the base ones) for the deadline edge, overdue rows and the seasons:
VARIANT_ORDERS = [
    # exactly at its 48 h deadline → within the deadline (≤)
    dict(order_id="O8", compound_code="P2", category="pipe_unclog", submitted_at=T(2023, 9, 10, 8),
         resolved_at=T(2023, 9, 12, 8), status="resolved", rating=2),
    # open at 2023-11-30 24:00 (resolved on 12-03), 136 h old > 48 h → overdue
    dict(order_id="O9", compound_code="P5", category="snow_clearing", submitted_at=T(2023, 11, 25, 8),
         resolved_at=T(2023, 12, 3, 8), status="resolved", rating=None),
    # open, 30 days = 720 h old at 2023-11-30 24:00 > 360 h (15 days) → overdue
    dict(order_id="O10", compound_code="P4", category="illegal_building", submitted_at=T(2023, 11, 1, 0),
         resolved_at=None, status="accepted", rating=None),
    # the winter
    dict(order_id="O11", compound_code="P1", category="snow_clearing", submitted_at=T(2023, 12, 15, 9),
         resolved_at=T(2023, 12, 16, 9), status="resolved", rating=5),
    dict(order_id="O12", compound_code="P2", category="snow_clearing", submitted_at=T(2024, 1, 10, 9),
         resolved_at=T(2024, 1, 11, 9), status="resolved", rating=4),
    dict(order_id="O13", compound_code="P4", category="snow_clearing", submitted_at=T(2024, 3, 5, 9),
         resolved_at=T(2024, 3, 6, 9), status="resolved", rating=None),
    dict(order_id="O14", compound_code="P1", category="heating", submitted_at=T(2024, 2, 1, 9),
         resolved_at=T(2024, 2, 2, 9), status="resolved", rating=None),
    dict(order_id="O15", compound_code="P1", category="snow_clearing", submitted_at=T(2024, 2, 20, 9),
         resolved_at=None, status="cancelled", rating=None),  # cancelled: not in the heatmap
]


@pytest.fixture(scope="module")
def variant_dir(tmp_path_factory):
    rows = {**ROWS, "service_orders": ROWS["service_orders"] + VARIANT_ORDERS}
    return write_fixture(tmp_path_factory.mktemp("orders_variant") / "ds", rows)


@pytest.fixture(scope="module")
def variant_con(variant_dir):
    return db.open_dataset(variant_dir)


@pytest.fixture(scope="module")
def v(variant_con):
    def run(name, **kw):
        return db.execute(variant_con, name, params(**kw))
    return run


# ------------------------------------------------------------------ hours to resolve: both paths
BY = {"district": "", "category": "category", "street": "street"}


def hours_on(folder, con):
    """h(kind, **filters) → coopdash.hours' breakdown (the page's figures), indexed by code, after
    checking it against queries/orders_hours.sql (their definition) on the same filters."""
    index = hours.load(folder, con)

    def run(kind="district", **kw):
        p = params(**kw)
        got = index.summary(p["start"], p["end"], p["streets"], p["communities"])[kind]
        ref = db.execute(con, "orders_hours", {**p, "by": BY[kind]})
        cols = [c for c in ref.columns if kind != "street" or not c.startswith("within")]
        pd.testing.assert_frame_equal(got[got["resolved"] > 0].reset_index(drop=True)[cols], ref[cols],
                                      check_dtype=False)
        return got.set_index("code")
    return run


@pytest.fixture(scope="module")
def h(fixture_dir, fixture_con):
    return hours_on(fixture_dir, fixture_con)


@pytest.fixture(scope="module")
def hv(variant_dir, variant_con):
    return hours_on(variant_dir, variant_con)


# ------------------------------------------------------------------ orders_backlog
def test_backlog_counts_orders_still_open_at_the_end_of_the_last_day(q):
    row = one(q("orders_backlog"))
    # open at 2023-12-01 00:00: O3 (resolved 12-01 10:00, later) and O6 (in progress); O4 cancelled.
    # ages: O3 11-29 20:00 → 28 h = 28/24 d; O6 10-01 09:00 → 61 d − 9 h = 60.625 d
    assert row["open_orders"] == 2
    assert row["median_age_days"] == pytest.approx((28 / 24 + 60.625) / 2)  # 30.8958…
    assert row["oldest_age_days"] == pytest.approx(60.625)


def test_backlog_keeps_orders_submitted_before_the_window_and_closes_them_when_resolved(q):
    # a November window: O6 (submitted in October) is still part of the backlog
    assert one(q("orders_backlog", start=D(2023, 11, 1)))["open_orders"] == 2
    # one day later O3 is resolved (12-01 10:00); O6 is a day older: 61.625 d at 12-02 00:00
    row = one(q("orders_backlog", end=D(2023, 12, 1)))
    assert (row["open_orders"], row["oldest_age_days"]) == (1, pytest.approx(61.625))


def test_backlog_follows_the_street_and_community_filters(q):
    row = one(q("orders_backlog", streets=["S1"]))  # O3 only
    assert (row["open_orders"], row["median_age_days"]) == (1, pytest.approx(28 / 24))
    row = one(q("orders_backlog", communities=["C3"]))  # O6 only (O4 cancelled)
    assert (row["open_orders"], row["oldest_age_days"]) == (1, pytest.approx(60.625))
    row = one(q("orders_backlog", streets=["T1"]))  # a town without compounds
    assert row["open_orders"] == 0 and pd.isna(row["median_age_days"])


def test_backlog_median_of_four_open_orders_in_the_variant(v):
    row = one(v("orders_backlog"))
    # O3 28/24 = 1.1667 d, O9 11-25 08:00 → 5 d 16 h = 5.6667 d, O10 30 d, O6 60.625 d
    # median = (5.6667 + 30) / 2
    assert row["open_orders"] == 4
    assert row["median_age_days"] == pytest.approx((5 + 16 / 24 + 30) / 2)
    assert row["oldest_age_days"] == pytest.approx(60.625)


# ------------------------------------------------------------------ hours to resolve (district-wide)
def test_hours_to_resolve_median_and_p90_interpolate_linearly(h):
    row = one(h())
    # resolved in the window, sorted: O5 0.483, O1 23, O2 48, O7 312 (n = 4)
    # median: position 3·0.5 = 1.5 → 23 + 0.5·(48 − 23) = 35.5
    # P90:    position 3·0.9 = 2.7 → 48 + 0.7·(312 − 48) = 232.8
    assert row["resolved"] == 4
    assert row["median_hours"] == pytest.approx(35.5)
    assert row["p90_hours"] == pytest.approx(232.8)


def test_within_deadline_compares_hours_with_the_categorys_deadline(h):
    row = one(h())
    # O1 23 ≤ 48 (pipe_unclog) yes; O2 48 > 24 (gas_safety) no; O5 0.48 ≤ 48 (heating) yes;
    # O7 312 > 72 (lighting) no → 2 of 4
    assert (row["within_deadline"], row["within_deadline_share"]) == (2, pytest.approx(0.5))


def test_resolution_exactly_at_the_deadline_counts_as_within(hv):
    row = one(hv())
    # + O8 pipe_unclog 48 h ≤ 48 → 3 of 5; sorted 0.483, 23, 48, 48, 312:
    # median = position 2 = 48; P90 = position 3.6 → 48 + 0.6·(312 − 48) = 206.4
    assert (row["resolved"], row["within_deadline"]) == (5, 3)
    assert row["within_deadline_share"] == pytest.approx(3 / 5)
    assert (row["median_hours"], row["p90_hours"]) == (pytest.approx(48), pytest.approx(206.4))


def test_resolution_time_follows_the_filters(h):
    row = one(h(communities=["C1"]))
    # O1 23, O2 48, O7 312: median 48; P90 position 1.8 → 48 + 0.8·264 = 259.2; within: O1 → 1/3
    assert (row["resolved"], row["median_hours"], row["p90_hours"]) == \
        (3, pytest.approx(48), pytest.approx(259.2))
    assert row["within_deadline_share"] == pytest.approx(1 / 3)
    row = one(h(streets=["S2"]))  # O5 alone
    assert (row["median_hours"], row["p90_hours"]) == (pytest.approx(O5_HOURS), pytest.approx(O5_HOURS))
    row = one(h(streets=["T1"]))
    assert row["resolved"] == 0 and pd.isna(row["median_hours"]) and pd.isna(row["within_deadline_share"])


# ------------------------------------------------------------------ orders_satisfaction
def test_satisfaction_counts_rated_resolved_orders_only(q):
    row = one(q("orders_satisfaction"))
    # resolved in the window: O1 5, O2 4, O5 3, O7 unrated → mean (5 + 4 + 3) / 3 = 4; 4–5: 2 of 3
    assert (row["rated"], row["rated_4_5"]) == (3, 2)
    assert row["mean_rating"] == pytest.approx(4.0)
    assert row["share_4_5"] == pytest.approx(2 / 3)


def test_satisfaction_follows_the_filters_and_is_empty_without_ratings(q):
    row = one(q("orders_satisfaction", streets=["S1"]))  # O1 5, O2 4 (O7 unrated)
    assert (row["rated"], row["mean_rating"], row["share_4_5"]) == (2, pytest.approx(4.5), pytest.approx(1.0))
    row = one(q("orders_satisfaction", start=D(2023, 4, 1), end=D(2023, 4, 30)))  # O7 only, unrated
    assert row["rated"] == 0 and pd.isna(row["mean_rating"]) and pd.isna(row["share_4_5"])


# ------------------------------------------------------------------ orders_by_street
def test_by_street_counts_submitted_resolved_rate_and_median_hours(q, h):
    df = hours.attach(q("orders_by_street"), h("street").reset_index(), "street_code").set_index("street_code")
    assert list(df.index) == ["S1", "S2"]  # most submitted first; T1 has no compounds
    # S1: submitted O1 O2 O3 = 3; resolved in window O1 O2 O7 = 3; of the submitted resolved by the
    #     end O1 O2 → 2/3; median of 23, 48, 312 = 48
    # S2: submitted O5 O6 = 2 (O4 cancelled); resolved O5 = 1; rate 1/2; median 29/60 h
    assert df.loc["S1"].to_dict() == {"street_name": "甲街道", "submitted": 3, "resolved": 3,
                                      "submitted_resolved": 2, "resolution_rate": pytest.approx(2 / 3),
                                      "median_hours": pytest.approx(48), "p90_hours": pytest.approx(259.2)}
    assert df.loc["S2"].to_dict() == {"street_name": "乙街道", "submitted": 2, "resolved": 1,
                                      "submitted_resolved": 1, "resolution_rate": pytest.approx(0.5),
                                      "median_hours": pytest.approx(O5_HOURS),
                                      "p90_hours": pytest.approx(O5_HOURS)}


def test_by_street_keeps_streets_without_orders_and_is_empty_outside_the_pilot(q):
    df = q("orders_by_street", start=D(2023, 5, 1), end=D(2023, 5, 31))  # no order in May
    assert list(df["street_code"]) == ["S1", "S2"]
    assert df[["submitted", "resolved"]].to_numpy().sum() == 0 and df["resolution_rate"].isna().all()
    assert list(q("orders_by_street", communities=["C3"])["street_code"]) == ["S2"]
    assert q("orders_by_street", streets=["T1"]).empty


# ------------------------------------------------------------------ orders_by_category
def test_by_category_lists_active_categories_with_deadline_and_within_share(q, h):
    df = hours.attach(q("orders_by_category"), h("category").reset_index(), "category").set_index("category")
    # O4 (other) is cancelled: no row. lighting (O7): submitted in March, resolved in April.
    assert set(df.index) == {"pipe_unclog", "gas_safety", "snow_clearing", "heating", "garbage", "lighting"}
    assert list(df.index)[-1] == "lighting"  # 0 submitted: last
    got = df[["submitted", "resolved", "submitted_resolved"]].T.to_dict()
    assert got == {
        "pipe_unclog": {"submitted": 1, "resolved": 1, "submitted_resolved": 1},
        "gas_safety": {"submitted": 1, "resolved": 1, "submitted_resolved": 1},
        "snow_clearing": {"submitted": 1, "resolved": 0, "submitted_resolved": 0},
        "heating": {"submitted": 1, "resolved": 1, "submitted_resolved": 1},
        "garbage": {"submitted": 1, "resolved": 0, "submitted_resolved": 0},
        "lighting": {"submitted": 0, "resolved": 1, "submitted_resolved": 0},
    }
    assert df["deadline_hours"].to_dict() == {c: DEADLINES[c] for c in df.index}  # as configured
    assert df.loc["gas_safety", "median_hours"] == pytest.approx(48)
    assert df.loc["gas_safety", "within_deadline_share"] == 0  # 48 h > 24 h
    assert df.loc["heating", "within_deadline_share"] == 1
    assert df.loc["snow_clearing", "resolution_rate"] == 0  # O3 resolved after the window
    assert pd.isna(df.loc["lighting", "resolution_rate"]) and df.loc["lighting", "median_hours"] == 312
    assert [None if pd.isna(d) else d for d in df["deadline_days"]] == [deadline_days(c) for c in df.index]


def test_by_category_gives_long_deadlines_in_days_and_follows_the_filter(v, q, hv):
    df = hours.attach(v("orders_by_category"), hv("category").reset_index(), "category").set_index("category")
    assert df["deadline_hours"].to_dict() == {c: DEADLINES[c] for c in df.index}
    assert [None if pd.isna(d) else d for d in df["deadline_days"]] == [deadline_days(c) for c in df.index]
    assert deadline_days("illegal_building") is not None  # the days branch is exercised (15 days as configured)
    assert df.loc["pipe_unclog", "within_deadline_share"] == 1  # O1 23 h and O8 exactly 48 h
    # S2: heating O5 (1 submitted, 1 resolved) before garbage O6 (1 submitted, 0 resolved)
    assert list(q("orders_by_category", streets=["S2"])["category"]) == ["heating", "garbage"]


# ------------------------------------------------------------------ orders_monthly
def test_monthly_has_every_month_with_submitted_and_resolved(q):
    df = q("orders_monthly").set_index("month")
    assert list(df.index) == [D(2023, m, 1) for m in range(4, 12)]
    # submitted: O1 June, O2 July, O6 October, O3 + O5 November (O4 cancelled, O7 in March)
    assert df["submitted"].to_dict() == {D(2023, 4, 1): 0, D(2023, 5, 1): 0, D(2023, 6, 1): 1,
                                         D(2023, 7, 1): 1, D(2023, 8, 1): 0, D(2023, 9, 1): 0,
                                         D(2023, 10, 1): 1, D(2023, 11, 1): 2}
    # resolved: O7 April, O1 June, O2 July, O5 November (O3 in December)
    assert df["resolved"].to_dict() == {D(2023, 4, 1): 1, D(2023, 5, 1): 0, D(2023, 6, 1): 1,
                                        D(2023, 7, 1): 1, D(2023, 8, 1): 0, D(2023, 9, 1): 0,
                                        D(2023, 10, 1): 0, D(2023, 11, 1): 1}


def test_monthly_follows_the_community_filter(q):
    df = q("orders_monthly", communities=["C3"]).set_index("month")
    assert df["submitted"].sum() == 2 and df.loc[D(2023, 10, 1), "submitted"] == 1  # O6; O5 in Nov
    assert df["resolved"].to_dict()[D(2023, 11, 1)] == 1 and df["resolved"].sum() == 1


# ------------------------------------------------------------------ orders_category_month
def test_category_month_grid_has_every_month_for_each_active_category(q):
    df = q("orders_category_month")
    cats = list(dict.fromkeys(df["category"]))
    # submitted in the window: garbage O6, gas_safety O2, heating O5, pipe_unclog O1, snow_clearing O3
    assert sorted(cats) == ["garbage", "gas_safety", "heating", "pipe_unclog", "snow_clearing"]
    assert len(df) == 5 * 8  # 5 categories × April … November
    cells = {(r.category, r.month.month): r.submitted for r in df.itertuples() if r.submitted}
    assert cells == {("pipe_unclog", 6): 1, ("gas_safety", 7): 1, ("garbage", 10): 1,
                     ("snow_clearing", 11): 1, ("heating", 11): 1}
    assert df["submitted"].sum() == one(q("kpi_orders"))["submitted"]  # 5, the submitted orders
    assert q("orders_category_month", streets=["T1"]).empty


def test_category_month_shows_snow_clearing_in_winter_only(v):
    df = v("orders_category_month", end=D(2024, 4, 30))
    assert list(df["category"])[0] == "snow_clearing"  # most submitted first: 5 (O15 cancelled)
    snow = df[df["category"] == "snow_clearing"].set_index("month")["submitted"]
    assert len(snow) == 13  # April 2023 … April 2024
    # O3 + O9 November, O11 December, O12 January, O15 February is cancelled, O13 March
    assert {m.strftime("%Y-%m"): n for m, n in snow.items() if n} == \
        {"2023-11": 2, "2023-12": 1, "2024-01": 1, "2024-03": 1}
    heating = df[df["category"] == "heating"].set_index("month")["submitted"]
    assert {m.strftime("%Y-%m"): n for m, n in heating.items() if n} == {"2023-11": 1, "2024-02": 1}


# ------------------------------------------------------------------ orders_overdue
def test_overdue_lists_open_orders_older_than_their_deadline(q):
    df = q("orders_overdue")
    # O6 garbage: 60.625 d = 1455 h > 72 h → overdue; O3 snow_clearing: 28 h < 48 h → not yet
    assert list(df["order_id"]) == ["O6"]
    row = df.iloc[0].to_dict()
    assert (row["compound_name"], row["community_name"], row["street_name"], row["category"]) == \
        ("乙路2号楼", "三社区", "乙街道", "garbage")
    assert row["submitted_at"] == pd.Timestamp(2023, 10, 1, 9)
    assert (row["age_days"], row["deadline_hours"], row["status"]) == (60.6, DEADLINES["garbage"], "in_progress")
    assert pd.isna(row["deadline_days"]) == (deadline_days("garbage") is None) and pd.isna(row["resolved_at"])


def test_overdue_follows_the_window_end_and_the_filter(q):
    # at 2023-12-01 24:00 O3 is resolved; O6 (10-01 09:00) is 63 h old at 10-03 24:00 (within 72 h)
    # and 87 h old at 10-04 24:00 (overdue)
    assert list(q("orders_overdue", end=D(2023, 12, 1))["order_id"]) == ["O6"]
    assert q("orders_overdue", end=D(2023, 10, 3)).empty
    assert list(q("orders_overdue", end=D(2023, 10, 4))["order_id"]) == ["O6"]
    assert q("orders_overdue", streets=["S1"]).empty


def test_overdue_orders_oldest_first_with_later_resolution_and_day_deadlines(v):
    df = v("orders_overdue")
    # O6 10-01, O10 11-01 (720 h > 360 h), O9 11-25 (136 h > 48 h, resolved 12-03); O3 28 h < 48 h
    assert list(df["order_id"]) == ["O6", "O10", "O9"]
    by_id = df.set_index("order_id")
    assert (by_id.loc["O10", "age_days"], by_id.loc["O10", "deadline_days"]) == \
        (30.0, deadline_days("illegal_building"))
    assert (by_id.loc["O9", "age_days"], by_id.loc["O9", "status"]) == (5.7, "resolved")
    assert by_id.loc["O9", "resolved_at"] == pd.Timestamp(2023, 12, 3, 8)


# ------------------------------------------------------------------ the page on the fixture
@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


@pytest.fixture
def on_variant(variant_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(variant_dir))


def report_page(**query):
    return open_app(page=PAGE, from_=LAUNCH.isoformat(), to=REPORT.isoformat(), **query)


def test_fixture_cards_show_the_hand_worked_figures(on_fixture):
    assert metrics(report_page()) == {
        "解决点单": "4 次", "点单解决率": "60.0%",
        "解决用时中位数": "35.5 小时", "九成工单解决用时": "232.8 小时", "时限内办结占比": "50.0%",
        "未结工单数": "2 件", "未结等待中位数": "30.9 天", "最久未结已等待": "60.6 天",
        "平均满意度评分": "4 分", "评4–5分占比": "66.7%", "参与评价的工单": "3 件",
    }


def test_fixture_charts_and_tables_show_the_street_and_category_figures(on_fixture):
    at = report_page()
    figs = charts(at)
    assert set(figs) == {"orders_street_bars", "orders_category_bars", "orders_monthly", "orders_season_heatmap"}
    submitted, resolved = figs["orders_street_bars"]["data"]
    assert (submitted["name"], resolved["name"]) == ("提交", "解决")
    assert list(submitted["y"]) == ["甲街道", "乙街道"]
    assert (values(submitted["x"]), values(resolved["x"])) == ([3, 2], [3, 1])
    monthly = figs["orders_monthly"]["data"]
    assert values(monthly[0]["y"]) == [0, 0, 1, 1, 0, 0, 1, 2]
    assert values(monthly[1]["y"]) == [1, 0, 1, 1, 0, 0, 0, 1]
    streets = at.dataframe[0].value
    assert list(streets["street_name"]) == ["甲街道", "乙街道"]
    assert list(streets["resolution_rate"]) == [pytest.approx(2 / 3), pytest.approx(0.5)]
    cats = at.dataframe[1].value.set_index("category_zh")
    assert cats.loc["燃气安全", "deadline"] == deadline_shown("gas_safety")
    assert cats.loc["燃气安全", "within_deadline_share"] == 0
    assert cats.loc["照明", "resolved"] == 1


def test_fixture_overdue_table_shows_the_overdue_order(on_fixture):
    at = report_page()
    table = at.dataframe[2].value
    assert table.to_dict("records") == [{
        "order_id": "O6", "compound_name": "乙路2号楼", "community_name": "三社区", "street_name": "乙街道",
        "category_zh": "垃圾清运", "submitted_at": pd.Timestamp(2023, 10, 1, 9), "age_days": 60.6,
        "deadline": deadline_shown("garbage"), "status_zh": "处理中"}]
    assert "截至2023年11月30日24时" in texts(at)


def test_overdue_table_notes_later_resolution_and_long_deadlines(on_variant):
    table = report_page().dataframe[2].value
    assert list(table["order_id"]) == ["O6", "O10", "O9"]
    rows = table.set_index("order_id")
    assert (rows.loc["O10", "deadline"], rows.loc["O10", "status_zh"]) == (deadline_shown("illegal_building"), "已受理")
    assert rows.loc["O9", "status_zh"] == "已解决（2023年12月3日）"


def test_window_without_new_orders_still_lists_the_open_backlog(on_fixture):
    at = open_app(page=PAGE, from_="2024-02-01", to="2024-02-29")
    shown = metrics(at)
    assert (shown["解决点单"], shown["未结工单数"]) == ("0 次", "1 件")  # O6 is still open
    assert shown["点单解决率"] == "—" and shown["解决用时中位数"] == "—"  # no unit after "—"
    assert charts(at) == {}
    assert "所选范围内无数据" in texts(at)
    assert list(at.dataframe[0].value["order_id"]) == ["O6"]


def test_month_with_only_a_resolution_has_no_heatmap_and_no_overdue_order(on_fixture):
    at = open_app(page=PAGE, from_="2023-04-01", to="2023-04-30")  # O7 resolved; nothing submitted
    assert metrics(at)["解决点单"] == "1 次" and metrics(at)["点单解决率"] == "—"
    figs = charts(at)
    assert set(figs) == {"orders_street_bars", "orders_category_bars", "orders_monthly"}
    assert values(figs["orders_monthly"]["data"][1]["y"]) == [1]
    assert texts(at).count("所选范围内无数据") == 1  # the heatmap's place
    assert "截至2023年4月30日24时没有超期未结工单" in texts(at)


# ------------------------------------------------------------------ the page on the demo data
def demo_orders(con) -> pd.DataFrame:
    return con.sql("""SELECT o.*, cm.community_code, cm.street_code
                      FROM service_orders o
                      JOIN compounds cp USING (compound_code)
                      JOIN communities cm USING (community_code)""").df()


def expected_cards(orders: pd.DataFrame, start, end, streets=(), communities=()) -> dict[str, str]:
    """The cards worked out with pandas, independently of the page's SQL."""
    if streets:
        orders = orders[orders["street_code"].isin(streets)]
    if communities:
        orders = orders[orders["community_code"].isin(communities)]
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    resolved = orders[(orders["status"] == "resolved") & (orders["resolved_at"] >= t0) & (orders["resolved_at"] < t1)]
    hours = (resolved["resolved_at"] - resolved["submitted_at"]).dt.total_seconds() / 3600
    within = (hours <= resolved["category"].map(settings().deadlines)).sum()
    submitted = orders[(orders["status"] != "cancelled") & (orders["submitted_at"] >= t0) & (orders["submitted_at"] < t1)]
    done = ((submitted["status"] == "resolved") & (submitted["resolved_at"] < t1)).sum()
    open_ = orders[(orders["status"] != "cancelled") & (orders["submitted_at"] < t1)
                   & (orders["resolved_at"].isna() | (orders["resolved_at"] >= t1))]
    age = (t1 - open_["submitted_at"]).dt.total_seconds() / 86400
    ratings = resolved["rating"].dropna()

    def share(n, d):
        return n / d if d else None

    def quantile(s, p):
        return float(np.quantile(s, p)) if len(s) else None  # numpy "linear" = quantile_cont

    def number(value, unit, decimals=2):  # a missing value shows a bare "—"
        shown = fmt.number(value, decimals)
        return shown if shown == "—" else f"{shown} {unit}"

    return {
        "解决点单": number(len(resolved), "次"),
        "点单解决率": fmt.percent(share(done, len(submitted))),
        "解决用时中位数": number(quantile(hours, 0.5), "小时", 1),
        "九成工单解决用时": number(quantile(hours, 0.9), "小时", 1),
        "时限内办结占比": fmt.percent(share(within, len(resolved))),
        "未结工单数": number(len(open_), "件"),
        "未结等待中位数": number(quantile(age, 0.5), "天", 1),
        "最久未结已等待": number(age.max() if len(age) else None, "天", 1),
        "平均满意度评分": number(ratings.mean() if len(ratings) else None, "分"),
        "评4–5分占比": fmt.percent(share((ratings >= 4).sum(), len(ratings))),
        "参与评价的工单": number(len(ratings), "件"),
    }


def test_demo_report_window_cards_match_an_independent_computation(demo_con):
    shown = metrics(report_page())
    assert shown == expected_cards(demo_orders(demo_con), LAUNCH, REPORT)
    assert shown["解决点单"] == "35 次"  # the article's figure


def test_demo_heatmap_shows_snow_clearing_only_from_november_to_march(demo_con):
    last = db.execute(demo_con, "data_bounds", params()).iloc[0]["last_day"]
    heat = charts(open_app(page=PAGE, from_=LAUNCH.isoformat(), to=last.isoformat()))["orders_season_heatmap"]
    trace = heat["data"][0]
    assert heat["layout"]["title"]["text"] == "各类别每月提交点单（次）"
    assert trace["colorbar"]["title"]["text"] == "次"
    rows, cols = (int(n) for n in trace["z"]["shape"].split(","))
    z = np.array(values(trace["z"])).reshape(rows, cols)
    months = [D.fromisoformat(m).month for m in trace["x"]]
    assert len(months) == 43  # April 2023 … October 2026, every month present
    grid = dict(zip(trace["y"], z))
    snow = {m for m, n in zip(months, grid["冬季清雪"]) if n}
    heating = {m for m, n in zip(months, grid["供热"]) if n}
    assert snow and snow <= {11, 12, 1, 2, 3}
    assert heating and heating <= {10, 11, 12, 1, 2, 3, 4}
    assert z.sum() == db.execute(demo_con, "kpi_orders", params(end=last)).iloc[0]["submitted"]


def test_street_filter_changes_the_figures(demo_con):
    at = report_page()
    everywhere = metrics(at)
    at.sidebar.multiselect(key="flt_streets").set_value(["220203005"]).run()
    assert not at.exception
    shown = metrics(at)
    assert shown == expected_cards(demo_orders(demo_con), LAUNCH, REPORT, streets=["220203005"])
    assert shown["解决点单"] != everywhere["解决点单"]
    assert list(charts(at)["orders_street_bars"]["data"][0]["y"]) == ["龙潭街道"]
    assert at.query_params["street"] == "220203005"


def test_link_with_street_and_community_reproduces_the_view(demo_con):
    code = db.execute(demo_con, "community_options", params(streets=["220203005"])).iloc[0]["community_code"]
    at = report_page(street="220203005", community=code)
    assert at.sidebar.multiselect(key="flt_communities").value == [code]
    assert metrics(at) == expected_cards(demo_orders(demo_con), LAUNCH, REPORT, streets=["220203005"],
                                         communities=[code])


def test_link_with_two_streets_and_another_window_reproduces_the_view(demo_con):
    streets = ["220203009", "220203002"]
    at = open_app(page=PAGE, from_="2024-01-01", to="2024-12-31", street=streets)
    assert at.sidebar.multiselect(key="flt_streets").value == streets
    assert (at.sidebar.date_input(key="flt_start").value, at.sidebar.date_input(key="flt_end").value) == \
        (D(2024, 1, 1), D(2024, 12, 31))
    assert metrics(at) == expected_cards(demo_orders(demo_con), D(2024, 1, 1), D(2024, 12, 31), streets=streets)
    assert set(charts(at)["orders_street_bars"]["data"][0]["y"]) == {"遵义街道", "湘潭街道"}
    assert "2024年1月1日至2024年12月31日" in texts(at)


def test_scope_without_compounds_says_so_and_shows_no_nan():
    at = open_app(page=PAGE, street="220203100")  # 乌拉街满族镇: no compound in the pilot
    shown = metrics(at)
    assert shown["解决点单"] == "0 次" and shown["未结工单数"] == "0 件"
    assert (shown["点单解决率"], shown["解决用时中位数"], shown["平均满意度评分"]) == ("—", "—", "—")
    assert not any("nan" in value.lower() for value in shown.values())
    assert texts(at).count("所选范围内无数据") == 3  # breakdown, trend, overdue
    assert charts(at) == {} and len(at.dataframe) == 0
