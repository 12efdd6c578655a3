"""From raw sheets to typed rows: which table a sheet is, its header, and each cell by the contract.

Ledgers come as clerks make them in WPS or Excel, from a printed form more often than from our template,
so the ordinary furniture of a Chinese office form is recognised, skipped and reported as a note
(severity "info"), never guessed silently:

- the table is identified by its **header** (how many of each table's column names it holds); the file
  and sheet names only break a tie;
- title rows above the header; two-line and grouped headers with merged cells (a column's name is the
  lowest header cell, or the pair when the upper one qualifies it); bilingual names ("工单编号 Order ID");
  a 序号 column;
- instruction sheets (填表说明 …, or any sheet without a header beside one with a header) and hidden sheets;
- footer blocks after the data (填表人, 审核人, 联系电话, 填报日期, 单位盖章, 备注 …, a merged 落款 line);
- totals rows whose numbers equal the sums above them;
- values typed by hand: full-width digits, a number with the column's own unit ("1.2吨", "0.3公里"),
  Chinese dates and times ("2026年11月2日8时40分", "下午3点半"), system timestamps ("…T14:45:40.593Z").

Everything else that is not data (a blank line inside the table, a totals row that does not add up, text
in a number column …) is an error naming the file, sheet, Excel row, column and value, in Chinese and
English, with what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from coopdash.data.contract import TABLES, TABLES_BY_NAME, UNIT_WORDS, Column, Table
from coopdash.data.errors import CellError
from ingest.readers import Sheet, a1

# Extra names a file or sheet may use for a table (besides its English name and Chinese label): used only to
# break a tie between tables whose headers match equally well, and to name the table when no header is found.
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
INSTRUCTIONS_SHEETS = {"填写说明", "填表说明", "填报说明", "说明", "使用说明", "注意事项", "指标说明", "指标解释",
                       "字段说明", "目录", "封面", "instructions", "readme", "notes"}
HEADER_SEARCH_ROWS = 20  # the header is looked for in a sheet's first rows
# Columns of personal data: dropped on reading, never written to the extracts.
PERSONAL = re.compile(r"姓名|名字|联系人|电话|手机|身份证|证件|住址|地址|门牌|户主|^name$|phone|mobile|"
                      r"id_?card|address", re.IGNORECASE)
ROW_NUMBER_HEADERS = {"序号", "序", "编号序号", "行号", "no", "no.", "#"}
TOTALS = {"合计", "总计", "小计", "共计", "total", "subtotal", "sum"}
UNIT_HEADERS = {"单位", "计量单位", "unit"}
# A footer line after the data: who filled it in, checked it, when, the seal, remarks.
FOOTER = re.compile(r"^(填表人|填报人|制表人|统计人|审核人|审批人|复核人|核对人|负责人|单位负责人|分管领导|经办人|"
                    r"联系人|联系电话|电话|手机|填报日期|填表日期|报送日期|制表日期|统计日期|日期|单位盖章|盖章|"
                    r"公章|签字|签名|落款|备注|注|说明|填报单位)\s*[:：]?")
ADDITIVE = {"buildings", "households", "headcount", "participants", "problems_resolved", "tonnes", "quantity"}
TRUE = {"是", "有", "y", "yes", "true", "1", "✓", "√", "对"}
FALSE = {"否", "无", "n", "no", "false", "0", "✗", "×", "x", "错"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
LOCAL = dt.timezone(dt.timedelta(hours=8))  # the contract's timestamps are local time, UTC+8, without a zone


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
    kind: str = ""  # what a note is about: "personal" (a dropped personal-data column), "table", "skipped" …


@dataclass
class Where:
    file: str
    sheet: str

    def problem(self, severity: str, zh: str, en: str, row: int | None = None, column: str = "",
                value=None, kind: str = "") -> Problem:
        return Problem(severity, self.file, self.sheet, row, column, "" if value is None else str(value), zh, en,
                       kind)


@dataclass
class ParsedSheet:
    table: Table
    where: Where
    rows: list[dict] = field(default_factory=list)  # contract column → value
    row_numbers: list[int] = field(default_factory=list)  # Excel row of each parsed row
    headers: dict[str, str] = field(default_factory=dict)  # contract column → header as written
    units: dict[int, str] = field(default_factory=dict)  # Excel row → unit written (a 单位 column, or after a number)
    rows_read: int = 0


def nfkc(text) -> str:
    """Full-width digits, letters and punctuation as their ordinary forms ("１．２" → "1.2", "（" → "(")."""
    return unicodedata.normalize("NFKC", str(text)).strip()


_BRACKETS = str.maketrans("【】〔〕", "[][]")
_SPACE = re.compile(r"\s+")


def norm(text) -> str:
    """Header/label comparison form: NFKC, no spaces, half-width brackets, lower case."""
    return _SPACE.sub("", nfkc(text).lower().translate(_BRACKETS))


_ENUM_LOOKUPS: dict[int, dict[str, str]] = {}


def _enum_lookup(enum) -> dict[str, str]:
    """An enumeration's accepted spellings (code, Chinese, English; compared as `norm`) → code. The contract's
    enumerations are module constants, so one lookup each is kept."""
    out = _ENUM_LOOKUPS.get(id(enum))
    if out is None:
        out = {}
        for code, (zh, en) in enum.values.items():
            for name in (code, zh, en):
                out.setdefault(norm(name), code)
        _ENUM_LOOKUPS[id(enum)] = out
    return out


def _bare(label: str) -> str:
    """'重量（吨）' → '重量'."""
    return re.sub(r"\(.*?\)", "", norm(label))


def tables_named(file_stem: str, sheet: str) -> list[Table]:
    """The tables whose name (Chinese, English or an alias) the sheet name, else the file name, contains."""
    for text in (sheet, file_stem):
        t = norm(text or "")
        found = [table for table in TABLES if t and any(norm(n) in t for n in
                                                          (table.name, table.zh, *TABLE_ALIASES.get(table.name, [])))]
        if found:
            return found
    return []


def detect_table(file_stem: str, sheet: str) -> tuple[Table | None, list[str]]:
    """The table a sheet's or file's name names, by the longest name found (sheet name first).
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
    """Accepted header (normalised) → contract column: the Chinese name (with or without its unit), the
    contract name, and the English label ("order id", "order_id", "orderid")."""
    out = {}
    for c in table.columns:
        for name in (c.name, c.name.replace("_", ""), c.zh, _bare(c.zh), c.en):
            out[norm(name)] = c.name
    return out


def _match_header(cell, accepted: dict[str, str]) -> str | None:
    """The contract column a header cell names: as written, without its unit in brackets, the name in
    brackets ("点单时间(submitted_at)"), or either half of a bilingual name ("工单编号 Order ID")."""
    if cell is None:
        return None
    text = nfkc(cell)
    h = norm(text)
    candidates = [h, _bare(text), *re.findall(r"\(([^)]*)\)", h)]
    cjk = re.sub(r"[A-Za-z_ .\-/()]+", "", text)
    latin = re.sub(r"[^A-Za-z_ ]+", " ", text).strip()
    candidates += [norm(cjk), _bare(cjk), norm(latin), norm(latin.replace(" ", "_"))]
    candidates += [norm(part) for part in re.split(r"[\n/|]+", text)]
    for name in candidates:
        if name and name in accepted:
            return accepted[name]
    return None


# ---------------------------------------------------------------------------- cells

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d+)?)?$")
_CHINESE_CLOCK = re.compile(r"^(\d{1,2})\s*[时点]\s*(?:(半)|(\d{1,2})\s*分?)?\s*(?:(\d{1,2})\s*秒)?$")
_ZONE = re.compile(r"(?:\s*)(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_AFTERNOON = ("下午", "晚上", "傍晚", "pm")
_DAYPART = re.compile(r"^(上午|下午|早上|早晨|中午|晚上|傍晚|凌晨|am|pm)\s*|\s*(am|pm)$", re.IGNORECASE)
DATE_HELP = ("可写 2023-05-01、2023/5/1、2023年5月1日", "write 2023-05-01, 2023/5/1 or 2023年5月1日")
TIME_HELP = ("可写 2023-05-01 14:30、2023/5/1 14:30、2023年5月1日14时30分、2023年5月1日下午2点半",
             "write 2023-05-01 14:30, 2023/5/1 14:30, 2023年5月1日14时30分 or 2023年5月1日下午2点半")


def _serial(value: float) -> dt.datetime:
    if not 1 <= value < 2958466:
        raise CellError("不是有效的 Excel 日期序号", "not a valid Excel date serial")
    return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(value))


def _to_second(value: dt.datetime) -> dt.datetime:
    """The contract keeps timestamps to the second: a fraction is rounded (Excel stores 14:30 as a float that
    may read back as 14:29:59.9999)."""
    return value.replace(microsecond=0) + dt.timedelta(seconds=value.microsecond >= 500_000)


def _split_date(text: str) -> tuple[dt.date, str]:
    """A text's leading date and what follows it; CellError when there is no date."""
    m = _DATE.match(text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), text[m.end():]
        except ValueError:
            pass
    raise CellError(f"日期无法识别（{DATE_HELP[0]}）", f"unreadable date ({DATE_HELP[1]})")


def parse_date(value) -> dt.date:
    return parse_date_noting(value)[0]


def parse_date_noting(value) -> tuple[dt.date, bool]:
    """The date, and whether a time of day written with it was dropped ("2026-11-10 14:30" in a date column)."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value).date(), False
    text = nfkc(value)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _serial(float(text)).date(), False
    day, rest = _split_date(text)
    rest = rest.strip().lstrip("Tt").strip()
    if not rest:
        return day, False
    try:
        _clock(rest)
    except CellError:
        raise CellError(f"日期无法识别（{DATE_HELP[0]}）", f"unreadable date ({DATE_HELP[1]})") from None
    return day, True


def _clock(text: str) -> tuple[dt.time, dt.timedelta | None]:
    """A time of day as written after a date ("14:30", "14:45:40.593", "8时40分", "下午3点半", "9:30 AM",
    "06:45:40Z", "14:30+08:00"), and the zone's offset if one was written."""
    offset = None
    z = _ZONE.search(text)
    if z and ":" in text[:z.start()]:  # a zone only after a clock time
        zone = z[1].upper()
        if zone == "Z":
            offset = dt.timedelta(0)
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        text = text[:z.start()]
    part = _DAYPART.search(text)
    daypart = (part[1] or part[2]).lower() if part else ""
    text = _DAYPART.sub("", text).strip()
    m = _CLOCK.match(text)
    if m:
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        fraction = float(m[4] or 0)
    else:
        m = _CHINESE_CLOCK.match(text)
        if not m:
            raise CellError(f"时间无法识别（{TIME_HELP[0]}）", f"unreadable time ({TIME_HELP[1]})")
        hour, minute, second, fraction = int(m[1]), 30 if m[2] else int(m[3] or 0), int(m[4] or 0), 0.0
    if daypart in _AFTERNOON and hour < 12:
        hour += 12
    elif daypart == "中午" and hour < 11:
        hour += 12
    elif daypart in ("am", "上午", "凌晨", "早上", "早晨") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise CellError(f"时间无法识别（{TIME_HELP[0]}）", f"unreadable time ({TIME_HELP[1]})")
    return dt.time(hour, minute, second, round(fraction * 1_000_000) if fraction < 1 else 999_999), offset


def parse_timestamp(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _to_second(value)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _to_second(_serial(value))
    text = re.sub(r"\s+", " ", nfkc(value))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _to_second(_serial(float(text)))
    try:
        day, rest = _split_date(text)
    except CellError:
        raise CellError(f"时间无法识别（{TIME_HELP[0]}）", f"unreadable time ({TIME_HELP[1]})") from None
    rest = rest.strip()
    if rest[:1] in ("T", "t"):
        rest = rest[1:]
    if not rest:
        return dt.datetime.combine(day, dt.time())
    clock, offset = _clock(rest.strip())
    stamp = dt.datetime.combine(day, clock)
    if offset is not None:  # a system export in UTC or another zone: the contract's local time (UTC+8)
        stamp = stamp.replace(tzinfo=dt.timezone(offset)).astimezone(LOCAL).replace(tzinfo=None)
    return _to_second(stamp)


_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(.*)$")


def number_and_unit(value, column: Column | None = None) -> tuple[float, str]:
    """A number as clerks type it, and the unit written after it (or ""): full-width digits, thousands
    separators, "1.2吨" and "0.3 公里" when the column has that unit. CellError otherwise."""
    if isinstance(value, bool):
        raise CellError("应为数字", "should be a number")
    if isinstance(value, (int, float)):
        return float(value), ""
    text = nfkc(value).replace(",", "").replace("，", "")
    m = _NUMBER.match(text)
    if not m:
        raise CellError(f"应为数字，不能是文字（如 12 或 1.5{column.units[0] if column and column.units else ''}）",
                        "should be a number, not text (e.g. 12 or 1.5)")
    unit = m[2].strip()
    if unit:
        units = column.units if column else ()
        if norm(unit) not in {norm(u) for u in units}:
            if units:
                zh, en = _expected_unit(column)
                raise CellError(f"单位应为{zh}（可写 {m[1]} 或 {m[1]}{units[0]}），不能是“{unit}”",
                                f"the unit should be {en} (write {m[1]} or {m[1]}{units[0]}), not '{unit}'")
            raise CellError(f"应为数字，不能带单位或文字“{unit}”（如 {m[1]}）",
                            f"should be a plain number without '{unit}' (e.g. {m[1]})")
    return float(m[1]), unit


def _expected_unit(column: Column) -> tuple[str, str]:
    """The unit a column's numbers are in, as a clerk reads it (a repair's depends on its kind)."""
    if set(column.units) >= set(UNIT_WORDS["km"]) | set(UNIT_WORDS["items"]):
        return "公里（道路、管线）或个（其他修缮）", "km (road and pipes) or items (other repairs)"
    return column.units[0], column.units[-1] if column.units[-1].isascii() else column.units[0]


def parse_cell(column: Column, value):
    """The typed value of one non-empty cell, or CellError."""
    return parse_cell_noting(column, value)[0]


def parse_cell_noting(column: Column, value) -> tuple[object, str]:
    """The typed value and a note: the unit written after a number, or "time dropped" for a date column."""
    kind = column.type
    if column.enum is not None:
        code = _enum_lookup(column.enum).get(norm(value))
        if code is not None:
            return code, ""
        allowed = "、".join(zh for zh, _ in column.enum.values.values())
        raise CellError(f"不是允许的取值（可填：{allowed}）",
                        f"not an allowed value (allowed: {', '.join(column.enum.codes)})")
    if kind == "VARCHAR":
        if isinstance(value, float) and value.is_integer():
            return str(int(value)), ""  # a code Excel stored as a number
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat(), ""
        if column.name.endswith(("_code", "_id")):
            return nfkc(value), ""  # a code typed with full-width letters or digits is the same code
        return str(value).strip(), ""
    if kind == "INTEGER":
        number, unit = number_and_unit(value, column)
        if not number.is_integer():
            raise CellError("应为整数", "should be a whole number")
        return int(number), unit
    if kind == "DOUBLE":
        return number_and_unit(value, column)
    if kind == "BOOLEAN":
        text = norm(value)
        if text in TRUE:
            return True, ""
        if text in FALSE:
            return False, ""
        raise CellError("应为 是/否", "should be yes/no (是/否)")
    if kind == "DATE":
        day, dropped = parse_date_noting(value)
        return day, "time" if dropped else ""
    if kind == "TIMESTAMP":
        return parse_timestamp(value), ""
    raise AssertionError(kind)


# ---------------------------------------------------------------------------- the header

@dataclass
class Header:
    table: Table
    index: int  # position in sheet.rows of the (lowest) header row
    top: int  # position of the highest header row (index - 1 for a two-line header)
    names: list[str | None]  # each column's header as the clerk wrote it (joined for a two-line header)
    columns: list[str | None]  # the contract column each position names

    @property
    def matched(self) -> set[str]:
        return {c for c in self.columns if c is not None}


def _filled(sheet: Sheet, upto: int) -> list[list]:
    """The first rows' values with every merged range's value copied into each of its cells."""
    grid = [list(values) for _, values in sheet.rows[:upto]]
    first = sheet.rows[0][0] if sheet.rows else 1
    for r1, c1, r2, c2 in sheet.merged:
        if r1 - first >= len(grid):
            continue
        top = grid[r1 - first]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        for r in range(r1, min(r2, first + len(grid) - 1) + 1):
            row = grid[r - first]
            row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                row[c - 1] = value
    return grid


def _read_header(table: Table, grid: list[list], index: int) -> Header:
    """The header of `table` ending at row `index`: each column is named by its lowest cell, else by the
    pair with the row above (a group name over a sub-name, or a name over its unit or English), else by
    the upper cell alone (a cell merged down over both rows)."""
    accepted = header_map(table)
    lower = grid[index]
    upper = grid[index - 1] if index > 0 else []
    width = max(len(lower), len(upper))
    names, columns, used_upper = [], [], False
    for j in range(width):
        lo = lower[j] if j < len(lower) else None
        up = upper[j] if j < len(upper) else None
        up = None if up is not None and lo is not None and norm(up) == norm(lo) else up  # merged down
        tries = [(lo, False)] if lo is not None else []
        if up is not None and lo is not None:
            tries.append((f"{nfkc(up)}{nfkc(lo)}", True))
        if up is not None and lo is None:
            tries.append((up, True))
        name, column = (None if lo is None else nfkc(lo)), None
        for text, from_upper in tries:
            column = _match_header(text, accepted)
            if column is not None:
                name, used_upper = nfkc(text), used_upper or from_upper
                break
        names.append(name)
        columns.append(column)
    return Header(table, index, index - 1 if used_upper else index, names, columns)


def find_header(sheet: Sheet) -> tuple[list[Header], int]:
    """The best headers in the sheet's first rows: every table scored by how many of its columns the
    header row(s) name; ties (same count, same share of the table's columns) are all returned. Also the
    best count."""
    grid = _filled(sheet, HEADER_SEARCH_ROWS)
    best: list[Header] = []
    best_key = (1, 0.0)  # at least two columns make a header
    for index in range(len(grid)):
        if not any(v is not None for v in grid[index]):
            continue
        for table in TABLES:
            h = _read_header(table, grid, index)
            count = len(h.matched)
            key = (count, count / len(table.columns))
            if key > best_key:
                best, best_key = [h], key
            elif key == best_key and best and best[0].index == index:
                best.append(h)
    return best, best_key[0]


# ---------------------------------------------------------------------------- rows

def _texts(values: list) -> list[str]:
    return [nfkc(v) for v in values if v is not None]


def _is_totals(values: list) -> str | None:
    """The totals word of a 合计 / 小计 row, or None."""
    for v in values:
        if isinstance(v, str) and len(v) <= 12 and norm(v).rstrip(":") in TOTALS:
            return nfkc(v).rstrip(":：")
    return None


def _is_footer(sheet: Sheet, rownum: int, values: list) -> bool:
    """A line of the form's foot: 填表人：…, 审核人, 联系电话, 填报日期, (盖章), 备注：…, or one value in a
    merged range over several columns (a 落款 line)."""
    texts = _texts(values)
    if not texts:
        return False
    first = texts[0]
    if FOOTER.match(first) and (len(texts) == 1 or re.search(r"[:：]", first) or len(first) <= 6):
        return True
    if any("盖章" in t or "(章)" in t for t in texts):
        return True
    if len(set(texts)) == 1 and any(r1 == r2 and c2 > c1 for r1, c1, r2, c2 in _ranges_at(sheet, rownum)):
        return True  # a single merged line across the columns
    if len(texts) == 1 and isinstance(next(v for v in values if v is not None), str) and (
            _SIGNATURE.search(first) or _DATE.fullmatch(first)):
        return True  # a 落款 line: the office's name, or the date alone
    return False


_SIGNATURE = re.compile(r"(委员会|居委会|办事处|社区|物业社|街道|人民政府|\(章\))$")


def _ranges_at(sheet: Sheet, rownum: int) -> list[tuple[int, int, int, int]]:
    return [box for box in sheet.merged if box[0] <= rownum <= box[2]] if rownum in sheet.merged_rows else []


def _rows_label(rows: list[int]) -> str:
    """'12', '12–15' or '12、14–15'."""
    out, start, prev = [], None, None
    for r in rows + [None]:
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = prev = r
    return "、".join(out)


def parse_file(sheets: list[Sheet], file_name: str, problems: list[Problem]) -> list[ParsedSheet]:
    """The typed tables of one file. A workbook's sheets without a header are taken for instructions when
    another sheet holds a table (noted), and are an error when none does: no file is passed over silently."""
    parsed: list[ParsedSheet] = []
    headerless: list[tuple[Sheet, list[Problem]]] = []
    for sheet in sheets:
        where = Where(file_name, sheet.sheet)
        if not any(any(v is not None for v in values) for _, values in sheet.rows):
            if sheet.sheet and len(sheets) > 1:
                continue  # an empty extra sheet
            problems.append(where.problem("error", "文件是空的", "The file is empty"))
            continue
        if norm(sheet.sheet) in INSTRUCTIONS_SHEETS:
            problems.append(where.problem("info", f"工作表“{sheet.sheet}”是填表说明，已跳过",
                                          f"sheet '{sheet.sheet}' holds instructions: skipped"))
            continue
        if sheet.hidden:
            problems.append(where.problem("info", f"隐藏的工作表“{sheet.sheet}”不是台账，已跳过",
                                          f"hidden sheet '{sheet.sheet}' is not a ledger: skipped"))
            continue
        own: list[Problem] = []
        result = parse_sheet(sheet, own, file_name)
        if result is None and len(sheets) > 1 and not find_header(sheet)[0]:
            headerless.append((sheet, own))
            continue
        problems += own
        if result is not None:
            parsed.append(result)
    for sheet, own in headerless:
        if parsed:
            problems.append(Where(file_name, sheet.sheet).problem(
                "info", f"工作表“{sheet.sheet}”没有可识别的表头，按说明页跳过",
                f"sheet '{sheet.sheet}' has no recognisable header: taken for instructions and skipped"))
        else:
            problems += own
    return parsed


def parse_sheet(sheet: Sheet, problems: list[Problem], file_name: str | None = None) -> ParsedSheet | None:
    """Typed rows of one sheet; problems are appended. None if the sheet is unusable."""
    where = Where(file_name or sheet.file.name, sheet.sheet)
    if not any(any(v is not None for v in values) for _, values in sheet.rows):
        problems.append(where.problem("error", "文件是空的", "The file is empty"))
        return None
    header = _choose_header(sheet, where, problems)
    if header is None:
        return None
    table = header.table
    header_row = sheet.rows[header.index][0]
    if header.top == header.index and header.index > 0 and any(r1 < header_row <= r2 for r1, _, r2, _ in sheet.merged):
        header.top = header.index - 1  # a name merged down over two header rows: the row above is a group row
    top_row = sheet.rows[header.top][0]
    titles = [rownum for rownum, values in sheet.rows[:header.top] if any(v is not None for v in values)]
    if titles:
        problems.append(where.problem("info", f"第 {_rows_label(titles)} 行是标题，已跳过",
                                      f"row(s) {_rows_label(titles)}: a title, skipped", row=titles[0]))
    if header.top != header.index:
        problems.append(where.problem("info", f"第 {top_row}–{header_row} 行是两行表头，按列合并读取",
                                      f"rows {top_row}–{header_row}: a two-line header, read column by column",
                                      row=top_row))

    # a merge across columns in the (lowest) header row hides a column's name
    across = sorted({f"{a1(r1, c1)}:{a1(r2, c2)}" for r1, c1, r2, c2 in sheet.merged
                     if r1 <= header_row <= r2 and c2 > c1})
    for rng in across:
        problems.append(where.problem(
            "error", f"表头有合并单元格 {rng}：合并后右侧的列没有列名。请取消合并，每列填写自己的列名"
                     f"（两行表头时，下面一行每列一个列名）",
            f"Merged header cells {rng}: the columns to the right lose their names. Unmerge them and give every "
            "column its own name (with a two-line header, one name per column in the lower row)", row=header_row))
    if across:
        return None

    result = ParsedSheet(table, where)
    positions: dict[str, int] = {}
    unit_at = None
    for i, (name, column) in enumerate(zip(header.names, header.columns)):
        if name is None:
            continue
        if column is not None:
            if column in positions:
                problems.append(where.problem("error", f"列“{name}”重复出现：请删除或改名其中一列",
                                              f"Column '{name}' appears twice: delete or rename one of them",
                                              row=header_row, column=name))
            positions[column] = i
            result.headers[column] = name
        elif norm(name) in UNIT_HEADERS:
            unit_at = i
        elif norm(name) in ROW_NUMBER_HEADERS:
            problems.append(where.problem("info", f"“{name}”列是行序号，已忽略", f"'{name}' numbers the rows: ignored",
                                          row=header_row, column=name))
        elif PERSONAL.search(norm(name)):
            problems.append(where.problem("info", f"个人信息列“{name}”已删除，不会写入数据",
                                          f"Personal-data column '{name}' dropped; it is never stored",
                                          row=header_row, column=name, kind="personal"))
        else:
            problems.append(where.problem("warning", f"未识别的列“{name}”，已忽略", f"Unknown column '{name}' ignored",
                                          row=header_row, column=name))
    missing = [c for c in table.columns if c.name not in positions]
    for c in missing:
        problems.append(where.problem(
            "error", f"缺少必需的列“{c.zh}”（{c.name}）：第 {header_row} 行表头中没有。列名可写“{c.zh}”、"
                     f"“{c.en}”或“{c.name}”",
            f"Missing required column {c.name} ({c.zh}): not in the header (row {header_row}). "
            f"Name it '{c.zh}', '{c.en}' or '{c.name}'", row=header_row, column=c.zh))
    if missing:
        return None

    data = [(rownum, _filled_down(sheet, rownum, values)) for rownum, values in sheet.rows[header.index + 1:]]
    mapped = sorted(positions.values())

    def unfilled(values: list) -> bool:
        """A printed form's unused line: a row number in the 序号 column, nothing to read."""
        filled = [v for v in values if v is not None]
        return bool(filled) and all(i >= len(values) or values[i] is None for i in mapped) and all(
            isinstance(v, (int, float)) or nfkc(v).isdigit() for v in filled)

    last = len(data) - 1
    footer: list[int] = []
    unused: list[int] = []
    while last >= 0:  # the form's foot, from the bottom up: blank lines and footer lines
        rownum, values = data[last]
        if all(v is None for v in values):
            last -= 1
        elif unfilled(values):
            unused.append(rownum)
            last -= 1
        elif _is_footer(sheet, rownum, values):
            footer.append(rownum)
            last -= 1
        else:
            break
    if footer:
        problems.append(where.problem("info", f"第 {_rows_label(sorted(footer))} 行是表尾（填表人、审核人、日期、盖章、"
                                              "备注等），已跳过",
                                      f"row(s) {_rows_label(sorted(footer))}: the form's footer (who filled it in, "
                                      "checked it, date, seal, remarks), skipped", row=min(footer)))

    dropped_times: dict[str, list[int]] = {}
    since_subtotal: list[dict] = []
    all_rows: list[dict] = []
    failed_since_subtotal = failed_all = False
    for rownum, values in data[:last + 1]:
        result.rows_read += 1
        if all(v is None for v in values):
            problems.append(where.problem("error", "空行：表格中间不能有空行，请删除这一行",
                                          "Blank row inside the table: delete it", row=rownum))
            continue
        if unfilled(values):
            unused.append(rownum)
            continue
        word = _is_totals(values)
        if word is not None:
            sub = norm(word) in ("小计", "subtotal")
            _check_totals(where, rownum, word, values, positions, table,
                          since_subtotal if sub else all_rows, failed_since_subtotal if sub else failed_all, problems)
            since_subtotal, failed_since_subtotal = [], False
            continue
        ranges = [f"{a1(r1, c1)}:{a1(r2, c2)}" for r1, c1, r2, c2 in _ranges_at(sheet, rownum) if c2 > c1]
        if ranges:
            problems.append(where.problem("error", f"数据行有横向合并的单元格 {'、'.join(ranges)}：请取消合并，每列填写自己的值",
                                          f"Cells merged across columns in a data row {', '.join(ranges)}: unmerge "
                                          "them and fill in each column", row=rownum))
            failed_since_subtotal = failed_all = True
            continue
        first = next(v for v in values if v is not None)
        if isinstance(first, str) and FOOTER.match(nfkc(first)) and _is_footer(sheet, rownum, values):
            problems.append(where.problem("error", "表尾行（填表人、审核人、日期等）下面还有数据：请把表尾移到表格最后",
                                          "A footer line (who filled it in, date …) with data below it: move the "
                                          "footer to the end of the table", row=rownum,
                                          value=first.strip()[:20]))
            failed_since_subtotal = failed_all = True
            continue
        row, ok = {}, True
        for c in table.columns:
            i = positions[c.name]
            raw = values[i] if i < len(values) else None
            if raw is None:
                if not c.nullable:
                    problems.append(where.problem("error", f"必填项为空：请填写“{c.zh}”",
                                                  f"Required value is empty: fill in {c.name}",
                                                  row=rownum, column=result.headers[c.name]))
                    ok = False
                row[c.name] = None
                continue
            try:
                row[c.name], note = parse_cell_noting(c, raw)
            except CellError as err:
                problems.append(where.problem("error", err.zh, err.en, row=rownum, column=result.headers[c.name],
                                              value=raw))
                ok = False
                continue
            if note == "time":
                dropped_times.setdefault(c.name, []).append(rownum)
            elif note and rownum not in result.units:
                result.units[rownum] = note
        if unit_at is not None and unit_at < len(values) and values[unit_at] is not None:
            result.units[rownum] = str(values[unit_at]).strip()
        if ok:
            result.rows.append(row)
            result.row_numbers.append(rownum)
            since_subtotal.append(row)
            all_rows.append(row)
        else:
            failed_since_subtotal = failed_all = True
    if unused:
        rows = _rows_label(sorted(unused))
        problems.append(where.problem("info", f"第 {rows} 行是表格中未填写的行（只有序号），已跳过",
                                      f"row(s) {rows}: unused lines of the form (a row number, nothing else), skipped",
                                      row=min(unused)))
    for column, rows in dropped_times.items():
        name = result.headers[column]
        problems.append(where.problem("info", f"“{name}”列第 {_rows_label(rows)} 行写有时刻，只取日期",
                                      f"'{name}': row(s) {_rows_label(rows)} also give a time of day; the date is "
                                      "kept", row=rows[0], column=name))
    return result


def _choose_header(sheet: Sheet, where: Where, problems: list[Problem]) -> Header | None:
    """The sheet's table and header, decided by the header; the names break a tie. Noted as info."""
    headers, count = find_header(sheet)
    stem = Path(where.file).stem  # the name the user gave the file (a staged upload's path is sanitised)
    named = tables_named(stem, sheet.sheet)
    if not headers:
        by_name, _ = detect_table(stem, sheet.sheet)
        if by_name is not None:
            problems.append(where.problem(
                "error", f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有“{by_name.zh}”的列名（应有："
                         f"{'、'.join(c.zh for c in by_name.columns)}）",
                f"No header row: none of the first {HEADER_SEARCH_ROWS} rows names the columns of {by_name.name} "
                f"(expected: {', '.join(c.name for c in by_name.columns)})"))
            return None
        problems.append(where.problem(
            "error", "无法判断属于哪张表：前 20 行中找不到任何一张表的表头。请用模板的列名作表头（如点单服务："
                     f"{'、'.join(c.zh for c in TABLES_BY_NAME['service_orders'].columns)}）",
            "Cannot tell which table this is: none of the first 20 rows is the header of any table. Use the "
            "template's column names as the header"))
        return None
    if len(headers) > 1:
        preferred = [h for h in headers if h.table in named]
        if len(preferred) == 1:
            headers = preferred
        else:
            found = "、".join(dict.fromkeys(n for h in headers for n, c in zip(h.names, h.columns) if c))
            tables = "；".join(f"{h.table.zh}（{'、'.join(c.zh for c in h.table.columns)}）" for h in headers)
            tables_en = "; ".join(f"{h.table.name} ({', '.join(c.name for c in h.table.columns)})" for h in headers)
            problems.append(where.problem(
                "error", f"无法判断属于哪张表：表头的列（{found}）同样像 {tables}。请补齐其中一张表的列，"
                         "或在工作表名中写明表名",
                f"Cannot tell which table this is: the header's columns ({found}) fit {tables_en} equally well. "
                "Add the missing columns of one of them, or name the table in the sheet name",
                row=sheet.rows[headers[0].index][0]))
            return None
    header = headers[0]
    total = len(header.table.columns)
    problems.append(where.problem("info", f"按表头识别为：{header.table.zh}（{count}/{total} 列）",
                                  f"recognised by its header as {header.table.name} ({count}/{total} columns)",
                                  row=sheet.rows[header.index][0]))
    return header


def _filled_down(sheet: Sheet, rownum: int, values: list) -> list:
    """A data row with the value of a cell merged down over several rows (the same compound for a few
    orders) in each of those rows."""
    if rownum not in sheet.merged_rows:
        return values
    out = list(values)
    first = sheet.rows[0][0]
    for r1, c1, r2, c2 in _ranges_at(sheet, rownum):
        if c1 == c2 and r1 < rownum:
            top = sheet.rows[r1 - first][1]
            out.extend([None] * (c1 - len(out)))
            out[c1 - 1] = top[c1 - 1] if c1 - 1 < len(top) else None
    return out


def _check_totals(where: Where, rownum: int, word: str, values: list, positions: dict[str, int], table: Table,
                  above: list[dict], above_failed: bool, problems: list[Problem]) -> None:
    """A totals row is skipped when each of its numbers is the sum of its column over the rows above (all of
    them for 合计, those since the last 小计 for 小计); otherwise it is refused, naming the mismatch."""
    sums, wrong = [], []
    for c in table.columns:
        i = positions[c.name]
        raw = values[i] if i < len(values) else None
        if raw is None or (isinstance(raw, str) and norm(raw).rstrip(":") in TOTALS):
            continue
        try:
            number = number_and_unit(raw, c)[0]
        except CellError:
            if c.type in ("INTEGER", "DOUBLE"):
                wrong.append((f"“{c.zh}”是“{raw}”，不是数字", f"{c.name} is '{raw}', not a number"))
            continue
        if c.name not in ADDITIVE:
            if c.type == "VARCHAR" and number == len(above) and not above_failed:
                continue  # "合计 | 8" in the id column: the number of rows
            wrong.append((f"“{c.zh}”不能合计", f"{c.name} is not a column that adds up"))
            continue
        total = sum(r[c.name] or 0 for r in above)
        if not above_failed and abs(total - number) > 1e-6 * max(1.0, abs(total)):
            wrong.append((f"“{c.zh}”合计 {number:g}，上方各行之和 {total:g}",
                          f"{c.name} totals {number:g}, the rows above add up to {total:g}"))
        sums.append(c.zh)
    if wrong:
        problems.append(where.problem(
            "error", f"合计行不是数据（{word}），且与上方各行不符：{'；'.join(z for z, _ in wrong)}。请删除这一行，"
                     "或改正上方的数字",
            f"A totals row ({word}) is not data, and it does not agree with the rows above: "
            f"{'; '.join(e for _, e in wrong)}. Delete the row, or correct the figures above it",
            row=rownum, value=word))
        return
    checked = f"（{'、'.join(sums)}与上方各行之和相符）" if sums and not above_failed else ""
    problems.append(where.problem("info", f"第 {rownum} 行是{word}行{checked}，已跳过",
                                  f"row {rownum} is a totals row ({word}){' that agrees with the rows above' if checked else ''}"
                                  ": skipped", row=rownum, value=word))
