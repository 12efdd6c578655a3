-- 点单服务·办理用时：窗口内解决的工单（status = 'resolved' 且 resolved_at 在窗口内）的解决用时
-- （resolved_at − submitted_at，小时）的中位数与第 90 百分位数，以及在所属类别办结时限内解决的
-- 工单数与占比（用时 ≤ service_deadlines.hours，时限来自 config/dashboard.toml [service_deadlines]）。
-- 分位数用 quantile_cont：n 个用时从小到大排序，第 p 分位数位于第 (n−1)·p 个（从 0 数）位置，
-- 落在两个顺序统计量之间时线性插值。
-- Service orders, time to resolve: for orders resolved in the window (status 'resolved', resolved_at
-- in the window), the median and 90th percentile of hours to resolve (resolved_at − submitted_at), and
-- how many (and what share) were resolved within their category's deadline (hours ≤
-- service_deadlines.hours, from config/dashboard.toml [service_deadlines]). Quantiles use
-- quantile_cont: with the n values sorted, the p-quantile sits at 0-based position (n − 1)·p, linearly
-- interpolated between the two neighbouring order statistics.
WITH resolved AS (
    SELECT o.category, o.resolve_us
    FROM orders_flat o  -- the orders with their place codes (coopdash/rollups.py)
    WHERE o.resolve_us IS NOT NULL  -- resolved
      AND o.resolved_at >= $start AND o.resolved_at < CAST($end AS DATE) + 1
      AND (len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], o.street_code))
      AND (len($communities::VARCHAR[]) = 0 OR list_contains($communities::VARCHAR[], o.community_code))
)
-- both quantiles from one list-valued aggregate: one copy of the values instead of two
, agg AS (
    SELECT count(*) AS resolved,
           quantile_cont(r.resolve_us, [0.5, 0.9]) AS q,
           count(*) FILTER (WHERE r.resolve_us <= d.hours * 3600e6) AS within_deadline
    FROM resolved r
    LEFT JOIN service_deadlines d USING (category)
)
SELECT resolved, q[1] / 3600e6 AS median_hours, q[2] / 3600e6 AS p90_hours, within_deadline,
       within_deadline / nullif(resolved, 0) AS within_deadline_share
FROM agg;
