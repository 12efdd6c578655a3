"""coopdash.data.hours, the in-memory index of hours to resolve: for every window and scope and each breakdown
(district-wide, per category, per street office) it gives exactly what queries/orders_hours.sql (the
definition: quantile_cont over the window's rows) gives, from the rollup file or from the rollup built in
memory; a malformed rollup is refused. The hand-worked values are in tests/test_service_orders.py."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from coopdash.data import db, errors, hours, rollups
from tests.conftest import CITY_ORDERS as N
from tests.test_rollups import scopes, windows

BY = {"district": "", "category": "category", "street": "street"}


@pytest.fixture(scope="module")
def con(city):
    return db.open_dataset(city)


def compare(index, con, start, end, streets, communities) -> int:
    """Assert the index equals the definition for the three breakdowns; the rows compared."""
    got = index.summary(start, end, streets, communities)
    rows = 0
    for kind, by in BY.items():
        ref = db.execute(con, "orders_hours", {"start": start, "end": end, "streets": streets,
                                               "communities": communities, "by": by})
        mine = got[kind]
        mine = mine[mine["resolved"] > 0].reset_index(drop=True)
        cols = [c for c in ref.columns if kind != "street" or not c.startswith("within")]
        pd.testing.assert_frame_equal(mine[cols], ref[cols], check_dtype=False, rtol=1e-12,
                                      obj=f"{kind} {start}…{end} {streets} {communities}")
        rows += len(ref)
    # the cards' row alone (totals: from the per-category counts only) is the summary's district row
    pd.testing.assert_series_equal(pd.Series(index.totals(start, end, streets, communities)),
                                   got["district"].iloc[0], check_names=False, obj=f"totals {start}…{end}")
    ref = db.execute(con, "orders_hours", {"start": start, "end": end, "streets": streets,
                                           "communities": communities, "by": "street"})
    by_street = index.within_by_street(start, end, streets, communities)
    cols = ["code", "resolved", "within_deadline", "within_deadline_share"]
    pd.testing.assert_frame_equal(by_street[cols], ref[cols], check_dtype=False, rtol=1e-12,
                                  obj=f"within by street {start}…{end} {streets} {communities}")
    return rows


def test_the_index_gives_the_definitions_figures_for_every_window_and_scope(city, con):
    index = hours.load(city, con)
    assert index.n > 0.9 * N * 0.9  # most orders are resolved
    # the index is built in blocks and chunks far smaller than the data, so windows cross many of them
    assert index.blocks > 100 and index.chunks > 10
    rows = sum(compare(index, con, start, end, streets, communities)
               for start, end in windows() for streets, communities in scopes(con))
    assert rows > 500  # groups compared (1,027 with this seed)


def test_the_rollup_built_in_memory_gives_the_same_index(city_bare):
    assert not rollups.is_current(city_bare, hours.ROLLUP)
    con = db.open_dataset(city_bare)
    index = hours.load(city_bare, con)
    for start, end in windows()[:8]:
        for streets, communities in scopes(con):
            compare(index, con, start, end, streets, communities)


def test_a_window_without_resolved_orders_gives_a_district_row_and_no_groups(city, con):
    got = hours.load(city, con).summary(dt.date(2000, 1, 1), dt.date(2000, 12, 31))
    district = got["district"].iloc[0]
    assert district["resolved"] == 0 and np.isnan(district["median_hours"])
    assert np.isnan(district["within_deadline_share"])
    assert got["category"].empty and got["street"].empty


def table(days, values):
    """A rollup's row count and columns, as Index reads them (in batches of two rows)."""
    n = len(days)
    columns = pa.table({"day": pa.array(days, pa.date32()), "resolve_us": pa.array(values, pa.int64()),
                        "street_code": ["S1"] * n, "community_code": ["C1"] * n, "category": ["heating"] * n})
    return n, lambda name: (b.column(0) for b in columns.select([name]).to_batches(max_chunksize=2))


def test_the_index_ranks_the_times_itself_and_refuses_a_rollup_out_of_order_in_both_languages():
    d = dt.date(2024, 1, 1)
    good = hours.Index(*table([d, d, d, d], [30, 10, 20, 10]))
    assert good.values.tolist() == [10, 10, 20, 30]  # the times sorted: rank 0 and 1 are rows 1 and 3
    assert sorted(good.row_of_rank[:2].tolist()) == [1, 3] and good.row_of_rank[2:].tolist() == [2, 0]
    median = good.summary(d, d)["district"]["median_hours"].iloc[0] * hours.US_PER_HOUR
    assert median == pytest.approx(15)  # (10 + 20) / 2
    with pytest.raises(errors.DataError, match="not in order of day") as err:
        hours.Index(*table([d, d - dt.timedelta(days=1), d], [10, 20, 30]))
    assert "汇总表" in str(err.value.args[0])


def test_an_empty_dataset_gives_an_empty_index():
    index = hours.Index(*table([], []))
    got = index.summary(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert got["district"]["resolved"].tolist() == [0] and got["street"].empty
