"""The `orders` rollup as one file, one file a year or one file a month: what each costs the pages' queries.

    .venv/bin/python -m bench.rollup_grain --data /tmp/wt26-data/src10m --repeat 7

The pages read the rollup through `orders_in(...)` (queries/_macros.sql): one level of it, filtered by street
office or community, the row groups of other places skipped by the file's order (level, street, community, …).
Split into partitions by month submitted, each partition sorted the same way, a query opens more files and reads
one or more row groups in each. This writes the dataset's `_rollups/orders.parquet` again as year files and as
month files (inside the dataset folder, `_grain/`: the connection reads that folder only), opens the dataset once
per layout with `rollup_orders` pointed at that layout's files, and runs community- and street-scoped named
queries on a few windows, the layouts taking turns (the machine is shared: side by side in one run). Prints
the median CPU (the process's, DuckDB's threads included) and wall per query and layout, and each layout's
files and bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash.data import db, rollups

QUERIES = ("kpi_orders", "orders_by_category", "by_street", "orders_monthly", "orders_satisfaction")
WINDOWS = ((dt.date(2025, 11, 1), dt.date(2026, 10, 31)), (dt.date(2024, 3, 15), dt.date(2025, 9, 20)),
           (dt.date(2026, 1, 1), dt.date(2026, 10, 15)), (dt.date(2023, 1, 1), dt.date(2026, 10, 31)))


def write_layouts(data: Path) -> dict[str, list[Path]]:
    """{layout: its files in order}: `one` the dataset's own file, `year` and `month` written under _grain/."""
    source = rollups.files(data, "orders")[0]
    table = pq.read_table(source)
    group = rollups.ROW_GROUP_DEFAULT
    out = {"one": [source]}
    month = table.column("sub_month")
    for layout, key in (("year", pc.year(month)), ("month", pc.add(pc.multiply(pc.year(month), 100), pc.month(month)))):
        where = data / "_grain" / layout
        where.mkdir(parents=True, exist_ok=True)
        files = []
        for k in sorted(set(key.to_pylist())):
            f = where / (f"{k}.parquet" if layout == "year" else f"{k // 100}-{k % 100:02d}.parquet")
            if not f.exists():  # each partition keeps the file's order (level, street, community, …)
                part = table.filter(pc.equal(key, pa.scalar(k, key.type)))
                pq.write_table(part, f, row_group_size=group, compression="zstd")
            files.append(f)
        out[layout] = files
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    layouts = write_layouts(args.data)
    cons = {}
    for layout, files in layouts.items():
        con = db.open_dataset(args.data)
        con.read_parquet([str(f) for f in files]).create_view("rollup_orders", replace=True)
        cons[layout] = con
    any_con = cons["one"]
    street = any_con.sql("SELECT street_code, count(*) FROM communities GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchall()[0][0]
    comm = any_con.sql("SELECT community_code FROM communities WHERE street_code = $s ORDER BY 1 LIMIT 1",
                       params={"s": street}).fetchall()[0][0]
    scopes = {"street": {"streets": [street], "communities": []}, "community": {"streets": [], "communities": [comm]}}
    # the same answers from every layout
    for q in QUERIES:
        for scope in scopes.values():
            params = {"start": WINDOWS[1][0], "end": WINDOWS[1][1], **scope}
            frames = [db.execute(con, q, params) for con in cons.values()]
            for f in frames[1:]:
                assert f.equals(frames[0]), q
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for r in range(args.repeat):
        for q in QUERIES:
            for kind, scope in scopes.items():
                start, end = WINDOWS[r % len(WINDOWS)]
                for layout, con in (cons.items() if r % 2 == 0 else reversed(cons.items())):
                    c0, t0 = time.process_time(), time.perf_counter()
                    db.execute(con, q, {"start": start, "end": end, **scope})
                    times.setdefault((q, kind, layout), []).append((time.process_time() - c0, time.perf_counter() - t0))
    names = list(layouts)
    print("| layout | files | MB |\n|---|---:|---:|")
    for layout, files in layouts.items():
        print(f"| {layout} | {len(files)} | {sum(f.stat().st_size for f in files) / 2**20:.1f} |")
    print(f"\nmedians of {args.repeat} (windows {', '.join(f'{a}–{b}' for a, b in WINDOWS)} in turn), ms: CPU / wall\n")
    print("| query | scope | " + " | ".join(names) + " |\n|---|---|" + "---:|" * len(names))
    total = {n: [0.0, 0.0] for n in names}
    for q in QUERIES:
        for kind in scopes:
            cells = []
            for n in names:
                v = times[(q, kind, n)]
                cpu, wall = statistics.median(x[0] for x in v) * 1000, statistics.median(x[1] for x in v) * 1000
                total[n][0] += cpu
                total[n][1] += wall
                cells.append(f"{cpu:.0f} / {wall:.0f}")
            print(f"| {q} | {kind} | " + " | ".join(cells) + " |")
    print("| **sum** | | " + " | ".join(f"**{total[n][0]:.0f} / {total[n][1]:.0f}**" for n in names) + " |")


if __name__ == "__main__":
    main()
