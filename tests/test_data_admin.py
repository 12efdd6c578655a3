"""The 数据管理 page and its queries: versions, row counts, who reported this month, templates."""

import datetime as dt
import io
import zipfile

from coopdash.data.contract import TABLES
from ingest import templates
from ingest.cli import main
from tests.apptest import open_app, texts
from tests.fixture_data import ROWS, write_fixture

PAGE = "pages/data_admin.py"


def test_row_counts_cover_every_table(q):
    counts = dict(zip(*q("admin_row_counts")[["table_name", "row_count"]].T.values))
    assert counts == {t.name: len(ROWS[t.name]) for t in TABLES}


def test_last_record_per_community_and_this_months_reporting(q):
    # C1/K1: latest is meeting M2 on 2023-11-30; C3/K2: repair R7 on 2024-05-01.
    df = q("admin_last_record", month_start=dt.date(2024, 5, 1)).set_index("coop_name")
    assert df.loc["一社区共享物业社", "last_record"] == dt.date(2023, 11, 30)
    assert df.loc["三社区共享物业社", "last_record"] == dt.date(2024, 5, 1)
    assert df["reported_this_month"].to_dict() == {"一社区共享物业社": False, "三社区共享物业社": True}
    assert list(df.index) == ["一社区共享物业社", "三社区共享物业社"]  # not reported first
    assert list(q("admin_last_record", month_start=dt.date(2024, 5, 1), streets=["S2"])["community_name"]) == ["三社区"]


def test_templates_zip_holds_every_template_and_the_guide():
    names = zipfile.ZipFile(io.BytesIO(templates.templates_zip())).namelist()
    assert sorted(names) == sorted([f"台账模板/{t.name}.xlsx" for t in TABLES] + ["台账模板/导入说明 ingest.md"])


def test_page_on_a_never_ingested_dataset(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app(page=PAGE)
    assert at.metric[0].value == "未经导入（随附或生成的原始数据）"
    rows = at.dataframe[0].value
    assert dict(zip(rows["table_name"], rows["row_count"])) == {t.name: len(ROWS[t.name]) for t in TABLES}
    assert "尚无记录的社区" in texts(at)  # the fixture ends in 2024: nobody has reported this month


def test_page_shows_the_ingested_version_and_its_report(tmp_path, monkeypatch):
    ds = write_fixture(tmp_path / "ds")
    ledger = tmp_path / "清运.csv"
    ledger.write_text("清运编号,小区代码,清运日期,垃圾类型,重量（吨）,联系电话\nL10,P1,2024-01-08,生活垃圾,1.2,138\n",
                      encoding="utf-8")
    assert main([str(ledger), "--dataset", str(ds), "--today", "2024-02-01"]) == 0
    monkeypatch.setenv("COOP_DATA_DIR", str(ds))
    at = open_app(page=PAGE)
    assert at.metric[0].value == "v0002"
    assert at.metric[1].value.startswith(str(dt.date.today().year))
    assert "清运.csv" in texts(at)
    report = at.dataframe[2].value  # rows, last records, report
    notes = [row.to_string() for _, row in report.iterrows()]  # what was recognised, what was dropped
    assert len(notes) == 2 and "按表头识别为：垃圾清运（5/5 列）" in notes[0] and "联系电话" in notes[1]
    counts = at.dataframe[0].value
    assert dict(zip(counts["table_name"], counts["row_count"]))["cleanups"] == len(ROWS["cleanups"]) + 1


def test_page_on_the_demo_lists_all_thirteen_cooperatives():
    at = open_app(page=PAGE)
    assert len(at.dataframe[1].value) == 13
    assert not at.exception


def test_empty_scope_says_so():
    at = open_app(page=PAGE, street="220203100")
    assert "所选范围内无数据" in texts(at)
