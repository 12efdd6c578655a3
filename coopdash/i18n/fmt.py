"""Number and date formatting for the UI (Chinese first). Rounding is half-up (四舍五入)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from coopdash.i18n.labels import lang


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _round(value: float, decimals: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value, decimals: int = 2) -> str:
    """1234 → '1,234'; 10.2400 → '10.24'; 2.30 → '2.3'; 0.125 → '0.13'; None/NaN → '—'."""
    if _missing(value):
        return "—"
    rounded = _round(value, decimals)
    if rounded == rounded.to_integral_value():
        return f"{int(rounded):,}"
    return f"{rounded:,.{decimals}f}".rstrip("0").rstrip(".")


def percent(share, decimals: int = 1) -> str:
    """0.7778 → '77.8%'; None → '—'."""
    return "—" if _missing(share) else f"{_round(float(share) * 100, decimals)}%"


def date_zh(day: dt.date) -> str:
    """2023-11-30 → '2023年11月30日'."""
    return f"{day.year}年{day.month}月{day.day}日"


def date(day: dt.date) -> str:
    """A date as the session's language writes it: '2023年11月30日' / '2023-11-30'."""
    return day.isoformat() if lang() == "en" else date_zh(day)


def month(day: dt.date) -> str:
    """'2023年11月' / '2023-11'."""
    return f"{day.year}-{day.month:02d}" if lang() == "en" else f"{day.year}年{day.month}月"


def year(day: dt.date) -> str:
    """'2024年' / '2024'."""
    return f"{day.year}" if lang() == "en" else f"{day.year}年"


def window(start: dt.date, end: dt.date) -> str:
    """'2023年4月1日至2023年11月30日' / '2023-04-01 to 2023-11-30'."""
    return f"{date(start)} to {date(end)}" if lang() == "en" else f"{date_zh(start)}至{date_zh(end)}"



# Markdown's and Streamlit's markup characters: CommonMark's backslash escapes cover every ASCII
# punctuation character, ":" included (Streamlit's :color[…] and :material/…: directives, and the "http:"
# of a bare link that GFM would turn into one), "." (www.… links) and "<" (HTML).
_MARKDOWN = frozenset("\\`*_{}[]()#+-.!|<>~$:&=\"'^%@/")


def md(value) -> str:
    """A data value (a name from a ledger, a link parameter, a file name, an error's text) as literal text
    inside Markdown: every markup character backslash-escaped and line breaks made spaces, so that
    `[x](http://evil.example)`, `![x](…)`, `**x**`, `# x` or `<b>` show as typed and never become a
    link, an image, emphasis, a heading or HTML. For st.markdown, st.caption, st.warning …, headings and
    widget help; never for plain-text places (tables, chart titles, documents)."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return "".join("\\" + c if c in _MARKDOWN else c for c in text)
