"""A review or a publish in a process of its own, with its own memory limit.

    python -m ingest.job review  BATCH --dataset DIR --files F1 F2 … --names N1 N2 … [--memory-mb M]
    python -m ingest.job publish BATCH --dataset DIR --files … --names … --base VERSION --by WHO [--memory-mb M]

The 数据管理 page (coopdash/app/data_office.py) runs every review and publish here instead of in the
serving process: a city-scale batch holds gigabytes while it merges, and that memory belongs to a process
that ends with the job, capped by the operating system (`RLIMIT_AS`, `[upload] job_memory_mb`), not to the
process that serves every leader. BATCH is the staged upload folder (ingest/uploads.py); the job reads the
staged files `--files` (`--names`: the names the user gave them), reports its phase in
`BATCH/status.json` while it works (the page shows it), and writes its answer to `BATCH/<kind>.json`, whole
(a temporary file renamed). A publish reviews the same files again against the version the page reviewed
(`--base`) and is refused if the dataset has moved on, as `batch.publish` always does; while it runs,
`.<dataset>.publishing` says who is publishing, so a second clerk's page says "正在发布…" instead of racing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from coopdash import ROOT
from coopdash.data.errors import CoopError, StoreError
from ingest.parse import Problem

STATUS = "status.json"
PHASES = {"reading": ("正在读取台账", "reading the ledgers"), "checking": ("正在校验与合并", "checking and merging"),
          "preview": ("正在计算发布前后的数字", "working out the figures before and after"),
          "writing": ("正在写入新版本", "writing the new version"), "done": ("完成", "done")}
STALL_SECONDS = 120  # a job that uses no CPU this long is stopped (wait): a review or publish is never idle
OUT_OF_MEMORY = ("审核或发布所需内存超过上限（[upload] job_memory_mb）：请分批上传，或请管理员调高上限",
                 "the review or publish needed more memory than its limit ([upload] job_memory_mb): upload the ledgers "
                 "in smaller batches, or ask the administrator to raise the limit")


@dataclass
class Summary:
    """What the page needs of a review, without the merged tables: the problems, the rows each table gains,
    changes or keeps, the version reviewed against, and the before → after figures."""
    base: str | None
    files: list[str]
    names: list[str]
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, list[int]] = field(default_factory=dict)  # table → [added, updated, unchanged]
    merged: bool = False  # the batch was read and merged (no file unreadable)
    streets: list[str] = field(default_factory=list)
    impact: list[dict] | None = None
    pid: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.merged and not self.errors

    @property
    def changes(self) -> int:
        return sum(added + updated for added, updated, _ in self.tables.values())

    def sorted_problems(self) -> list[Problem]:
        from ingest.batch import SEVERITY_ORDER
        return sorted(self.problems, key=lambda p: (SEVERITY_ORDER[p.severity], p.file, p.sheet, p.row or 0))

    def to_json(self) -> dict:
        return {**asdict(self), "problems": [asdict(p) for p in self.problems]}

    @classmethod
    def from_json(cls, d: dict) -> Summary:
        return cls(**{**d, "problems": [Problem(**p) for p in d["problems"]]})


def marker(dataset: Path) -> Path:
    return Path(dataset).parent / f".{Path(dataset).name}.publishing"


def publishing(dataset: Path) -> dict | None:
    """Who is publishing into `dataset` now ({'by', 'at', 'pid'}), or None (a marker whose process is gone
    is stale and ignored)."""
    try:
        info = json.loads(marker(dataset).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return info


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(path)


def _status(folder: Path, phase: str) -> None:
    _write_json(folder / STATUS, {"phase": phase, "zh": PHASES[phase][0], "en": PHASES[phase][1],
                                  "at": time.time(), "pid": os.getpid()})


def _review(folder: Path, dataset: Path, files: list[Path], names: list[str], with_preview: bool):
    from ingest import batch, preview
    _status(folder, "reading")
    r = batch.review(files, dataset, batch.today(), names=names or None, progress=lambda: _status(folder, "checking"))
    summary = Summary(r.base, [str(f) for f in r.files], r.names, list(r.problems),
                      {n: [r.merge.added[n], r.merge.updated[n], r.merge.unchanged[n]]
                       for n in (r.merge.tables if r.merge else {})}, merged=r.merge is not None, pid=os.getpid())
    if with_preview and r.ok:
        _status(folder, "preview")
        streets, impact = preview.before_after(r, dataset, folder / "preview")
        summary.streets, summary.impact = streets, impact.to_dict("records")
    return r, summary


def _for_memory(exc: BaseException | None) -> bool:
    """Whether `exc` or what caused it is an allocation that failed (Python's MemoryError, DuckDB's
    OutOfMemoryException)."""
    while exc is not None:
        if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def run(kind: str, folder: Path, dataset: Path, files: list[Path], names: list[str], base: str | None = None,
        by: str = "") -> dict:
    """The job itself (in this process): its answer, also written to FOLDER/<kind>.json."""
    from ingest import batch
    try:
        if kind == "review":
            _, summary = _review(folder, dataset, files, names, with_preview=True)
            answer = {"review": summary.to_json()}
        else:
            mark = marker(dataset)
            _write_json(mark, {"by": by, "at": dt.datetime.now().isoformat(timespec="seconds"), "pid": os.getpid()})
            try:
                r, _ = _review(folder, dataset, files, names, with_preview=False)
                if r.base != base:
                    raise StoreError("审核之后数据集已有新版本（其他管理员已发布或回退），请重新审核",
                                     "the dataset changed since your review (someone published or rolled back): "
                                     "review again")
                _status(folder, "writing")
                version = batch.publish(r, dataset, by=by, sources=[str(p) for p in r.files])
                answer = {"version": version.name if version else None}
            finally:
                mark.unlink(missing_ok=True)
    except CoopError as exc:  # a query that failed for memory is the limit's refusal, not DuckDB's own words
        answer = {"refused": dict(zip(("zh", "en"), OUT_OF_MEMORY)) if _for_memory(exc) else {"zh": exc.zh,
                                                                                              "en": exc.en}}
    except MemoryError:
        answer = {"refused": dict(zip(("zh", "en"), OUT_OF_MEMORY))}
    _status(folder, "done")
    _write_json(folder / f"{kind}.json", answer)
    return answer


def start(kind: str, folder: Path, dataset: Path, files: list[Path], names: list[str], memory_mb: int,
          base: str | None = None, by: str = "") -> subprocess.Popen:
    """The job as a new process (same interpreter, same environment)."""
    for stale in (folder / STATUS, folder / f"{kind}.json"):
        stale.unlink(missing_ok=True)
    args = [sys.executable, "-X", "faulthandler", "-m", "ingest.job", kind, str(folder), "--dataset", str(dataset),
            "--memory-mb", str(memory_mb), "--files", *map(str, files), "--names", *names]
    if base is not None:
        args += ["--base", base]
    if by:
        args += ["--by", by]
    # Two glibc malloc arenas, as the server has (coopdash/app/heap.py): each further arena reserves 64 MB of
    # address space, which RLIMIT_AS counts. A review of three rows reached 2.6 GB of address space (26 threads)
    # for 0.2 GB resident; with two arenas 1.7 GB.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    with open(folder / f".{kind}.log", "wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log)


def _cpu_ticks(pid: int) -> int | None:
    """The process's CPU time so far (all its threads, in clock ticks), or None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def wait(proc: subprocess.Popen, kind: str, folder: Path, on_status=None, poll: float = 0.25,
         stall: float = STALL_SECONDS) -> dict:
    """The job's answer once it ends; `on_status(status)` each time its phase changes. A job that ends without
    an answer (killed by the memory limit, or crashed) is a refusal that says so; so is a job that has used no
    CPU for `stall` seconds: at its address-space limit a library can wait forever for a thread it could not
    start (pyarrow's scanner did, at 600 MB), and the page must not wait with it."""
    seen = None
    ticks, since = None, time.monotonic()
    while True:
        done = proc.poll() is not None
        now_ticks = None if done else _cpu_ticks(proc.pid)
        if now_ticks is not None and now_ticks != ticks:
            ticks, since = now_ticks, time.monotonic()
        elif not done and now_ticks is not None and time.monotonic() - since > stall:
            proc.kill()
            proc.wait()
            return {"refused": {"zh": f"审核或发布的进程 {stall:.0f} 秒没有进展（多半是内存达到上限），已停止，数据集未改动；"
                                      "请分批上传，或请管理员调高上限（[upload] job_memory_mb）",
                                "en": f"the review or publish made no progress for {stall:.0f} s (most likely at its "
                                      "memory limit) and was stopped; the dataset is unchanged: upload the ledgers in "
                                      "smaller batches, or ask the administrator to raise the limit "
                                      "([upload] job_memory_mb)"}}
        try:
            status = json.loads((folder / STATUS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = None
        if status and status.get("phase") != seen and on_status is not None:
            seen = status.get("phase")
            on_status(status)
        if done:
            break
        time.sleep(poll)
    try:
        return json.loads((folder / f"{kind}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log = (folder / f".{kind}.log").read_text(encoding="utf-8", errors="replace")
        if ran_out_of_memory(log, proc.returncode):
            return {"refused": dict(zip(("zh", "en"), OUT_OF_MEMORY))}
        return {"refused": {"zh": f"审核或发布的进程意外结束（退出码 {proc.returncode}），数据集未改动",
                            "en": f"the review or publish process ended unexpectedly (exit {proc.returncode}); "
                                  "the dataset is unchanged"}}


# How running out of the address space shows in a job's log, wherever the limit is met: Python (MemoryError),
# DuckDB ("Out of Memory Error"), OpenBLAS ("Memory allocation still failed"), the C library ("Cannot allocate
# memory"), C++ (std::bad_alloc), or the dynamic loader while importing an extension module ("failed to map
# segment from shared object"), or a thread that could not get its stack (Python's "can't start new thread",
# Arrow's "Failed to launch worker thread"): which one depends on how much the machine's libraries map before
# the job starts.
_OUT_OF_MEMORY_SIGNS = ("memory", "bad_alloc", "failed to map segment", "can't start new thread",
                        "failed to launch worker thread")
# Or by a signal: killed (SIGKILL, the kernel's OOM killer), or a library that used an allocation it could not
# get (SIGSEGV: DuckDB opening a connection between 650 and 1,200 MB; SIGBUS, SIGABRT). The job runs with
# faulthandler on, so its log shows where.
_OUT_OF_MEMORY_SIGNALS = (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, 128 + signal.SIGKILL)


def ran_out_of_memory(log: str, returncode: int | None) -> bool:
    """Whether a job that ended without an answer died at its memory limit."""
    text = log.lower()
    return returncode in _OUT_OF_MEMORY_SIGNALS or any(sign in text for sign in _OUT_OF_MEMORY_SIGNS)


def main(argv: list[str] | None = None) -> int:
    import resource

    ap = argparse.ArgumentParser(prog="python -m ingest.job", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("review", "publish"))
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--files", nargs="+", type=Path, required=True)
    ap.add_argument("--names", nargs="*", default=[])
    ap.add_argument("--base")
    ap.add_argument("--by", default="")
    ap.add_argument("--memory-mb", type=int, default=0)
    args = ap.parse_args(argv)
    if args.memory_mb:
        limit = args.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    run(args.kind, args.folder, args.dataset, args.files, args.names, args.base, args.by)
    return 0


if __name__ == "__main__":
    sys.exit(main())
