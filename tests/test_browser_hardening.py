"""Issue 24 in a real browser (Debian Chromium, Playwright): no page offers Streamlit's own table
download, the one export path that bypassed the neutraliser and the audit trail. No request may leave
the machine."""

from __future__ import annotations

import pytest

from tests.test_browser import CHROMIUM, WINDOW, browser, open_page, server  # noqa: F401 — fixtures

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="未找到 Chromium / no Chromium: browser tests skipped")
TABLE_PAGES = ["service_orders", "organisation", "explorer", "environment"]


@pytest.mark.parametrize("path", TABLE_PAGES)
def test_no_table_offers_the_builtin_download(server, browser, path):
    context, page, outside = open_page(browser, f"{server}/{path}?{WINDOW}")
    try:
        tables = page.locator('[data-testid="stDataFrame"]')
        tables.first.wait_for(state="attached", timeout=30_000)  # the grid's script loads on demand
        seen = []
        for i in range(min(tables.count(), 4)):
            table = tables.nth(i)
            table.scroll_into_view_if_needed()
            table.hover()
            toolbar = page.locator('[data-testid="stElementToolbar"]').filter(has=page.locator("button")).nth(0)
            toolbar.wait_for(state="visible", timeout=10_000)
            seen += [b.get_attribute("aria-label") or b.inner_text()
                     for b in page.locator('[data-testid="stElementToolbar"] button').all() if b.is_visible()]
        assert seen, "the table toolbar did not show"  # it shows (search, full screen …)
        assert not any("Download" in s or "下载" in s for s in seen), seen
        assert page.get_by_role("button", name="Download as CSV").count() == 0
        assert outside == []
    finally:
        context.close()
