"""The metrics layer (coopdash/data/metrics.py) gives the named queries' own figures:

- every metric of the registry is a column (or a sum of columns) of its named query, with a label;
- one statement over several windows (db.execute_periods) gives, window by window, exactly what the
  query gives run alone — on every window and scope of the rollup tests (tests/test_rollups.py);
- the district-wide flows held in memory (coopdash/data/district.py) give exactly the one-row frames of
  kpi_orders, orders_satisfaction and kpi_outcomes, on the citygen data (rollup files and rollups built
  in memory), the fixture and the demo; by_street and kpi_outcomes per street office equal to 12
  significant digits and as shown;
- `evaluate` plans a view into few passes and its figures and comparisons are the queries' on the
  shifted windows; the pages' statements are stopped by the engine after the time limit.
"""

import datetime as dt
import time

import pandas as pd
import pytest

from coopdash.data import db, district, hours, metrics, periods
from coopdash.data.contract import COOP_MODE
from coopdash.data.errors import QueryError
from coopdash.data.scope import Scope
from coopdash.i18n import labels
from tests.conftest import LAUNCH, REPORT
from tests.test_rollups import scopes, windows

QUERIES = sorted({m.query for m in metrics.REGISTRY} - {metrics.HOURS})

# Counts exact; tonnes and kilometres to 12 significant digits: DuckDB sums doubles in parallel over the
# month files, in no fixed order, so two runs of one query may differ in their last bits (shown: 2 decimals)
SAME = {"check_exact": False, "rtol": 1e-12, "atol": 1e-9}


@pytest.fixture(scope="module")
def con(city):
    return db.open_dataset(city)


def params(start, end, streets=(), communities=()):
    return {"start": start, "end": end, "streets": list(streets), "communities": list(communities),
            "launch": LAUNCH}


# ---------------------------------------------------------------------------------------------- registry
def test_every_metric_is_a_column_of_its_query_with_a_label_and_a_unit(fixture_con):
    assert len(metrics.METRICS) == len(metrics.REGISTRY)  # names are unique
    for query in QUERIES:
        frame = db.execute(fixture_con, query, params(LAUNCH, REPORT))
        for m in (m for m in metrics.REGISTRY if m.query == query):
            assert set(m.columns) <= set(frame.columns), m.name
    for m in metrics.REGISTRY:
        assert m.kind in metrics.COMPARED, m.name
        for key in (m.label, m.unit, m.help):
            if key is not None:
                assert labels.t(key) != key, (m.name, key)  # a key the catalogue knows


def test_every_metric_is_shown_by_a_page_the_briefing_or_the_preview():
    from coopdash import ROOT
    texts = "".join(p.read_text(encoding="utf-8") for p in [*(ROOT / "pages").glob("*.py"),
                                                             ROOT / "coopdash/briefing/content.py",
                                                             ROOT / "ingest/preview.py"])
    unshown = [m.name for m in metrics.REGISTRY if f'"{m.name}"' not in texts]
    assert not unshown, f"metrics no page, briefing or preview names: {unshown}"


def test_a_metric_of_several_columns_is_their_sum(q):
    row = q("kpi_outcomes").iloc[0]
    tonnes = metrics.metric("tonnes").value(row)
    assert tonnes == pytest.approx(row["household_t"] + row["construction_t"]) and tonnes > 0


# ---------------------------------------------------------------------------------------------- one statement, several windows
def test_one_statement_over_several_windows_equals_each_query_alone(con):
    cases = 0
    for start, end in windows()[::2]:
        spans = [(start, end), periods.previous(start, end), periods.year_before(start, end), (LAUNCH, end)]
        for streets, communities in scopes(con)[::2]:
            p = params(start, end, streets, communities)
            for query in QUERIES:
                got = db.execute_periods(con, query, p, spans)
                assert len(got) == len(spans)
                for (s, e), frame in zip(spans, got):
                    want = db.execute(con, query, {**p, "start": s, "end": e})
                    pd.testing.assert_frame_equal(frame, want, **SAME, obj=f"{query} {s}…{e} {streets}")
                    cases += 1
    assert cases > 300


def test_one_statement_over_several_windows_respects_the_scope(con):
    streets = scopes(con)[1][0]
    scope = Scope(streets=tuple(streets))
    got = db.execute_periods(con, "kpi_orders", params(LAUNCH, REPORT), [(LAUNCH, REPORT)] * 2, scope)
    want = db.execute(con, "kpi_orders", params(LAUNCH, REPORT, streets))
    district_wide = db.execute(con, "kpi_orders", params(LAUNCH, REPORT))
    pd.testing.assert_frame_equal(got[1], want)
    assert want["resolved"].iloc[0] < district_wide["resolved"].iloc[0]


# ---------------------------------------------------------------------------------------------- in memory
def assert_district_equal(connection, cases):
    index = district.District(connection)
    compared = 0
    for start, end in cases:
        for query in district.QUERIES + district.DISTRICT_QUERIES:
            want = db.execute(connection, query, params(start, end))
            pd.testing.assert_frame_equal(index.answer(query, start, end), want, **SAME,
                                          obj=f"{query} {start}…{end}")
            compared += 1
    return compared


def test_district_flows_in_memory_equal_the_queries_on_citygen(con, city_bare):
    assert assert_district_equal(con, windows()) == 7 * len(windows())
    assert assert_district_equal(db.open_dataset(city_bare), windows()[:8])  # rollups built in memory
    # not a vacuous comparison: the windows hold orders, tonnes and committees
    index = district.District(con)
    assert index.answer("kpi_orders", dt.date(2023, 4, 1), dt.date(2026, 10, 31))["resolved"].iloc[0] > 10_000
    assert index.answer("kpi_outcomes", dt.date(2023, 4, 1), dt.date(2026, 10, 31))["household_t"].iloc[0] > 0


def test_district_flows_in_memory_equal_the_queries_on_the_fixture_and_the_demo(fixture_con, demo_con):
    cases = windows() + [(LAUNCH, REPORT), (dt.date(2023, 4, 2), dt.date(2023, 4, 2))]
    assert_district_equal(fixture_con, cases)
    assert_district_equal(demo_con, cases)


def test_street_breakdowns_in_memory_equal_the_queries(con, fixture_con, demo_con):
    """by_street, monthly_trend, and kpi_orders, orders_satisfaction and kpi_outcomes filtered by street
    office, from the index's street × day arrays (with a community filter: coopdash/data/places.py, also
    tests/test_places.py): the same rows and counts (exact); tonnes and kilometres summed in another order, so equal to 12 significant
    digits (the engine's own parallel sums are not fixed in their last bits either) and equal as shown."""
    from coopdash.i18n import fmt
    compared = 0
    for connection, cases in ((con, windows()), (fixture_con, windows()[:6] + [(LAUNCH, REPORT)]),
                              (demo_con, windows()[:6])):
        index = district.District(connection)
        first = connection.sql("SELECT min(street_code) FROM streets").fetchall()[0][0]
        for streets, communities in (scopes(connection) if connection is con else [([], []), ([first], [])]):
            for start, end in cases:
                for query in district.STREET_QUERIES:
                    want = db.execute(connection, query, params(start, end, streets, communities))
                    got = index.answer(query, start, end, streets, communities)
                    pd.testing.assert_frame_equal(got, want, rtol=1e-12,
                                                  obj=f"{query} {start}…{end} {streets} {communities}")
                    for column in want.select_dtypes("float").columns:
                        assert [fmt.number(v) for v in got[column]] == [fmt.number(v) for v in want[column]]
                    compared += 1
    assert compared > 150
    whole = district.District(con).answer("by_street", dt.date(2023, 4, 1), dt.date(2026, 10, 31))
    assert len(whole) > 5 and whole["orders_resolved"].sum() > 10_000 and whole["tonnes"].sum() > 0


def test_organisation_and_compounds_in_memory_equal_the_queries_in_every_scope(con, fixture_con, demo_con):
    compared = 0
    for connection in (con, fixture_con, demo_con):
        index = district.District(connection)
        streets = [r[0] for r in connection.sql("SELECT street_code FROM streets ORDER BY 1").fetchall()]
        comms = [r[0] for r in connection.sql("SELECT community_code FROM communities ORDER BY 1").fetchall()]
        cases = scopes(connection) if connection is con else [([], []), (streets[:1], []), ([], comms[:1])]
        for start, end in windows() + [(LAUNCH, LAUNCH), (LAUNCH, REPORT)]:
            for s, c in cases:
                for query in district.SCOPE_QUERIES:
                    want = db.execute(connection, query, {**params(start, end, s, c), "modes": list(COOP_MODE.codes)})
                    pd.testing.assert_frame_equal(index.answer(query, start, end, s, c, LAUNCH), want,
                                                  **SAME, obj=f"{query} {start}…{end} {s} {c}")
                    compared += 1
    assert compared > 150
    whole = district.District(con).answer("kpi_organisation", dt.date(2023, 4, 1), dt.date(2026, 10, 31))
    assert whole["members"].iloc[0] > 0 and whole["meetings"].iloc[0] > 0 and whole["work_team_headcount"].iloc[0] > 0
    baseline = district.District(con).answer("kpi_compounds", LAUNCH, dt.date(2026, 10, 31), launch=LAUNCH)
    assert baseline["compounds"].iloc[0] > 0 and baseline["cooperative_managed"].iloc[0] > 0
    assert not district.District.answers("kpi_compounds", {"streets": [], "communities": []})  # no $launch
    # 组织建设's lists: not vacuous
    index = district.District(con)
    assert index.answer("org_members_by_background", None, dt.date(2026, 10, 31))["members"].sum() > 100
    assert len(index.answer("org_committees_founded", dt.date(2023, 4, 1), dt.date(2026, 10, 31))) > 5
    assert index.answer("org_meetings_by_month", dt.date(2023, 4, 1), dt.date(2026, 10, 31))["meetings"].sum() > 100
    assert index.answer("org_compounds_by_mode", None, dt.date(2026, 10, 31))["households"].sum() > 0
    assert not district.District.answers("org_compounds_by_mode", {"streets": [], "communities": [], "modes": ["x"]})


def test_the_rankings_indicators_from_memory_equal_the_query(con, city, fixture_con, demo_con):
    """Every indicator of street_ranking.sql but the overdue orders from the index, those from
    street_overdue.sql, and with a community filter all of them from the places' rows: the same frame,
    exactly; and the same ranking either way."""
    from coopdash.data import ranking
    compared = with_communities = 0
    for connection, cases in ((con, windows()), (fixture_con, windows()[:6] + [(LAUNCH, REPORT)]),
                              (demo_con, windows()[:6])):
        index = district.District(connection)
        first = connection.sql("SELECT min(street_code) FROM streets").fetchall()[0][0]
        some = connection.sql("SELECT community_code FROM communities ORDER BY 1 LIMIT 2").fetchall()
        for streets, communities in (scopes(connection) if connection is con else
                                     [([], []), ([first], []), ([], [some[0][0]]), ([], [c for c, in some])]):
            for start, end in cases:
                p = params(start, end, streets, communities)
                want = db.execute(connection, "street_ranking", p)
                got = (index.places.ranking_indicators(start, end, streets, communities) if communities else
                       index.ranking_indicators(start, end, streets, db.execute(connection, "street_overdue", p)))
                pd.testing.assert_frame_equal(got, want, **SAME, obj=f"{start}…{end} {streets} {communities}")
                compared += 1
                with_communities += bool(communities) and want["submitted"].sum() > 0
    assert compared > 60 and with_communities > 10
    hours_index = hours.load(city, con)
    p = params(dt.date(2024, 5, 9), dt.date(2024, 6, 10))
    with_index = ranking.street_ranking(con, hours_index, p, district=district.District(con))
    pd.testing.assert_frame_equal(with_index, ranking.street_ranking(con, hours_index, p), **SAME)
    assert with_index["overdue"].sum() > 0 and with_index["rank"].notna().sum() > 3
    several = [c for c, in con.sql("SELECT community_code FROM communities ORDER BY 1 LIMIT 30").fetchall()]
    p = {**p, "communities": several}
    with_index = ranking.street_ranking(con, hours_index, p, district=district.District(con))
    pd.testing.assert_frame_equal(with_index, ranking.street_ranking(con, hours_index, p), **SAME)
    assert with_index["submitted"].sum() > 0


def test_the_index_answers_only_the_scopes_it_holds():
    assert district.District.answers("kpi_orders", params(LAUNCH, REPORT))
    assert district.District.answers("kpi_orders", params(LAUNCH, REPORT, ["S1"]))
    assert district.District.answers("kpi_orders", params(LAUNCH, REPORT, [], ["C1"]))  # places.py
    assert district.District.answers("kpi_outcomes", params(LAUNCH, REPORT, ["S1"]))
    assert district.District.answers("by_street", params(LAUNCH, REPORT, ["S1"]))
    assert district.District.answers("kpi_outcomes", params(LAUNCH, REPORT, ["S1"], ["C1"]))
    assert district.District.answers("orders_by_category", params(LAUNCH, REPORT, ["S1"]))
    assert district.District.answers("orders_by_category", params(LAUNCH, REPORT))  # the daily rollup's rows
    assert district.District.answers("orders_backlog", params(LAUNCH, REPORT))  # places.py, any scope
    assert district.District.answers("orders_overdue", params(LAUNCH, REPORT, [], ["C1"]))  # places.py, any scope
    assert not district.District.answers("org_coops", params(LAUNCH, REPORT))
    assert not district.District.answers("street_ranking", params(LAUNCH, REPORT, [], ["C1"]))
    assert district.District.answers("kpi_organisation", params(LAUNCH, REPORT, ["S1"], ["C1"]))
    # a scoped user's parameters are bound first: their street offices
    bound = Scope(streets=("S1",)).bind(params(LAUNCH, REPORT))
    assert bound["streets"] == ["S1"] and district.District.answers("kpi_orders", bound)
    assert district.District.answers("kpi_orders", {**bound, "communities": ["C1"]})


# ---------------------------------------------------------------------------------------------- planning, evaluating
OVERVIEW = ["cooperatives", "meetings", "orders_resolved", "resolution_rate", "household_t", "compounds"]


def test_a_view_is_planned_as_one_pass_per_family_and_period_kind():
    passes = metrics.plan(OVERVIEW, (metrics.PREVIOUS, metrics.YEAR, metrics.LAUNCH, metrics.SINCE_LAUNCH))
    assert passes == [
        metrics.Pass("kpi_organisation", ("now", "previous", "year")),
        metrics.Pass("kpi_organisation", ("since_launch",)), metrics.Pass("kpi_organisation", ("launch",)),
        metrics.Pass("kpi_orders", ("now", "previous", "year")), metrics.Pass("kpi_orders", ("since_launch",)),
        metrics.Pass("kpi_outcomes", ("now", "previous", "year")), metrics.Pass("kpi_outcomes", ("since_launch",)),
        metrics.Pass("kpi_compounds", ("now",))]
    backlog = metrics.plan(["open_orders", "median_hours"], (metrics.PREVIOUS, metrics.YEAR, metrics.PREVIOUS_END))
    assert backlog == [metrics.Pass("orders_backlog", ("now", "previous_end")),
                       metrics.Pass("hours", ("now", "previous", "year"))]


@pytest.mark.parametrize("in_memory", [False, True])
def test_evaluate_gives_the_queries_figures_for_the_window_and_its_comparisons(con, city, in_memory):
    first_day = db.execute(con, "data_bounds", {}).iloc[0]["first_day"]
    index = hours.load(city, con)
    runner = metrics.DatasetRunner(con, index, district=district.District(con) if in_memory else None)
    names = list(metrics.METRICS)
    everything = (metrics.PREVIOUS, metrics.YEAR, metrics.LAUNCH, metrics.SINCE_LAUNCH, metrics.PREVIOUS_END)
    checked = 0
    for start, end in [(dt.date(2024, 5, 9), dt.date(2024, 6, 10)), (dt.date(2025, 3, 7), dt.date(2025, 3, 7)),
                       (dt.date(2023, 4, 15), dt.date(2023, 11, 20))]:
        for streets, communities in scopes(con)[:4]:
            p = params(start, end, streets, communities)
            window = metrics.Window(start, end, LAUNCH, first_day)
            fig = metrics.evaluate(runner, names, window, p, everything)
            for period in ("now", "previous", "year", "launch", "since_launch", "previous_end"):
                span = window.span(period)
                for m in metrics.REGISTRY:
                    if period != "now" and period not in metrics.COMPARED[m.kind]:
                        continue
                    if span is None:
                        assert fig.value(m.name, period) is None
                        continue
                    q = {**p, "start": span[0], "end": span[1]}
                    row = (index.summary(span[0], span[1], streets, communities)["district"].iloc[0]
                           if m.query == metrics.HOURS else db.execute(con, m.query, q).iloc[0])
                    want, got = m.value(row), fig.value(m.name, period)
                    # exact, but for tonnes and kilometres (12 digits: summed in another order, in memory or
                    # by DuckDB's threads over the month files)
                    assert ((pd.isna(want) and pd.isna(got)) or want == got
                            or (m.query == "kpi_outcomes" and got == pytest.approx(want, rel=1e-12))
                            ), (m.name, period, start, streets)
                    checked += 1
    assert checked > 800


def test_periods_without_data_and_the_since_launch_row():
    first = dt.date(2023, 3, 20)
    w = metrics.Window(dt.date(2023, 4, 1), dt.date(2023, 11, 30), LAUNCH, first)
    assert w.span("previous") == (dt.date(2022, 7, 31), dt.date(2023, 3, 31))  # 244 days
    assert w.span("year") is None  # ends in 2022, before the first record
    assert w.span("since_launch") is None  # the window starts on the launch day: the row is not shown
    later = metrics.Window(dt.date(2023, 11, 1), dt.date(2023, 11, 30), LAUNCH, first)
    assert later.span("since_launch") == (LAUNCH, dt.date(2023, 11, 30))
    assert later.span("launch") == (LAUNCH, LAUNCH)
    assert metrics.Window(LAUNCH, REPORT, LAUNCH, None).span("previous") is None  # no data at all


# ---------------------------------------------------------------------------------------------- time limit
def test_a_statement_longer_than_the_time_limit_is_stopped_by_the_engine(fixture_con):
    started = time.perf_counter()
    with pytest.raises(QueryError) as caught:
        db.fetch_arrow(fixture_con, "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3", {},
                       "slow", time_limit=0.2)
    assert time.perf_counter() - started < 10
    assert "超过 0.2 秒" in caught.value.zh and "longer than 0.2 s" in caught.value.en
    # the connection still answers afterwards
    assert db.execute(fixture_con, "kpi_orders", params(LAUNCH, REPORT))["resolved"].iloc[0] == 4
