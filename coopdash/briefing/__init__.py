"""The monthly briefing (工作简报, issue 16): the overview's figures for a window and a scope, written out
in sentences, tables and charts, as .docx and PDF.

- content.py gathers every figure from the pages' named queries through a Source (the app's cache, or
  the dataset within a scope for the command line);
- document.py writes them as blocks in the session's language;
- charts.py draws the charts (matplotlib, Noto Sans CJK SC), render.py writes .docx and PDF;
- `python -m coopdash.briefing --month 2023-11 --out DIR` writes the district's and each street office's.

No Streamlit here.
"""

from __future__ import annotations

import datetime as dt

from coopdash.briefing import content, document  # render (python-docx, fpdf2): imported where a file is written
from coopdash.data.filters import Filters


def make(source: content.Source, f: Filters, scope_name: str, asof: dt.date | None = None,
         made: dt.datetime | None = None) -> document.Document:
    """The briefing's document for the window and scope of `f` (render.to_docx / to_pdf write it)."""
    return document.compose(content.gather(source, f, scope_name), made=made, asof=asof)


__all__ = ["make", "content", "document"]
