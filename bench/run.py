"""Scale benchmark: the dashboard (DuckDB over Parquet) against its pandas peer, per dataset size.

    .venv/bin/python -m bench.run                                   # 100k, 1M and 10M orders
    .venv/bin/python -m bench.run --sizes 100000,1000000 --repeat 5
    .venv/bin/python -m bench.run --sizes 10000000 --rounds 1

For each size: a city-scale dataset (coopdash.synth.citygen; generated once, cached under --data-dir), then
  1. every registered page of the app, one session (AppTest, fresh subprocess): median of --repeat
     runs after a filter change (a window no earlier run used: no cached query result) and of as
     many reruns with the same filters (cached); peak RSS of that process;
  2. the app served by `streamlit run`, visited over websockets (tests/streamlit_ws.py): time from server
     start to the first page's run finished (median of --first-runs starts), then --sessions new
     sessions at once with their own filters, --rounds times, then once more cached: p50/p95;
     peak RSS of the server process;
  3. every named query through db.execute (median; all streets and one street office) and EXPLAIN
     ANALYZE of the slowest;
  4. 1 and 2 again for the pandas peer (bench/pandas_app/).
Prints a Markdown report and writes bench/results/bench-<time>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from coopdash import ROOT

# the benchmarks measure the pages, not the sign-in (a city-scale dataset would otherwise ask for it)
os.environ.setdefault("COOP_AUTH", "none")

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATA = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/coopdash-bench"))
PY = sys.executable
COMPARED = ("overview", "service_orders", "environment", "organisation")  # pages both apps have
TARGETS = {"filter_change_ms": 300, "cached_ms": 50, "ratio": 10, "rss_mb": 1024, "first_page_s": 5}
ENTRIES = {"app": ROOT / "server.py", "pandas": ROOT / "bench" / "pandas_app" / "app.py"}


def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- datasets
def dataset(size: int, seed: int, data_dir: Path) -> tuple[Path, dict]:
    """The dataset for `size` orders, generated unless an identical one (same generator) is cached."""
    import hashlib
    folder = data_dir / f"orders-{size}-seed-{seed}"
    # regenerated when the generator or what it writes (the dataset writer, the rollups) changes
    parts = [ROOT / "coopdash" / "synth" / "citygen.py", ROOT / "coopdash" / "data" / "dataset.py",
             ROOT / "coopdash" / "data" / "rollups.py",
             *sorted((ROOT / "queries").glob("_rollup_*.sql"))]
    source = hashlib.sha1(b"".join(p.read_bytes() for p in parts)).hexdigest()[:12]
    marker = folder / "_citygen.json"
    if marker.is_file():
        summary = json.loads(marker.read_text(encoding="utf-8"))
        if summary.get("writer") == source and summary.get("orders") == size:
            log(f"dataset {folder} (cached)")
            return folder, summary
    log(f"generating {size:,} orders → {folder}")
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "coopdash.synth.citygen", "--orders", str(size), "--out", str(folder), "--seed", str(seed)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads(marker.read_text(encoding="utf-8"))
    summary["wall_seconds"] = round(time.perf_counter() - t0, 1)
    summary["writer"] = source
    marker.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder, summary


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 2**20, 1)


# ---------------------------------------------------------------------------- subprocess workers
def worker(args: list[str], data: Path, out: Path) -> dict:
    env = {**os.environ, "COOP_DATA_DIR": str(data)}
    proc = subprocess.run([PY, "-m", "bench.worker", *args, "--data", str(data), "--out", str(out)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr.splitlines():
        if line.startswith("  ·"):
            log(line.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def mem_available_mb() -> float:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 8192.0


def server_phase(app: str, data: Path, first_runs: int, sessions: int, rounds: int) -> dict:
    """The app served by `streamlit run` and visited over websockets (tests/streamlit_ws.py):
    time to the first page after start (server start → default page's run finished), then the
    load test on the last server: `sessions` new sessions at once, each with its own filters (its
    own window; every other one also a street office), `rounds` times with new filters, then once
    more with the same filters (cached). Peak RSS of the server process (VmHWM)."""
    import asyncio

    from bench import wsclient
    from coopdash.data.settings import settings
    out: dict = {"first_page": []}
    launch = settings().launch
    import pyarrow.parquet as pq
    streets = sorted(pq.read_table(data / "streets.parquet", columns=["street_code"]).column(0).to_pylist())[:19]
    from coopdash.synth.demo import END
    for k in range(first_runs):
        t0 = time.perf_counter()
        with wsclient.serve(ENTRIES[app], data, timeout=300) as server:
            view = asyncio.run(wsclient.open_view(server.port, "", ""))
            out["first_page"].append({"healthy_s": server.healthy_s,
                                      "first_page_s": round(time.perf_counter() - t0, 3),
                                      "run_s": round(view.seconds, 3), "bytes": view.bytes,
                                      "errors": view.exceptions[:2]})
            if k < first_runs - 1:
                continue
            if app == "pandas" and sessions:
                # Every pandas session gets its own copy of the tables from st.cache_data and builds
                # its masks and merges on it: never run more sessions at once than half the memory
                # available can hold (the machine is shared), estimated from this first session.
                per_session = max(50.0, ((server.peak_rss_mb() or 0) - (server.idle_rss_mb or 0)) / 2)
                fits = int(0.5 * mem_available_mb() / per_session)
                if fits < sessions:
                    out["sessions_limited"] = (f"{sessions} → {max(fits, 1)} (about {per_session:,.0f} MB "
                                               f"a session, {mem_available_mb():,.0f} MB available)")
                    sessions = max(fits, 1)
            pages = ["", "service_orders", "environment", "organisation"]
            own = pages + (["compound_map"] if app == "app" else [])
            for page in own[1:]:  # each page compiled and run once: a server that has been up a while
                asyncio.run(wsclient.open_view(server.port, page, ""))
            # one session at a time, for comparison with AppTest: a new link (uncached), then the same again
            out["single"] = {}
            for n, page in enumerate(own):
                link = f"from={launch.isoformat()}&to={(END - dt.timedelta(days=100 + n)).isoformat()}"
                first = asyncio.run(wsclient.open_view(server.port, page, link))
                again = asyncio.run(wsclient.open_view(server.port, page, link))
                out["single"][page or "overview"] = {"filter_change_ms": round(first.seconds * 1000, 1),
                                                     "cached_ms": round(again.seconds * 1000, 1),
                                                     "bytes": again.bytes, "errors": first.exceptions[:1]}
            if not sessions:
                continue

            def query(i: int, r: int) -> str:
                day = END - dt.timedelta(days=200 + i * (rounds + 1) + r)
                q = f"from={launch.isoformat()}&to={day.isoformat()}"
                return q + (f"&street={streets[(i // 2) % len(streets)]}" if i % 2 else "")

            change, cached, errors, bytes_, samples = [], [], 0, [], []
            t_load = time.perf_counter()
            for r in range(rounds + 1):  # the last round repeats the previous filters: cached
                specs = [(pages[i % len(pages)], query(i, min(r, rounds - 1))) for i in range(sessions)]
                views = asyncio.run(wsclient.open_views(server.port, specs))
                for v in views:
                    if isinstance(v, BaseException) or not v.finished:
                        errors += 1
                        samples.append(repr(v)[:300])
                        continue
                    errors += len(v.exceptions)
                    samples += v.exceptions[:1]
                    (cached if r == rounds else change).append(v.seconds)
                    bytes_.append(v.bytes)
            from bench.worker import stats
            out["load"] = {"sessions": sessions, "rounds": rounds, "wall_s": round(time.perf_counter() - t_load, 1),
                           "filter_change": stats(change), "cached": stats(cached), "errors": errors,
                           "error_samples": samples[:3], "bytes_median": sorted(bytes_)[len(bytes_) // 2] if bytes_ else None}
            out["server_peak_rss_mb"] = server.peak_rss_mb()
    out["first_page_median_s"] = round(statistics.median(f["first_page_s"] for f in out["first_page"]), 3)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str | None:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    return path


def browser_first_page(apps: list[str], data: Path, runs: int) -> dict:
    """`streamlit run` started, then a real (headless, offline) Chromium opens the default page:
    seconds until the server is healthy, and until the page's script has finished and drawn."""
    from playwright.sync_api import sync_playwright
    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        try:
            for app in apps:
                samples = []
                for _ in range(runs):
                    port = free_port()
                    env = {**os.environ, "COOP_DATA_DIR": str(data)}
                    t0 = time.perf_counter()
                    server = subprocess.Popen(
                        [PY, "-m", "streamlit", "run", str(ENTRIES[app]), "--server.port", str(port),
                         "--server.address", "127.0.0.1", "--server.headless", "true",
                         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    try:
                        base = f"http://127.0.0.1:{port}"
                        while True:
                            try:
                                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                                    break
                            except OSError:
                                time.sleep(0.05)
                            if time.perf_counter() - t0 > 120:
                                raise RuntimeError("server did not start")
                        healthy = time.perf_counter() - t0
                        context = browser.new_context(viewport={"width": 1920, "height": 1080})
                        context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
                                      or r.request.url.startswith(("data:", "blob:")) else r.abort())
                        page = context.new_page()
                        page.goto(base)
                        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1',
                                               timeout=900_000)
                        done = time.perf_counter() - t0
                        context.close()
                        samples.append({"healthy_s": round(healthy, 3), "page_s": round(done, 3)})
                    finally:
                        server.terminate()
                        try:
                            server.wait(15)
                        except subprocess.TimeoutExpired:
                            server.kill()
                out[app] = {"median_s": round(statistics.median(s["page_s"] for s in samples), 3), "runs": samples}
        finally:
            browser.close()
    return out


# ---------------------------------------------------------------------------- the report
def ms(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def ok(flag: bool | None) -> str:
    return "—" if flag is None else ("pass" if flag else "FAIL")


def report(run: dict) -> str:
    m = run["machine"]
    lines = [f"# Benchmark {run['started']}", "",
             f"{m['cpu']}, {m['cores']} cores, {m['mem_gib']} GiB; Python {m['python']}, "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
             + f"; load average at start {m['loadavg_start']}"
             + (f", at end {m['loadavg_end']}" if m.get("loadavg_end") else "")
             + f". git {run['git']['head']} ({len(run['git']['dirty'])} paths changed or new in the tree).", ""]
    for size in run["sizes"]:
        ds = size["dataset"]
        app, pdx = size.get("app", {}), size.get("pandas", {})
        srv = size.get("server", {})
        lines += [f"## {size['orders']:,} orders", "",
                  f"Dataset: {', '.join(f'{k} {v:,}' for k, v in ds['rows'].items())}; "
                  f"{size['parquet_mb']} MB of Parquet; generated in {ds.get('generate_seconds')} s "
                  f"and written in {ds.get('write_seconds')} s.", "",
                  "Single session (AppTest, whole script: sidebar + page), median ms:", "",
                  "| page | app after filter change | app cached | pandas after filter change | pandas cached "
                  "| speed-up after change | speed-up cached | ≤ 300 ms | ≤ 50 ms cached | ≥ 10× |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
        for page, r in app.get("pages", {}).items():
            a_ch, a_ca = r["filter_change"].get("median_ms"), r["cached"].get("median_ms")
            p = pdx.get("pages", {}).get(page)
            p_ch = p["filter_change"].get("median_ms") if p else None
            p_ca = p["cached"].get("median_ms") if p else None
            ratio_ch = p_ch / a_ch if p and a_ch else None
            ratio_ca = p_ca / a_ca if p and a_ca else None
            lines.append(
                f"| {Path(page).stem} | {ms(a_ch)} (n={r['filter_change']['n']}) | {ms(a_ca)} | {ms(p_ch)} | "
                f"{ms(p_ca)} | {'—' if ratio_ch is None else f'{ratio_ch:.1f}×'} | "
                f"{'—' if ratio_ca is None else f'{ratio_ca:.1f}×'} | "
                f"{ok(a_ch is not None and a_ch <= TARGETS['filter_change_ms'])} | "
                f"{ok(a_ca is not None and a_ca <= TARGETS['cached_ms'])} | "
                f"{ok(None if ratio_ch is None else ratio_ch >= TARGETS['ratio'])} |"
                + (f" **app errors**: {r['errors'][:1]}" if r["errors"] else "")
                + (f" **pandas errors** (its times are not valid): {p['errors'][:1]}" if p and p["errors"] else ""))
        parity = []
        for page in COMPARED:
            a = app.get("pages", {}).get(page, {}).get("metrics", {})
            b = pdx.get("pages", {}).get(page, {}).get("metrics", {})
            shared = set(a) & set(b)
            if shared:
                parity.append(f"{Path(page).stem} {sum(a[k] == b[k] for k in shared)}/{len(shared)}")
        if parity:
            lines += ["", "Same figures in both apps (KPI cards equal, default filters): " + ", ".join(parity) + "."]
        lines.append("")
        for name, r in (("app", app), ("pandas", pdx)):
            if not r:
                continue
            s_ = srv.get(name, {})
            rss, first = r.get("peak_rss_mb_pages"), s_.get("first_page_median_s")
            line = (f"- **{name}**: peak RSS {ms(rss)} MB (one session, every page)"
                    + (f" {ok(rss <= TARGETS['rss_mb'])} ≤ 1 GiB" if name == "app" and rss else "")
                    + (f"; server after the load test {ms(s_.get('server_peak_rss_mb'))} MB" if s_.get("load") else "")
                    + (f"; first page after start {first} s (server healthy after "
                       f"{s_['first_page'][0]['healthy_s']} s)" if first is not None else "")
                    + (f" {ok(first <= TARGETS['first_page_s'])} ≤ 5 s" if name == "app" and first is not None else ""))
            single = s_.get("single")
            if single:
                line += ("; real server, one session at a time (new link / same link again, ms): "
                         + ", ".join(f"{p} {ms(v['filter_change_ms'])} / {ms(v['cached_ms'])}" for p, v in single.items()))
            b = (size.get("browser_first_page") or {}).get(name)
            if b:
                line += f"; headless Chromium: page drawn {b['median_s']} s after `streamlit run` started"
            load = s_.get("load")
            if load:
                line += (f"; **{load['sessions']} sessions at once** (real server, websockets), after a filter change: "
                         f"p50 {ms(load['filter_change'].get('p50_ms'))} ms, p95 {ms(load['filter_change'].get('p95_ms'))} ms; "
                         f"cached: p50 {ms(load['cached'].get('p50_ms'))} ms, p95 {ms(load['cached'].get('p95_ms'))} ms; "
                         f"{load['errors']} errors")
            if s_.get("sessions_limited"):
                line += f"; sessions limited {s_['sessions_limited']}"
            lines.append(line)
        q = size.get("queries", {}).get("queries", {})
        ranked = sorted(((n, v) for n, v in q.items() if "all" in v), key=lambda kv: -kv[1]["all"]["median_ms"])
        if ranked:
            lines += ["", "Slowest named queries (db.execute, median ms, all streets / one street office):", ""]
            for n, v in ranked[:10] + [r for r in ranked[10:] if "load_ms" in r[1]]:  # and the hours index
                pr = v.get("profile") or {}
                lines.append(f"- `{n}` {ms(v['all']['median_ms'])} / {ms(v['one_street'].get('median_ms'))} ms, "
                             f"{v['rows']:,} rows"
                             + (f"; loaded once in {ms(v['load_ms'])} ms" if "load_ms" in v else "")
                             + (f"; {pr.get('rows_scanned') or 0:,} rows scanned, operators "
                                + ", ".join(f"{k} {round(x * 100)}%" for k, x in pr["operator_share"].items() if x >= 0.05)
                                + f", optimizer {round((pr.get('optimizer_s') or 0) * 1000)} ms, "
                                  f"peak buffer {pr.get('peak_buffer_mb')} MB"
                                if pr and "error" not in pr else ""))
        lines.append("")
    return "\n".join(lines)


def machine() -> dict:
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = 0.0
    try:
        mem = round(int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 2**20, 1)
    except (OSError, StopIteration):
        pass
    import duckdb
    import pandas
    import pyarrow
    import streamlit
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem, "python": platform.python_version(),
            "kernel": platform.release(), "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "versions": {"streamlit": streamlit.__version__, "duckdb": duckdb.__version__,
                         "pandas": pandas.__version__, "pyarrow": pyarrow.__version__}}


def git() -> dict:
    def read(*cmd):
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""
    return {"head": read("rev-parse", "--short", "HEAD").strip(),
            "dirty": [l[3:] for l in read("status", "--porcelain").splitlines()]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="orders per dataset, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page and query (median; at most 3 from 5M orders)")
    parser.add_argument("--budget", type=float, default=45.0,
                        help="seconds per page or query; beyond it (after 3 runs) no more runs")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions in the load test (0: none)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="filter changes per session in the load test (default 2; 1 from 5M orders)")
    parser.add_argument("--first-runs", type=int, default=None,
                        help="server starts for the first-page time (default 3; from 5M orders 2, pandas 1)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-pandas", action="store_true")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--browser", action="store_true", help="also time the first page in headless Chromium")
    args = parser.parse_args(argv)
    from coopdash.synth import citygen
    seed = citygen.SEED if args.seed is None else args.seed
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_json, out_md = RESULTS / f"bench-{stamp}.json", RESULTS / f"bench-{stamp}.md"
    run = {"started": dt.datetime.now().isoformat(timespec="seconds"),
           "args": {k: str(v) for k, v in vars(args).items()},
           "machine": machine(), "git": git(), "targets": TARGETS, "sizes": []}
    tmp = RESULTS / f".work-{stamp}"
    tmp.mkdir(exist_ok=True)
    t_all = time.perf_counter()

    def save():
        out_json.write_text(json.dumps(run, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        out_md.write_text(report(run), encoding="utf-8")
    try:
        for size in sizes:
            t_size = time.perf_counter()
            data, summary = dataset(size, seed, args.data_dir)
            entry = {"orders": size, "dataset": summary, "parquet_mb": folder_mb(data), "path": str(data),
                     "loadavg_start": [round(x, 2) for x in os.getloadavg()]}
            run["sizes"].append(entry)
            large = size >= 5_000_000  # keep a three-size run near 20 minutes on two cores
            rounds = args.rounds if args.rounds is not None else (1 if large else 2)
            first_runs = args.first_runs if args.first_runs is not None else (2 if large else 3)
            repeat = min(args.repeat, 3) if large else args.repeat
            entry["settings"] = {"repeat": repeat, "budget_s": args.budget, "sessions": args.sessions,
                                 "rounds": rounds, "first_runs": first_runs}
            common = ["--repeat", str(repeat), "--budget", str(args.budget)]
            log(f"{size:,}: app pages, one session")
            entry["app"] = worker(["pages", "--app", "app", *common], data, tmp / f"app-{size}.json")
            entry["server"] = {}
            log(f"{size:,}: app server: first page, {args.sessions} sessions at once")
            entry["server"]["app"] = server_phase("app", data, first_runs, args.sessions, rounds)
            save()
            if not args.no_queries:
                log(f"{size:,}: named queries")
                entry["queries"] = worker(["queries", "--repeat", str(repeat), "--budget", str(args.budget / 3)],
                                          data, tmp / f"queries-{size}.json")
                save()
            if not args.no_pandas:
                log(f"{size:,}: pandas pages, one session")
                entry["pandas"] = worker(["pages", "--app", "pandas", *common], data, tmp / f"pandas-{size}.json")
                log(f"{size:,}: pandas server: first page, {args.sessions} sessions at once")
                entry["server"]["pandas"] = server_phase("pandas", data, 1 if large and args.first_runs is None
                                                         else first_runs, args.sessions, rounds)
            if args.browser and chromium():
                log(f"{size:,}: first page in a browser")
                try:
                    entry["browser_first_page"] = browser_first_page(
                        ["app"] + ([] if args.no_pandas else ["pandas"]), data, 1)
                except Exception as exc:  # noqa: BLE001 — optional measurement
                    entry["browser_first_page"] = {"error": str(exc)[:300]}
            entry["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
            entry["wall_seconds"] = round(time.perf_counter() - t_size, 1)
            save()
            log(f"{size:,}: done in {entry['wall_seconds']} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    run["wall_seconds"] = round(time.perf_counter() - t_all, 1)
    run["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    save()
    print(report(run))
    print(f"\n→ {out_json.relative_to(ROOT)}, {out_md.relative_to(ROOT)} ({run['wall_seconds']} s)")


if __name__ == "__main__":
    main()
