"""t(key): a UI label from the one catalogue (coopdash/catalogue/) in the session's language.

Simplified Chinese by default; English when the session chose it (sidebar switch or ?lang=en).
Enum and column labels live in coopdash/contract.py (`Enum.label`, `Column.label`).
"""

from __future__ import annotations

from coopdash.catalogue import CATALOGUE

LANGUAGES = ("zh", "en")
LANG_KEY = "lang"  # st.session_state key and URL parameter


def lang() -> str:
    """The current session's language; "zh" outside a Streamlit session."""
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return "zh"
        value = st.session_state.get(LANG_KEY, "zh")
    except Exception:  # noqa: BLE001 — no session: the default
        return "zh"
    return value if value in LANGUAGES else "zh"


def pick(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def t(key: str, **fmt) -> str:
    zh, en = CATALOGUE[key]
    text = pick(zh, en)
    return text.format(**fmt) if fmt else text
