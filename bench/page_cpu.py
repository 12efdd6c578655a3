"""CPU per page view on the real server: what one new session costs the machine, after a filter change
(a window and scope no earlier view used) and with every result cached.

    .venv/bin/python -m bench.page_cpu --orders 10000000 --views 24

One `streamlit run server.py` process on bench.run's city dataset; each view is a new session opened as a
browser tab opens it (tests/streamlit_ws.py, page GET first) with bench.proxy's links (every one its
own window; a third district-wide, a third one street office, a third one community), one after the
other, then the same link again (cached). The server process's CPU time (user + system, every thread:
DuckDB's too) is read from /proc around each view. With C CPU-seconds a view and K cores, S sessions
at once cannot all finish before S × C / K seconds, whatever the number of processes: this is the
floor under the many-viewers benchmark's "after a filter change" figures (bench/proxy.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from bench.proxy import Links
from bench.run import DEFAULT_DATA, dataset
from coopdash import ROOT
from tests.streamlit_ws import open_view, serve

KINDS = ("district", "street", "community")


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_mb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status").read().splitlines() if ":" in line)
    return {key: int(fields[key].split()[0]) // 1024 for key in ("VmRSS", "VmHWM")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--views", type=int, default=24)
    parser.add_argument("--first-link", type=int, default=500, help="bench.proxy link numbers from here")
    args = parser.parse_args(argv)
    data, _ = dataset(args.orders, args.seed, DEFAULT_DATA)
    links = Links(data)
    by: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with serve(ROOT / "server.py", data) as server:
        pid = server.proc.pid
        for page in ("", "service_orders", "environment", "organisation"):  # each page's first view: imports
            asyncio.run(open_view(server.port, page, "", http_first=True))
        for k in range(args.first_link, args.first_link + args.views):
            page, query = links(k)
            c0, t0 = cpu_seconds(pid), time.perf_counter()
            asyncio.run(open_view(server.port, page, query, http_first=True))
            c1, t1 = cpu_seconds(pid), time.perf_counter()
            asyncio.run(open_view(server.port, page, query, http_first=True))
            by.setdefault((page or "overview", KINDS[k % 3]), []).append((c1 - c0, t1 - t0, cpu_seconds(pid) - c1))
        memory = status_mb(pid)
    print("| page | scope | views | CPU after a filter change (ms) | its wall (ms) | CPU cached (ms) |\n|---|---|---:|---:|---:|---:|")
    every = []
    for (page, kind), values in sorted(by.items()):
        every += values
        print(f"| {page} | {kind} | {len(values)} | {statistics.median(v[0] for v in values) * 1000:.0f} | "
              f"{statistics.median(v[1] for v in values) * 1000:.0f} | {statistics.median(v[2] for v in values) * 1000:.0f} |")
    print(f"| all | | {len(every)} | mean {statistics.mean(v[0] for v in every) * 1000:.0f} | | "
          f"mean {statistics.mean(v[2] for v in every) * 1000:.0f} |")
    ratio = statistics.mean(v[0] for v in every) / statistics.mean(v[2] for v in every)
    print(f"\nnew / cached: {ratio:.1f}×; server memory after the views: VmRSS {memory['VmRSS']} MB, "
          f"peak (VmHWM) {memory['VmHWM']} MB")


if __name__ == "__main__":
    main()
