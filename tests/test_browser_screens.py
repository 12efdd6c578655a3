"""Real-browser tests of the screens leaders use (issue 23): the document's language, axe-core's
accessibility rules on every page in both languages and in projection mode, and Streamlit's own English
words kept out of the Chinese UI. Same server and Chromium as tests/test_browser.py; nothing leaves the
machine.

axe-core comes from npm (scripts/axe-deps.sh, run by ./test.sh, installs a pinned version into .axe/);
without it the accessibility test skips and says why.
"""

from __future__ import annotations

import pytest

from coopdash import ROOT
from tests.test_browser import PAGES, WINDOW, browser, open_page, server  # noqa: F401 — fixtures

AXE = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands: [{id, impact, nodes}]."""
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
    }""")


@pytest.mark.parametrize("query", ["", "&lang=en", "&mode=present"], ids=["zh", "en", "present"])
@pytest.mark.parametrize("path", list(PAGES))
def test_axe_finds_nothing_critical_or_serious(server, browser, path, query):  # noqa: F811
    if not AXE.exists():
        pytest.skip("未安装 axe-core（./test.sh 通过 scripts/axe-deps.sh 安装）/ axe-core not installed: "
                    "./test.sh installs it with scripts/axe-deps.sh")
    context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}{query}")
    try:
        bad = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        assert bad == [], "\n".join(f"{v['impact']} {v['id']}: {v['nodes'][:3]}" for v in bad)
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("query, expected", [("", "zh-CN"), ("&lang=en", "en")])
def test_html_lang_is_the_sessions_language(server, browser, query, expected):  # noqa: F811
    context, page, outside = open_page(browser, f"{server}/service_orders?{WINDOW}{query}")
    try:
        assert page.evaluate("document.documentElement.lang") == expected
        if expected == "zh-CN":  # switching the language in the sidebar switches the document's too
            page.get_by_text("English", exact=True).first.click()
            page.get_by_text("Service orders").first.wait_for(timeout=20_000)
            page.wait_for_function("document.documentElement.lang === 'en'", timeout=10_000)
        assert outside == []
    finally:
        context.close()


VISIBLE_TEXT = """() => {
    // every text a reader sees: rendered text nodes (not shrunk to nothing) and generated ::after content
    const out = [];
    const walk = document.createTreeWalker(document.querySelector('[data-testid="stApp"]'), NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walk.nextNode())) {
        const el = n.parentElement;
        if (!el || el.closest('style, script, [data-testid="stIconMaterial"]') || !el.getClientRects().length) continue;
        if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
        out.push(n.textContent);
    }
    document.querySelectorAll('[data-testid="stApp"] *').forEach(el => {
        const c = getComputedStyle(el, '::after').content;
        if (c && c !== 'none' && c !== 'normal') out.push(c.replace(/^"|"$/g, ''));
    });
    document.querySelectorAll('input[placeholder]').forEach(e => out.push(e.placeholder));
    return out.join('\\n');
}"""
STREAMLIT_ENGLISH = ["Select all", "Choose options", "Choose an option", "Upload", "per file", "Drag and drop",
                     "Browse files", "None"]


LABELS = """() => { const out = [];
  document.querySelectorAll('[aria-label], [title], [data-title]').forEach(e => {
    for (const a of ['aria-label', 'title', 'data-title']) if (e.hasAttribute(a)) out.push(e.getAttribute(a));
  });
  return out; }"""


@pytest.mark.parametrize("path", ["", "explorer", "data_admin"])
def test_streamlits_and_plotlys_control_labels_speak_the_sessions_language(server, browser, path):  # noqa: F811
    """What a screen reader reads out for the sidebar's buttons, the date pickers, the tables' toolbars and
    Plotly's toolbar (and what Plotly shows on hover): Chinese on a Chinese page, Streamlit's own in English."""
    from coopdash.i18n.catalogue.builtin import ZH
    for query, english_left in (("", False), ("&lang=en", True)):
        context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}{query}")
        try:
            page.wait_for_timeout(1500)  # the script's pass runs within a second of a change
            labels = page.evaluate(LABELS)
            english = sorted({v for v in labels if v in ZH})
            if english_left:
                assert english and not any(v in ZH.values() for v in labels), english
            else:
                assert english == [], english
                assert "收起侧栏" in labels or "展开侧栏" in labels
                if path == "":
                    assert "下载为图片（PNG）" in labels and "还原坐标轴" in labels  # Plotly's toolbar
            assert outside == []
        finally:
            context.close()


def test_no_streamlit_english_in_the_chinese_ui(server, browser):  # noqa: F811
    context, page, outside = open_page(browser, f"{server}/?{WINDOW}")
    try:
        # the street filter's list, opened: the choices are the streets, with no English "Select all"
        field = page.locator('section[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has_text="街道（乡镇）").locator("input")
        for _ in range(5):  # a rerun right after loading may close the list again: open until it stays
            field.click()
            try:
                page.locator('[role="listbox"] [role="option"]').first.wait_for(state="attached", timeout=3_000)
                break
            except Exception:  # noqa: BLE001 — not open yet
                page.keyboard.press("Escape")
        options = page.locator('[role="listbox"] [role="option"]').all_text_contents()
        assert "Select all" not in options and options[0].endswith("街道"), options
        page.keyboard.press("Escape")
        shown = page.evaluate(VISIBLE_TEXT)
        assert [w for w in STREAMLIT_ENGLISH if w in shown] == []
        assert outside == []
    finally:
        context.close()
    context, page, outside = open_page(browser, f"{server}/data_admin?{WINDOW}")
    try:  # the uploader says 上传 and its limits in Chinese, and nothing of Streamlit's English
        page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(timeout=20_000)
        shown = page.evaluate(VISIBLE_TEXT)
        assert "上传" in shown and "每个文件不超过 20 MB" in shown and "XLSX、XLS、CSV、ZIP" in shown
        assert [w for w in STREAMLIT_ENGLISH if w in shown] == []
        assert outside == []
    finally:
        context.close()


def phone_tab(browser):
    """A phone's tab (390×844, touch, a phone's User-Agent, DPR 3), every non-local request blocked."""
    from tests.test_browser import blank_tab
    device = {"viewport": {"width": 390, "height": 844}, "screen": {"width": 390, "height": 844},
              "device_scale_factor": 3, "is_mobile": True, "has_touch": True, "locale": "zh-CN",
              "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}
    return blank_tab(browser, **device)


def open_phone(browser, url: str):
    context, page, outside = phone_tab(browser)
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=60_000)
    page.wait_for_timeout(1500)
    return context, page, outside


def swipe_up(page, x: float, y: float, distance: float = 300) -> None:
    """A finger's vertical swipe from (x, y) upwards by `distance` CSS pixels, as touch events (CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y - distance * step / 10}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(600)


SCROLL_TOP = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"


def test_on_a_phone_a_swipe_that_starts_on_a_chart_scrolls_the_page(server, browser):  # noqa: F811
    context, page, outside = open_phone(browser, f"{server}/?{WINDOW}")
    try:
        chart = page.locator(".stPlotlyChart").first
        chart.locator(".js-plotly-plot").wait_for(timeout=20_000)
        for _ in range(5):  # in the middle of the screen (the page may still settle under it)
            chart.evaluate("e => e.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(700)
            box = chart.bounding_box()
            if box["y"] >= 0 and box["y"] + box["height"] <= 844:
                break
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844  # the whole chart on the screen
        ranges = "e => JSON.stringify(e.querySelector('.js-plotly-plot')._fullLayout.yaxis.range)"
        before, y_range = page.evaluate(SCROLL_TOP), chart.evaluate(ranges)
        swipe_up(page, box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.7)
        after = page.evaluate(SCROLL_TOP)
        assert after - before >= 150, (before, after)  # the page moved with the finger
        assert chart.evaluate(ranges) == y_range  # and the chart did not zoom
        assert page.locator(".modebar-container:visible").count() == 0  # no toolbar over titles and legends
        assert outside == []
    finally:
        context.close()


def test_on_a_phone_cards_sit_two_a_row_and_the_filters_open_from_the_top(server, browser):  # noqa: F811
    context, page, outside = open_phone(browser, f"{server}/?{WINDOW}")
    try:
        page.wait_for_function("""() => { const m = document.querySelectorAll('.coop-kpi');
            return m.length > 3 && m[0].getBoundingClientRect().top === m[1].getBoundingClientRect().top; }""",
                               timeout=15_000)
        boxes = [page.locator('.coop-kpi').nth(i).bounding_box() for i in range(4)]
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] == boxes[3]["y"] > boxes[0]["y"]
        assert boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1 and boxes[1]["x"] + boxes[1]["width"] <= 390
        # the filters: the first thing on the page, above the title, one tap away
        filters = page.locator('[data-testid="stExpander"]').filter(has_text="筛选").first
        title = page.locator("h1").first
        assert filters.bounding_box()["y"] < title.bounding_box()["y"] < 844
        filters.locator("summary").click()
        street = page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').filter(has_text="街道（乡镇）")
        street.wait_for(timeout=10_000)
        assert street.bounding_box()["y"] < 844  # reachable without scrolling
        assert outside == []
    finally:
        context.close()


TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(d => {
    const scroller = d.querySelector('.dvn-scroller');
    return {headers: [...d.querySelectorAll('th')].map(t => t.textContent.trim()),
            hidden: scroller ? scroller.scrollWidth - scroller.clientWidth : 0};
})"""


@pytest.mark.parametrize("path, keys", [
    ("", [["街道", "解决点单（次）", "清运垃圾（吨）"], ["名次", "街道", "榜单", "综合得分"]]),
    ("service_orders", [["街道", "解决（次）", "解决率"], ["服务类别", "解决（次）", "解决率"]]),
])
def test_on_a_phone_tables_keep_their_key_columns_in_view(server, browser, path, keys):  # noqa: F811
    context, page, outside = open_phone(browser, f"{server}/{path}?{WINDOW}")
    try:
        frames = page.locator('[data-testid="stDataFrame"]')
        frames.first.wait_for(timeout=20_000)
        for i in range(frames.count()):  # each drawn (tables below the fold are drawn when scrolled to)
            frames.nth(i).scroll_into_view_if_needed()
            page.wait_for_timeout(400)
        tables = page.evaluate(TABLES)
        for want in keys:
            table = next((t for t in tables if t["headers"][:2] == want[:2]), {"headers": tables, "hidden": 0})
            assert table["headers"] == want and table["hidden"] <= 1, table  # all of them, nothing off-screen
        assert all(t["hidden"] <= 1 for t in tables), tables
        assert outside == []
    finally:
        context.close()


def test_on_a_phone_the_map_is_half_a_screen_and_a_swipe_on_it_scrolls_the_page(server, browser):  # noqa: F811
    context, page, outside = open_phone(browser, f"{server}/compound_map?{WINDOW}")
    try:
        deck = page.locator('[data-testid="stDeckGlJsonChart"]').first
        deck.wait_for(timeout=20_000)
        deck.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        box = deck.bounding_box()
        assert box["height"] <= 844 / 2 and box["width"] <= 390  # was 620 of 844
        before = page.evaluate(SCROLL_TOP)
        swipe_up(page, box["x"] + box["width"] / 2, min(box["y"] + box["height"] * 0.6, 800))
        assert page.evaluate(SCROLL_TOP) - before >= 150  # the page scrolled; the map did not take the swipe
        assert outside == []
    finally:
        context.close()


SMALL_TEXT = """() => {
    // every text drawn in the page's main area (HTML and the charts' SVG) smaller than 20 px: [size, text]
    const out = [];
    const walk = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walk.nextNode())) {
        const el = n.parentElement;
        if (!n.textContent.trim() || !el || el.closest('style, script, [data-testid="stIconMaterial"]')) continue;
        const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
        if (!r.width || !r.height || cs.visibility === 'hidden') continue;
        if (parseFloat(cs.fontSize) < 20) out.push([parseFloat(cs.fontSize), n.textContent.slice(0, 30)]);
    }
    return out;
}"""


@pytest.mark.parametrize("path", ["", "service_orders", "environment", "organisation"])
def test_projection_letters_every_text_at_least_20_px(server, browser, path):  # noqa: F811
    context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}&mode=present")
    try:
        page.locator('.coop-kpi, .stPlotlyChart').first.wait_for(timeout=20_000)
        page.wait_for_timeout(1000)
        shown = page.locator('.stPlotlyChart, [data-testid="stTable"], .coop-kpi')
        for i in range(shown.count()):  # everything drawn (charts below the fold are drawn when scrolled to)
            shown.nth(i).scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        # chart ticks, legends, notes, axis titles; table cells; the cards and their 环比/同比 lines
        ticks = page.locator(".stPlotlyChart .xtick text").first
        assert float(ticks.evaluate("e => getComputedStyle(e).fontSize").rstrip("px")) >= 20
        assert page.locator('[data-testid="stDataFrame"]').count() == 0  # tables as text, not a canvas
        assert page.evaluate(SMALL_TEXT) == []
        assert outside == []
    finally:
        context.close()


def test_the_carousel_walks_down_the_page_before_moving_on(server, browser):  # noqa: F811
    context, page, outside = open_page(
        browser, f"{server}/?{WINDOW}&mode=present&carousel=overview,organisation&every=20")
    try:
        tops = []
        for _ in range(8):  # within the overview's 20 s: the first screen, then the ones below
            tops.append(page.evaluate(SCROLL_TOP))
            page.wait_for_timeout(2000)
        assert tops[0] < 50 and max(tops) > 2000, tops  # the charts and the ranking reached the screen
        assert tops == sorted(tops), tops  # downwards, a screen at a time
        page.wait_for_url("**/organisation**", timeout=30_000)
        assert outside == []
    finally:
        context.close()


# pypdf reads some of the font's glyphs back as CJK radicals (⻰ for 龙, ⾄ for 至): the ideographs they stand for
RADICALS = {"⻰": "龙", "⻚": "页", "⻓": "长", "⻢": "马", "⻋": "车", "⻔": "门", "⻛": "风", "⻅": "见", "⻉": "贝",
            "⻥": "鱼", "⻦": "鸟", "⻬": "齐", "⻄": "西", "⻩": "黄", "⻜": "飞", "⻆": "角", "⻘": "青"}


def ideographs(text: str) -> str:
    import unicodedata
    return "".join(RADICALS.get(c) or (unicodedata.normalize("NFKC", c) if "\u2f00" <= c <= "\u2fdf" else c)
                   for c in text)


@pytest.mark.parametrize("width, query", [(1920, ""), (1280, "&lang=en")])
def test_the_overview_prints_on_three_a4_sheets_with_a_header_and_no_buttons(server, browser, width, query):  # noqa: F811
    import io

    from pypdf import PdfReader

    from tests.test_browser import SHOTS, blank_tab
    context, page, outside = blank_tab(browser)
    try:
        page.set_viewport_size({"width": width, "height": 1000})  # printed from the window as it is
        page.goto(f"{server}/?{WINDOW}{query}")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"] h1', timeout=60_000)
        page.wait_for_timeout(1500)
        page.emulate_media(media="print")
        page.wait_for_timeout(800)
        data = page.pdf(prefer_css_page_size=True, print_background=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"overview-handout-{width}.pdf").write_bytes(data)
        sheets = PdfReader(io.BytesIO(data)).pages
        assert 1 <= len(sheets) <= 3  # was 7
        assert all(round(float(s.mediabox.width)) == 842 and round(float(s.mediabox.height)) == 595 for s in sheets)
        texts = [ideographs(s.extract_text()) for s in sheets]
        en = "lang=en" in query
        for i, text in enumerate(texts, 1):  # the scope and window on every sheet, and its number
            if en:
                assert "Window: 2023-04-01 to 2023-11-30" in text and "All street offices" in text.replace("ﬃ", "ffi")
                assert f"page {i} of {len(sheets)}" in text
            else:
                assert "统计范围：2023年4月1日至2023年11月30日" in text and "全部街道" in text
                assert f"第 {i} 页，共 {len(sheets)} 页" in text
        everything = "".join(texts)
        buttons = (["Briefing", "Download CSV", "Download Excel", "Exit"] if en else
                   ["工作简报", "下载 CSV", "下载 Excel", "下载本页全部", "截至报道日", "退出放映"])
        assert [b for b in buttons if b in everything] == []  # no button or widget on paper
        # the charts whole, two a row (the street chart's last street office), and the tables as text, whole:
        # the street table's last column and the ranking's band (the grids, canvases, were cut at the edge)
        assert "靠山街道" in everything and ("Month" if en else "月份") in everything
        assert all(word in everything for word in (["Pipe (km)", "top three", "bottom three"] if en else ["管线", "榜单", "红榜", "黑榜"])), everything
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "service_orders", "environment", "organisation"])
def test_at_1440_a_table_shows_every_column_or_says_it_scrolls(server, browser, path):  # noqa: F811
    context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}")
    try:
        page.set_viewport_size({"width": 1440, "height": 900})
        frames = page.locator('[data-testid="stDataFrame"]')
        frames.first.wait_for(timeout=20_000)
        for i in range(frames.count()):
            frames.nth(i).scroll_into_view_if_needed()
            page.wait_for_timeout(300)
        page.wait_for_timeout(1200)
        tables = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(d => {
            const sc = d.querySelector('.dvn-scroller');
            return {headers: [...d.querySelectorAll('th')].map(t => t.textContent.trim()).slice(0, 3),
                    hidden: sc ? sc.scrollWidth - sc.clientWidth : 0,
                    says: getComputedStyle(d, '::after').content};
        })""")
        assert tables
        for table in tables:  # all columns in view, or a visible line saying the table scrolls sideways
            assert table["hidden"] <= 1 or "左右滚动" in table["says"], table
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "service_orders", "organisation"])
def test_in_english_at_1440_no_card_value_or_delta_is_cut(server, browser, path):  # noqa: F811
    context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}&lang=en")
    try:
        page.set_viewport_size({"width": 1440, "height": 900})
        page.wait_for_timeout(1000)
        cut = page.evaluate("""() => [...document.querySelectorAll(
            '.coop-kpi-label, .coop-kpi-value, .coop-kpi-delta, .coop-kpi-note')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
        assert cut == []  # was "31.9 ho…", "113.8 ho…", "3.88 poi…" on 点单服务
        assert outside == []
    finally:
        context.close()
