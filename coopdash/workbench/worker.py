"""python -m coopdash.workbench.worker MEMORY_LIMIT: one SQL console worker process (started by
coopdash/workbench/sandbox.py; reads statements on stdin, answers on stdout). It limits its own address
space before it opens anything, then answers statement after statement until its stdin closes, or it is
killed at a statement's time limit."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from coopdash.data.errors import Refused
from coopdash.workbench import console, sandbox


def sandbox_limit(memory_limit: str) -> str:
    return f"DuckDB {memory_limit}, {sandbox.address_space(memory_limit) / 2**30:.1f} GiB address space"


def main() -> None:
    import resource

    memory_limit = sys.argv[1]
    limit = sandbox.address_space(memory_limit)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    sys.stdout = sys.stderr  # nothing else may write on the answer channel
    connections: dict[tuple[str, str], tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]] = {}
    sandbox.send(out, {"ready": True, "pid": os.getpid()})
    while True:
        try:
            request = json.loads(sandbox.receive(inp))
        except EOFError:
            return
        started = time.perf_counter()
        try:
            key = (request["folder"], request["fingerprint"])
            pair = connections.get(key)
            if pair is None:
                connections.clear()
                con = sandbox.sandbox_connection(Path(request["folder"]), memory_limit)
                pair = connections[key] = (con, console.shadow(con))
            con, twin = pair
            console.check(twin, request["sql"])
            console.check_plan(twin, request["sql"])
            cap = int(request["row_cap"])
            table = con.sql(request["sql"]).limit(cap + 1).to_arrow_table()
            truncated = table.num_rows > cap
            table = table.slice(0, cap)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            sandbox.send(out, {"ok": True, "truncated": truncated, "seconds": time.perf_counter() - started},
                         sink.getvalue().to_pybytes())
        except Refused as exc:
            sandbox.send(out, {"ok": False, "zh": exc.zh, "en": exc.en})
        except (MemoryError, duckdb.OutOfMemoryException) as exc:
            sandbox.send(out, {"ok": False, "zh": f"查询超出内存限制（{sandbox_limit(memory_limit)}），已停止：{exc}",
                               "en": f"the query ran out of its memory limit ({sandbox_limit(memory_limit)}): {exc}"})
        except Exception as exc:  # noqa: BLE001 — DuckDB's own errors, reported as they are
            sandbox.send(out, {"ok": False, "zh": f"查询出错：{exc}", "en": f"Query failed: {exc}"})


if __name__ == "__main__":
    main()
