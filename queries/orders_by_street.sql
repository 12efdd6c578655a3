-- 点单服务·分街道：范围内有小区的每个街道一行（无工单为 0）。
--   提交 submitted = 窗口内提交、状态不是“已取消”的工单数；
--   解决 resolved = 窗口内解决的工单数（status = 'resolved' 且 resolved_at 在窗口内，与 kpi_orders 同口径）；
--   解决率 resolution_rate = 窗口内提交（不含已取消）的工单中截至窗口末日已解决的比例（同 kpi_orders），
--     无提交时为空；
--   用时中位数 median_hours = 窗口内解决工单的解决用时（小时）中位数，quantile_cont(…, 0.5) 线性插值。
-- Service orders by street office, one row per street office with compounds in scope (zeros kept):
-- submitted = orders submitted in the window, cancelled excluded; resolved = orders resolved in the
-- window (as kpi_orders); resolution_rate = of those submitted, the share resolved by the window's
-- end (as kpi_orders; null when none submitted); median_hours = median hours to resolve of the orders
-- resolved in the window (quantile_cont, linear interpolation). Ordered by submitted, most first.
WITH s AS (
    SELECT compound_code, street_code, street_name FROM scoped_compounds($streets, $communities)
), streets_in AS (
    SELECT DISTINCT street_code, street_name FROM s
), o AS (
    SELECT s.street_code,
           o.status <> 'cancelled'
               AND o.submitted_at >= $start AND o.submitted_at < CAST($end AS DATE) + 1 AS is_submitted,
           o.status = 'resolved'
               AND o.resolved_at >= $start AND o.resolved_at < CAST($end AS DATE) + 1 AS is_resolved,
           o.status = 'resolved' AND o.resolved_at < CAST($end AS DATE) + 1 AS resolved_by_end,
           (epoch(o.resolved_at) - epoch(o.submitted_at)) / 3600 AS hours
    FROM service_orders o JOIN s USING (compound_code)
    -- only orders submitted or resolved in the window can count; written out so DuckDB can skip
    -- row groups by their min/max (the files are sorted by submitted_at; resolved_at follows it)
    WHERE o.submitted_at < CAST($end AS DATE) + 1 AND (o.submitted_at >= $start OR o.resolved_at >= $start)
), agg AS (
    SELECT street_code,
           count(*) FILTER (WHERE is_submitted) AS submitted,
           count(*) FILTER (WHERE is_resolved) AS resolved,
           count(*) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved,
           quantile_cont(hours, 0.5) FILTER (WHERE is_resolved) AS median_hours
    FROM o GROUP BY street_code
)
SELECT streets_in.street_code, streets_in.street_name,
       coalesce(agg.submitted, 0) AS submitted,
       coalesce(agg.resolved, 0) AS resolved,
       coalesce(agg.submitted_resolved, 0) AS submitted_resolved,
       agg.submitted_resolved / nullif(agg.submitted, 0) AS resolution_rate,
       agg.median_hours
FROM streets_in
LEFT JOIN agg USING (street_code)
ORDER BY submitted DESC, resolved DESC, streets_in.street_code;
