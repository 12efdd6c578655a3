-- 月度趋势：每月解决的点单服务（次）与清运吨数（吨），窗口内每个月一行（无数据的月份为 0）。
-- Monthly trend: orders resolved and tonnes cleared per month; one row per month of the window.
WITH s AS (
    SELECT compound_code FROM scoped_compounds($streets, $communities)
), months AS (
    SELECT month FROM window_months($start, $end)
), o AS (
    SELECT CAST(date_trunc('month', resolved_at) AS DATE) AS month, count(*) AS orders_resolved
    FROM service_orders JOIN s USING (compound_code)
    WHERE status = 'resolved' AND resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1
    GROUP BY ALL
), c AS (
    SELECT CAST(date_trunc('month', done_on) AS DATE) AS month,
           sum(tonnes) FILTER (WHERE waste_type = 'household') AS household_t,
           sum(tonnes) FILTER (WHERE waste_type = 'construction') AS construction_t
    FROM cleanups JOIN s USING (compound_code)
    WHERE done_on BETWEEN $start AND $end
    GROUP BY ALL
)
SELECT months.month,
       coalesce(o.orders_resolved, 0) AS orders_resolved,
       coalesce(c.household_t, 0) AS household_t,
       coalesce(c.construction_t, 0) AS construction_t
FROM months
LEFT JOIN o USING (month)
LEFT JOIN c USING (month)
ORDER BY months.month;
