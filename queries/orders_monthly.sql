-- 点单服务·月度：窗口内每个月一行（无工单的月份为 0）：当月提交的工单数（不含已取消）与当月解决的
-- 工单数（status = 'resolved' 且 resolved_at 在当月、在窗口内）。首末月只计窗口内的天数。
-- Service orders per month, one row per month of the window (zeros kept): orders submitted that month
-- (cancelled excluded) and orders resolved that month (status 'resolved', resolved_at in the month).
-- The first and last months count only the days inside the window.
WITH s AS (
    SELECT compound_code FROM scoped_compounds($streets, $communities)
), months AS (
    SELECT month FROM window_months($start, $end)
), sub AS (
    SELECT CAST(date_trunc('month', submitted_at) AS DATE) AS month, count(*) AS submitted
    FROM service_orders JOIN s USING (compound_code)
    WHERE status <> 'cancelled' AND submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1
    GROUP BY ALL
), res AS (
    SELECT CAST(date_trunc('month', resolved_at) AS DATE) AS month, count(*) AS resolved
    FROM service_orders JOIN s USING (compound_code)
    WHERE status = 'resolved' AND resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1
    GROUP BY ALL
)
SELECT months.month,
       coalesce(sub.submitted, 0) AS submitted,
       coalesce(res.resolved, 0) AS resolved
FROM months
LEFT JOIN sub USING (month)
LEFT JOIN res USING (month)
ORDER BY months.month;
