"""Checks across rows and tables, and the merge (insert or update by key) into the current dataset."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash.data.contract import FOREIGN_KEYS, KM_REPAIR_KINDS, REPAIR_KIND, TABLES, TABLES_BY_NAME, UNIT_WORDS
from coopdash.data.dataset import split_months, to_arrow
from coopdash.data.files import PARTITION_TIME, partition_files, table_location
from coopdash.data.settings import settings
from ingest.parse import ParsedSheet, Problem, Where, norm

MAX_KM_PER_RECORD = 50.0  # a road or pipe job longer than this is almost surely metres typed as km
NON_NEGATIVE = {"buildings", "households", "headcount", "participants", "problems_resolved"}
UNITS = {unit: {norm(w) for w in words} for unit, words in UNIT_WORDS.items()}


@dataclass
class Located:
    row: dict
    where: Where
    rownum: int
    headers: dict[str, str]  # contract column → header as written in the file


@dataclass
class Parts:
    """A partitioned fact table's new content (coopdash/data/files.py `partition_files`): the month files that
    change, each month's rows sorted by time and key (an empty table: the month's file goes); every other month is
    the base version's own file. `whole`: every month is here (the base had the table in another layout, or not
    at all) and no file of the base is kept."""
    months: dict[dt.date, pa.Table]
    num_rows: int  # rows of the whole table
    whole: bool = False


@dataclass
class Merge:
    # new content of every touched table: a pa.Table, or for a fact table partitioned by month its changed
    # months (Parts)
    tables: dict[str, pa.Table | Parts] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    # fact table → first days of the months whose rows the batch adds, changes or moves (from or to): what the
    # rollups recompute (coopdash/data/rollups.py `update`); a table merged row by row is not listed
    months: dict[str, set] = field(default_factory=dict)


def _key(table: str, row: dict) -> tuple:
    return tuple(row[k] for k in TABLES_BY_NAME[table].key)


def _err(loc: Located, column: str, zh: str, en: str, value=None, severity: str = "error") -> Problem:
    return loc.where.problem(severity, zh, en, row=loc.rownum, column=loc.headers.get(column, column),
                             value=loc.row.get(column) if value is None else value)


def row_checks(table: str, loc: Located, today: dt.date, unit: str | None) -> list[Problem]:
    """Rules on one row alone."""
    row, out = loc.row, []
    t = TABLES_BY_NAME[table]
    end_of_today = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    for c in t.columns:
        v = row.get(c.name)
        if v is None:
            continue
        if (c.type == "DATE" and v > today) or (c.type == "TIMESTAMP" and v >= end_of_today):
            out.append(_err(loc, c.name, f"日期在未来（今天是 {today}）", f"date in the future (today is {today})"))
        if c.name in NON_NEGATIVE and v < 0:
            out.append(_err(loc, c.name, "不能为负数", "must not be negative"))
        if c.name == "lon" and not 73 <= v <= 136:
            out.append(_err(loc, c.name, "经度不在中国范围内（经纬度是否填反？）", "longitude outside China (lon/lat swapped?)"))
        if c.name == "lat" and not 3 <= v <= 54:
            out.append(_err(loc, c.name, "纬度不在中国范围内（经纬度是否填反？）", "latitude outside China (lon/lat swapped?)"))
    if table == "service_orders":
        resolved, res, sub = row["status"] == "resolved", row["resolved_at"], row["submitted_at"]
        if resolved and res is None:
            out.append(_err(loc, "resolved_at", "状态为已解决，但没有解决时间", "status is resolved but resolved_at is empty"))
        if not resolved and res is not None:
            out.append(_err(loc, "resolved_at", "只有已解决的工单才有解决时间", "only resolved orders have resolved_at"))
        if res is not None and sub is not None and res < sub:
            out.append(_err(loc, "resolved_at", f"解决时间早于点单时间 {sub}", f"resolved before it was submitted ({sub})"))
        rating = row["rating"]
        if rating is not None and not 1 <= rating <= 5:
            out.append(_err(loc, "rating", "满意度评分应为 1–5", "rating must be 1–5"))
        elif rating is not None and not resolved:
            out.append(_err(loc, "rating", "未解决的工单不应有评分", "an unresolved order should not be rated",
                            severity="warning"))
    if table == "cleanups":
        if row["tonnes"] <= 0:
            out.append(_err(loc, "tonnes", "重量必须大于 0", "tonnes must be > 0"))
        if unit is not None and norm(unit) not in UNITS["t"]:
            out.append(_err(loc, "单位", "清运重量单位应为吨", "cleanup weight must be in tonnes", value=unit))
    if table == "repairs":
        kind, qty = row["kind"], row["quantity"]
        km = kind in KM_REPAIR_KINDS
        if qty <= 0:
            out.append(_err(loc, "quantity", "数量必须大于 0", "quantity must be > 0"))
        elif km and qty > MAX_KM_PER_RECORD:
            out.append(_err(loc, "quantity", f"{REPAIR_KIND.zh(kind)}单位为公里，{qty:g} 公里过大：是否填成了米？",
                            f"{kind} is in km; {qty:g} km is too long: metres typed as km?"))
        elif not km and not float(qty).is_integer():
            out.append(_err(loc, "quantity", f"{REPAIR_KIND.zh(kind)}按个计，应为整数", f"{kind} counts items: whole number"))
        if unit is not None and norm(unit) not in UNITS["km" if km else "items"]:
            out.append(_err(loc, "单位", f"{REPAIR_KIND.zh(kind)}的单位应为{'公里' if km else '个'}",
                            f"{kind} is measured in {'km' if km else 'items'}", value=unit))
    if table == "management_history":
        coop = row["management"] == "cooperative"
        if coop and row["coop_mode"] is None:
            out.append(_err(loc, "coop_mode", "共享物业社代管须填写共享+模式", "cooperative management needs a coop_mode"))
        if not coop and row["coop_mode"] is not None:
            out.append(_err(loc, "coop_mode", "只有共享物业社代管才填写共享+模式", "coop_mode only with cooperative management"))
    return out


def check_and_merge(parsed: list[ParsedSheet], existing: dict[str, pa.Table], today: dt.date,
                    problems: list[Problem], base: Path | None = None) -> Merge:
    """Validate incoming rows against the contract and the existing dataset; merge by key. A fact table
    partitioned by month (PARTITION_TIME) not in `existing` is merged from the files of the dataset folder
    `base`, reading the key column of every month and whole only the months holding a key the batch sends again."""
    incoming: dict[str, list[Located]] = {t.name: [] for t in TABLES}
    for sheet in parsed:
        for row, rownum in zip(sheet.rows, sheet.row_numbers):
            loc = Located(row, sheet.where, rownum, sheet.headers)
            incoming[sheet.table.name].append(loc)
            problems += row_checks(sheet.table.name, loc, today, sheet.units.get(rownum))

    # keys unique within the incoming ledgers
    for table, locs in incoming.items():
        seen: dict[tuple, Located] = {}
        key_cols = TABLES_BY_NAME[table].key
        for loc in locs:
            k = _key(table, loc.row)
            if k in seen:
                first = seen[k]
                problems.append(_err(loc, key_cols[0], f"编号重复：与 {first.where.file} 第 {first.rownum} 行相同",
                                     f"duplicate id: same as {first.where.file} row {first.rownum}",
                                     value=" / ".join(str(x) for x in k)))
            else:
                seen[k] = loc

    # merge: existing rows keyed, incoming rows insert or update
    merge = Merge()
    merged_rows: dict[str, dict[tuple, dict]] = {}
    columnar: dict[str, pa.Table] = {}
    for t in TABLES:
        if not incoming[t.name] and t.name not in _needed_for_checks(incoming):
            continue
        if t.name not in CHECKED and len(t.key) == 1:  # a fact table: merged in Arrow, never as Python rows
            if t.name in PARTITION_TIME and t.name not in existing:
                merged = _merge_partitioned(t.name, base, incoming[t.name])
            else:
                merged = _merge_columnar(t.name, existing.get(t.name), incoming[t.name])
            (columnar[t.name], merge.added[t.name], merge.updated[t.name], merge.unchanged[t.name],
             merge.months[t.name]) = merged
            continue
        old = existing.get(t.name)
        rows = {} if old is None else {_key(t.name, r): r for r in old.to_pylist()}
        added = updated = unchanged = 0
        for loc in incoming[t.name]:
            k = _key(t.name, loc.row)
            if k not in rows:
                added += 1
            elif rows[k] == loc.row:
                unchanged += 1
            else:
                updated += 1
            rows[k] = loc.row
        merged_rows[t.name] = rows
        if incoming[t.name]:
            merge.added[t.name], merge.updated[t.name], merge.unchanged[t.name] = added, updated, unchanged

    # foreign keys of incoming rows, against the merged parents
    for child, column, parent, parent_column in FOREIGN_KEYS:
        if not incoming[child]:
            continue
        parents = {r[parent_column] for r in merged_rows[parent].values()}
        for loc in incoming[child]:
            if loc.row[column] not in parents:
                problems.append(_err(loc, column, f"在“{TABLES_BY_NAME[parent].zh}”中找不到 {loc.row[column]}",
                                     f"{loc.row[column]} not found in {parent}"))

    # every compound needs its state before the program launch
    launch = settings().launch
    if incoming["compounds"] or incoming["management_history"]:
        has_baseline = {r["compound_code"] for r in merged_rows["management_history"].values()
                        if r["valid_from"] <= launch}
        for loc in incoming["compounds"] + incoming["management_history"]:
            code = loc.row["compound_code"]
            if code not in has_baseline:
                problems.append(_err(loc, "compound_code",
                                     f"小区 {code} 缺少项目启动日（{launch}）及以前的管理状态",
                                     f"compound {code} has no management state on or before the launch ({launch})"))
                has_baseline.add(code)  # once per compound

    # membership rules: a warning, not an error
    if incoming["coop_members"]:
        rules = settings().cooperative_rules
        by_coop: dict[str, list[dict]] = {}
        for r in merged_rows["coop_members"].values():
            by_coop.setdefault(r["coop_code"], []).append(r)
        first_loc = {}
        for loc in incoming["coop_members"]:
            first_loc.setdefault(loc.row["coop_code"], loc)
        for coop, loc in first_loc.items():
            members = by_coop.get(coop, [])
            size = len(members)
            chairs = sum(m["role"] == "chair" for m in members)
            vices = sum(m["role"] == "vice_chair" for m in members)
            party = sum(bool(m["is_party_member"]) for m in members)
            broken = []
            if not rules["min_members"] <= size <= rules["max_members"]:
                broken.append((f"成员 {size} 人，应为 {rules['min_members']}–{rules['max_members']} 人",
                               f"{size} members, should be {rules['min_members']}–{rules['max_members']}"))
            if chairs != rules["chairs"] or vices != rules["vice_chairs"]:
                broken.append((f"理事长 {chairs} 人、副理事长 {vices} 人", f"{chairs} chairs, {vices} vice-chairs"))
            if size and party <= rules["party_share_above"] * size:
                broken.append((f"党员 {party} 人，未过半", f"{party} party members, not over half"))
            for zh, en in broken:
                problems.append(_err(loc, "coop_code", f"物业社 {coop} 不符合组成要求：{zh}",
                                     f"cooperative {coop} breaks the membership rules: {en}", value=coop,
                                     severity="warning"))

    for name in incoming:
        if name in columnar:
            merge.tables[name] = columnar[name]
        elif incoming[name]:
            merge.tables[name] = to_arrow(name, sorted(merged_rows[name].values(), key=_sort_key(name)))
    return merge


# Tables whose merged rows the checks read row by row (parents of a foreign key, the baseline and membership
# rules): small, merged as Python rows. Every other table (the orders, cleanups and repairs: millions of rows at
# city scale) is merged in Arrow: the existing rows are never turned into Python objects.
CHECKED = {parent for _, _, parent, _ in FOREIGN_KEYS} | {"management_history", "coop_members"}


def needed_tables(names: set[str]) -> set[str]:
    """The existing tables a batch touching `names` must read: those tables and what their checks read."""
    return set(names) | _needed_for_checks({t.name: [None] if t.name in names else [] for t in TABLES})


def _merge_columnar(name: str, old: pa.Table | None, locs: list[Located]) -> tuple[pa.Table, int, int, int, set]:
    """Insert or update by a one-column key, in Arrow: the existing rows whose key the batch holds are the only
    ones compared as Python values. Returns (merged table sorted as `_sort_key`, added, updated, unchanged, the
    months touched: of every row added or changed, before and after)."""
    import pyarrow.compute as pc

    t = TABLES_BY_NAME[name]
    key = t.key[0]
    time_cols = [c.name for c in t.columns if c.type in ("DATE", "TIMESTAMP") and not c.nullable]
    new = to_arrow(name, [loc.row for loc in locs])
    before: dict = {}
    if old is None or old.num_rows == 0:
        merged = new
    else:
        old = old.select(new.column_names).cast(new.schema)
        hit = pc.is_in(old[key], value_set=new[key])
        before = {r[key]: r for r in old.filter(hit).to_pylist()}
        merged = pa.concat_tables([old.filter(pc.invert(hit)), new])
    changed = [loc.row for loc in locs if before.get(loc.row[key]) != loc.row]
    updated = sum(1 for r in changed if r[key] in before)
    unchanged, added = len(before) - updated, len(locs) - len(before)
    month = lambda v: dt.date(v.year, v.month, 1)  # noqa: E731
    months = {month(r[time_cols[0]]) for r in changed} | {month(before[r[key]][time_cols[0]]) for r in changed
                                                           if r[key] in before}
    order = [(c, "ascending") for c in time_cols[:1] + list(t.key)]
    return merged.sort_by(order), added, updated, unchanged, months


def _month(v) -> dt.date:
    return dt.date(v.year, v.month, 1)


def _merge_partitioned(name: str, base: Path | None, locs: list[Located]) -> tuple[Parts, int, int, int, set]:
    """`_merge_columnar` over a table stored one file per month: is each incoming key new or an update? The key
    column of every month file answers it (read in parallel, nothing else of the file); only the months holding
    a key the batch sends again are read whole (to compare), and only the months whose rows change (added,
    changed, or moved out or in) are returned, each sorted by (time, key). A base holding the table in another layout (one file: the
    datasets written before months were files) is read whole and returned as every month (`whole`): the first
    publish converts it."""
    files = partition_files(base, name) if base is not None else None
    if files is None:  # no such table yet, or one file: merged whole, written as months
        where = table_location(base, name) if base is not None else None
        old = None
        if where is not None:
            old = pq.read_table(where) if where.is_file() else pq.read_table(where, partitioning="hive")
        merged, added, updated, unchanged, months = _merge_columnar(name, old, locs)
        return Parts(split_months(name, merged), merged.num_rows, whole=True), added, updated, unchanged, months
    t = TABLES_BY_NAME[name]
    key, time = t.key[0], PARTITION_TIME[name]
    new = to_arrow(name, [loc.row for loc in locs])
    keys = new[key].combine_chunks()

    def probe(item):
        month, f = item
        file = pq.ParquetFile(f)
        column = file.read(columns=[key]).column(0)
        return month, file.metadata.num_rows, bool(pc.any(pc.is_in(column, value_set=keys)).as_py())

    with ThreadPoolExecutor(4) as pool:
        probed = list(pool.map(probe, files.items()))
    base_rows = sum(n for _, n, _ in probed)
    old_parts = {m: pq.read_table(files[m]).select(new.column_names).cast(new.schema) for m, _, hit in probed if hit}
    before = {}
    for part in old_parts.values():
        before.update({r[key]: r for r in part.filter(pc.is_in(part[key], value_set=keys)).to_pylist()})
    changed = [loc.row for loc in locs if before.get(loc.row[key]) != loc.row]
    updated = sum(1 for r in changed if r[key] in before)
    unchanged, added = len(before) - updated, len(locs) - len(before)
    months = {_month(r[time]) for r in changed} | {_month(before[r[key]][time]) for r in changed if r[key] in before}
    incoming = split_months(name, new)
    out = {}
    for m in sorted(months):
        old = old_parts.get(m)
        if old is None and m in files:
            old = pq.read_table(files[m]).select(new.column_names).cast(new.schema)
        pieces = [] if old is None else [old.filter(pc.invert(pc.is_in(old[key], value_set=keys)))]
        pieces += [incoming[m]] if m in incoming else []
        out[m] = pa.concat_tables(pieces).sort_by([(time, "ascending"), (key, "ascending")]) if pieces else new.slice(0, 0)
    return Parts(out, base_rows + added), added, updated, unchanged, months


def _needed_for_checks(incoming: dict[str, list]) -> set[str]:
    """Tables whose merged content the checks read (parents of incoming tables, and more)."""
    need = {parent for child, _, parent, _ in FOREIGN_KEYS if incoming[child]}
    if incoming["compounds"] or incoming["management_history"]:
        need.add("management_history")
    return need


def _sort_key(table: str):
    """Rows sorted by time where the table has one (so files are sorted for zone maps), then key."""
    t = TABLES_BY_NAME[table]
    time_cols = [c.name for c in t.columns if c.type in ("DATE", "TIMESTAMP") and not c.nullable]
    cols = time_cols[:1] + list(t.key)
    return lambda r: tuple((r[c] is None, r[c]) for c in cols)
