"""Reading ledgers: .csv (UTF-8, UTF-8 with BOM, GB18030/GBK) and spreadsheets (.xlsx, .xlsm, .xls, .ods), as
raw cells.

Nothing is interpreted here beyond finding the rows: every cell keeps the value the spreadsheet
holds, with the row number the user sees in Excel, and the merged ranges are kept so the parser can
tell a two-line header or a merged 落款 line from a damaged table.

Spreadsheets are read with python-calamine (Rust's calamine): one reader for Excel 2007+ (.xlsx/.xlsm),
Excel 97–2003 (.xls, still common in government offices) and LibreOffice/WPS's .ods; it reads each cell's
saved value (formulas are never evaluated) and the merged ranges, and on a 50,000-row ledger takes a
fraction of openpyxl's time and memory (docs/ingest.md).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from coopdash.data.errors import ReadError

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
SUPPORTED = (".csv", *SPREADSHEETS)
# Spreadsheet formats we do not read: the clerk is told how to save the file instead.
OTHER_SPREADSHEETS = (".et", ".ett", ".xlsb", ".numbers", ".wps", ".xltx", ".xlt", ".dbf")
SAVE_AS_XLSX = ("请在 Excel/WPS 中打开后“另存为”Excel 工作簿（.xlsx）再导入",
                "open it in Excel/WPS and save it as an Excel workbook (.xlsx), then import that")
PROGRESS_EVERY = 50_000  # rows; a progress line on large inputs
# The reader holds a sheet as a dense grid from A1 to its farthest cell: one stray value at XFD1048576 would ask
# for 17 billion cells (the process would abort). Sheets whose area is larger are refused before reading.
MAX_AREA = 20_000_000
_TAG = re.compile(rb"<(row|c)\b([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})?(\d+)"')
CHUNK = 1 << 20


@dataclass
class Sheet:
    file: Path
    sheet: str  # "" for CSV
    rows: list[tuple[int, list]]  # (row number as in Excel, cell values)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row1, col1, row2, col2), 1-based
    merged_rows: dict[int, list[str]] = field(default_factory=dict)  # every row a range covers → "A1:B1"
    encoding: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder that is not read, and why: every file found is imported or reported."""
    path: Path
    severity: str  # error: a spreadsheet we cannot read; warning: not a ledger at all
    zh: str
    en: str


def unsupported(path: Path) -> tuple[str, str]:
    """Why a file of this type is not read, and what to do (zh, en)."""
    suffix = path.suffix.lower() or "（无扩展名）"
    return (f"不支持的文件类型 {suffix}：{SAVE_AS_XLSX[0]}（也可用 .xls、.csv）",
            f"unsupported file type {suffix}: {SAVE_AS_XLSX[1]} (.xls and .csv also work)")


def collect(sources: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """The ledger files named by the arguments (files, or folders searched recursively), and every other
    file found in those folders with the reason it is not read. Office lock files (~$…) and hidden files
    are not ledgers and are passed over."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for src in sources:
        if src.is_dir():
            for p in sorted(src.rglob("*")):
                if not p.is_file() or p.name.startswith(("~$", ".")) or p.name.lower() in ("thumbs.db", "desktop.ini"):
                    continue
                if p.suffix.lower() in SUPPORTED:
                    files.append(p)
                elif p.suffix.lower() in OTHER_SPREADSHEETS:
                    skipped.append(Skipped(p, "error", *unsupported(p)))
                else:
                    skipped.append(Skipped(p, "warning", f"不是台账文件（{p.suffix or '无扩展名'}），已跳过",
                                           f"not a ledger ({p.suffix or 'no extension'}): skipped"))
        elif src.is_file():
            files.append(src)
        else:
            raise ReadError(f"找不到文件或文件夹：{src}", f"No such file or folder: {src}")
    return files, skipped


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


def a1(row: int, col: int) -> str:
    """Excel's name of a cell: a1(2, 28) == 'AB2'."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


_KIND = {".xls": ("Excel 97–2003 (.xls)", "Excel 97–2003（.xls）"), ".ods": ("OpenDocument (.ods)", "OpenDocument（.ods）")}


def _letters(col: int) -> str:
    return a1(1, col)[:-1]


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def sheet_extent(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> tuple[int, int]:
    """(last row, last column) holding a cell of one .xlsx sheet, read while the sheet is decompressed in
    chunks (never trusting its `<dimension>`, never more than its declared size); stops once the area from A1
    passes `budget`. ReadError when the member is larger than it says."""
    last_row = last_col = row = col = 0
    read, tail = 0, b""
    with z.open(info) as f:
        while chunk := f.read(CHUNK):
            read += len(chunk)
            if read > info.file_size:
                raise ReadError(f"成员 {info.filename} 实际大小与声明不符", f"member {info.filename} is larger than it says")
            data = tail + chunk
            end = data.rfind(b"<")
            if end == -1 or data.find(b">", end) != -1:
                end = len(data)  # no tag cut at the end
            for m in _TAG.finditer(data, 0, end):
                ref = _REF.search(m[2])
                if m[1] == b"row":
                    row, col = (int(ref[2]) if ref else row + 1), 0
                else:
                    if ref and ref[1]:
                        col, row = _column(ref[1]), int(ref[2])
                    else:
                        col += 1
                    last_row, last_col = max(last_row, row), max(last_col, col)
            tail = data[end:]
            if last_row * last_col > budget:
                break
    return last_row, last_col


def _refuse_sprawling_sheets(path: Path) -> None:
    """A stray value far from the table (typed by accident at the sheet's far corner) would make the reader
    allocate the whole area up to it: refused, naming the cell to delete."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                    rows, cols = sheet_extent(z, info, MAX_AREA)
                    if rows * cols > MAX_AREA:
                        far = f"{_letters(cols)}{rows}"
                        raise ReadError(
                            f"工作表的范围过大（直到 {far} 单元格，约 {rows:,} 行 × {cols:,} 列）：表格以外有内容。请删除"
                            "表格右方和下方多余的行与列后再导入",
                            f"the sheet reaches far beyond its table (to cell {far}, about {rows:,} rows × {cols:,} "
                            "columns): delete the extra rows and columns right of and below the table, then import")
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ReadError(f"无法打开 Excel 文件（文件损坏或不是 .xlsx）：{SAVE_AS_XLSX[0]}",
                        f"Cannot open the Excel file (damaged or not .xlsx): {SAVE_AS_XLSX[1]} [{exc}]") from exc


def read_spreadsheet(path: Path) -> list[Sheet]:
    """Every sheet of a workbook, as raw cells with their Excel row numbers and merged ranges."""
    from python_calamine import CalamineError, SheetVisibleEnum, load_workbook

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _refuse_sprawling_sheets(path)
        _refuse_uncached_formulas(path)
    en_kind, zh_kind = _KIND.get(suffix, ("Excel (.xlsx)", "Excel（.xlsx）"))
    try:
        wb = load_workbook(str(path))
    except (CalamineError, ValueError, OSError) as exc:
        hint_zh = "；若是从网页或业务系统导出的 .xls（实为网页或 XML），也请另存为 .xlsx" if suffix == ".xls" else ""
        hint_en = "; an .xls exported by a website or a system (HTML or XML inside) also needs saving as .xlsx" \
            if suffix == ".xls" else ""
        raise ReadError(f"无法打开 {zh_kind}文件（文件损坏或不是这种格式）：{SAVE_AS_XLSX[0]}{hint_zh}",
                        f"Cannot open the {en_kind} file (damaged or not that format): {SAVE_AS_XLSX[1]}{hint_en} "
                        f"[{exc}]") from exc
    sheets = []
    try:
        for meta in wb.sheets_metadata:
            try:
                ws = wb.get_sheet_by_name(meta.name)
                values = ws.to_python(skip_empty_area=False)
                ranges = ws.merged_cell_ranges or []
            except (CalamineError, ValueError) as exc:
                raise ReadError(f"无法读取工作表“{meta.name}”（文件损坏）：{SAVE_AS_XLSX[0]}",
                                f"Cannot read the sheet '{meta.name}' (damaged): {SAVE_AS_XLSX[1]} [{exc}]") from exc
            rows = []
            for i, cells in enumerate(values, start=1):
                rows.append((i, [None if (v is None or (isinstance(v, str) and not v.strip())) else v for v in cells]))
                _progress(path, i)
            merged, merged_rows = [], {}
            for (r1, c1), (r2, c2) in ranges:
                if (r1, c1) == (r2, c2):
                    continue
                box = (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
                merged.append(box)
                name = f"{a1(box[0], box[1])}:{a1(box[2], box[3])}"
                for row in range(box[0], box[2] + 1):
                    merged_rows.setdefault(row, []).append(name)
            sheets.append(Sheet(path, meta.name, rows, merged, merged_rows,
                                hidden=meta.visible != SheetVisibleEnum.Visible))
    finally:
        wb.close()
    return sheets


def _refuse_uncached_formulas(path: Path) -> None:
    """A formula cell is read as the value Excel saved with it; one without a saved value would silently
    become empty, so the file is refused instead, naming the cells ("sheet!B3"). Formulas are never evaluated."""
    try:
        with zipfile.ZipFile(path) as z:  # most ledgers hold no formula at all: skip the second read
            if not any(b"<f" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")):
                return
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ReadError(f"无法打开 Excel 文件（文件损坏或不是 .xlsx）：{SAVE_AS_XLSX[0]}",
                        f"Cannot open the Excel file (damaged or not .xlsx): {SAVE_AS_XLSX[1]} [{exc}]") from exc
    from openpyxl import load_workbook

    found = []
    formulas = load_workbook(path, data_only=False, read_only=True)
    saved = load_workbook(path, data_only=True, read_only=True)
    try:
        for ws in formulas.worksheets:
            cells = {c.coordinate for row in ws.iter_rows() for c in row if getattr(c, "data_type", None) == "f"}
            if not cells:
                continue
            empty = {c.coordinate for row in saved[ws.title].iter_rows() for c in row
                     if hasattr(c, "coordinate") and c.value is None}
            found += [f"{ws.title}!{c}" for c in sorted(cells & empty, key=lambda a: (len(a), a))]
    finally:
        formulas.close()
        saved.close()
    if found:
        listed = "、".join(found[:5]) + (" …" if len(found) > 5 else "")
        raise ReadError(f"有 {len(found)} 个公式单元格没有计算结果（{listed}）：看板不计算公式。请在 Excel 中打开、"
                        "保存后再上传，或把这些单元格粘贴为数值",
                        f"{len(found)} formula cells have no saved result ({listed}): formulas are never "
                        "evaluated here. Open and save the file in Excel, or paste those cells as values")


def read(path: Path) -> list[Sheet]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [read_csv(path)]
    if suffix in SPREADSHEETS:
        return read_spreadsheet(path)
    zh, en = unsupported(path)
    raise ReadError(zh, en)
