"""Uploaded ledgers, before anything reads them: size caps, decompression bombs, zip batches, names.

Every check runs on the bytes before the spreadsheet or CSV reader sees them, and stops early: a zip's
central directory gives each member's sizes, and members are then read through a bounded reader, so
a file that lies about its size is caught after reading at most the limit. The cells of an .xlsx are
counted while its sheets are streamed (a sheet's own `<dimension>` may lie), and an .xls (Excel 97–2003,
not compressed, so bounded by the file cap) is counted from the reader's sheet sizes before any cell
becomes a Python object. Accepted files are kept
under the state folder (`uploads/<batch>/`, never served back, never executed) with sanitised names,
for the version's record. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import stat
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from coopdash.data.errors import ReadError
from coopdash.data.settings import state_dir, values
from ingest.readers import sheet_extent, unsupported

LEDGER_TYPES = (".xlsx", ".xlsm", ".xls", ".csv")
MB = 1024 * 1024
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file signature of every .xls


@dataclass(frozen=True)
class Limits:
    max_file: int  # bytes
    max_batch: int
    max_files: int
    max_uncompressed: int
    max_ratio: float
    max_sheets: int
    max_cells: int
    job_memory_mb: int  # the address space of a review or publish job (ingest/job.py)


@cache
def limits() -> Limits:
    u = values()["upload"]
    return Limits(int(u["max_file_mb"] * MB), int(u["max_batch_mb"] * MB), u["max_files"],
                  int(u["max_uncompressed_mb"] * MB), float(u["max_ratio"]), u["max_sheets"], u["max_cells"],
                  u["job_memory_mb"])


def safe_name(name: str) -> str:
    """A file name that is only a name: no folders, no control or shell characters, not hidden."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = re.sub(r"[^\w.\-()（）\u3000-\u303f\u4e00-\u9fff]+", "_", base).strip("._ ") or "ledger"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    return (stem[:80] + ("." + suffix.lower()[:8] if suffix else "")) or "ledger"


def _members(data: bytes, name: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        return z, z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"{name}：不是有效的 zip / .xlsx 文件", f"{name}: not a valid zip / .xlsx file ({exc})") from exc


def _check_sizes(infos: list[zipfile.ZipInfo], name: str) -> None:
    lim = limits()
    total = sum(i.file_size for i in infos)
    if total > lim.max_uncompressed:
        raise ReadError(f"{name}：解压后共 {total / MB:.0f} MB，超过上限 {lim.max_uncompressed / MB:.0f} MB（可能是解压炸弹）",
                        f"{name}: {total / MB:.0f} MB unpacked, over the {lim.max_uncompressed / MB:.0f} MB limit "
                        "(a decompression bomb?)")
    for i in infos:
        if i.file_size > MB and i.file_size > lim.max_ratio * max(i.compress_size, 1):
            raise ReadError(f"{name}：成员 {i.filename} 压缩比 {i.file_size / max(i.compress_size, 1):.0f}:1，超过上限 "
                            f"{lim.max_ratio:.0f}:1（可能是解压炸弹）",
                            f"{name}: member {i.filename} is compressed {i.file_size / max(i.compress_size, 1):.0f}:1, "
                            f"over the {lim.max_ratio:.0f}:1 limit (a decompression bomb?)")


def _bounded_read(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A member's bytes, reading at most its declared size plus one byte (a lying header is caught)."""
    with z.open(info) as f:
        data = f.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ReadError(f"{name}：成员 {info.filename} 实际大小与声明不符", f"{name}: member {info.filename} is larger "
                        "than it says")
    return data


def check_xlsx(data: bytes, name: str) -> None:
    """Refuse a workbook that would unpack too large, hold too many sheets or cells, before parsing it."""
    z, infos = _members(data, name)
    _check_sizes(infos, name)
    lim = limits()
    sheets = [i for i in infos if _SHEET.fullmatch(i.filename)]
    if not sheets:
        raise ReadError(f"{name}：不是 Excel 工作簿（没有工作表）", f"{name}: not an Excel workbook (no sheets)")
    if len(sheets) > lim.max_sheets:
        raise ReadError(f"{name}：有 {len(sheets)} 个工作表，超过上限 {lim.max_sheets}",
                        f"{name}: {len(sheets)} sheets, over the limit of {lim.max_sheets}")
    cells = 0
    for info in sheets:
        try:
            rows, cols = sheet_extent(z, info, lim.max_cells - cells)
        except ReadError as exc:
            raise ReadError(f"{name}：{exc.zh}", f"{name}: {exc.en}") from exc
        cells += rows * cols  # the reader holds each sheet as a grid from A1 to its farthest cell
        if cells > lim.max_cells:
            raise ReadError(f"{name}：约 {cells:,} 个单元格（直到 {rows:,} 行 × {cols:,} 列），超过上限 {lim.max_cells:,}："
                            "若表格以外有内容，请删除多余的行与列",
                            f"{name}: about {cells:,} cells (up to {rows:,} rows × {cols:,} columns), over the limit "
                            f"of {lim.max_cells:,}: delete any extra rows and columns beyond the table")


def check_xls(data: bytes, name: str) -> None:
    """An Excel 97–2003 workbook: its signature, then its sheets' sizes (from the reader's index of the file,
    before any value becomes a Python object) against the cell cap."""
    from python_calamine import CalamineError, load_workbook

    if not data.startswith(_OLE2):
        raise ReadError(f"{name}：不是 Excel 97–2003 文件（可能是网页或 XML 另存为 .xls）：请在 Excel/WPS 中打开后"
                        "“另存为”Excel 工作簿（.xlsx）",
                        f"{name}: not an Excel 97–2003 file (perhaps a web page or XML saved as .xls): open it in "
                        "Excel/WPS and save it as an Excel workbook (.xlsx)")
    lim = limits()
    try:
        wb = load_workbook(io.BytesIO(data))
        try:
            names = wb.sheet_names
            if len(names) > lim.max_sheets:
                raise ReadError(f"{name}：有 {len(names)} 个工作表，超过上限 {lim.max_sheets}",
                                f"{name}: {len(names)} sheets, over the limit of {lim.max_sheets}")
            cells = 0
            for sheet in names:
                ws = wb.get_sheet_by_name(sheet)
                cells += (ws.end[0] + 1) * (ws.end[1] + 1) if ws.end else 0
        finally:
            wb.close()
    except CalamineError as exc:
        raise ReadError(f"{name}：无法打开 Excel 97–2003 文件（文件损坏）：请另存为 .xlsx",
                        f"{name}: cannot open the Excel 97–2003 file (damaged): save it as .xlsx [{exc}]") from exc
    if cells > lim.max_cells:
        raise ReadError(f"{name}：约 {cells:,} 个单元格，超过上限 {lim.max_cells:,}",
                        f"{name}: about {cells:,} cells, over the limit of {lim.max_cells:,}")


def unpack_zip(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The ledgers in a zip batch: refused whole if it has too many members, unpacks too large, holds a
    link or a path outside itself, or a file that is not .xlsx / .csv (folders and `__MACOSX` skipped)."""
    z, infos = _members(data, name)
    lim = limits()
    if len(infos) > lim.max_files * 2:
        raise ReadError(f"{name}：含 {len(infos)} 个成员，超过上限", f"{name}: {len(infos)} members, over the limit")
    _check_sizes(infos, name)
    out = []
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if info.filename.startswith("/") or ".." in path.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise ReadError(f"{name}：成员 {info.filename} 的路径指向压缩包之外", f"{name}: member {info.filename} "
                            "points outside the archive")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ReadError(f"{name}：成员 {info.filename} 是链接", f"{name}: member {info.filename} is a link")
        if info.is_dir() or path.parts[0] == "__MACOSX" or path.name.startswith((".", "~$")):
            continue
        if path.suffix.lower() not in LEDGER_TYPES:
            zh, en = unsupported(PurePosixPath(info.filename))
            raise ReadError(f"{name}：成员 {info.filename}：{zh}", f"{name}: member {info.filename}: {en}")
        out.append((path.name, _bounded_read(z, info, name)))
    return out


def accept(uploads: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The ledgers of an upload (name, bytes), zips unpacked, every file checked; ReadError at the first
    file that cannot be taken (naming it), before any of them is parsed."""
    lim = limits()
    total = sum(len(data) for _, data in uploads)
    if total > lim.max_batch:
        raise ReadError(f"本次上传共 {total / MB:.1f} MB，超过上限 {lim.max_batch / MB:.0f} MB",
                        f"this upload is {total / MB:.1f} MB, over the {lim.max_batch / MB:.0f} MB limit")
    files: list[tuple[str, bytes]] = []
    for name, data in uploads:
        if len(data) > lim.max_file:
            raise ReadError(f"{name}：{len(data) / MB:.1f} MB，超过单个文件上限 {lim.max_file / MB:.0f} MB",
                            f"{name}: {len(data) / MB:.1f} MB, over the {lim.max_file / MB:.0f} MB per-file limit")
        suffix = PurePosixPath(name).suffix.lower()
        if suffix == ".zip":
            files += unpack_zip(data, name)
        elif suffix in LEDGER_TYPES:
            files.append((name, data))
        else:
            zh, en = unsupported(PurePosixPath(name))
            raise ReadError(f"{name}：{zh}", f"{name}: {en}")
    if len(files) > lim.max_files:
        raise ReadError(f"本次共 {len(files)} 个文件，超过上限 {lim.max_files}",
                        f"{len(files)} files in this upload, over the limit of {lim.max_files}")
    for name, data in files:
        if name.lower().endswith((".xlsx", ".xlsm")):
            check_xlsx(data, name)
        elif name.lower().endswith(".xls"):
            check_xls(data, name)
    return files


def stage(files: list[tuple[str, bytes]], folder: Path | None = None) -> tuple[Path, list[Path]]:
    """Keep accepted files under the state folder, sanitised names (made unique), read-only. Returns the
    batch folder and the files' paths in order."""
    root = folder or state_dir() / "uploads"
    batch = root / (dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3))
    batch.mkdir(parents=True, mode=0o700)
    paths, used = [], set()
    for name, data in files:
        clean = safe_name(name)
        stem, suffix = (clean.rsplit(".", 1) + [""])[:2]
        candidate, n = clean, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
        used.add(candidate.lower())
        path = batch / candidate
        path.write_bytes(data)
        path.chmod(0o400)
        paths.append(path)
    return batch, paths
