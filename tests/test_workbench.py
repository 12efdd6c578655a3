"""The analysts' workbench: SQL console lock-down and limits, the explorer, and downloads."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from coopdash.app import cache
from coopdash.data import db, files
from coopdash.data.filters import Filters
from coopdash.data.settings import settings
from coopdash.workbench import console, explorer
from coopdash.workbench.explorer import Spec
from tests.apptest import charts, open_app, shown, texts
from tests.conftest import LAUNCH, REPORT

ESCAPES = {
    "read_csv of /etc/passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "file path as a table": "SELECT * FROM '/etc/passwd'",
    "read_parquet outside": "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "read_parquet inside the dataset": "SELECT * FROM read_parquet('{ds}/streets.parquet')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "read_text in a subquery": "SELECT (SELECT content FROM read_text('/etc/hostname')) AS x",
    "URL as a table": "SELECT * FROM 'https://example.com/data.csv'",
    "query() table function": "SELECT * FROM query('SELECT 1')",
    "COPY out": "COPY (SELECT * FROM streets) TO '/tmp/escape.csv'",
    "COPY into the dataset": "COPY streets TO '{ds}/streets.parquet'",
    "EXPORT DATABASE": "EXPORT DATABASE '/tmp/escape'",
    "ATTACH": "ATTACH '/tmp/escape.db' AS x",
    "INSTALL": "INSTALL httpfs",
    "LOAD": "LOAD httpfs",
    "SET": "SET enable_external_access = true",
    "PRAGMA": "PRAGMA database_list",
    "RESET": "RESET threads",
    "CREATE": "CREATE TABLE x AS SELECT 1",
    "INSERT": "INSERT INTO streets SELECT * FROM streets",
    "UPDATE": "UPDATE streets SET street_name = 'x'",
    "DELETE": "DELETE FROM streets",
    "DROP": "DROP VIEW streets",
    "two statements": "SELECT 1; DROP VIEW streets",
    "Python object scan": "SELECT * FROM ESCAPES",
    "catalog function": "SELECT * FROM duckdb_settings()",
    "information_schema": "SELECT * FROM information_schema.tables",
    "DESCRIBE": "DESCRIBE streets",
}


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def console_con(fixture_dir):
    """The dataset version the console's worker processes run on: (folder, fingerprint)."""
    return str(fixture_dir), files.fingerprint(fixture_dir)


def test_a_column_is_labelled_as_its_values_are_one_by_one():
    """label_column (the explorer's whole-column labelling) gives what label_values gives value by value,
    missing codes included."""
    status = explorer.SOURCES["service_orders"].field("status")
    codes = pd.Series(["resolved", None, "cancelled", "resolved", "accepted", None], dtype="str")
    one_by_one = [explorer.label_values(status, [code])[0] for code in codes]
    got = list(explorer.label_column(status, codes))
    assert got[0] == got[3] == "已解决" and got[2] != got[0]
    assert [g if isinstance(g, str) else None for g in got] == [o if isinstance(o, str) else None for o in one_by_one]
    flag = next(f for src in explorer.SOURCES.values() for f in src.fields if f.kind == "bool")
    assert list(explorer.label_column(flag, pd.Series([True, False, True]))) == ["是", "否", "是"]


@pytest.mark.parametrize("name", list(ESCAPES))
def test_console_refuses_escape_attempts_and_the_data_folder_stays_unchanged(name, console_con, fixture_dir):
    assert len(ESCAPES) >= 15
    before = digest(fixture_dir)
    with pytest.raises(console.Refused) as refused:
        console.run(console_con, ESCAPES[name].format(ds=fixture_dir), 100, 5)
    assert refused.value.zh and refused.value.en
    assert digest(fixture_dir) == before
    assert not Path("/tmp/escape.csv").exists() and not Path("/tmp/escape").exists()


def test_console_runs_a_select_with_ctes_over_tables(console_con):
    result = console.run(console_con, "WITH r AS (SELECT * FROM service_orders WHERE status = 'resolved') "
                                      "SELECT count(*) AS n FROM r", 100, 5)
    assert result.table.to_pylist() == [{"n": 5}] and not result.truncated  # O1 O2 O3 O5 O7


def test_console_row_cap_cuts_and_says_so(console_con):
    result = console.run(console_con, "SELECT * FROM range(25)", 10, 5)
    assert result.table.num_rows == 10 and result.truncated


def test_runaway_query_is_stopped_by_the_time_limit(console_con):
    started = time.perf_counter()
    with pytest.raises(console.TimedOut):
        console.run(console_con, "SELECT count(*) FROM range(1000000) a, range(1000000) b", 100, 0.5)
    assert time.perf_counter() - started < 10
    # the connection still works afterwards
    assert console.run(console_con, "SELECT count(*) AS n FROM streets", 10, 5).table.to_pylist() == [{"n": 3}]


def memory_limit_of(value: str) -> str:
    """How DuckDB reports a configured memory limit (e.g. "1GB" → "953.6 MiB")."""
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{value}'")
        return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()


def test_console_workers_have_the_configured_limits_and_the_server_none(monkeypatch, fixture_dir, console_con):
    """The worker's DuckDB memory limit is [console] memory_limit; its address space (RLIMIT_AS, set by the
    operating system) that plus 2 GiB; this process's own limits are untouched."""
    from coopdash.workbench import sandbox
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    cfg = settings()
    assert cache.console_dataset() == console_con
    console.run(console_con, "SELECT 1 AS one", 10, 30)
    box = sandbox.shared(cfg.console_workers, cfg.console_memory_limit)
    limits = Path(f"/proc/{box.last_pid}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    assert line.split()[3] == str(10**9 + (2 << 30))  # 1GB (DuckDB's units) + 2 GiB, soft limit in bytes
    own = next(x for x in Path("/proc/self/limits").read_text().splitlines() if x.startswith("Max address space"))
    assert own.split()[3] == "unlimited"
    assert memory_limit_of(cfg.console_memory_limit) != memory_limit_of(cfg.memory_limit)  # not the app's own


def test_console_page_runs_an_example_and_refuses_an_escape():
    at = open_app(page="pages/sql_console.py")
    at.button(key="sql_run").click().run()
    assert "13 行" in texts(at)  # the first example: orders resolved by street office, 13 streets
    at.text_area(key="sql_text").set_value("SELECT * FROM read_csv('/etc/passwd')").run()
    at.button(key="sql_run").click().run()
    assert any("不允许使用表函数 read_csv()" in shown(e.value) for e in at.error)
    history = at.dataframe[-1].value
    assert len(history) == 2 and history.iloc[0]["outcome"] == "查询被拒绝"


# ---------------------------------------------------------------------------- explorer

WINDOW = Filters(LAUNCH, REPORT)


def explore(con, spec: Spec, scope=WINDOW) -> pd.DataFrame:
    sql, params = explorer.build(spec, scope)
    return db.fetch(con, sql, params, "explorer")


def test_explorer_groups_tonnes_by_street_and_type(fixture_con):
    df = explore(fixture_con, Spec("cleanups_detail", group_by=["street_name", "waste_type"], measures=["sum:tonnes"]))
    # in the window: L1 甲 household 1.5, L2 甲 construction 2.0, L3 乙 household 0.25
    assert df.values.tolist() == [["乙街道", "household", 0.25], ["甲街道", "construction", 2.0],
                                  ["甲街道", "household", 1.5]]


def test_explorer_filters_ranges_values_and_text(fixture_con):
    spec = Spec("cleanups_detail", ranges={"tonnes": (0.5, 2.0)}, use_window=False)
    assert sorted(explore(fixture_con, spec)["cleanup_id"]) == ["L1", "L2"]  # L4 9 t, L5 4 t, L3 0.25 t out
    spec = Spec("orders_detail", values={"category": ["pipe_unclog", "gas_safety"]}, group_by=["category"],
                measures=["count", "avg:hours_to_resolve", "max:rating"])
    df = explore(fixture_con, spec).set_index("category")
    assert df.loc["gas_safety"].tolist() == [1, pytest.approx(48.0), 4]  # O2
    assert df.loc["pipe_unclog"].tolist() == [1, pytest.approx(23.0), 5]  # O1
    spec = Spec("repairs_detail", contains={"compound_name": "丙"}, measures=["sum:quantity"], use_window=False)
    assert explore(fixture_con, spec).iloc[0, 0] == pytest.approx(0.45 + 0.3 + 5.0)  # P4 丙新村: R2 R4 R7
    spec = Spec("communities", values={"is_pilot": ["true"]})
    assert sorted(explore(fixture_con, spec)["community_code"]) == ["C1", "C3"]


def test_explorer_applies_the_sidebar_scope(fixture_con):
    spec = Spec("orders_detail", measures=["count"])
    assert explore(fixture_con, spec, Filters(LAUNCH, REPORT, ("S2",))).iloc[0, 0] == 3  # O4 O5 O6 submitted in S2
    assert explore(fixture_con, Spec("orders_detail", measures=["count"], use_window=False)).iloc[0, 0] == 7


def test_explorer_binds_values_and_whitelists_names(fixture_con):
    hostile = Spec("orders_detail; DROP VIEW streets", values={"category": ["x') OR 1=1 --"],
                                                               "nope": ["a"]}, group_by=["order_id\"--"],
                   measures=["sum:order_id", "count"])
    spec = explorer.sanitize(hostile)
    assert (spec.source, spec.group_by, spec.measures, list(spec.values)) == \
        ("orders_detail", [], ["count"], ["category"])
    assert explore(fixture_con, hostile).iloc[0, 0] == 0
    sql, params = explorer.build(hostile, WINDOW)
    assert "OR 1=1" not in sql and ["x') OR 1=1 --"] in params.values()


def test_explorer_spec_round_trips_through_the_url():
    spec = Spec("cleanups_detail", values={"waste_type": ["household"]}, ranges={"tonnes": (0.5, None),
                "done_on": (dt.date(2023, 6, 1), dt.date(2023, 6, 30))}, contains={"street_name": "甲"},
                group_by=["street_name"], measures=["sum:tonnes", "count"], use_window=False)
    assert explorer.from_query(explorer.to_query(spec)) == explorer.sanitize(spec)


def test_explorer_page_reproduces_an_analysis_from_its_link(on_fixture):
    link = {"x.src": "cleanups_detail", "x.group": "street_name,waste_type", "x.measure": "sum:tonnes"}
    at = open_app(page="pages/explorer.py", from_=LAUNCH.isoformat(), to=REPORT.isoformat(), **link)
    shown = at.dataframe[0].value
    assert shown.values.tolist() == [["乙街道", "生活垃圾", 0.25], ["甲街道", "建筑垃圾", 2.0], ["甲街道", "生活垃圾", 1.5]]
    assert {k: at.query_params[k] for k in link} == link  # the link survives the run
    assert charts(at)["explorer_chart"]["layout"]["yaxis"]["title"]["text"] == "合计：重量（吨）"


def test_explorer_page_with_nothing_in_range_says_so(on_fixture):
    at = open_app(page="pages/explorer.py", **{"x.src": "cleanups_detail", "x.range.tonnes": "100.."})
    assert "所选范围内无数据" in texts(at)


@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


# ---------------------------------------------------------------------------- downloads

def test_downloads_equal_the_table_shown(captured):
    at = open_app(from_=LAUNCH.isoformat(), to=REPORT.isoformat())
    shown = at.dataframe[0].value  # 各街道情况
    csv_bytes, xlsx_bytes = captured["overview_by_street.csv"], captured["overview_by_street.xlsx"]
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese
    from_csv = pd.read_csv(io.BytesIO(csv_bytes), encoding="utf-8-sig")
    from_xlsx = pd.read_excel(io.BytesIO(xlsx_bytes))
    for frame in (from_csv, from_xlsx):
        assert list(frame.columns) == ["街道", "物业社（个）", "解决点单（次）", "清运垃圾（吨）", "道路（公里）", "管线（公里）"]
        assert frame["街道"].tolist() == shown["street_name"].tolist()
        assert frame["解决点单（次）"].tolist() == shown["orders_resolved"].tolist()
        assert frame["清运垃圾（吨）"].tolist() == pytest.approx(shown["tonnes"].tolist())
    assert from_csv["解决点单（次）"].sum() == 35  # the article's 35 orders, split by street office


def test_every_table_on_every_page_offers_csv_and_xlsx(captured):
    pages = ["pages/overview.py", "pages/data_admin.py", "pages/explorer.py"]
    for page in pages:
        captured.clear()
        at = open_app(page=page, from_=LAUNCH.isoformat(), to=REPORT.isoformat())
        workbook = 1 if len(at.dataframe) >= 2 else 0  # and the page's one workbook of them all
        assert len(captured) == 2 * len(at.dataframe) + workbook, page
