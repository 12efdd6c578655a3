"""python -m ingest SOURCE... --dataset DIR   |   python -m ingest --rollback --dataset DIR

Reads ledgers (.xlsx, .xls, .ods / .csv), validates every row against the data contract, reports every
problem at once (file, sheet, Excel row, column, value, reason in Chinese and English), and only
if there is no error merges them into the dataset (insert or update by id) as a new version that
is swapped in atomically. Exit status: 0 success, 1 errors (dataset unchanged), 2 usage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from coopdash.data.contract import TABLES_BY_NAME
from coopdash.data.errors import ReadError, StoreError
from ingest import batch, store
from ingest.parse import ParsedSheet, Problem
from ingest.readers import collect
from ingest.report import REPORT_COLUMNS, SEVERITY_ZH, describe, report_csv  # noqa: F401 — re-exported


def summary_table(parsed: list[ParsedSheet], merge, problems: list[Problem]) -> str:
    lines = ["表 table              文件 file                      读取 read  新增 added  更新 updated  未变 same  错误 errors  警告 warnings"]
    for s in parsed:
        name = s.table.name
        errs = sum(p.severity == "error" and p.file == s.where.file and p.sheet == s.where.sheet for p in problems)
        warns = sum(p.severity == "warning" and p.file == s.where.file and p.sheet == s.where.sheet for p in problems)
        label = s.where.file + (f"[{s.where.sheet}]" if s.where.sheet else "")
        added = merge.added.get(name, "-") if merge else "-"
        updated = merge.updated.get(name, "-") if merge else "-"
        same = merge.unchanged.get(name, "-") if merge else "-"
        lines.append(f"{name:20s} {label[:30]:30s} {s.rows_read:9d} {added!s:>11} {updated!s:>13} {same!s:>10} "
                     f"{errs:11d} {warns:14d}")
    return "\n".join(lines)


def ingest(sources: list[Path], dataset: Path, today: dt.date, report: Path | None = None, out=None) -> int:
    out = out or sys.stdout
    try:
        files, skipped = collect(sources)
    except ReadError as exc:
        print(f"错误 error: {exc.zh} / {exc.en}", file=out)
        return 2
    if not files:
        for s in skipped:
            print(f"{'错误 error' if s.severity == 'error' else '警告 warning'}: {s.path}: {s.zh} / {s.en}", file=out)
        print("错误 error: 没有找到台账文件（.xlsx、.xls、.csv）/ no ledger files (.xlsx, .xls, .csv) found", file=out)
        return 2
    try:
        r = batch.review(files, dataset, today, skipped=skipped)
    except StoreError as exc:
        print(f"错误 error: {exc.zh} / {exc.en}", file=out)
        return 2

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for p in r.problems:
        print(describe(p), file=out)
    print(summary_table(r.parsed, None if r.errors else r.merge, r.problems), file=out)
    if r.errors:
        path = report or store.reports_dir(dataset) / f"ingest-{stamp}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(report_csv(r.problems))
        print(f"\n{len(r.errors)} 个错误，数据集未改动。报告：{path}\n"
              f"{len(r.errors)} errors; the dataset is unchanged. Report: {path}", file=out)
        return 1

    version = batch.publish(r, dataset, by="cli:" + getpass.getuser())
    if report:
        report.write_bytes(report_csv(r.problems))
    if version is None:
        print(f"\n{batch.NO_CHANGE[0]}：所有行与当前版本相同。\n{batch.NO_CHANGE[1].capitalize()}: every row is as in "
              "the current version.", file=out)
        return 0
    merge = r.merge
    changed = ", ".join(f"{TABLES_BY_NAME[n].zh} +{merge.added[n]} ~{merge.updated[n]}" for n in merge.tables)
    print(f"\n已导入，数据集版本 {version.name}：{changed}\nIngested as version {version.name}.", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="*", type=Path, help="台账文件或文件夹 / ledger files or folders")
    parser.add_argument("--dataset", type=Path, required=True, help="数据集文件夹 / dataset folder (COOP_DATA_DIR)")
    parser.add_argument("--rollback", action="store_true", help="回退到上一个版本 / restore the previous version")
    parser.add_argument("--report", type=Path, help="报告文件 / where to write the report CSV")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                        help=argparse.SUPPRESS)  # for tests: the day "future" is judged against
    args = parser.parse_args(argv)
    dataset = Path(args.dataset).absolute()
    if args.rollback:
        try:
            version = store.rollback(dataset)
        except StoreError as exc:
            print(f"错误 error: {exc.zh} / {exc.en}")
            return 1
        print(f"已回退到版本 {version.name} / rolled back to {version.name}")
        return 0
    if not args.sources:
        parser.error("需要至少一个台账文件或文件夹 / at least one SOURCE is needed")
    return ingest(args.sources, dataset, args.today, args.report)
