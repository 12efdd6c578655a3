"""The validation report: every problem of a batch as CSV (Excel shows the Chinese) and as one line."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from coopdash.data.spreadsheet import neutralise
from ingest.parse import Problem

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
        w.writerow(["" if d[k] is None else neutralise(d[k]) for k, _ in REPORT_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def describe(p: Problem) -> str:
    where = p.file + (f" [{p.sheet}]" if p.sheet else "") + (f" 第{p.row}行 row {p.row}" if p.row else "")
    col = f" 列 column「{p.column}」" if p.column else ""
    val = f" 值 value「{p.value}」" if p.value else ""
    return f"{SEVERITY_ZH[p.severity]} {p.severity}: {where}{col}{val}: {p.zh} / {p.en}"
