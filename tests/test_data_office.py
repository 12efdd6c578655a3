"""The data office in the browser (数据管理, coopdash/app/data_office.py): uploads driven through
`st.file_uploader` in AppTest. Bad ledgers are refused with their row named and the dataset unchanged
byte for byte; a good batch is previewed, published and shown; versions switch back and forth; the
optimistic check; a publish while sessions query; files that cannot bite (size caps, decompression
bombs, zip paths and links, formula cells, formula injection in every export)."""

from __future__ import annotations

import io
import re
import threading
import time
import tomllib
import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from coopdash import ROOT
from coopdash.app import export
from coopdash.auth.accounts import Accounts
from coopdash.data.errors import ReadError
from ingest import batch, store, uploads
from ingest.cli import main
from tests.apptest import metrics, texts
from tests.fixture_data import write_fixture
from tests.test_ingest import CASES, GOOD_ORDER, ORDER_HEADERS, TODAY, bad_files, run, tree_digest, write_xlsx

PAGE = str(ROOT / "pages" / "data_admin.py")
CLEANUP = "清运编号,小区代码,清运日期,垃圾类型,重量（吨）\nL10,P4,2024-01-08,生活垃圾,1.2\n".encode()
# the phrase the upload path says where it refuses before the ledger reader would
UPLOAD_PHRASE = {"not_really_xlsx": "不是有效的 zip / .xlsx 文件"}


@pytest.fixture
def ds(tmp_path, monkeypatch):
    folder = write_fixture(tmp_path / "ds")
    monkeypatch.setenv("COOP_DATA_DIR", str(folder))
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(batch.TODAY_ENV, TODAY)  # as the command-line tests' --today
    return folder


def admin_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["from"], at.query_params["to"] = "2023-04-01", "2024-12-31"
    at.switch_page(PAGE)
    return at.run()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.get("file_uploader")[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    """Every text on the page, the tables' cells included."""
    return texts(at) + "\n".join(str(df.value.to_dict()) for df in at.dataframe)


def frame(at: AppTest, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.mark.parametrize("kind", CASES)
def test_every_bad_ledger_uploaded_is_refused_with_its_reason_and_the_dataset_unchanged(kind, ds, tmp_path):
    path, phrase = bad_files(tmp_path)[kind]
    before = tree_digest(ds)
    at = upload(admin_page(), (path.name, path.read_bytes()))
    assert UPLOAD_PHRASE.get(kind, phrase) in shown(at)
    assert path.name in shown(at)
    publish = at.button(key="office_publish") if "office_publish" in [b.key for b in at.button] else None
    assert publish is None or publish.disabled
    assert tree_digest(ds) == before and not store.versions_dir(ds).exists()


def test_the_report_names_row_column_and_value_errors_first(ds, tmp_path):
    rows = [ORDER_HEADERS, GOOD_ORDER, [*GOOD_ORDER[:6], "7"]]
    rows[2][0] = "O9"
    csv = "\n".join(",".join(r) for r in rows).encode()
    at = upload(admin_page(), ("点单服务.csv", csv))
    report = frame(at, "zh")
    assert report.iloc[0][["severity", "file", "row", "column", "value"]].tolist() == \
        ["错误", "点单服务.csv", "3", "满意度评分", "7"]
    assert "1 个错误" in texts(at)
    assert at.button(key="office_publish").disabled


def test_a_good_batch_previews_publishes_and_the_pages_show_it(ds):
    at = upload(admin_page(), ("清运.csv", CLEANUP))
    changes = frame(at, "added")
    assert changes[["table", "added", "updated"]].values.tolist() == [["垃圾清运（cleanups）", 1, 0]]
    impact = frame(at, "before_text").set_index("figure")
    # 乙街道 (P4 is in C3): cleanups since the launch L3 0.25 t (P4) + L4 9 t (P5) = 9.25 t
    # (tests/fixture_data.py); the batch adds 1.2 t at P4 and changes nothing else
    tonnes = impact.loc["清运垃圾（吨）"]
    assert (tonnes["before_text"], tonnes["after_text"], tonnes["change_text"]) == ("9.25", "10.45", "+1.2")
    assert set(impact.drop("清运垃圾（吨）")["change_text"]) == {"—"}
    assert "乙街道" in texts(at)
    assert not at.button(key="office_publish").disabled
    at.button(key="office_publish").click().run()
    assert any("已发布为版本 v0002" in s.value for s in at.success)
    assert ds.is_symlink() and batch.version_of(ds) == "v0002"
    versions = store.version_list(ds)
    assert versions[0]["version"] == "v0002" and versions[0]["sources"][0].endswith("清运.csv")
    assert versions[0]["published_by"] == "anonymous"  # sign-in off in this test: the open mode's user
    overview = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    overview.query_params["from"], overview.query_params["to"] = "2024-01-01", "2024-01-31"
    overview.run()
    assert metrics(overview)["清运生活垃圾"] == "1.2 吨"
    actions = [r["action"] for r in Accounts().audit_rows()]
    assert {"upload", "review", "publish"} <= set(actions)


def test_switching_versions_restores_the_old_figures_and_can_be_undone(ds, tmp_path):
    ledger = tmp_path / "清运.csv"
    ledger.write_bytes(CLEANUP)
    assert main([str(ledger), "--dataset", str(ds), "--today", TODAY]) == 0
    at = admin_page()
    versions = frame(at, "sources")
    assert versions["version"].tolist() == ["v0002（当前）", "v0001"]
    at.selectbox(key="office_target").set_value("v0001")
    at.checkbox(key="office_confirm").check()
    at.run()
    at.button(key="office_switch").click().run()
    assert batch.version_of(ds) == "v0001" and any("已切换到版本 v0001" in s.value for s in at.success)
    at.selectbox(key="office_target").set_value("v0002")
    at.checkbox(key="office_confirm").check()
    at.run()
    at.button(key="office_switch").click().run()
    assert batch.version_of(ds) == "v0002"
    history = [line for line in store.history_file(ds).read_text(encoding="utf-8").splitlines()]
    assert [(h["from"], h["to"]) for h in map(__import__("json").loads, history)] == \
        [("v0002", "v0001"), ("v0001", "v0002")]
    assert [r["details"]["to"] for r in Accounts().audit_rows(action="rollback")] == ["v0002", "v0001"]


def test_publishing_after_someone_else_published_is_refused(ds, tmp_path):
    at = upload(admin_page(), ("清运.csv", CLEANUP))
    other = tmp_path / "点单服务.csv"
    other.write_text(",".join(ORDER_HEADERS) + "\n" + ",".join(GOOD_ORDER) + "\n", encoding="utf-8")
    assert main([str(other), "--dataset", str(ds), "--today", TODAY]) == 0  # another admin, meanwhile
    before = tree_digest(ds)
    at.button(key="office_publish").click().run()
    assert "数据集已有新版本" in texts(at) and "review again" in texts(at)
    assert tree_digest(ds) == before and batch.version_of(ds) == "v0002"


def test_a_publish_while_sessions_query_gives_no_error_and_no_mix(ds, tmp_path, monkeypatch):
    """10 threads run the overview's queries through the cache in a loop while a batch is published:
    no error, and every result is either the old version's or the new one's figure, whole."""
    from coopdash.app import cache
    from tests.conftest import params
    ledger = tmp_path / "清运.csv"
    ledger.write_bytes(CLEANUP)
    r = batch.review([ledger], ds, __import__("datetime").date.fromisoformat(TODAY))
    p = params(end=__import__("datetime").date(2024, 12, 31))
    old = float(cache.run("kpi_outcomes", **p).iloc[0]["household_t"])
    seen, errors, stop = set(), [], threading.Event()

    def session():
        while not stop.is_set():
            try:
                seen.add(round(float(cache.run_many(["kpi_outcomes", "kpi_orders"], **p)[0].iloc[0]["household_t"]), 6))
            except Exception as exc:  # noqa: BLE001 — recorded, the test fails on it
                errors.append(repr(exc))

    threads = [threading.Thread(target=session) for _ in range(10)]
    for th in threads:
        th.start()
    time.sleep(0.3)
    batch.publish(r, ds, by="test")
    time.sleep(0.5)
    stop.set()
    for th in threads:
        th.join()
    assert errors == []
    assert seen == {round(old, 6), round(old + 1.2, 6)}


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        fn()
    except ReadError as exc:
        refused = exc
    else:
        refused = None
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return refused, seconds, peak


def test_a_zip_bomb_is_refused_quickly_and_with_little_memory(ds):
    bomb = zip_of({"点单服务.csv": b"0" * (1 << 30)})  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024 * 1024
    refused, seconds, peak = measure(lambda: uploads.accept([("batch.zip", bomb)]))
    assert refused is not None and "解压炸弹" in refused.zh and "batch.zip" in refused.zh
    assert seconds < 1.0 and peak < 10 * 1024 * 1024, (seconds, peak)
    print(f"zip bomb: refused in {seconds * 1000:.1f} ms, peak {peak / 1024:.0f} KiB")


def test_an_xlsx_bomb_and_a_huge_sheet_are_refused_before_parsing(ds):
    bomb = zip_of({"xl/worksheets/sheet1.xml": b"<worksheet>" + b" " * (300 << 20) + b"</worksheet>"})
    refused, seconds, peak = measure(lambda: uploads.accept([("点单服务.xlsx", bomb)]))
    assert refused is not None and "解压" in refused.zh and seconds < 1.0 and peak < 10 * 1024 * 1024
    print(f"xlsx bomb: refused in {seconds * 1000:.1f} ms, peak {peak / 1024:.0f} KiB")


def _workbook(sheet: bytes) -> bytes:
    return zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": sheet})


def test_a_sheet_whose_dimension_lies_is_counted_by_its_cells(ds):
    """`<dimension>` says A1:C2; the sheet holds 2.1 M cells (no r attributes: each cell is the next one)."""
    import random
    rng = random.Random(1)
    rows = b"".join(b"<row>" + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10 ** 6) for _ in range(3)) + b"</row>"
                    for _ in range(700_000))
    lying = _workbook(b'<worksheet><dimension ref="A1:C2"/><sheetData>' + rows + b"</sheetData></worksheet>")
    assert uploads.limits().max_cells < 2_100_000
    refused, seconds, peak = measure(lambda: uploads.accept([("点单服务.xlsx", lying)]))
    assert refused is not None and "超过上限 2,000,000" in refused.zh and " 行 × 3 列" in refused.zh  # stops reading there
    assert peak < 16 * 1024 * 1024, peak  # streamed, never held whole
    print(f"lying dimension: refused in {seconds * 1000:.0f} ms, peak {peak / 1024:.0f} KiB")
    # a dimension that claims the whole sheet over three cells is not a reason to refuse: the cells decide
    honest = _workbook(b'<worksheet><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c>'
                       b"</row></sheetData></worksheet>")
    uploads.check_xlsx(honest, "点单服务.xlsx")


def test_one_stray_cell_at_the_far_corner_is_refused_not_allocated(ds, tmp_path):
    """The reader holds a sheet as a grid from A1 to its farthest cell: one value at XFD1048576 would ask for
    17 billion cells and abort the process. Refused by the upload check and by the command line's reader."""
    path = write_xlsx(tmp_path / "点单服务.xlsx", [ORDER_HEADERS, GOOD_ORDER])
    wb = openpyxl.load_workbook(path)
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    refused, seconds, _ = measure(lambda: uploads.accept([(path.name, path.read_bytes())]))
    assert refused is not None and "1,048,576 行 × 16,384 列" in refused.zh and seconds < 2
    code, out = run(path, "--dataset", ds)
    assert code == 1 and "直到 XFD1048576 单元格" in out and "请删除表格右方和下方多余的行与列" in out


def test_an_oversize_file_is_refused_quickly_through_the_page(ds):
    big = b"a" * (uploads.limits().max_file + 1)
    t0 = time.perf_counter()
    at = upload(admin_page(), ("点单服务.csv", big))
    assert "超过单个文件上限" in texts(at) and time.perf_counter() - t0 < 10
    assert not store.versions_dir(ds).exists()


@pytest.mark.parametrize("member,phrase", [("../../etc/点单服务.csv", "压缩包之外"), ("/abs/点单服务.csv", "压缩包之外"),
                                           ("点单服务.exe", "不支持的文件类型 .exe：请在 Excel/WPS 中打开后“另存为”")])
def test_zip_members_outside_the_archive_or_not_ledgers_are_refused(member, phrase):
    with pytest.raises(ReadError, match=re.escape(phrase)):
        uploads.accept([("batch.zip", zip_of({member: b"x"}))])


def test_a_link_in_a_zip_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("点单服务.csv")
        info.external_attr = (0o120777 << 16)  # a symbolic link
        z.writestr(info, "/etc/passwd")
    with pytest.raises(ReadError, match="链接"):
        uploads.accept([("batch.zip", buf.getvalue())])


def test_a_zip_batch_of_good_ledgers_is_unpacked_and_names_are_sanitised(ds):
    at = upload(admin_page(), ("月报.zip", zip_of({"十月/清运.csv": CLEANUP, "__MACOSX/._清运.csv": b"junk"})))
    assert frame(at, "added")[["table", "added"]].values.tolist() == [["垃圾清运（cleanups）", 1]]
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("a b;rm -rf $HOME.CSV") == "a_b_rm_-rf_HOME.csv"
    assert uploads.safe_name(".hidden.xlsx") == "hidden.xlsx"


def test_formula_cells_are_read_as_their_saved_value_or_refused(ds, tmp_path):
    path = write_xlsx(tmp_path / "点单.xlsx", [ORDER_HEADERS, [*GOOD_ORDER[:6], "=2+3"]])
    data = path.read_bytes()
    at = upload(admin_page(), ("点单.xlsx", data))  # openpyxl saves no result with a formula
    assert "公式单元格没有计算结果" in shown(at) and "点单服务!G2" in shown(at)
    cached = zip_of({n: re.sub(rb"<f>2\+3</f><v\s*/?>(</v>)?", b"<f>2+3</f><v>5</v>", z.read(n))
                     for z in [zipfile.ZipFile(io.BytesIO(data))] for n in z.namelist()})
    at = upload(admin_page(), ("点单2.xlsx", cached))
    assert "0 个错误" in texts(at)  # the saved result 5 is a valid rating


def test_no_export_turns_text_into_a_formula():
    df = pd.DataFrame({"议题": ['=HYPERLINK("http://evil.example","点击")', "+1", "-2+3", "@SUM(A1)", "\tx", "普通"],
                       "人数": [1, 2, 3, 4, 5, 6]})
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(df))).active
    assert [c.data_type for c in sheet["A"][1:]] == ["s"] * 6
    assert sheet["A2"].value == df.loc[0, "议题"]  # the value itself is kept
    assert [c.data_type for c in sheet["B"][1:]] == ["n"] * 6
    lines = export.to_csv(df).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2].startswith("'+1") and lines[6].startswith("普通")


def test_streamlits_upload_limit_matches_the_config():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["maxUploadSize"] * 1024 * 1024 == uploads.limits().max_file


PAGE_PUBLISH = """
import sys
from pathlib import Path
from ingest import batch, uploads
dataset = Path(sys.argv[1])
folder, paths = uploads.stage(uploads.accept([("清运.csv", Path(sys.argv[2]).read_bytes())]))
batch.publish(batch.review(paths, dataset, batch.today(), names=["清运.csv"]), dataset, by="adm")
"""


@pytest.mark.parametrize("point", ["after_write", "before_swap", "after_swap"])
def test_a_server_killed_mid_publish_leaves_the_old_or_the_new_version_whole(point, ds, tmp_path):
    """The page's publish (accept → stage → review → publish, as coopdash/app/data_office.py calls them)
    in a process killed at each point of the write: the dataset opens whole, old or new."""
    import os
    import subprocess
    import sys

    from coopdash.data import db
    from tests.conftest import params
    ledger = tmp_path / "清运.csv"
    ledger.write_bytes(CLEANUP)
    env = {**os.environ, store.CRASH_ENV: point, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PAGE_PUBLISH, str(ds), str(ledger)], env=env, capture_output=True,
                          cwd=ROOT)
    assert proc.returncode == 137, proc.stderr.decode()[-2000:]
    con = db.open_dataset(ds)
    tonnes = db.execute(con, "kpi_outcomes", params(end=__import__("datetime").date(2024, 12, 31))).iloc[0]["household_t"]
    new = point == "after_swap"
    assert tonnes == pytest.approx(1.75 + 9.0 + (1.2 if new else 0))  # L1 L3 L4 (+ L10)
    assert (batch.version_of(ds) == "v0002") == new


def test_ten_browser_sessions_rerunning_pages_during_a_publish_see_no_error(ds, tmp_path):
    """A real server; 10 sessions at a time open the overview, round after round, while a batch is
    published: every session finishes without an error and shows the old figure or the new one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tests.streamlit_ws import open_views, serve
    ledger = tmp_path / "清运.csv"
    ledger.write_bytes(CLEANUP)
    window = "from=2024-01-01&to=2024-01-31"
    with serve(ROOT / "server.py", ds) as server:
        def rounds(n):
            out = []
            for _ in range(n):
                out += asyncio.run(open_views(server.port, [("", window)] * 10))
            return out
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(rounds, 4)
            time.sleep(1.0)
            assert main([str(ledger), "--dataset", str(ds), "--today", TODAY]) == 0
            views = future.result()
        views += asyncio.run(open_views(server.port, [("", window)] * 10))
    bad = [v for v in views if isinstance(v, Exception) or not v.finished or v.exceptions]
    assert bad == [], [(v.exceptions, v.alerts, v.finished) if not isinstance(v, Exception) else repr(v) for v in bad]
    seen = [v.metrics["清运生活垃圾"] for v in views]
    assert set(seen) <= {"0 吨", "1.2 吨"} and seen[-1] == "1.2 吨"
    print(f"during the publish: {seen.count('0 吨')} sessions saw the old figure, {seen.count('1.2 吨')} the new")
