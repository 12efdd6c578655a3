"""Side experiments behind the recommendations in docs/scale.md. They measure alternatives on the
same dataset; none of them changes the app (queries/ and coopdash/ are untouched).

    .venv/bin/python -m bench.experiments --data /tmp/coopdash-bench/orders-10000000-seed-20240601

  native   the app's named queries on DuckDB tables loaded once from the Parquet files, against the
           Parquet views the app uses today (db.open_dataset); load time and memory
  denorm   kpi_orders without the join through compounds → communities → streets, on service_orders
           with street_code and community_code written onto it (at ingest)
  rollup   daily rollups of the orders (submitted and resolved, per community and category): rows,
           build time, and the overview's order figures from them
  quantile quantile_cont (exact) against approx_quantile for the median and P90 hours to resolve
  render   where a cached page run spends its time (cProfile of the page script in AppTest)
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import time
from pathlib import Path

import duckdb

from coopdash import ROOT
from coopdash.data import db, rollups, views
from coopdash.data.contract import COOP_MODE, TABLES
from coopdash.data.files import ident
from coopdash.data.settings import settings

PAGE_QUERIES = {
    "overview": ["kpi_organisation", "kpi_orders", "kpi_outcomes", "kpi_compounds", "monthly_trend", "by_street"],
    "service_orders": ["kpi_orders", "orders_backlog", "orders_satisfaction",
                       "orders_by_street", "orders_by_category", "orders_monthly", "orders_category_month",
                       "orders_overdue"],
    "environment": ["kpi_outcomes", "env_by_street", "monthly_trend", "env_repairs_cumulative"],
}


def timed(fn, repeat: int = 3) -> float:
    """Median seconds of fn() over `repeat` runs (after none: the OS cache is warm from earlier runs)."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return sorted(out)[len(out) // 2]


def params(con) -> dict:
    cfg = settings()
    end = db.execute(con, "data_bounds", {}).iloc[0]["last_day"]
    return {"start": cfg.launch, "end": end, "streets": [], "communities": [], "launch": cfg.launch,
            **cfg.cooperative_rules, "modes": COOP_MODE.codes}


def run_named(con, name: str, p: dict):
    sql, needed = db.load_query(name)
    return con.cursor().sql(sql, params={k: v for k, v in p.items() if k in needed}).to_arrow_table()


def native_connection(data: Path) -> tuple[duckdb.DuckDBPyConnection, float, float]:
    """The contract's tables as DuckDB tables (same casts as db.open_dataset), the deadlines and macros."""
    con = duckdb.connect(":memory:", config={"threads": settings().threads, "memory_limit": "4GB"})
    t0 = time.perf_counter()
    for t in TABLES:
        # identifiers through files.ident, the types from the contract's own list, the path bound
        casts = ", ".join("CAST(" + ident(c.name) + " AS " + c.type + ") AS " + ident(c.name) for c in t.columns)
        con.execute("CREATE TABLE " + ident(t.name) + " AS SELECT " + casts + " FROM read_parquet($path)",
                    {"path": str(data / (t.name + ".parquet"))})
    load_s = time.perf_counter() - t0
    views.lookup_tables(con)  # the same deadlines, repair units and rollups as db.open_dataset
    rollups.attach(con, data)
    con.execute(db.MACROS_FILE.read_text(encoding="utf-8"))
    mem = con.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] or 0
    return con, load_s, mem / 2**20


def exp_native(data: Path, repeat: int) -> dict:
    views = db.open_dataset(data)
    p = params(views)
    native, load_s, mem_mb = native_connection(data)
    out = {"load_s": round(load_s, 1), "duckdb_memory_mb": round(mem_mb), "pages": {}}
    for page, names in PAGE_QUERIES.items():
        rows = {}
        for name in names:
            a = timed(lambda: run_named(views, name, p), repeat)
            b = timed(lambda: run_named(native, name, p), repeat)
            rows[name] = {"parquet_ms": round(a * 1000), "native_ms": round(b * 1000)}
        out["pages"][page] = {"queries": rows, "parquet_ms": sum(r["parquet_ms"] for r in rows.values()),
                              "native_ms": sum(r["native_ms"] for r in rows.values())}
    return out


def exp_denorm(data: Path, repeat: int) -> dict:
    native, _, _ = native_connection(data)
    p = params(native)
    native.execute("""CREATE TABLE orders_wide AS SELECT o.*, cp.community_code, cm.street_code
        FROM service_orders o JOIN compounds cp USING (compound_code)
        JOIN communities cm USING (community_code)""")
    street = native.sql("SELECT street_code FROM streets ORDER BY 1 LIMIT 1").fetchall()[0][0]
    flat = """SELECT
        count(*) FILTER (WHERE status = 'resolved' AND resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1),
        count(*) FILTER (WHERE status <> 'cancelled' AND submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1)
        FROM orders_wide WHERE (len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], street_code))"""
    out = {}
    for label, streets in (("all", []), ("one_street", [street])):
        q = {**p, "streets": streets}
        out[label] = {
            "kpi_orders_ms": round(timed(lambda: run_named(native, "kpi_orders", q), repeat) * 1000),
            "without_join_ms": round(timed(lambda: native.sql(flat, params={k: q[k] for k in ("start", "end", "streets")})
                                           .fetchall(), repeat) * 1000)}
    return out


def exp_rollup(data: Path, repeat: int) -> dict:
    native, _, _ = native_connection(data)
    p = params(native)
    t0 = time.perf_counter()
    native.execute("""CREATE TABLE orders_submitted_daily AS
        SELECT CAST(o.submitted_at AS DATE) AS day, cp.community_code, o.category, o.status, count(*) AS n
        FROM service_orders o JOIN compounds cp USING (compound_code) GROUP BY ALL""")
    native.execute("""CREATE TABLE orders_resolved_daily AS
        SELECT CAST(o.resolved_at AS DATE) AS day, cp.community_code, o.category, count(*) AS n,
               sum(epoch(o.resolved_at) - epoch(o.submitted_at)) / 3600 AS hours
        FROM service_orders o JOIN compounds cp USING (compound_code)
        WHERE o.status = 'resolved' GROUP BY ALL""")
    build_s = time.perf_counter() - t0
    rows = {t: native.sql("SELECT count(*) FROM " + ident(t)).fetchall()[0][0]
            for t in ("orders_submitted_daily", "orders_resolved_daily")}
    monthly_rollup = """SELECT date_trunc('month', r.day) AS month, sum(r.n) AS orders_resolved
        FROM orders_resolved_daily r JOIN scoped_communities($streets, $communities) s USING (community_code)
        WHERE r.day BETWEEN $start AND $end GROUP BY ALL ORDER BY 1"""
    q = {k: p[k] for k in ("start", "end", "streets", "communities")}
    return {"build_s": round(build_s, 1), "rows": rows,
            "monthly_trend_orders_ms": round(timed(lambda: run_named(native, "monthly_trend", p), repeat) * 1000),
            "from_rollup_ms": round(timed(lambda: native.sql(monthly_rollup, params=q).fetchall(), repeat) * 1000)}


def exp_quantile(data: Path, repeat: int) -> dict:
    native, _, _ = native_connection(data)
    sql = """SELECT {f}(h, 0.5), {f}(h, 0.9) FROM (SELECT (epoch(resolved_at) - epoch(submitted_at)) / 3600 AS h
             FROM service_orders WHERE status = 'resolved')"""
    exact = native.sql(sql.format(f="quantile_cont")).fetchall()[0]
    approx = native.sql(sql.format(f="approx_quantile")).fetchall()[0]
    return {"exact_ms": round(timed(lambda: native.sql(sql.format(f="quantile_cont")).fetchall(), repeat) * 1000),
            "approx_ms": round(timed(lambda: native.sql(sql.format(f="approx_quantile")).fetchall(), repeat) * 1000),
            "exact": [round(x, 2) for x in exact], "approx": [round(x, 2) for x in approx]}


def exp_render(data: Path, pages: list[str]) -> dict:
    """cProfile of the page script (in the script thread) on a cached rerun: the top functions."""
    os.environ["COOP_DATA_DIR"] = str(data)
    from streamlit.navigation.page import StreamlitPage
    from streamlit.testing.v1 import AppTest
    original = StreamlitPage.run
    state = {"profile": None}

    def run(self):
        if state["profile"] is None:
            return original(self)
        state["profile"].enable()
        try:
            return original(self)
        finally:
            state["profile"].disable()
    StreamlitPage.run = run
    out = {}
    try:
        for page in pages:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=1800)
            at.switch_page(f"pages/{page}.py")
            at.run()
            state["profile"] = cProfile.Profile()
            t0 = time.perf_counter()
            at.run()  # same filters: every query cached
            total = time.perf_counter() - t0
            stream = io.StringIO()
            stats = pstats.Stats(state["profile"], stream=stream)
            script = sum(v[3] for k, v in stats.stats.items() if k[2] == "<module>" and "/pages/" in k[0])
            stats.sort_stats("cumulative").print_stats(25)
            out[page] = {"run_s": round(total, 3), "page_script_s": round(script, 3), "top": stream.getvalue()}
            state["profile"] = None
    finally:
        StreamlitPage.run = original
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--only", default="native,denorm,rollup,quantile,render")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default="service_orders,compound_map,overview")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    out = {"data": str(data), "started": dt.datetime.now().isoformat(timespec="seconds"),
           "loadavg": os.getloadavg()}
    for name in args.only.split(","):
        print(f"· {name}", flush=True)
        if name == "render":
            out[name] = exp_render(data, args.pages.split(","))
        else:
            out[name] = globals()[f"exp_{name}"](data, args.repeat)
        shown = {k: v for k, v in out[name].items()} if name != "render" else \
            {p: {k: v for k, v in r.items() if k != "top"} for p, r in out[name].items()}
        print(json.dumps(shown, ensure_ascii=False, default=str, indent=1), flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"experiments-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    print(f"→ {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
