"""The query layer: one locked-down DuckDB connection over a dataset folder, and `run(name, **params)`.

- Each contract table becomes a view that reads its Parquet file(s) and casts the contract's
  columns to the contract's types (extra columns are never exposed).
- The connection may read the dataset folder and nothing else; configuration is locked and
  no extension is installed or loaded automatically.
- Every query gets a fresh cursor (Streamlit runs each session in its own thread).
- SQL lives in `queries/<name>.sql`; parameters are bound (`$start`, `$streets` …), never formatted in.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from coopdash import ROOT, rollups
from coopdash.contract import TABLES
from coopdash.settings import data_dir, settings

QUERIES_DIR = ROOT / "queries"
MACROS_FILE = QUERIES_DIR / "_macros.sql"  # table macros shared by the queries (not a query itself)
_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_]\w*)")
_cursor_lock = threading.Lock()
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


class DataError(Exception):
    """A dataset does not meet the contract. The message is in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh}\n{en}")
        self.zh, self.en = zh, en


class QueryError(Exception):
    """A named query could not run (unknown name, missing parameter, or DuckDB error)."""


# ---------------------------------------------------------------------------- dataset → views

def _ident(name: str) -> str:
    """A quoted identifier for a contract name (whitelisted: only names from contract.TABLES)."""
    assert re.fullmatch(r"[a-z_]+", name), name
    return '"' + name + '"'


def table_source(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> duckdb.DuckDBPyRelation:
    """The Parquet scan for one table (a file, or a folder of hive partitions), or DataError."""
    file, sub = folder / f"{table}.parquet", folder / table
    if file.is_file():
        return con.read_parquet(str(file))
    if sub.is_dir() and any(sub.rglob("*.parquet")):
        return con.read_parquet(str(sub / "**" / "*.parquet"), hive_partitioning=True, union_by_name=True)
    raise DataError(
        f"数据集 {folder} 缺少数据表 {table}：应有文件 {table}.parquet 或文件夹 {table}/。",
        f"Dataset {folder} is missing table {table}: expected {table}.parquet or a folder {table}/.",
    )


def fingerprint(folder: Path) -> str:
    """Changes whenever a table file or folder in the dataset is replaced, or the dataset's symlink
    is swapped to another version (cheap: a few stats)."""
    parts = [os.path.realpath(folder)]
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        st_ = entry.stat()
        parts.append(f"{entry.name}:{st_.st_mtime_ns}:{st_.st_size}")
    return "|".join(parts)


def open_dataset(folder: Path, memory_limit: str | None = None, threads: int | None = None,
                 views_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A new locked-down in-memory connection: one view per contract table; the rollups
    (`rollup_orders`, `orders_flat` … see coopdash/rollups.py) as views of the dataset's `_rollups/`
    files when those match its tables, else built here in memory; then the macros.
    `views_only`: the contract views alone, unlocked, for coopdash.rollups to build the rollups from."""
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
    })
    con.execute("SET allowed_directories = $dirs", {"dirs": [str(folder) + "/"]})
    con.execute("SET enable_external_access = false")
    # GLOBAL: every query runs on a cursor of this connection, and a plain SET would apply to this
    # connection alone (cursors would read every Parquet footer again, ~2 ms per scan, and could scan
    # Python objects by name)
    con.execute("SET GLOBAL parquet_metadata_cache = true")  # footers read once per file, not per query
    con.execute("SET GLOBAL python_enable_replacements = false")  # no scans of Python objects by name

    sources = {t.name: table_source(con, folder, t.name) for t in TABLES}
    missing = [(t.name, c.name) for t in TABLES for c in t.columns if c.name not in sources[t.name].columns]
    if missing:
        listed = ", ".join(f"{t}.{c}" for t, c in missing)
        raise DataError(f"数据集 {folder} 缺少列：{listed}", f"Dataset {folder} is missing columns: {listed}")
    for t in TABLES:  # each view exposes the contract's columns only, cast to the contract's types
        casts = ", ".join(f"CAST({_ident(c.name)} AS {c.type}) AS {_ident(c.name)}" for c in t.columns)
        sources[t.name].project(casts).create_view(t.name)
    # Deadlines per service-order category, from config/dashboard.toml (hours).
    con.execute("CREATE TABLE service_deadlines (category VARCHAR PRIMARY KEY, hours DOUBLE NOT NULL)")
    con.executemany("INSERT INTO service_deadlines VALUES (?, ?)", list(cfg.deadlines.items()))
    if views_only:
        return con
    sig = rollups.signature(folder)
    for name in rollups.NAMES:
        if rollups.is_current(folder, name, sig):
            con.read_parquet(str(rollups.path(folder, name))).create_view(rollups.view(name))
        else:
            # the name is one of rollups.NAMES' fixed identifiers; the SQL is queries/_rollup_<name>.sql
            con.execute(f"CREATE TABLE {rollups.view(name)} AS " + rollups.sql(name))
    con.execute(MACROS_FILE.read_text(encoding="utf-8"))
    con.execute("SET lock_configuration = true")
    return con


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(folder: str, fingerprint_: str) -> duckdb.DuckDBPyConnection:
    return open_dataset(Path(folder))


@st.cache_resource(max_entries=2, show_spinner=False)
def _console_connection(folder: str, fingerprint_: str) -> duckdb.DuckDBPyConnection:
    cfg = settings()
    return open_dataset(Path(folder), memory_limit=cfg.console_memory_limit, threads=1)


def console_connection() -> duckdb.DuckDBPyConnection:
    """A separate locked-down connection for analysts' own SQL, with its own memory limit, so a
    heavy console query cannot starve the dashboard's queries."""
    folder = data_dir()
    return _console_connection(str(folder), fingerprint(folder))


def connection() -> duckdb.DuckDBPyConnection:
    """The cached base connection for the current dataset (reopened when its files change)."""
    folder = data_dir()
    return _connection(str(folder), fingerprint(folder))


# ---------------------------------------------------------------------------- named queries

@cache
def load_query(name: str) -> tuple[str, frozenset[str]]:
    """The SQL text of `queries/<name>.sql` and the parameter names it uses."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(f"查询名无效 / invalid query name: {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"没有查询文件 / no query file: queries/{name}.sql")
    sql = path.read_text(encoding="utf-8")
    return sql, frozenset(_PARAM.findall(_strip_comments(sql)))


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


def execute(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pd.DataFrame:
    """Run one named query on a fresh cursor of `con`, binding only the parameters it uses."""
    sql, needed = load_query(name)
    absent = needed - params.keys()
    if absent:
        raise QueryError(f"查询 {name} 缺少参数 / query {name} needs parameters: {', '.join(sorted(absent))}")
    bound = {k: list(v) if isinstance(v, (tuple, set, frozenset)) else v
             for k, v in params.items() if k in needed}
    return _fetch(con, sql, bound, name)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict, name: str) -> pd.DataFrame:
    with _cursor_lock:
        cur = con.cursor()
    try:
        # execute() prepares the statement once; sql(…, params=) binds it again to type the parameters,
        # which costs 10–30 ms on the macro-expanded queries. Results are small: the extra Arrow copy
        # DuckDB warns about (the warning is filtered at the top of this module) does not matter.
        return cur.execute(sql, params).to_arrow_table().to_pandas()
    except duckdb.Error as exc:
        raise QueryError(f"查询 {name} 执行失败 / query {name} failed: {exc}") from exc
    finally:
        cur.close()


@st.cache_data(max_entries=settings().cache_max_entries, ttl=settings().cache_ttl_seconds,
               show_spinner=False)
def _run_cached(folder: str, fp: str, name: str, params: dict) -> pd.DataFrame:
    return execute(_connection(folder, fp), name, params)


# The explorer's results are the large ones (up to 10,001 rows of any table): a smaller cache of their own.
@st.cache_data(max_entries=32, ttl=settings().cache_ttl_seconds, show_spinner=False)
def _run_sql_cached(folder: str, fp: str, sql: str, params: dict) -> pd.DataFrame:
    return _fetch(_connection(folder, fp), sql, params, "explorer")


def run_sql(sql: str, params: dict) -> pd.DataFrame:
    """Run SQL built by coopdash.explorer (whitelisted identifiers, bound values) on the dataset."""
    folder = data_dir()
    return _run_sql_cached(str(folder), fingerprint(folder), sql, params)


# One pool for the process: every session's queries share its threads, so 20 sessions at once do not
# start 80 threads. The threads only run execute() (DuckDB and the Arrow hand-off, no Streamlit calls).
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="coopdash-query")


@st.cache_data(max_entries=settings().cache_max_entries, ttl=settings().cache_ttl_seconds,
               show_spinner=False)
def _run_many_cached(folder: str, fp: str, names: tuple[str, ...], params: dict) -> list[pd.DataFrame]:
    con = _connection(folder, fp)
    return list(_POOL.map(lambda name: execute(con, name, params), names))


def run_many(names: Sequence[str], **params) -> list[pd.DataFrame]:
    """Several named queries on the same filters, run side by side on cursors of the base connection
    (DuckDB releases the GIL, so one query's planning overlaps another's scan), and cached together
    per dataset version and the parameters they use. The results in the order of `names`."""
    folder = data_dir()
    return _run_many_cached(str(folder), fingerprint(folder), tuple(names), _used(params, names))


def _used(params: dict, names: Sequence[str]) -> dict:
    """The parameters the named queries read (the others would only split the cache)."""
    needed = frozenset().union(*(load_query(name)[1] for name in names))
    return {k: v for k, v in params.items() if k in needed}


def run(name: str, **params) -> pd.DataFrame:
    """Run `queries/<name>.sql` on the current dataset; results are cached per dataset version and
    per the parameters the query uses (a filter it does not read reuses the cached result)."""
    folder = data_dir()
    return _run_cached(str(folder), fingerprint(folder), name, _used(params, [name]))
