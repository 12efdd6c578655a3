"""Page furniture shared by the pages: header with the window, KPI card rows, empty notices."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from coopdash.app import charts, export, presentation, session
from coopdash.app.sidebar import current, scope_text
from coopdash.app.state import K_LAST_DAY, K_PAGE_TABLES
from coopdash.i18n import fmt
from coopdash.i18n.labels import lang, t


def header(page_key: str) -> None:
    """The page title and one line that explains a photo of the screen: data as-of date, window, scope."""
    f = current()
    st.title(t(page_key))
    asof = st.session_state.get(K_LAST_DAY)
    asof_text, window = fmt.date(asof) if asof else "—", fmt.window(f.start, f.end)
    st.caption(t("window.caption", asof=asof_text, window=window, scope=fmt.md(scope_text(f))))
    # the printed header is CSS text, not Markdown: the scope as it reads
    line = t("window.caption", asof=asof_text, window=window, scope=scope_text(f))
    print_header(f"{t('app.title')} · {t(page_key)} · {line}")


def _css_string(text: str) -> str:
    """`text` as a CSS string literal (quotes, backslashes and line ends escaped; no markup can close it)."""
    out = "".join(f"\\{ord(c):06x}" if c in '"\\<>\n\r' else c for c in text)
    return f'"{out}"'


def _sheet_number() -> str:
    """'第 {page} 页，共 {pages} 页' as CSS content: the strings quoted, the numbers the page counters."""
    parts = re.split(r"(\{page\}|\{pages\})", t("print.sheet"))
    return " ".join({"{page}": "counter(page)", "{pages}": "counter(pages)"}.get(p) or _css_string(p)
                    for p in parts if p)


def print_header(text: str) -> None:
    """The line printed at the top of every sheet of a handout (the page, its window and scope) and the
    sheet's number, as the page's margin boxes (@page @top-left / @top-right)."""
    st.html(f"""<style>@media print {{ @page {{
  @top-left {{ content: {_css_string(text)}; font: 8pt "Noto Sans CJK SC", sans-serif; color: #333; }}
  @top-right {{ content: {_sheet_number()};
               font: 8pt "Noto Sans CJK SC", sans-serif; color: #333; }} }} }}</style>""")


@dataclass(frozen=True)
class Card:
    label_key: str
    value: object
    unit_key: str | None = None  # None for a percentage (value is a share 0–1)
    help_key: str | None = None
    decimals: int = 2
    delta: str | None = None  # the change against the earlier period, e.g. "+3" (coloured)
    delta_note: str | None = None  # what it is compared with, e.g. "环比；同比 +5"
    worse_when_up: bool = False  # more is bad (overdue orders): the delta's colours are inverted
    label: str | None = None  # the card's label as shown, when not t(label_key) (e.g. "协商会议（累计）")

    def text(self) -> str:
        """'10.24 公里', '77.8%', or a bare '—' (no unit) when there is no value."""
        if self.unit_key is None:
            return fmt.percent(self.value)
        shown = fmt.number(self.value, self.decimals)
        return shown if shown == "—" else f"{shown} {t(self.unit_key)}"


def colour(card: Card) -> str:
    """A card's delta colour as st.metric drew it: green (better), red (worse) or gray (no delta, no
    change)."""
    if not card.delta or card.delta.split()[0] in ("0", "-0"):
        return "gray"
    up = not card.delta.startswith("-")
    return "green" if up != card.worse_when_up else "red"


def card_html(card: Card) -> str:
    """One KPI card as HTML: a <div> holding the label (<dt>, its help as a title), the value, the delta
    and its note (<dd>s). Every text escaped."""
    e = html.escape
    label = card.label or t(card.label_key)
    help_text = t(card.help_key) if card.help_key else ""
    helper = (f'<span class="coop-kpi-help" role="img" tabindex="0" aria-label="{e(help_text)}" title="{e(help_text)}">?</span>'
              if help_text else "")
    parts = [f'<dt class="coop-kpi-label">{e(label)}{helper}</dt>',
             f'<dd class="coop-kpi-value">{e(card.text())}</dd>']
    if card.delta:
        arrow = "" if colour(card) == "gray" and card.delta.split()[0] in ("0", "-0") else \
            ("▼ " if card.delta.startswith("-") else "▲ ")
        parts.append(f'<dd class="coop-kpi-delta coop-{colour(card)}">{arrow}{e(card.delta)}</dd>')
    if card.delta_note:
        parts.append(f'<dd class="coop-kpi-note">{e(card.delta_note)}</dd>')
    return f'<div class="coop-kpi" data-colour="{colour(card)}">{"".join(parts)}</div>'


def cards(items: list[Card], per_row: int = 4) -> None:
    """A row (or rows) of KPI cards, `per_row` a row on a desktop (two on a phone), as ONE element: one
    block of HTML the browser lays out on a grid, not a st.metric per card in a column each (on the
    overview 30 cards were ~70 elements, half the browser's work before the first figure showed)."""
    if not items:
        return
    st.html(f'<dl class="coop-kpis" style="--coop-per-row: {int(per_row)}">'
            f'{"".join(card_html(card) for card in items)}</dl>')


def uploader_texts(types: list[str], max_mb: int) -> None:
    """The file uploader's own words (Streamlit draws "Upload" and "20MB per file • XLSX, CSV, ZIP" in
    English whatever the language) in the session's language, by a style that replaces them on screen and
    for screen readers. Nothing to do in English."""
    if lang() == "en":
        return
    button = t("upload.button").replace('"', "")
    note = t("upload.note", mb=max_mb, types="、".join(x.upper() for x in types)).replace('"', "")
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{button}"; font-size: 1rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{note}"; font-size: .875rem; }}
</style>""")


def with_unit(label: str, unit_key: str) -> str:
    """A column header with its unit: '物业社数（个）' / 'cooperatives (items)'."""
    return t("org.col.with_unit", label=label, unit=t(unit_key))


def section(key: str) -> None:
    st.subheader(t(key))


def empty() -> None:
    st.info(t("empty"))


def chart_or_empty(df, columns, title_key: str, key: str, build) -> None:
    """The chart `build()` makes, or its title and 所选范围内无数据 when `columns` of `df` are all zero
    or absent (a blank chart says nothing; words do)."""
    if not df.empty and any(df[column].to_numpy().any() for column in columns):
        chart(build(), key)
    else:
        st.markdown(f"**{t(title_key)}**")
        empty()


class _Built(go.Figure):
    """A finished figure dict in the shape st.plotly_chart takes without validating it again.

    st.plotly_chart validates a dict (`go.Figure(**dict)`, ~10 ms a chart) but only calls `to_dict()` on a
    go.Figure; this one skips go.Figure's constructor and returns the dict charts.Figure built."""

    def __init__(self, spec: dict):  # noqa: D107 — deliberately not go.Figure.__init__ (no validation)
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return self._spec


def figure(fig: charts.Figure | go.Figure) -> go.Figure:
    """What st.plotly_chart is given for a figure: a charts.Figure as its finished dict (see _Built)."""
    return _Built(fig.to_dict()) if isinstance(fig, charts.Figure) else fig


def _legend_clear_of_marks(fig: charts.Figure | go.Figure, lift: float) -> None:
    """A monthly trend's marks (项目启动, 报道日) are noted along the plot's top edge, where the legend sits:
    the legend goes up a row, over the notes, so neither covers the other."""
    if not isinstance(fig, charts.Figure) or not fig.layout.get("annotations"):
        return
    if not any(trace.get("showlegend", fig.layout.get("showlegend", True)) for trace in fig.data) or \
            fig.layout.get("showlegend") is False:
        return
    top = fig.layout.get("margin", {}).get("t", 50)
    fig.update_layout(legend={"y": 1.0 + lift, "yanchor": "bottom"}, margin={"t": top + 28})


def _rows(fig: charts.Figure | go.Figure) -> int:
    """How many categories a horizontal bar chart lists (0 for other charts)."""
    if not isinstance(fig, charts.Figure):
        return 0
    return max((len(trace.get("y", ())) for trace in fig.data if trace.get("orientation") == "h"), default=0)


def chart(fig: charts.Figure | go.Figure, key: str) -> None:
    config = {"displaylogo": False}
    if presentation.is_present():  # sized and lettered for a 1920×1080 projector
        projected(fig)
        _legend_clear_of_marks(fig, 0.12)
    elif presentation.is_phone():  # a picture on a touch screen: a swipe scrolls the page, no zoom, no toolbar
        fig.update_layout(height=presentation.CHART_HEIGHT_PHONE, margin={"l": 4, "r": 4, "t": 60, "b": 4},
                          dragmode=False, legend={"orientation": "h", "yanchor": "top", "y": -0.28, "xanchor": "left",
                                                  "x": 0})  # under the chart: the title and marks keep the top
        config.update(staticPlot=True, scrollZoom=False, displayModeBar=False)
    else:
        _legend_clear_of_marks(fig, 0.09)
    st.plotly_chart(figure(fig), key=key, width="stretch", config=config)


def projected(fig: charts.Figure | go.Figure) -> None:
    """A figure lettered for the back of a meeting room: every text of it at least PRESENT_TEXT_PX (ticks,
    axis titles, legend, the marks' notes, a colour bar), set on the figure itself (Streamlit's chart theme
    and Plotly's template size ticks and legends at 12 px whatever the layout's font says)."""
    size = presentation.PRESENT_TEXT_PX
    big = {"size": size}
    # a horizontal bar chart: a line for every category's name at this size
    height = max(presentation.CHART_HEIGHT_PRESENT, 160 + 36 * _rows(fig))
    fig.update_layout(height=height, font={"size": size}, title_font={"size": 28},
                      legend={"font": big}, hoverlabel={"font": big}, margin={"t": 100},
                      xaxis={"tickfont": big, "title": {"font": big}},
                      yaxis={"tickfont": big, "title": {"font": big}})
    if isinstance(fig, charts.Figure):
        for note in fig.layout.get("annotations", []):
            note.setdefault("font", {})["size"] = size
        for trace in fig.data:
            if "colorbar" in trace:
                trace["colorbar"] = {**trace["colorbar"], "tickfont": big,
                                     "title": {**trace["colorbar"].get("title", {}), "font": big}}
    else:
        fig.update_annotations(font_size=size)


_FORMATS = {"int": "%d", "float": "%.2f", "float1": "%.1f"}


def table(df, columns: dict[str, tuple[str, str]], key: str | None = None, download: bool = True,
          phone: list[str] | None = None) -> None:
    """A read-only table of `columns` (column → (label, kind)); kind: text, int, float, float1,
    percent (a 0–1 share), date, datetime, bool (a checkbox column), mark (a boolean shown as ✓ / ✗,
    in the downloads too), auto (Streamlit's own formatting). `phone`: the key columns a phone shows
    (default: the first three); the others are in the downloads, and the table says so."""
    marks = _marks()
    config = {}
    for column, (label, kind) in columns.items():
        if kind in _FORMATS:
            config[column] = st.column_config.NumberColumn(label, format=_FORMATS[kind])
        elif kind == "percent":
            config[column] = st.column_config.ProgressColumn(label, format="percent", min_value=0, max_value=1)
        elif kind == "date":
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif kind == "datetime":
            config[column] = st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
        elif kind == "bool":
            config[column] = st.column_config.CheckboxColumn(label)
        elif kind == "auto":
            config[column] = label
        else:
            config[column] = st.column_config.TextColumn(label)
    if presentation.is_present():  # real text a projector's CSS can letter large (a grid is drawn on a canvas)
        st.table(_as_text(df, columns, marks), hide_index=True)
        return
    height = "content" if len(df) <= 25 else "auto"  # short tables in full; long ones scroll
    # to Arrow here, column by column and the shown columns only (Streamlit would copy the frame's
    # selection and convert it through pandas' metadata: 3–4× slower); a mark column is a dictionary of
    # its two strings, not a string per row
    shown = pa.table({column: _arrow(df[column], kind, marks) for column, (_, kind) in columns.items()})
    order = phone_columns(list(columns), phone)
    st.dataframe(shown, hide_index=True, width="stretch", height=height, column_config=config, key=key,
                 placeholder=t("delta.none"), column_order=order)  # a missing value: "—", not English "None"
    if order is not None and len(order) < len(columns):
        st.caption(t("table.phone_columns", n=len(columns) - len(order)))
    print_copy(df, columns, marks)
    if download:
        downloads(df, {c: label for c, (label, _) in columns.items()}, key or "table",
                  [c for c, (_, kind) in columns.items() if kind == "mark"])


PRINT_ROWS = 60  # a printed table's rows at most (the rest: in the downloads, and the sheet says so)


def print_copy(df, columns: dict[str, tuple[str, str]], marks: tuple[str, str]) -> None:
    """The table as text for paper: hidden on screen, printed instead of the grid (a canvas drawn at the
    screen's width, cut at the sheet's edge), every column at the width of its place, every cell escaped."""
    text = _as_text(df.head(PRINT_ROWS), columns, marks)
    numeric = [kind in (*_FORMATS, "percent") for _, kind in columns.values()]
    head = "".join(f"<th>{html.escape(str(label))}</th>" for label in text.columns)
    body = "".join("<tr>" + "".join(f'<td class="num">{html.escape(v)}</td>' if num else f"<td>{html.escape(v)}</td>"
                                    for v, num in zip(row, numeric)) + "</tr>"
                   for row in text.itertuples(index=False, name=None))
    more = (f'<p class="coop-print-more">{html.escape(t("table.print_more", shown=PRINT_ROWS, n=len(df)))}</p>'
            if len(df) > PRINT_ROWS else "")
    st.html(f'<table class="coop-print-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}')


def _as_text(df, columns: dict[str, tuple[str, str]], marks: tuple[str, str]) -> pd.DataFrame:
    """The table as the grid would show it, every cell text, under its labels (projection mode's st.table)."""
    def cell(value, kind: str) -> str:
        if kind in ("mark", "bool"):
            return "—" if pd.isna(value) else marks[bool(value)]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—"
        if kind == "int":
            return fmt.number(value, 0)
        if kind in ("float", "float1"):
            return fmt.number(value, 1 if kind == "float1" else 2)
        if kind == "percent":
            return fmt.percent(value)
        if kind == "date":
            return fmt.date(value)
        if kind == "datetime":
            return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
        return str(value)
    return pd.DataFrame({label: [cell(v, kind) for v in df[column]] for column, (label, kind) in columns.items()})


def phone_columns(columns: list[str], key_columns: list[str] | None = None) -> list[str] | None:
    """The columns a table shows on a phone (its key columns; by default the first three), or None for
    all of them (not a phone)."""
    if not presentation.is_phone():
        return None
    return [c for c in key_columns if c in columns] if key_columns else columns[:3]


def start_page() -> None:
    """Before a page runs (dashboard.py): its tables are collected afresh for its workbook."""
    st.session_state[K_PAGE_TABLES] = []


def page_workbook(title: str) -> None:
    """One download with every table of the page, a sheet each (after the page ran; none without tables)."""
    tables = list(st.session_state.get(K_PAGE_TABLES, []))
    if len(tables) < 2:  # one table has its own .xlsx already
        return
    who = session.identity()

    def build() -> bytes:
        session.audit("download", {"table": "page_workbook", "format": "xlsx",
                                   "tables": {name: rows for name, rows, _ in tables}}, who=who)
        return export.to_workbook([(name, frame()) for name, _, frame in tables])

    st.divider()
    st.container().download_button(t("download.workbook", n=len(tables)), data=build, file_name=f"{title}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="page_workbook", on_click="ignore", icon=":material/table_view:")


def _marks() -> tuple[str, str]:
    """What a mark column shows for False and True, in the current language."""
    return t("mark.no"), t("mark.yes")


def _arrow(values, kind: str, marks: tuple[str, str]) -> pa.Array:
    """A column as Arrow; a mark column's booleans as indices into its two strings (no, yes)."""
    if kind == "mark":
        return pa.DictionaryArray.from_arrays(pa.array(values.to_numpy(dtype=np.int8)), pa.array(marks))
    return pa.array(values, from_pandas=True)


def downloads(df, labels: dict[str, str], name: str, mark_columns: list[str] | None = None) -> None:
    """CSV (UTF-8 with BOM) and .xlsx of the table as shown, with Chinese headers; built on click.
    `mark_columns`: booleans shown as ✓ / ✗, as the table shows them."""
    no, yes = _marks()  # looked up now: the files are built later, outside this run
    who = session.identity()  # likewise: the download is recorded for this run's user

    def frame():
        marked = {c: np.where(df[c].to_numpy(dtype=bool), yes, no) for c in mark_columns or ()}
        return export.labelled(df.assign(**marked) if marked else df, labels)

    def shown(kind: str):
        session.audit("download", {"table": name, "format": kind, "rows": len(df)}, who=who)
        return frame()

    st.session_state.setdefault(K_PAGE_TABLES, []).append((name, len(df), frame))  # for the page's workbook

    row = st.container(horizontal=True)  # one block for the two buttons (columns would be four)
    row.download_button(t("download.csv"), data=lambda: export.to_csv(shown("csv")),
                        file_name=f"{name}.csv", mime="text/csv", key=f"{name}_csv", on_click="ignore")
    row.download_button(t("download.xlsx"), data=lambda: export.to_xlsx(shown("xlsx")), file_name=f"{name}.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        key=f"{name}_xlsx", on_click="ignore")
