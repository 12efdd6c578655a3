"""The screens leaders use (issue 23), checked without a browser: Streamlit's own English words kept out
of the Chinese UI, and the document's language. The browser tests are tests/test_browser_screens.py."""

from __future__ import annotations

from tests.apptest import open_app


def test_tables_show_a_dash_for_a_missing_value_not_none():
    # the explorer's raw orders: resolved_at is empty for open orders; Streamlit would draw "None"
    at = open_app("pages/explorer.py")
    tables = at.dataframe
    assert tables and all(el.proto.placeholder == "—" for el in tables)
    overview = open_app()  # the overview's tables and its ranking too
    tables = overview.dataframe
    assert len(tables) >= 2 and all(el.proto.placeholder == "—" for el in tables)


def test_multiselects_offer_no_english_select_all():
    at = open_app()
    pickers = at.get("multiselect")
    assert pickers and all(not el.proto.select_all for el in pickers)
    assert all(el.proto.placeholder and "Choose" not in el.proto.placeholder for el in pickers)


def test_html_lang_script_follows_the_language():
    for query, tag in (({}, '"zh-CN"'), ({"lang": "en"}, '"en"')):
        at = open_app(**query)
        scripts = [el.proto.body for el in at.get("html") if "__coopLang" in el.proto.body]
        assert len(scripts) == 1 and f"w.__coopLang = {tag}" in scripts[0]
