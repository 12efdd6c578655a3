"""Why a page never runs without dashboard.py, although the pages live in `pages/`.

The design card puts the page scripts in `pages/` beside the entry point, and Streamlit still treats
that folder as a v1 multipage app until some session calls `st.navigation`:

- `PagesManager.__init__` (one per session) sets the process-wide class flag
  `PagesManager.uses_pages_directory` to "a `pages/` folder exists" when the flag is still None;
- the script runner then runs a run's page straight from `pages/`, inside a navigation of its own
  that lists the entry script and every `pages/*.py`, and so without dashboard.py: no sidebar, no
  filters, no sign-in (a link like `/service_orders?from=…` opened as a cold server's first request);
- `st.navigation` sets the flag to False, but only once a script has called it, and
  `streamlit.testing.v1.AppTest` sets it back to None before every run.

Two measures, both here:
1. `neutralise()` (at the app layer's import) makes every PagesManager created afterwards leave the flag
   False, so later sessions, and every AppTest run after the first, take the v2 path directly.
2. `ensure_entry_script()` (first thing on every page, through `sidebar.current()`) catches the runs that
   began before that: their navigation lists the entry script itself, which ours never does. It clears
   the flag and reruns; the rerun goes through dashboard.py to the same page with the same link. It is
   checked per run, not per process: two tabs racing on a cold server each start that way.
tests/test_browser_cold.py opens each page as a cold server's first request, and two at once.
"""

from __future__ import annotations

import functools

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx


def neutralise() -> None:
    """PagesManagers created from now on leave `uses_pages_directory` False (idempotent)."""
    init = PagesManager.__init__
    if getattr(init, "_coopdash_v2_only", False):
        return

    @functools.wraps(init)
    def v2_only(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    v2_only._coopdash_v2_only = True
    PagesManager.__init__ = v2_only
    PagesManager.uses_pages_directory = False


def ensure_entry_script() -> None:
    """Stop a run that Streamlit started from `pages/` without dashboard.py, and rerun it through it."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    manager = ctx.pages_manager
    entry = manager.main_script_path
    if any(page.get("script_path") == entry for page in manager.get_pages().values()):
        PagesManager.uses_pages_directory = False
        st.rerun()
