"""The few Plotly figure builders pages share: consistent colours, Chinese fonts, units in titles.

The figures are built as the plain dict Plotly sends to the browser (`go.Figure(...).to_dict()`), not as
`go.Figure` objects: Plotly validates every property of a graph object on every `update_layout`, which
was about half of a cached page run (10 ms a chart). The dict is the same, key for key and in the same
order — the data arrays are coerced as Plotly coerces them (`DataArrayValidator`, `convert_to_base64`),
the template is Plotly's default one, and tests/test_render_work.py compares every builder with the
graph-object version it replaces. `ui.chart` hands it to `st.plotly_chart` without validating it again.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools

import numpy as np
import pandas as pd
from _plotly_utils.basevalidators import DataArrayValidator

from coopdash.i18n.labels import lang

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
COLOURS = ["#b22222", "#1f5fa8", "#e0a526", "#2e8b57", "#7b4fa0", "#d2691e", "#5f9ea0", "#8b8b8b"]

_ARRAY = DataArrayValidator("x", "trace")  # how Plotly coerces x, y and z of bar, scatter and heatmap traces
_TYPED = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}  # numpy dtype → plotly.js typed array (Plotly's plotlyjsShortTypes)


def _array(values):
    """A data array as a validated Plotly trace holds it: a read-only numpy array (or a list).

    Plotly goes through narwhals for a pandas Series, which costs more than the rest of a chart; for
    numpy-backed and string columns narwhals' result is `Series.to_numpy()`, and the rest of
    `copy_to_readonly_numpy_array` is repeated here. Other columns (nullable, tz-aware, …) take Plotly's path."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, (np.dtype, pd.StringDtype)):
        values = values.to_numpy()
    if not isinstance(values, np.ndarray):
        return _ARRAY.validate_coerce(values)
    out = np.ascontiguousarray(values.copy()) if values.dtype.kind in "uif" else values.copy()
    if out.dtype.kind not in "uifOM":  # e.g. booleans and fixed-width strings: an object array
        out = np.array(values, dtype="object")
    out.flags["WRITEABLE"] = False
    return out


def _typed(array: np.ndarray):
    """Plotly's `to_typed_array_spec`: a numeric array as {"dtype", "bdata"} (int64 narrowed), else as is."""
    if array.size == 0:
        return array
    if array.dtype.kind in "iu" and array.dtype.itemsize == 8:
        lo, hi = array.min(), array.max()
        for dtype in (("int8", "int16", "int32") if array.dtype.kind == "i" else ("uint8", "uint16", "uint32")):
            info = np.iinfo(dtype)
            if lo >= info.min and hi <= info.max:
                array = array.astype(dtype)
                break
        else:
            return array
    short = _TYPED.get(str(array.dtype))
    if short is None:
        return array
    out = {"dtype": short, "bdata": base64.b64encode(array).decode("ascii")}
    if array.ndim > 1:
        out["shape"] = str(array.shape)[1:-1]
    return out


def _trace(kind: str, **props) -> dict:
    """A trace as `go.<Kind>(**props).to_plotly_json()` gives it: properties in Plotly's (alphabetical)
    order, then the type."""
    out = {key: props[key] for key in sorted(props)}
    out["type"] = kind
    return out


_UNDERSCORED = {"paper_bgcolor", "plot_bgcolor", "error_x", "error_y", "error_z"}  # names, not paths


def _path(key: str) -> list[str]:
    """'title_font' → ['title', 'font'] (Plotly's 'magic underscore'); 'plot_bgcolor' stays one name."""
    parts, out = key.split("_"), []
    while parts:
        if len(parts) > 1 and f"{parts[0]}_{parts[1]}" in _UNDERSCORED:
            out.append(f"{parts.pop(0)}_{parts.pop(0)}")
        else:
            out.append(parts.pop(0))
    return out


def _update(target: dict, updates: dict) -> None:
    """Plotly's `update` on a plain dict: nested dicts merge, other values replace, new keys go last,
    and a 'magic underscore' key is a path (title_font → title.font)."""
    for key, value in updates.items():
        *path, last = _path(key)
        node = target
        for part in path:
            node = node.setdefault(part, {})
        if isinstance(value, dict):
            _update(node.setdefault(last, {}), value)
        else:
            node[last] = value


def _template() -> dict:
    """The default template as go.Figure() adds it (Streamlit's "streamlit" one inside the app); shared
    by every figure, not to be modified."""
    import plotly.io as pio

    name = pio.templates.default
    return _template_named(name) if isinstance(name, str) else _plotly_template()


@functools.lru_cache(maxsize=8)
def _template_named(name: str) -> dict:
    return _plotly_template()


def _plotly_template() -> dict:
    import plotly.graph_objects as go
    return go.Figure().to_dict()["layout"]["template"]


@functools.lru_cache(maxsize=1)
def _reds() -> list:
    """The 'Reds' colorscale as Plotly expands it."""
    import plotly.graph_objects as go
    return go.Heatmap(colorscale="Reds").to_plotly_json()["colorscale"]


class Figure:
    """A Plotly figure as a plain dict; `update_layout`, `update_xaxes` and `update_yaxes` work like
    Plotly's (without validation). `to_dict()` is what `go.Figure(...).to_dict()` would give."""

    __slots__ = ("data", "layout")

    def __init__(self, data: list[dict] | None = None):
        self.data = list(data or [])
        self.layout: dict = {}

    def update_layout(self, dict1: dict | None = None, **kwargs) -> Figure:
        _update(self.layout, {**(dict1 or {}), **kwargs})
        return self

    def update_xaxes(self, dict1: dict | None = None, **kwargs) -> Figure:
        return self.update_layout(xaxis={**(dict1 or {}), **kwargs})

    def update_yaxes(self, dict1: dict | None = None, **kwargs) -> Figure:
        return self.update_layout(yaxis={**(dict1 or {}), **kwargs})

    def to_dict(self) -> dict:
        # numeric arrays → {"dtype", "bdata"}, as Plotly 7 sends them (its convert_to_base64)
        data = [{key: _typed(value) if isinstance(value, np.ndarray) else value for key, value in trace.items()}
                for trace in self.data]
        return {"data": data, "layout": {"template": _template(), **self.layout}}

    def to_plotly_json(self) -> dict:
        return self.to_dict()


def _style(fig: Figure, title: str, x_title: str, y_title: str) -> Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 14},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1,
                "traceorder": "normal"},
        colorway=COLOURS,
        separators=".,",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def _name(label) -> str:
    return label if isinstance(label, str) else str(label)  # Plotly's StringValidator


def bars(df: pd.DataFrame, x: str, series: dict[str, str], title: str, x_title: str, y_title: str,
         stacked: bool = False, horizontal: bool = False, hover_format: str = ",.2~f") -> Figure:
    """One bar trace per entry of `series` (column → legend label)."""
    fig = Figure()
    for column, label in series.items():
        xs, ys = (df[column], df[x]) if horizontal else (df[x], df[column])
        fig.data.append(_trace("bar", x=_array(xs), y=_array(ys), name=_name(label),
                               orientation="h" if horizontal else "v",
                               hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label}: "
                                             f"%{{{'x' if horizontal else 'y'}:{hover_format}}}<extra></extra>"))
    fig.update_layout(barmode="stack" if stacked else "group", showlegend=len(series) > 1)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        return _style(fig, title, y_title, x_title)
    return _style(fig, title, x_title, y_title)


def trend_marks() -> list[tuple[dt.date, str]]:
    """The days a monthly trend marks: the program's launch, the report date, the configured [[events]]."""
    from coopdash.data.settings import settings
    from coopdash.i18n.labels import pick, t
    cfg = settings()
    return [(cfg.launch, t("mark.launch")), (cfg.report_date, t("mark.report")),
            *((day, pick(zh, en)) for day, zh, en in cfg.events)]


def monthly_axis(fig: Figure, marks: list[tuple] | None = None) -> Figure:
    """Label a monthly x axis the Chinese way (2023年6月), and mark the days of `marks` ((date, label)
    pairs; by default `trend_marks()`, [] for none) that fall within the months shown, each as a dotted
    line with its label at the top."""
    marks = trend_marks() if marks is None else marks
    fmt = "%Y-%m" if lang() == "en" else "%Y年%-m月"
    fig.update_xaxes(tickformat=fmt, hoverformat=fmt)
    months = [x for trace in fig.data for x in trace.get("x", ()) if hasattr(x, "year")]
    if marks and months:
        lo, hi = min(months), max(months)
        hi = (hi.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # the end of the last month shown
        shown = [(day, label) for day, label in marks if lo <= day < hi]
        # keys in Plotly's (alphabetical) order, as go.Figure(...).to_dict() gives them
        shapes = [{"line": {"color": "#666666", "dash": "dot", "width": 1}, "type": "line", "x0": day, "x1": day,
                   "xref": "x", "y0": 0, "y1": 1, "yref": "paper"} for day, _ in shown]
        notes = [{"font": {"color": "#444444", "size": 12}, "showarrow": False, "text": label, "x": day,
                  "xref": "x", "y": 1, "yanchor": "bottom", "yref": "paper"} for day, label in shown]
        if shown:
            fig.update_layout(shapes=shapes, annotations=notes)
    return fig


def lines(df: pd.DataFrame, x: str, series: dict[str, str], title: str, x_title: str, y_title: str,
          hover_format: str = ",.2~f") -> Figure:
    """One line per entry of `series` (column → legend label), e.g. cumulative progress."""
    fig = Figure()
    for column, label in series.items():
        fig.data.append(_trace("scatter", x=_array(df[x]), y=_array(df[column]), name=_name(label),
                               mode="lines+markers",
                               hovertemplate=f"%{{x}}<br>{label}: %{{y:{hover_format}}}<extra></extra>"))
    fig.update_layout(showlegend=len(series) > 1)
    return _style(fig, title, x_title, y_title)


def _grid(df: pd.DataFrame, x: str, y: str, z: str) -> tuple[np.ndarray, list, list]:
    """`df.pivot_table(index=y, columns=x, values=z, aggfunc="sum", fill_value=0, sort=False)` as
    (values, columns, index): rows and columns in order of first appearance. Whole-number counts
    (numpy integers) by plain keys without gaps are summed directly (a tenth of pivot_table's time);
    anything else pivots."""
    plain = all(isinstance(df[c].dtype, (np.dtype, pd.StringDtype)) for c in (x, y))  # no categoricals
    values = df[z].to_numpy()
    if plain and isinstance(df[z].dtype, np.dtype) and values.dtype.kind in "iu":
        rows, row_labels = pd.factorize(df[y], sort=False)
        cols, col_labels = pd.factorize(df[x], sort=False)
        if len(values) and rows.min() >= 0 and cols.min() >= 0:
            cells = np.zeros((len(row_labels), len(col_labels)), dtype=values.dtype)
            np.add.at(cells, (rows, cols), values)
            return cells, list(col_labels), list(row_labels)
    grid = df.pivot_table(index=y, columns=x, values=z, aggfunc="sum", fill_value=0, sort=False)
    return grid.values, list(grid.columns), list(grid.index)


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, title: str, x_title: str, y_title: str,
            unit: str) -> Figure:
    """A grid of `z` by `x` and `y` (long-form input; missing cells are 0)."""
    cells, columns, rows = _grid(df, x, y, z)
    fig = Figure([_trace(
        "heatmap", z=_array(cells), x=_array(columns), y=_array(rows),
        colorscale=_reds(),
        colorbar={"tickformat": ",d", "title": {"text": unit}},  # counts: whole-number ticks
        hovertemplate=f"%{{y}} · %{{x}}<br>%{{z:,}} {unit}<extra></extra>")])
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, x_title, y_title)
