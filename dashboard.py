"""龙潭区共享物业社看板 — entry point: page registry and the shared sidebar filters.

Run with `./start.sh` (see README). Pages live in app_pages/, SQL in queries/, the rest in coopdash/.
"""

import streamlit as st

from coopdash import ROOT, sidebar
from coopdash.db import DataError
from coopdash.labels import t

st.set_page_config(page_title=t("app.title"), page_icon=str(ROOT / "static" / "icon.png"), layout="wide")

PAGES = ROOT / "app_pages"
page = st.navigation([
    st.Page(PAGES / "overview.py", title=t("page.overview"), default=True),
    st.Page(PAGES / "compound_map.py", title=t("page.map")),
    st.Page(PAGES / "service_orders.py", title=t("page.orders")),
    st.Page(PAGES / "environment.py", title=t("page.environment")),
    st.Page(PAGES / "organisation.py", title=t("page.organisation")),
    st.Page(PAGES / "explorer.py", title=t("page.explorer")),
    st.Page(PAGES / "sql_console.py", title=t("page.console")),
    st.Page(PAGES / "data_admin.py", title=t("page.admin")),
])

st.sidebar.markdown(f"**{t('app.title')}**  \n{t('app.subtitle')}")
try:
    sidebar.render(keep_prefix="x." if page.url_path == "explorer" else None)
except DataError as exc:
    st.error(t("data.error"))
    st.error(exc.zh)
    st.caption(exc.en)
    st.stop()

page.run()
