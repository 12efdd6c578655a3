-- 点单服务：窗口内解决的工单数（报道中的“点单服务35次”），以及窗口内提交工单的解决率。
-- Service orders: orders resolved in the window (the article's "35 services"); the resolution rate
-- = of the orders submitted in the window (cancelled excluded), the share resolved by its end.
WITH o AS (
    SELECT o.status, o.submitted_at, o.resolved_at
    FROM service_orders o
    JOIN scoped_compounds($streets, $communities) s USING (compound_code)
    -- only orders submitted or resolved in the window can count; written out so DuckDB can skip
    -- row groups by their min/max (the files are sorted by submitted_at; resolved_at follows it)
    WHERE o.submitted_at < CAST($end AS DATE) + 1 AND (o.submitted_at >= $start OR o.resolved_at >= $start)
)
SELECT
    count(*) FILTER (WHERE status = 'resolved'
                       AND resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1) AS resolved,
    count(*) FILTER (WHERE status <> 'cancelled'
                       AND submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1) AS submitted,
    count(*) FILTER (WHERE status = 'resolved' AND resolved_at < CAST($end AS DATE) + 1
                       AND submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1) AS submitted_resolved,
    submitted_resolved / nullif(submitted, 0) AS resolution_rate
FROM o;
