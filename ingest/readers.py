"""Reading ledgers: .csv (UTF-8, UTF-8 with BOM, GB18030/GBK) and .xlsx sheets, as raw cells.

Nothing is interpreted here beyond finding the rows: every cell keeps the value the spreadsheet
holds, with the row number the user sees in Excel.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from coopdash.data.errors import ReadError

SUPPORTED = (".csv", ".xlsx")
PROGRESS_EVERY = 50_000  # rows; a progress line on large inputs


@dataclass
class Sheet:
    file: Path
    sheet: str  # "" for CSV
    rows: list[tuple[int, list]]  # (row number as in Excel, cell values)
    merged: list[str] = field(default_factory=list)  # merged ranges, e.g. "A1:B1"
    merged_rows: dict[int, list[str]] = field(default_factory=dict)  # first row of a range → ranges
    encoding: str = ""


def collect(sources: list[Path]) -> list[Path]:
    """The ledger files named by the arguments: files, or folders searched recursively."""
    files: list[Path] = []
    for src in sources:
        if src.is_dir():
            files += sorted(p for p in src.rglob("*") if p.suffix.lower() in SUPPORTED
                            and not p.name.startswith(("~$", ".")))
        elif src.is_file():
            files.append(src)
        else:
            raise ReadError(f"找不到文件或文件夹：{src}", f"No such file or folder: {src}")
    return files


def _progress(file: Path, count: int) -> None:
    if count % PROGRESS_EVERY == 0:
        print(f"  读取 / reading {file.name}: {count:,} 行 / rows …", file=sys.stderr, flush=True)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding found: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError("文件是 UTF-16 编码：请另存为 UTF-8 或 GBK 编码的 CSV",
                        "The file is UTF-16: save it as UTF-8 or GBK CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError("无法识别文件编码（应为 UTF-8 或 GBK/GB18030）",
                        f"Unknown text encoding (expected UTF-8 or GBK/GB18030): {exc}") from exc


def read_csv(path: Path) -> Sheet:
    text, encoding = decode(path.read_bytes())
    if "\x00" in text:
        raise ReadError("文件不是文本表格（含二进制内容）", "Not a text table (binary content)")
    rows = []
    for i, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        rows.append((i, [v if v.strip() else None for v in values]))
        _progress(path, i)
    return Sheet(path, "", rows, encoding=encoding)


def read_xlsx(path: Path) -> list[Sheet]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # not read-only: merged ranges are only known in the normal mode
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError("无法打开 Excel 文件（文件损坏或不是 .xlsx）",
                        f"Cannot open the Excel file (damaged or not .xlsx): {exc}") from exc
    uncached = _formulas_without_values(path, wb)
    if uncached:
        wb.close()
        listed = "、".join(uncached[:5]) + (" …" if len(uncached) > 5 else "")
        raise ReadError(f"有 {len(uncached)} 个公式单元格没有计算结果（{listed}）：看板不计算公式。请在 Excel 中打开、"
                        "保存后再上传，或把这些单元格粘贴为数值",
                        f"{len(uncached)} formula cells have no saved result ({listed}): formulas are never "
                        "evaluated here. Open and save the file in Excel, or paste those cells as values")
    sheets = []
    for ws in wb.worksheets:
        rows = []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append((i, [None if (isinstance(v, str) and not v.strip()) else v for v in values]))
            _progress(path, i)
        merged = [str(r) for r in ws.merged_cells.ranges]
        merged_rows: dict[int, list[str]] = {}
        for r in ws.merged_cells.ranges:
            for row in range(r.min_row, r.max_row + 1):
                merged_rows.setdefault(row, []).append(str(r))
        sheets.append(Sheet(path, ws.title, rows, merged, merged_rows))
    wb.close()
    return sheets


def _formulas_without_values(path: Path, values_wb) -> list[str]:
    """The formula cells ("sheet!B3") whose cached result is missing. A formula cell is read as the
    value Excel saved with it (data_only); one without a saved value would silently become empty, so
    it is refused instead. Formulas are never evaluated."""
    import zipfile

    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as z:  # most ledgers hold no formula at all: skip the second read
        if not any(b"<f" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")):
            return []
    formulas = load_workbook(path, data_only=False, read_only=True)
    found = []
    try:
        for ws in formulas.worksheets:
            cached = values_wb[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and cached[cell.coordinate].value is None:
                        found.append(f"{ws.title}!{cell.coordinate}")
    finally:
        formulas.close()
    return found


def read(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [read_csv(path)]
    if suffix == ".xlsx":
        return read_xlsx(path)
    raise ReadError(f"不支持的文件类型 {suffix}（请用 .xlsx 或 .csv）",
                    f"Unsupported file type {suffix} (use .xlsx or .csv)")
