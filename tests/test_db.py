"""The query layer: contract checks with clear messages, lock-down, parameters bound."""

import datetime as dt
import gc
import shutil
import weakref

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from coopdash.app import cache
from coopdash.data import db, district, errors
from coopdash.data.contract import TABLES
from coopdash.data.scope import EVERYTHING
from tests.conftest import REPORT, params
from tests.fixture_data import ROWS, write_fixture


@pytest.fixture
def dataset(tmp_path):
    return write_fixture(tmp_path / "ds")


def test_missing_table_is_named_in_both_languages(dataset):
    (dataset / "repairs.parquet").unlink()
    with pytest.raises(errors.DataError) as err:
        db.open_dataset(dataset)
    assert "缺少数据表 repairs" in err.value.zh
    assert "missing table repairs" in err.value.en


def test_missing_columns_are_all_named(dataset):
    t = pq.read_table(dataset / "service_orders.parquet").drop_columns(["rating"])
    pq.write_table(t, dataset / "service_orders.parquet")
    t = pq.read_table(dataset / "cleanups.parquet").drop_columns(["tonnes", "waste_type"])
    pq.write_table(t, dataset / "cleanups.parquet")
    with pytest.raises(errors.DataError) as err:
        db.open_dataset(dataset)
    for name in ("service_orders.rating", "cleanups.tonnes", "cleanups.waste_type"):
        assert name in err.value.zh and name in err.value.en


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(errors.DataError, match="does not exist"):
        db.open_dataset(tmp_path / "nowhere")


def test_table_may_be_a_folder_of_hive_partitions(dataset):
    orders = pq.read_table(dataset / "service_orders.parquet")
    (dataset / "service_orders.parquet").unlink()
    for year in ("2023", "2024"):
        part = dataset / "service_orders" / f"year={year}"
        part.mkdir(parents=True)
        pq.write_table(orders, part / "part-0.parquet") if year == "2023" else \
            pq.write_table(orders.slice(0, 0), part / "part-0.parquet")
    con = db.open_dataset(dataset)
    assert db.execute(con, "kpi_orders", params()).iloc[0]["resolved"] == 4


def test_extra_columns_such_as_personal_data_are_not_exposed(dataset):
    t = pq.read_table(dataset / "coop_members.parquet")
    t = t.append_column("姓名", [["张三"] * t.num_rows])
    pq.write_table(t, dataset / "coop_members.parquet")
    con = db.open_dataset(dataset)
    cols = [r[0] for r in con.execute("DESCRIBE coop_members").fetchall()]
    assert cols == [c.name for c in next(t for t in TABLES if t.name == "coop_members").columns]


def test_connection_cannot_read_outside_the_dataset(fixture_con):
    cur = fixture_con.cursor()
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/etc/*')",
                "COPY (SELECT 1) TO '/tmp/coop-escape.csv'"):
        with pytest.raises(duckdb.PermissionException):
            cur.execute(sql)


def test_connection_configuration_is_locked(fixture_con):
    cur = fixture_con.cursor()
    for sql in ("SET enable_external_access = true", "SET allowed_directories = ['/']",
                "SET autoload_known_extensions = true"):
        with pytest.raises(duckdb.Error, match="locked"):
            cur.execute(sql)


def test_cursors_share_the_connections_settings(fixture_con):
    """Every query runs on a cursor: a session-level SET on the base connection would not reach it."""
    cur = fixture_con.cursor()
    settings_ = dict(cur.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                 "('parquet_metadata_cache', 'python_enable_replacements')").fetchall())
    assert settings_ == {"parquet_metadata_cache": "true", "python_enable_replacements": "false"}
    python_object = pd.DataFrame({"secret": [1]})  # noqa: F841 — what a replacement scan would find
    with pytest.raises(duckdb.CatalogException):
        cur.execute("SELECT * FROM python_object")


def test_unknown_query_and_missing_parameter_are_clear(fixture_con):
    with pytest.raises(errors.QueryError, match="queries/nope.sql"):
        db.execute(fixture_con, "nope", params())
    with pytest.raises(errors.QueryError, match="invalid query name"):
        db.execute(fixture_con, "../etc/passwd", params())
    p = params()
    del p["end"]
    with pytest.raises(errors.QueryError, match="end"):
        db.execute(fixture_con, "kpi_orders", p)


def test_parameters_are_bound_not_formatted(fixture_con):
    # A "code" that would break a formatted query is just an unknown code when bound.
    hostile = "S1') OR 1=1 --"
    row = db.execute(fixture_con, "kpi_orders", params(streets=[hostile])).iloc[0]
    assert row["resolved"] == 0


def test_run_reads_the_dataset_named_by_the_environment(dataset, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(dataset))
    assert cache.run("kpi_orders", **params()).iloc[0]["resolved"] == 4
    # replacing a table file is noticed: the cache key includes the files' mtimes and sizes
    rows = {**ROWS, "service_orders": ROWS["service_orders"][:1]}
    shutil.rmtree(dataset)
    write_fixture(dataset, rows)
    assert cache.run("kpi_orders", **params()).iloc[0]["resolved"] == 1


def test_a_new_version_releases_the_one_served_before(tmp_path, monkeypatch):
    """A publish swaps the dataset's symlink to a new version: the first run that sees it releases the version the
    process served before (its connection, district index and hours index leave the cache and are freed once no
    session holds them), so the process does not hold two versions; a session still holding the old connection
    can finish on it."""
    one = write_fixture(tmp_path / "v0001")
    two = write_fixture(tmp_path / "v0002", {**ROWS, "service_orders": ROWS["service_orders"][:1]})
    link = tmp_path / "ds"
    link.symlink_to(one)
    monkeypatch.setenv("COOP_DATA_DIR", str(link))
    assert cache.run("kpi_orders", **params()).iloc[0]["resolved"] == 4  # the district index answers it
    old = cache.version()
    held = {"district": weakref.ref(cache._district(*old)), "hours": weakref.ref(cache._hours_index(*old)),
            "connection": weakref.ref(cache._connection(*old))}
    running = cache._connection(*old)  # a session still running on version 1
    assert cache._connection(*old) is running and all(ref() is not None for ref in held.values())
    swap = tmp_path / "ds.new"
    swap.symlink_to(two)
    swap.replace(link)  # what ingest's publish does (store.point_to)
    assert cache.run("kpi_orders", **params()).iloc[0]["resolved"] == 1  # version 2: one order, resolved
    assert cache.version()[1] != old[1]
    gc.collect()
    assert held["district"]() is None and held["hours"]() is None  # released: nothing else held them
    assert running.sql("SELECT count(*) FROM service_orders").fetchall() == [(len(ROWS["service_orders"]),)]
    del running
    gc.collect()
    assert held["connection"]() is None
    # version 2's resources are the cache's own: the same objects on the next run
    new = cache.version()
    assert cache._district(*new) is cache._district(*new) and cache._connection(*new) is cache._connection(*new)


def test_run_caches_by_the_parameters_the_query_uses(fixture_dir, monkeypatch):
    """A filter a query does not read (kpi_compounds has no $start) reuses its cached result; one it
    reads runs it again."""
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    import streamlit as st
    st.cache_data.clear()
    calls = []
    real = db.execute
    monkeypatch.setattr(db, "execute", lambda con, name, p, scope=EVERYTHING: calls.append(dict(p)) or real(con, name, p, scope))
    # kpi_compounds is answered by the district index (coopdash/data/district.py), cached the same way
    held = district.District.answer
    monkeypatch.setattr(district.District, "answer", lambda self, name, start, end, *rest: calls.append(
        {"end": end} if start is None else {"start": start, "end": end}) or held(self, name, start, end, *rest))
    assert "start" not in db.load_query("kpi_compounds")[1] and "end" in db.load_query("kpi_compounds")[1]
    first = cache.run("kpi_compounds", **params())
    again = cache.run("kpi_compounds", **params(start=dt.date(2023, 6, 1)))
    assert len(calls) == 1 and "start" not in calls[0]
    assert again.equals(first)
    cache.run("kpi_compounds", **params(end=dt.date(2023, 6, 30)))
    assert len(calls) == 2


def test_run_many_gives_each_querys_own_result_in_order_and_caches_them_together(fixture_dir, fixture_con,
                                                                                monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    import streamlit as st
    st.cache_data.clear()
    names = ["kpi_orders", "kpi_compounds", "orders_monthly", "kpi_outcomes", "street_ranking"]
    calls = []
    real = db.execute
    monkeypatch.setattr(db, "execute", lambda con, name, p, scope=EVERYTHING: calls.append(name) or real(con, name, p, scope))
    # the district index answers kpi_orders, kpi_compounds and kpi_outcomes here (no street filter)
    held = district.District.answer
    monkeypatch.setattr(district.District, "answer", lambda self, name, *rest: calls.append(name) or held(self, name, *rest))
    for end in (REPORT, dt.date(2023, 7, 31)):
        got = cache.run_many(names, **params(end=end), unused="ignored")
        assert len(got) == len(names)
        for name, frame in zip(names, got):
            pd.testing.assert_frame_equal(frame, real(fixture_con, name, params(end=end)), obj=name)
    assert sorted(calls) == sorted(names * 2)  # each ran once per window (side by side)
    cache.run_many(names, **params(end=REPORT))  # the first window again: from the cache
    assert len(calls) == 2 * len(names)
    with pytest.raises(errors.QueryError, match="end"):
        p = params()
        del p["end"]
        cache.run_many(names, **p)


def test_cursors_work_from_many_threads(fixture_con):
    from concurrent.futures import ThreadPoolExecutor
    ends = [dt.date(2023, 6, 30), dt.date(2023, 7, 31), dt.date(2023, 11, 30)] * 10
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda e: int(db.execute(fixture_con, "kpi_orders", params(end=e)).iloc[0]["resolved"]), ends))
    assert got == [2, 3, 4] * 10  # O7 + O1 by June; + O2 by July; + O5 by November


@pytest.mark.parametrize("name", ['street_code"; DROP TABLE streets; --', "Street_Code", "1abc", "", "a b", "a-b"])
def test_ident_lets_only_code_chosen_names_into_sql(name):
    """files.ident is the one door for identifiers in SQL text (views, explorer): anything but a
    lower-case name of letters, digits and underscores is refused, so no typed text gets through."""
    from coopdash.data.files import ident
    with pytest.raises(ValueError):
        ident(name)
    assert ident("street_code") == '"street_code"'
