"""The shared sidebar filters: drawn once by dashboard.py on every run, read by every page.

State lives in st.session_state (so it survives page switches) and is mirrored into the URL
(so a copied link opens the same view).
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap

import streamlit as st

from coopdash.app import cache, multipage, presentation, session
from coopdash.app.state import (
    K_CAROUSEL,
    K_CAROUSEL_PAGES,
    K_CAROUSEL_SECONDS,
    K_COMMUNITIES,
    K_END,
    K_FILTERS,
    K_LANG,
    K_LAST_DAY,
    K_NAMES,
    K_NOTICE,
    K_PRESENT,
    K_PRESENT_ALLOWED,
    K_PROBLEMS,
    K_READY,
    K_START,
    K_STREETS,
    K_VIEW_READY,
    URL_CAROUSEL,
    URL_EVERY,
    URL_LANG,
    URL_MODE,
)
from coopdash.data.filters import URL_END, URL_START, Filters, from_query
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import LANGUAGES, lang, t


def init_view() -> None:
    """First run of a session: language, projection mode and carousel from the link. Called by
    dashboard.py before anything is labelled, so even the page titles speak the link's language."""
    ss = st.session_state
    if K_VIEW_READY in ss:
        return
    qp = st.query_params
    ss[K_LANG] = qp.get(URL_LANG) if qp.get(URL_LANG) in LANGUAGES else "zh"
    ss[K_PRESENT] = qp.get(URL_MODE) == "present"
    pages = [p for p in (qp.get(URL_CAROUSEL) or "").split(",") if p]
    ss[K_CAROUSEL] = bool(pages)
    ss[K_CAROUSEL_PAGES] = pages
    cfg = settings()
    try:
        seconds = int(qp.get(URL_EVERY) or cfg.carousel_seconds)
    except ValueError:
        seconds = cfg.carousel_seconds
    ss[K_CAROUSEL_SECONDS] = min(max(seconds, cfg.carousel_min_seconds), cfg.carousel_max_seconds)
    ss[K_VIEW_READY] = True


def _view_query() -> dict[str, str]:
    ss = st.session_state
    out = {}
    if ss.get(K_LANG) == "en":
        out[URL_LANG] = "en"
    if ss.get(K_PRESENT):
        out[URL_MODE] = "present"
    if ss.get(K_CAROUSEL) and ss.get(K_CAROUSEL_PAGES):
        out[URL_CAROUSEL] = ",".join(ss[K_CAROUSEL_PAGES])
        out[URL_EVERY] = str(ss[K_CAROUSEL_SECONDS])
    return out


def _view_settings(page_titles: dict[str, str]) -> None:
    """Language, projection mode and the carousel, at the top of the sidebar."""
    ss = st.session_state
    st.segmented_control(t("view.language"), options=list(LANGUAGES), key=K_LANG,
                         format_func={"zh": "中文", "en": "English"}.get, label_visibility="collapsed")
    if ss.get(K_LANG) not in LANGUAGES:  # a segmented control can be cleared: keep a language
        ss[K_LANG] = "zh"
    if not ss.get(K_PRESENT_ALLOWED, True):
        return
    st.toggle(t("view.present"), key=K_PRESENT, help=t("view.present_help"))
    with st.expander(t("view.carousel")):
        st.toggle(t("view.carousel_on"), key=K_CAROUSEL)
        ss[K_CAROUSEL_PAGES] = [p for p in ss.get(K_CAROUSEL_PAGES, [])
                                             if p in page_titles]
        st.multiselect(t("view.carousel_pages"), options=list(page_titles), format_func=page_titles.get,
                       key=K_CAROUSEL_PAGES, placeholder=t("filter.choose"), select_all=False)
        st.number_input(t("view.carousel_seconds"), min_value=settings().carousel_min_seconds,
                        max_value=settings().carousel_max_seconds, step=5,
                        key=K_CAROUSEL_SECONDS)


def data_window(version: tuple[str, str] | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) day with records in the dataset."""
    first, last = cache.bounds(*(version or cache.version()))
    return (first if first is not None else settings().launch,
            last if last is not None else settings().report_date)


def latest_month(last: dt.date, launch: dt.date) -> tuple[dt.date, dt.date]:
    """The latest complete month of data: the month of `last` when `last` is its final day, else the month
    before; never starting before `launch` (then from the launch to `last`)."""
    end = last if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    return (start, end) if start >= launch else (launch, last)


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
    version = cache.version()
    first, last = data_window(version)
    ss[K_LAST_DAY] = last
    lo, hi = min(first, cfg.launch), max(last, cfg.report_date)
    street_names = cache.street_names(*version)

    if K_READY not in ss:  # first run of this session: take the filters from the link
        query = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
        limited = session.scope().limited
        # a scoped user's link to another street: said once, at the top of the page, naming their own
        # streets (the codes asked for are not theirs to learn about)
        own = t("auth.outside_scope", names=(", " if lang() == "en" else "、").join(
            street_names.get(c, c) for c in session.scope().streets)) if limited else ""
        # a link without dates opens on the latest complete month (with its 环比 and 同比); a link with one
        # date fills the other as before (from the launch, to the last record)
        undated = not (query.get(URL_START) or query.get(URL_END))
        default = Filters(*latest_month(last, cfg.launch)) if undated else Filters(cfg.launch, last)
        f, problems = from_query(query, default, set(street_names),
                                 set(cache.community_names(*version, ())),
                                 outside=own.replace("{", "{{").replace("}", "}}") if limited else None)
        ss[K_START], ss[K_END] = f.start, f.end
        ss[K_STREETS], ss[K_COMMUNITIES] = list(f.streets), list(f.communities)
        ss[K_NOTICE] = [p for p in problems if limited and p == own]
        ss[K_PROBLEMS], ss[K_READY] = [p for p in problems if p not in ss[K_NOTICE]], True
    ss[K_START] = _clamp(ss.get(K_START), lo, hi, cfg.launch)
    ss[K_END] = _clamp(ss.get(K_END), lo, hi, last)

    with st.sidebar:
        _view_settings(page_titles or {})
    # on a phone the sidebar is folded away and its foot a long way down: the filters open from the top of
    # the page instead, their summary on the fold
    phone = presentation.is_phone()
    place = st.expander(t("filter.phone_heading", window=fmt.window(ss[K_START], ss[K_END])),
                        icon=":material/filter_list:") if phone else st.sidebar
    with place:
        if not phone:
            st.header(t("filter.heading"))
        left, right = st.columns(2)
        left.button(t("filter.report_window"), on_click=_set_window, args=(cfg.launch, cfg.report_date),
                    help=t("filter.report_window_help"), width="stretch", key="flt_report_window")
        right.button(t("filter.all_time"), on_click=_set_window, args=(cfg.launch, last),
                     width="stretch", key="flt_all_time")
        st.date_input(t("filter.start"), key=K_START, min_value=lo, max_value=hi, format="YYYY/MM/DD")
        st.date_input(t("filter.end"), key=K_END, min_value=lo, max_value=hi, format="YYYY/MM/DD")
        ss[K_STREETS] = [c for c in ss[K_STREETS] if c in street_names]  # the scope may have changed
        st.multiselect(t("filter.streets"), options=list(street_names), format_func=street_names.get,
                       key=K_STREETS, placeholder=t("auth.own_streets" if session.scope().limited
                                                    else "filter.all_streets"), select_all=False)
        community_names = cache.community_names(*version, tuple(ss[K_STREETS]))
        dropped = [c for c in ss[K_COMMUNITIES] if c not in community_names]
        if dropped:  # cascading: a community of a street no longer chosen goes, and the user is told
            all_names = ss.get(K_NAMES, {})
            ss[K_COMMUNITIES] = [c for c in ss[K_COMMUNITIES] if c in community_names]
            st.warning(t("filter.communities_dropped", names=fmt.md("、".join(all_names.get(c, c) for c in dropped))))
        st.multiselect(t("filter.communities"), options=list(community_names),
                       format_func=community_names.get, key=K_COMMUNITIES,
                       placeholder=t("filter.all_communities"), select_all=False)
        for problem in ss[K_PROBLEMS]:
            st.warning(fmt.md(problem))  # it quotes the link: text, never a link or an image
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
    # the cached lookups themselves, not a merged copy: a copy of every community's name was ~0.6 MB a session
    ss[K_NAMES] = ChainMap(street_names, community_names)
    return f


def notices() -> None:
    """What the link asked for and this account may not see, at the top of the page (dashboard.py, before
    the page runs), in the session's language."""
    for notice in st.session_state.get(K_NOTICE, []):
        st.warning(notice, icon=":material/info:")


def current() -> Filters:
    """The filters the sidebar set on this run. Every page calls this first."""
    multipage.ensure_entry_script()
    return st.session_state[K_FILTERS]


def scope_text(f: Filters) -> str:
    """A one-line summary of the street/community scope, e.g. '承德街道 · 站前社区'."""
    names = st.session_state.get(K_NAMES, {})
    if f.communities:
        return "、".join(names.get(c, c) for c in f.communities)
    if f.streets:
        return "、".join(names.get(c, c) for c in f.streets)
    scope = session.scope()
    if scope.limited:
        return "、".join(names.get(c, c) for c in scope.streets)
    return t("filter.all_streets")
