"""The SQL console's sandbox: analysts' statements run in worker processes, never in the server.

Each worker (`python -m coopdash.workbench.worker`, started by `Sandbox`) limits itself before it opens
anything: its address space (`RLIMIT_AS`: the console's DuckDB memory limit plus a fixed allowance for
Python, DuckDB and Arrow themselves) and its open files. Its DuckDB connection (`sandbox_connection`)
holds the contract views and nothing else: no rollups, macros or lookup tables, and it may read only the
contract tables' own files (`allowed_paths` / `allowed_directories`), so the version's `_ingest/` records,
the state folder and every other file are not there to be read. Before a statement runs, DuckDB's binder
decides what it reads (`console.check_plan`: the bound plan's scans and functions, CTEs and views
resolved by DuckDB itself). The server's side (`Sandbox.run`) waits at most the time limit, then kills
the worker (SIGKILL: nothing it holds can keep it alive) and starts another for the next statement; a
worker that dies (out of its address space) is reported the same way. Whatever happens, the caller
gets a `Result` or a bilingual `Refused` / `TimedOut`: never a half-closed cursor in the server.

Wire format, both ways: 4-byte big-endian length + a JSON header, then (answers with rows) 4-byte length
+ an Arrow IPC stream. No Streamlit here.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from coopdash import ROOT
from coopdash.data.contract import TABLES
from coopdash.data.errors import Refused
from coopdash.data.files import ident, table_location

BASE_ADDRESS_SPACE = 2 << 30  # what Python, DuckDB (one thread) and Arrow map before any data: ~1 GB, doubled
START_TIMEOUT = 60.0


class TimedOut(Exception):
    pass


def parse_size(text: str) -> int:
    """'1GB' → bytes (DuckDB's own units: KB, MB, GB, TB, by 1000s; KiB … by 1024s)."""
    value = text.strip().upper().replace(" ", "")
    units = {"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
             "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "B": 1}
    for unit, factor in units.items():
        if value.endswith(unit):
            return int(float(value[: -len(unit)]) * factor)
    return int(float(value))


def address_space(memory_limit: str) -> int:
    """The worker's RLIMIT_AS for a console memory limit."""
    return parse_size(memory_limit) + BASE_ADDRESS_SPACE


# ------------------------------------------------------------------------------------------ the worker
def sandbox_connection(folder: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A connection that can see the contract views and nothing else of the dataset."""
    folder = Path(folder).resolve()
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "allow_community_extensions": False, "threads": 1, "memory_limit": memory_limit,
    })
    files, dirs = [], []
    locations = {}
    for t in TABLES:
        where = table_location(folder, t.name)
        if where is None:
            raise Refused(f"数据集缺少数据表 {t.name}", f"the dataset is missing table {t.name}")
        locations[t.name] = where
        (files if where.is_file() else dirs).append(str(where) + ("" if where.is_file() else "/"))
    con.execute("SET allowed_paths = $p", {"p": files})
    con.execute("SET allowed_directories = $d", {"d": dirs})
    con.execute("SET enable_external_access = false")
    con.execute("SET python_enable_replacements = false")
    for t in TABLES:
        where = locations[t.name]
        source = (con.read_parquet(str(where)) if where.is_file() else
                  con.read_parquet(str(where / "**" / "*.parquet"), hive_partitioning=True, union_by_name=True))
        casts = ", ".join(f"CAST({ident(c.name)} AS {c.type}) AS {ident(c.name)}" for c in t.columns)
        source.project(casts).create_view(t.name)
    con.execute("SET lock_configuration = true")
    return con


def send(stream, header: dict, payload: bytes | None = None) -> None:
    data = json.dumps(header).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    if payload is not None:
        stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def _read_exact(stream, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def receive(stream) -> bytes:
    (n,) = struct.unpack(">I", _read_exact(stream, 4))
    return _read_exact(stream, n)


# ------------------------------------------------------------------------------------- the server's side
class _Worker:
    def __init__(self, memory_limit: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "coopdash.workbench.worker", memory_limit],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.answer: dict = {}

    def ask(self, header: dict | None, timeout: float) -> tuple[dict, bytes | None] | None:
        """Send `header` (None: only read an answer), wait at most `timeout` s; None when no answer came."""
        box: dict = {}

        def read():
            try:
                if header is not None:
                    data = json.dumps(header).encode("utf-8")
                    self.proc.stdin.write(struct.pack(">I", len(data)) + data)
                    self.proc.stdin.flush()
                answer = json.loads(receive(self.proc.stdout))
                payload = receive(self.proc.stdout) if answer.get("ok") else None
                box["answer"] = (answer, payload)
            except (EOFError, OSError, ValueError) as exc:
                box["dead"] = exc

        reader = threading.Thread(target=read, daemon=True, name="sql-sandbox-reader")
        reader.start()
        reader.join(timeout)
        if reader.is_alive():
            self.kill()
            reader.join(5)
            return None
        return box.get("answer")

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


class Sandbox:
    """At most `workers` statements at once, each in a worker process of its own (kept for the next
    statement unless it was killed or died)."""

    def __init__(self, workers: int, memory_limit: str):
        self.workers, self.memory_limit = workers, memory_limit
        self._idle: list[_Worker] = []
        self._busy = 0
        self._cond = threading.Condition()
        self.last_pid = 0

    def _take(self, wait: float) -> _Worker:
        with self._cond:
            if not self._cond.wait_for(lambda: self._busy < self.workers, wait):
                raise Refused("SQL 查询正忙（同时运行的查询已达上限），请稍后再试",
                              "the SQL console is busy (too many statements at once): try again shortly")
            self._busy += 1
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
        try:
            worker = _Worker(self.memory_limit)
            ready = worker.ask(None, START_TIMEOUT)
            if ready is None or not ready[0].get("ready"):
                worker.kill()
                raise Refused("SQL 查询的工作进程没有启动", "the SQL console's worker process did not start")
            return worker
        except BaseException:
            self._give(None)
            raise

    def _give(self, worker: _Worker | None) -> None:
        with self._cond:
            self._busy -= 1
            if worker is not None and worker.alive:
                self._idle.append(worker)
            self._cond.notify()

    def run(self, folder: Path, fingerprint: str, sql: str, row_cap: int, time_limit: float
            ) -> tuple[pa.Table, bool, float]:
        """(rows, truncated, seconds), or Refused / TimedOut."""
        worker = self._take(time_limit)
        self.last_pid = worker.proc.pid
        started = time.perf_counter()
        try:
            answer = worker.ask({"folder": str(folder), "fingerprint": fingerprint, "sql": sql,
                                 "row_cap": row_cap}, time_limit)
        except BaseException:
            worker.kill()
            self._give(None)
            raise
        if answer is None:
            alive = False
            worker.kill()  # killed at the deadline already, or dead: reaped
            self._give(None)
            if time.perf_counter() - started >= time_limit:
                raise TimedOut(f"查询超过 {time_limit:g} 秒，已停止 / stopped after {time_limit:g} s")
        else:
            alive = worker.alive
            self._give(worker if alive else None)
        if answer is None or not alive and not answer[0].get("ok"):
            raise Refused("查询超出内存限制，工作进程已停止", "the query ran out of its memory limit: its worker was stopped")
        header, payload = answer
        if not header.get("ok"):
            raise Refused(header["zh"], header["en"])
        table = pa.ipc.open_stream(payload).read_all()
        return table, bool(header["truncated"]), float(header["seconds"])

    def close(self) -> None:
        with self._cond:
            for worker in self._idle:
                worker.kill()
            self._idle.clear()


_sandboxes: dict[tuple[int, str], Sandbox] = {}
_lock = threading.Lock()


def shared(workers: int, memory_limit: str) -> Sandbox:
    """This process's sandbox for these limits."""
    with _lock:
        box = _sandboxes.get((workers, memory_limit))
        if box is None:
            box = _sandboxes[(workers, memory_limit)] = Sandbox(workers, memory_limit)
        return box
