"""The serving process's memory across a publish: what a new dataset version leaves in the process that serves
every leader.

    .venv/bin/python -m bench.publish_memory --source /tmp/wt26-data/orders-10000000-seed-20240601

Starts the real server (`streamlit run server.py`, tests/streamlit_ws.py `serve`) on a copy of `--source` (its files
hard-linked: ingest writes only into versions it creates), opens `--views` pages as new sessions (bench.proxy's
links: each its own window, a third one street office, a third one community, over the four report pages), and
reads the server's VmRSS from /proc. Then it publishes a `--rows`-row service-orders ledger (bench/ledger_read.py
`write_ledger`, November 2026) through the job the 数据管理 page starts (`python -m ingest.job publish`, a process
of its own), opens as many new views (the new version's connection, hours index and district index are loaded),
and reads VmRSS again; then a second publish (another ledger: the same orders updated) and views again. After
each step's views it reads VmRSS at once and again `--settle` seconds later, when Streamlit has dropped the closed
sessions (server.disconnectedSessionTTL, 120 s): what the process keeps. `--no-publish` is the control (the same
views, no publish: what new sessions alone add). Run it in two checkouts to compare (the numbers are the server's
alone; the job's memory is its own process's).

    .venv/bin/python -m bench.publish_memory --cycles 4 --source /tmp/wt26-data/orders-10000000-seed-20240601

`--cycles N`: no server; in this process, N times: open the dataset, load its hours index and district index, run a
few queries, let them go, and read VmRSS, without and then with `heap.trim` after each (what a released version
leaves resident when freed memory stays in the allocators' free lists).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.ledger_read import write_ledger
from bench.proxy import Links
from coopdash import ROOT
from tests.streamlit_ws import open_view, serve


def publish(dataset: Path, ledger: Path, folder: Path) -> float:
    """The data office page's publish job on `ledger`; its wall seconds."""
    folder.mkdir(parents=True)
    env = {**os.environ, "COOP_INGEST_TODAY": "2026-12-01"}
    # the version the clerk reviewed (the page passes it: the publish is refused if the dataset moved since)
    base = ["--base", Path(os.path.realpath(dataset)).name] if dataset.is_symlink() else []
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ingest.job", "publish", str(folder), "--dataset", str(dataset),
                           "--files", str(ledger), "--names", ledger.name, *base], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    answer = (folder / "publish.json").read_text(encoding="utf-8") if (folder / "publish.json").exists() else ""
    if proc.returncode != 0 or '"refused"' in answer or not answer:
        raise SystemExit(f"publish failed ({proc.returncode}): {answer[-1500:]} {proc.stderr[-1500:]}")
    return time.perf_counter() - t0


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cycles(source: Path, n: int) -> None:
    """Load and free a version's resources n times, without and with heap.trim (each in a new process); VmRSS."""
    print("| run | " + " | ".join(f"version {i + 1} loaded / freed (MB)" for i in range(n)) + " |\n|---|"
          + "---:|" * n)
    for mode in ("no-trim", "trim"):
        out = subprocess.run([sys.executable, "-m", "bench.publish_memory", "--cycles", str(n), "--source",
                              str(source), "--cycle-mode", mode], cwd=ROOT, capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


def _cycles(source: Path, n: int, trim: bool) -> None:
    """One row of `cycles`, in this process."""
    import datetime as dt
    import gc

    from coopdash.app import heap
    from coopdash.data import db, district, hours
    cells = []
    for i in range(n):
        con = db.open_dataset(source)
        index, district_index = hours.load(source, con), district.District(con)
        for q in ("kpi_orders", "orders_by_category", "by_street", "orders_monthly"):
            db.execute(con, q, {"start": dt.date(2025, 1, 1 + i), "end": dt.date(2026, 9, 20), "streets": [],
                                "communities": []})
        index.summary(dt.date(2025, 1, 1), dt.date(2026, 9, 1), (), ())
        loaded = _rss_mb()
        del con, index, district_index
        gc.collect()
        if trim:
            heap.trim()
        time.sleep(0.5)
        cells.append(f"{loaded:.0f} / {_rss_mb():.0f}")
    print(f"| {'heap.trim after each' if trim else 'no trim'} | " + " | ".join(cells) + " |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="a city dataset (bench.run's), copied by hard links")
    ap.add_argument("--work", type=Path, default=Path("/tmp/coopdash-publish-memory"))
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--views", type=int, default=12, help="new sessions opened after each step")
    ap.add_argument("--no-publish", action="store_true",
                    help="the control: the same steps and views without publishing (what new sessions alone add)")
    ap.add_argument("--settle", type=float, default=130,
                    help="seconds to wait after each step's views before reading again: Streamlit keeps a closed "
                         "session for server.disconnectedSessionTTL (120 s), then drops it")
    ap.add_argument("--cycles", type=int, default=0, help="no server: load and free a version N times (see above)")
    ap.add_argument("--cycle-mode", choices=("no-trim", "trim"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cycles:
        if args.cycle_mode:
            _cycles(args.source, args.cycles, args.cycle_mode == "trim")
        else:
            cycles(args.source, args.cycles)
        return
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    dataset = args.work / "ds"
    shutil.copytree(args.source, dataset, copy_function=os.link)
    ledgers = [write_ledger(args.work / f"点单服务台账-{i}.xlsx", args.rows, seed=7 + i, dataset=args.source)
               for i in (1, 2)]
    links = Links(dataset)
    rows = []
    with serve(ROOT / "server.py", dataset, log=args.work / "server.log") as server:
        def views(first: int) -> None:
            for k in range(first, first + args.views):
                page, query = links(k)
                view = asyncio.run(open_view(server.port, page, query, http_first=True))
                if view.exceptions or not view.finished:
                    raise SystemExit(f"view {page}?{query}: {view.exceptions[:1] or 'not finished'}")

        def settled(step: str) -> None:
            if args.settle:
                time.sleep(args.settle)
                note(f"{step}, {args.settle:.0f} s later (closed sessions dropped)")

        def note(step: str, seconds: float | None = None) -> None:
            time.sleep(1)  # Streamlit's collection after the last run
            rows.append((step, server.rss_mb(), seconds))
            print(f"  · {step}: VmRSS {rows[-1][1]:.0f} MB", file=sys.stderr, flush=True)

        note("healthy (warm-up: version 1 loaded)")
        views(600)
        note(f"{args.views} views of version 1")
        settled(f"{args.views} views of version 1")
        for i, ledger in enumerate(ledgers, 1):
            if args.no_publish:
                note(f"no publish {i} (the control)")
                views(600 + 100 * i)
                note(f"{args.views} more views of version 1")
                settled(f"{args.views} more views of version 1")
                continue
            seconds = publish(dataset, ledger, args.work / f"job-{i}")
            note(f"publish {i} done (the job's own process)", seconds)
            views(600 + 100 * i)
            note(f"{args.views} views of version {i + 1}")
            settled(f"{args.views} views of version {i + 1}")
        peak = server.peak_rss_mb()
    before = rows[2 if args.settle else 1][1]
    print(f"\nserver VmRSS, {'no publishes (the control)' if args.no_publish else f'{args.rows:,}-row publishes'}, "
          f"{args.views} new views after each step "
          f"(peak VmHWM {peak:.0f} MB)\n")
    print(f"| step | VmRSS MB | vs {rows[2 if args.settle else 1][0]} | publish job s |\n|---|---:|---:|---:|")
    for step, mb, seconds in rows:
        print(f"| {step} | {mb:.0f} | {mb - before:+.0f} | {'' if seconds is None else f'{seconds:.1f}'} |")


if __name__ == "__main__":
    main()
