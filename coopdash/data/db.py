"""Named queries over a dataset: `open_dataset(folder)` and `execute(con, name, params)`.

- `open_dataset` is the one locked-down connection of a dataset version: the contract views
  (coopdash/data/views.py), the rollups (coopdash/data/rollups.py), the table macros of
  `queries/_macros.sql`, then the configuration is locked.
- Every query gets a fresh cursor (Streamlit runs each session in its own thread).
- SQL lives in `queries/<name>.sql`, one query a file; parameters are bound (`$start`, `$streets` …),
  never formatted in, and a query is given only the parameters it reads.

No caching and no Streamlit here: the app layer caches results per dataset version
(coopdash/app/cache.py); the command line and the tests call these functions directly.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from coopdash import ROOT
from coopdash.data import rollups, views
from coopdash.data.errors import QueryError, Refused
from coopdash.data.scope import EVERYTHING, Scope
from coopdash.data.settings import settings

QUERIES_DIR = ROOT / "queries"
MACROS_FILE = QUERIES_DIR / "_macros.sql"  # table macros shared by the queries (not a query itself)
_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_]\w*)")
# A query that reads no street office's figures says so in a comment line: `-- unscoped: <why>`.
# Any other query a scoped user runs must read $streets (db.execute refuses it otherwise).
_UNSCOPED = re.compile(r"^--\s*unscoped:", re.MULTILINE)
_cursor_lock = threading.Lock()
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


def open_dataset(folder: Path, memory_limit: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A new locked-down in-memory connection over a dataset folder: the contract views, the rollups
    (`rollup_orders`, `orders_flat` …) and the macros; its configuration can no longer be changed."""
    folder = Path(folder).resolve()
    con = views.connect(folder, memory_limit=memory_limit, threads=threads)
    rollups.attach(con, folder)
    con.execute(MACROS_FILE.read_text(encoding="utf-8"))
    con.execute("SET lock_configuration = true")
    return con


# ---------------------------------------------------------------------------- named queries

@cache
def load_query(name: str) -> tuple[str, frozenset[str]]:
    """The SQL text of `queries/<name>.sql` and the parameter names it uses."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(f"查询名无效：{name!r}", f"invalid query name: {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"没有查询文件 queries/{name}.sql", f"no query file: queries/{name}.sql")
    sql = path.read_text(encoding="utf-8")
    return sql, frozenset(_PARAM.findall(re.sub(r"--[^\n]*", "", sql)))


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if not p.stem.startswith("_"))


@cache
def unscoped(name: str) -> bool:
    """True when `queries/<name>.sql` declares that it reads no street office's figures."""
    return bool(_UNSCOPED.search(load_query(name)[0]))


def used(params: dict, names: Sequence[str]) -> dict:
    """The parameters the named queries read (the others would only split a cache)."""
    needed = frozenset().union(*(load_query(name)[1] for name in names))
    return {k: v for k, v in params.items() if k in needed}


def execute(con: duckdb.DuckDBPyConnection, name: str, params: dict, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Run one named query on a fresh cursor of `con`, binding only the parameters it uses, within
    `scope`: a scoped user's street offices replace or narrow `$streets` (coopdash/data/scope.py),
    and a query that does not read `$streets` is refused to them unless it is declared unscoped."""
    sql, bound = _bind(name, params, scope)
    return fetch(con, sql, bound, name)


def _bind(name: str, params: dict, scope: Scope) -> tuple[str, dict]:
    """`queries/<name>.sql` and the parameters it reads, within `scope` (see `execute`)."""
    sql, needed = load_query(name)
    if scope.limited:
        if "streets" not in needed and not unscoped(name):
            raise Refused(f"查询 {name} 不按街道筛选，本账号不能使用", f"query {name} is not filtered by street "
                          "office; this account may not run it")
        params = scope.bind(params)
    absent = needed - params.keys()
    if absent:
        listed = ", ".join(sorted(absent))
        raise QueryError(f"查询 {name} 缺少参数：{listed}", f"query {name} needs parameters: {listed}")
    bound = {k: list(v) if isinstance(v, (tuple, set, frozenset)) else v
             for k, v in params.items() if k in needed}
    return sql, bound


# A named query's window parameters: renamed per period when one statement evaluates several windows.
_WINDOW = re.compile(r"(?<![\w$])\$(start|end)\b")


@cache
def _periods_sql(name: str, n: int) -> str:
    """`queries/<name>.sql` for n windows in one statement: the query once per window, `$start`/`$end`
    renamed `$p<i>_start`/`$p<i>_end`, each copy's rows marked with its window's number (`_period`),
    glued with UNION ALL. The other parameters (the scope, `$launch`) are shared."""
    sql = re.sub(r"--[^\n]*", "", load_query(name)[0]).strip().rstrip(";")
    return "\nUNION ALL\n".join(
        f"SELECT CAST({i} AS INTEGER) AS _period, * FROM (\n"
        + _WINDOW.sub(lambda m, i=i: f"$p{i}_{m.group(1)}", sql) + "\n)" for i in range(n))


def execute_periods(con: duckdb.DuckDBPyConnection, name: str, params: dict,
                    windows: Sequence[tuple], scope: Scope = EVERYTHING) -> list[pd.DataFrame]:
    """One named query over several windows [(start, end), …] in one statement (one parse, bind and plan,
    one pass of the engine), the other parameters shared; each window's rows as `execute` would give
    them, in the order of `windows`. The query's own SQL is the definition: each window runs it
    unchanged but for the names of its two window parameters (tests hold the two equal)."""
    if len(windows) == 1:
        start, end = windows[0]
        return [execute(con, name, {**params, "start": start, "end": end}, scope)]
    sql, bound = _bind(name, {**params, "start": windows[0][0], "end": windows[0][1]}, scope)
    for key in ("start", "end"):
        bound.pop(key, None)
    for i, (start, end) in enumerate(windows):
        if "start" in load_query(name)[1]:
            bound[f"p{i}_start"] = start
        if "end" in load_query(name)[1]:
            bound[f"p{i}_end"] = end
    table = fetch_arrow(con, _periods_sql(name, len(windows)), bound, name)
    period = table.column("_period").to_numpy()
    rest = table.drop_columns(["_period"])
    return [rest.take(np.flatnonzero(period == i)).to_pandas() for i in range(len(windows))]


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict, name: str) -> pd.DataFrame:
    """Run SQL the code built (a named query, or the explorer's whitelisted SELECT) on a fresh cursor."""
    return fetch_arrow(con, sql, params, name).to_pandas()


def fetch_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict, name: str,
                time_limit: float | None = None) -> pa.Table:
    """`fetch`'s result as an Arrow table. The statement runs at most `time_limit` seconds (default: the
    `[query] time_limit_seconds` setting): then DuckDB itself stops it (the cursor's interrupt, checked by
    the engine between its work units, so a pathological filter cannot hold a worker thread) and the page
    is told so in both languages."""
    limit = settings().query_time_limit if time_limit is None else time_limit
    with _cursor_lock:
        cur = con.cursor()
    timer = threading.Timer(limit, cur.interrupt)
    timer.daemon = True
    timer.start()
    try:
        # execute() prepares the statement once; sql(…, params=) binds it again to type the parameters,
        # which is slow on the macro-expanded queries (docs/scale.md). Results are small: the extra Arrow
        # copy DuckDB warns about (the warning is filtered at the top of this module) does not matter.
        return cur.execute(sql, params).to_arrow_table()
    except duckdb.InterruptException as exc:
        raise QueryError(f"查询 {name} 超过 {limit:g} 秒，已停止；请缩小时间范围或筛选条件后重试",
                         f"query {name} ran longer than {limit:g} s and was stopped; narrow the window or "
                         "the filters and try again") from exc
    except duckdb.Error as exc:
        raise QueryError(f"查询 {name} 执行失败：{exc}", f"query {name} failed: {exc}") from exc
    finally:
        timer.cancel()
        cur.close()


# One pool for the process: every session's queries share its threads, so many sessions at once do
# not start a thread each per query. The threads only run execute() (DuckDB and the Arrow hand-off).
_POOL = ThreadPoolExecutor(max_workers=settings().query_pool_threads, thread_name_prefix="coopdash-query")


def execute_many(con: duckdb.DuckDBPyConnection, names: Sequence[str], params: dict,
                 scope: Scope = EVERYTHING) -> list[pd.DataFrame]:
    """Several named queries on the same parameters, side by side on cursors of `con` (DuckDB releases
    the GIL, so one query's planning overlaps another's scan). The results in the order of `names`."""
    return list(_POOL.map(lambda name: execute(con, name, params, scope), names))
