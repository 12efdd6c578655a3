"""总览 — every figure of the article for the chosen window, the monthly trend, and street offices."""

import streamlit as st

from coopdash.app import briefing, cache, charts, compare, presentation, ui
from coopdash.app.sidebar import current
from coopdash.data.contract import WASTE_TYPE
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

f = current()
p = f.params()
launch = settings().launch
org, orders, outcomes, compounds, trend, streets = cache.run_many(
    ["kpi_organisation", "kpi_orders", "kpi_outcomes", "kpi_compounds", "monthly_trend", "by_street"], **p)
org, orders, outcomes, compounds = org.iloc[0], orders.iloc[0], outcomes.iloc[0], compounds.iloc[0]

# 环比 / 同比 from the same queries over earlier dates; stock figures against the launch day
earlier = compare.earlier(f, ["kpi_organisation", "kpi_orders", "kpi_outcomes"])
at_launch = compare.at_launch(f, "kpi_organisation")
flow, since_launch = compare.compared, compare.since_launch

ui.header("page.overview")
if not presentation.is_present():
    briefing.briefing_button(f)
Card = ui.Card

ui.section("section.organisation")
ui.cards([
    Card("kpi.pilot_communities", org["pilot_communities"], "unit.items"),
    Card("kpi.cooperatives", org["cooperatives"], "unit.items", "help.stock",
         **since_launch(org["cooperatives"], at_launch, "cooperatives")),
    Card("kpi.five_standard", org["five_standard"], "unit.items", "help.stock",
         **since_launch(org["five_standard"], at_launch, "five_standard")),
    Card("kpi.work_team_headcount", org["work_team_headcount"], "unit.people", "help.stock",
         **since_launch(org["work_team_headcount"], at_launch, "work_team_headcount")),
    Card("kpi.members", org["members"], "unit.people", "help.stock", **since_launch(org["members"], at_launch, "members")),
    Card("kpi.party_members", org["party_members"], "unit.people", "help.stock",
         **since_launch(org["party_members"], at_launch, "party_members")),
    Card("kpi.party_share", org["party_share"], None, "help.stock",
         **since_launch(org["party_share"], at_launch, "party_share", share=True)),
])

ui.section("section.service")
ui.cards([
    Card("kpi.meetings", org["meetings"], "unit.times", "help.flow", **flow(org["meetings"], earlier, "meetings")),
    Card("kpi.problems_resolved", org["problems_resolved"], "unit.items", "help.flow",
         **flow(org["problems_resolved"], earlier, "problems_resolved")),
    Card("kpi.orders_resolved", orders["resolved"], "unit.times", "help.flow", **flow(orders["resolved"], earlier, "resolved")),
    Card("kpi.resolution_rate", orders["resolution_rate"], None, "help.resolution_rate",
         **flow(orders["resolution_rate"], earlier, "resolution_rate", share=True)),
])

ui.section("section.outcomes")
ui.cards([
    Card("kpi.household_t", outcomes["household_t"], "unit.t", "help.flow",
         **flow(outcomes["household_t"], earlier, "household_t")),
    Card("kpi.construction_t", outcomes["construction_t"], "unit.t", "help.flow",
         **flow(outcomes["construction_t"], earlier, "construction_t")),
    Card("kpi.road_km", outcomes["road_km"], "unit.km", "help.flow",
         **flow(outcomes["road_km"], earlier, "road_km")),
    Card("kpi.pipe_km", outcomes["pipe_km"], "unit.km", "help.flow",
         **flow(outcomes["pipe_km"], earlier, "pipe_km")),
    Card("kpi.building_doors", outcomes["building_doors"], "unit.items", "help.flow",
         **flow(outcomes["building_doors"], earlier, "building_doors")),
    Card("kpi.parking_spaces", outcomes["parking_spaces"], "unit.items", "help.flow",
         **flow(outcomes["parking_spaces"], earlier, "parking_spaces")),
    Card("kpi.owners_committees", outcomes["owners_committees"], "unit.items", "help.flow",
         **flow(outcomes["owners_committees"], earlier, "owners_committees")),
])

# where the program stands since the launch, as its own row, when the window is a part of it (by default
# the latest complete month): the same queries from the launch to the window's end
if f.start > launch:
    since = {**p, "start": launch}
    org_all, orders_all, outcomes_all = (frame.iloc[0] for frame in cache.run_many(
        ["kpi_organisation", "kpi_orders", "kpi_outcomes"], **since))
    st.subheader(t("section.since_launch", window=fmt.window(launch, f.end)))

    def total(key: str, value, unit: str) -> ui.Card:
        return Card(key, value, unit, "help.since_launch", label=t("kpi.since", label=t(key)))

    ui.cards([
        total("kpi.meetings", org_all["meetings"], "unit.times"),
        total("kpi.problems_resolved", org_all["problems_resolved"], "unit.items"),
        total("kpi.orders_resolved", orders_all["resolved"], "unit.times"),
        total("kpi.owners_committees", outcomes_all["owners_committees"], "unit.items"),
        total("kpi.household_t", outcomes_all["household_t"], "unit.t"),
        total("kpi.construction_t", outcomes_all["construction_t"], "unit.t"),
        total("kpi.road_km", outcomes_all["road_km"], "unit.km"),
        total("kpi.pipe_km", outcomes_all["pipe_km"], "unit.km"),
    ])

ui.section("section.baseline")
ui.cards([
    Card("kpi.compounds", compounds["compounds"], "unit.items"),
    Card("kpi.compounds_unmanaged_before", compounds["compounds_unmanaged_before"], "unit.items", "help.before"),
    Card("kpi.standalone_unmanaged_before", compounds["standalone_unmanaged_before"], "unit.items", "help.before"),
    Card("kpi.cooperative_managed", compounds["cooperative_managed"], "unit.items", "help.stock"),
])

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
