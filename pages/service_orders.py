"""点单服务 — service orders: resolution, time to resolve, backlog, satisfaction, by street office and
category, months and seasons, and the overdue open orders as of the window's end."""

import pandas as pd
import streamlit as st

from coopdash.app import cache, charts, compare, ui
from coopdash.app.sidebar import current
from coopdash.data import hours
from coopdash.data.contract import ORDER_CATEGORY, ORDER_STATUS
from coopdash.i18n import fmt
from coopdash.i18n.labels import per_value, t

f = current()
p = f.params()
HANDLING = ["orders_resolved", "resolution_rate", "median_hours", "p90_hours", "within_deadline_share"]
BACKLOG = ["open_orders", "backlog_median_age", "backlog_oldest"]
SATISFACTION = ["mean_rating", "share_4_5", "rated"]
# the cards are metrics (coopdash/data/metrics.py): each family's windows (the window, 环比, 同比; the backlog
# at the previous period's end) in one statement; the hours to resolve from coopdash/data/hours.py
fig = compare.figures(f, HANDLING + BACKLOG + SATISFACTION)
# the page's other queries at once (side by side)
(by_street, by_category, monthly, season, overdue) = cache.run_many(
    ["orders_by_street", "orders_by_category", "orders_monthly", "orders_category_month", "orders_overdue"], **p)
times = cache.hours_summary(**p)  # district-wide, per category and per street office
orders = fig.row("kpi_orders")

has_flows = orders["submitted"] + orders["resolved"] > 0
has_anything = has_flows or fig.value("open_orders") > 0


category_label, status_label = per_value(ORDER_CATEGORY.label), per_value(ORDER_STATUS.label)


def deadline_text(frame: pd.DataFrame) -> list[str]:
    """A category's deadline as the query gives it: in days when deadline_days is set, else in hours."""
    days_unit, hours_unit, number = t("unit.days"), t("unit.hours"), per_value(fmt.number)
    return [f"{number(days)} {days_unit}" if pd.notna(days) else f"{number(hours)} {hours_unit}"
            for hours, days in zip(frame["deadline_hours"], frame["deadline_days"])]


ui.header("page.orders")
PER_ROW = 5

ui.section("orders.section.handling")
ui.cards(compare.cards(fig, HANDLING, labels={"orders_resolved": "orders.kpi.resolved",
                                              "resolution_rate": "orders.kpi.resolution_rate"},
                       helps={"orders_resolved": "orders.help.resolved",
                              "resolution_rate": "orders.help.resolution_rate"}), per_row=PER_ROW)

ui.section("orders.section.backlog")
ui.cards(compare.cards(fig, BACKLOG), per_row=PER_ROW)

ui.section("orders.section.satisfaction")
ui.cards(compare.cards(fig, SATISFACTION), per_row=PER_ROW)

st.divider()
ui.section("orders.section.breakdown")
if not has_flows:
    ui.empty()
else:
    streets = hours.attach(by_street, times["street"], "street_code")
    left, right = st.columns([2, 3])
    with left:
        fig = charts.bars(streets, "street_name", {"submitted": t("orders.series.submitted"),
                                                   "resolved": t("orders.series.resolved")},
                          t("orders.chart.by_street"), t("axis.street"), t("unit.times"), horizontal=True)
        ui.chart(fig, "orders_street_bars")
    with right:
        ui.table(streets, {"street_name": (t("orders.col.street"), "text"),
                           "submitted": (t("orders.col.submitted"), "int"),
                           "resolved": (t("orders.col.resolved"), "int"),
                           "resolution_rate": (t("orders.col.resolution_rate"), "percent"),
                           "median_hours": (t("orders.col.median_hours"), "float1")},
                 key="orders_street_table", phone=["street_name", "resolved", "resolution_rate"])

    categories = hours.attach(by_category, times["category"], "category")
    categories = categories.assign(category_zh=categories["category"].map(category_label),
                                   deadline=deadline_text(categories))
    left, right = st.columns([1, 2])
    with left:
        fig = charts.bars(categories, "category_zh", {"submitted": t("orders.series.submitted"),
                                                      "resolved": t("orders.series.resolved")},
                          t("orders.chart.by_category"), t("orders.axis.category"), t("unit.times"),
                          horizontal=True)
        ui.chart(fig, "orders_category_bars")
    with right:
        ui.table(categories, {"category_zh": (t("orders.col.category"), "text"),
                              "submitted": (t("orders.col.submitted"), "int"),
                              "resolved": (t("orders.col.resolved"), "int"),
                              "resolution_rate": (t("orders.col.resolution_rate"), "percent"),
                              "median_hours": (t("orders.col.median_hours"), "float1"),
                              "deadline": (t("orders.col.deadline"), "text"),
                              "within_deadline_share": (t("orders.col.within_deadline"), "percent")},
                 key="orders_category_table", phone=["category_zh", "resolved", "resolution_rate"])
    st.caption(t("orders.note.submitted"))

ui.section("orders.section.trend")
if not has_flows:
    ui.empty()
else:
    fig = charts.bars(monthly, "month", {"submitted": t("orders.series.submitted"),
                                         "resolved": t("orders.series.resolved")},
                      t("orders.chart.by_month"), t("axis.month"), t("unit.times"))
    ui.chart(charts.monthly_axis(fig), "orders_monthly")

    if season.empty:  # resolutions only: nothing was submitted in the window
        st.markdown(f"**{t('orders.chart.season')}**")
        ui.empty()
    else:
        season = season.assign(category_zh=season["category"].map(category_label))
        fig = charts.heatmap(season, "month", "category_zh", "submitted", t("orders.chart.season"),
                             t("axis.month"), t("orders.axis.category"), t("unit.times"))
        ui.chart(charts.monthly_axis(fig), "orders_season_heatmap")

ui.section("orders.section.overdue")
day = fmt.date(f.end)
if not has_anything:
    ui.empty()
elif overdue.empty:
    st.info(t("orders.overdue.none", day=day))
else:
    st.caption(t("orders.overdue.caption", day=day))
    total = int(overdue["overdue_total"].iloc[0])
    if total > len(overdue):
        st.warning(t("orders.overdue.capped", total=fmt.number(total), shown=fmt.number(len(overdue))))
    # the current status; an order resolved after the window's end also shows the day it was resolved
    date = per_value(fmt.date)
    status = [status_label(code) + (f"（{date(later.date())}）" if pd.notna(later) else "")
              for code, later in zip(overdue["status"], overdue["resolved_at"])]
    overdue = overdue.assign(category_zh=overdue["category"].map(category_label), status_zh=status,
                             deadline=deadline_text(overdue))
    ui.table(overdue, {"order_id": (t("orders.col.order_id"), "text"),
                       "compound_name": (t("orders.col.compound"), "text"),
                       "community_name": (t("orders.col.community"), "text"),
                       "street_name": (t("orders.col.street"), "text"),
                       "category_zh": (t("orders.col.category"), "text"),
                       "submitted_at": (t("orders.col.submitted_at"), "datetime"),
                       "age_days": (t("orders.col.age_days"), "float1"),
                       "deadline": (t("orders.col.deadline"), "text"),
                       "status_zh": (t("orders.col.status"), "text")},
             key="orders_overdue_table", phone=["compound_name", "category_zh", "age_days"])
