-- 点单服务·月度：窗口内每个月一行（无工单的月份为 0）：当月提交的工单数（不含已取消）与当月解决的
-- 工单数（status = 'resolved' 且 resolved_at 在当月、在窗口内）。首末月只计窗口内的天数。
-- Service orders per month, one row per month of the window (zeros kept): orders submitted that month
-- (cancelled excluded) and orders resolved that month (status 'resolved', resolved_at in the month).
-- The first and last months count only the days inside the window.
WITH o AS (
    SELECT * FROM orders_in($start, $end, $streets, $communities, false) WHERE is_submitted OR is_resolved
), months AS (
    SELECT month FROM window_months($start, $end)
), sub AS (
    SELECT sub_month AS month, sum(n) AS submitted FROM o WHERE is_submitted GROUP BY ALL
), res AS (
    SELECT res_month AS month, sum(n) AS resolved FROM o WHERE is_resolved GROUP BY ALL
)
SELECT months.month,
       CAST(coalesce(sub.submitted, 0) AS BIGINT) AS submitted,
       CAST(coalesce(res.resolved, 0) AS BIGINT) AS resolved
FROM months
LEFT JOIN sub USING (month)
LEFT JOIN res USING (month)
ORDER BY months.month;
