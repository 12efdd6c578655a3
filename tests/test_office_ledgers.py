"""Ledgers written by real office software (tests/office_corpus.py: LibreOffice standing in for WPS and Excel)
import exactly — through the command line, the 数据管理 page (AppTest) and in Chromium — and the ordinary
furniture of a Chinese office form is recognised and reported as notes; what is wrong is still refused, with a
message that names the row and says what to write instead."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from coopdash import ROOT
from coopdash.data.contract import TABLES_BY_NAME
from ingest import batch, store
from ingest.cli import main
from ingest.readers import collect
from ingest.store import read_tables
from tests import office_corpus
from tests.fixture_data import write_fixture
from tests.test_ingest import TODAY, tree_digest, write_csv

CORPUS = ROOT / "tests" / "fixtures" / "ledgers"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file())
REPAIRS = [c.zh for c in TABLES_BY_NAME["repairs"].columns]
CLEANUPS = [c.zh for c in TABLES_BY_NAME["cleanups"].columns]
ORDERS = [c.zh for c in TABLES_BY_NAME["service_orders"].columns]

# what each form's review must say it recognised and skipped (phrases of the notes), by file stem
NOTES = {
    "一社区共享物业社点单服务台账（2024年1月）": ["按表头识别为：点单服务（7/7 列）", "第 1–2 行是标题，已跳过", "“序号”列是行序号，已忽略",
                                  "第 9 行是合计行，已跳过", "第 11–13 行是表尾（填表人、审核人、日期、盖章、备注等），已跳过",
                                  "第 7–8 行是表格中未填写的行（只有序号），已跳过"],
    "一社区2024年1月修缮台账": ["按表头识别为：修缮（5/5 列）", "第 1–2 行是两行表头，按列合并读取",
                       "第 5 行是小计行（数量与上方各行之和相符），已跳过", "第 7 行是合计行（数量与上方各行之和相符），已跳过",
                       "第 9–11 行是表尾"],
    "一社区2024年1月台账": ["工作表“填表说明”是填表说明，已跳过", "按表头识别为：垃圾清运（5/5 列）",
                     "第 5 行是合计行（重量（吨）与上方各行之和相符），已跳过", "第 6 行是表尾",
                     "“清运日期”列第 3 行写有时刻，只取日期"],
    "系统导出": ["按表头识别为：点单服务（7/7 列）"],
}


@pytest.fixture
def dataset(tmp_path):
    return write_fixture(tmp_path / "ds")


def run(*args) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main([str(a) for a in args] + ["--today", TODAY])
    return code, buf.getvalue()


def landed(dataset: Path, table: str, expected: list[dict]) -> list[dict]:
    """The rows of `table` whose key is one of the expected rows' keys, in key order."""
    key = TABLES_BY_NAME[table].key[0]
    wanted = {r[key] for r in expected}
    return sorted((r for r in read_tables(dataset, {table})[table].to_pylist() if r[key] in wanted),
                  key=lambda r: r[key])


def test_the_corpus_has_every_format():
    assert {p.parent.name for p in FILES} == {"xlsx", "xls", "csv-gb18030", "csv-utf8"}
    assert len(FILES) == 14
    assert (CORPUS / "csv-gb18030" / "系统导出.csv").read_bytes().decode("gb18030")  # really GB18030, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        (CORPUS / "csv-gb18030" / "一社区2024年1月修缮台账.csv").read_bytes().decode("utf-8")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_office_ledger_imports_exactly_with_notes_of_what_was_skipped(path, dataset):
    code, out = run(path, "--dataset", dataset)
    assert code == 0, out
    table, rows = office_corpus.EXPECTED[path.stem]
    assert landed(dataset, table, rows) == rows
    for phrase in NOTES[path.stem]:
        assert phrase in out, (phrase, out)
    assert "错误 error:" not in out and "警告 warning:" not in out


@pytest.mark.skipif(office_corpus.soffice() is None, reason="LibreOffice 未安装（./test.sh 安装 libreoffice-calc-nogui）/ "
                                                            "no soffice: the committed corpus is tested instead")
def test_libreoffice_writes_the_forms_afresh_and_they_import_the_same(tmp_path):
    """The committed files are what this LibreOffice writes today: convert the sources now and import each."""
    made = office_corpus.convert(office_corpus.build(tmp_path / "src"), tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out") for p in made) == sorted(p.relative_to(CORPUS) for p in FILES)
    for path in made:
        ds = write_fixture(tmp_path / "ds" / path.parent.name / path.stem)
        code, out = run(path, "--dataset", ds)
        table, rows = office_corpus.EXPECTED[path.stem]
        assert code == 0 and landed(ds, table, rows) == rows, (path, out)


def test_a_folder_imports_every_format_at_once_and_reports_what_it_does_not_read(dataset, tmp_path):
    """.xls used to be skipped silently in a folder (exit 0, the orders never mentioned)."""
    folder = tmp_path / "十一月"
    shutil.copytree(CORPUS / "xls", folder)
    (folder / "站前社区说明.docx").write_bytes(b"PK")
    (folder / "~$一社区2024年1月台账.xls").write_bytes(b"lock")  # Office's lock file: not a ledger
    code, out = run(folder, "--dataset", dataset)
    assert code == 0, out
    assert "站前社区说明.docx" in out and "不是台账文件（.docx），已跳过" in out
    assert "~$" not in out
    assert "点单服务 +5 ~0, 垃圾清运 +3 ~0, 修缮 +3 ~0" in out
    files, skipped = collect([folder])
    assert [p.suffix for p in files] == [".xls"] * 4 and [s.path.name for s in skipped] == ["站前社区说明.docx"]


def test_a_wps_file_in_a_folder_stops_the_batch_and_says_how_to_save_it(dataset, tmp_path):
    folder = tmp_path / "ledgers"
    folder.mkdir()
    shutil.copy(CORPUS / "xls" / "系统导出.xls", folder)
    (folder / "修缮台账.et").write_bytes(b"\xd0\xcf\x11\xe0")
    before = tree_digest(dataset)
    code, out = run(folder, "--dataset", dataset)
    assert code == 1
    assert "修缮台账.et: 不支持的文件类型 .et：请在 Excel/WPS 中打开后“另存为”Excel 工作簿（.xlsx）再导入" in out
    assert tree_digest(dataset) == before


def test_the_same_ledger_twice_publishes_nothing_the_second_time(dataset):
    path = CORPUS / "xlsx" / "一社区2024年1月修缮台账.xlsx"
    assert run(path, "--dataset", dataset)[0] == 0
    versions = sorted(p.name for p in store.versions_dir(dataset).iterdir() if p.name.startswith("v"))
    code, out = run(path, "--dataset", dataset)
    assert code == 0 and "无变化，未发布新版本" in out
    assert sorted(p.name for p in store.versions_dir(dataset).iterdir() if p.name.startswith("v")) == versions
    r = batch.review([path], dataset, batch.today())
    assert r.ok and r.changes == 0 and batch.publish(r, dataset) is None


# ---------------------------------------------------------------------------- still refused, and how

def xlsx(path: Path, rows: list[list], merges: tuple[str, ...] = (), sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


REFUSED = {
    # a totals row that does not add up: named, not skipped
    "totals_mismatch": (lambda d: xlsx(d / "清运.xlsx", [CLEANUPS, ["L20", "P1", "2024-01-08", "生活垃圾", "1.2"],
                                                        ["L21", "P1", "2024-01-09", "生活垃圾", "3.3"],
                                                        ["合计", None, None, None, "5"]]),
                        "第4行 row 4 值 value「合计」: 合计行不是数据（合计），且与上方各行不符：“重量（吨）”合计 5，上方各行之和 4.5"),
    # metres in a km column: the expected unit, not a guess
    "metres_for_km": (lambda d: write_csv(d / "修缮.csv", [REPAIRS, ["R20", "P1", "2024-01-10", "道路", "300米"]]),
                      "单位应为公里（道路、管线）或个（其他修缮）（可写 300 或 300公里），不能是“米”"),
    "items_for_a_road": (lambda d: write_csv(d / "修缮.csv", [REPAIRS, ["R20", "P1", "2024-01-10", "道路", "2个"]]),
                         "道路的单位应为公里"),
    "kilos_for_tonnes": (lambda d: write_csv(d / "清运.csv", [CLEANUPS, ["L20", "P1", "2024-01-08", "生活垃圾", "800公斤"]]),
                         "单位应为吨（可写 800 或 800吨），不能是“公斤”"),
    # a footer line in the middle of the data
    "footer_above_data": (lambda d: write_csv(d / "清运.csv", [CLEANUPS, ["L20", "P1", "2024-01-08", "生活垃圾", "1.2"],
                                                              ["填表人：王红"], ["L21", "P1", "2024-01-09", "生活垃圾", "1"]]),
                          "第3行 row 3 值 value「填表人：王红」: 表尾行（填表人、审核人、日期等）下面还有数据：请把表尾移到表格最后"),
    # a blank line with data below it is still a blank line inside the table
    "blank_inside": (lambda d: write_csv(d / "清运.csv", [CLEANUPS, ["L20", "P1", "2024-01-08", "生活垃圾", "1.2"], [],
                                                         ["L21", "P1", "2024-01-09", "生活垃圾", "1"], [], ["审核人：李明"]]),
                     "第3行 row 3: 空行：表格中间不能有空行，请删除这一行"),
    # a bilingual header missing a column says which names are understood
    "missing_column": (lambda d: xlsx(d / "点单.xlsx", [["工单编号 Order ID", "小区代码 Compound code", "服务类别 Category",
                                                       "点单时间 Submitted at", "状态 Status", "满意度评分 Rating"],
                                                      ["O20", "P1", "管道疏通", "2024-01-02 08:40", "处理中", None]]),
                       "缺少必需的列“解决时间”（resolved_at）：第 1 行表头中没有。列名可写“解决时间”、“resolved at”或“resolved_at”"),
    # a header merged across two columns loses a name: unmerge it
    "merged_across": (lambda d: xlsx(d / "清运.xlsx", [CLEANUPS, ["L20", "P1", "2024-01-08", "生活垃圾", "1.2"]],
                                     merges=("A1:B1",)),
                      "表头有合并单元格 A1:B1：合并后右侧的列没有列名。请取消合并，每列填写自己的列名"),
    # an impossible clock time in Chinese
    "hour_25": (lambda d: write_csv(d / "点单.csv", [ORDERS, ["O20", "P1", "管道疏通", "2024年1月2日25时", "", "处理中", ""]]),
                "时间无法识别（可写 2023-05-01 14:30、2023/5/1 14:30、2023年5月1日14时30分、2023年5月1日下午2点半）"),
    # a workbook whose only sheet has no header is not taken for instructions: refused
    "only_notes": (lambda d: xlsx(d / "清运台账.xlsx", [["填表说明"], ["每次清运填一行"]]), "找不到表头：前 20 行中没有“垃圾清运”的列名"),
    # an .xls that is really a web page (what many systems export)
    "html_as_xls": (lambda d: written(d / "系统导出.xls", b"<html><table><tr><td>1</td></tr></table></html>"),
                    "无法打开 Excel 97–2003（.xls）文件"),
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_wrong_ledger_is_refused_naming_the_row_and_what_to_write(kind, dataset, tmp_path):
    make, phrase = REFUSED[kind]
    folder = tmp_path / "in"
    folder.mkdir()
    path = make(folder)
    before = tree_digest(dataset)
    code, out = run(path, "--dataset", dataset)
    assert code == 1 and phrase in out, out
    assert tree_digest(dataset) == before


# ---------------------------------------------------------------------------- the 数据管理 page

def test_the_page_takes_an_xls_shows_the_notes_apart_and_refuses_a_word_file(tmp_path, monkeypatch):
    from tests.test_data_office import admin_page, frame, shown, upload
    ds = write_fixture(tmp_path / "ds")
    monkeypatch.setenv("COOP_DATA_DIR", str(ds))
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(batch.TODAY_ENV, TODAY)
    at = upload(admin_page(), ("说明.doc", b"\xd0\xcf\x11\xe0 a Word file"))
    assert "说明.doc：不支持的文件类型 .doc：请在 Excel/WPS 中打开后“另存为”Excel 工作簿（.xlsx）再导入" in shown(at)
    path = CORPUS / "xls" / "一社区2024年1月台账.xls"
    at = upload(admin_page(), (path.name, path.read_bytes()))
    assert frame(at, "added")[["table", "added"]].values.tolist() == [["垃圾清运（cleanups）", 3]]
    assert "已识别、已跳过的内容（5 条提示，不影响发布）" in [e.label for e in at.expander]
    notes = frame(at, "zh")
    assert "severity" not in notes.columns and "工作表“填表说明”是填表说明，已跳过" in notes["zh"].tolist()
    assert "需要改正的问题" not in shown(at)  # nothing to correct: no errors table at all
    at.button(key="office_publish").click().run()
    assert "已发布为版本 v0002" in str([e.value for e in at.success])
    assert landed(ds, "cleanups", office_corpus.EXPECTED[path.stem][1]) == office_corpus.EXPECTED[path.stem][1]
    at = upload(admin_page(), (path.name, path.read_bytes()))  # the same file again
    assert at.button(key="office_publish").disabled and "无变化，未发布新版本" in shown(at)


def test_in_chromium_the_data_office_reads_a_clerks_workbook_and_says_what_it_skipped(tmp_path):
    """The 数据管理 page in Debian's Chromium: an .xls with an instruction sheet, a two-line header, a title and a
    footer is uploaded through the real file input, reviewed with its notes, published; nothing leaves the machine.
    The review's screenshot is docs/screenshots/ingest-review.png."""
    from tests.streamlit_ws import serve
    from tests.test_browser import CHROMIUM, SHOTS, blank_tab
    if CHROMIUM is None:
        pytest.skip("未找到 Chromium / no Chromium: browser test skipped")
    from playwright.sync_api import sync_playwright
    ds = write_fixture(tmp_path / "ds")
    folder = tmp_path / "upload"
    folder.mkdir()
    for stem in ("一社区共享物业社点单服务台账（2024年1月）", "一社区2024年1月修缮台账", "一社区2024年1月台账"):
        shutil.copy(CORPUS / "xls" / f"{stem}.xls", folder)
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {"COOP_STATE_DIR": str(tmp_path / "state"), batch.TODAY_ENV: TODAY}
    with serve(ROOT / "server.py", ds, env=env, log=tmp_path / "server.log") as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context, page, outside = blank_tab(browser)
        page.set_viewport_size({"width": 1440, "height": 1000})
        page.goto(f"http://127.0.0.1:{server.port}/data_admin")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=60_000)
        page.locator('input[type="file"]').set_input_files(sorted(folder.iterdir()))
        page.get_by_text("已识别、已跳过的内容").wait_for(timeout=60_000)  # open by itself: nothing to correct
        # the table is drawn on a canvas; its cells are also in the page for screen readers
        for note in ("工作表“填表说明”是填表说明，已跳过", "第 1–2 行是两行表头，按列合并读取", "第 1–2 行是标题，已跳过",
                     "第 11–13 行是表尾（填表人、审核人、日期、盖章、备注等），已跳过"):
            page.get_by_text(note).first.wait_for(state="attached", timeout=30_000)
        body = page.inner_text("body")
        assert "审核结果：0 个错误，0 个警告" in body
        assert "需要改正的问题" not in body
        top = page.locator('[data-testid="stFileUploader"]').bounding_box()
        notes = page.locator('[data-testid="stExpander"]', has_text="已识别、已跳过的内容").bounding_box()
        page.set_viewport_size({"width": 1440, "height": int(notes["y"] + notes["height"] + 40)})
        page.wait_for_timeout(800)
        top = page.locator('[data-testid="stFileUploader"]').bounding_box()
        notes = page.locator('[data-testid="stExpander"]', has_text="已识别、已跳过的内容").bounding_box()
        page.screenshot(path=str(SHOTS / "ingest-review.png"), clip={
            "x": top["x"] - 16, "y": top["y"] - 16, "width": top["width"] + 32,
            "height": notes["y"] + notes["height"] - top["y"] + 32})
        page.get_by_role("button", name="发布为新版本").click()
        page.get_by_text("已发布为版本 v0002").wait_for(timeout=60_000)
        assert outside == []
        browser.close()
    for stem in ("一社区2024年1月修缮台账", "一社区2024年1月台账"):
        table, rows = office_corpus.EXPECTED[stem]
        assert landed(ds, table, rows) == rows


# ---------------------------------------------------------------------------- out of the serving process

def test_a_review_runs_in_a_job_process_of_its_own_under_its_memory_limit(tmp_path, monkeypatch):
    """The 数据管理 page's review and publish run in ingest/job.py's process, capped by RLIMIT_AS: a batch that
    needs more is refused with a message that says what to do, and the serving process never holds the merge."""
    import os

    from ingest import job
    monkeypatch.setenv(batch.TODAY_ENV, TODAY)
    ds = write_fixture(tmp_path / "ds")
    folder = tmp_path / "batch"
    folder.mkdir()
    staged = folder / "a.xls"
    shutil.copy(CORPUS / "xls" / "一社区2024年1月台账.xls", staged)
    before = tree_digest(ds)
    phases = []
    answer = job.wait(job.start("review", folder, ds, [staged], ["清运.xls"], 8192), "review", folder,
                      on_status=lambda s: phases.append(s["phase"]))
    r = job.Summary.from_json(answer["review"])
    assert r.pid not in (0, os.getpid()) and r.ok and r.tables == {"cleanups": [3, 0, 0]}
    assert r.names == ["清运.xls"] and {p.file for p in r.problems} == {"清运.xls"}
    assert phases[-1] == "done" and r.impact is not None and r.streets == ["S1", "S2"]
    starved = job.wait(job.start("review", folder, ds, [staged], ["清运.xls"], 300), "review", folder)
    assert starved == {"refused": dict(zip(("zh", "en"), job.OUT_OF_MEMORY))}
    # what a review that died half-way through its preview left behind is not read by the next one
    (folder / "preview" / "_rollups" / "orders").mkdir(parents=True, exist_ok=True)
    (folder / "preview" / "cleanups.parquet").write_bytes(b"half-written")
    again = job.Summary.from_json(job.wait(job.start("review", folder, ds, [staged], ["清运.xls"], 8192), "review",
                                           folder)["review"])
    assert again.impact == r.impact and again.tables == r.tables
    answer = job.wait(job.start("publish", folder, ds, [staged], ["清运.xls"], 8192, base=r.base, by="admin"),
                      "publish", folder)
    assert answer == {"version": "v0002"} and tree_digest(ds) != before and job.publishing(ds) is None
    again = job.wait(job.start("publish", folder, ds, [staged], ["清运.xls"], 8192, base=r.base, by="admin"),
                     "publish", folder)
    assert "数据集已有新版本" in again["refused"]["zh"]  # reviewed against v0001, the dataset is at v0002


# How jobs died at their address-space limit on two machines (the log's last line; the exit code): which one
# depends on how much the machine's libraries map before the job starts.
AT_THE_LIMIT = [
    ("  File \"<frozen importlib._bootstrap_external>\", line 729, in _compile_bytecode\nMemoryError\n", 1),
    ("OpenBLAS error: Memory allocation still failed after 10 retries, giving up.\n", 1),
    ("ImportError: /x/_duckdb.cpython-311-x86_64-linux-gnu.so: failed to map segment from shared object\n", 1),
    ("_duckdb.OutOfMemoryException: Out of Memory Error: Failed to allocate block of 262144 bytes\n", 1),
    ("RuntimeError: can't start new thread\n", 1),
    ("pyarrow.lib.ArrowException: Unknown error: Failed to launch worker thread: Resource temporarily "
     "unavailable\n", 1),
    ("Fatal Python error: Segmentation fault\n\nThread 0x00007f27 (most recent call first):\n"
     "  File \"/x/coopdash/data/views.py\", line 54 in connect\n", -11),
    ("", -9),
]


class Ended:
    """A job process that has ended with `code` and left no answer."""

    def __init__(self, code: int):
        self.pid, self.returncode = 0, code

    def poll(self):
        return self.returncode


@pytest.mark.parametrize(("log", "code"), AT_THE_LIMIT)
def test_a_job_that_died_at_its_memory_limit_is_refused_as_such(tmp_path, log, code):
    from ingest import job
    (tmp_path / ".review.log").write_text(log, encoding="utf-8")
    assert job.wait(Ended(code), "review", tmp_path) == {"refused": dict(zip(("zh", "en"), job.OUT_OF_MEMORY))}


def test_a_job_that_crashed_otherwise_says_so_with_its_exit_code(tmp_path):
    from ingest import job
    (tmp_path / ".review.log").write_text("Traceback …\nValueError: the file is not a ledger\n", encoding="utf-8")
    assert job.wait(Ended(1), "review", tmp_path) == {"refused": {
        "zh": "审核或发布的进程意外结束（退出码 1），数据集未改动",
        "en": "the review or publish process ended unexpectedly (exit 1); the dataset is unchanged"}}


def test_a_query_that_ran_out_of_memory_inside_the_job_is_the_limits_refusal(tmp_path, monkeypatch):
    """DuckDB's own out-of-memory error, wrapped by db.fetch, is answered with the limit's refusal."""
    import duckdb

    from coopdash.data import db
    from ingest import job
    con = duckdb.connect()
    con.execute("SET memory_limit = '2MB'")

    def review(*args, **kwargs):
        db.fetch(con, "SELECT list(range) AS xs FROM range(5000000)", {}, "big")

    monkeypatch.setattr(job, "_review", review)
    assert job.run("review", tmp_path, tmp_path, [], []) == {"refused": dict(zip(("zh", "en"), job.OUT_OF_MEMORY))}


def test_a_job_that_stops_making_progress_is_stopped_and_refused(tmp_path):
    """At its limit a library can wait forever for a thread it could not start (pyarrow did): a job that uses no
    CPU for `stall` seconds is killed, and the page is told why instead of waiting with it."""
    import subprocess
    import sys
    import time

    from ingest import job
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    answer = job.wait(idle, "review", tmp_path, poll=0.05, stall=1.0)
    assert idle.returncode == -9 and time.monotonic() - started < 10
    assert answer["refused"]["en"].startswith("the review or publish made no progress for 1 s (most likely at its "
                                              "memory limit) and was stopped")
    assert answer["refused"]["zh"].startswith("审核或发布的进程 1 秒没有进展")


def test_while_one_clerk_publishes_another_sees_it_and_cannot_publish(tmp_path, monkeypatch):
    import json
    import os

    from ingest import job
    from tests.test_data_office import admin_page, shown, upload
    ds = write_fixture(tmp_path / "ds")
    monkeypatch.setenv("COOP_DATA_DIR", str(ds))
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(batch.TODAY_ENV, TODAY)
    job.marker(ds).write_text(json.dumps({"by": "王红", "at": "2024-02-15T09:30:00", "pid": os.getpid()}))
    path = CORPUS / "xlsx" / "一社区2024年1月修缮台账.xlsx"
    at = upload(admin_page(), (path.name, path.read_bytes()))
    assert "正在发布…：王红 于 2024-02-15T09:30:00 开始发布，完成前不能再发布" in shown(at)
    assert at.button(key="office_publish").disabled
    job.marker(ds).write_text(json.dumps({"by": "王红", "at": "2024-02-15T09:30:00", "pid": 2 ** 22 + 7}))
    at = upload(admin_page(), (path.name, path.read_bytes()))  # the publishing process is gone: a stale marker
    assert "正在发布" not in shown(at) and not at.button(key="office_publish").disabled
