"""The analysts' SQL console: one SELECT over the dataset's tables, checked, limited and stopped on time.

Defence in depth:
1. Statement check (DuckDB's own parser): exactly one statement, of type SELECT (WITH … SELECT and
   FROM-first included); every table it reads is a dataset table or view, or one of its own CTEs;
   no table function but a few that read nothing (range, generate_series, unnest); no DESCRIBE/SHOW.
   That refuses read_csv/read_parquet/glob/query(), file paths and URLs as table names, scans of
   Python objects, COPY/EXPORT/ATTACH/INSTALL/LOAD/SET/PRAGMA/RESET/CREATE/INSERT/UPDATE/DELETE/DROP.
2. The console's own connection is locked down (coopdash.data.db.open_dataset): file access only inside
   the dataset folder, configuration locked, no extension autoload, no Python replacement scans;
   with its own memory limit.
3. A time limit that interrupts the query, and a row cap.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from coopdash.data.contract import TABLES
from coopdash.data.errors import Refused

SAFE_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
ALLOWED_FROM = {"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "TABLE_FUNCTION", "PIVOT"}
EXAMPLES_DIR = Path(__file__).parent / "examples"


def _examples() -> list[tuple[str, str]]:
    """(title, SQL) of each example in examples/*.sql, in file-name order; a file's first line is
    `-- 中文标题 / English title`."""
    out = []
    for path in sorted(EXAMPLES_DIR.glob("*.sql")):
        first, _, sql = path.read_text(encoding="utf-8").partition("\n")
        out.append((first.removeprefix("--").strip(), sql.strip()))
    return out


EXAMPLES: list[tuple[str, str]] = _examples()  # the console's examples menu


class TimedOut(Exception):
    pass


@dataclass
class Result:
    table: pa.Table
    truncated: bool
    seconds: float


def allowed_tables() -> set[str]:
    return {t.name for t in TABLES}


def _table_refs(node, found: list[dict]) -> None:
    """Every table reference in a serialized statement (FROM items, joins, subqueries anywhere)."""
    if isinstance(node, dict):
        if "alias" in node and "sample" in node and "modifiers" not in node and "class" not in node:
            found.append(node)
        for value in node.values():
            _table_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _table_refs(value, found)


def _cte_names(node, names: set[str]) -> None:
    if isinstance(node, dict):
        for entry in (node.get("cte_map") or {}).get("map", []) if isinstance(node.get("cte_map"), dict) else []:
            names.add(str(entry.get("key", "")).lower())
        for value in node.values():
            _cte_names(value, names)
    elif isinstance(node, list):
        for value in node:
            _cte_names(value, names)


def check(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refused unless `sql` is one SELECT over the dataset's tables."""
    if not sql.strip():
        raise Refused("请输入一条 SELECT 查询", "Enter one SELECT query")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refused(f"SQL 语法错误：{exc}", f"SQL syntax error: {exc}") from None
    if len(statements) != 1:
        raise Refused("一次只能运行一条语句", "Only one statement at a time")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind != "SELECT":
        raise Refused(f"只允许查询（SELECT），不允许 {kind}", f"Only SELECT is allowed, not {kind}")
    cur = con.cursor()
    try:
        tree = json.loads(cur.execute("SELECT json_serialize_sql($sql)", {"sql": sql}).fetchone()[0])
    finally:
        cur.close()
    if tree.get("error"):
        raise Refused(f"无法解析该查询：{tree.get('error_message', '')}", f"Cannot parse: {tree.get('error_message', '')}")
    nodes: list[dict] = []
    _table_refs(tree["statements"], nodes)
    ctes: set[str] = set()
    _cte_names(tree["statements"], ctes)
    tables = allowed_tables()
    for node in nodes:
        kind = node.get("type")
        if kind == "SHOW_REF":
            raise Refused("不支持 DESCRIBE/SHOW/SUMMARIZE：请看左侧的表结构", "DESCRIBE/SHOW/SUMMARIZE are not allowed")
        if kind == "TABLE_FUNCTION":
            name = str(node.get("function", {}).get("function_name", "")).lower()
            if name not in SAFE_TABLE_FUNCTIONS:
                raise Refused(f"不允许使用表函数 {name}()：只能查询数据集中的表",
                              f"Table function {name}() is not allowed: query the dataset's tables only")
        elif kind == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            catalog, schema = node.get("catalog_name", ""), node.get("schema_name", "")
            if catalog not in ("", "memory") or schema not in ("", "main"):
                raise Refused(f"不允许访问 {catalog}.{schema}.{name}", f"{catalog}.{schema}.{name} is not allowed")
            if name not in tables and name not in ctes:
                raise Refused(f"没有名为“{node.get('table_name')}”的数据表（只能查询：{'、'.join(sorted(tables))}）",
                              f"No table named '{node.get('table_name')}' (allowed: {', '.join(sorted(tables))})")
        elif kind not in ALLOWED_FROM:
            raise Refused(f"不支持的查询结构 {kind}", f"Unsupported query structure {kind}")


def run(con: duckdb.DuckDBPyConnection, sql: str, row_cap: int, time_limit: float) -> Result:
    """Check, then run on a fresh cursor; at most row_cap rows; interrupted after time_limit seconds."""
    check(con, sql)
    cur = con.cursor()
    box: dict = {}

    def work():
        try:
            box["table"] = cur.sql(sql).limit(row_cap + 1).to_arrow_table()
        except BaseException as exc:  # noqa: BLE001 — reported to the caller
            box["error"] = exc

    started = time.perf_counter()
    worker = threading.Thread(target=work, daemon=True, name="sql-console")
    worker.start()
    worker.join(time_limit)
    if worker.is_alive():
        cur.interrupt()
        worker.join(10)
        cur.close()
        raise TimedOut(f"查询超过 {time_limit:g} 秒，已停止 / stopped after {time_limit:g} s")
    elapsed = time.perf_counter() - started
    cur.close()
    if "error" in box:
        exc = box["error"]
        raise Refused(f"查询出错：{exc}", f"Query failed: {exc}") from None
    table = box["table"]
    return Result(table.slice(0, row_cap), table.num_rows > row_cap, elapsed)


def schema() -> list[dict]:
    """Tables and columns with types and Chinese labels, for the schema browser."""
    return [{"table": t.name, "table_zh": t.label, "column": c.name, "type": c.type, "zh": c.label,
             "values": ", ".join(f"{k}={c.enum.label(k)}" for k in c.enum.codes) if c.enum else ""}
            for t in TABLES for c in t.columns]
