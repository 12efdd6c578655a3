"""总览 in pandas: the article's figures, the monthly trend and the street offices."""

import pandas as pd
import streamlit as st

from bench.pandas_app import common as c
from coopdash.app import charts, ui
from coopdash.data.contract import WASTE_TYPE
from coopdash.data.settings import settings
from coopdash.i18n.labels import t

f = c.current()
d = c.data()
org = c.organisation_kpis(d, f)
orders = c.order_kpis(d, f)
out = c.outcomes(d, f)

# baseline: compounds in scope, management before the program and on the window's end
places = d["places"][f.scope(d["places"])]
before = c.management_on(d, pd.Timestamp(settings().launch)).set_index("compound_code")["management"]
after = c.management_on(d, f.d1).set_index("compound_code")["management"]
b = places["compound_code"].map(before)
a = places["compound_code"].map(after)
is_compound, is_standalone = places["kind"] == "compound", places["kind"] == "standalone"
compounds = {"compounds": int(is_compound.sum()),
             "compounds_unmanaged_before": int((is_compound & b.notna() & (b != "professional")).sum()),
             "standalone_unmanaged_before": int((is_standalone & b.notna() & (b != "professional")).sum()),
             "cooperative_managed": int((a == "cooperative").sum())}

c.header("page.overview", f)
st.subheader(t("section.organisation"))
c.cards([("kpi.pilot_communities", org["pilot_communities"], "unit.items"),
         ("kpi.cooperatives", org["cooperatives"], "unit.items"),
         ("kpi.five_standard", org["five_standard"], "unit.items"),
         ("kpi.work_team_headcount", org["work_team_headcount"], "unit.people"),
         ("kpi.members", org["members"], "unit.people"),
         ("kpi.party_members", org["party_members"], "unit.people"),
         ("kpi.party_share", org["party_share"], None)])
st.subheader(t("section.service"))
c.cards([("kpi.meetings", org["meetings"], "unit.times"),
         ("kpi.problems_resolved", org["problems_resolved"], "unit.items"),
         ("kpi.orders_resolved", orders["resolved"], "unit.times"),
         ("kpi.resolution_rate", orders["resolution_rate"], None)])
st.subheader(t("section.outcomes"))
c.cards([("kpi.household_t", out["household_t"], "unit.t"),
         ("kpi.construction_t", out["construction_t"], "unit.t"),
         ("kpi.road_km", out["road_km"], "unit.km"),
         ("kpi.pipe_km", out["pipe_km"], "unit.km"),
         ("kpi.building_doors", out["building_doors"], "unit.items"),
         ("kpi.parking_spaces", out["parking_spaces"], "unit.items"),
         ("kpi.owners_committees", out["owners_committees"], "unit.items")])
st.subheader(t("section.baseline"))
c.cards([("kpi.compounds", compounds["compounds"], "unit.items"),
         ("kpi.compounds_unmanaged_before", compounds["compounds_unmanaged_before"], "unit.items"),
         ("kpi.standalone_unmanaged_before", compounds["standalone_unmanaged_before"], "unit.items"),
         ("kpi.cooperative_managed", compounds["cooperative_managed"], "unit.items")])

st.divider()
trend = c.monthly_trend(d, f)
left, right = st.columns(2)
with left:
    fig = charts.bars(trend, "month", {"orders_resolved": t("kpi.orders_resolved")},
                      t("chart.orders_by_month"), t("axis.month"), t("unit.times"))
    st.plotly_chart(ui.figure(charts.monthly_axis(fig)), key="orders_by_month", width="stretch")
with right:
    fig = charts.bars(trend, "month", {"household_t": WASTE_TYPE.zh("household"),
                                       "construction_t": WASTE_TYPE.zh("construction")},
                      t("chart.tonnes_by_month"), t("axis.month"), t("unit.t"), stacked=True)
    st.plotly_chart(ui.figure(charts.monthly_axis(fig)), key="tonnes_by_month", width="stretch")

# by street office: cooperatives, orders resolved, tonnes, road and pipe km
st.subheader(t("chart.by_street"))
streets = c.streets_in_scope(d, f)
co = c.coops_in_scope(d, f).groupby("street_code").size().rename("cooperatives")
o = d["service_orders"]
o = o[f.scope(o) & (o["status"] == "resolved") & (o["resolved_at"] >= f.t0) & (o["resolved_at"] < f.t1)]
resolved = o.groupby("street_code").size().rename("orders_resolved")
cl = d["cleanups"]
tonnes = cl[f.scope(cl) & f.days(cl["done_on"])].groupby("street_code")["tonnes"].sum().rename("tonnes")
rp = d["repairs"]
rp = rp[f.scope(rp) & f.days(rp["done_on"])]
road = rp[rp["kind"] == "road"].groupby("street_code")["quantity"].sum().rename("road_km")
pipe = rp[rp["kind"].isin(["heating_pipe", "drainage_pipe"])].groupby("street_code")["quantity"].sum().rename("pipe_km")
streets = streets.set_index("street_code").join([co, resolved, tonnes, road, pipe]).fillna(0).reset_index()
left, right = st.columns([2, 3])
with left:
    fig = charts.bars(streets, "street_name", {"orders_resolved": t("kpi.orders_resolved")},
                      t("chart.orders_by_street"), t("axis.street"), t("unit.times"), horizontal=True)
    st.plotly_chart(ui.figure(fig), key="orders_by_street", width="stretch")
with right:
    st.dataframe(streets[["street_name", "cooperatives", "orders_resolved", "tonnes", "road_km", "pipe_km"]],
                 hide_index=True, width="stretch", key="overview_by_street")
