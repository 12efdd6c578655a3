"""Helpers for driving the dashboard with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import json
import re

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


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


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
