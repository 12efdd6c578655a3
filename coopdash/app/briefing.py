"""The overview's street-office ranking (红黑榜) and its briefing button (issue 16).

The briefing's figures come through `CacheSource`: the same cached named queries, hours index and
ranking the overview draws, within the session user's scope, so a figure in the briefing is the figure
on the page. The files are made in the run when asked (the button), then offered as two downloads.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import streamlit as st

from coopdash import briefing as brief
from coopdash.app import cache, presentation, session, sidebar, ui
from coopdash.app.state import K_LAST_DAY
from coopdash.briefing import document, fonts
from coopdash.data.errors import Refused
from coopdash.data.filters import Filters
from coopdash.i18n import fmt
from coopdash.i18n.labels import lang, t

K_BRIEFING = "briefing_files"  # session state: (key, docx bytes, pdf bytes or the reason there is none)
BAND_MARK = {"top": "▲", "bottom": "▼", "": ""}  # 红榜 / 黑榜 in the ranking table's band column


class CacheSource:
    """content.Source over the app's cache (coopdash/app/cache.py): the page's own results."""

    def run_many(self, names, params):
        return cache.run_many(list(names), **params)

    def hours_totals(self, params):
        return cache.hours_totals(**params)

    def ranking(self, params):
        return cache.street_ranking(**params)

    def first_day(self):
        return sidebar.data_window()[0]


# ------------------------------------------------------------------------------------------ ranking
def ranking_section(f: Filters) -> None:
    """The ranking table (top and bottom three shaded), its method, and its downloads; a scoped user
    whose role may not see district figures is told why there is none."""
    ui.section("section.ranking")
    try:
        ranked = cache.street_ranking(**f.params())
    except Refused:
        st.info(t("ranking.refused_note"))
        return
    if ranked.empty:
        ui.empty()
        return
    if session.scope().limited:
        st.caption(t("ranking.own"))
    table = document.ranking_table(ranked)
    # the briefing's table as text, the top and bottom marked in their band column: handed over as Arrow
    # (a pandas Styler shading the rows cost 6 ms of every overview run, holding the GIL)
    rows = [[f"{BAND_MARK[mark]} {cell}" if j == len(row) - 1 and cell else cell for j, cell in enumerate(row)]
            for row, mark in zip(table.rows, table.marks)]
    shown = pa.table({label: pa.array([r[j] for r in rows], pa.string()) for j, label in enumerate(table.columns)})
    if presentation.is_present():  # real text, lettered for the room (a grid is drawn on a canvas)
        st.table(shown.to_pandas(), hide_index=True)
        st.caption(document.ranking_method())
        return
    # a phone: rank, street, band and score (the rest in the download)
    order = ui.phone_columns(table.columns, [table.columns[i] for i in (0, 1, len(table.columns) - 1, 2)])
    st.dataframe(shown, hide_index=True, width="stretch", height="content", key="overview_ranking",
                 placeholder=t("delta.none"), column_order=order)
    text = shown.to_pandas()
    ui.print_copy(text, {label: (label, "text") for label in text.columns}, ("", ""))  # paper: the text, whole
    st.caption(document.ranking_method())
    ui.downloads(ranked, {"rank": t("ranking.col.rank"), "street_name": t("col.street_name"),
                          "score": t("ranking.col.score"), "resolution_rate": t("ranking.col.resolution_rate"),
                          "within_deadline_share": t("ranking.col.within_deadline"),
                          "mean_rating": t("ranking.col.mean_rating"),
                          "orders_per_1000": t("ranking.col.orders_per_1000"), "overdue": t("ranking.col.overdue"),
                          "band": t("ranking.col.band")}, "street_ranking")


# ------------------------------------------------------------------------------------------ briefing
def _scope_name(f: Filters) -> str:
    scoped = bool(f.streets or f.communities or session.scope().limited)
    return sidebar.scope_text(f) if scoped else t("brief.scope_all")


def briefing_button(f: Filters) -> None:
    """工作简报: one button makes the .docx and the PDF for the window and scope; then both download."""
    key = (cache.version(), f, lang(), session.scope())
    with st.popover(t("brief.button"), icon=":material/description:"):
        if st.button(t("brief.make", window=fmt.window(f.start, f.end), scope=_scope_name(f)), key="briefing_make"):
            from coopdash.briefing import render  # python-docx and fpdf2, once someone asks for a briefing

            asof = st.session_state.get(K_LAST_DAY)
            doc = brief.make(CacheSource(), f, _scope_name(f), asof=min(asof, f.end) if asof else None,
                             made=dt.datetime.now().replace(microsecond=0))
            try:
                pdf = render.to_pdf(doc)
            except fonts.NoFont as exc:
                pdf = exc
            st.session_state[K_BRIEFING] = (key, render.to_docx(doc), pdf)
            session.audit("download", {"table": "briefing", "format": "docx+pdf", "start": f.start.isoformat(),
                                       "end": f.end.isoformat(), "streets": list(f.streets),
                                       "communities": list(f.communities), "language": lang()})
        made = st.session_state.get(K_BRIEFING)
        if not made or made[0] != key:
            return
        _, docx, pdf = made
        name = f"{t('brief.title', district=t('brief.district'))}-{f.start.isoformat()}-{f.end.isoformat()}"
        st.download_button(t("brief.docx"), data=docx, file_name=f"{name}.docx", key="briefing_docx",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           on_click="ignore", icon=":material/article:")
        if isinstance(pdf, fonts.NoFont):
            st.warning(t("brief.no_font"))
        else:
            st.download_button(t("brief.pdf"), data=pdf, file_name=f"{name}.pdf", key="briefing_pdf",
                               mime="application/pdf", on_click="ignore", icon=":material/picture_as_pdf:")
