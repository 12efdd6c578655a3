"""环境与修缮 — waste cleared and repairs: window totals, by street office, by month, cumulative progress."""

import streamlit as st

from coopdash.app import cache, charts, compare, ui
from coopdash.app.sidebar import current
from coopdash.data.contract import KM_REPAIR_KINDS, REPAIR_KIND, WASTE_TYPE
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

ITEM_KINDS = tuple(kind for kind in REPAIR_KIND.codes if kind not in KM_REPAIR_KINDS)
# env_by_street and env_repairs_cumulative name their figure columns by contract code.
WASTE = {code: WASTE_TYPE.label(code) for code in WASTE_TYPE.codes}
KM = {code: REPAIR_KIND.label(code) for code in KM_REPAIR_KINDS}
ITEMS = {code: REPAIR_KIND.label(code) for code in ITEM_KINDS}
# monthly_trend (shared with 总览) gives the tonnage per month as household_t and construction_t.
WASTE_BY_MONTH = {"household_t": WASTE_TYPE.label("household"), "construction_t": WASTE_TYPE.label("construction")}

f = current()
p = f.params()
# every card is a flow metric of kpi_outcomes (coopdash/data/metrics.py), with 环比 / 同比: the window and
# the two earlier periods in one statement
CARDS = {"env.section.cleanup_totals": ["household_t", "construction_t"],
         "env.section.km_totals": ["road_km", "heating_pipe_km", "drainage_pipe_km", "pipe_km"],
         "env.section.item_totals": ["building_doors", "stair_lights", "seating", "parking_spaces"]}
fig = compare.figures(f, [name for names in CARDS.values() for name in names])
by_street, by_month, cumulative = cache.run_many(["env_by_street", "monthly_trend", "env_repairs_cumulative"], **p)


def street_bars(series: dict[str, str], title_key: str, unit_key: str):
    return charts.bars(by_street, "street_name", series, t(title_key), t("axis.street"), t(unit_key),
                       stacked=True, horizontal=True)


def column(code: str, label: str, unit_key: str, kind: str) -> tuple[str, tuple[str, str]]:
    """A table column: its Chinese header with the unit, e.g. 道路（公里）."""
    return code, (t("env.col.with_unit", label=label, unit=t(unit_key)), kind)


def cumulative_lines(series: dict[str, str], title_key: str, unit_key: str):
    return charts.monthly_axis(charts.lines(cumulative, "month", series, t(title_key), t("axis.month"),
                                            t(unit_key)))


ui.header("page.environment")

for section, names in CARDS.items():
    ui.section(section)
    ui.cards(compare.cards(fig, names, labels={name: f"env.kpi.{name}" for name in names},
                           helps={name: "env.help.pipe" if name == "pipe_km" else "env.help.window" for name in names}))

st.divider()
ui.section("env.section.tonnes")
left, right = st.columns(2)
with left:
    ui.chart_or_empty(by_street, WASTE, "env.chart.tonnes_by_street", "env_tonnes_by_street",
                   lambda: street_bars(WASTE, "env.chart.tonnes_by_street", "unit.t"))
with right:
    ui.chart_or_empty(by_month, WASTE_BY_MONTH, "env.chart.tonnes_by_month", "env_tonnes_by_month",
                   lambda: charts.monthly_axis(charts.bars(
                       by_month, "month", WASTE_BY_MONTH, t("env.chart.tonnes_by_month"), t("axis.month"),
                       t("unit.t"), stacked=True)))

ui.section("env.section.repairs")
left, right = st.columns(2)
with left:
    ui.chart_or_empty(by_street, KM, "env.chart.km_by_street", "env_km_by_street",
                   lambda: street_bars(KM, "env.chart.km_by_street", "unit.km"))
with right:
    ui.chart_or_empty(by_street, ITEMS, "env.chart.items_by_street", "env_items_by_street",
                   lambda: street_bars(ITEMS, "env.chart.items_by_street", "unit.items"))

ui.section("env.section.progress")
st.caption(t("env.progress_note", start=fmt.date(f.start), end=fmt.date(f.end)))
left, right = st.columns(2)
with left:
    ui.chart_or_empty(cumulative, KM, "env.chart.km_cumulative", "env_km_cumulative",
                   lambda: cumulative_lines(KM, "env.chart.km_cumulative", "unit.km"))
with right:
    ui.chart_or_empty(cumulative, ITEMS, "env.chart.items_cumulative", "env_items_cumulative",
                   lambda: cumulative_lines(ITEMS, "env.chart.items_cumulative", "unit.items"))

ui.section("env.section.by_street")
if by_street.empty:
    ui.empty()
else:
    ui.table(by_street, dict([
        ("street_name", (t("env.col.street_name"), "text")),
        *(column(code, label, "unit.t", "float") for code, label in WASTE.items()),
        *(column(code, label, "unit.km", "float") for code, label in KM.items()),
        *(column(code, label, "unit.items", "int") for code, label in ITEMS.items()),
    ]), key="env_by_street_table")
