"""The names the app keeps in `st.session_state` and in the URL, in one place.

Filters and view settings live in session state (so they survive page switches) and are mirrored
into the URL (so a copied link opens the same view): ?from=…&to=…&street=…&community=… are the
filter model's keys (coopdash/data/filters.py); the view's keys are below.
"""

from __future__ import annotations

from coopdash.i18n.labels import LANG_KEY

# the sidebar filters (widget keys) and what the sidebar leaves for the pages on each run
K_START, K_END, K_STREETS, K_COMMUNITIES = "flt_start", "flt_end", "flt_streets", "flt_communities"
K_READY, K_PROBLEMS, K_FILTERS, K_NAMES = "flt_ready", "flt_problems", "filters", "flt_names"
K_VIEW_READY, K_LAST_DAY = "view_ready", "data_last_day"
K_NOTICE = "flt_notice"  # a scoped user's link asked for another street: the notice at the top of the page
K_VERSION = "dataset_version"  # (folder, fingerprint) read once at the run's start (cache.pin_version)
K_PAGE_TABLES = "page_tables"  # the tables the current page drew, for its one-workbook download
# projection mode and the carousel
K_PRESENT, K_PRESENT_ALLOWED = "mode_present", "mode_present_allowed"
K_CAROUSEL, K_CAROUSEL_PAGES, K_CAROUSEL_SECONDS = "carousel_on", "carousel_pages", "carousel_seconds"
K_CAROUSEL_SHOWN = "carousel_shown"
K_LANG = LANG_KEY
# the signed-in user (set by coopdash/app/session.gate on every run, from the verified session), the
# session token (from the cookie), the last page-view audit time per page, and whether the user signed out
K_USER, K_TOKEN, K_VIEWED, K_SIGNED_OUT = "auth_user", "auth_token", "auth_viewed", "auth_signed_out"
# URL keys of the view (not filters): ?lang=en&mode=present&carousel=overview,compound_map&every=30
URL_LANG, URL_MODE, URL_CAROUSEL, URL_EVERY = "lang", "mode", "carousel", "every"

_context = None  # streamlit's get_script_run_ctx, imported on first use


def session_language() -> str:
    """The current session's language; "zh" outside a Streamlit session or before one is chosen.

    Called for every label (a hundred times a page run), so it reads the run's session state directly
    instead of through `st.session_state`."""
    global _context
    try:
        if _context is None:
            from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
            _context = get_script_run_ctx
        ctx = _context(suppress_warning=True)
        return "zh" if ctx is None else ctx.session_state[K_LANG]
    except Exception:  # noqa: BLE001 — no session or no language chosen yet: the default
        return "zh"
