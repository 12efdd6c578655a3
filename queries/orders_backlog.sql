-- 点单服务·未结工单：截至窗口末日 24 时（CAST($end AS DATE) + 1 的零点）仍未解决的工单数、
-- 工单已等待天数的中位数与最大值。未结 = 在该时刻之前提交、状态不是“已取消”、且当时尚未解决
-- （resolved_at 为空或不早于该时刻）。窗口开始日不限制未结工单（更早提交的未结工单也计入）。
-- 中位数用 quantile_cont(…, 0.5)：两个中间值的平均（顺序统计量之间线性插值）。
-- 数据不记录取消时间，已取消工单一律不计。
-- Service orders, open backlog at the end of the window's last day (midnight of $end + 1): orders
-- submitted before that moment, not cancelled, and not resolved by then (resolved_at null or at/after
-- it); their count, and their age in days at that moment (median, oldest). The window's start does not
-- limit the backlog. Median = quantile_cont(…, 0.5): linear interpolation between order statistics
-- (the mean of the two middle values for an even count). Cancelled orders never count (no cancel time).
WITH open_orders AS (
    SELECT (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 86400 AS age_days
    FROM orders_open_at($end, $streets, $communities) o
)
SELECT count(*) AS open_orders,
       quantile_cont(age_days, 0.5) AS median_age_days,
       max(age_days) AS oldest_age_days
FROM open_orders;
