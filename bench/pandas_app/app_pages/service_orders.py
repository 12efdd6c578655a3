"""点单服务 in pandas: resolution, time to resolve, backlog, satisfaction, by street and category,
by month, the season heatmap and the overdue open orders."""

import pandas as pd
import streamlit as st

from bench.pandas_app import common as c
from coopdash.app import charts, ui
from coopdash.data.contract import ORDER_CATEGORY
from coopdash.data.settings import settings
from coopdash.i18n.labels import t

f = c.current()
d = c.data()
deadline = pd.Series(settings().deadlines, name="deadline_hours")

o = d["service_orders"]
o = o[f.scope(o)]
fl = c.order_flags(o, f)
submitted, sr = int(fl["is_submitted"].sum()), int(fl["submitted_resolved"].sum())
kpi = {"resolved": int(fl["is_resolved"].sum()), "resolution_rate": c.share(sr, submitted)}

res = o[fl["is_resolved"]]
hours = fl.loc[fl["is_resolved"], "hours"]
within = hours <= res["category"].map(deadline).astype("float64")
speed = {"median": hours.quantile(0.5) if len(hours) else None,
         "p90": hours.quantile(0.9) if len(hours) else None,
         "within": c.share(int(within.sum()), len(hours))}

open_ = o[(o["status"] != "cancelled") & (o["submitted_at"] < f.t1)
          & (o["resolved_at"].isna() | (o["resolved_at"] >= f.t1))]
age_days = (f.t1 - open_["submitted_at"]).dt.total_seconds() / 86400
backlog = {"open": len(open_), "median": age_days.median() if len(open_) else None,
           "oldest": age_days.max() if len(open_) else None}

ratings = res["rating"].dropna()
rating = {"rated": len(ratings), "mean": ratings.mean() if len(ratings) else None,
          "share_4_5": c.share(int((ratings >= 4).sum()), len(ratings))}

c.header("page.orders", f)
st.subheader(t("orders.section.handling"))
c.cards([("orders.kpi.resolved", kpi["resolved"], "unit.times"),
         ("orders.kpi.resolution_rate", kpi["resolution_rate"], None),
         ("orders.kpi.median_hours", speed["median"], "unit.hours", 1),
         ("orders.kpi.p90_hours", speed["p90"], "unit.hours", 1),
         ("orders.kpi.within_deadline", speed["within"], None)], per_row=5)
st.subheader(t("orders.section.backlog"))
c.cards([("orders.kpi.backlog", backlog["open"], "orders.unit.orders"),
         ("orders.kpi.backlog_median_age", backlog["median"], "unit.days", 1),
         ("orders.kpi.backlog_oldest", backlog["oldest"], "unit.days", 1)], per_row=5)
st.subheader(t("orders.section.satisfaction"))
c.cards([("orders.kpi.mean_rating", rating["mean"], "orders.unit.points"),
         ("orders.kpi.share_4_5", rating["share_4_5"], None),
         ("orders.kpi.rated", rating["rated"], "orders.unit.orders")], per_row=5)

st.divider()
st.subheader(t("orders.section.breakdown"))
flows = o.assign(**fl)


def breakdown(by: str) -> pd.DataFrame:
    g = flows.groupby(by)
    out = pd.DataFrame({"submitted": g["is_submitted"].sum(), "resolved": g["is_resolved"].sum(),
                        "submitted_resolved": g["submitted_resolved"].sum()})
    out["median_hours"] = flows[flows["is_resolved"]].groupby(by)["hours"].median()
    out["resolution_rate"] = out["submitted_resolved"] / out["submitted"].where(out["submitted"] > 0)
    return out


streets = c.streets_in_scope(d, f).set_index("street_code").join(breakdown("street_code"))
streets[["submitted", "resolved"]] = streets[["submitted", "resolved"]].fillna(0)
streets = streets.reset_index().sort_values(["submitted", "resolved", "street_code"],
                                            ascending=[False, False, True])
left, right = st.columns([2, 3])
with left:
    fig = charts.bars(streets, "street_name", {"submitted": t("orders.series.submitted"),
                                               "resolved": t("orders.series.resolved")},
                      t("orders.chart.by_street"), t("axis.street"), t("unit.times"), horizontal=True)
    st.plotly_chart(ui.figure(fig), key="orders_street_bars", width="stretch")
with right:
    st.dataframe(streets[["street_name", "submitted", "resolved", "resolution_rate", "median_hours"]],
                 hide_index=True, width="stretch", key="orders_street_table")

cats = breakdown("category")
resolved_rows = flows[flows["is_resolved"]]
cats["within_deadline_share"] = ((resolved_rows["hours"] <= resolved_rows["category"].map(deadline))
                                 .groupby(resolved_rows["category"]).mean())
cats = cats.join(deadline)
cats = cats[(cats["submitted"] > 0) | (cats["resolved"] > 0)].reset_index(names="category")
cats = cats.sort_values(["submitted", "resolved", "category"], ascending=[False, False, True])
cats["category_zh"] = cats["category"].map(ORDER_CATEGORY.zh)
left, right = st.columns([1, 2])
with left:
    fig = charts.bars(cats, "category_zh", {"submitted": t("orders.series.submitted"),
                                            "resolved": t("orders.series.resolved")},
                      t("orders.chart.by_category"), t("orders.axis.category"), t("unit.times"), horizontal=True)
    st.plotly_chart(ui.figure(fig), key="orders_category_bars", width="stretch")
with right:
    st.dataframe(cats[["category_zh", "submitted", "resolved", "resolution_rate", "median_hours",
                       "deadline_hours", "within_deadline_share"]],
                 hide_index=True, width="stretch", key="orders_category_table")

st.subheader(t("orders.section.trend"))
months = f.months()
sub = flows[flows["is_submitted"]]
sub_month = sub["submitted_at"].dt.to_period("M").dt.to_timestamp()
monthly = pd.DataFrame(index=months)
monthly["submitted"] = sub.groupby(sub_month).size().reindex(months, fill_value=0)
monthly["resolved"] = (resolved_rows.groupby(resolved_rows["resolved_at"].dt.to_period("M").dt.to_timestamp())
                       .size().reindex(months, fill_value=0))
monthly = monthly.rename_axis("month").reset_index()
fig = charts.bars(monthly, "month", {"submitted": t("orders.series.submitted"),
                                     "resolved": t("orders.series.resolved")},
                  t("orders.chart.by_month"), t("axis.month"), t("unit.times"))
st.plotly_chart(ui.figure(charts.monthly_axis(fig)), key="orders_monthly", width="stretch")

season = (sub.groupby([sub["category"], sub_month]).size().unstack(fill_value=0)
          .reindex(columns=months, fill_value=0))
season = season.loc[season.sum(axis=1).sort_values(ascending=False).index]
season = season.stack().rename("submitted").rename_axis(["category", "month"]).reset_index()
season["category_zh"] = season["category"].map(ORDER_CATEGORY.zh)
fig = charts.heatmap(season, "month", "category_zh", "submitted", t("orders.chart.season"),
                     t("axis.month"), t("orders.axis.category"), t("unit.times"))
st.plotly_chart(ui.figure(charts.monthly_axis(fig)), key="orders_season_heatmap", width="stretch")

st.subheader(t("orders.section.overdue"))
over = open_.assign(age_days=age_days.astype("float64"),
                    deadline_hours=open_["category"].map(deadline).astype("float64"))
over = over[over["age_days"] * 24 > over["deadline_hours"]]
over = over.merge(d["places"][["compound_code", "compound_name", "community_name", "street_name"]],
                  on="compound_code", how="left").sort_values(["submitted_at", "order_id"])
over["age_days"] = over["age_days"].round(1)
over["category_zh"] = over["category"].map(ORDER_CATEGORY.zh)
st.dataframe(over[["order_id", "compound_name", "community_name", "street_name", "category_zh", "submitted_at",
                   "age_days", "deadline_hours", "status"]],
             hide_index=True, width="stretch", key="orders_overdue_table")
