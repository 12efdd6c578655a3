"""龙潭区共享物业社看板 — entry point: page registry, view settings and the shared sidebar filters.

Run with `./start.sh` (see README). Pages live in pages/, SQL in queries/, the rest in coopdash/
(docs/architecture.md is the map).
"""

import streamlit as st

from coopdash import ROOT
from coopdash.app import cache, presentation, sidebar
from coopdash.app.state import K_CAROUSEL, K_CAROUSEL_PAGES, K_CAROUSEL_SECONDS, K_PRESENT
from coopdash.data.errors import DataError
from coopdash.i18n.labels import t

cache.freeze_after_start()  # once per process: Streamlit's full collection after each run skips start-up objects
st.set_page_config(page_title=t("app.title"), page_icon=str(ROOT / "static" / "icon.png"), layout="wide")
sidebar.init_view()  # language and projection mode from the link, before anything is labelled

PAGES = ROOT / "pages"
sections = {
    t("nav.reports"): [
        st.Page(PAGES / "overview.py", title=t("page.overview"), default=True),
        st.Page(PAGES / "compound_map.py", title=t("page.map")),
        st.Page(PAGES / "service_orders.py", title=t("page.orders")),
        st.Page(PAGES / "environment.py", title=t("page.environment")),
        st.Page(PAGES / "organisation.py", title=t("page.organisation")),
    ],
    t("nav.analysis"): [
        st.Page(PAGES / "explorer.py", title=t("page.explorer")),
        st.Page(PAGES / "sql_console.py", title=t("page.console")),
    ],
    t("nav.admin"): [
        st.Page(PAGES / "data_admin.py", title=t("page.admin")),
    ],
}
# a page's id in links and the carousel: its URL path ("overview" for the default page)
by_id = {(p.url_path or "overview"): p for pages in sections.values() for p in pages}
present = presentation.is_present()
page = st.navigation(sections, position="hidden" if present else "sidebar")
presentation.styles(present)

st.sidebar.markdown(f"**{t('app.title')}**  \n{t('app.subtitle')}")
try:
    sidebar.render(page_titles={pid: p.title for pid, p in by_id.items()},
                   keep_prefix="x." if page.url_path == "explorer" else None)
except DataError as exc:
    st.error(t("data.error"))
    st.error(exc.zh)
    st.caption(exc.en)
    st.stop()

if present:
    st.button(t("view.exit_present"), key="exit_present", type="tertiary",
              on_click=lambda: st.session_state.update({K_PRESENT: False}))
    ss = st.session_state
    if ss.get(K_CAROUSEL):
        chosen = [by_id[pid] for pid in ss.get(K_CAROUSEL_PAGES, []) if pid in by_id]
        presentation.carousel(chosen, page, ss[K_CAROUSEL_SECONDS])

page.run()
