"""Rollups: the fact tables summed per community and month, written beside the data.

Service orders, cleanups and repairs are summed per street office and per community × month (×
category and status, or waste type, or repair kind), and district-wide per day, by
`queries/_rollup_<name>.sql`; `orders_flat` is the orders with their place codes; `orders_resolved` the
resolved orders in order of resolution (read by coopdash/data/hours.py). They are written
into the dataset folder as `_rollups/<name>/` folders of partition files (`<YYYY-MM>.parquet` or `<YYYY>.parquet`,
and `_signature`) whenever a dataset is written (`coopdash.data.dataset.write_dataset`, used by
the demo and city generators, and `ingest`'s new versions), and read by the table macros
`orders_in`, `cleanups_in` and `repairs_in` in `queries/_macros.sql`: district totals from the daily
rollups; by street or community, the whole months of a window from the monthly rollup and its
partial first and last months from the raw rows. Every figure is exact.

Each rollup folder carries a signature of the source files it was built from (names and sizes of its fact
table's files — service_orders, cleanups or repairs — and of compounds and communities, and of its SQL). When the folder has
no rollups, or the tables were replaced without them (a signature that does not match), `attach` (called by
`db.open_dataset`) builds them in memory from the same SQL: slower to open on a large dataset, never wrong.

A publish recomputes only what its batch touched (`update`): a rollup whose sources did not change is linked
from the version before; one whose fact table did is the old rollup's rows outside the touched months plus its
SQL run over the touched months' rows only (every rollup is a sum per month, or a row per order, of its fact
table: a month's rows depend on that month alone; the rank by time to resolve that orders_resolved once held
is worked out by coopdash/data/hours.py when it loads). The two as long as the orders are one file per month
(MONTHLY: `orders_flat` by month submitted, `orders_resolved` by month resolved), the sums one file per year of
the month or day they sum (YEARLY): only the files whose rows change are written, the others linked, so a
version adds the touched months' and years' files only. Everything is rebuilt when
compounds or communities change. A test holds the result equal, row for row and in order, to a full
rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash import ROOT
from coopdash.data import views
from coopdash.data.files import EMPTY, ident, partition_name, table_files

NAMES = ("orders", "orders_daily", "orders_flat", "orders_resolved", "cleanups", "cleanups_daily", "repairs",
         "repairs_daily")
# orders_flat: small row groups, a month of a window reads little; orders_resolved is read whole
ROW_GROUPS = {"orders_flat": 1 << 16, "orders_resolved": 1 << 20}
ROW_GROUP_DEFAULT = 1 << 14  # the rollups: a query reads one level, or one street office, of them
FOLDER = "_rollups"
SOURCES = ("service_orders", "cleanups", "repairs", "compounds", "communities")
PLACES = ("compounds", "communities")
FACT = {"orders": "service_orders", "orders_daily": "service_orders", "orders_flat": "service_orders",
        "orders_resolved": "service_orders", "cleanups": "cleanups", "cleanups_daily": "cleanups",
        "repairs": "repairs", "repairs_daily": "repairs"}
# the rollup column that says which month of its fact table a row comes from
MONTH_OF = {"orders": "sub_month", "orders_daily": "sub_day", "orders_flat": "submitted_at", "cleanups": "month",
            "cleanups_daily": "done_on", "repairs": "month", "repairs_daily": "done_on",
            "orders_resolved": "sub_month"}
# The two rollups as long as the orders are folders of one file per month of this column (`_rollups/<name>/
# 2024-01.parquet`, each in the rollup's own order, and `_signature`): a publish rewrites the months it touched
# and links the others. orders_flat by month submitted (its rows are its fact table's rows), orders_resolved by
# month resolved (read in that order by coopdash/data/hours.py).
MONTHLY = {"orders_flat": "submitted_at", "orders_resolved": "day"}
# The others (sums per month or day) are folders of one file per year of MONTH_OF (`_rollups/orders/2024.parquet`,
# each in the rollup's own order, and `_signature`): a publish rewrites the years holding a month it touched and
# links the others. A year, not a month: the pages read `rollup_orders` one level and one place at a time (row
# groups skipped by the file's order); 43 month files cost the street- and community-scoped queries about a fifth
# more CPU than one file, 4 year files the same as one (bench/rollup_grain.py, docs/ingest.md).
YEARLY = {name: MONTH_OF[name] for name in NAMES if name not in MONTHLY}
PARTED = {**MONTHLY, **YEARLY}  # every rollup: a folder of partition files
SIGNATURE = "_signature"
# Within a month file a row group also ends where this column changes: orders_flat's pending orders (first in
# each month) in row groups of their own, so the queries of open orders skip every other row group of the month.
SPLIT_AT = {"orders_flat": "pending"}


def view(name: str) -> str:
    """The name queries use: rollup_orders, rollup_orders_daily, rollup_cleanups …; orders_flat."""
    return name if name == "orders_flat" else f"rollup_{name}"


def sql(name: str) -> str:
    return (ROOT / "queries" / f"_rollup_{name}.sql").read_text(encoding="utf-8")


def signature(folder: Path, name: str | None = None) -> str:
    """Names and sizes of the source files of rollup `name` (its fact table and the places; every source when
    no name is given) and its SQL: changes whenever one of them is rewritten."""
    folder = Path(folder)
    tables = SOURCES if name is None else (FACT[name], *PLACES)
    parts = [f"{f.relative_to(folder)}:{f.stat().st_size}" for t in tables for f in table_files(folder, t)]
    # and what the rollup is: a file written by another definition (an older orders_resolved) is not current
    parts += [hashlib.sha1(sql(n).encode()).hexdigest() for n in (NAMES if name is None else (name,))]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def path(folder: Path, name: str) -> Path:
    """The rollup's folder (of month or year files and `_signature`)."""
    return Path(folder) / FOLDER / name


def part_name(name: str, first: dt.date) -> str:
    """The file of the partition starting on `first`: `2024-01.parquet` (MONTHLY) or `2024.parquet` (YEARLY)."""
    return partition_name(first) if name in MONTHLY else f"{first.year:04d}.parquet"


def part_of(name: str, day: dt.date) -> dt.date:
    """The first day of the partition holding `day`: its month (MONTHLY) or its year (YEARLY)."""
    return dt.date(day.year, day.month, 1) if name in MONTHLY else dt.date(day.year, 1, 1)


def part_files(folder: Path, name: str) -> dict[dt.date, Path]:
    """A partitioned rollup's files by the first day of their month or year, in order ({} when it has none)."""
    where = path(folder, name)
    out = {}
    if name in MONTHLY:
        for f in where.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].parquet") if where.is_dir() else ():
            out[dt.date(int(f.name[:4]), int(f.name[5:7]), 1)] = f
    elif name in YEARLY:
        for f in where.glob("[0-9][0-9][0-9][0-9].parquet") if where.is_dir() else ():
            out[dt.date(int(f.name[:4]), 1, 1)] = f
    return dict(sorted(out.items()))


def files(folder: Path, name: str) -> list[Path]:
    """The rollup's Parquet files in order: its partition files (its empty file when it has no rows)."""
    return list(part_files(folder, name).values()) or [path(folder, name) / EMPTY]


def read(folder: Path, name: str) -> pa.Table:
    """A rollup's rows in its order (for tests and tools)."""
    return pa.concat_tables([pq.read_table(f) for f in files(folder, name)])


def is_current(folder: Path, name: str, sig: str | None = None) -> bool:
    """True when the rollup exists and was built from the folder's current source files."""
    where = path(folder, name)
    try:
        found = (where / SIGNATURE).read_text(encoding="utf-8") if where.is_dir() else ""
    except OSError:
        return False
    return bool(found) and found == (sig or signature(folder, name))


def _write_parts(con: duckdb.DuckDBPyConnection, folder: Path, name: str, query: str, params: dict | None = None,
                 whole: bool = True) -> int:
    """A rollup's partition files from `query`, whose rows come partition by partition (the month, MONTHLY, or the
    year, YEARLY, of PARTED[name]): each written under a temporary name and renamed; `whole`: every partition is
    here (the folder is started afresh and stamped with its signature); else only the partitions the query returns
    are replaced (the caller stamps). Returns the rows written."""
    where = path(folder, name)
    if whole and where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True, exist_ok=True)
    group = ROW_GROUPS.get(name, ROW_GROUP_DEFAULT)
    monthly = name in MONTHLY
    n, writer, part, tmp, schema = 0, None, None, None, None

    def close():
        if writer is not None:
            writer.close()
            tmp.replace(where / part_name(name, part))

    cur = con.cursor()
    try:
        reader = cur.sql(query, params=params).to_arrow_reader(1 << 16) if params else cur.sql(query).to_arrow_reader(1 << 16)
        schema = reader.schema
        for batch in reader:
            if not batch.num_rows:
                continue
            values = batch.column(batch.schema.get_field_index(PARTED[name]))
            # year × 12 + month (a year's files: its January)
            key = pc.add(pc.multiply(pc.cast(pc.year(values), pa.int32()), 12),
                         pc.cast(pc.month(values), pa.int32()) if monthly else pa.scalar(1, pa.int32()))
            key = key.to_numpy()
            if name in SPLIT_AT:  # a row group ends where the column changes too (its stats then skip the rest)
                split = batch.column(batch.schema.get_field_index(SPLIT_AT[name])).to_numpy(zero_copy_only=False)
                key = key * 2 + split.astype(np.int64)
            cuts = np.flatnonzero(np.diff(key)) + 1
            for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(key)]])):
                k = int(key[a]) // 2 if name in SPLIT_AT else int(key[a])
                m = dt.date((k - 1) // 12, (k - 1) % 12 + 1, 1)
                if m != part:
                    close()
                    if part is not None and m < part:
                        raise ValueError(f"rollup {name}: rows not in order of partition ({m} after {part})")
                    part, tmp = m, where / f".{part_name(name, m)}.tmp"
                    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
                chunk = batch.slice(int(a), int(b - a))
                writer.write_batch(chunk.cast(schema) if chunk.schema != schema else chunk, row_group_size=group)
                n += int(b - a)
        close()
        writer = None
    finally:
        cur.close()
        if writer is not None:
            writer.close()
    if whole:
        if n == 0:
            pq.write_table(schema.empty_table(), where / EMPTY)
        _stamp(folder, name)
    return n


def _stamp(folder: Path, name: str) -> None:
    """A rollup's signature, written last (under a temporary name, renamed)."""
    where = path(folder, name)
    tmp = where / f".{SIGNATURE}.tmp"
    tmp.write_text(signature(folder, name), encoding="utf-8")
    tmp.replace(where / SIGNATURE)


def _finish(base: Path, folder: Path, name: str) -> int:
    """Stamp a rollup of a new version (its empty file, of the base's schema, when it has no rows); its rows."""
    if not part_files(folder, name):
        pq.write_table(pq.read_schema(files(base, name)[0]).empty_table(), path(folder, name) / EMPTY)
    _stamp(folder, name)
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files(folder, name))


def _update_months(base: Path, folder: Path, name: str, con: duckdb.DuckDBPyConnection, touched: list) -> int:
    """A MONTHLY rollup of a new version: the month files whose rows change written afresh, the others linked
    from `base`. `con` holds the orders of the `touched` months submitted only. orders_flat: its months are those
    months. orders_resolved: the months resolved of the orders submitted in them, before (a base month file
    holding such a row) and after; such a month is its base rows of other months submitted, and the touched
    months' rows resolved in it, sorted again. Returns the rollup's rows."""
    old = part_files(base, name)
    if name == "orders_flat":
        redo = list(touched)
    else:
        def holds_touched(f: Path) -> bool:
            column = pq.read_table(f, columns=["sub_month"]).column(0)
            return bool(pc.any(pc.is_in(column, value_set=pa.array(touched, pa.date32()))).as_py())
        fresh = con.sql(f"SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM ({sql(name)})").fetchall()
        redo = sorted({m for m, f in old.items() if holds_touched(f)} | {r[0] for r in fresh})
    where = path(folder, name)
    where.mkdir(parents=True, exist_ok=True)
    for m, f in old.items():
        if m not in redo:
            _link_or_copy(f, where / f.name)
    month = f"CAST(date_trunc('month', {ident(MONTHLY[name])}) AS DATE)"
    if name == "orders_flat":
        _write_parts(con, folder, name, _by_part(name), whole=False)
    else:
        base_rows = [m for m in redo if m in old]
        linked = [folder / FOLDER / f".{name}.base-{partition_name(m)}" for m in base_rows]
        for m, f in zip(base_rows, linked):  # linked in: the connection reads this folder only
            _link_or_copy(old[m], f)
        try:
            kept = ("SELECT * FROM read_parquet($old) WHERE sub_month NOT IN "
                    "(SELECT month FROM touched_months WHERE table_name = 'service_orders') UNION ALL BY NAME "
                    if linked else "")
            query = (f"SELECT * FROM ({kept}SELECT * FROM ({sql(name)}) WHERE list_contains($redo::DATE[], {month})) "
                     f"ORDER BY {month}, {_order_by(name)}")
            params = {"redo": redo, **({"old": [str(f) for f in linked]} if linked else {})}
            _write_parts(con, folder, name, query, params, whole=False)
        finally:
            for f in linked:
                f.unlink(missing_ok=True)
    return _finish(base, folder, name)


def _update_years(base: Path, folder: Path, name: str, con: duckdb.DuckDBPyConnection, touched: list) -> int:
    """A YEARLY rollup of a new version: each year holding a `touched` month written afresh (the base's rows of the
    year's other months, and the touched months' rows from the rollup's SQL over `con`, which holds only those
    months' rows of the fact table), the other years' files linked from `base`. Returns the rollup's rows."""
    old = part_files(base, name)
    redo = sorted({part_of(name, m) for m in touched})
    where = path(folder, name)
    where.mkdir(parents=True, exist_ok=True)
    for y, f in old.items():
        if y not in redo:
            _link_or_copy(f, where / f.name)
    base_rows = [y for y in redo if y in old]
    linked = [folder / FOLDER / f".{name}.base-{part_name(name, y)}" for y in base_rows]
    for y, f in zip(base_rows, linked):  # linked in: the connection reads this folder only
        _link_or_copy(old[y], f)
    try:
        # the column is one of MONTH_OF's fixed identifiers (ident checks it); the rest is
        # queries/_rollup_<name>.sql, its own ORDER BY, and bound parameters
        rows = f"SELECT * FROM ({sql(name)})"
        if linked:
            rows = (f"SELECT * FROM read_parquet($old) WHERE CAST(date_trunc('month', {ident(MONTH_OF[name])}) AS DATE) "
                    f"NOT IN (SELECT month FROM touched_months WHERE table_name = $fact) UNION ALL BY NAME {rows}")
        query = f"SELECT * FROM ({rows}) ORDER BY {_part_key(name)}, {_order_by(name)}"
        params = {"old": [str(f) for f in linked], "fact": FACT[name]} if linked else None
        _write_parts(con, folder, name, query, params, whole=False)
    finally:
        for f in linked:
            f.unlink(missing_ok=True)
    return _finish(base, folder, name)


def _record(folder: Path, rows: dict[str, int]) -> None:
    (folder / FOLDER / "rollups.json").write_text(json.dumps({"signature": signature(folder), "rows": rows},
                                                             indent=1), encoding="utf-8")


def write(folder: Path) -> dict[str, int]:
    """Build every rollup from the dataset in `folder` and write it into `folder/_rollups/`.
    Returns the rows per rollup. Each file is written under a temporary name and renamed."""
    folder = Path(folder)
    (folder / FOLDER).mkdir(exist_ok=True)
    for name in PARTED:  # written one file a month or year now: a file of the layouts before goes
        (folder / FOLDER / f"{name}.parquet").unlink(missing_ok=True)
    con = views.connect(folder)
    try:
        rows = {name: _write_parts(con, folder, name, _by_part(name)) for name in NAMES}
    finally:
        con.close()
    _record(folder, rows)
    return rows


def _part_key(name: str) -> str:
    """The SQL of a row's partition: the month or year of PARTED[name] (a fixed identifier: ident checks it)."""
    return f"date_trunc('{'month' if name in MONTHLY else 'year'}', {ident(PARTED[name])})"


def _by_part(name: str) -> str:
    """A rollup's SQL in order of its partition files, then its own order."""
    return f"SELECT * FROM ({sql(name)}) ORDER BY {_part_key(name)}, {_order_by(name)}"


def _order_by(name: str) -> str:
    """The ORDER BY list of a rollup's SQL (its last clause), with table qualifiers dropped: the order the
    merged file keeps, so a query skips the same row groups as in a full rebuild."""
    clause = sql(name).rsplit("ORDER BY", 1)[1]
    return re.sub(r"\b[a-z]+\.(?=[a-z_])", "", clause).strip()


def _same_files(base: Path, folder: Path, table: str) -> bool:
    """`folder`'s files of `table` are `base`'s (linked or copied with their times: same names, sizes, mtimes)."""
    a, b = table_files(base, table), table_files(folder, table)
    key = lambda files, root: [(str(f.relative_to(root)), f.stat().st_size, f.stat().st_mtime_ns) for f in files]  # noqa: E731
    return key(a, base) == key(b, folder)


def update(base: Path | None, folder: Path, months: dict[str, set]) -> dict[str, int]:
    """The rollups of `folder`, a new version of `base` whose fact tables named in `months` changed in those
    months only (table → the first days of the months a batch added, changed or moved rows in) and whose other
    sources are `base`'s own files, recomputing only what changed. Anything else (no current rollups in `base`,
    the places changed, a fact table changed but not named) is a full `write`. Returns the rows per rollup."""
    folder = Path(folder)
    months = {t: m for t, m in months.items() if m}  # a table whose rows did not change: its files are the base's
    if base is None or not all(is_current(base, n) for n in NAMES) or not all(
            _same_files(base, folder, t) for t in SOURCES if t not in months):
        return write(folder)
    (folder / FOLDER).mkdir(exist_ok=True)
    touched = views.connect(folder, months={t: sorted(m) for t, m in months.items()})
    rows = {}
    try:
        for name in NAMES:
            fact = FACT[name]
            if fact not in months:  # built from the base's own files: the same rollup, its files linked
                _link_or_copy(path(base, name), path(folder, name))
                rows[name] = sum(pq.ParquetFile(f).metadata.num_rows for f in files(folder, name))
            elif name in MONTHLY:
                rows[name] = _update_months(base, folder, name, touched, sorted(months[fact]))
            else:
                rows[name] = _update_years(base, folder, name, touched, sorted(months[fact]))
    finally:
        touched.close()
    _record(folder, rows)
    return rows


def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard links (a folder: its files, each linked)."""
    if Path(src).is_dir():
        shutil.copytree(src, dst, copy_function=_link_or_copy)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Make every rollup available on `con` under its view name: a view of the folder's rollup file
    when it matches the current tables, else a table built here in memory from the same SQL."""
    for name in NAMES:
        if is_current(folder, name):
            con.read_parquet([str(f) for f in files(folder, name)]).create_view(view(name))
        else:
            # the name is one of NAMES' fixed identifiers (ident checks it); the SQL is queries/_rollup_<name>.sql
            con.execute("CREATE TABLE " + ident(view(name)) + " AS " + sql(name))
    # orders_flat with each row's month file (orders_open_at in queries/_macros.sql skips the files of other
    # months by name, unopened); built in memory, the name its file would have
    if is_current(folder, "orders_flat"):
        month_files = [str(f) for f in files(folder, "orders_flat")]
        con.read_parquet(month_files, filename=True).create_view("orders_flat_files")
    else:
        con.execute("CREATE VIEW orders_flat_files AS "
                    "SELECT *, strftime(submitted_at, '%Y-%m') || '.parquet' AS filename FROM orders_flat")


def main(argv: list[str] | None = None) -> None:
    import argparse
    parser = argparse.ArgumentParser(description="为数据集写汇总表 / write a dataset's rollups")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    for name, n in write(args.folder).items():
        print(f"{name:10s} {n:12,d} rows → {path(args.folder, name)}")


if __name__ == "__main__":
    main()
