"""Helpers for driving the dashboard with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

from coopdash import ROOT


def open_app(page: str | None = None, **query) -> AppTest:
    """Run the dashboard once with URL parameters (`from_`, `to`, `street`, `community`)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key.rstrip("_")] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@dataclass(frozen=True)
class Shown:
    """A KPI card as the page shows it (coopdash/app/ui.py card_html): its label, value, delta (without
    its arrow; "" for none), the delta's note ("" for none) and colour (green, red or gray)."""
    label: str
    value: str
    delta: str
    note: str
    colour: str


_CARD = re.compile(r'<div class="coop-kpi" data-colour="(\w+)"><dt class="coop-kpi-label">(.*?)(?:<span class="coop-kpi-help"'
                   r'[^>]*>\?</span>)?</dt><dd class="coop-kpi-value">(.*?)</dd>(?:<dd class="coop-kpi-delta [^"]*">'
                   r'(?:[▲▼] )?(.*?)</dd>)?(?:<dd class="coop-kpi-note">(.*?)</dd>)?</div>')


def read_cards(body: str) -> list[Shown]:
    """The KPI cards in one HTML element's body (none when it holds no cards)."""
    return [Shown(html.unescape(label), html.unescape(value), html.unescape(delta or ""), html.unescape(note or ""),
                  colour) for colour, label, value, delta, note in _CARD.findall(body)]


def cards(at: AppTest) -> dict[str, Shown]:
    """Every KPI card of the run by its label."""
    return {c.label: c for el in at.get("html") for c in read_cards(el.proto.body)}


def metrics(at: AppTest) -> dict[str, str]:
    """Every figure of the run by its label: the KPI cards' and any st.metric's values."""
    return {**{m.label: m.value for m in at.metric}, **{label: c.value for label, c in cards(at).items()}}


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by element key, as their JSON spec."""
    return {el.key: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def shown(markdown: str) -> str:
    """A Markdown text as the reader sees its characters: CommonMark's backslash escapes of ASCII
    punctuation removed (data values are escaped by coopdash.i18n.fmt.md)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def texts(at: AppTest) -> str:
    """All markdown, captions, info, warning and error texts of the run, joined, as the reader sees them."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "title", "subheader"):
        parts += [shown(str(el.value)) for el in at.get(kind)]
    return "\n".join(parts)


def values(array) -> list:
    """A Plotly JSON array as a list (Plotly 7 sends numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)
