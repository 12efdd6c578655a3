"""Rollups: the fact tables summed per community and month, written beside the data.

Service orders, cleanups and repairs are summed per street office and per community × month (×
category and status, or waste type, or repair kind), and district-wide per day, by
`queries/_rollup_<name>.sql`; `orders_flat` is the orders with their place codes; `orders_resolved` the
resolved orders in order of resolution, ranked by time to resolve (read by coopdash/data/hours.py). They are written
into the dataset folder as `_rollups/<name>.parquet` whenever a dataset is written (`coopdash.data.dataset.write_dataset`, used by
the demo and city generators, and `ingest`'s new versions), and read by the table macros
`orders_in`, `cleanups_in` and `repairs_in` in `queries/_macros.sql`: district totals from the daily
rollups; by street or community, the whole months of a window from the monthly rollup and its
partial first and last months from the raw rows. Every figure is exact.

Each rollup file carries a signature of the source files it was built from (names and sizes of its fact
table's files — service_orders, cleanups or repairs — and of compounds and communities). When the folder has
no rollups, or the tables were replaced without them (a signature that does not match), `attach` (called by
`db.open_dataset`) builds them in memory from the same SQL: slower to open on a large dataset, never wrong.

A publish recomputes only what its batch touched (`update`): a rollup whose sources did not change is linked
from the version before; one whose fact table did is the old rollup's rows outside the touched months plus its
SQL run over the touched months' rows only (every rollup is a sum per month, or a row per order, of its fact
table: a month's rows depend on that month alone; the rank by time to resolve that orders_resolved once held
is worked out by coopdash/data/hours.py when it loads). The two as long as the orders are merged in file order
rather than sorted again: `orders_flat` by month submitted, `orders_resolved` by month resolved. Everything is
rebuilt when compounds or communities change. A test holds the result equal, row for row and in order, to a full
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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash import ROOT
from coopdash.data import views
from coopdash.data.files import ident, table_files

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
_META_KEY = b"coopdash.rollup.signature"


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
    return Path(folder) / FOLDER / f"{name}.parquet"


def is_current(folder: Path, name: str, sig: str | None = None) -> bool:
    """True when the rollup file exists and was built from the folder's current source files."""
    file = path(folder, name)
    if not file.is_file():
        return False
    try:
        meta = pq.read_schema(file).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    return meta.get(_META_KEY, b"").decode() == (sig or signature(folder, name))


def _write_one(con: duckdb.DuckDBPyConnection, folder: Path, name: str, query: str, params: dict | None = None,
               parts: list[tuple[str, dict]] | None = None) -> int:
    """One rollup file from `query` (or from `parts`, queries whose results follow each other in the file),
    streamed in batches (orders_flat is as long as service_orders), stamped with its signature, written under a
    temporary name and renamed. Returns its rows."""
    sig = signature(folder, name)
    tmp = folder / FOLDER / f".{name}.parquet.tmp"
    group = ROW_GROUPS.get(name, ROW_GROUP_DEFAULT)
    n, writer = 0, None
    try:
        for part in parts or [(query, params)]:
            cur = con.cursor()
            try:
                if isinstance(part, _Kept):
                    reader = part.reader()
                else:
                    q, p = part
                    reader = cur.sql(q, params=p).to_arrow_reader(1 << 16) if p else cur.sql(q).to_arrow_reader(1 << 16)
                if writer is None:
                    schema = reader.schema.with_metadata({**(reader.schema.metadata or {}), _META_KEY: sig.encode()})
                    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
                for batch in reader:
                    writer.write_batch(batch.cast(writer.schema) if batch.schema != writer.schema else batch,
                                       row_group_size=group)
                    n += batch.num_rows
            finally:
                cur.close()
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path(folder, name))
    return n


class _Kept:
    """A part of a rollup merged in file order: the base file's rows with `column` in [lo, hi) (None: open),
    `equal` (column → value) and, if given, `column_out` not in `out`, in the order they are in. Read with pyarrow,
    which never reorders rows (a DuckDB scan streamed on several threads may); the row groups whose statistics
    rule the range out are not read."""

    def __init__(self, file: Path, column: str, lo=None, hi=None, equal: dict | None = None,
                 column_out: str | None = None, out: list | None = None):
        self.file, self.column, self.lo, self.hi = Path(file), column, lo, hi
        self.equal, self.column_out, self.out = equal or {}, column_out, out or []

    def reader(self) -> pa.RecordBatchReader:
        file = pq.ParquetFile(self.file)
        schema = file.schema_arrow
        names = schema.names

        def bound(v, column):
            if v is None or not pa.types.is_timestamp(schema.field(column).type):
                return v
            return dt.datetime.combine(v, dt.time()) if not isinstance(v, dt.datetime) else v

        lo, hi = bound(self.lo, self.column), bound(self.hi, self.column)

        def wanted(i: int) -> bool:
            rg = file.metadata.row_group(i)
            stats = {c: rg.column(names.index(c)).statistics for c in (self.column, *self.equal)}
            if any(st is None or not st.has_min_max for st in stats.values()):
                return True
            st = stats[self.column]
            if (lo is not None and st.max < lo) or (hi is not None and st.min >= hi):
                return False
            return all(stats[c].min <= v <= stats[c].max for c, v in self.equal.items())

        def batches():
            for i in range(file.metadata.num_row_groups):
                if not wanted(i):
                    continue
                t = file.read_row_group(i)
                mask = pa.array([True] * t.num_rows)
                if lo is not None:
                    mask = pc.and_(mask, pc.greater_equal(t[self.column], pa.scalar(lo, schema.field(self.column).type)))
                if hi is not None:
                    mask = pc.and_(mask, pc.less(t[self.column], pa.scalar(hi, schema.field(self.column).type)))
                for c, v in self.equal.items():
                    mask = pc.and_(mask, pc.equal(t[c], pa.scalar(v, schema.field(c).type)))
                if self.column_out and self.out:
                    out = pa.array(self.out, schema.field(self.column_out).type)
                    mask = pc.and_(mask, pc.invert(pc.is_in(t[self.column_out], value_set=out)))
                yield from t.filter(mask).to_batches()

        return pa.RecordBatchReader.from_batches(schema, batches())


def _flat_parts(name: str, months: list, old: Path) -> list:
    """orders_flat without sorting ten million rows again: the file is ordered by (pending DESC, submitted_at,
    order_id), so the touched months' rows fall exactly where those months' rows were. Its parts, in file
    order: for the pending orders and then the rest, the base's rows up to each touched month (in the order
    they are in: `_Kept`), that month's rows computed afresh, …, the base's rows after."""
    parts = []
    fresh = f"SELECT * FROM ({sql(name)}) WHERE pending = $p AND CAST(date_trunc('month', submitted_at) AS DATE) = $m " \
            "ORDER BY submitted_at, order_id"
    for pending in (True, False):
        start = None
        for m in months:
            parts.append(_Kept(old, "submitted_at", start, m, {"pending": pending}))
            parts.append((fresh, {"p": pending, "m": m}))
            start = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
        parts.append(_Kept(old, "submitted_at", start, None, {"pending": pending}))
    return parts


def _resolved_parts(name: str, res_months: list, old: Path, months: list) -> list:
    """orders_resolved without sorting nine million rows again: the file is ordered by day resolved first, so
    only the months resolved in which a row goes or comes (`res_months`) change. Its parts, in file order: the
    base's rows before each such month (in the order they are in: `_Kept`), that month's kept and fresh rows
    sorted together, …, the base's rows after. A base row is kept when its month submitted (one of `months`,
    the touched ones) was not touched."""
    month = "SELECT * FROM (SELECT * FROM read_parquet($old) WHERE day >= $a AND day < $b AND sub_month NOT IN " \
            "(SELECT month FROM touched_months WHERE table_name = 'service_orders') UNION ALL BY NAME " \
            f"SELECT * FROM ({sql(name)}) WHERE day >= $a AND day < $b) ORDER BY {_order_by(name)}"
    parts, start = [], None
    for m in res_months:
        end = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
        parts += [_Kept(old, "day", start, m, column_out="sub_month", out=months),
                  (month, {"a": m, "b": end, "old": str(old)})]
        start = end
    return parts + [_Kept(old, "day", start, None, column_out="sub_month", out=months)]


def _record(folder: Path, rows: dict[str, int]) -> None:
    (folder / FOLDER / "rollups.json").write_text(json.dumps({"signature": signature(folder), "rows": rows},
                                                             indent=1), encoding="utf-8")


def write(folder: Path) -> dict[str, int]:
    """Build every rollup from the dataset in `folder` and write it into `folder/_rollups/`.
    Returns the rows per rollup. Each file is written under a temporary name and renamed."""
    folder = Path(folder)
    (folder / FOLDER).mkdir(exist_ok=True)
    con = views.connect(folder)
    try:
        rows = {name: _write_one(con, folder, name, sql(name)) for name in NAMES}
    finally:
        con.close()
    _record(folder, rows)
    return rows


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
            if fact not in months:  # built from the base's own files: the same rollup
                _link_or_copy(path(base, name), path(folder, name))
                rows[name] = pq.ParquetFile(path(folder, name)).metadata.num_rows
            else:  # the base's rows of the untouched months, and the touched months' rows computed afresh
                column = MONTH_OF[name]
                old = folder / FOLDER / f".{name}.base.parquet"  # linked in: the connection reads this folder only
                _link_or_copy(path(base, name), old)
                try:
                    if name == "orders_flat":  # as long as the orders: merged in file order, not sorted again
                        parts = _flat_parts(name, sorted(months[fact]), old)
                        rows[name] = _write_one(touched, folder, name, "", parts=parts)
                        continue
                    if name == "orders_resolved":  # as long as the resolved orders: only the months resolved
                        # in which a row goes (its order's month submitted was touched) or comes, sorted again
                        res = touched.sql(
                            "SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM read_parquet($old) WHERE "
                            "sub_month IN (SELECT month FROM touched_months WHERE table_name = 'service_orders') "
                            f"UNION SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) FROM ({sql(name)})",
                            params={"old": str(old)}).fetchall()
                        parts = _resolved_parts(name, sorted(r[0] for r in res), old, sorted(months[fact]))
                        rows[name] = _write_one(touched, folder, name, "", parts=parts)
                        continue
                    # `column` is one of MONTH_OF's fixed identifiers (ident checks it); the rest is
                    # queries/_rollup_<name>.sql, its own ORDER BY, and bound parameters
                    kept = (f"SELECT * FROM read_parquet($old) WHERE CAST(date_trunc('month', {ident(column)}) AS DATE) "
                            "NOT IN (SELECT month FROM touched_months WHERE table_name = $fact)")
                    query = f"SELECT * FROM ({kept} UNION ALL BY NAME ({sql(name)})) ORDER BY {_order_by(name)}"
                    rows[name] = _write_one(touched, folder, name, query, {"old": str(old), "fact": fact})
                finally:
                    old.unlink(missing_ok=True)
    finally:
        touched.close()
    _record(folder, rows)
    return rows


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Make every rollup available on `con` under its view name: a view of the folder's rollup file
    when it matches the current tables, else a table built here in memory from the same SQL."""
    for name in NAMES:
        if is_current(folder, name):
            con.read_parquet(str(path(folder, name))).create_view(view(name))
        else:
            # the name is one of NAMES' fixed identifiers (ident checks it); the SQL is queries/_rollup_<name>.sql
            con.execute("CREATE TABLE " + ident(view(name)) + " AS " + sql(name))


def main(argv: list[str] | None = None) -> None:
    import argparse
    parser = argparse.ArgumentParser(description="为数据集写汇总表 / write a dataset's rollups")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    for name, n in write(args.folder).items():
        print(f"{name:10s} {n:12,d} rows → {path(args.folder, name)}")


if __name__ == "__main__":
    main()
