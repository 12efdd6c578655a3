"""Ledgers as community offices make them, saved by real office software (LibreOffice standing in for WPS
and Excel), for the fixture dataset of tests/fixture_data.py.

Each source is a printed form typed in, not our template: a merged title row, a 填报单位 line, two-line
and bilingual headers, a 序号 column, an instruction sheet before the data, numbers with their units,
Chinese dates and times, a compound merged down over its rows, totals rows, and a footer (填表人、联系电话、
审核人、填报日期, a merged 落款 line). `build` writes the sources with openpyxl; `convert` has LibreOffice
save each as .xlsx, .xls (Excel 97–2003) and, for single-sheet forms, CSV in GB18030 (Chinese Windows'
"ANSI") and UTF-8. The committed copies in tests/fixtures/ledgers/ are regenerated with

    .venv/bin/python -m tests.office_corpus tests/fixtures/ledgers

and tests/test_office_ledgers.py also converts the sources afresh when soffice is installed (./test.sh
installs Debian's libreoffice-calc-nogui).

EXPECTED holds, for each source, the rows that must land, worked out by hand from the forms below.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

T = dt.datetime
D = dt.date

FOOTER = [
    [],
    ["填表人：王红", None, "联系电话：13800001111", None, "审核人：李明"],
    ["填报日期：2024年2月1日"],
    ["一社区居民委员会（盖章）"],  # merged across the columns: the 落款 line
]


def _footer(ws, width: int) -> None:
    for row in FOOTER:
        ws.append(row)
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


def orders(path: Path) -> None:
    """点单服务: merged title, 填报单位 line, bilingual headers, 序号 (two numbered lines left empty), Chinese
    date-times, 合计, footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["一社区共享物业社点单服务台账（2024年1月）"])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：一社区", None, None, None, None, "填报月份：2024年1月"])
    ws.append(["序号", "工单编号 Order ID", "小区代码\nCompound code", "服务类别（Category）", "点单时间 Submitted at",
               "解决时间 Resolved at", "状态 Status", "满意度评分 Rating"])
    ws.append([1, "O20", "P1", "管道疏通", "2024年1月2日8时40分", "2024年1月2日下午3点半", "已解决", "５分"])
    ws.append([2, "O21", "P2", "楼道清扫", "2024-01-03 9点30分", None, "处理中", None])
    ws.append([3, "O22", "P4", "冬季清雪", T(2024, 1, 5, 7, 15), "2024/1/5 上午11:05", "已解决", 4])
    ws.append([4])  # the printed form's unused numbered lines
    ws.append([5])
    ws.append(["合计", "3件"])
    _footer(ws, 8)
    wb.save(path)


def repairs(path: Path) -> None:
    """修缮: a two-line header (group names merged across, names merged down), units typed after the number,
    full-width digits, a 小计 and a 合计 that add up, footer after a blank row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "修缮台账"
    ws.append(["修缮编号", "小区代码", "完成日期", "修缮内容", None])
    ws.append([None, None, None, "修缮类型", "数量"])
    for cells in ("A1:A2", "B1:B2", "C1:C2", "D1:E1"):
        ws.merge_cells(cells)
    ws.append(["R20", "P1", "2024年1月10日", "道路", "0.3公里"])
    ws.append(["R21", "P1", "2024.1.12", "楼宇门", "２"])
    ws.append(["小计", None, None, None, 2.3])
    ws.append(["R22", "P4", "2024/1/15", "排水管线", "1.5 km"])
    ws.append(["合计", None, None, None, "3.8"])
    _footer(ws, 5)
    wb.save(path)


def cleanups(path: Path) -> None:
    """垃圾清运 in a workbook whose first sheet is 填表说明 and whose data sheet is called Sheet2: tonnes typed
    "1.2吨", full-width "１．８", a cell formatted 0.0"吨"; a compound merged down over two rows; a date column
    with a time of day in it."""
    wb = Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["填表说明"])
    notes.append(["1. 每次清运填一行；重量以吨为单位。"])
    notes.append(["2. 垃圾类型填写：生活垃圾、建筑垃圾。"])
    ws = wb.create_sheet("Sheet2")
    ws.append(["清运编号", "小区代码", "清运日期", "垃圾类型", "重量（吨）"])
    ws.append(["L20", "P1", "2024-01-08", "生活垃圾", "1.2吨"])
    ws.append(["L21", None, "2024-01-10 14:30", "建筑垃圾", "１．８"])
    ws.merge_cells("B2:B3")
    ws.append(["L22", "P4", D(2024, 1, 11), "生活垃圾", 2.5])
    ws["E4"].number_format = '0.0"吨"'
    ws.append(["合计", None, None, None, 5.5])
    ws.append(["备注：建筑垃圾由社区统一联系清运车辆。"])
    wb.save(path)


def system_export(path: Path) -> None:
    """点单服务 as a business system exports it: ISO timestamps with fractions of a second and zones."""
    wb = Workbook()
    ws = wb.active
    ws.title = "export"
    ws.append(["order_id", "compound_code", "category", "submitted_at", "resolved_at", "status", "rating"])
    ws.append(["O30", "P5", "lighting", "2024-01-14 14:45:40.593", "2024-01-15T06:45:40Z", "resolved", ""])
    ws.append(["O31", "P5", "other", "2024-01-16T08:00:00+08:00", "", "accepted", ""])
    wb.save(path)


SOURCES = {  # file stem → (builder, also as CSV: single-sheet forms only)
    "一社区共享物业社点单服务台账（2024年1月）": (orders, True),
    "一社区2024年1月修缮台账": (repairs, True),
    "一社区2024年1月台账": (cleanups, False),
    "系统导出": (system_export, True),
}

EXPECTED: dict[str, tuple[str, list[dict]]] = {  # file stem → (table, rows that land)
    "一社区共享物业社点单服务台账（2024年1月）": ("service_orders", [
        dict(order_id="O20", compound_code="P1", category="pipe_unclog", submitted_at=T(2024, 1, 2, 8, 40),
             resolved_at=T(2024, 1, 2, 15, 30), status="resolved", rating=5),
        dict(order_id="O21", compound_code="P2", category="stair_cleaning", submitted_at=T(2024, 1, 3, 9, 30),
             resolved_at=None, status="in_progress", rating=None),
        dict(order_id="O22", compound_code="P4", category="snow_clearing", submitted_at=T(2024, 1, 5, 7, 15),
             resolved_at=T(2024, 1, 5, 11, 5), status="resolved", rating=4),
    ]),
    "一社区2024年1月修缮台账": ("repairs", [
        dict(repair_id="R20", compound_code="P1", done_on=D(2024, 1, 10), kind="road", quantity=0.3),
        dict(repair_id="R21", compound_code="P1", done_on=D(2024, 1, 12), kind="building_door", quantity=2.0),
        dict(repair_id="R22", compound_code="P4", done_on=D(2024, 1, 15), kind="drainage_pipe", quantity=1.5),
    ]),
    "一社区2024年1月台账": ("cleanups", [
        dict(cleanup_id="L20", compound_code="P1", done_on=D(2024, 1, 8), waste_type="household", tonnes=1.2),
        dict(cleanup_id="L21", compound_code="P1", done_on=D(2024, 1, 10), waste_type="construction", tonnes=1.8),
        dict(cleanup_id="L22", compound_code="P4", done_on=D(2024, 1, 11), waste_type="household", tonnes=2.5),
    ]),
    "系统导出": ("service_orders", [
        dict(order_id="O30", compound_code="P5", category="lighting", submitted_at=T(2024, 1, 14, 14, 45, 41),
             resolved_at=T(2024, 1, 15, 14, 45, 40), status="resolved", rating=None),
        dict(order_id="O31", compound_code="P5", category="other", submitted_at=T(2024, 1, 16, 8, 0),
             resolved_at=None, status="accepted", rating=None),
    ]),
}
CSV_GB18030 = "csv:Text - txt - csv (StarCalc):44,34,85"  # 85: GB18030, what Chinese Windows' Excel writes
CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"


def build(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for stem, (make, _) in SOURCES.items():
        path = folder / f"{stem}.xlsx"
        make(path)
        out.append(path)
    return out


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], out: Path) -> list[Path]:
    """Every source saved by LibreOffice as .xlsx, .xls and (single-sheet forms) GB18030 and UTF-8 CSV, in
    `out/xlsx`, `out/xls`, `out/csv-gb18030`, `out/csv-utf8`. One soffice run per format."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not installed (Debian: libreoffice-calc-nogui)")
    csv_sources = [s for s in sources if SOURCES[s.stem][1]]
    with tempfile.TemporaryDirectory() as profile:  # a private profile: parallel runs do not share a lock
        for target, folder, files in (("xlsx", "xlsx", sources), ("xls", "xls", sources),
                                      (CSV_GB18030, "csv-gb18030", csv_sources), (CSV_UTF8, "csv-utf8", csv_sources)):
            (out / folder).mkdir(parents=True, exist_ok=True)
            subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                            "--outdir", str(out / folder), *map(str, files)],
                           check=True, capture_output=True, timeout=300)
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "tests/fixtures/ledgers")
    with tempfile.TemporaryDirectory() as tmp:
        sources = build(Path(tmp) / "src")
        if out.exists():
            shutil.rmtree(out)
        for p in convert(sources, out):
            print(p)


if __name__ == "__main__":
    main(sys.argv[1:])
