"""The ledger templates: `python -m ingest.templates [--out data/templates]`.

One .xlsx per contract table: a sheet named with the table's Chinese name whose first row holds the
Chinese column headers, and a 填写说明 (instructions) sheet listing every column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile
from pathlib import Path

from coopdash import ROOT
from coopdash.data.contract import TABLES, Table

TEMPLATES_DIR = ROOT / "data" / "templates"
TYPE_ZH = {"VARCHAR": "文字", "DOUBLE": "数字", "INTEGER": "整数", "BOOLEAN": "是/否",
           "DATE": "日期，如 2023-05-01、2023/5/1、2023年5月1日", "TIMESTAMP": "日期和时间，如 2023-05-01 14:30"}
GENERAL = [
    "每行一条记录；第一行是列名，请勿修改列名、勿合并单元格、勿添加合计行或空行。",
    "One record per row; row 1 holds the column names. Do not rename columns, merge cells, or add totals or blank rows.",
    "可填列名为中文（如本模板）或英文字段名；取值可填中文（如“管道疏通”）或英文代码（pipe_unclog）。",
    "Headers may be Chinese (as here) or the English field names; values may be Chinese labels or the English codes.",
    "请勿填写姓名、电话、身份证号、住址等个人信息：这类列在导入时会被删除。",
    "Never enter names, phone numbers, ID numbers or addresses: such columns are dropped on import.",
    "编号相同的记录在再次导入时会被更新（如把“处理中”改为“已解决”）。",
    "Importing a record whose id already exists updates it (e.g. in progress → resolved).",
    "也可另存为 CSV（UTF-8 或 GBK 编码均可）。 Saving as CSV (UTF-8 or GBK) works too.",
]


def values_text(c) -> str:
    if c.enum:
        return "；".join(f"{zh}（{code}）" for code, (zh, _) in c.enum.values.items())
    return TYPE_ZH[c.type]


def build(table: Table):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = table.zh[:31]
    ws.append([c.zh for c in table.columns])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    for i, c in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[cell.column_letter].width = max(12, 2 * len(c.zh) + 4)
        # column-wide formats (no pre-formatted empty rows): dates as dates, codes as text (leading zeros)
        if c.type in ("DATE", "TIMESTAMP"):
            ws.column_dimensions[cell.column_letter].number_format = \
                "yyyy-mm-dd" if c.type == "DATE" else "yyyy-mm-dd hh:mm"
        elif c.type == "VARCHAR":
            ws.column_dimensions[cell.column_letter].number_format = "@"
    ws.freeze_panes = "A2"

    info = wb.create_sheet("填写说明")
    info.append([f"{table.zh}（{table.name}）填写说明"])
    info["A1"].font = Font(bold=True, size=14)
    for line in GENERAL:
        info.append([line])
    info.append([])
    info.append(["列名", "English", "必填", "类型与可填的值", "说明"])
    for cell in info[info.max_row]:
        cell.font, cell.fill = bold, fill
    for c in table.columns:
        info.append([c.zh, c.name, "否" if c.nullable else "是", values_text(c), c.note])
    for col, width in zip("ABCDE", (16, 18, 6, 60, 40)):
        info.column_dimensions[col].width = width
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    fixed = dt.datetime(2023, 4, 1)
    wb.properties.created = wb.properties.modified = fixed
    return wb


def write_all(out: Path = TEMPLATES_DIR) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in TABLES:
        path = out / f"{t.name}.xlsx"
        build(t).save(path)
        paths.append(path)
    return paths



def templates_zip() -> bytes:
    """Every ledger template (.xlsx) and the ingest guide, zipped (the 数据管理 page's download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(TEMPLATES_DIR.glob("*.xlsx")):
            z.write(path, f"台账模板/{path.name}")
        z.write(ROOT / "docs" / "ingest.md", "台账模板/导入说明 ingest.md")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成台账模板 / write the ledger templates")
    parser.add_argument("--out", type=Path, default=TEMPLATES_DIR)
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
