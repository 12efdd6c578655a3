-- 点单服务·分类别：窗口内有提交或解决工单的每个服务类别一行（类别代码；中文名由页面按数据契约
-- ORDER_CATEGORY 显示）。提交、解决、解决率的口径同 orders_by_street；另给该类别的办结时限
-- deadline_hours（小时，来自 service_deadlines；满 7 天且为整天数时另给 deadline_days，页面据此以“天”
-- 显示）。用时中位数与时限内办结占比由页面从 coopdash/data/hours.py 取得（定义见 orders_hours.sql）。
-- Service orders by category: one row per category with orders submitted or resolved in the window
-- (the code; the page shows the contract's ORDER_CATEGORY label). submitted, resolved and
-- resolution_rate are defined as in orders_by_street; also the category's deadline (deadline_hours
-- from service_deadlines; deadline_days when it is a whole number of days of 7 or more, so the page
-- shows it in days). The page takes the median hours to resolve and the share resolved within the
-- deadline from coopdash/data/hours.py (defined in orders_hours.sql). Ordered by submitted, most first.
WITH counts AS (
    SELECT category,
           sum(n) FILTER (WHERE is_submitted) AS submitted,
           sum(n) FILTER (WHERE is_resolved) AS resolved,
           sum(n) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved
    FROM orders_in($start, $end, $streets, $communities, false)
    GROUP BY category
), agg AS (
    SELECT counts.category,
           CAST(coalesce(counts.submitted, 0) AS BIGINT) AS submitted,
           CAST(coalesce(counts.resolved, 0) AS BIGINT) AS resolved,
           CAST(coalesce(counts.submitted_resolved, 0) AS BIGINT) AS submitted_resolved,
           d.hours AS deadline_hours
    FROM counts
    LEFT JOIN service_deadlines d USING (category)
)
SELECT category, submitted, resolved, submitted_resolved,
       submitted_resolved / nullif(submitted, 0) AS resolution_rate,
       deadline_hours,
       CASE WHEN deadline_hours >= 168 AND deadline_hours % 24 = 0 THEN deadline_hours / 24 END AS deadline_days
FROM agg
WHERE submitted > 0 OR resolved > 0
ORDER BY submitted DESC, resolved DESC, category;
