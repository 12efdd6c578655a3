-- 点单服务·分街道：范围内有小区的每个街道一行（无工单为 0）。
--   提交 submitted = 窗口内提交、状态不是“已取消”的工单数；
--   解决 resolved = 窗口内解决的工单数（status = 'resolved' 且 resolved_at 在窗口内，与 kpi_orders 同口径）；
--   解决率 resolution_rate = 窗口内提交（不含已取消）的工单中截至窗口末日已解决的比例（同 kpi_orders），
--     无提交时为空。
-- 各街道的用时中位数由页面从 coopdash/data/hours.py 取得（定义见 orders_hours.sql）。
-- Service orders by street office, one row per street office with compounds in scope (zeros kept):
-- submitted = orders submitted in the window, cancelled excluded; resolved = orders resolved in the
-- window (as kpi_orders); resolution_rate = of those submitted, the share resolved by the window's
-- end (as kpi_orders; null when none submitted). The page takes each street office's median hours to
-- resolve from coopdash/data/hours.py (defined in orders_hours.sql). Ordered by submitted, most first.
WITH streets_in AS (
    SELECT DISTINCT street_code, street_name FROM scoped_communities($streets, $communities)
    WHERE community_code IN (SELECT community_code FROM compounds)
), counts AS (
    SELECT street_code,
           sum(n) FILTER (WHERE is_submitted) AS submitted,
           sum(n) FILTER (WHERE is_resolved) AS resolved,
           sum(n) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved
    FROM orders_in($start, $end, $streets, $communities, true)
    GROUP BY street_code
)
SELECT streets_in.street_code, streets_in.street_name,
       CAST(coalesce(counts.submitted, 0) AS BIGINT) AS submitted,
       CAST(coalesce(counts.resolved, 0) AS BIGINT) AS resolved,
       CAST(coalesce(counts.submitted_resolved, 0) AS BIGINT) AS submitted_resolved,
       coalesce(counts.submitted_resolved, 0) / nullif(counts.submitted, 0) AS resolution_rate
FROM streets_in
LEFT JOIN counts USING (street_code)
ORDER BY submitted DESC, resolved DESC, streets_in.street_code;
