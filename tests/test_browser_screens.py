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
        assert "上传" in shown and "每个文件不超过 20 MB" in shown and "XLSX、CSV、ZIP" in shown
        assert [w for w in STREAMLIT_ENGLISH if w in shown] == []
        assert outside == []
    finally:
        context.close()
