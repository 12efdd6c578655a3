"""The work a cached page run does (issue 7), counted, not timed: figures built as plain dicts (no
Plotly graph object made or validated on a rerun), labels looked up once per value, the sidebar's
lookups kept per dataset version — and every chart exactly what Plotly's graph objects gave."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from coopdash.app import charts, presentation
from coopdash.data.settings import DEFAULT_DATA_DIR
from coopdash.i18n import labels
from tests.apptest import charts as chart_specs
from tests.apptest import open_app

# ---------------------------------------------------------------------------- the graph-object reference
# The builders as they were with go.Figure (before issue 7): the dict builders must give the same JSON.


def _ref_style(fig, title, x_title, y_title):
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": charts.FONT, "size": 14},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1,
                "traceorder": "normal"},
        colorway=charts.COLOURS,
        separators=".,",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return fig


def ref_bars(df, x, series, title, x_title, y_title, stacked=False, horizontal=False, hover_format=",.2~f"):
    fig = go.Figure()
    for column, label in series.items():
        xs, ys = (df[column], df[x]) if horizontal else (df[x], df[column])
        fig.add_trace(go.Bar(x=xs, y=ys, name=label, orientation="h" if horizontal else "v",
                             hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label}: "
                                           f"%{{{'x' if horizontal else 'y'}:{hover_format}}}<extra></extra>"))
    fig.update_layout(barmode="stack" if stacked else "group", showlegend=len(series) > 1)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        return _ref_style(fig, title, y_title, x_title)
    return _ref_style(fig, title, x_title, y_title)


def ref_monthly_axis(fig, lang="zh", marks=()):
    fmt = "%Y-%m" if lang == "en" else "%Y年%-m月"
    fig.update_xaxes(tickformat=fmt, hoverformat=fmt)
    if marks:  # as go.Figure validates them
        fig.update_layout(
            shapes=[dict(type="line", xref="x", yref="paper", x0=d, x1=d, y0=0, y1=1,
                         line=dict(color="#666666", width=1, dash="dot")) for d, _ in marks],
            annotations=[dict(x=d, xref="x", y=1, yref="paper", yanchor="bottom", text=label, showarrow=False,
                              font=dict(size=12, color="#444444")) for d, label in marks])
    return fig


def ref_lines(df, x, series, title, x_title, y_title, hover_format=",.2~f"):
    fig = go.Figure()
    for column, label in series.items():
        fig.add_trace(go.Scatter(x=df[x], y=df[column], name=label, mode="lines+markers",
                                 hovertemplate=f"%{{x}}<br>{label}: %{{y:{hover_format}}}<extra></extra>"))
    fig.update_layout(showlegend=len(series) > 1)
    return _ref_style(fig, title, x_title, y_title)


def ref_heatmap(df, x, y, z, title, x_title, y_title, unit):
    grid = df.pivot_table(index=y, columns=x, values=z, aggfunc="sum", fill_value=0, sort=False)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=list(grid.columns), y=list(grid.index), colorscale="Reds",
        colorbar={"title": {"text": unit}, "tickformat": ",d"},
        hovertemplate=f"%{{y}} · %{{x}}<br>%{{z:,}} {unit}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _ref_style(fig, title, x_title, y_title)


def present(fig):
    """What ui.chart does in projection mode."""
    return fig.update_layout(height=presentation.CHART_HEIGHT_PRESENT, font={"size": 20}, title_font={"size": 26})


def as_json(fig) -> str:
    """The spec st.plotly_chart sends: Plotly's JSON of the figure's dict, key order included."""
    return pio.to_json(fig.to_dict(), validate=False)


MONTHS = [dt.date(2023, m, 1) for m in range(4, 13)]


def frame(n: int = 9, seed: int = 0) -> pd.DataFrame:
    """One column of every kind the queries return (and a few they might)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "name": pd.Series([f"街道{i}" for i in range(n)], dtype="str"),
        "month": [MONTHS[i % len(MONTHS)] for i in range(n)],
        "stamp": pd.date_range("2023-04-01", periods=n, freq="MS"),
        "count": rng.integers(0, 100, n),
        "big": rng.integers(0, 2**40, n),
        "share": rng.random(n),
        "gaps": np.where(np.arange(n) % 3 == 0, np.nan, rng.random(n)),
        "nullable": pd.array([None if i % 4 == 0 else i for i in range(n)], dtype="Int64"),
        "flag": np.arange(n) % 2 == 0,
        "kind": pd.Categorical([["甲", "乙"][i % 2] for i in range(n)]),
        "obj": pd.Series([f"o{i}" for i in range(n)], dtype=object),
        "code": np.arange(n, dtype="uint64"),
        "neg": -rng.integers(0, 40000, n),
    })


VALUES = ["count", "big", "share", "gaps", "nullable", "flag", "code", "neg"]
AXES = ["name", "month", "stamp", "kind", "obj", "count"]


@pytest.mark.parametrize("horizontal", [False, True])
@pytest.mark.parametrize("stacked", [False, True])
@pytest.mark.parametrize("axis", AXES)
def test_bars_are_the_graph_object_figure(axis, stacked, horizontal):
    df = frame()
    series = {"count": "点单", "share": "比例", "gaps": "缺值"}
    args = (df, axis, series, "标题（次）", "月份", "次")
    assert as_json(charts.bars(*args, stacked=stacked, horizontal=horizontal)) == \
        as_json(ref_bars(*args, stacked=stacked, horizontal=horizontal))


@pytest.mark.parametrize("value", VALUES)
def test_every_kind_of_column_is_coerced_as_plotly_does(value):
    df = frame(13, seed=3)
    for axis in AXES:
        args = (df, axis, {value: value}, "t", "x", "y")
        assert as_json(charts.bars(*args)) == as_json(ref_bars(*args)), (axis, value)
        assert as_json(charts.lines(*args)) == as_json(ref_lines(*args)), (axis, value)


def test_one_series_has_no_legend_and_labels_can_be_numbers():
    df = frame()
    assert as_json(charts.bars(df, "name", {"count": 2023}, "t", "x", "y")) == \
        as_json(ref_bars(df, "name", {"count": 2023}, "t", "x", "y"))
    assert charts.bars(df, "name", {"count": "a"}, "t", "x", "y").to_dict()["layout"]["showlegend"] is False


def test_empty_frame():
    df = frame().head(0)
    args = (df, "month", {"count": "a", "share": "b"}, "t", "x", "y")
    assert as_json(charts.bars(*args, stacked=True)) == as_json(ref_bars(*args, stacked=True))
    assert as_json(charts.lines(*args)) == as_json(ref_lines(*args))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_monthly_axis_and_projection_mode(lang, monkeypatch):
    monkeypatch.setattr(charts, "lang", lambda: lang)
    df = frame()
    args = (df, "month", {"count": "a", "share": "b"}, "t", "x", "y")
    marks = [(min(df["month"]), "项目启动"), (max(df["month"]), "报道日")]  # both inside the months shown
    mine, ref = charts.monthly_axis(charts.bars(*args), marks), ref_monthly_axis(ref_bars(*args), lang, marks)
    assert as_json(mine) == as_json(ref)
    assert len(mine.to_dict()["layout"]["shapes"]) == 2
    assert as_json(present(mine)) == as_json(present(ref))
    mine, ref = charts.monthly_axis(charts.lines(*args), []), ref_monthly_axis(ref_lines(*args), lang)
    assert as_json(present(mine)) == as_json(present(ref))


def test_update_layout_takes_plotly_paths():
    """organisation.py sets legend_traceorder on a built figure; paper_bgcolor is a name, not a path."""
    df = frame()
    args = (df, "name", {"count": "a", "share": "b"}, "t", "x", "y")
    mine = charts.bars(*args).update_layout(legend_traceorder="reversed", paper_bgcolor="#fff",
                                            xaxis_title_text="X", yaxis={"title": {"text": "Y"}})
    ref = ref_bars(*args).update_layout(legend_traceorder="reversed", paper_bgcolor="#fff",
                                        xaxis_title_text="X", yaxis={"title": {"text": "Y"}})
    assert as_json(mine) == as_json(ref)


@pytest.mark.parametrize("seed", range(12))
def test_heatmap_is_the_pivot_table(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    df = pd.DataFrame({
        "month": [MONTHS[i] for i in rng.integers(0, len(MONTHS), n)],
        "category": pd.Series([f"类别{i}" for i in rng.integers(0, 13, n)], dtype="str"),
        "submitted": rng.integers(0, 300, n),
    })
    if seed % 3 == 0:
        df = df.drop_duplicates(["month", "category"])
    args = (df, "month", "category", "submitted", "各类别每月提交点单（次）", "月份", "类别", "次")
    assert as_json(charts.heatmap(*args)) == as_json(ref_heatmap(*args))


@pytest.mark.parametrize("values", [
    [1.5, 2.25, 3.0, np.nan],  # floats with a gap: pivot_table's own sum
    pd.array([1, None, 3, 4], dtype="Int64"),  # nullable counts
    pd.array([1, 2, 3, 4], dtype="Int64"),
    [4, 3, 2, 1],  # numpy counts: summed directly unless the keys are categorical
])
@pytest.mark.parametrize("categorical", [False, True])
def test_heatmap_matches_pivot_table_for_other_columns(values, categorical):
    category = ["乙", "乙", "甲", "甲"]
    if categorical:
        category = pd.Categorical(category, categories=["甲", "乙", "丙"])
    df = pd.DataFrame({"month": MONTHS[:2] * 2, "submitted": values, "category": category})
    args = (df, "month", "category", "submitted", "t", "x", "y", "次")
    assert as_json(charts.heatmap(*args)) == as_json(ref_heatmap(*args))


def test_heatmap_skips_missing_keys_as_pivot_table_does():
    df = pd.DataFrame({"month": [MONTHS[0], None, MONTHS[1]], "category": ["甲", "乙", None],
                       "submitted": [1, 2, 3]})
    args = (df, "month", "category", "submitted", "t", "x", "y", "次")
    assert as_json(charts.heatmap(*args)) == as_json(ref_heatmap(*args))


# ---------------------------------------------------------------------------- in the app


def _chart_script():
    """Two charts of the same frame: one from charts.bars, one the graph-object way."""
    import pandas as pd
    import plotly.graph_objects as go

    from coopdash.app import charts, ui

    df = pd.DataFrame({"street": ["甲街道", "乙街道"], "n": [3, 4], "share": [0.25, 0.5]})
    series = {"n": "点单", "share": "比例"}
    ui.chart(charts.bars(df, "street", series, "标题", "街道", "次", horizontal=True), "dict")
    fig = go.Figure()
    for column, label in series.items():
        fig.add_trace(go.Bar(x=df[column], y=df["street"], name=label, orientation="h",
                             hovertemplate=f"%{{y}}<br>{label}: %{{x:,.2~f}}<extra></extra>"))
    fig.update_layout(barmode="group", showlegend=True)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title={"text": "标题", "x": 0, "xanchor": "left"},
                      font={"family": charts.FONT, "size": 14}, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1,
                              "traceorder": "normal"},
                      colorway=charts.COLOURS, separators=".,")
    fig.update_xaxes(title_text="次")
    fig.update_yaxes(title_text="街道", rangemode="tozero")
    ui.chart(fig, "graph_objects")


@pytest.fixture
def figures_built(monkeypatch):
    """A list that grows by one each time a plotly go.Figure is constructed (and so validated)."""
    built = []
    original = go.Figure.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)
    return built, lambda: monkeypatch.setattr(go.Figure, "__init__", counting)


def test_st_plotly_chart_sends_the_same_spec_without_validating_it(figures_built):
    at = AppTest.from_function(_chart_script)
    at.run()
    assert not at.exception
    specs = {el.key: el.proto.spec for el in at.get("plotly_chart")}
    assert specs["dict"] == specs["graph_objects"]  # the template too: Streamlit's "streamlit" one
    assert json.loads(specs["dict"])["layout"]["template"]["layout"]["colorway"][0] == "#000001"

    built, start_counting = figures_built
    start_counting()
    ui_only = AppTest.from_function(_dict_chart_script)
    ui_only.run()
    assert not ui_only.exception
    assert [el.key for el in ui_only.get("plotly_chart")] == ["dict"]
    assert built == []  # neither the builder nor st.plotly_chart made (and validated) a go.Figure


def _dict_chart_script():
    import pandas as pd

    from coopdash.app import charts, ui

    df = pd.DataFrame({"month": pd.date_range("2023-04-01", periods=3, freq="MS"), "n": [1, 2, 3]})
    ui.chart(charts.monthly_axis(charts.bars(df, "month", {"n": "点单"}, "t", "月份", "次")), "dict")


PAGES = ["overview", "environment", "service_orders", "organisation", "explorer", "data_admin"]


@pytest.mark.parametrize("page", PAGES)
def test_a_cached_rerun_builds_no_graph_objects(page, figures_built):
    at = open_app(page=f"pages/{page}.py", **({"x.src": "orders_detail", "x.group": "category"}
                                                 if page == "explorer" else {}))
    built, start_counting = figures_built
    start_counting()
    at.run()
    assert not at.exception
    assert built == []
    if page != "data_admin":
        assert chart_specs(at)


@pytest.mark.parametrize("query", [{}, {"lang": "en"}, {"mode": "present"}, {"lang": "en", "mode": "present"}])
def test_language_and_projection_reach_the_figures(query):
    specs = chart_specs(open_app(page="pages/environment.py", **query))
    layout = specs["env_km_cumulative"]["layout"]
    en, present_ = query.get("lang") == "en", query.get("mode") == "present"
    assert layout["xaxis"]["tickformat"] == ("%Y-%m" if en else "%Y年%-m月")
    assert layout["title"]["text"] == \
        ("Road and pipe repaired, cumulative (km)" if en else "道路与管线累计修缮（公里）")
    assert layout.get("height") == (presentation.CHART_HEIGHT_PRESENT if present_ else None)
    size = presentation.PRESENT_TEXT_PX  # projection: every text of the figure at least 20 px (issue 23)
    assert layout["font"] == {"family": charts.FONT, "size": size if present_ else 14}
    assert layout["title"].get("font") == ({"size": 28} if present_ else None)
    if present_:  # set on the figure: the chart theme and template would letter ticks and legends at 12 px
        assert size >= 20 and layout["legend"]["font"] == {"size": size}
        for axis in ("xaxis", "yaxis"):
            assert layout[axis]["tickfont"] == {"size": size} and layout[axis]["title"]["font"] == {"size": size}


# ---------------------------------------------------------------------------- labels and the sidebar


def test_per_value_labels_each_value_once():
    calls = []

    def label(code):
        calls.append(code)
        return f"<{code}>"

    memo = labels.per_value(label)
    assert [memo(c) for c in ["a", "b", "a", "a", "b"]] == ["<a>", "<b>", "<a>", "<a>", "<b>"]
    assert calls == ["a", "b"]


def test_lang_outside_a_session_is_chinese():
    assert labels.lang() == "zh"
    assert labels.t("download.csv") == "下载 CSV"


def test_sidebar_lookups_follow_a_replaced_dataset(tmp_path, monkeypatch):
    """The street names are kept per dataset version: a re-ingested table shows at once."""
    ds = tmp_path / "ds"
    shutil.copytree(DEFAULT_DATA_DIR, ds)
    monkeypatch.setenv("COOP_DATA_DIR", str(ds))
    at = open_app()
    options = at.sidebar.multiselect(key="flt_streets").options
    assert "龙华街道" in options and "龙华街道（新）" not in options

    streets = pq.read_table(ds / "streets.parquet")
    names = [n + "（新）" if n == "龙华街道" else n for n in streets.column("street_name").to_pylist()]
    streets = streets.set_column(streets.schema.get_field_index("street_name"), "street_name",
                                 pa.array(names, pa.string()))
    pq.write_table(streets, ds / "streets.parquet")
    options = open_app().sidebar.multiselect(key="flt_streets").options
    assert "龙华街道（新）" in options and "龙华街道" not in options
