"""The shared sidebar filters: drawn once by dashboard.py on every run, read by every page.

State lives in st.session_state (so it survives page switches) and is mirrored into the URL
(so a copied link opens the same view).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from coopdash import db, presentation
from coopdash.filters import Filters, from_query
from coopdash.labels import LANG_KEY, LANGUAGES, t
from coopdash.settings import data_dir, settings

K_START, K_END, K_STREETS, K_COMMUNITIES = "flt_start", "flt_end", "flt_streets", "flt_communities"
K_READY, K_PROBLEMS, K_FILTERS = "flt_ready", "flt_problems", "filters"
K_VIEW_READY, K_LAST_DAY = "view_ready", "data_last_day"
# URL keys of the view (not filters): ?lang=en&mode=present&carousel=overview,compound_map&every=30
URL_LANG, URL_MODE, URL_CAROUSEL, URL_EVERY = "lang", "mode", "carousel", "every"


def init_view() -> None:
    """First run of a session: language, projection mode and carousel from the link. Called by
    dashboard.py before anything is labelled, so even the page titles speak the link's language."""
    ss = st.session_state
    if K_VIEW_READY in ss:
        return
    qp = st.query_params
    ss[LANG_KEY] = qp.get(URL_LANG) if qp.get(URL_LANG) in LANGUAGES else "zh"
    ss[presentation.K_PRESENT] = qp.get(URL_MODE) == "present"
    pages = [p for p in (qp.get(URL_CAROUSEL) or "").split(",") if p]
    ss[presentation.K_CAROUSEL] = bool(pages)
    ss[presentation.K_CAROUSEL_PAGES] = pages
    try:
        seconds = int(qp.get(URL_EVERY) or presentation.DEFAULT_SECONDS)
    except ValueError:
        seconds = presentation.DEFAULT_SECONDS
    ss[presentation.K_CAROUSEL_SECONDS] = min(max(seconds, 5), 600)
    ss[K_VIEW_READY] = True


def _view_query() -> dict[str, str]:
    ss = st.session_state
    out = {}
    if ss.get(LANG_KEY) == "en":
        out[URL_LANG] = "en"
    if ss.get(presentation.K_PRESENT):
        out[URL_MODE] = "present"
    if ss.get(presentation.K_CAROUSEL) and ss.get(presentation.K_CAROUSEL_PAGES):
        out[URL_CAROUSEL] = ",".join(ss[presentation.K_CAROUSEL_PAGES])
        out[URL_EVERY] = str(ss[presentation.K_CAROUSEL_SECONDS])
    return out


def _view_settings(page_titles: dict[str, str]) -> None:
    """Language, projection mode and the carousel, at the top of the sidebar."""
    ss = st.session_state
    st.segmented_control(t("view.language"), options=list(LANGUAGES), key=LANG_KEY,
                         format_func={"zh": "中文", "en": "English"}.get, label_visibility="collapsed")
    if ss.get(LANG_KEY) not in LANGUAGES:  # a segmented control can be cleared: keep a language
        ss[LANG_KEY] = "zh"
    st.toggle(t("view.present"), key=presentation.K_PRESENT, help=t("view.present_help"))
    with st.expander(t("view.carousel")):
        st.toggle(t("view.carousel_on"), key=presentation.K_CAROUSEL)
        ss[presentation.K_CAROUSEL_PAGES] = [p for p in ss.get(presentation.K_CAROUSEL_PAGES, [])
                                             if p in page_titles]
        st.multiselect(t("view.carousel_pages"), options=list(page_titles), format_func=page_titles.get,
                       key=presentation.K_CAROUSEL_PAGES)
        st.number_input(t("view.carousel_seconds"), min_value=5, max_value=600, step=5,
                        key=presentation.K_CAROUSEL_SECONDS)


# The sidebar's lookups change only with the dataset: kept per dataset version as plain dicts, shared
# by all sessions, instead of fetching (unpickling) and converting the cached frames on every run —
# thousands of communities at city scale. Callers must not modify them.
@st.cache_resource(max_entries=8, show_spinner=False)
def _bounds(folder: str, fp: str) -> tuple:
    row = db.run("data_bounds").iloc[0]
    return row["first_day"], row["last_day"]


@st.cache_resource(max_entries=8, show_spinner=False)
def _street_names(folder: str, fp: str) -> dict[str, str]:
    streets = db.run("street_options")
    return dict(zip(streets["street_code"].tolist(), streets["street_name"].tolist()))


@st.cache_resource(max_entries=256, show_spinner=False)
def _community_names(folder: str, fp: str, streets: tuple[str, ...]) -> dict[str, str]:
    communities = db.run("community_options", streets=list(streets))
    return dict(zip(communities["community_code"].tolist(), communities["community_name"].tolist()))


def _version() -> tuple[str, str]:
    folder = data_dir()
    return str(folder), db.fingerprint(folder)


def data_window(version: tuple[str, str] | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) day with records in the dataset."""
    first, last = _bounds(*(version or _version()))
    return (first if first is not None else settings().launch,
            last if last is not None else settings().report_date)


def _set_window(start: dt.date, end: dt.date) -> None:
    st.session_state[K_START], st.session_state[K_END] = start, end


def _clamp(day, lo: dt.date, hi: dt.date, fallback: dt.date) -> dt.date:
    return fallback if day is None else min(max(day, lo), hi)


def render(page_titles: dict[str, str] | None = None, keep_prefix: str | None = None) -> Filters:
    """Draw the view settings and filters in the sidebar, sync them with the URL and return the
    filters. URL keys other than these are dropped, except those starting with `keep_prefix`
    (the current page's own). `page_titles`: url path → title, for the carousel."""
    ss = st.session_state
    cfg = settings()
    init_view()
    version = _version()
    first, last = data_window(version)
    ss[K_LAST_DAY] = last
    lo, hi = min(first, cfg.launch), max(last, cfg.report_date)
    street_names = _street_names(*version)

    if K_READY not in ss:  # first run of this session: take the filters from the link
        query = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
        f, problems = from_query(query, Filters(cfg.launch, last), set(street_names),
                                 set(_community_names(*version, ())))
        ss[K_START], ss[K_END] = f.start, f.end
        ss[K_STREETS], ss[K_COMMUNITIES] = list(f.streets), list(f.communities)
        ss[K_PROBLEMS], ss[K_READY] = problems, True
    ss[K_START] = _clamp(ss.get(K_START), lo, hi, cfg.launch)
    ss[K_END] = _clamp(ss.get(K_END), lo, hi, last)

    with st.sidebar:
        _view_settings(page_titles or {})
        st.header(t("filter.heading"))
        left, right = st.columns(2)
        left.button(t("filter.report_window"), on_click=_set_window, args=(cfg.launch, cfg.report_date),
                    help=t("filter.report_window_help"), width="stretch", key="flt_report_window")
        right.button(t("filter.all_time"), on_click=_set_window, args=(cfg.launch, last),
                     width="stretch", key="flt_all_time")
        st.date_input(t("filter.start"), key=K_START, min_value=lo, max_value=hi, format="YYYY/MM/DD")
        st.date_input(t("filter.end"), key=K_END, min_value=lo, max_value=hi, format="YYYY/MM/DD")
        st.multiselect(t("filter.streets"), options=list(street_names), format_func=street_names.get,
                       key=K_STREETS, placeholder=t("filter.all_streets"))
        community_names = _community_names(*version, tuple(ss[K_STREETS]))
        ss[K_COMMUNITIES] = [c for c in ss[K_COMMUNITIES] if c in community_names]
        st.multiselect(t("filter.communities"), options=list(community_names),
                       format_func=community_names.get, key=K_COMMUNITIES,
                       placeholder=t("filter.all_communities"))
        for problem in ss[K_PROBLEMS]:
            st.warning(problem)
        st.caption(t("filter.link_help"))

    start, end = ss[K_START] or cfg.launch, ss[K_END] or last
    if start > end:
        st.sidebar.warning(t("filter.swapped"))
        start, end = end, start
    f = Filters(start, end, tuple(ss[K_STREETS]), tuple(ss[K_COMMUNITIES]))
    own = {**f.to_query(), **_view_query()}
    for key in list(st.query_params.keys()):
        if key not in own and not (keep_prefix and key.startswith(keep_prefix)):
            del st.query_params[key]
    for key, value in own.items():
        if (st.query_params.get_all(key) if isinstance(value, list) else st.query_params.get(key)) != value:
            st.query_params[key] = value
    ss[K_FILTERS] = f
    ss["flt_names"] = {**street_names, **community_names}
    return f


def current() -> Filters:
    """The filters the sidebar set on this run (pages call this)."""
    return st.session_state[K_FILTERS]


def scope_text(f: Filters) -> str:
    """A one-line summary of the street/community scope, e.g. '承德街道 · 站前社区'."""
    names = st.session_state.get("flt_names", {})
    if f.communities:
        return "、".join(names.get(c, c) for c in f.communities)
    if f.streets:
        return "、".join(names.get(c, c) for c in f.streets)
    return t("filter.all_streets")
