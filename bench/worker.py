"""Single-session measurements, each run in a fresh subprocess by bench/run.py (one process per app
and size, so the peak RSS is that app's alone):

    python -m bench.worker pages   --app app|pandas --data DIR --out FILE [--repeat 5 --budget 60]
    python -m bench.worker queries --data DIR --out FILE [--repeat 5 --budget 60]

Page runs use streamlit.testing.v1.AppTest: the whole script (the entry script with its sidebar,
then the page) runs in this process as a server runs it for a session, minus the websocket.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np  # noqa: E402

from coopdash import ROOT  # noqa: E402

# the benchmarks measure the pages, not the sign-in (a city-scale dataset would otherwise ask for it)
os.environ.setdefault("COOP_AUTH", "none")

APPS = {"app": ROOT / "dashboard.py", "pandas": ROOT / "bench" / "pandas_app" / "app.py"}  # AppTest runs the script
TIMEOUT = 3600


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def registered_pages(entry: Path) -> list[str]:
    """The page files an entry script registers with st.Page(...), in order, relative to the entry's
    folder: pages/<name>.py for the app, app_pages/<name>.py for the pandas peer."""
    text = entry.read_text(encoding="utf-8")
    if entry == APPS["app"]:  # dashboard.py's SECTIONS: ("page id", "file.py", "title key")
        # without sign-in (the benchmarks' mode) there is no user management page
        return [f"pages/{name}.py" for name in re.findall(r'\("\w+", "(\w+)\.py", "[\w.]+"\)', text)
                if name != "users"]
    return [f"app_pages/{name}.py" for _, name in re.findall(r'st\.Page\(([^,\n]*?)"(\w+)\.py"', text)]


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    a = np.array(values) * 1000
    return {"n": len(values), "median_ms": round(float(np.median(a)), 1), "min_ms": round(float(a.min()), 1),
            "max_ms": round(float(a.max()), 1), "p50_ms": round(float(np.percentile(a, 50)), 1),
            "p95_ms": round(float(np.percentile(a, 95)), 1), "runs_ms": [round(float(x), 1) for x in a]}


def share_script_cache() -> None:
    """Compile each script once per process, as a server does.

    A server keeps one ScriptCache for its lifetime (streamlit.runtime.Runtime), so a page's script is
    compiled on its first run only. AppTest makes a new cache on every run (app_test.py and
    local_script_runner.py), which adds 2–5 ms of compile() to every timed run of both apps. The two
    AppTest modules are handed one shared cache instead; nothing else about the run changes."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


class Session:
    """One browser session of an app, driven by AppTest."""

    def __init__(self, entry: Path, page: str, query: dict | None = None):
        from streamlit.testing.v1 import AppTest
        self.at = AppTest.from_file(str(entry), default_timeout=TIMEOUT)
        for key, value in (query or {}).items():
            self.at.query_params[key] = value
        self.at.switch_page(page)

    def run(self) -> tuple[float, list[str]]:
        t0 = time.perf_counter()
        self.at.run()
        elapsed = time.perf_counter() - t0
        # A server collects garbage after every script run; AppTest does not, and the pandas peer's
        # per-run copies of its tables (reference cycles) would pile up. Not timed.
        gc.collect()
        return elapsed, [str(e.value)[:500] for e in self.at.exception]

    def set_end(self, day: dt.date) -> None:
        self.at.sidebar.date_input(key="flt_end").set_value(day)

    def metrics(self) -> dict[str, str]:
        return {m.label: m.value for m in self.at.metric}


def last_day(data: Path) -> dt.date:
    from coopdash.data import db
    con = db.open_dataset(data)
    day = db.execute(con, "data_bounds", {}).iloc[0]["last_day"]
    con.close()
    return day


def street_codes(data: Path) -> list[str]:
    import pyarrow.parquet as pq
    return sorted(pq.read_table(data / "streets.parquet", columns=["street_code"]).column(0).to_pylist())


# ---------------------------------------------------------------------------- pages, one session each
def pages_phase(entry: Path, pages: list[str], end: dt.date, repeat: int, budget: float, offsets) -> dict:
    out = {}
    for page in pages:
        print(f"  · {entry.parent.name}/{page}", file=sys.stderr, flush=True)
        s = Session(entry, page)
        first, errors = s.run()  # a new session's first view (default filters)
        first_metrics = s.metrics()  # compared between the two apps (same filters): parity
        uncached, cached = [], []
        t_page = time.perf_counter()
        for i in range(repeat):  # a filter change each run: a window not seen before, so no cached result
            s.set_end(end - dt.timedelta(days=next(offsets)))
            elapsed, errs = s.run()
            uncached.append(elapsed)
            errors += errs
            if i + 1 >= min(3, repeat) and time.perf_counter() - t_page > budget:
                break
        for _ in range(len(uncached)):  # the same filters again: every query result cached
            elapsed, errs = s.run()
            cached.append(elapsed)
            errors += errs
        out[Path(page).stem] = {"first_view_ms": round(first * 1000, 1), "filter_change": stats(uncached),
                     "cached": stats(cached), "errors": errors[:5], "metrics": first_metrics}
    return out


def cmd_pages(args) -> None:
    entry = APPS[args.app]
    os.environ["COOP_DATA_DIR"] = str(args.data)
    share_script_cache()
    pages = registered_pages(entry)
    if args.pages:
        pages = [p for p in pages if Path(p).stem in args.pages.split(",")]
    end = last_day(args.data)
    counter = iter(range(1, 100_000))
    load = os.getloadavg()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    result = {"app": args.app, "pages_registered": pages, "loadavg_start": load}
    result["pages"] = pages_phase(entry, pages, end, args.repeat, args.budget, counter)
    result["pages_wall_s"] = round(time.perf_counter() - t0, 1)
    result["pages_cpu_s"] = round(cpu_seconds() - cpu0, 1)
    result["peak_rss_mb_pages"] = peak_rss_mb()
    result["loadavg_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    for page, r in result["pages"].items():  # a quick look; bench.run writes the full report
        print(f"{Path(page).stem:16s} first {r['first_view_ms']:>9,.0f} ms · after a filter change "
              f"{r['filter_change'].get('median_ms', 0):>9,.1f} ms · cached {r['cached'].get('median_ms', 0):>8,.1f} ms"
              f"{' · errors: ' + str(r['errors']) if r['errors'] else ''}")
    print(f"peak RSS {result['peak_rss_mb_pages']:,.0f} MB")


# ---------------------------------------------------------------------------- named queries
def query_params(con, data: Path) -> tuple[dict, dict]:
    """The default filters (launch to the last day, everything in scope) and the page-specific extras."""
    from coopdash.data import db
    from coopdash.data.contract import COOP_MODE
    from coopdash.data.settings import settings
    cfg = settings()
    end = db.execute(con, "data_bounds", {}).iloc[0]["last_day"]
    compound = con.sql("SELECT compound_code FROM service_orders GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
                       ).fetchall()[0][0]
    base = {"start": cfg.launch, "end": end, "streets": [], "communities": [], "launch": cfg.launch}
    extra = {**cfg.cooperative_rules, "modes": COOP_MODE.codes,
             "month_start": end.replace(day=1), "compound": compound, "by": "street"}
    return base, extra


def page_queries() -> dict[str, list[str]]:
    """Named queries each page (and the sidebar, on every page) calls, read from the source."""
    find = re.compile(r'\brun\(\s*"(\w+)"|cache\.run_many\(\s*\[([^\]]*)\]')

    def names(text: str) -> list[str]:
        out = []
        for one, many in find.findall(text):
            out += [one] if one else re.findall(r'"(\w+)"', many)
        return list(dict.fromkeys(out))
    out = {"sidebar": sorted(names((ROOT / "coopdash" / "app" / "cache.py").read_text(encoding="utf-8")))}
    for path in sorted((ROOT / "pages").glob("*.py")):
        out[path.stem] = names(path.read_text(encoding="utf-8"))
    return out


def profile(con, sql: str, params: dict) -> dict:
    """EXPLAIN ANALYZE: time per operator type, the scans and the bytes read."""
    plan = json.loads(con.cursor().sql("EXPLAIN (ANALYZE, FORMAT json) " + sql, params=params).fetchall()[0][1])
    per_type: dict[str, float] = {}
    scans: dict[str, int] = {}  # Parquet file → rows its scans produced (summed over repeated scans)

    def walk(node):
        kind = node.get("type") or node.get("operator_type") or "?"
        per_type[kind] = per_type.get(kind, 0.0) + float(node.get("timing", 0) or 0)
        info = node.get("extra_info") or {}
        if "SCAN" in kind and info.get("Filename(s)"):
            name = Path(str(info["Filename(s)"]).strip("[]'\" ")).name
            scans[name] = scans.get(name, 0) + int(node.get("intermediate_rows") or 0)
        for child in node.get("children", []):
            walk(child)

    for node in plan.get("operator", plan.get("children", [])):
        walk(node)
    total = sum(per_type.values()) or 1.0
    top = sorted(per_type.items(), key=lambda kv: -kv[1])[:5]
    q, sysinfo = plan.get("query") or {}, plan.get("system") or {}
    return {"total_s": q.get("total_time"), "cpu_s": q.get("cpu_time"),
            "optimizer_s": (plan.get("optimizer") or {}).get("total_time"),
            "planner_s": (plan.get("planner") or {}).get("total_time"),
            "rows_scanned": q.get("total_rows_scanned"),
            "row_groups": f"{q.get('total_row_groups_scanned')}/{q.get('total_row_groups_to_scan')}",
            "peak_buffer_mb": round((sysinfo.get("peak_buffer_memory") or 0) / 2**20, 1),
            "operator_seconds": {k: round(v, 3) for k, v in top},
            "operator_share": {k: round(v / total, 2) for k, v in top},
            "scan_rows": scans, "bytes_read": (plan.get("io") or {}).get("total_bytes_read")}


def hours_index(args, con, params: dict, streets: list[str]) -> dict:
    """coopdash.data.hours: the index's load, then a summary (all three breakdowns) per window, each run a
    window not seen before (as after a filter change), beside orders_hours (their SQL definition)."""
    from coopdash.data import hours
    t0 = time.perf_counter()
    index = hours.load(args.data, con)
    load_ms = (time.perf_counter() - t0) * 1000
    times, one_times = [], []
    for i in range(max(args.repeat, 3)):
        end = params["end"] - dt.timedelta(days=i + 1)
        for out, scope in ((times, []), (one_times, streets[:1])):
            t0 = time.perf_counter()
            index.summary(params["start"], end, scope, [])
            out.append(time.perf_counter() - t0)
    print(f"  · {'hours.summary (index)':28s} {np.median(times) * 1000:9.1f} ms (load {load_ms:,.0f} ms)",
          file=sys.stderr, flush=True)
    return {"all": stats(times), "one_street": stats(one_times), "rows": index.n, "load_ms": round(load_ms, 1)}


def cmd_queries(args) -> None:
    from coopdash.data import db
    con = db.open_dataset(args.data)
    base, extra = query_params(con, args.data)
    streets = street_codes(args.data)
    result = {"loadavg_start": os.getloadavg(), "params": {k: str(v) for k, v in {**base, **extra}.items()},
              "page_queries": page_queries(), "queries": {}}
    for name in db.query_names():
        sql, needed = db.load_query(name)
        params = {**base, **extra}
        missing = needed - params.keys()
        if missing:
            result["queries"][name] = {"skipped": f"needs {sorted(missing)}"}
            continue
        times, rows, t_q = [], None, time.perf_counter()
        for i in range(args.repeat):
            t0 = time.perf_counter()
            rows = len(db.execute(con, name, params))
            times.append(time.perf_counter() - t0)
            if i + 1 >= min(3, args.repeat) and time.perf_counter() - t_q > args.budget:
                break
        one = {**params, "streets": streets[:1]}  # one street office: how selective is it?
        one_times = []
        if "streets" in needed:
            for _ in range(min(3 if np.median(times) < 2 else 1, args.repeat)):
                t0 = time.perf_counter()
                db.execute(con, name, one)
                one_times.append(time.perf_counter() - t0)
        result["queries"][name] = {"all": stats(times), "one_street": stats(one_times), "rows": rows}
        print(f"  · {name:28s} {result['queries'][name]['all']['median_ms']:9.1f} ms", file=sys.stderr, flush=True)
    result["queries"]["hours.summary (index)"] = hours_index(args, con, {**base, **extra}, streets)
    ranked = sorted((q for q in result["queries"].items() if "all" in q[1] and "load_ms" not in q[1]),
                    key=lambda kv: -kv[1]["all"]["median_ms"])
    for name, _ in ranked[:args.profile]:
        sql, needed = db.load_query(name)
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in {**base, **extra}.items() if k in needed}
        try:
            result["queries"][name]["profile"] = profile(con, sql, params)
        except Exception as exc:  # noqa: BLE001
            result["queries"][name]["profile"] = {"error": str(exc)[:300]}
    result["peak_rss_mb"] = peak_rss_mb()
    result["loadavg_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["pages", "queries"])
    parser.add_argument("--app", choices=list(APPS), default="app")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pages", help="only these pages, comma-separated (e.g. overview,compound_map)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per page/query before fewer runs")
    parser.add_argument("--profile", type=int, default=6, help="EXPLAIN ANALYZE the N slowest queries")
    args = parser.parse_args(argv)
    args.data = args.data.resolve()
    {"pages": cmd_pages, "queries": cmd_queries}[args.command](args)


if __name__ == "__main__":
    main()
