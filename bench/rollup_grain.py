"""The `orders` rollup as one file, one file a year or one file a month: what each costs the pages' queries.

    .venv/bin/python -m bench.rollup_grain --data /tmp/wt26-data/orders-10000000-seed-20240601 --repeat 8

The pages read the rollup through `orders_in(...)` (queries/_macros.sql): one level of it, filtered by street
office or community, the row groups of other places skipped by the file's order (level, street, community, …).
Split into partitions by month submitted, each partition sorted the same way, a query opens more files and reads
one or more row groups in each. This writes the dataset's `orders` rollup again as one file, as year files and as
month files (inside the dataset folder, `_grain/`: the connection reads that folder only), opens the dataset once
per layout with `rollup_orders` pointed at that layout's files, and runs community- and street-scoped named
queries on a few windows, the layouts taking turns (the machine is shared: side by side in one run). Prints
the median CPU (the process's, DuckDB's threads included) and wall per query and layout, and each layout's
files and bytes.

    .venv/bin/python -m bench.rollup_grain --data /tmp/wt26-data/orders-10000000-seed-20240601 \
        --one-file /tmp/wt26-base-data/orders-10000000-seed-20240601 --repeat 7

`--one-file DIR`: instead, the dataset `--data` as written now (every sum one file per year) against the same
sums as one file each, taken from DIR (the same city dataset written by the code before, e.g. main `4f92274`;
copied into `--data`/_grain/one/), every named query of the report pages that reads them, district-wide, for one
street office and for one community: the pages' whole cost of the year files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash.data import db, rollups

QUERIES = ("kpi_orders", "orders_by_category", "by_street", "orders_monthly", "orders_satisfaction")
WINDOWS = ((dt.date(2025, 11, 1), dt.date(2026, 10, 31)), (dt.date(2024, 3, 15), dt.date(2025, 9, 20)),
           (dt.date(2026, 1, 1), dt.date(2026, 10, 15)), (dt.date(2023, 1, 1), dt.date(2026, 10, 31)))


def write_layouts(data: Path) -> dict[str, list[Path]]:
    """{layout: its files in order}, written under `data`/_grain/ (a server serving `data` would see a new version):
    `one` the rollup in one file, `year` and `month` its partitions, each in the rollup's order."""
    order = [c.strip() for c in rollups._order_by("orders").split(",")]
    table = rollups.read(data, "orders").sort_by([(c, "ascending") for c in order])  # nulls last, as DuckDB's
    group = rollups.ROW_GROUP_DEFAULT
    one = data / "_grain" / "one.parquet"
    one.parent.mkdir(parents=True, exist_ok=True)
    if not one.exists():
        pq.write_table(table, one, row_group_size=group, compression="zstd")
    out = {"one": [one]}
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


PAGE_QUERIES = ("kpi_orders", "orders_by_street", "orders_by_category", "orders_monthly", "orders_category_month",
                "orders_satisfaction", "by_street", "monthly_trend", "env_by_street", "env_repairs_cumulative",
                "kpi_outcomes")
SUMS = ("orders", "orders_daily", "cleanups", "cleanups_daily", "repairs", "repairs_daily")


def compare_one_file(data: Path, other: Path, repeat: int) -> None:
    """`data`'s year files against `other`'s one file per sum: median CPU per page query and scope."""
    import shutil
    where = data / "_grain" / "one"
    where.mkdir(parents=True, exist_ok=True)
    for name in SUMS:
        if not (where / f"{name}.parquet").exists():
            shutil.copy2(other / rollups.FOLDER / f"{name}.parquet", where / f"{name}.parquet")
    year, one = db.open_dataset(data), db.open_dataset(data)
    for name in SUMS:
        one.read_parquet(str(where / f"{name}.parquet")).create_view(rollups.view(name), replace=True)
    cons = {"one file": one, "year files": year}
    street = year.sql("SELECT street_code FROM streets ORDER BY 1 LIMIT 1 OFFSET 7").fetchall()[0][0]
    comm = year.sql("SELECT community_code FROM communities ORDER BY 1 LIMIT 1 OFFSET 33").fetchall()[0][0]
    scopes = {"district": ([], []), "street": ([street], []), "community": ([], [comm])}
    times: dict[tuple, list[float]] = {}
    for r in range(repeat):
        start = dt.date(2024, 4, 1) + dt.timedelta(days=30 * (r % 5))
        end = dt.date(2026, 10, 28) - dt.timedelta(days=3 + r)
        for q in PAGE_QUERIES:
            reads = db.load_query(q)[1]
            for kind, (streets, communities) in scopes.items():
                params = {"start": start, "end": end, "streets": streets, "communities": communities,
                          "launch": dt.date(2023, 4, 1)}
                params = {k: v for k, v in params.items() if k in reads}
                for layout, con in (cons.items() if r % 2 == 0 else reversed(cons.items())):
                    c0 = time.process_time()
                    db.execute(con, q, params)
                    times.setdefault((q, kind, layout), []).append(time.process_time() - c0)
    print(f"median CPU ms of {repeat} (each its own window), one file per sum vs one file per year\n")
    print("| query | scope | " + " | ".join(cons) + " |\n|---|---|" + "---:|" * len(cons))
    total = dict.fromkeys(cons, 0.0)
    for q in PAGE_QUERIES:
        for kind in scopes:
            cells = []
            for layout in cons:
                v = statistics.median(times[(q, kind, layout)]) * 1000
                total[layout] += v
                cells.append(f"{v:.0f}")
            print(f"| {q} | {kind} | " + " | ".join(cells) + " |")
    print("| **sum** | | " + " | ".join(f"**{v:.0f}**" for v in total.values()) + " |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--one-file", type=Path, help="a dataset whose sums are one file each (see above)")
    args = ap.parse_args(argv)
    if args.one_file:
        compare_one_file(args.data, args.one_file, args.repeat)
        return
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
            for f in frames[1:]:  # tonnes and kilometres: DuckDB's threads sum the files in no fixed order
                pd.testing.assert_frame_equal(f, frames[0], check_exact=False, rtol=1e-12)
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
