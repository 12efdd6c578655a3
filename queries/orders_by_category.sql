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
WITH o AS (
    SELECT o.category,
           o.status <> 'cancelled'
               AND o.submitted_at >= $start AND o.submitted_at < CAST($end AS DATE) + 1 AS is_submitted,
           o.status = 'resolved'
               AND o.resolved_at >= $start AND o.resolved_at < CAST($end AS DATE) + 1 AS is_resolved,
           o.status = 'resolved' AND o.resolved_at < CAST($end AS DATE) + 1 AS resolved_by_end,
           (epoch(o.resolved_at) - epoch(o.submitted_at)) / 3600 AS hours
    FROM service_orders o
    JOIN scoped_compounds($streets, $communities) s USING (compound_code)
    -- only orders submitted or resolved in the window can count; written out so DuckDB can skip
    -- row groups by their min/max (the files are sorted by submitted_at; resolved_at follows it)
    WHERE o.submitted_at < CAST($end AS DATE) + 1 AND (o.submitted_at >= $start OR o.resolved_at >= $start)
), agg AS (
    SELECT o.category,
           count(*) FILTER (WHERE is_submitted) AS submitted,
           count(*) FILTER (WHERE is_resolved) AS resolved,
           count(*) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved,
           quantile_cont(o.hours, 0.5) FILTER (WHERE is_resolved) AS median_hours,
           count(*) FILTER (WHERE is_resolved AND o.hours <= d.hours) AS within_deadline,
           any_value(d.hours) AS deadline_hours
    FROM o LEFT JOIN service_deadlines d USING (category)
    GROUP BY o.category
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
