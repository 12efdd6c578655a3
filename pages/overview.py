"""总览 — every figure of the article for the chosen window, the monthly trend, and street offices."""

import streamlit as st

from coopdash.app import briefing, cache, charts, compare, presentation, ui
from coopdash.app.sidebar import current
from coopdash.data import metrics
from coopdash.data.contract import WASTE_TYPE
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

f = current()
p = f.params()
launch = settings().launch
# every card is a metric (coopdash/data/metrics.py): the window, 环比 / 同比, the stocks against the launch
# day and the flows since the launch, one statement per family, side by side, cached
ORGANISATION = ["pilot_communities", "cooperatives", "five_standard", "work_team_headcount", "members",
                "party_members", "party_share"]
SERVICE = ["meetings", "problems_resolved", "orders_resolved", "resolution_rate"]
OUTCOMES = ["household_t", "construction_t", "road_km", "pipe_km", "building_doors", "parking_spaces",
            "owners_committees"]
SINCE_LAUNCH = ["meetings", "problems_resolved", "orders_resolved", "owners_committees", "household_t",
                "construction_t", "road_km", "pipe_km"]
BASELINE = ["compounds", "compounds_unmanaged_before", "standalone_unmanaged_before", "cooperative_managed"]
fig = compare.figures(f, ORGANISATION + SERVICE + OUTCOMES + BASELINE, (*compare.ALL, metrics.SINCE_LAUNCH))
trend, streets = cache.run_many(["monthly_trend", "by_street"], **p)

ui.header("page.overview")
if not presentation.is_present():
    briefing.briefing_button(f)

ui.section("section.organisation")
ui.cards(compare.cards(fig, ORGANISATION))

ui.section("section.service")
ui.cards(compare.cards(fig, SERVICE))

ui.section("section.outcomes")
ui.cards(compare.cards(fig, OUTCOMES))

# where the program stands since the launch, as its own row, when the window is a part of it (by default
# the latest complete month): the same queries from the launch to the window's end
if fig.has(metrics.SINCE_LAUNCH):
    st.subheader(t("section.since_launch", window=fmt.window(launch, f.end)))
    ui.cards(compare.since_launch_cards(fig, SINCE_LAUNCH))

ui.section("section.baseline")
ui.cards(compare.cards(fig, BASELINE))

st.divider()
if f.start > launch and (f.end - f.start).days < 85:  # a month's trend is one bar: the months since the launch
    trend = cache.run("monthly_trend", **{**p, "start": launch})
    st.caption(t("chart.trend_since_launch", window=fmt.window(launch, f.end)))
left, right = st.columns(2)
with left:
    ui.chart_or_empty(trend, ["orders_resolved"], "chart.orders_by_month", "orders_by_month",
                      lambda: charts.monthly_axis(charts.bars(
                          trend, "month", {"orders_resolved": t("kpi.orders_resolved")},
                          t("chart.orders_by_month"), t("axis.month"), t("unit.times"))))
with right:
    waste = {"household_t": WASTE_TYPE.label("household"), "construction_t": WASTE_TYPE.label("construction")}
    ui.chart_or_empty(trend, waste, "chart.tonnes_by_month", "tonnes_by_month",
                      lambda: charts.monthly_axis(charts.bars(
                          trend, "month", waste, t("chart.tonnes_by_month"), t("axis.month"), t("unit.t"),
                          stacked=True)))

st.subheader(t("chart.by_street"))
if streets.empty:
    ui.empty()
else:
    left, right = st.columns([2, 3])
    with left:
        fig = charts.bars(streets, "street_name", {"orders_resolved": t("kpi.orders_resolved")},
                          t("chart.orders_by_street"), t("axis.street"), t("unit.times"), horizontal=True)
        ui.chart(fig, "orders_by_street")
    with right:
        ui.table(streets, {"street_name": (t("col.street_name"), "text"),
                           "cooperatives": (t("col.cooperatives"), "int"),
                           "orders_resolved": (t("col.orders_resolved"), "int"),
                           "tonnes": (t("col.tonnes"), "float"),
                           "road_km": (t("col.road_km"), "float"),
                           "pipe_km": (t("col.pipe_km"), "float")}, key="overview_by_street",
                 phone=["street_name", "orders_resolved", "tonnes"])

briefing.ranking_section(f)
