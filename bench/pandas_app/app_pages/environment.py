"""环境与修缮 in pandas: window totals, by street office, by month and cumulative progress."""

import pandas as pd
import streamlit as st

from bench.pandas_app import common as c
from coopdash.app import charts, ui
from coopdash.data.contract import KM_REPAIR_KINDS, REPAIR_KIND, WASTE_TYPE
from coopdash.i18n.labels import t

WASTE = {code: WASTE_TYPE.zh(code) for code in WASTE_TYPE.codes}
KM = {code: REPAIR_KIND.zh(code) for code in KM_REPAIR_KINDS}
ITEMS = {code: REPAIR_KIND.zh(code) for code in REPAIR_KIND.codes if code not in KM_REPAIR_KINDS}

f = c.current()
d = c.data()
out = c.outcomes(d, f)

cl = d["cleanups"]
cl = cl[f.scope(cl) & f.days(cl["done_on"])]
rp = d["repairs"]
rp = rp[f.scope(rp) & f.days(rp["done_on"])]
by_street = (c.streets_in_scope(d, f).set_index("street_code")
             .join(cl.pivot_table(index="street_code", columns="waste_type", values="tonnes", aggfunc="sum"))
             .join(rp.pivot_table(index="street_code", columns="kind", values="quantity", aggfunc="sum")))
for code in [*WASTE, *KM, *ITEMS]:
    by_street[code] = by_street[code].fillna(0) if code in by_street else 0.0
by_street = by_street.reset_index()
by_month = c.monthly_trend(d, f)
months = f.months()
done = rp.pivot_table(index=rp["done_on"].dt.to_period("M").dt.to_timestamp(), columns="kind",
                      values="quantity", aggfunc="sum")
cumulative = pd.DataFrame(index=months)
for code in [*KM, *ITEMS]:
    cumulative[code] = (done[code].reindex(months).fillna(0) if code in done else pd.Series(0.0, index=months)).cumsum()
cumulative = cumulative.rename_axis("month").reset_index()

c.header("page.environment", f)
st.subheader(t("env.section.cleanup_totals"))
c.cards([("env.kpi.household_t", out["household_t"], "unit.t"),
         ("env.kpi.construction_t", out["construction_t"], "unit.t")])
st.subheader(t("env.section.km_totals"))
c.cards([("env.kpi.road_km", out["road_km"], "unit.km"),
         ("env.kpi.heating_pipe_km", out["heating_pipe_km"], "unit.km"),
         ("env.kpi.drainage_pipe_km", out["drainage_pipe_km"], "unit.km"),
         ("env.kpi.pipe_km", out["pipe_km"], "unit.km")])
st.subheader(t("env.section.item_totals"))
c.cards([("env.kpi.building_doors", out["building_doors"], "unit.items"),
         ("env.kpi.stair_lights", out["stair_lights"], "unit.items"),
         ("env.kpi.seating", out["seating"], "unit.items"),
         ("env.kpi.parking_spaces", out["parking_spaces"], "unit.items")])

st.divider()


def street_bars(series, title_key, unit_key):
    return charts.bars(by_street, "street_name", series, t(title_key), t("axis.street"), t(unit_key),
                       stacked=True, horizontal=True)


st.subheader(t("env.section.tonnes"))
left, right = st.columns(2)
left.plotly_chart(ui.figure(street_bars(WASTE, "env.chart.tonnes_by_street", "unit.t")), key="env_tonnes_by_street")
right.plotly_chart(ui.figure(charts.monthly_axis(charts.bars(
    by_month, "month", {"household_t": WASTE["household"], "construction_t": WASTE["construction"]},
    t("env.chart.tonnes_by_month"), t("axis.month"), t("unit.t"), stacked=True))), key="env_tonnes_by_month")
st.subheader(t("env.section.repairs"))
left, right = st.columns(2)
left.plotly_chart(ui.figure(street_bars(KM, "env.chart.km_by_street", "unit.km")), key="env_km_by_street")
right.plotly_chart(ui.figure(street_bars(ITEMS, "env.chart.items_by_street", "unit.items")), key="env_items_by_street")
st.subheader(t("env.section.progress"))
left, right = st.columns(2)
left.plotly_chart(ui.figure(charts.monthly_axis(charts.lines(cumulative, "month", KM, t("env.chart.km_cumulative"),
                                                   t("axis.month"), t("unit.km")))), key="env_km_cumulative")
right.plotly_chart(ui.figure(charts.monthly_axis(charts.lines(cumulative, "month", ITEMS, t("env.chart.items_cumulative"),
                                                    t("axis.month"), t("unit.items")))), key="env_items_cumulative")
st.subheader(t("env.section.by_street"))
st.dataframe(by_street[["street_name", *WASTE, *KM, *ITEMS]], hide_index=True, width="stretch",
             key="env_by_street_table")
