"""Labels of the 点单服务 (service orders) page: sections, KPI cards, charts, table columns."""

LABELS: dict[str, tuple[str, str]] = {
    # units of this page
    "orders.unit.orders": ("件", "orders"),
    "orders.unit.points": ("分", "points"),
    # sections
    "orders.section.handling": ("办理情况", "Handling"),
    "orders.section.backlog": ("未结工单", "Open backlog"),
    "orders.section.satisfaction": ("群众满意度", "Satisfaction"),
    "orders.section.breakdown": ("分街道与分类别", "By street office and category"),
    "orders.section.trend": ("月度趋势与季节", "Months and seasons"),
    "orders.section.overdue": ("超期未结工单", "Overdue open orders"),
    # KPI cards
    "orders.kpi.resolved": ("解决点单", "Orders resolved"),
    "orders.kpi.resolution_rate": ("点单解决率", "Resolution rate"),
    "orders.kpi.median_hours": ("解决用时中位数", "Median time to resolve"),
    "orders.kpi.p90_hours": ("九成工单解决用时", "Time to resolve, 90th percentile"),
    "orders.kpi.within_deadline": ("时限内办结占比", "Resolved within deadline"),
    "orders.kpi.backlog": ("未结工单数", "Open orders"),
    "orders.kpi.backlog_median_age": ("未结等待中位数", "Open orders' median age"),
    "orders.kpi.backlog_oldest": ("最久未结已等待", "Oldest open order's age"),
    "orders.kpi.mean_rating": ("平均满意度评分", "Mean rating"),
    "orders.kpi.share_4_5": ("评4–5分占比", "Rated 4–5"),
    "orders.kpi.rated": ("参与评价的工单", "Orders rated"),
    # card help: the definitions
    "orders.help.resolved": ("所选时间内解决的点单（解决时间在范围内）",
                             "Orders resolved within the chosen dates"),
    "orders.help.resolution_rate": ("所选时间内提交的工单（不含已取消）中，截至结束日期已解决的比例",
                                    "Of orders submitted in the window (cancelled excluded), the share "
                                    "resolved by its end"),
    "orders.help.median_hours": ("所选时间内解决的工单，从点单到解决的小时数的中位数",
                                 "Median hours from submission to resolution, orders resolved in the window"),
    "orders.help.p90_hours": ("所选时间内解决的工单中，90% 在此小时数内解决（第90百分位，线性插值）",
                              "90% of the orders resolved in the window took at most this many hours "
                              "(linear interpolation)"),
    "orders.help.within_deadline": ("所选时间内解决的工单中，用时不超过本类别办结时限的比例",
                                    "Of orders resolved in the window, the share resolved within their "
                                    "category's deadline"),
    "orders.help.backlog": ("截至结束日期24时已提交、未取消、尚未解决的工单",
                            "Orders submitted, not cancelled and not resolved at the end of the last day"),
    "orders.help.backlog_age": ("截至结束日期24时，未结工单自点单起已等待的天数",
                                "Days since submission of the open orders, at the end of the last day"),
    "orders.help.mean_rating": ("所选时间内解决且有评分的工单的平均评分（1–5分）",
                                "Mean rating (1–5) of orders resolved in the window that were rated"),
    "orders.help.share_4_5": ("所选时间内解决且有评分的工单中，评4分或5分的比例",
                              "Of rated orders resolved in the window, the share rated 4 or 5"),
    "orders.help.rated": ("所选时间内解决的工单中有评分的工单数（未评价的不计入满意度）",
                          "Orders resolved in the window that have a rating (unrated ones are left out)"),
    # charts
    "orders.series.submitted": ("提交", "Submitted"),
    "orders.series.resolved": ("解决", "Resolved"),
    "orders.chart.by_street": ("各街道点单提交与解决（次）", "Orders submitted and resolved by street office (times)"),
    "orders.chart.by_category": ("各类别点单提交与解决（次）", "Orders submitted and resolved by category (times)"),
    "orders.chart.by_month": ("每月点单提交与解决（次）", "Orders submitted and resolved per month (times)"),
    "orders.chart.season": ("各类别每月提交点单（次）", "Orders submitted by category and month (times)"),
    "orders.axis.category": ("服务类别", "Category"),
    "orders.note.submitted": ("“提交”不含已取消的工单；“解决”按解决时间计入月份与范围。",
                              "“Submitted” leaves out cancelled orders; “resolved” counts by the time of "
                              "resolution."),
    # table columns
    "orders.col.street": ("街道", "Street office"),
    "orders.col.category": ("服务类别", "Category"),
    "orders.col.submitted": ("提交（次）", "Submitted"),
    "orders.col.resolved": ("解决（次）", "Resolved"),
    "orders.col.resolution_rate": ("解决率", "Resolution rate"),
    "orders.col.median_hours": ("用时中位数（小时）", "Median hours to resolve"),
    "orders.col.within_deadline": ("时限内办结占比", "Within deadline"),
    "orders.col.deadline": ("办结时限", "Deadline"),
    "orders.col.order_id": ("工单编号", "Order id"),
    "orders.col.compound": ("小区", "Compound"),
    "orders.col.community": ("社区", "Community"),
    "orders.col.submitted_at": ("点单时间", "Submitted at"),
    "orders.col.age_days": ("已等待（天）", "Age (days)"),
    "orders.col.status": ("当前状态", "Current status"),
    # overdue table
    "orders.overdue.caption": ("截至{day}24时仍未解决、且已等待超过本类别办结时限的工单，最早提交的在前。"
                               "“当前状态”为数据中的最新状态，此后才解决的注明解决日期。",
                               "Orders still open at the end of {day} and older than their category's "
                               "deadline, oldest first. The status is the latest in the data; orders "
                               "resolved later show the day."),
    "orders.overdue.none": ("截至{day}24时没有超期未结工单", "No overdue open orders at the end of {day}"),
    "orders.overdue.capped": ("超期未结共 {total} 件，下表列出最早的 {shown} 件", "{total} overdue orders; the oldest {shown} are listed"),
}
