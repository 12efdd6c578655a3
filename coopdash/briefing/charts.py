"""The briefing's charts as PNG images, drawn with matplotlib (Agg, no display) in Noto Sans CJK SC,
so every Chinese label has its glyph; the same data as the overview's charts.

matplotlib is imported when the first chart is drawn, not with this module: the overview imports the
briefing for its button, and a server process that nobody asked for a briefing does not carry matplotlib
(about 26 MB of a replica's memory; python-docx and fpdf2 likewise, in render.py)."""

from __future__ import annotations

import io
from functools import cache
from typing import TYPE_CHECKING

from coopdash.briefing import fonts
from coopdash.i18n import fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = ["#1f6fb4", "#e07b24", "#4c9a52", "#b8443a"]  # as the pages' palette, printable in grey
TOP, BOTTOM, PLAIN = "#c0392b", "#34495e", "#8fa7bf"  # 红榜 red, 黑榜 dark, the rest grey-blue
DPI = 200


@cache
def _family() -> str:
    """The CJK family registered with matplotlib ('sans-serif' when there is none: the PDF is refused
    then anyway, and the .docx charts lose only their Chinese glyphs)."""
    try:
        font = fonts.find("regular")
    except fonts.NoFont:
        return "sans-serif"
    from matplotlib import font_manager
    font_manager.fontManager.addfont(str(font.path))  # registers every face of the collection
    return fonts.FAMILY


def _figure(width: float = 6.4, height: float = 2.8) -> Figure:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.set_layout_engine("constrained")
    return fig


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _style(ax, unit: str) -> None:
    family = _family()
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(family)
        label.set_fontsize(8)
    ax.set_ylabel(unit, fontfamily=family, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def month_ticks(days: list) -> tuple[list[int], list[str]]:
    """Where a monthly axis of `days` (first days of months) is labelled, and with what: every month up
    to 12, the quarters' first months (and the first month shown) up to 36, else each January as the year
    (and the first month shown) — labels that never run into each other at the briefing's width."""
    if len(days) <= 12:
        return list(range(len(days))), [fmt.month(d) for d in days]
    if len(days) <= 36:
        at = [i for i, d in enumerate(days) if i == 0 or d.month in (1, 4, 7, 10)]
        return at, [fmt.month(days[i]) for i in at]
    at = [i for i, d in enumerate(days) if d.month == 1 or (i == 0 and d.month <= 9)]
    return at, [fmt.month(days[i]) if days[i].month != 1 else fmt.year(days[i]) for i in at]


def monthly_bars(trend, series: dict[str, str], unit: str, stacked: bool = False) -> bytes:
    """Bars per month of `trend` (column month) for `series` (column → legend label)."""
    fig = _figure()
    ax = fig.add_subplot()
    days = list(trend["month"])
    months = [fmt.month(m) for m in days]
    x = range(len(months))
    bottom = [0.0] * len(months)
    width = 0.8 if stacked or len(series) == 1 else 0.8 / len(series)
    for i, (column, label) in enumerate(series.items()):
        values = [float(v) for v in trend[column]]
        offset = [xi + (0 if stacked or len(series) == 1 else (i - (len(series) - 1) / 2) * width) for xi in x]
        ax.bar(offset, values, width=width, bottom=bottom if stacked else None, label=label,
               color=COLOURS[i % len(COLOURS)])
        if stacked:
            bottom = [b + v for b, v in zip(bottom, values)]
    at, labels = month_ticks(days)
    ax.set_xticks(at, labels, rotation=45 if len(at) > 8 else 0, ha="right" if len(at) > 8 else "center")
    _style(ax, unit)
    if len(series) > 1:
        ax.legend(prop={"family": _family(), "size": 8}, frameon=False)
    return _png(fig)


def ranking_bars(ranked) -> bytes:
    """The composite score per ranked street office, best at the top; 红榜 and 黑榜 coloured."""
    rows = ranked.iloc[::-1]
    fig = _figure(height=max(2.2, 0.28 * len(rows) + 0.8))
    ax = fig.add_subplot()
    colours = [TOP if b == "top" else BOTTOM if b == "bottom" else PLAIN for b in rows["band"]]
    ax.barh(list(rows["street_name"]), [float(s) for s in rows["score"]], color=colours)
    for y, score in enumerate(rows["score"]):
        ax.text(float(score) + 1, y, fmt.number(score, 1), va="center", fontsize=7, fontfamily=_family())
    ax.set_xlim(0, 110)
    _style(ax, "")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    return _png(fig)
