"""Scoped figures in memory (coopdash/data/places.py) are the named queries' own: on every window and scope
of the rollup tests (tests/test_rollups.py), on the citygen data, the fixture and the demo, every query the
module answers gives the query's frame — the same rows in the same order, counts exact, tonnes and
kilometres to 12 significant digits (summed in another order) and equal as shown."""

import datetime as dt

import pandas as pd
import pytest

from coopdash.data import db, places
from coopdash.i18n import fmt
from tests.conftest import LAUNCH, REPORT
from tests.test_rollups import scopes, windows

QUERIES = places.COMMUNITY_QUERIES + places.SCOPED_QUERIES + places.ANY_SCOPE_QUERIES


@pytest.fixture(scope="module")
def con(city):
    return db.open_dataset(city)


def params(start, end, streets=(), communities=()):
    return {"start": start, "end": end, "streets": list(streets), "communities": list(communities),
            "launch": LAUNCH}


def compare(connection, index, cases, scope_list) -> int:
    compared = 0
    for streets, communities in scope_list:
        for start, end in cases:
            for query in QUERIES:
                p = params(start, end, streets, communities)
                if not places.Places.answers(query, p):
                    continue
                want = db.execute(connection, query, p)
                got = index.answer(query, start, end, streets, communities)
                where = f"{query} {start}…{end} {streets} {communities}"
                pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=1e-9, obj=where)
                for column in want.select_dtypes("float").columns:
                    assert [fmt.number(v) for v in got[column]] == [fmt.number(v) for v in want[column]], where
                compared += 1
    return compared


def test_scoped_figures_in_memory_equal_the_queries_on_citygen(con):
    index = places.Places(con)
    comms = con.sql("SELECT community_code, street_code FROM communities ORDER BY 1").fetchall()
    extra = [([], [comms[0][0]]), ([], [comms[-1][0]]), ([comms[5][1]], []), ([comms[5][1]], [comms[6][0]])]
    assert compare(con, index, windows(), scopes(con) + extra) > 500
    # not vacuous: the communities' figures add up to the district's, which hold orders and tonnes
    start, end = dt.date(2023, 4, 1), dt.date(2026, 10, 31)
    whole = db.execute(con, "by_street", params(start, end))
    assert whole["orders_resolved"].sum() > 1000 and whole["tonnes"].sum() > 0
    each = pd.concat([index.answer("by_street", start, end, [], [code]) for code, _ in comms])
    assert each["orders_resolved"].sum() == whole["orders_resolved"].sum()
    assert each["tonnes"].sum() == pytest.approx(whole["tonnes"].sum(), rel=1e-12)
    # not vacuous: there are overdue orders, and the ranking's counts add up to the list's total
    overdue = index.answer("orders_overdue", None, end, [], [])
    assert 100 < len(overdue) == overdue["overdue_total"].iloc[0] <= places.OVERDUE_LISTED
    assert index.answer("street_overdue", None, end, [], [])["overdue"].sum() == overdue["overdue_total"].iloc[0]
    # the orders open at a day's end, community by community, are the district's
    day = dt.date(2025, 6, 30)
    open_then = db.execute(con, "orders_backlog", params(day, day))["open_orders"].iloc[0]
    assert open_then > 0 and open_then == sum(index.answer("orders_backlog", day, day, [], [code])["open_orders"].iloc[0]
                                              for code, _ in comms)
    # a dataset whose times have fractions of a second: the backlog's query runs (ages from the day and the
    # second alone would be off by the fraction)
    index.whole_seconds = False
    want = db.execute(con, "orders_backlog", params(day, day, [], [comms[3][0]]))
    pd.testing.assert_frame_equal(index.answer("orders_backlog", day, day, [], [comms[3][0]]), want)
    index.whole_seconds = True  # and without a start day, as the app's cache asks for a stock
    pd.testing.assert_frame_equal(index.answer("orders_backlog", None, day, [], [comms[3][0]]), want)


def test_scoped_figures_in_memory_equal_the_queries_on_the_fixture_and_the_demo(fixture_con, demo_con):
    for connection in (fixture_con, demo_con):
        index = places.Places(connection)
        comms = connection.sql("SELECT community_code, street_code FROM communities ORDER BY 1").fetchall()
        # every community and street office on two windows; a few of them on every window
        some = [(LAUNCH, REPORT), windows()[2]]
        every = [([], [code]) for code, _ in comms] + [([street], []) for street in sorted({s for _, s in comms})]
        assert compare(connection, index, some, every) >= 9 * len(every)  # 18 a community, 8 a street office
        assert compare(connection, index, windows(), [every[0], every[-1], ([comms[0][1]], [comms[0][0], comms[-1][0]])]) > 100


def test_the_places_answer_only_scoped_views():
    assert places.Places.answers("kpi_orders", params(LAUNCH, REPORT, [], ["C1"]))
    assert not places.Places.answers("kpi_orders", params(LAUNCH, REPORT, ["S1"]))
    assert places.Places.answers("orders_by_category", params(LAUNCH, REPORT, ["S1"]))
    assert not places.Places.answers("orders_by_category", params(LAUNCH, REPORT))
    assert not places.Places.answers("street_ranking", params(LAUNCH, REPORT, [], ["C1"]))
    for stock in ("orders_backlog", "orders_overdue", "street_overdue"):  # district-wide too
        assert places.Places.answers(stock, params(LAUNCH, REPORT))


def test_open_orders_of_a_few_months_read_only_those_months_files(con, city):
    """orders_open_at with from_ts / until_ts (the overdue list's statement) opens only the month files of
    orders_flat that can hold orders submitted then, and counts the same orders as the filter written out."""
    import re

    from coopdash.data import rollups
    months = list(rollups.part_files(city, "orders_flat"))
    assert len(months) >= 6
    end = months[-1] + dt.timedelta(days=27)
    since, until = dt.datetime.combine(months[2], dt.time()), dt.datetime.combine(months[3], dt.time(12))

    def read(sql: str) -> tuple[int, list[int]]:
        p = {"end": end, "from": since, "until": until}
        count = con.execute(sql, {k: v for k, v in p.items() if "$" + k in sql}).fetchone()[0]
        plan = con.execute("EXPLAIN ANALYZE " + sql, {k: v for k, v in p.items() if "$" + k in sql}).fetchall()[0][1]
        return count, [int(n) for n in re.findall(r"Total Files Read: (\d+)", plan)]

    windowed = read("SELECT count(*) FROM orders_open_at($end, [], [], from_ts := $from, until_ts := $until)")
    written = read("SELECT count(*) FROM orders_open_at($end, [], []) WHERE submitted_at BETWEEN $from AND $until")
    assert windowed[0] == written[0] > 0
    assert windowed[1] and max(windowed[1]) <= 2  # the months of $from and $until, in each of the two branches
    assert max(written[1]) == len(months)  # every month up to $end's
