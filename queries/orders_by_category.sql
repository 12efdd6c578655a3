-- 点单服务·分类别：窗口内有提交或解决工单的每个服务类别一行（类别代码；中文名由页面按数据契约
-- ORDER_CATEGORY 显示）。提交、解决、解决率、用时中位数的口径同 orders_by_street；另给该类别的
-- 办结时限 deadline_hours（小时，来自 service_deadlines；满 7 天且为整天数时另给 deadline_days，
-- 页面据此以“天”显示）以及窗口内解决工单中用时 ≤ 时限的比例 within_deadline_share。
-- Service orders by category: one row per category with orders submitted or resolved in the window
-- (the code; the page shows the contract's ORDER_CATEGORY label). submitted, resolved,
-- resolution_rate and median_hours are defined as in orders_by_street; also the category's deadline
-- (deadline_hours from service_deadlines; deadline_days when it is a whole number of days of 7 or
-- more, so the page shows it in days) and within_deadline_share = of the orders resolved in the
-- window, the share with hours to resolve ≤ the deadline. Ordered by submitted, most first.
WITH counts AS (
    SELECT category,
           sum(n) FILTER (WHERE is_submitted) AS submitted,
           sum(n) FILTER (WHERE is_resolved) AS resolved,
           sum(n) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved
    FROM orders_in($start, $end, $streets, $communities, false)
    GROUP BY category
), hours AS (
    SELECT o.category, o.resolve_us
    FROM orders_flat o  -- the orders with their place codes (coopdash/rollups.py)
    WHERE o.resolve_us IS NOT NULL AND o.resolved_at >= $start AND o.resolved_at < CAST($end AS DATE) + 1
      AND (len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], o.street_code))
      AND (len($communities::VARCHAR[]) = 0 OR list_contains($communities::VARCHAR[], o.community_code))
), times AS (
    SELECT h.category,
           quantile_cont(h.resolve_us, 0.5) / 3600e6 AS median_hours,
           count(*) FILTER (WHERE h.resolve_us <= d.hours * 3600e6) AS within_deadline
    FROM hours h LEFT JOIN service_deadlines d USING (category)
    GROUP BY h.category
), agg AS (
    SELECT counts.category,
           CAST(coalesce(counts.submitted, 0) AS BIGINT) AS submitted,
           CAST(coalesce(counts.resolved, 0) AS BIGINT) AS resolved,
           CAST(coalesce(counts.submitted_resolved, 0) AS BIGINT) AS submitted_resolved,
           times.median_hours, times.within_deadline, d.hours AS deadline_hours
    FROM counts
    LEFT JOIN times USING (category)
    LEFT JOIN service_deadlines d USING (category)
)
SELECT category, submitted, resolved, submitted_resolved,
       submitted_resolved / nullif(submitted, 0) AS resolution_rate,
       median_hours,
       within_deadline / nullif(resolved, 0) AS within_deadline_share,
       deadline_hours,
       CASE WHEN deadline_hours >= 168 AND deadline_hours % 24 = 0 THEN deadline_hours / 24 END AS deadline_days
FROM agg
WHERE submitted > 0 OR resolved > 0
ORDER BY submitted DESC, resolved DESC, category;
