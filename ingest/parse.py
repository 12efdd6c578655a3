"""From raw sheets to typed rows: which table a sheet is, its header, and each cell by the contract.

Headers and enum values may be Chinese (as the templates and staff write them) or the contract's
English names. Every problem names the file, sheet, Excel row, column and value, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from coopdash.data.contract import TABLES, TABLES_BY_NAME, Column, Table
from coopdash.data.errors import CellError
from ingest.readers import Sheet

# Extra names a file or sheet may use for a table (besides its English name and Chinese label).
TABLE_ALIASES = {
    "streets": ["街道", "乡镇"],
    "communities": ["社区"],
    "compounds": ["小区", "单体楼"],
    "management_history": ["管理状态", "物业管理"],
    "cooperatives": ["物业社", "共享物业社"],
    "coop_members": ["成员", "物业社成员", "共享物业社成员"],
    "work_teams": ["工作力量", "工作组"],
    "meetings": ["会议", "协商会议"],
    "service_orders": ["点单", "工单", "点单服务"],
    "cleanups": ["清运", "垃圾清运"],
    "repairs": ["修缮"],
    "owners_committees": ["业委会", "业主委员会"],
}
INSTRUCTIONS_SHEETS = {"填写说明", "说明", "instructions", "readme"}
# Columns of personal data: dropped on reading, never written to the extracts.
PERSONAL = re.compile(r"姓名|名字|联系人|电话|手机|身份证|证件|住址|地址|门牌|户主|^name$|phone|mobile|"
                      r"id_?card|address", re.IGNORECASE)
TOTALS = {"合计", "总计", "小计", "共计", "total", "sum"}
UNIT_HEADERS = {"单位", "unit"}
TRUE = {"是", "有", "y", "yes", "true", "1", "✓", "√", "对"}
FALSE = {"否", "无", "n", "no", "false", "0", "✗", "×", "x", "错"}
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning | info
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    zh: str
    en: str


@dataclass
class Where:
    file: str
    sheet: str

    def problem(self, severity: str, zh: str, en: str, row: int | None = None, column: str = "",
                value=None) -> Problem:
        return Problem(severity, self.file, self.sheet, row, column, "" if value is None else str(value), zh, en)


@dataclass
class ParsedSheet:
    table: Table
    where: Where
    rows: list[dict] = field(default_factory=list)  # contract column → value
    row_numbers: list[int] = field(default_factory=list)  # Excel row of each parsed row
    headers: dict[str, str] = field(default_factory=dict)  # contract column → header as written
    units: dict[int, str] = field(default_factory=dict)  # Excel row → unit cell (if a 单位 column)
    rows_read: int = 0


def norm(text) -> str:
    """Header/label comparison form: no spaces, half-width brackets, lower case."""
    s = str(text).strip().lower()
    s = s.translate(str.maketrans("（）【】：", "()[]:"))
    return re.sub(r"\s+", "", s)


def _bare(label: str) -> str:
    """'重量（吨）' → '重量'."""
    return re.sub(r"\(.*?\)", "", norm(label))


def detect_table(file_stem: str, sheet: str) -> tuple[Table | None, list[str]]:
    """The table a sheet holds, by the longest table name found in the sheet name, else the file name.
    Returns (table, candidates) — candidates lists ties when the name is ambiguous."""
    for text in (sheet, file_stem):
        if not text:
            continue
        t = norm(text)
        best, best_len = [], 0
        for table in TABLES:
            names = [table.name, table.zh, *TABLE_ALIASES.get(table.name, [])]
            length = max((len(norm(n)) for n in names if norm(n) in t), default=0)
            if length > best_len:
                best, best_len = [table], length
            elif length and length == best_len:
                best.append(table)
        if len(best) == 1:
            return best[0], []
        if len(best) > 1:
            return None, [b.name for b in best]
    return None, []


def header_map(table: Table) -> dict[str, str]:
    """Accepted header (normalised) → contract column."""
    out = {}
    for c in table.columns:
        for name in (c.name, c.zh, _bare(c.zh)):
            out[norm(name)] = c.name
    return out


def _match_header(cell, accepted: dict[str, str]) -> str | None:
    if cell is None:
        return None
    h = norm(cell)
    if h in accepted:
        return accepted[h]
    if _bare(str(cell)) in accepted:
        return accepted[_bare(str(cell))]
    inner = re.findall(r"\(([^)]*)\)", h)  # "点单时间(submitted_at)"
    for name in inner:
        if name in accepted:
            return accepted[name]
    return None


# ---------------------------------------------------------------------------- cells

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _serial(value: float) -> dt.datetime:
    if not 1 <= value < 2958466:
        raise CellError("不是有效的 Excel 日期序号", "not a valid Excel date serial")
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(value))


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value).date()
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text)).date()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellError("日期无法识别（可写 2023-05-01、2023/5/1、2023年5月1日）",
                    "unreadable date (write 2023-05-01, 2023/5/1 or 2023年5月1日)")


def parse_timestamp(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value).replace(microsecond=0)
    text = re.sub(r"\s+", " ", str(value).strip())
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text)).replace(microsecond=0)
    day_part, _, time_part = text.partition(" ")
    if not time_part and "日" in day_part and not day_part.endswith("日"):  # 2023年5月1日14:30
        day_part, time_part = day_part.split("日", 1)
        day_part += "日"
    try:
        day = parse_date(day_part)
    except CellError:
        raise CellError("时间无法识别（可写 2023-05-01 14:30、2023/5/1 14:30）",
                        "unreadable time (write 2023-05-01 14:30 or 2023/5/1 14:30)") from None
    if not time_part:
        return dt.datetime.combine(day, dt.time())
    m = _TIME.match(time_part.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3] or 0) > 59:
        raise CellError("时间无法识别（可写 2023-05-01 14:30、2023/5/1 14:30）",
                        "unreadable time (write 2023-05-01 14:30 or 2023/5/1 14:30)")
    return dt.datetime.combine(day, dt.time(int(m[1]), int(m[2]), int(m[3] or 0)))


def _number(value) -> float:
    if isinstance(value, bool):
        raise CellError("应为数字", "should be a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        raise CellError("应为数字，不能是文字", "should be a number, not text") from None


def parse_cell(column: Column, value):
    """The typed value of one non-empty cell, or CellError."""
    kind = column.type
    if column.enum is not None:
        text = norm(value)
        for code, (zh, en) in column.enum.values.items():
            if text in (norm(code), norm(zh), norm(en)):
                return code
        allowed = "、".join(zh for zh, _ in column.enum.values.values())
        raise CellError(f"不是允许的取值（可填：{allowed}）",
                        f"not an allowed value (allowed: {', '.join(column.enum.codes)})")
    if kind == "VARCHAR":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # a code Excel stored as a number
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return str(value).strip()
    if kind == "INTEGER":
        number = _number(value)
        if not number.is_integer():
            raise CellError("应为整数", "should be a whole number")
        return int(number)
    if kind == "DOUBLE":
        return _number(value)
    if kind == "BOOLEAN":
        text = norm(value)
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise CellError("应为 是/否", "should be yes/no (是/否)")
    if kind == "DATE":
        return parse_date(value)
    if kind == "TIMESTAMP":
        return parse_timestamp(value)
    raise AssertionError(kind)


# ---------------------------------------------------------------------------- sheets

def parse_sheet(sheet: Sheet, problems: list[Problem]) -> ParsedSheet | None:
    """Typed rows of one sheet; problems are appended. None if the sheet is skipped or unusable."""
    where = Where(sheet.file.name, sheet.sheet)
    if norm(sheet.sheet) in INSTRUCTIONS_SHEETS:
        return None
    if not any(any(v is not None for v in values) for _, values in sheet.rows):
        if sheet.sheet and sheet.file.suffix.lower() == ".xlsx":
            return None  # an empty extra sheet
        problems.append(where.problem("error", "文件是空的", "The file is empty"))
        return None
    table, ties = detect_table(sheet.file.stem, sheet.sheet)
    if table is None:
        names = "、".join(TABLES_BY_NAME[n].zh for n in ties) if ties else ""
        problems.append(where.problem(
            "error",
            f"无法判断属于哪张表{'（同时像：' + names + '）' if ties else ''}：请在文件名或工作表名中写明表名，如“点单服务”",
            f"Cannot tell which table this is{' (matches ' + ', '.join(ties) + ')' if ties else ''}: "
            "name the table in the file or sheet name, e.g. service_orders"))
        return None

    accepted = header_map(table)
    header_at = None
    for index, (rownum, values) in enumerate(sheet.rows[:15]):
        if sum(_match_header(v, accepted) is not None for v in values) >= 2:
            header_at = index
            break
    if header_at is None:
        problems.append(where.problem("error", f"找不到表头：前 15 行中没有“{table.zh}”的列名",
                                      f"No header row: none of the first 15 rows names the columns of {table.name}"))
        return None
    header_row, header_cells = sheet.rows[header_at]
    for rng in sheet.merged_rows.get(header_row, []):
        problems.append(where.problem("error", f"表头有合并单元格 {rng}：请取消合并，每列一个列名",
                                      f"Merged header cells {rng}: unmerge them, one name per column",
                                      row=header_row))
    result = ParsedSheet(table, where)
    positions: dict[str, int] = {}
    unit_at = None
    for i, cell in enumerate(header_cells):
        if cell is None:
            continue
        column = _match_header(cell, accepted)
        if column is not None:
            if column in positions:
                problems.append(where.problem("error", f"列“{cell}”重复出现", f"Column '{cell}' appears twice",
                                              row=header_row, column=str(cell)))
            positions[column] = i
            result.headers[column] = str(cell)
        elif norm(cell) in UNIT_HEADERS:
            unit_at = i
        elif PERSONAL.search(norm(cell)):
            problems.append(where.problem("info", f"个人信息列“{cell}”已删除，不会写入数据",
                                          f"Personal-data column '{cell}' dropped; it is never stored",
                                          row=header_row, column=str(cell)))
        else:
            problems.append(where.problem("warning", f"未识别的列“{cell}”，已忽略", f"Unknown column '{cell}' ignored",
                                          row=header_row, column=str(cell)))
    missing = [c for c in table.columns if c.name not in positions]
    for c in missing:
        problems.append(where.problem("error", f"缺少必需的列“{c.zh}”（{c.name}）",
                                      f"Missing required column {c.name} ({c.zh})", row=header_row, column=c.zh))
    if missing or sheet.merged_rows.get(header_row):
        return None

    data = sheet.rows[header_at + 1:]
    last = max((k for k, (_, values) in enumerate(data) if any(v is not None for v in values)), default=-1)
    for rownum, values in data[:last + 1]:
        result.rows_read += 1
        if all(v is None for v in values):
            problems.append(where.problem("error", "空行：请删除表格中间的空行", "Blank row inside the table: delete it",
                                          row=rownum))
            continue
        texts = {norm(v) for v in values if isinstance(v, str)}
        if texts & TOTALS:
            problems.append(where.problem("error", "合计行不是数据：请删除合计、小计行",
                                          "A totals row is not data: delete totals rows", row=rownum,
                                          value=next(v for v in values if isinstance(v, str) and norm(v) in TOTALS)))
            continue
        if rownum in sheet.merged_rows:
            problems.append(where.problem("error", f"数据行有合并单元格 {'、'.join(sheet.merged_rows[rownum])}：请取消合并",
                                          f"Merged cells in a data row {', '.join(sheet.merged_rows[rownum])}: unmerge",
                                          row=rownum))
            continue
        row, ok = {}, True
        for c in table.columns:
            i = positions[c.name]
            raw = values[i] if i < len(values) else None
            if raw is None:
                if not c.nullable:
                    problems.append(where.problem("error", "必填项为空", "Required value is empty",
                                                  row=rownum, column=result.headers[c.name]))
                    ok = False
                row[c.name] = None
                continue
            try:
                row[c.name] = parse_cell(c, raw)
            except CellError as err:
                problems.append(where.problem("error", err.zh, err.en, row=rownum, column=result.headers[c.name],
                                              value=raw))
                ok = False
        if unit_at is not None and unit_at < len(values) and values[unit_at] is not None:
            result.units[rownum] = str(values[unit_at]).strip()
        if ok:
            result.rows.append(row)
            result.row_numbers.append(rownum)
    return result
