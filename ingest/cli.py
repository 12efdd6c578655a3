"""python -m ingest SOURCE... --dataset DIR   |   python -m ingest --rollback --dataset DIR

Reads ledgers (.xlsx / .csv), validates every row against the data contract, reports every
problem at once (file, sheet, Excel row, column, value, reason in Chinese and English), and only
if there is no error merges them into the dataset (insert or update by id) as a new version that
is swapped in atomically. Exit status: 0 success, 1 errors (dataset unchanged), 2 usage.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from dataclasses import asdict
from pathlib import Path

from coopdash.data.contract import TABLES_BY_NAME
from coopdash.data.errors import ReadError, StoreError
from ingest import store
from ingest.parse import ParsedSheet, Problem, Where, parse_sheet
from ingest.readers import collect, read
from ingest.validate import check_and_merge

REPORT_COLUMNS = [("severity", "级别"), ("file", "文件"), ("sheet", "工作表"), ("row", "行"), ("column", "列"),
                  ("value", "值"), ("zh", "问题"), ("en", "problem")]
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def report_csv(problems: list[Problem]) -> bytes:
    """The problems as CSV, UTF-8 with BOM so Excel shows the Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"{zh} {en}" for en, zh in REPORT_COLUMNS])
    for p in problems:
        d = asdict(p)
        d["severity"] = f"{SEVERITY_ZH[p.severity]} {p.severity}"
        w.writerow(["" if d[k] is None else d[k] for k, _ in REPORT_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def describe(p: Problem) -> str:
    where = p.file + (f" [{p.sheet}]" if p.sheet else "") + (f" 第{p.row}行 row {p.row}" if p.row else "")
    col = f" 列 column「{p.column}」" if p.column else ""
    val = f" 值 value「{p.value}」" if p.value else ""
    return f"{SEVERITY_ZH[p.severity]} {p.severity}: {where}{col}{val}: {p.zh} / {p.en}"


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
    problems: list[Problem] = []
    parsed: list[ParsedSheet] = []
    try:
        files = collect(sources)
    except ReadError as exc:
        print(f"错误 error: {exc.zh} / {exc.en}", file=out)
        return 2
    if not files:
        print("错误 error: 没有找到 .xlsx 或 .csv 文件 / no .xlsx or .csv files found", file=out)
        return 2
    for f in files:
        try:
            sheets = read(f)
        except ReadError as exc:
            problems.append(Where(f.name, "").problem("error", exc.zh, exc.en))
            continue
        for sheet in sheets:
            result = parse_sheet(sheet, problems)
            if result is not None:
                parsed.append(result)

    base = store.current(dataset)
    if base is None and dataset.exists():
        print(f"错误 error: {dataset} 不是文件夹 / is not a folder", file=out)
        return 2
    existing = store.read_tables(base)
    merge = check_and_merge(parsed, existing, today, problems) if parsed else None
    errors = [p for p in problems if p.severity == "error"]
    if not errors and not any(s.rows for s in parsed):
        problems.append(Where(", ".join(f.name for f in files), "").problem(
            "error", "没有可导入的数据行", "no data rows to import"))
        errors = problems[-1:]

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for p in problems:
        print(describe(p), file=out)
    print(summary_table(parsed, None if errors else merge, problems), file=out)
    if errors:
        path = report or store.reports_dir(dataset) / f"ingest-{stamp}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(report_csv(problems))
        print(f"\n{len(errors)} 个错误，数据集未改动。报告：{path}\n"
              f"{len(errors)} errors; the dataset is unchanged. Report: {path}", file=out)
        return 1

    store.adopt_plain_folder(dataset)
    summary = {
        "ingested_at": dt.datetime.now().isoformat(timespec="seconds"),
        "sources": [str(f) for f in files],
        "tables": {name: {"added": merge.added[name], "updated": merge.updated[name],
                          "unchanged": merge.unchanged[name], "rows": merge.tables[name].num_rows}
                   for name in merge.tables},
        "warnings": sum(p.severity == "warning" for p in problems),
        "dropped_personal_columns": sorted({p.column for p in problems if p.severity == "info"}),
    }
    version = store.write_version(dataset, merge.tables, summary, report_csv(problems))
    summary["version"] = version.name
    store.point_to(dataset, version)
    if report:
        report.write_bytes(report_csv(problems))
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
