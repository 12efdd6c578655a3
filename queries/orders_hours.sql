-- 点单服务·办理用时（定义）：窗口内解决的工单（status = 'resolved' 且 resolved_at 在窗口内）在范围内的解决用时
-- （resolved_at − submitted_at，小时），按 $by 分组（'street' 街道，'category' 类别，'' 全区一组；有解决工单的
-- 组才有行）：解决数、中位数、第 90 百分位数，以及在所属类别办结时限内解决的工单数与占比（用时 ≤
-- service_deadlines.hours，来自 config/dashboard.toml；时限按工单所属类别定，按街道分组时亦然）。分位数用
-- quantile_cont：n 个用时从小到大排序，第 p 分位数位于第 (n−1)·p 个（从 0 数）位置，落在两个顺序统计量之间时
-- 线性插值。页面从 coopdash/data/hours.py 的内存索引读同样的数（不必每次排序）；测试保证两者相等。
-- Service orders, hours to resolve (the definition): of the orders resolved in the window (status
-- 'resolved', resolved_at in the window) in scope, grouped by $by ('street', 'category', or '' for one
-- district-wide group; a row per group with resolved orders): how many, the median and 90th percentile of
-- hours to resolve (resolved_at − submitted_at), and how many (and what share) were resolved within their
-- category's deadline (hours ≤ service_deadlines.hours, from config/dashboard.toml; each order against
-- its own category's deadline, by street office too). Quantiles use quantile_cont: with the n values sorted, the
-- p-quantile sits at 0-based position (n − 1)·p, linearly interpolated between the two neighbouring order
-- statistics. The pages read the same figures from coopdash/data/hours.py's in-memory index (no sort per
-- window); tests hold the two equal.
WITH resolved AS (
    SELECT CASE $by WHEN 'street' THEN o.street_code WHEN 'category' THEN o.category ELSE '' END AS code,
           o.category, o.resolve_us
    FROM orders_flat o  -- the orders with their place codes (coopdash/data/rollups.py)
    WHERE o.resolve_us IS NOT NULL  -- resolved
      AND o.resolved_at >= $start AND o.resolved_at < CAST($end AS DATE) + 1
      AND (len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], o.street_code))
      AND (len($communities::VARCHAR[]) = 0 OR list_contains($communities::VARCHAR[], o.community_code))
), agg AS (
    SELECT r.code, count(*) AS resolved,
           quantile_cont(r.resolve_us, [0.5, 0.9]) AS q,
           count(*) FILTER (WHERE r.resolve_us <= d.hours * 3600e6) AS within_deadline
    FROM resolved r
    LEFT JOIN service_deadlines d USING (category)
    GROUP BY r.code
)
SELECT code, resolved, q[1] / 3600e6 AS median_hours, q[2] / 3600e6 AS p90_hours, within_deadline,
       within_deadline / resolved AS within_deadline_share
FROM agg
ORDER BY code;
