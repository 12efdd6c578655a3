-- 月度趋势：每月解决的点单服务（次）与清运吨数（吨），窗口内每个月一行（无数据的月份为 0）。
-- Monthly trend: orders resolved and tonnes cleared per month; one row per month of the window.
WITH months AS (
    SELECT month FROM window_months($start, $end)
), o AS (
    SELECT res_month AS month, sum(n) AS orders_resolved
    FROM orders_in($start, $end, $streets, $communities, false) WHERE is_resolved
    GROUP BY ALL
), c AS (
    SELECT month,
           sum(tonnes) FILTER (WHERE waste_type = 'household') AS household_t,
           sum(tonnes) FILTER (WHERE waste_type = 'construction') AS construction_t
    FROM cleanups_in($start, $end, $streets, $communities, false)
    GROUP BY ALL
)
SELECT months.month,
       CAST(coalesce(o.orders_resolved, 0) AS BIGINT) AS orders_resolved,
       coalesce(c.household_t, 0) AS household_t,
       coalesce(c.construction_t, 0) AS construction_t
FROM months
LEFT JOIN o USING (month)
LEFT JOIN c USING (month)
ORDER BY months.month;
