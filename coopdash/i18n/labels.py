"""t(key): a UI label from the one catalogue (coopdash/i18n/catalogue/) in the session's language.

Simplified Chinese by default; English when the session chose it (sidebar switch or ?lang=en).
Enum and column labels live in coopdash/data/contract.py (`Enum.label`, `Column.label`).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Callable

from coopdash.i18n.catalogue import CATALOGUE

LANGUAGES = ("zh", "en")
LANG_KEY = "lang"  # st.session_state key and URL parameter


def _default_language() -> str:
    return "zh"


_language: Callable[[], str] = _default_language


def set_language_source(source: Callable[[], str]) -> None:
    """Where lang() reads the current language from. The app layer (coopdash/app/state.py) points it
    at the session's state; outside the app (ingest, the briefing command, tests) it is Chinese."""
    global _language
    _language = source


@contextlib.contextmanager
def speaking(language: str):
    """Labels in `language` for the block's duration (the briefing command), then the source before."""
    global _language
    before, _language = _language, (lambda: language)
    try:
        yield
    finally:
        _language = before


def lang() -> str:
    """The current language: "zh" or "en"."""
    value = _language()
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
