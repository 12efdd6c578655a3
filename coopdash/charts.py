"""The few Plotly figure builders pages share: consistent colours, Chinese fonts, units in titles."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from coopdash.labels import lang

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
COLOURS = ["#b22222", "#1f5fa8", "#e0a526", "#2e8b57", "#7b4fa0", "#d2691e", "#5f9ea0", "#8b8b8b"]


def _style(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
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


def bars(df: pd.DataFrame, x: str, series: dict[str, str], title: str, x_title: str, y_title: str,
         stacked: bool = False, horizontal: bool = False, hover_format: str = ",.2~f") -> go.Figure:
    """One bar trace per entry of `series` (column → legend label)."""
    fig = go.Figure()
    for column, label in series.items():
        xs, ys = (df[column], df[x]) if horizontal else (df[x], df[column])
        fig.add_trace(go.Bar(x=xs, y=ys, name=label, orientation="h" if horizontal else "v",
                             hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label}: "
                                           f"%{{{'x' if horizontal else 'y'}:{hover_format}}}<extra></extra>"))
    fig.update_layout(barmode="stack" if stacked else "group", showlegend=len(series) > 1)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        return _style(fig, title, y_title, x_title)
    return _style(fig, title, x_title, y_title)


def monthly_axis(fig: go.Figure) -> go.Figure:
    """Label a monthly x axis the Chinese way: 2023年6月."""
    fmt = "%Y-%m" if lang() == "en" else "%Y年%-m月"
    fig.update_xaxes(tickformat=fmt, hoverformat=fmt)
    return fig


def lines(df: pd.DataFrame, x: str, series: dict[str, str], title: str, x_title: str, y_title: str,
          hover_format: str = ",.2~f") -> go.Figure:
    """One line per entry of `series` (column → legend label), e.g. cumulative progress."""
    fig = go.Figure()
    for column, label in series.items():
        fig.add_trace(go.Scatter(x=df[x], y=df[column], name=label, mode="lines+markers",
                                 hovertemplate=f"%{{x}}<br>{label}: %{{y:{hover_format}}}<extra></extra>"))
    fig.update_layout(showlegend=len(series) > 1)
    return _style(fig, title, x_title, y_title)


def heatmap(df: pd.DataFrame, x: str, y: str, z: str, title: str, x_title: str, y_title: str,
            unit: str) -> go.Figure:
    """A grid of `z` by `x` and `y` (long-form input; missing cells are 0)."""
    grid = df.pivot_table(index=y, columns=x, values=z, aggfunc="sum", fill_value=0, sort=False)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=list(grid.columns), y=list(grid.index), colorscale="Reds",
        colorbar={"title": {"text": unit}, "tickformat": ",d"},  # counts: whole-number ticks
        hovertemplate=f"%{{y}} · %{{x}}<br>%{{z:,}} {unit}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, x_title, y_title)
