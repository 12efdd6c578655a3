"""python -m ingest: bad ledgers are refused with the right message and the dataset untouched;
good ledgers merge into a new version that the pages show; crashes and rollback leave a whole dataset."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from coopdash import ROOT
from coopdash.data import db, rollups
from coopdash.data.contract import TABLES, TABLES_BY_NAME
from ingest import store
from ingest.cli import main
from ingest.templates import write_all
from tests.conftest import params
from tests.fixture_data import write_fixture


def orders_of(dataset: Path):
    """The service orders of a dataset, one file or one file per month (what ingest writes)."""
    return store.read_tables(dataset, {"service_orders"})["service_orders"]

TODAY = "2024-02-15"
ORDER_HEADERS = [c.zh for c in TABLES_BY_NAME["service_orders"].columns]
# 工单编号 小区代码 服务类别 点单时间 解决时间 状态 满意度评分
GOOD_ORDER = ["O8", "P1", "管道疏通", "2024-01-05 09:30", "2024-01-06 10:00", "已解决", "5"]


def tree_digest(path: Path) -> str:
    """A hash of everything a reader of `path` sees (following the symlink), plus the link itself."""
    h = hashlib.sha256(str(os.readlink(path) if path.is_symlink() else "").encode())
    root = Path(os.path.realpath(path))
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def dataset(tmp_path):
    return write_fixture(tmp_path / "ds")


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], sheet: str = "点单服务", merge: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def run(*args) -> tuple[int, str]:
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main([str(a) for a in args] + ["--today", TODAY])
    return code, buf.getvalue()


def orders(tmp_path: Path, *rows: list, name="点单服务.csv", headers=ORDER_HEADERS, encoding="utf-8") -> Path:
    return write_csv(tmp_path / name, [headers, *rows], encoding)


# ---------------------------------------------------------------------------- the bad-file corpus

def _with(row, **changes):
    out = list(row)
    for col, value in changes.items():
        out[ORDER_HEADERS.index(col)] = value
    return out


def bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """kind → (ledger file, a phrase its message must contain)."""
    h = ORDER_HEADERS
    cases = {
        "utf16_encoding": (orders(tmp, GOOD_ORDER, name="a.点单.csv", encoding="utf-16"), "UTF-16"),
        "undecodable_bytes": (None, "无法识别文件编码"),
        "missing_column": (write_csv(tmp / "b.点单.csv", [h[:-1], GOOD_ORDER[:-1]]), "缺少必需的列“满意度评分”"),
        "unknown_category": (orders(tmp, _with(GOOD_ORDER, 服务类别="修自行车"), name="c.点单.csv"), "不是允许的取值"),
        "duplicate_id": (orders(tmp, GOOD_ORDER, GOOD_ORDER, name="d.点单.csv"), "编号重复"),
        "orphan_compound": (orders(tmp, _with(GOOD_ORDER, 小区代码="P99"), name="e.点单.csv"), "找不到 P99"),
        "resolved_before_submitted": (orders(tmp, _with(GOOD_ORDER, 解决时间="2024-01-04 09:00"), name="f.点单.csv"),
                                      "解决时间早于点单时间"),
        "future_date": (orders(tmp, _with(GOOD_ORDER, 点单时间="2024-03-01 09:00", 解决时间="2024-03-02 09:00"),
                               name="g.点单.csv"), "日期在未来"),
        "rating_7": (orders(tmp, _with(GOOD_ORDER, 满意度评分="7"), name="h.点单.csv"), "满意度评分应为 1–5"),
        "merged_header_cells": (write_xlsx(tmp / "i.xlsx", [h, GOOD_ORDER], merge="A1:B1"), "表头有合并单元格 A1:B1"),
        "blank_row": (orders(tmp, GOOD_ORDER, [""] * 7, _with(GOOD_ORDER, 工单编号="O9"), name="j.点单.csv"), "空行"),
        "totals_row": (orders(tmp, GOOD_ORDER, ["合计", "", "", "", "", "", "5"], name="k.点单.csv"), "合计行不是数据"),
        "text_in_number_column": (orders(tmp, _with(GOOD_ORDER, 满意度评分="很好"), name="l.点单.csv"),
                                  "应为数字，不能是文字"),
        "resolved_without_time": (orders(tmp, _with(GOOD_ORDER, 解决时间=""), name="m.点单.csv"), "没有解决时间"),
        "open_with_resolved_time": (orders(tmp, _with(GOOD_ORDER, 状态="处理中", 满意度评分=""), name="n.点单.csv"),
                                    "只有已解决的工单才有解决时间"),
        "impossible_date": (orders(tmp, _with(GOOD_ORDER, 点单时间="2024-02-30 09:00"), name="o.点单.csv"), "时间无法识别"),
        # the table is told by its header: one that names no table's columns, or fits two equally, is refused
        "unknown_table": (write_csv(tmp / "新建文档.csv", [["甲", "乙", "丙"], ["1", "2", "3"]]), "无法判断属于哪张表"),
        "ambiguous_header": (write_csv(tmp / "台账.csv", [["compound_code", "done_on"], ["P1", "2024-01-10"]]),
                             "同样像 垃圾清运"),
        "empty_file": (write_csv(tmp / "p.点单.csv", []), "文件是空的"),
        "required_value_empty": (orders(tmp, _with(GOOD_ORDER, 小区代码=""), name="q.点单.csv"), "必填项为空"),
        "not_really_xlsx": (None, "无法打开 Excel 文件"),
        "no_header_row": (write_csv(tmp / "r.点单.csv", [["龙潭区点单服务台账"], ["a", "b", "c"]]), "找不到表头"),
        "road_in_metres": (write_csv(tmp / "修缮.csv", [[c.zh for c in TABLES_BY_NAME["repairs"].columns],
                                                       ["R8", "P1", "2024-01-10", "道路", "2300"]]), "是否填成了米"),
        "half_a_door": (write_csv(tmp / "修缮2.csv", [[c.zh for c in TABLES_BY_NAME["repairs"].columns],
                                                      ["R8", "P1", "2024-01-10", "楼宇门", "2.5"]]), "按个计，应为整数"),
        "unit_mismatch": (write_csv(tmp / "修缮3.csv", [[c.zh for c in TABLES_BY_NAME["repairs"].columns] + ["单位"],
                                                        ["R8", "P1", "2024-01-10", "道路", "0.3", "米"]]), "单位应为公里"),
        "negative_tonnes": (write_csv(tmp / "清运.csv", [[c.zh for c in TABLES_BY_NAME["cleanups"].columns],
                                                         ["L9", "P1", "2024-01-10", "生活垃圾", "-1.5"]]), "重量必须大于 0"),
        "coop_mode_without_cooperative": (write_csv(tmp / "管理状态.csv", [
            [c.zh for c in TABLES_BY_NAME["management_history"].columns],
            ["P3", "2024-01-01", "专业物业", "联建共建"]]), "只有共享物业社代管才填写共享+模式"),
        "new_compound_without_baseline": (write_csv(tmp / "小区与单体楼.csv", [
            [c.zh for c in TABLES_BY_NAME["compounds"].columns],
            ["P6", "新小区", "C1", "小区", "1990", "3", "120", "126.55", "43.90"]]), "缺少项目启动日"),
        "lon_lat_swapped": (write_csv(tmp / "社区.csv", [
            [c.zh for c in TABLES_BY_NAME["communities"].columns], ["C4", "四社区", "S1", "否", "43.90", "126.55"]]),
            "经纬度是否填反"),
        "bad_boolean": (write_csv(tmp / "社区2.csv", [
            [c.zh for c in TABLES_BY_NAME["communities"].columns], ["C4", "四社区", "S1", "也许", "126.55", "43.90"]]),
            "应为 是/否"),
    }
    bad = tmp / "s.点单.csv"
    bad.write_bytes(",".join(ORDER_HEADERS).encode("utf-8") + b"\n\x81\x20\xff,P1\n")
    cases["undecodable_bytes"] = (bad, cases["undecodable_bytes"][1])
    fake = tmp / "t.点单.xlsx"
    fake.write_bytes(b"this is not a workbook")
    cases["not_really_xlsx"] = (fake, cases["not_really_xlsx"][1])
    return cases


CASES = [
    "utf16_encoding", "undecodable_bytes", "missing_column", "unknown_category", "duplicate_id", "orphan_compound",
    "resolved_before_submitted", "future_date", "rating_7", "merged_header_cells", "blank_row", "totals_row",
    "text_in_number_column", "resolved_without_time", "open_with_resolved_time", "impossible_date", "unknown_table",
    "ambiguous_header", "empty_file", "required_value_empty", "not_really_xlsx", "no_header_row", "road_in_metres", "half_a_door",
    "unit_mismatch", "negative_tonnes", "coop_mode_without_cooperative", "new_compound_without_baseline",
    "lon_lat_swapped", "bad_boolean"]


@pytest.mark.parametrize("kind", CASES)
def test_bad_ledger_is_refused_with_its_message_and_the_dataset_unchanged(kind, dataset, tmp_path):
    assert len(CASES) >= 20
    ledger_dir = tmp_path / "ledgers"
    ledger_dir.mkdir()
    path, phrase = bad_files(ledger_dir)[kind]
    before = tree_digest(dataset)
    report = tmp_path / "report.csv"
    code, out = run(path, "--dataset", dataset, "--report", report)
    assert code == 1, out
    assert phrase in out
    assert tree_digest(dataset) == before
    assert not dataset.is_symlink() and not store.versions_dir(dataset).exists()
    text = report.read_text(encoding="utf-8-sig")
    assert phrase in text and path.name in text


def test_every_problem_is_reported_at_once_with_file_row_column_and_value(dataset, tmp_path):
    path = orders(tmp_path, _with(GOOD_ORDER, 满意度评分="7"), _with(GOOD_ORDER, 工单编号="O9", 服务类别="修车"),
                  _with(GOOD_ORDER, 工单编号="O10", 小区代码="P99"))
    code, out = run(path, "--dataset", dataset)
    assert code == 1
    assert "点单服务.csv 第2行 row 2 列 column「满意度评分」 值 value「7」" in out
    assert "第3行 row 3 列 column「服务类别」 值 value「修车」" in out
    assert "第4行 row 4 列 column「小区代码」 值 value「P99」" in out
    assert "3 个错误" in out
    reports = list(store.reports_dir(dataset).glob("*.csv"))
    assert len(reports) == 1  # written beside the dataset, not inside it


def test_excel_row_numbers_count_title_rows(dataset, tmp_path):
    path = write_xlsx(tmp_path / "点单.xlsx", [["龙潭区点单服务台账（2024年1月）"], ORDER_HEADERS, GOOD_ORDER,
                                              _with(GOOD_ORDER, 工单编号="O9", 满意度评分="9")])
    code, out = run(path, "--dataset", dataset)
    assert code == 1 and "点单.xlsx [点单服务] 第4行 row 4" in out


# ---------------------------------------------------------------------------- good ledgers

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_are_detected(encoding, dataset, tmp_path):
    code, out = run(orders(tmp_path, GOOD_ORDER, encoding=encoding), "--dataset", dataset)
    assert code == 0, out
    rows = orders_of(dataset).to_pylist()
    o8 = next(r for r in rows if r["order_id"] == "O8")
    assert (o8["category"], o8["status"], o8["rating"]) == ("pipe_unclog", "resolved", 5)


def test_date_formats_and_excel_serials_are_read(dataset, tmp_path):
    serial = (dt.date(2024, 1, 5) - dt.date(1899, 12, 30)).days + 0.5  # 2024-01-05 12:00
    path = write_xlsx(tmp_path / "点单.xlsx", [
        ORDER_HEADERS,
        _with(GOOD_ORDER, 工单编号="A", 点单时间="2024/1/5 9:30", 解决时间="2024年1月6日 10:00"),
        _with(GOOD_ORDER, 工单编号="B", 点单时间=serial, 解决时间=dt.datetime(2024, 1, 6, 8, 0)),
        _with(GOOD_ORDER, 工单编号="C", 点单时间="2024.1.5", 解决时间="2024-01-06"),
    ])
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out
    got = {r["order_id"]: (r["submitted_at"], r["resolved_at"])
           for r in orders_of(dataset).to_pylist()}
    assert got["A"] == (dt.datetime(2024, 1, 5, 9, 30), dt.datetime(2024, 1, 6, 10, 0))
    assert got["B"] == (dt.datetime(2024, 1, 5, 12, 0), dt.datetime(2024, 1, 6, 8, 0))
    assert got["C"] == (dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 6))


def test_english_headers_and_codes_are_accepted(dataset, tmp_path):
    path = write_csv(tmp_path / "service_orders.csv", [
        [c.name for c in TABLES_BY_NAME["service_orders"].columns],
        ["O8", "P1", "pipe_unclog", "2024-01-05 09:30", "2024-01-06 10:00", "resolved", "4"]])
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out


def test_personal_data_never_reaches_the_extracts(dataset, tmp_path):
    path = write_csv(tmp_path / "物业社成员.csv", [
        [c.zh for c in TABLES_BY_NAME["coop_members"].columns] + ["姓名", "联系电话", "身份证号", "家庭住址"],
        ["m9", "K2", "成员", "是", "网格员", "2024-01-10", "张三", "13800000000", "220203199001011234", "某路1号"]])
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out
    for column in ("姓名", "联系电话", "身份证号", "家庭住址"):
        assert f"个人信息列“{column}”已删除" in out
    for p in Path(os.path.realpath(dataset)).rglob("*.parquet"):
        table = pq.read_table(p)
        assert "张三" not in str(table.to_pylist()) and "13800000000" not in str(table.to_pylist())
    summary = (dataset / "_ingest" / "summary.json").read_text(encoding="utf-8")
    assert "联系电话" in summary  # the report says which columns were dropped


def test_membership_rules_are_a_warning_not_an_error(dataset, tmp_path):
    path = write_csv(tmp_path / "物业社成员.csv", [
        [c.zh for c in TABLES_BY_NAME["coop_members"].columns], ["m9", "K2", "成员", "否", "网格员", "2024-01-10"]])
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out
    assert "警告 warning" in out and "不符合组成要求" in out and "党员 1 人，未过半" in out


def test_new_month_merges_insert_and_update_by_id(dataset, tmp_path):
    # O6 (in progress since 2023-10-01) is now resolved; O8 and O9 are new.
    path = orders(tmp_path, GOOD_ORDER, _with(GOOD_ORDER, 工单编号="O9", 状态="处理中", 解决时间="", 满意度评分=""),
                  ["O6", "P5", "垃圾清运", "2023-10-01 09:00", "2024-01-02 09:00", "已解决", "4"])
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out
    assert dataset.is_symlink() and os.readlink(dataset).endswith("v0002")
    rows = {r["order_id"]: r for r in orders_of(dataset).to_pylist()}
    assert len(rows) == 9 and rows["O6"]["status"] == "resolved" and rows["O9"]["status"] == "in_progress"
    summary = __import__("json").loads((dataset / "_ingest" / "summary.json").read_text(encoding="utf-8"))
    assert summary["tables"]["service_orders"] == {"added": 2, "updated": 1, "unchanged": 0, "rows": 9}
    # the tables not in the ledger are the same files (hard links), not copies
    v1, v2 = store.versions(dataset)
    assert os.path.samefile(v1 / "cleanups.parquet", v2 / "cleanups.parquet")


def test_ingested_ledgers_reach_the_figures(dataset, tmp_path):
    """Round trip: the query layer's figures grow by exactly the ledgers' totals."""
    jan = params(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    before = db.execute(db.open_dataset(dataset), "kpi_outcomes", jan).iloc[0]
    ledgers = tmp_path / "2024-01"
    ledgers.mkdir()
    write_csv(ledgers / "垃圾清运.csv", [[c.zh for c in TABLES_BY_NAME["cleanups"].columns],
                                        ["L10", "P1", "2024/1/8", "生活垃圾", "1.2"],
                                        ["L11", "P4", "2024/1/9", "建筑垃圾", "3.4"],
                                        ["L12", "P2", "2024/1/20", "生活垃圾", "0.35"]])
    write_xlsx(ledgers / "修缮台账.xlsx", [[c.zh for c in TABLES_BY_NAME["repairs"].columns],
                                         ["R10", "P1", "2024-01-10", "供热管线", 0.75],
                                         ["R11", "P4", "2024-01-12", "楼宇门", 4]], sheet="修缮")
    orders(ledgers, GOOD_ORDER)
    code, out = run(ledgers, "--dataset", dataset)
    assert code == 0, out
    # the new version carries rollups built from its own tables (not the old version's)
    assert all(rollups.is_current(dataset, name) for name in rollups.NAMES)
    con = db.open_dataset(dataset)
    assert con.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'rollup_%'").fetchall() == [(0,)]
    after = db.execute(con, "kpi_outcomes", jan).iloc[0]
    assert after["household_t"] - before["household_t"] == pytest.approx(1.2 + 0.35)
    assert after["construction_t"] - before["construction_t"] == pytest.approx(3.4)
    assert after["heating_pipe_km"] - before["heating_pipe_km"] == pytest.approx(0.75)
    assert after["building_doors"] - before["building_doors"] == 4
    assert db.execute(con, "kpi_orders", jan).iloc[0]["resolved"] == 1  # O8
    # and the report window's figures are untouched
    assert db.execute(con, "kpi_outcomes", params()).iloc[0]["household_t"] == pytest.approx(1.75)


def test_overview_page_shows_the_ingested_month(dataset, tmp_path, monkeypatch):
    from tests.apptest import metrics, open_app
    write_csv(tmp_path / "垃圾清运.csv", [[c.zh for c in TABLES_BY_NAME["cleanups"].columns],
                                         ["L10", "P1", "2024/1/8", "生活垃圾", "1.2"]])
    assert run(tmp_path / "垃圾清运.csv", "--dataset", dataset)[0] == 0
    monkeypatch.setenv("COOP_DATA_DIR", str(dataset))
    shown = metrics(open_app(from_="2024-01-01", to="2024-01-31"))
    assert shown["清运生活垃圾"] == "1.2 吨"


# ---------------------------------------------------------------------------- versions, crashes

def test_rollback_restores_the_previous_version(dataset, tmp_path):
    original = orders_of(dataset)
    assert run(orders(tmp_path, GOOD_ORDER), "--dataset", dataset)[0] == 0
    assert run(orders(tmp_path, _with(GOOD_ORDER, 工单编号="O9")), "--dataset", dataset)[0] == 0
    assert orders_of(dataset).num_rows == original.num_rows + 2
    assert main(["--rollback", "--dataset", str(dataset)]) == 0
    assert orders_of(dataset).num_rows == original.num_rows + 1
    assert main(["--rollback", "--dataset", str(dataset)]) == 0
    assert orders_of(dataset).sort_by("order_id").equals(original.sort_by("order_id"))
    assert main(["--rollback", "--dataset", str(dataset)]) == 1  # nothing older
    assert len(store.versions(dataset)) == 3  # every version kept


def test_the_first_publish_into_a_plain_folder_keeps_its_files_and_the_next_writes_months(dataset, tmp_path):
    """A session opened on a plain folder reads its files by their paths there, which the first publish's swap
    turns into the new version's: that version keeps service_orders.parquet (one file, with the new order); the
    next publish, from a version, writes the orders one file per month, and the one after rewrites only the month
    its order is in (2024-01) and links the others."""
    from coopdash.data.files import partition_files
    assert run(orders(tmp_path, GOOD_ORDER), "--dataset", dataset)[0] == 0
    v2 = Path(os.path.realpath(dataset))
    assert (v2 / "service_orders.parquet").is_file() and "O8" in orders_of(dataset).column("order_id").to_pylist()
    assert run(orders(tmp_path, _with(GOOD_ORDER, 工单编号="O9", 点单时间="2024-01-05 10:00")), "--dataset", dataset)[0] == 0
    v3 = Path(os.path.realpath(dataset))
    months = partition_files(v3, "service_orders")
    assert not (v3 / "service_orders.parquet").exists() and months
    assert orders_of(dataset).sort_by("order_id").equals(
        pa.concat_tables([orders_of(v2), orders_of(dataset).filter(pc.equal(orders_of(dataset)["order_id"], "O9"))])
        .sort_by("order_id"))
    o9 = orders_of(dataset).filter(pc.equal(orders_of(dataset)["order_id"], "O9")).to_pylist()[0]
    assert o9["submitted_at"].month == 1 and o9["submitted_at"].year == 2024
    code, out = run(orders(tmp_path, _with(GOOD_ORDER, 工单编号="O10", 点单时间="2024-01-03 10:00")), "--dataset", dataset)
    assert code == 0, out
    v4 = Path(os.path.realpath(dataset))
    after = partition_files(v4, "service_orders")
    assert set(after) == set(months) and len(months) > 1
    for m, f in after.items():
        assert os.path.samefile(f, months[m]) == (m != dt.date(2024, 1, 1)), m
    assert orders_of(dataset).num_rows == orders_of(v3).num_rows + 1


def test_rollback_of_a_plain_folder_is_refused(dataset):
    assert main(["--rollback", "--dataset", str(dataset)]) == 1


@pytest.mark.parametrize("point", ["after_write", "before_swap", "after_swap"])
def test_killed_ingest_leaves_a_whole_old_or_new_dataset(point, dataset, tmp_path):
    ledger = orders(tmp_path, GOOD_ORDER)
    old_rows = orders_of(dataset).num_rows
    env = {**os.environ, store.CRASH_ENV: point, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "ingest", str(ledger), "--dataset", str(dataset), "--today", TODAY],
                          env=env, capture_output=True, cwd=ROOT)
    assert proc.returncode == 137  # killed at that point
    con = db.open_dataset(dataset)  # the dataset opens: every table present and complete
    rows = db.execute(con, "kpi_orders", params(start=dt.date(2023, 1, 1), end=dt.date(2024, 1, 31))).iloc[0]
    expected_new = point == "after_swap"
    assert orders_of(dataset).num_rows == old_rows + (1 if expected_new else 0)
    assert rows["resolved"] == (6 if expected_new else 5)  # O1 O2 O3 O5 O7 (+ O8)
    # the next run cleans what the killed one left and works
    code, out = run(orders(tmp_path, _with(GOOD_ORDER, 工单编号="O9")), "--dataset", dataset)
    assert code == 0, out
    assert all((v / "_ingest" / "COMPLETE").exists() for v in store.versions_dir(dataset).iterdir())
    assert not list(dataset.parent.glob(f".{dataset.name}.link-*"))


# ---------------------------------------------------------------------------- templates

def test_templates_have_the_contract_headers_and_ingest_empty(tmp_path):
    from openpyxl import load_workbook
    paths = write_all(tmp_path)
    assert [p.stem for p in paths] == [t.name for t in TABLES]
    for t, p in zip(TABLES, paths):
        wb = load_workbook(p)
        assert wb.sheetnames == [t.zh, "填写说明"]
        assert [c.value for c in wb[t.zh][1]] == [c.zh for c in t.columns]


def test_committed_templates_are_current():
    from openpyxl import load_workbook
    for t in TABLES:
        wb = load_workbook(ROOT / "data" / "templates" / f"{t.name}.xlsx")
        assert [c.value for c in wb[t.zh][1]] == [c.zh for c in t.columns], \
            f"data/templates/{t.name}.xlsx is stale: python -m ingest.templates"


def test_a_filled_template_ingests(dataset, tmp_path):
    from openpyxl import load_workbook
    write_all(tmp_path)
    wb = load_workbook(tmp_path / "service_orders.xlsx")
    wb["点单服务"].append(GOOD_ORDER)
    wb.save(tmp_path / "service_orders.xlsx")
    code, out = run(tmp_path / "service_orders.xlsx", "--dataset", dataset)
    assert code == 0, out


def test_an_empty_template_is_nothing_to_import(dataset, tmp_path):
    write_all(tmp_path)
    before = tree_digest(dataset)
    code, out = run(tmp_path / "cleanups.xlsx", "--dataset", dataset)
    assert code == 1 and "没有可导入的数据行" in out
    assert tree_digest(dataset) == before


def test_a_fact_table_merges_in_arrow_as_the_row_by_row_merge_would():
    """service_orders, cleanups, repairs (millions of rows at city scale) are merged in Arrow: the existing rows are
    never Python objects. The result is the row-by-row merge's: updated in place, added, sorted by time then id."""
    import datetime as dt

    from coopdash.data.dataset import to_arrow
    from ingest.parse import Where
    from ingest.validate import Located, _merge_columnar
    from tests.fixture_data import ROWS
    old_rows = ROWS["service_orders"]
    same = dict(old_rows[0])
    changed = {**old_rows[1], "rating": 1}  # O2 was rated 4
    new1 = {**old_rows[0], "order_id": "Z1", "submitted_at": dt.datetime(2020, 1, 1, 8)}  # sorts first
    new2 = {**old_rows[0], "order_id": "A0", "submitted_at": old_rows[0]["submitted_at"]}  # same time, id before
    locs = [Located(r, Where("f", ""), i, {}) for i, r in enumerate([same, changed, new1, new2])]
    merged, added, updated, unchanged, months = _merge_columnar("service_orders", to_arrow("service_orders", old_rows),
                                                                locs)
    assert (added, updated, unchanged) == (2, 1, 1)
    assert months == {dt.date(2020, 1, 1), dt.date(2023, 6, 1), dt.date(2023, 7, 1)}  # the unchanged O1's is not
    by_key = {r["order_id"]: r for r in old_rows} | {r["order_id"]: r for r in (same, changed, new1, new2)}
    expected = sorted(by_key.values(), key=lambda r: (r["submitted_at"], r["order_id"]))
    assert merged.to_pylist() == expected
    assert merged.schema == to_arrow("service_orders", []).schema
