"""龙潭区共享物业社看板 — entry point: page registry, view settings and the shared sidebar filters.

Run with `./start.sh` (see README). Pages live in pages/, SQL in queries/, the rest in coopdash/
(docs/architecture.md is the map).
"""

import streamlit as st

from coopdash import ROOT
from coopdash.app import cache, presentation, session, sidebar, turns, ui
from coopdash.app.state import K_CAROUSEL, K_CAROUSEL_PAGES, K_CAROUSEL_SECONDS, K_PRESENT
from coopdash.data.errors import CoopError, DataError
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

cache.freeze_after_start()  # once per process: the collector's full passes skip start-up objects
cache.pin_version()  # the dataset version every query of this run reads
st.set_page_config(page_title=t("app.title"), page_icon=str(ROOT / "static" / "icon.png"), layout="wide")
sidebar.init_view()  # language and projection mode from the link, before anything is labelled
user = session.gate()  # who this is (or a sign-in page, and the run stops): before any data is read
role, allowed = session.role(), session.pages()

PAGES = ROOT / "pages"
# section → (page id = its URL path, file, title key); a role sees only its own pages in the navigation,
# and a page it may not open answers its URL with a refusal (a hidden stand-in with the same path)
SECTIONS = {
    "nav.reports": [("overview", "overview.py", "page.overview"), ("compound_map", "compound_map.py", "page.map"),
                    ("service_orders", "service_orders.py", "page.orders"),
                    ("environment", "environment.py", "page.environment"),
                    ("organisation", "organisation.py", "page.organisation")],
    "nav.analysis": [("explorer", "explorer.py", "page.explorer"), ("sql_console", "sql_console.py", "page.console")],
    "nav.admin": [("data_admin", "data_admin.py", "page.admin"), ("users", "users.py", "page.users")],
}
sections, by_id, refused = {}, {}, []
for section, pages in SECTIONS.items():
    for pid, file, title in pages:
        if pid in allowed:
            p = st.Page(PAGES / file, title=t(title), default=pid == "overview",
                        url_path=None if pid == "overview" else pid)
            sections.setdefault(t(section), []).append(p)
            by_id[pid] = p
        else:
            refused.append(st.Page(session.refused_page(pid), title=t(title), url_path=pid, visibility="hidden"))
sections.setdefault(t("nav.reports"), []).extend(refused)
presentation.allow(role.present)
present = presentation.is_present()
page = st.navigation(sections, position="hidden" if present else "sidebar")
presentation.styles(present)

st.sidebar.markdown(f"**{t('app.title')}**  \n{t('app.subtitle')}")
account = st.sidebar.container()  # filled after the filters: it names the account's streets
try:
    f = sidebar.render(page_titles={pid: p.title for pid, p in by_id.items()},
                       keep_prefix="x." if page.url_path == "explorer" else None)
except DataError as exc:
    st.error(t("data.error"))
    st.error(fmt.md(exc.zh))
    st.caption(fmt.md(exc.en))
    st.stop()
with account:
    session.account_box()
session.page_viewed(page.url_path or "overview", f.to_query())

if present:
    st.button(t("view.exit_present"), key="exit_present", type="tertiary",
              on_click=lambda: st.session_state.update({K_PRESENT: False}))
    ss = st.session_state
    if ss.get(K_CAROUSEL):
        chosen = [by_id[pid] for pid in ss.get(K_CAROUSEL_PAGES, []) if pid in by_id]
        presentation.carousel(chosen, page, ss[K_CAROUSEL_SECONDS])

ui.start_page()
sidebar.notices()
try:
    with turns.turn():
        page.run()
        ui.page_workbook(page.title)
except CoopError as exc:  # a refusal from the data layer (e.g. outside the user's scope): why, in both languages
    st.error(fmt.md(exc.zh))
    st.caption(fmt.md(exc.en))
