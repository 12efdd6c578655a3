"""The monthly briefing and the street-office ranking (issue 16 §1, §3), on the fixture's November 2023
(tests/fixture_data.py), worked out by hand:

- orders: submitted in November O3 (S1, resolved 1 December) and O5 (S2, resolved 11-30 23:59, rated 3,
  29 minutes, heating's deadline 48 h): 1 resolved, resolution rate 1/2 = 50.0%; the previous period
  (10-02 … 10-31) had no submission, so no rate to compare; a year before is before the first record;
- November's meeting M2 (K1, 3 problems), cleanup L3 0.25 t, no repair;
- at the end: K1 and K2, members m1–m4 and m6–m8 = 7, party m1 m2 m4 m6 = 4 (57.1%);
- since the launch: O7 O1 O2 O5 = 4 resolved, L1+L2+L3 = 3.75 t, road R1+R2 = 1.25 km, pipe R3+R4 = 1.5 km,
  owners' committee W1;
- overdue at the end: O6 (garbage, 72 h, open since 10-01 09:00: 1,455 h); O3 is 28 h old (48 h allowed);
- both cooperatives fail the size rule (7–9 members: 4 and 3 on 11-30);
- the ranking: S1 甲街道 rate 0, no resolved or rated order, 1 order per 420 households (2.38 ‰), no overdue;
  S2 乙街道 rate 1, within 100%, rating 3, 1 per 230 households (4.35 ‰), 1 overdue. Scaled between the two:
  S1 = (0·30 + 0·10 + 100·15) / (30+10+15) = 27.27 (rate, per-1000 and overdue only: it has no within
  or rating); S2 = (100·30 + 100·25 + 100·20 + 100·10 + 0·15) / 100 = 85.0. With two ranked, one at each end.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings

import docx
import pandas as pd
import pypdf
import pytest

from coopdash import briefing
from coopdash.app.briefing import K_BRIEFING
from coopdash.auth.roles import scope_of
from coopdash.briefing import __main__ as cli
from coopdash.briefing import charts, content, fonts, render
from coopdash.data import hours, ranking
from coopdash.data.errors import Refused
from coopdash.data.filters import Filters
from coopdash.data.scope import EVERYTHING, scoped
from tests.apptest import metrics, open_app
from tests.test_roles import session, store  # noqa: F401 — the accounts fixture and signed-in sessions

NOV = Filters(dt.date(2023, 11, 1), dt.date(2023, 11, 30))
OCT = Filters(dt.date(2023, 10, 1), dt.date(2023, 10, 31))
S1_NAMES = ("甲街道", "一社区", "甲小区", "甲路1号楼", "乙花园", "一社区共享物业社")


@pytest.fixture(scope="module")
def index(fixture_dir, fixture_con):
    return hours.load(fixture_dir, fixture_con)


def source(fixture_con, index, scope=EVERYTHING):
    return content.DatasetSource(fixture_con, index, scope)


def words(doc) -> str:
    """Every paragraph and table cell of a .docx, joined."""
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def read_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """The PDF's text without the line breaks and spaces the layout put in (and the NULs pypdf 7 puts
    between the two-byte codes of a CID font: poppler's pdftotext reads the same file without them)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def indicator_rows(doc) -> dict[str, list[str]]:
    """The headline table (the first): label → [this period, 环比, 同比, since the launch]."""
    table = doc.tables[0]
    return {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}


# ------------------------------------------------------------------------------------------ ranking
def test_the_ranking_scores_each_street_office_as_worked_out_by_hand(fixture_con, index):
    ranked = ranking.street_ranking(fixture_con, index, NOV.params())
    assert ranked["street_code"].tolist() == ["S2", "S1"]
    s2, s1 = ranked.iloc[0], ranked.iloc[1]
    assert (s2["rank"], s2["band"], s2["score"]) == (1, "top", pytest.approx(85.0))
    assert (s1["rank"], s1["band"], s1["score"]) == (2, "bottom", pytest.approx(1500 / 55))
    assert s1["resolution_rate"] == 0 and pd.isna(s1["within_deadline_share"]) and pd.isna(s1["mean_rating"])
    assert s1["orders_per_1000"] == pytest.approx(1000 / 420) and s1["overdue"] == 0
    assert s2["within_deadline_share"] == 1 and s2["mean_rating"] == 3 and s2["overdue"] == 1
    assert s2["orders_per_1000"] == pytest.approx(1000 / 230)


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"street_code": [f"S{i}" for i in range(n)], "submitted": [1] * n,
            **{k: [0.5] * n for k in ("resolution_rate", "within_deadline_share", "mean_rating",
                                      "orders_per_1000", "overdue")}}
    return pd.DataFrame({**base, **columns})


def test_the_score_scales_each_indicator_and_weights_them():
    weights = {"resolution_rate": 1, "within_deadline_share": 0, "mean_rating": 0, "orders_per_1000": 0, "overdue": 1}
    got = ranking.score(frame(resolution_rate=[0.2, 0.6, 1.0], overdue=[0, 5, 10]), weights)
    # rate 0, 50, 100; overdue reversed 100, 50, 0: every street office scores 50 and shares rank 1
    assert got["score"].tolist() == [50, 50, 50] and got["rank"].tolist() == [1, 1, 1]
    got = ranking.score(frame(resolution_rate=[0.2, 0.6, 1.0]), weights)  # overdue equal: 100 each
    assert got["street_code"].tolist() == ["S2", "S1", "S0"] and got["score"].tolist() == [100, 75, 50]


def test_a_street_office_without_orders_is_listed_unranked_and_six_ranked_give_three_each_end():
    weights = {k: 1 for k in ("resolution_rate", "within_deadline_share", "mean_rating", "orders_per_1000",
                              "overdue")}
    rates = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    got = ranking.score(frame(resolution_rate=rates, submitted=[1] * 6 + [0]), weights)
    assert got["street_code"].tolist() == ["S5", "S4", "S3", "S2", "S1", "S0", "S6"]
    assert got["band"].tolist() == ["top"] * 3 + ["bottom"] * 3 + [""]
    assert pd.isna(got["rank"].iloc[-1]) and pd.isna(got["score"].iloc[-1])


def test_a_street_account_is_refused_the_ranking_and_a_district_scope_sees_its_own_row(fixture_con, index):
    with pytest.raises(Refused) as refused:
        ranking.street_ranking(fixture_con, index, NOV.params(), scope_of("street", ("S1",)))
    assert "排名" in refused.value.zh and "ranking" in refused.value.en
    own = ranking.street_ranking(fixture_con, index, NOV.params(), scoped(("S1",), district=True))
    assert own["street_code"].tolist() == ["S1"] and own["rank"].tolist() == [2]


# ------------------------------------------------------------------------------------------ briefing
def test_the_district_briefing_says_the_months_figures_in_word_and_pdf(fixture_con, index):
    doc = briefing.make(source(fixture_con, index), NOV, "全区", asof=NOV.end)
    word = read_docx(render.to_docx(doc))
    text = flat(words(word))
    expected = [
        "龙潭区共享物业社工作简报", "全区2023年11月",
        "本月全区各共享物业社共提供点单服务1次，解决率50.0%（上期无数据）；召开协商会议1次，解决问题3个；"
        "清运生活垃圾0.25吨、建筑垃圾0吨，修缮道路0公里，维修供热、排水管线0公里。",
        "截至2023年11月30日，全区共有共享物业社2个、成员7人，其中党员4人，占57.1%。",
        "自2023年4月1日项目启动以来，累计解决点单服务4次，清运垃圾3.75吨，修缮道路1.25公里，维修管线1.5公里，成立业委会1个。",
        "超过办结时限仍未办结的工单1件；本期未报送任何记录的社区0个；不符合组成要求的物业社2个。",
        "本月提交工单2件，已解决1次；解决用时中位数0.5小时，100.0%在类别办结时限内解决；有评价的1件，平均评分3分。",
        "红榜（前三）：乙街道；黑榜（后三）：甲街道。",
        "不符合组成要求的物业社：一社区共享物业社、三社区共享物业社。",
        "每个有物业社的社区本期都有记录。",
    ]
    for sentence in expected:
        assert flat(sentence) in text, sentence
    rows = indicator_rows(word)
    assert rows["点单服务（已解决）"] == ["1 次", "+1", "—", "4 次"]
    assert rows["点单解决率"][0] == "50.0%" and rows["点单解决率"][1] == "—"
    assert rows["清运生活垃圾"] == ["0.25 吨", "+0.25", "—", "1.75 吨"]
    ranking_table = next(t for t in word.tables if t.rows[0].cells[0].text == "名次")
    assert [[c.text for c in row.cells][:3] for row in ranking_table.rows[1:]] == [["1", "乙街道", "85"],
                                                                                 ["2", "甲街道", "27.3"]]
    assert "O6" in text  # the overdue order in the appendix
    assert len(word.inline_shapes) >= 2  # the charts
    pdf = render.to_pdf(doc)
    in_pdf = pdf_text(pdf)
    for sentence in expected:
        assert flat(sentence) in in_pdf, sentence


def test_the_pdf_embeds_the_cjk_font(fixture_con, index):
    pdf = render.to_pdf(briefing.make(source(fixture_con, index), NOV, "全区"))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert "NotoSansCJKSC" in embedded


def test_a_street_offices_briefing_is_scoped_as_its_account_sees_it(fixture_con, index):
    doc = briefing.make(source(fixture_con, index, scope_of("street", ("S2",))), NOV, "乙街道")
    text = flat(words(read_docx(render.to_docx(doc))))
    for sentence in ("本月乙街道各共享物业社共提供点单服务1次，解决率100.0%（上期无数据）；召开协商会议0次",
                     "截至2023年11月30日，乙街道共有共享物业社1个、成员3人，其中党员1人，占33.3%。",
                     "累计解决点单服务1次，清运垃圾0.25吨，修缮道路0.45公里，维修管线0.3公里，成立业委会0个。",
                     "超过办结时限仍未办结的工单1件",
                     "不符合组成要求的物业社：三社区共享物业社。",
                     "街道排名比较全区各街道，本账号只查看所属街道，不显示排名。"):
        assert flat(sentence) in text, sentence
    assert not [name for name in S1_NAMES if name in text]


def test_a_community_that_reported_nothing_in_the_month_needs_attention(fixture_con, index):
    """October: C3 has O6 (10-01); C1 has nothing (its orders, cleanups and repairs are in June and July,
    its meetings in May and November); C2 has no cooperative."""
    doc = briefing.make(source(fixture_con, index), OCT, "全区")
    assert flat("本期未报送记录的社区：一社区。") in flat(words(read_docx(render.to_docx(doc))))


def test_the_briefing_speaks_english_when_asked(fixture_con, index, monkeypatch):
    monkeypatch.setattr("coopdash.i18n.labels._language", lambda: "en")
    doc = briefing.make(source(fixture_con, index), NOV, "the whole district")
    text = words(read_docx(render.to_docx(doc)))
    assert "resolved 1 service orders, a resolution rate of 50.0%" in text
    assert "Top three: 乙街道. Bottom three: 甲街道." in text


def test_the_charts_draw_every_chinese_label_with_a_glyph():
    trend = pd.DataFrame({"month": [dt.date(2023, m, 1) for m in (10, 11)], "a": [1, 2], "b": [0.5, 1.0]})
    ranked = pd.DataFrame({"street_name": ["龙华街道", "泡子沿街道"], "score": [90.0, 40.0], "band": ["top", "bottom"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        assert charts.monthly_bars(trend, {"a": "生活垃圾", "b": "建筑垃圾"}, "吨", stacked=True)[:4] == b"\x89PNG"
        assert charts.ranking_bars(ranked)[:4] == b"\x89PNG"


def test_no_cjk_font_refuses_the_pdf_in_both_languages(monkeypatch):
    fonts.find.cache_clear()
    monkeypatch.setattr(fonts, "CANDIDATES", {"regular": ["/nonexistent.ttc"], "bold": ["/nonexistent.ttc"]})
    monkeypatch.setattr(fonts, "_fontconfig", lambda style: None)
    try:
        with pytest.raises(fonts.NoFont) as refused:
            fonts.find("regular")
        assert "fonts-noto-cjk" in refused.value.zh and "fonts-noto-cjk" in refused.value.en
    finally:
        fonts.find.cache_clear()


# ------------------------------------------------------------------------------------------ the page
def briefing_of(at):
    button = next(b for b in at.button if b.key == "briefing_make")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    _, word, pdf = at.session_state[K_BRIEFING]
    assert isinstance(pdf, bytes) and pdf[:5] == b"%PDF-"
    return read_docx(word), pdf


def assert_briefing_shows_the_cards(at) -> dict[str, list[str]]:
    shown = metrics(at)
    doc, pdf = briefing_of(at)
    rows = indicator_rows(doc)
    same = [label for label in rows if label in shown]
    assert len(same) >= 12
    for label in same:
        assert rows[label][0] == shown[label], label
    assert {b.key for b in at.get("download_button")} >= {"briefing_docx", "briefing_pdf"}
    return rows


def test_the_overviews_briefing_has_the_cards_figures(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))
    at = open_app(from_="2023-11-01", to="2023-11-30")
    rows = assert_briefing_shows_the_cards(at)
    assert rows["点单服务（已解决）"][0] == "1 次" and rows["物业社成员"][0] == "7 人"
    ranking_frame = next(el.value for el in at.dataframe if "名次" in el.value.columns)
    assert ranking_frame[["名次", "街道", "综合得分", "榜单"]].values.tolist() == [["1", "乙街道", "85", "▲ 红榜"],
                                                                              ["2", "甲街道", "27.3", "▼ 黑榜"]]


def test_a_street_users_overview_briefing_is_their_streets(store):  # noqa: F811 — the fixture
    at = session(store, "s2", **{"from": "2023-11-01", "to": "2023-11-30"})
    rows = assert_briefing_shows_the_cards(at)
    assert rows["物业社成员"][0] == "3 人"
    assert "不显示排名" in "".join(el.value for el in at.info)
    audited = store.audit_rows(user="s2", action="download")
    assert [r["details"]["table"] for r in audited] == ["briefing"]


# ------------------------------------------------------------------------------------------ command line
def test_the_command_writes_the_districts_briefing_and_one_per_street_office(fixture_dir, tmp_path, capsys):
    assert cli.main(["--month", "2023-11", "--out", str(tmp_path), "--data", str(fixture_dir)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"briefing-2023-11-{code}.{kind}" for code in ("220203-全区", "S1-甲街道", "S2-乙街道")
                           for kind in ("docx", "pdf"))
    s1 = flat(words(read_docx((tmp_path / "briefing-2023-11-S1-甲街道.docx").read_bytes())))
    assert flat("本月甲街道各共享物业社共提供点单服务0次，解决率0.0%") in s1 and "乙街道" not in s1
    assert cli.main(["--month", "2023-11", "--out", str(tmp_path), "--data", str(fixture_dir),
                     "--street", "S9"]) == 2
    assert "S9" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        cli.main(["--month", "2023/11", "--out", str(tmp_path), "--data", str(fixture_dir)])
    assert "YYYY-MM" in str(bad.value)


def test_at_city_scale_the_ranking_section_shows_the_two_ends():
    from coopdash.briefing.document import ENDS, _ends
    ranked = pd.DataFrame({"street_code": [f"S{i:02d}" for i in range(25)], "rank": range(1, 26)})
    assert _ends(ranked)["rank"].tolist() == list(range(1, ENDS + 1)) + list(range(26 - ENDS, 26))
    assert len(_ends(ranked.head(2 * ENDS))) == 2 * ENDS  # twenty or fewer: all of them
