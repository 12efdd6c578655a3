"""数据查询 — the explorer: pick a table or prepared view, filter any column, group and measure.
The whole state lives in the URL (x.* keys), so a link reproduces the analysis."""

import streamlit as st

from coopdash.app import cache, charts, ui
from coopdash.app.sidebar import current
from coopdash.data.settings import settings
from coopdash.i18n.labels import t
from coopdash.workbench import explorer
from coopdash.workbench.explorer import SOURCES, Spec

ss = st.session_state
scope = current()


def _reset_fields() -> None:
    for key in [k for k in ss.keys() if str(k).startswith("x_") and k not in ("x_src", "x_ready", "x_window")]:
        del ss[key]


if "x_ready" not in ss:  # first visit in this session: take the analysis from the link
    spec = explorer.from_query({k: st.query_params.get(k) for k in st.query_params.keys()})
    ss["x_src"], ss["x_window"] = spec.source, spec.use_window
    ss["x_filters"] = list(dict.fromkeys([*spec.values, *spec.ranges, *spec.contains]))
    for name, vals in spec.values.items():
        ss[f"x_in_{name}"] = vals
    for name, (lo, hi) in spec.ranges.items():
        ss[f"x_lo_{name}"], ss[f"x_hi_{name}"] = lo, hi
    for name, text in spec.contains.items():
        ss[f"x_has_{name}"] = text
    ss["x_group"], ss["x_measure"], ss["x_ready"] = spec.group_by, spec.measures, True

ui.header("page.explorer")
left, right = st.columns([3, 2])
left.selectbox(t("explorer.source"), options=list(SOURCES), format_func=lambda s: SOURCES[s].label, key="x_src",
               on_change=_reset_fields)
src = SOURCES[ss["x_src"]]
right.toggle(t("explorer.use_window"), key="x_window", help=t("explorer.use_window_help"))
labels = {f.name: f.label for f in src.fields}

st.multiselect(t("explorer.filter_fields"), options=list(labels), format_func=labels.get, key="x_filters",
               placeholder=t("explorer.filter_placeholder"), select_all=False)
spec = Spec(src.name, use_window=ss["x_window"])
for name in ss["x_filters"]:
    f = src.field(name)
    if f is None:
        continue
    if f.kind in ("enum", "bool"):
        options = f.enum.codes if f.enum else ["true", "false"]
        ss.setdefault(f"x_in_{name}", [])
        ss[f"x_in_{name}"] = [v for v in ss[f"x_in_{name}"] if v in options]
        chosen = st.multiselect(f.label, options, key=f"x_in_{name}",
                                format_func=lambda v, f=f: explorer.label_values(f, [v])[0],
                                placeholder=t("filter.choose"), select_all=False)
        if chosen:
            spec.values[name] = chosen
    elif f.kind == "text":
        text = st.text_input(f"{f.label} {t('explorer.contains')}", key=f"x_has_{name}")
        if text:
            spec.contains[name] = text
    else:
        lo_col, hi_col = st.columns(2)
        bounds = []
        for col, end, label in ((lo_col, "lo", t("explorer.min")), (hi_col, "hi", t("explorer.max"))):
            key = f"x_{end}_{name}"
            widget = col.number_input if f.kind == "number" else col.date_input
            bounds.append(widget(f"{f.label} {label}", key=key, **({} if key in ss else {"value": None})))
        lo, hi = bounds
        if lo is not None or hi is not None:
            spec.ranges[name] = (lo, hi)

group_col, measure_col = st.columns(2)
group_col.multiselect(t("explorer.group_by"), options=list(labels), format_func=labels.get, key="x_group",
                      placeholder=t("explorer.group_placeholder"), select_all=False)
measure_col.multiselect(t("explorer.measures"), options=explorer.measure_options(src),
                        format_func=lambda m: explorer.measure_label(src, m), key="x_measure",
                        placeholder=t("explorer.measure_placeholder"), select_all=False)
spec.group_by, spec.measures = list(ss["x_group"]), list(ss["x_measure"])
spec = explorer.sanitize(spec)

for key in [k for k in st.query_params.keys() if k.startswith("x.")]:
    del st.query_params[key]
st.query_params.update(explorer.to_query(spec))

result = cache.explore(spec, scope)
if spec.use_window and (src.date_field or src.scoped):
    st.caption(t("explorer.window_applied", field=labels.get(src.date_field, "—")))
if result.empty:
    ui.empty()
    st.stop()

grouped = bool(spec.group_by or spec.measures)
columns = {}
for name in (spec.group_by if grouped else [f.name for f in src.fields]):
    f = src.field(name)
    if f.kind in ("enum", "bool"):  # each distinct code labelled once, not once per row
        result[name] = explorer.label_column(f, result[name])
    columns[name] = (f.label, {"number": "float", "date": "date", "timestamp": "datetime"}.get(f.kind, "text"))
measures = (spec.measures or ["count"]) if grouped else []
for m in measures:
    columns[explorer.measure_column(m)] = (explorer.measure_label(src, m), "int" if m == "count" else "float")

if not grouped and len(result) > settings().explorer_row_limit:
    st.warning(t("explorer.row_limit", n=settings().explorer_row_limit))
    result = result.head(settings().explorer_row_limit)
st.caption(t("explorer.rows", n=len(result)))
ui.table(result, columns, key="explorer_result")

if grouped and spec.group_by:
    x, y = spec.group_by[0], explorer.measure_column(measures[0])
    title = t("explorer.chart_title", measure=explorer.measure_label(src, measures[0]), by=labels[x])
    if len(spec.group_by) > 1:
        wide = result.pivot_table(index=x, columns=spec.group_by[1], values=y, aggfunc="sum", fill_value=0,
                                  sort=False).reset_index()
        series = {c: str(c) for c in wide.columns if c != x}
        fig = charts.bars(wide, x, series, title, labels[x], explorer.measure_label(src, measures[0]), stacked=True)
    else:
        fig = charts.bars(result, x, {y: explorer.measure_label(src, measures[0])}, title, labels[x],
                          explorer.measure_label(src, measures[0]))
    ui.chart(fig, "explorer_chart")
