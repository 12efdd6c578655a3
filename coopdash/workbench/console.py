"""The analysts' SQL console: one SELECT over the dataset's tables, checked, limited and stopped on time.

Defence in depth:
1. Statement check (DuckDB's own parser): exactly one statement, of type SELECT (WITH … SELECT and
   FROM-first included); every table it reads is a dataset table or view, or one of its own CTEs;
   no table function but a few that read nothing (range, generate_series, unnest); no DESCRIBE/SHOW.
   That refuses read_csv/read_parquet/glob/query(), file paths and URLs as table names, scans of
   Python objects, COPY/EXPORT/ATTACH/INSTALL/LOAD/SET/PRAGMA/RESET/CREATE/INSERT/UPDATE/DELETE/DROP.
2. The worker's connection is locked down: file access only to the contract tables' files,
   configuration locked, no extension autoload, no Python replacement scans; its own memory limit.
3. DuckDB's binder (`check_plan`): the statement is bound on a twin connection whose only tables are
   empty copies of the contract views; every table it reads must resolve to one of them (CTE scopes,
   subqueries and catalog views resolved by DuckDB, not by a scan of names), and no function may read
   the settings or the catalog.
4. It runs in a worker process (coopdash/workbench/sandbox.py) whose connection holds the contract
   views and may read their files only, with an address-space limit set by the operating system, and
   is killed at the time limit; a row cap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from coopdash.data.contract import TABLES
from coopdash.data.errors import Refused
from coopdash.data.files import ident
from coopdash.data.settings import settings

SAFE_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
# scalar functions that read the connection's settings, variables or catalog (the sandbox holds nothing
# secret, but the settings name the dataset's folder)
DENIED_FUNCTIONS = {"current_setting", "getvariable", "current_schemas", "current_database", "current_catalog",
                    "current_schema", "which_secret", "sql_auto_complete", "query", "query_table"}
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


def shadow(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection for DuckDB's binder alone: each contract table as an empty table of the same columns
    and types as `con`'s view, and nothing else (no files, no settings worth reading)."""
    twin = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False, "threads": 1})
    for t in TABLES:
        columns = con.execute(f"DESCRIBE {ident(t.name)}").fetchall()
        twin.execute(f"CREATE TABLE {ident(t.name)} ("
                     + ", ".join(f"{ident(name)} {kind}" for name, kind, *_ in columns) + ")")
    twin.execute("SET enable_external_access = false")
    twin.execute("SET lock_configuration = true")
    return twin


def _bound(node, gets: list[tuple[str, ...]], functions: list[tuple[str, ...]]) -> None:
    if isinstance(node, dict):
        if "qname" in node:
            path = tuple(str(p).lower() for p in node["qname"].get("path", []))
            if node.get("type") == "LOGICAL_GET":
                qualified = (node.get("function_data") or {}).get("qualified_name", {}).get("path")
                gets.append(tuple(str(p).lower() for p in qualified) if qualified else path)
            else:
                functions.append(path)
        for value in node.values():
            _bound(value, gets, functions)
    elif isinstance(node, list):
        for value in node:
            _bound(value, gets, functions)


def check_plan(twin: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refused unless DuckDB's binder, on `twin` (see `shadow`), resolves every table the statement
    reads to a contract table (CTEs, subqueries and views resolved by DuckDB itself, each in its own
    scope) or to range / generate_series / unnest, and it calls no function that reads the settings,
    variables or catalog."""
    tree = json.loads(twin.execute("SELECT json_serialize_plan($sql)", {"sql": sql}).fetchone()[0])
    if tree.get("error"):
        message = tree.get("error_message", "")
        raise Refused(f"无法执行该查询：{message}", f"Cannot run this query: {message}")
    gets: list[tuple[str, ...]] = []
    functions: list[tuple[str, ...]] = []
    _bound(tree.get("plans", []), gets, functions)
    tables = allowed_tables()
    for path in gets:
        if path[:2] == ("memory", "main") and len(path) == 3 and path[2] in tables:
            continue
        if path[-1] in SAFE_TABLE_FUNCTIONS and path[:-1] in ((), ("system", "main")):
            continue
        name = ".".join(path)
        raise Refused(f"不允许读取 {name}：只能查询数据集中的表（{'、'.join(sorted(tables))}）",
                      f"{name} may not be read: query the dataset's tables only ({', '.join(sorted(tables))})")
    for path in functions:
        name = path[-1] if path else ""
        if name in DENIED_FUNCTIONS or name.startswith(("duckdb_", "pragma_")):
            raise Refused(f"不允许使用函数 {name}()", f"Function {name}() is not allowed")


def run(dataset: tuple[str, str], sql: str, row_cap: int, time_limit: float,
        memory_limit: str | None = None, workers: int | None = None) -> Result:
    """Run one statement on the dataset version `dataset` = (folder, fingerprint) in a worker process of
    the sandbox (coopdash/workbench/sandbox.py): checked there, at most row_cap rows, killed after
    time_limit seconds. Refused (why, in both languages) or TimedOut, never an error of the server's."""
    from coopdash.workbench import sandbox
    cfg = settings()
    box = sandbox.shared(workers or cfg.console_workers, memory_limit or cfg.console_memory_limit)
    try:
        return Result(*box.run(Path(dataset[0]), dataset[1], sql, row_cap, time_limit))
    except sandbox.TimedOut as exc:
        raise TimedOut(str(exc)) from None


def schema() -> list[dict]:
    """Tables and columns with types and Chinese labels, for the schema browser."""
    return [{"table": t.name, "table_zh": t.label, "column": c.name, "type": c.type, "zh": c.label,
             "values": ", ".join(f"{k}={c.enum.label(k)}" for k in c.enum.codes) if c.enum else ""}
            for t in TABLES for c in t.columns]
