"""A dataset folder as a locked-down DuckDB connection: one view per contract table.

- Each contract table becomes a view that reads its Parquet file(s) and casts the contract's
  columns to the contract's types (extra columns are never exposed).
- The connection may read the dataset folder and nothing else; no extension is installed or
  loaded automatically. `coopdash.data.db.open_dataset` adds the rollups and the macros, then locks
  the configuration.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from coopdash.data.contract import REPAIR_KIND, TABLES, repair_unit
from coopdash.data.errors import DataError
from coopdash.data.files import EMPTY, PARTITION_TIME, ident, partition_files, table_location
from coopdash.data.settings import settings

# The column whose month places a fact table's row (connect's `months`; the rollups are sums per that month).
MONTH_TIME = PARTITION_TIME


def table_source(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> duckdb.DuckDBPyRelation:
    """The Parquet scan for one table (a file, or a folder of hive partitions), or DataError."""
    where = table_location(folder, table)
    if where is None:
        raise DataError(
            f"数据集 {folder} 缺少数据表 {table}：应有文件 {table}.parquet 或文件夹 {table}/。",
            f"Dataset {folder} is missing table {table}: expected {table}.parquet or a folder {table}/.",
        )
    if where.is_file():
        return con.read_parquet(str(where))
    months = partition_files(folder, table)
    if months is not None:  # one file per month: the files named once, not globbed again by every query
        return con.read_parquet([str(f) for f in months.values()] or [str(where / EMPTY)])
    return con.read_parquet(str(where / "**" / "*.parquet"), hive_partitioning=True, union_by_name=True)


def connect(folder: Path, memory_limit: str | None = None, threads: int | None = None,
            months: dict[str, list] | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory connection that may read `folder` only, with the contract views, the
    service-order deadlines of config/dashboard.toml (table `service_deadlines`, hours) and each repair
    kind's unit (table `repair_units`: 'km' or 'items'). Not yet
    configuration-locked: the caller adds what it needs, then locks.

    `months` (fact table → first days of months; for coopdash/data/rollups.py's incremental update): those
    tables' views hold the rows of those months only, listed in the table `touched_months`."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise DataError(f"数据集文件夹不存在：{folder}", f"Dataset folder does not exist: {folder}")
    cfg = settings()
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "threads": threads or cfg.threads,
        "memory_limit": memory_limit or cfg.memory_limit,
        # the engine's allocator hands the memory a finished statement freed back to the OS within seconds;
        # without its background thread it kept it until the connection closed: ~210 MB after one scan of
        # 10 M orders, most of a server's growth while it loads (docs/deploy.md)
        "allocator_background_threads": True,
    })
    # and a plain folder's future versions: the first publish turns the folder into a symlink to
    # .<name>.versions/v…, and a connection opened before it still reads its tables by their old paths
    # (which then resolve there) until its session moves on to the new version
    versions = folder.parent / f".{folder.name}.versions"
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(folder) + "/", str(versions) + "/"]})
    con.execute("SET enable_external_access = false")
    # GLOBAL: every query runs on a cursor of this connection, and a plain SET would apply to this
    # connection alone (cursors would read every Parquet footer again on each scan, and could scan
    # Python objects by name)
    con.execute("SET GLOBAL parquet_metadata_cache = true")  # footers read once per file, not per query
    con.execute("SET GLOBAL python_enable_replacements = false")  # no scans of Python objects by name

    sources = {t.name: table_source(con, folder, t.name) for t in TABLES}
    for name, ms in (months or {}).items():  # a table one file per month: only the touched months' files
        files = partition_files(folder, name) or {}
        if chosen := [str(files[m]) for m in ms if m in files]:
            sources[name] = con.read_parquet(chosen, union_by_name=True)
    missing = [(t.name, c.name) for t in TABLES for c in t.columns if c.name not in sources[t.name].columns]
    if missing:
        listed = ", ".join(f"{t}.{c}" for t, c in missing)
        raise DataError(f"数据集 {folder} 缺少列：{listed}", f"Dataset {folder} is missing columns: {listed}")
    if months is not None:
        con.execute("CREATE TABLE touched_months (table_name VARCHAR, month DATE)")
        if touched := [(t, m) for t, ms in months.items() for m in ms]:
            con.executemany("INSERT INTO touched_months VALUES (?, ?)", touched)
    for t in TABLES:  # each view exposes the contract's columns only, cast to the contract's types
        casts = ", ".join(f"CAST({ident(c.name)} AS {c.type}) AS {ident(c.name)}" for c in t.columns)
        view = sources[t.name].project(casts)
        if months is not None and t.name in months:
            time = ident(MONTH_TIME[t.name])
            view = view.filter(f"CAST(date_trunc('month', {time}) AS DATE) IN "
                               f"(SELECT month FROM touched_months WHERE table_name = '{t.name}')")
        view.create_view(t.name)
    lookup_tables(con)
    return con


def lookup_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The tables the queries join besides the contract's: `service_deadlines` (hours per category, from
    config/dashboard.toml) and `repair_units` (each repair kind's unit, from contract.repair_unit)."""
    con.execute("CREATE TABLE service_deadlines (category VARCHAR PRIMARY KEY, hours DOUBLE NOT NULL)")
    con.executemany("INSERT INTO service_deadlines VALUES (?, ?)", list(settings().deadlines.items()))
    con.execute("CREATE TABLE repair_units (kind VARCHAR PRIMARY KEY, unit VARCHAR NOT NULL)")
    con.executemany("INSERT INTO repair_units VALUES (?, ?)", [(k, repair_unit(k)) for k in REPAIR_KIND.codes])
