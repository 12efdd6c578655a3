"""The shared sidebar filters: drawn once by dashboard.py on every run, read by every page.

State lives in st.session_state (so it survives page switches) and is mirrored into the URL
(so a copied link opens the same view).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from coopdash import db
from coopdash.filters import Filters, from_query
from coopdash.labels import t
from coopdash.settings import settings

K_START, K_END, K_STREETS, K_COMMUNITIES = "flt_start", "flt_end", "flt_streets", "flt_communities"
K_READY, K_PROBLEMS, K_FILTERS = "flt_ready", "flt_problems", "filters"


def data_window() -> tuple[dt.date, dt.date]:
    """(first, last) day with records in the dataset."""
    row = db.run("data_bounds").iloc[0]
    launch = settings().launch
    first = row["first_day"] if row["first_day"] is not None else launch
    last = row["last_day"] if row["last_day"] is not None else settings().report_date
    return first, last


def _set_window(start: dt.date, end: dt.date) -> None:
    st.session_state[K_START], st.session_state[K_END] = start, end


def _clamp(day, lo: dt.date, hi: dt.date, fallback: dt.date) -> dt.date:
    return fallback if day is None else min(max(day, lo), hi)


def render(keep_prefix: str | None = None) -> Filters:
    """Draw the filters in the sidebar, sync them with the URL and return them. URL keys other than
    the filters' are dropped, except those starting with `keep_prefix` (the current page's own)."""
    ss = st.session_state
    cfg = settings()
    first, last = data_window()
    lo, hi = min(first, cfg.launch), max(last, cfg.report_date)
    streets = db.run("street_options")
    street_names = dict(zip(streets["street_code"], streets["street_name"]))

    if K_READY not in ss:  # first run of this session: take the filters from the link
        query = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
        all_communities = db.run("community_options", streets=[])
        f, problems = from_query(query, Filters(cfg.launch, last), set(street_names),
                                 set(all_communities["community_code"]))
        ss[K_START], ss[K_END] = f.start, f.end
        ss[K_STREETS], ss[K_COMMUNITIES] = list(f.streets), list(f.communities)
        ss[K_PROBLEMS], ss[K_READY] = problems, True
    ss[K_START] = _clamp(ss.get(K_START), lo, hi, cfg.launch)
    ss[K_END] = _clamp(ss.get(K_END), lo, hi, last)

    with st.sidebar:
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
        communities = db.run("community_options", streets=ss[K_STREETS])
        community_names = dict(zip(communities["community_code"], communities["community_name"]))
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
    own = f.to_query()
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
