"""t(key): a UI label from the one catalogue (coopdash/catalogue/) in the session's language.

Simplified Chinese by default; English when the session chose it (sidebar switch or ?lang=en).
Enum and column labels live in coopdash/contract.py (`Enum.label`, `Column.label`).
"""

from __future__ import annotations

import functools
from typing import Callable

from coopdash.catalogue import CATALOGUE

LANGUAGES = ("zh", "en")
LANG_KEY = "lang"  # st.session_state key and URL parameter


_context = None  # streamlit's get_script_run_ctx, imported on first use


def lang() -> str:
    """The current session's language; "zh" outside a Streamlit session.

    Called for every label (a hundred times a page run), so it reads the run's session state directly
    instead of through `st.session_state`."""
    global _context
    try:
        if _context is None:
            from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
            _context = get_script_run_ctx
        ctx = _context(suppress_warning=True)
        if ctx is None:
            return "zh"
        value = ctx.session_state[LANG_KEY]
    except Exception:  # noqa: BLE001 — no session or no language chosen yet: the default
        return "zh"
    return value if value in LANGUAGES else "zh"


def pick(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def t(key: str, **fmt) -> str:
    zh, en = CATALOGUE[key]
    text = pick(zh, en)
    return text.format(**fmt) if fmt else text


def per_value(label: Callable) -> Callable:
    """`label` working out each distinct value once, for labelling a column row by row (each call of
    an Enum label or `fmt.date` asks the session for its language). Make one per page run."""
    return functools.lru_cache(maxsize=None)(label)
