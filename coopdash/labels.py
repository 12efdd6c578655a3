"""t(key): a UI label from the one catalogue (coopdash/catalogue/). Enum and column labels live in
coopdash/contract.py."""

from __future__ import annotations

from coopdash.catalogue import CATALOGUE

LANG = "zh"


def t(key: str, **fmt) -> str:
    zh, en = CATALOGUE[key]
    text = zh if LANG == "zh" else en
    return text.format(**fmt) if fmt else text
