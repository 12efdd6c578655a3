"""Text from data and links is text (issue 24): every page rendered (AppTest) on the fixture dataset with
its street, community, compound and cooperative names replaced by Markdown and HTML payloads, and a link
whose `from=` is one. Every Markdown text the pages send (st.markdown, captions, alerts, headings,
widget help) is rendered as GFM would (markdown-it-py with linkify: bare links become links) and must
hold no link, no image and none of the payloads' markup; the payloads' text is shown as typed."""

from __future__ import annotations

import copy

import pytest
from markdown_it import MarkdownIt

from tests.apptest import open_app
from tests.fixture_data import ROWS, write_fixture

LINK = "[请重新登录](http://evil.example/login)"
IMAGE = "![x](http://evil.example/px.png)"
NAMES = {
    ("streets", "street_name"): {"S1": f"{LINK}街道", "S2": "**粗体**街道 <b>加粗</b>", "T1": "# 标题镇"},
    ("communities", "community_name"): {"C1": f"{IMAGE}一社区", "C2": "_斜体_社区 www.evil.example",
                                        "C3": ":red[红色]社区 <img src=http://evil.example/i.png>"},
    ("compounds", "compound_name"): {"P1": f"{LINK}小区", "P2": f"{IMAGE}楼", "P3": "`代码` http://evil.example/auto",
                                     "P4": "**丙新村**", "P5": "<script>alert(1)</script>楼"},
    ("cooperatives", "coop_name"): {"K1": f"{LINK}物业社", "K2": "**三社区共享物业社**"},
}
KEYS = {"streets": "street_code", "communities": "community_code", "compounds": "compound_code",
        "cooperatives": "coop_code"}
PAGES = ["pages/overview.py", "pages/compound_map.py", "pages/service_orders.py", "pages/environment.py",
         "pages/organisation.py", "pages/explorer.py", "pages/sql_console.py", "pages/data_admin.py"]
GFM = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(["linkify", "table", "strikethrough"])


@pytest.fixture(scope="module")
def payload_dir(tmp_path_factory):
    rows = copy.deepcopy(ROWS)
    for (table, column), names in NAMES.items():
        for row in rows[table]:
            row[column] = names.get(row[KEYS[table]], row[column])
    return write_fixture(tmp_path_factory.mktemp("payloads") / "dataset", rows)


def markdown_texts(at) -> list[str]:
    """Every text of the run that Streamlit renders as Markdown."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        out += [str(el.value) for el in at.get(kind)]
    for node in at.main, at.sidebar:
        stack = [node]
        while stack:
            el = stack.pop()
            stack += list(getattr(el, "children", {}).values()) if isinstance(getattr(el, "children", None), dict) else []
            help_text = getattr(getattr(el, "proto", None), "help", "")
            if isinstance(help_text, str) and help_text:
                out.append(help_text)
    return out


def problems(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        html = GFM.render(text)
        for bad in ("<a ", "<img", "<script", "<h1", "<h2", "<h3", "<code>", "<b>", "evil.example\"",
                    "<strong>粗体", "<strong>丙新村", "<strong>三社区", "<em>斜体"):
            if bad in html:
                found.append(f"{bad!r} in {html.strip()[:300]!r}")
    return found


@pytest.mark.parametrize("page", PAGES)
def test_no_page_turns_a_name_or_a_link_into_markup(page, payload_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(payload_dir))
    at = open_app(page=page, from_=f"{LINK} {IMAGE}", to="2023-11-30", street="S1")
    if page == "pages/compound_map.py":  # a compound chosen: its heading, facts and tables
        for code in ("P1", "P2", "P3"):
            at.selectbox(key="map_compound").set_value(code).run()
            assert not at.exception
            texts = markdown_texts(at)
            assert not problems(texts), problems(texts)
    texts = markdown_texts(at)
    assert texts
    assert not problems(texts), problems(texts)
    joined = " ".join(GFM.render(t) for t in texts)
    if page == "pages/overview.py":
        # the link's payload, echoed by the sidebar's warning, is shown as typed (as text)
        assert "[请重新登录](http://evil.example/login)" in joined.replace("&quot;", '"')
