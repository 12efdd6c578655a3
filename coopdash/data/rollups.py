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

Each rollup file carries a signature of the source files it was built from (names and sizes of the
service_orders, cleanups, repairs, compounds and communities files). When the folder has no rollups,
or the tables were replaced without them (a signature that does not match), `attach` (called by
`db.open_dataset`) builds them in memory from the same SQL: slower to open on a large dataset, never wrong.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
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
_META_KEY = b"coopdash.rollup.signature"


def view(name: str) -> str:
    """The name queries use: rollup_orders, rollup_orders_daily, rollup_cleanups …; orders_flat."""
    return name if name == "orders_flat" else f"rollup_{name}"


def sql(name: str) -> str:
    return (ROOT / "queries" / f"_rollup_{name}.sql").read_text(encoding="utf-8")


def signature(folder: Path) -> str:
    """Names and sizes of the source files: changes whenever a source table is rewritten."""
    folder = Path(folder)
    parts = [f"{f.relative_to(folder)}:{f.stat().st_size}" for t in SOURCES for f in table_files(folder, t)]
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
    return meta.get(_META_KEY, b"").decode() == (sig or signature(folder))


def write(folder: Path) -> dict[str, int]:
    """Build every rollup from the dataset in `folder` and write it into `folder/_rollups/`.
    Returns the rows per rollup. Each file is written under a temporary name and renamed."""
    folder = Path(folder)
    sig = signature(folder)
    out = folder / FOLDER
    out.mkdir(exist_ok=True)
    con = views.connect(folder)
    rows = {}
    try:
        for name in NAMES:  # streamed in batches: orders_flat is as long as service_orders
            cur = con.cursor()
            try:
                reader = cur.sql(sql(name)).to_arrow_reader(1 << 16)
                schema = reader.schema.with_metadata({**(reader.schema.metadata or {}), _META_KEY: sig.encode()})
                tmp = out / f".{name}.parquet.tmp"
                group = ROW_GROUPS.get(name, ROW_GROUP_DEFAULT)
                with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                    n = 0
                    for batch in reader:
                        writer.write_batch(batch, row_group_size=group)
                        n += batch.num_rows
            finally:
                cur.close()
            tmp.replace(path(folder, name))
            rows[name] = n
    finally:
        con.close()
    (out / "rollups.json").write_text(json.dumps({"signature": sig, "rows": rows}, indent=1), encoding="utf-8")
    return rows


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Make every rollup available on `con` under its view name: a view of the folder's rollup file
    when it matches the current tables, else a table built here in memory from the same SQL."""
    sig = signature(folder)
    for name in NAMES:
        if is_current(folder, name, sig):
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
