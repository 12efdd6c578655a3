"""A large monthly ledger, as a clerk's office software writes it: time and peak memory of the import.

    .venv/bin/python -m bench.ledger_read --rows 50000 --out /tmp/ledger-bench
    .venv/bin/python -m bench.ledger_read --rows 8 --dataset /tmp/city2m --no-xls --out /tmp/ledger-8   # a city dataset

writes `点单服务台账.xlsx` (openpyxl) with a title row, a two-line header is *not* used (every reader
version must read it), 50,000 service orders on the demo's compounds, and, when LibreOffice is
installed, the same workbook saved by it as `.xls` (Excel 97–2003). Then, for each file, it runs
`python -m ingest FILE --dataset <a fresh copy of data/demo>` in a new process under `/usr/bin/time -v`
(`--repeat` times) and prints the median wall time and the peak RSS. Run it on two commits to compare.
`--dataset` imports into a copy of another dataset (e.g. a city-scale one from coopdash.synth.citygen; its
files are hard-linked, not copied: ingest never writes into a version it did not create).

`--job` measures instead what the 数据管理 page runs, in its two processes (`python -m ingest.job`): the review
with the before → after preview, then the publish, each under `/usr/bin/time -v`, and the disk the new version
adds (`du` of the versions together: a file linked from the version before counts once), split into the tables
and the rollups. `--code DIR` runs another checkout's ingest on the same ledger and dataset (before and after
side by side):

    .venv/bin/python -m bench.ledger_read --rows 1000 --dataset /tmp/c26-10m --no-xls --job --out /tmp/b26/1k
    .venv/bin/python -m bench.ledger_read --rows 1000 --dataset /tmp/city10m --no-xls --job --code /work/wt26-base \
        --out /tmp/b26/1k-before
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from coopdash import ROOT
from coopdash.data.contract import ORDER_CATEGORY, TABLES_BY_NAME

HEADERS = [c.zh for c in TABLES_BY_NAME["service_orders"].columns]


def write_ledger(path: Path, rows: int, seed: int = 7, dataset: Path = ROOT / "data/demo") -> Path:
    from openpyxl import Workbook
    compounds = pq.read_table(dataset / "compounds.parquet", columns=["compound_code"]).column(0).to_pylist()
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("点单服务")
    ws.append(["龙潭区共享物业社点单服务台账（2026年11月）"])
    ws.append(HEADERS)
    start = dt.datetime(2026, 11, 1, 8, 0)
    categories = [ORDER_CATEGORY.zh(c) for c in ORDER_CATEGORY.codes]
    for i in range(rows):
        sub = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 25))
        resolved = rng.random() < 0.8
        ws.append([f"B{i:07d}", rng.choice(compounds), rng.choice(categories), sub,
                   sub + dt.timedelta(hours=rng.randrange(1, 96)) if resolved else None,
                   "已解决" if resolved else "处理中", rng.randrange(3, 6) if resolved else None])
    wb.save(path)
    return path


def to_xls(xlsx: Path) -> Path | None:
    soffice = shutil.which("soffice")
    if not soffice:
        return None
    subprocess.run([soffice, "--headless", "--convert-to", "xls", "--outdir", str(xlsx.parent), str(xlsx)],
                   check=True, capture_output=True, timeout=600)
    return xlsx.with_suffix(".xls")


def _timed(args: list[str], code: Path, env: dict | None = None) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS in kB, exit code, stderr) of one command under /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *args], cwd=code, capture_output=True, text=True, env=env)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    h, m, s = (float(x or 0) for x in wall.groups())
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    return h * 3600 + m * 60 + s, rss, proc.returncode, proc.stderr


def _fresh(work: Path, source: Path) -> Path:
    dataset = work / "ds"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(source, dataset, copy_function=os.link)
    return dataset


def measure(ledger: Path, work: Path, source: Path = ROOT / "data/demo", code: Path = ROOT) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in kB, exit code) of one `python -m ingest` into a fresh copy of `source`."""
    dataset = _fresh(work, source)
    wall, rss, rc, _ = _timed([sys.executable, "-m", "ingest", str(ledger), "--dataset", str(dataset), "--today",
                               "2026-12-01"], code)
    return wall, rss, rc


def _du_kb(*paths: Path) -> list[int]:
    """kB of each path, `du` counting a file linked into an earlier path once (at the earlier one)."""
    out = subprocess.run(["du", "-sk", *map(str, paths)], capture_output=True, text=True, check=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()]


def measure_job(ledger: Path, work: Path, source: Path, code: Path = ROOT) -> dict:
    """The page's review (with the preview) and publish, each in its job process, into a fresh copy of `source`;
    and the kB the new version adds (all, its tables, its rollups)."""
    dataset = _fresh(work, source)
    env = {**os.environ, "COOP_INGEST_TODAY": "2026-12-01"}
    out = {}
    for kind in ("review", "publish"):
        folder = work / kind
        folder.mkdir()
        wall, rss, rc, err = _timed([sys.executable, "-m", "ingest.job", kind, str(folder), "--dataset", str(dataset),
                                     "--files", str(ledger), "--names", ledger.name], code, env)
        answer = (folder / f"{kind}.json").read_text(encoding="utf-8") if (folder / f"{kind}.json").exists() else err
        if rc != 0 or "refused" in answer:
            raise SystemExit(f"{kind} failed ({rc}): {answer[-2000:]}")
        out[kind] = (wall, rss)
    vdir = work / ".ds.versions"
    old, new = sorted(p for p in vdir.iterdir() if p.is_dir())[-2:]
    out["disk_kb"] = _du_kb(old, new)[1]
    out["tables_kb"] = _du_kb(old, *(p for p in new.iterdir() if p.name not in ("_rollups", "_ingest")))
    out["tables_kb"] = sum(out["tables_kb"][1:])
    out["rollups_kb"] = _du_kb(old, new / "_rollups")[1]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "coopdash-ledger-bench")
    ap.add_argument("--dataset", type=Path, default=ROOT / "data/demo", help="the dataset imported into (copied)")
    ap.add_argument("--no-xls", action="store_true", help="the .xlsx only")
    ap.add_argument("--job", action="store_true", help="the page's review (with preview) and publish jobs, and disk")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose ingest runs (default: this one)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    xlsx = args.out / "点单服务台账.xlsx"
    if not xlsx.exists():
        write_ledger(xlsx, args.rows, dataset=args.dataset)
    files = [xlsx]
    xls = xlsx.with_suffix(".xls")
    if not args.no_xls and (xls.exists() or to_xls(xlsx)):
        files.append(xls)
    if args.job:
        runs = [measure_job(xlsx, args.out / "work", args.dataset, args.code) for _ in range(args.repeat)]
        med = lambda f: statistics.median(f(r) for r in runs)  # noqa: E731
        print(f"{'':10s} {'wall s (median)':>16s} {'peak RSS MB':>12s}   runs (s)")
        for kind in ("review", "publish"):
            print(f"{kind:10s} {med(lambda r: r[kind][0]):16.2f} {med(lambda r: r[kind][1]) / 1024:12.0f}   "
                  + " ".join(f"{r[kind][0]:.1f}" for r in runs))
        print(f"disk added by the version: {med(lambda r: r['disk_kb']) / 1024:.1f} MB (tables "
              f"{med(lambda r: r['tables_kb']) / 1024:.1f} MB, rollups {med(lambda r: r['rollups_kb']) / 1024:.1f} MB)")
        return
    print(f"{'file':24s} {'wall s (median)':>16s} {'peak RSS MB':>12s} {'exit':>5s}")
    for f in files:
        runs = [measure(f, args.out / "work", args.dataset, args.code) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs) / 1024
        print(f"{f.name:24s} {wall:16.2f} {rss:12.0f} {runs[-1][2]:5d}")


if __name__ == "__main__":
    main()
