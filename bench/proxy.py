"""Many viewers through nginx (issue 17): one `streamlit run server.py` process against the deployment of
deploy/ (N replicas behind nginx under supervisord), side by side on the same city-scale dataset.

    .venv/bin/python -m bench.proxy                                  # 10M orders, 2 replicas, 3 rounds
    .venv/bin/python -m bench.proxy --orders 200000 --rounds 1      # a quick check (~1 min)

Before the load, a separate one-process server opens every link of the 100-session phase alone, one
after the other: the reference figures. Then, --rounds times, first the one process (A), then the
deployment (B), so that whatever else the machine does hits both:
  1. a cold start: seconds from the start to healthy (the deployment: every replica healthy and nginx
     answering) and to the first page's run finished (default link, as a browser tab: GET, websocket);
     each page then opened once (on every replica) with the default link, as a server that has been up
     a while;
  2. --sessions (20) new sessions at once, each with its own filters (its own window, no earlier round
     used it; a third also one street office, a third one community) over 总览, 点单服务, 环境与修缮 and
     组织建设: "after a filter change"; then the same links again in new sessions, from the same
     browsers (their coop_route cookie): "all results cached";
  3. in the last round, --many (100) new sessions at once with links no round used: errors, p50/p95,
     and whether each session got its own filters' figures (KPI cards equal to the reference's);
     memory after that load (VmRSS of each replica and of the whole process tree under supervisord:
     replicas, nginx, the health check; the one process's peak VmHWM).
Each session's time runs from its page GET to "script finished" on its websocket (tests/streamlit_ws.py).
Prints a Markdown report and writes bench/results/proxy-<time>.json and .md; the deployment's and the
servers' logs are copied to bench/results/proxy-<time>-logs/ (all git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.run import DEFAULT_DATA, RESULTS, dataset, folder_mb, git, log, machine  # sets COOP_AUTH=none
from bench.worker import stats
from coopdash import ROOT
from deploy import serve as deploy
from tests.streamlit_ws import free_port, free_ports, open_view, open_views, serve

PAGES = ("", "service_orders", "environment", "organisation")  # URL paths ("" is 总览), as tests/test_concurrency
TARGETS = {"cached_p95_s": 1.0, "filter_change_p95_s": 1.5, "ratio": 1.4, "many_p95_s": 6.0}


# ---------------------------------------------------------------------------- links
class Links:
    """Link k: its page and its filters. Every k has its own end date (END - 3 - k days), so no two
    links share a window; the start steps through five months; k % 3 == 1 one street office,
    k % 3 == 2 one community (as tests/test_concurrency.py's session_filters)."""

    def __init__(self, data: Path):
        import pyarrow.parquet as pq

        from coopdash.data.settings import settings
        from coopdash.synth.citygen import END
        self.launch, self.end = settings().launch, END
        self.streets = sorted(pq.read_table(data / "streets.parquet", columns=["street_code"]).column(0).to_pylist())
        t = pq.read_table(data / "communities.parquet", columns=["street_code", "community_code"]).to_pylist()
        self.communities = sorted(((r["street_code"], r["community_code"]) for r in t), key=lambda sc: sc[1])

    def __call__(self, k: int) -> tuple[str, str]:
        start = self.launch + dt.timedelta(days=30 * (k % 5))
        end = self.end - dt.timedelta(days=3 + k)
        assert end > start + dt.timedelta(days=60), k
        query = f"from={start.isoformat()}&to={end.isoformat()}"
        if k % 3 == 1:
            query += f"&street={self.streets[k % len(self.streets)]}"
        elif k % 3 == 2:
            street, community = self.communities[(7 * k) % len(self.communities)]
            query += f"&street={street}&community={community}"
        return PAGES[k % len(PAGES)], query


# ---------------------------------------------------------------------------- sessions
def sessions(port: int, specs: list[tuple[str, str]], headers: list[dict] | None = None) -> list:
    """All the views at once, each a new session that GETs its page first (as a browser tab). The
    client's thread pool (the GETs run in it) is as large as the number of sessions, so that the
    GETs are not queued behind asyncio's default of cores + 4 threads."""
    async def go():
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(max_workers=len(specs) + 4))
        return await open_views(port, specs, timeout=1800, headers=headers, http_first=True)
    return asyncio.run(go())


def one(port: int, page: str, query: str, headers: dict | None = None):
    return asyncio.run(open_view(port, page, query, timeout=1800, headers=headers, http_first=True))


def _close(x, y) -> bool:
    """Plotly specs equal, numbers to within 1e-9 relative: DuckDB sums floating-point columns in
    parallel, so under load a total may differ in its last bit from the same query run alone (the
    order of the additions differs). Typed arrays ({"dtype", "bdata"}) are decoded."""
    import base64
    import math

    import numpy as np
    if isinstance(x, dict) and isinstance(y, dict):
        if {"dtype", "bdata"} <= set(x) and {"dtype", "bdata"} <= set(y):
            if x["dtype"] != y["dtype"] or x.get("shape") != y.get("shape"):
                return False
            a = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
            b = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
            return a.shape == b.shape and (bool(np.array_equal(a, b)) or (
                a.dtype.kind == "f" and bool(np.allclose(a, b, rtol=1e-9, atol=0, equal_nan=True))))
        return x.keys() == y.keys() and all(_close(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_close(a, b) for a, b in zip(x, y))
    if isinstance(x, float) or isinstance(y, float):
        return isinstance(x, (int, float)) and isinstance(y, (int, float)) and math.isclose(x, y, rel_tol=1e-9)
    return x == y


def same_charts(got: list[str], want: list[str]) -> bool:
    return len(got) == len(want) and all(a == b or _close(json.loads(a), json.loads(b)) for a, b in zip(got, want))


def describe(v) -> dict:
    """A view as the JSON keeps it."""
    if isinstance(v, BaseException):
        return {"failed": f"{type(v).__name__}: {v}"[:300]}
    return {"page": v.page or "overview", "query": v.query, "s": round(v.seconds, 3), "finished": v.finished,
            "exceptions": v.exceptions[:2], "route": v.cookies.get("coop_route"), "bytes": v.bytes,
            "metrics": len(v.metrics)}


def errors_of(views: list) -> dict:
    failed = sum(isinstance(v, BaseException) for v in views)
    ok = [v for v in views if not isinstance(v, BaseException)]
    samples = [f"{type(v).__name__}: {v}"[:300] for v in views if isinstance(v, BaseException)]
    samples += [f"{v.page or 'overview'}?{v.query}: {v.exceptions[0]}"[:300] for v in ok if v.exceptions]
    return {"failed": failed, "unfinished": sum(not v.finished for v in ok),
            "with_exceptions": sum(bool(v.exceptions) for v in ok),
            "total": failed + sum((not v.finished) or bool(v.exceptions) for v in ok), "samples": samples[:3]}


def seconds(views: list) -> list[float]:
    return [v.seconds for v in views if not isinstance(v, BaseException) and v.finished]


def routes(views: list) -> dict:
    return dict(sorted(collections.Counter(
        (v.cookies.get("coop_route") or "none") if not isinstance(v, BaseException) else "failed"
        for v in views).items()))


# ---------------------------------------------------------------------------- memory, processes, logs
def status(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Name", "VmRSS", "VmHWM"):
                out[key] = value.strip() if key == "Name" else round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    try:  # proportional set: shared pages counted once across the tree
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["Pss"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


def tree(root: int) -> list[int]:
    """root and every process below it, from /proc/<pid>/stat's parent ids."""
    children = collections.defaultdict(list)
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children[ppid].append(int(p.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def deployment_memory(plan: deploy.Plan) -> dict:
    replicas = {}
    for port in plan.replicas:
        pid = deploy.pid(plan, f"replica-{port}")
        replicas[str(port)] = {"pid": pid, **status(pid)}
    root = int((plan.run / "supervisord.pid").read_text().strip())
    procs = [{"pid": p, **status(p)} for p in tree(root)]
    return {"replicas": replicas, "processes": procs,
            "total_rss_mb": round(sum(p.get("VmRSS", 0) for p in procs), 1),
            "total_pss_mb": round(sum(p.get("Pss", 0) for p in procs), 1)}


def deployment_logs(logs: Path) -> dict:
    """What the deployment's logs say: restarts (supervisord spawned a program more than once), the
    health check's changes after every replica was first up, tracebacks, nginx errors, non-2xx/101/3xx
    answers."""
    out: dict = {}
    sup = (logs / "supervisord.log").read_text(errors="replace") if (logs / "supervisord.log").exists() else ""
    spawned = collections.Counter(re.findall(r"spawned: '([^']+)'", sup))
    out["spawned"] = dict(spawned)
    out["restarts"] = {k: n - 1 for k, n in spawned.items() if n > 1}
    out["exited_unexpected"] = re.findall(r"exited: '([^']+)' \([^)]*not expected\)", sup)[:5]
    ups = (logs / "upstreams.log").read_text(errors="replace").splitlines() if (logs / "upstreams.log").exists() else []
    first_all_up = next((i for i, l in enumerate(ups) if "down none" in l or "down []" in l), None)
    out["health_changes_after_up"] = ups[first_all_up + 1:] if first_all_up is not None else ups
    out["tracebacks"] = {p.name: p.read_text(errors="replace").count("Traceback") for p in sorted(logs.glob("replica-*.log"))}
    nginx = (logs / "nginx.log").read_text(errors="replace").splitlines() if (logs / "nginx.log").exists() else []
    # deploy.running() asks nginx's /_stcore/health until it answers: the 503s ("no live upstreams")
    # between the health check's first "up" and nginx's reload are those polls, counted apart
    bad = [l for l in nginx if "[error]" in l or "[crit]" in l or "[alert]" in l]
    polls = [l for l in bad if 'request: "GET /_stcore/health ' in l]
    out["nginx_errors"] = [l[:300] for l in bad if l not in polls][:5]
    out["nginx_error_count"] = len(bad) - len(polls)
    out["nginx_health_poll_errors"] = len(polls)
    codes: collections.Counter = collections.Counter()
    health_codes: collections.Counter = collections.Counter()
    access = logs / "nginx-access.log"
    if access.exists():
        for line in access.read_text(errors="replace").splitlines():
            m = re.search(r'"[A-Z]+ (\S+) [^"]*" (\d{3}) ', line)
            if m:
                (health_codes if m.group(1).startswith("/_stcore/health") else codes)[m.group(2)] += 1
    out["http_status"] = dict(sorted(codes.items()))
    out["http_status_health_polls"] = dict(sorted(health_codes.items()))
    return out


def server_logs(path: Path) -> dict:
    text = path.read_text(errors="replace") if path.exists() else ""
    return {"tracebacks": text.count("Traceback"),
            "errors": [l[:300] for l in text.splitlines() if "ERROR" in l or "Exception" in l][:3]}


# ---------------------------------------------------------------------------- one configuration, one round
@contextlib.contextmanager
def started(kind: str, data: Path, replicas: int, work: Path, tag: str, env: dict):
    """The one process or the deployment, cold: yields (port, plan or server, healthy seconds)."""
    t0 = time.perf_counter()
    if kind == "one":
        with serve(ROOT / "server.py", data, timeout=900, env=env, log=work / f"{tag}.log") as server:
            yield server.port, server, time.perf_counter() - t0, t0
    else:
        plan = deploy.Plan(free_port(), free_ports(replicas), work / tag)
        with deploy.running(plan, env={**env, "COOP_DATA_DIR": str(data)}, timeout=900,
                            log=work / f"{tag}-serve.log"):
            yield plan.port, plan, time.perf_counter() - t0, t0


def round_of(kind: str, r: int, last: bool, args, data: Path, links: Links, work: Path, env: dict,
             references: list | None, peers: dict) -> dict:
    tag = f"{'one-process' if kind == 'one' else 'deployment'}-r{r + 1}"
    out: dict = {"loadavg_start": [round(x, 2) for x in os.getloadavg()]}
    with started(kind, data, args.replicas, work, tag, env) as (port, handle, healthy, t0):
        first = one(port, "", "")
        out["cold_start"] = {"healthy_s": round(healthy, 3), "first_page_s": round(time.perf_counter() - t0, 3),
                             "first_view_s": round(first.seconds, 3), "errors": first.exceptions[:2],
                             "finished": first.finished}
        log(f"{tag}: healthy after {healthy:.1f} s, first page after {out['cold_start']['first_page_s']:.1f} s")
        # every page once (on every replica), default link: a server that has been up a while
        targets = [{}] if kind == "one" else [{"Cookie": f"coop_route={p}"} for p in handle.replicas]
        for h in targets:
            for page in PAGES:
                one(port, page, "", h)
        # 20 new sessions at once, new links; then the same links in new sessions (cached)
        specs = [links(r * args.sessions + i) for i in range(args.sessions)]
        t, c = time.perf_counter(), time.process_time()
        change = sessions(port, specs)
        out["filter_change"] = {"wall_s": round(time.perf_counter() - t, 2),
                                "client_cpu_s": round(time.process_time() - c, 2), "views": [describe(v) for v in change],
                                "errors": errors_of(change), "routes": routes(change), **stats(seconds(change))}
        again_headers = [{"Cookie": f"coop_route={v.cookies['coop_route']}"}
                         if not isinstance(v, BaseException) and v.cookies.get("coop_route") else {} for v in change]
        t, c = time.perf_counter(), time.process_time()
        cached = sessions(port, specs, again_headers)
        out["cached"] = {"wall_s": round(time.perf_counter() - t, 2),
                         "client_cpu_s": round(time.process_time() - c, 2), "views": [describe(v) for v in cached],
                         "errors": errors_of(cached), "routes": routes(cached), **stats(seconds(cached))}
        out["cached"]["same_replica"] = sum(
            not isinstance(a, BaseException) and not isinstance(b, BaseException)
            and a.cookies.get("coop_route") == b.cookies.get("coop_route") for a, b in zip(change, cached))
        # the same links on A and B show the same figures
        if kind == "one":
            peers[r] = change
        else:
            mine = peers.get(r, [])
            out["agree_with_one_process"] = sum(
                not isinstance(a, BaseException) and not isinstance(b, BaseException) and bool(a.metrics)
                and a.metrics == b.metrics for a, b in zip(mine, change))
        log(f"{tag}: {args.sessions} sessions after a filter change p50 {out['filter_change'].get('p50_ms')} "
            f"p95 {out['filter_change'].get('p95_ms')} ms; cached p50 {out['cached'].get('p50_ms')} "
            f"p95 {out['cached'].get('p95_ms')} ms; errors {out['filter_change']['errors']['total']}"
            f"+{out['cached']['errors']['total']}")
        if last and args.many:
            base = args.rounds * args.sessions
            specs = [links(base + i) for i in range(args.many)]
            t, c = time.perf_counter(), time.process_time()
            many = sessions(port, specs)
            wall, client_cpu = time.perf_counter() - t, time.process_time() - c
            matched = charts = charts_close = 0
            mismatches, chart_mismatches = [], []
            for spec, v, ref in zip(specs, many, references or []):
                if isinstance(v, BaseException) or isinstance(ref, BaseException) or not ref.metrics:
                    continue
                if v.metrics == ref.metrics:
                    matched += 1
                elif len(mismatches) < 3:
                    mismatches.append({"link": spec, "got": v.metrics, "reference": ref.metrics})
                charts += v.charts == ref.charts
                close = same_charts(v.charts, ref.charts)
                charts_close += close
                if not close and len(chart_mismatches) < 3:
                    chart_mismatches.append({"link": spec, "charts": [i for i, (a, b) in enumerate(zip(v.charts, ref.charts))
                                                                      if a != b], "counts": [len(v.charts), len(ref.charts)]})
            out["many"] = {"sessions": args.many, "wall_s": round(wall, 2), "client_cpu_s": round(client_cpu, 2), "views": [describe(v) for v in many],
                           "errors": errors_of(many), "routes": routes(many), "own_figures": matched,
                           "own_charts": charts, "own_charts_close": charts_close, "mismatches": mismatches,
                           "chart_mismatches": chart_mismatches, **stats(seconds(many))}
            log(f"{tag}: {args.many} sessions p50 {out['many'].get('p50_ms')} p95 {out['many'].get('p95_ms')} ms; "
                f"errors {out['many']['errors']['total']}; own figures {matched}/{args.many}")
            if kind == "one":
                out["memory"] = {"rss_mb": handle.rss_mb(), "peak_rss_mb": handle.peak_rss_mb(),
                                 "idle_rss_mb": handle.idle_rss_mb}
            else:
                out["memory"] = deployment_memory(handle)
        if kind != "one":
            out["health"] = deploy.health(handle)
            out["replica_ports"] = list(handle.replicas)
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    if kind == "one":
        out["logs"] = server_logs(work / f"{tag}.log")
    else:
        out["logs"] = deployment_logs(work / tag / "logs")
    return out


# ---------------------------------------------------------------------------- the report
def s(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.2f}"


def ok(flag: bool | None) -> str:
    return "—" if flag is None else ("pass" if flag else "**FAIL**")


def summarise(run: dict) -> dict:
    out: dict = {}
    for kind in ("one", "deployment"):
        rounds = [r[kind] for r in run["rounds"] if kind in r]
        if not rounds:
            continue
        change = [v["s"] for r in rounds for v in r["filter_change"]["views"] if "s" in v and v["finished"]]
        cached = [v["s"] for r in rounds for v in r["cached"]["views"] if "s" in v and v["finished"]]
        many = next((r["many"] for r in rounds if "many" in r), None)
        spread = collections.Counter()  # by replica number (1 = the first port), the ports change every round
        for r in rounds:
            ports = [str(p) for p in r.get("replica_ports", [])]
            for phase in ("filter_change", "many"):
                for k, n in (r.get(phase) or {}).get("routes", {}).items():
                    spread[f"replica {ports.index(k) + 1}" if k in ports else k] += n
        out[kind] = {
            "healthy_s": [r["cold_start"]["healthy_s"] for r in rounds],
            "first_page_s": [r["cold_start"]["first_page_s"] for r in rounds],
            "filter_change": {k: v for k, v in stats(change).items() if k != "runs_ms"},
            "cached": {k: v for k, v in stats(cached).items() if k != "runs_ms"},
            "errors_20": sum(r["filter_change"]["errors"]["total"] + r["cached"]["errors"]["total"] for r in rounds),
            "many": {k: v for k, v in (many or {}).items() if k != "views"} if many else None,
            "memory": next((r["memory"] for r in rounds if "memory" in r), None),
            "routes": dict(sorted(spread.items())),
            "agree_with_one_process": sum(r.get("agree_with_one_process", 0) for r in rounds)
            if kind == "deployment" else None,
        }
    a, b = out.get("one"), out.get("deployment")
    if a and b:
        def ratio(phase):
            x, y = a[phase].get("p95_ms"), b[phase].get("p95_ms")
            return round(x / y, 2) if x and y else None
        out["ratio_p95"] = {"filter_change": ratio("filter_change"), "cached": ratio("cached")}
        if a["many"] and b["many"]:
            out["ratio_p95"]["many"] = (round(a["many"]["p95_ms"] / b["many"]["p95_ms"], 2)
                                        if a["many"].get("p95_ms") and b["many"].get("p95_ms") else None)
    return out


def report(run: dict) -> str:
    m, sm, args = run["machine"], run.get("summary", {}), run["args"]
    a, b = sm.get("one") or {}, sm.get("deployment") or {}
    n_rep = args["replicas"]
    ds = run.get("dataset", {})
    lines = [f"# Many viewers through nginx — {run['started']}", "",
             f"{m['cpu']}, {m['cores']} cores, {m['mem_gib']} GiB; Python {m['python']}, "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
             + f"; load average at start {m['loadavg_start']}"
             + (f", at end {m['loadavg_end']}" if m.get("loadavg_end") else "")
             + f". git {run['git']['head']} ({len(run['git']['dirty'])} paths changed or new in the tree).", "",
             f"Dataset: {int(args['orders']):,} orders ({ds.get('parquet_mb')} MB of Parquet, "
             f"{ds.get('streets')} street offices, {ds.get('communities')} communities), `{ds.get('path')}`. "
             f"A: one `streamlit run server.py` process; B: deploy/ with {n_rep} replicas behind nginx under "
             f"supervisord. Rounds: {args['rounds']}, A then B in each; {args['sessions']} sessions at once "
             f"per round, {args['many']} in the last. Every session is new (page GET, then its websocket) and "
             f"has its own filters; times run from the GET to \"script finished\".", ""]
    if not (a and b):
        return "\n".join(lines + ["(incomplete run)"])
    ra = rb = sm.get("ratio_p95", {})

    def pair(x):
        return f"{s(x.get('p50_ms'))} / {s(x.get('p95_ms'))}"

    def med(v):
        return f"{statistics.median(v):.1f}" if v else "—"
    am, bm = a.get("many") or {}, b.get("many") or {}
    lines += ["| seconds (p50 / p95) | A: one process | B: deployment | A p95 / B p95 | target (B) |",
              "|---|---:|---:|---:|---|",
              f"| start → healthy, median of {len(a['healthy_s'])} (each) | {med(a['healthy_s'])} "
              f"({', '.join(f'{x:.1f}' for x in a['healthy_s'])}) | {med(b['healthy_s'])} "
              f"({', '.join(f'{x:.1f}' for x in b['healthy_s'])}) | | |",
              f"| first page after a cold start, median | {med(a['first_page_s'])} "
              f"({', '.join(f'{x:.1f}' for x in a['first_page_s'])}) | {med(b['first_page_s'])} "
              f"({', '.join(f'{x:.1f}' for x in b['first_page_s'])}) | | |",
              f"| {args['sessions']} sessions at once, after a filter change (n={a['filter_change'].get('n')}"
              f" / {b['filter_change'].get('n')}) | {pair(a['filter_change'])} | {pair(b['filter_change'])} | "
              f"{ra.get('filter_change')}× | p95 ≤ {TARGETS['filter_change_p95_s']} s "
              f"{ok(b['filter_change'].get('p95_ms', 9e9) <= TARGETS['filter_change_p95_s'] * 1000)}; "
              f"≥ {TARGETS['ratio']}× {ok(None if ra.get('filter_change') is None else ra['filter_change'] >= TARGETS['ratio'])} |",
              f"| {args['sessions']} sessions at once, all results cached (n={a['cached'].get('n')}"
              f" / {b['cached'].get('n')}) | {pair(a['cached'])} | {pair(b['cached'])} | "
              f"{rb.get('cached')}× | p95 ≤ {TARGETS['cached_p95_s']} s "
              f"{ok(b['cached'].get('p95_ms', 9e9) <= TARGETS['cached_p95_s'] * 1000)}; "
              f"≥ {TARGETS['ratio']}× {ok(None if rb.get('cached') is None else rb['cached'] >= TARGETS['ratio'])} |",
              f"| {args['sessions']}-session errors (all rounds, both phases) | {a['errors_20']} | {b['errors_20']} | | |"]
    if am and bm:
        lines += [
            f"| {am['sessions']} sessions at once, own filters (wall {am['wall_s']} / {bm['wall_s']} s) | "
            f"{pair(am)} | {pair(bm)} | {ra.get('many')}× | p95 ≤ {TARGETS['many_p95_s']} s "
            f"{ok(bm.get('p95_ms', 9e9) <= TARGETS['many_p95_s'] * 1000)} |",
            f"| {am['sessions']}-session errors (failed / not finished / exceptions) | {am['errors']['total']} "
            f"({am['errors']['failed']} / {am['errors']['unfinished']} / {am['errors']['with_exceptions']}) | "
            f"{bm['errors']['total']} ({bm['errors']['failed']} / {bm['errors']['unfinished']} / "
            f"{bm['errors']['with_exceptions']}) | | none {ok(bm['errors']['total'] == 0)} |",
            f"| own filters' figures (KPI cards = the reference's) | {am['own_figures']}/{am['sessions']} | "
            f"{bm['own_figures']}/{bm['sessions']} | | all {ok(bm['own_figures'] == bm['sessions'])} |",
            f"| … and the same charts: identical / numbers within 1e-9 relative¹ | {am['own_charts']} / "
            f"{am.get('own_charts_close')} of {am['sessions']} | {bm['own_charts']} / {bm.get('own_charts_close')} of "
            f"{bm['sessions']} | | |"]
    if am and bm:
        beyond = (am["sessions"] - (am.get("own_charts_close") or 0)) + (bm["sessions"] - (bm.get("own_charts_close") or 0))
        lines += ["", "¹ Charts compared as Plotly specs with every number to within 1e-9 relative: DuckDB adds "
                  "floating-point values (tonnages) in parallel, in an order that may differ under load, so a total "
                  "can differ in its last bit from the same query run alone; the KPI cards, rounded for display, "
                  "are compared exactly. "
                  + ("Every chart that is not byte-identical differs only so." if beyond == 0 else
                     f"**{beyond} views' charts differ beyond that** (JSON: many.chart_mismatches).")]
    lines.append("")
    ref = run.get("references", {})
    lines.append(f"References: the {ref.get('n')} links of the {args['many']}-session phase opened alone, one "
                 f"after the other, on a separate one-process server before the load ({ref.get('wall_s')} s; "
                 f"{ref.get('with_metrics')} show KPI cards, {ref.get('errors')} errors). "
                 f"The {args['sessions']}-session links: B showed the same KPI cards as A for "
                 f"{b.get('agree_with_one_process')}/{b['filter_change'].get('n')}.")
    mem_a, mem_b = a.get("memory") or {}, b.get("memory") or {}
    if mem_a and mem_b:
        reps = "; ".join(f"replica {p}: {v.get('VmRSS')} MB (peak {v.get('VmHWM')})" for p, v in mem_b["replicas"].items())
        names = collections.Counter(p.get("Name", "?") for p in mem_b["processes"])
        lines += ["", f"Memory after the {am.get('sessions')}-session load: A {mem_a.get('rss_mb')} MB VmRSS, "
                  f"peak (VmHWM) {mem_a.get('peak_rss_mb')} MB (idle after start {mem_a.get('idle_rss_mb')} MB). "
                  f"B: {reps}; the whole tree under supervisord ({', '.join(f'{k} ×{n}' for k, n in names.items())}) "
                  f"{mem_b['total_rss_mb']} MB VmRSS summed ({mem_b['total_pss_mb']} MB PSS, shared pages counted once)."]
    lines += ["", "Sessions per replica (coop_route cookie of the page GET), all new sessions of B (the ports change every round): "
              + ", ".join(f"{k}: {n}" for k, n in b["routes"].items())
              + "; per phase: " + "; ".join(
                  f"r{i + 1} {args['sessions']} {r['deployment']['filter_change']['routes']}"
                  + (f", {args['many']} {r['deployment']['many']['routes']}" if "many" in r["deployment"] else "")
                  for i, r in enumerate(run["rounds"]) if "deployment" in r)
              + ". The cached phase sends each browser's cookie back: "
              + ", ".join(f"r{i + 1} {r['deployment']['cached']['same_replica']}/{args['sessions']}"
                          for i, r in enumerate(run["rounds"]) if "deployment" in r)
              + " stayed on their replica."]
    lines += ["", "Per round (p50 / p95 s; load average at the start of each):", "",
              "| round | A after change | A cached | B after change | B cached | load A / B | client CPU s (A / B, both phases) |",
              "|---|---:|---:|---:|---:|---|---|"]
    for i, r in enumerate(run["rounds"]):
        ra_, rb_ = r.get("one"), r.get("deployment")
        if ra_ and rb_:
            lines.append(f"| {i + 1} | {pair(ra_['filter_change'])} | {pair(ra_['cached'])} | "
                         f"{pair(rb_['filter_change'])} | {pair(rb_['cached'])} | "
                         f"{ra_['loadavg_start'][0]} / {rb_['loadavg_start'][0]} | "
                         f"{ra_['filter_change']['client_cpu_s'] + ra_['cached']['client_cpu_s']:.1f} / "
                         f"{rb_['filter_change']['client_cpu_s'] + rb_['cached']['client_cpu_s']:.1f} |")
    notes = []
    for i, r in enumerate(run["rounds"]):
        d = (r.get("deployment") or {}).get("logs") or {}
        o = (r.get("one") or {}).get("logs") or {}
        if d.get("restarts"):
            notes.append(f"r{i + 1}: replicas restarted {d['restarts']}")
        if d.get("health_changes_after_up"):
            notes.append(f"r{i + 1}: health check changes after all were up: {d['health_changes_after_up'][:3]}")
        if any(d.get("tracebacks", {}).values()):
            notes.append(f"r{i + 1}: tracebacks in replica logs {d['tracebacks']}")
        if d.get("nginx_error_count"):
            notes.append(f"r{i + 1}: {d['nginx_error_count']} nginx errors, e.g. {d['nginx_errors'][:1]}")
        bad = {k: n for k, n in (d.get("http_status") or {}).items() if not k.startswith(("2", "3")) and k != "101"}
        if bad:
            notes.append(f"r{i + 1}: nginx answered {bad}")
        if d.get("nginx_health_poll_errors"):
            notes.append(f"r{i + 1}: {d['nginx_health_poll_errors']} × 503 \"no live upstreams\" to deploy.running()'s "
                         f"own /_stcore/health polls while nginx reloaded after the first health check (start-up, "
                         f"before any session)")
        if o.get("tracebacks"):
            notes.append(f"r{i + 1}: {o['tracebacks']} tracebacks in the one process's log")
        for kind in ("one", "deployment"):
            for phase in ("filter_change", "cached", "many"):
                e = ((r.get(kind) or {}).get(phase) or {}).get("errors") or {}
                if e.get("samples"):
                    notes.append(f"r{i + 1} {kind} {phase}: {e['samples'][:2]}")
    lines += ["", "Logs (bench/results/" + run.get("logs", "?") + "): "
              + ("; ".join(notes) if notes else "no restart, no health change after start, no traceback, "
                 "no nginx error, no error answer.")]
    statuses = collections.Counter()
    for r in run["rounds"]:
        for k, n in ((r.get("deployment") or {}).get("logs") or {}).get("http_status", {}).items():
            statuses[k] += n
    if statuses:
        lines[-1] += f" nginx answers to the sessions over all rounds (status: count): {dict(sorted(statuses.items()))}."
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000_000, help="dataset size (bench.run's generator)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A then B (cold start, sessions)")
    parser.add_argument("--sessions", type=int, default=20, help="sessions at once per round")
    parser.add_argument("--many", type=int, default=100, help="sessions at once in the last round (0: none)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    from coopdash.synth import citygen
    seed = citygen.SEED if args.seed is None else args.seed
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_json, out_md, out_logs = (RESULTS / f"proxy-{stamp}.json", RESULTS / f"proxy-{stamp}.md",
                                  RESULTS / f"proxy-{stamp}-logs")
    run = {"started": dt.datetime.now().isoformat(timespec="seconds"), "args": vars(args) | {"data_dir": str(args.data_dir)},
           "machine": machine(), "git": git(), "targets": TARGETS, "rounds": [], "logs": out_logs.name}

    def save():
        run["summary"] = summarise(run)
        out_json.write_text(json.dumps(run, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        out_md.write_text(report(run), encoding="utf-8")

    data, summary = dataset(args.orders, seed, args.data_dir)
    links = Links(data)
    run["dataset"] = {"path": str(data), "rows": summary.get("rows"), "parquet_mb": folder_mb(data),
                      "streets": len(links.streets), "communities": len(links.communities)}
    work = Path(tempfile.mkdtemp(prefix="coopdash-proxy-"))
    # the servers' accounts, audit and key in a folder of their own (sign-in is off: COOP_AUTH=none)
    env = {"COOP_STATE_DIR": str(work / "state")}
    t_all = time.perf_counter()
    try:
        references = None
        if args.many:
            log(f"references: {args.many} links alone on a one-process server")
            specs = [links(args.rounds * args.sessions + i) for i in range(args.many)]
            t = time.perf_counter()
            with started("one", data, 1, work, "references", env) as (port, _, _, _):
                references = [one(port, page, query) for page, query in specs]
            run["references"] = {"n": len(references), "wall_s": round(time.perf_counter() - t, 1),
                                 "with_metrics": sum(bool(v.metrics) for v in references),
                                 "errors": sum((not v.finished) or bool(v.exceptions) for v in references),
                                 "distinct_figures": len({json.dumps(v.metrics, sort_keys=True) for v in references}),
                                 "seconds": stats([v.seconds for v in references])}
            log(f"references done in {run['references']['wall_s']} s")
        peers: dict = {}
        for r in range(args.rounds):
            entry: dict = {}
            run["rounds"].append(entry)
            for kind in ("one", "deployment"):
                log(f"round {r + 1}/{args.rounds}: {'one process' if kind == 'one' else f'{args.replicas} replicas'}")
                entry[kind] = round_of(kind, r, r == args.rounds - 1, args, data, links, work, env, references, peers)
                save()
    finally:
        out_logs.mkdir(exist_ok=True)
        for p in work.glob("*.log"):
            shutil.copy2(p, out_logs / p.name)
        for d in work.glob("deployment-r*/logs"):
            shutil.copytree(d, out_logs / d.parent.name, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    run["wall_seconds"] = round(time.perf_counter() - t_all, 1)
    run["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    save()
    print(report(run))
    print(f"\n→ {out_json.relative_to(ROOT)}, {out_md.relative_to(ROOT)}, logs {out_logs.relative_to(ROOT)}/ "
          f"({run['wall_seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
