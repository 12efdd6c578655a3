-- 点单服务：窗口内解决的工单数（报道中的“点单服务35次”），以及窗口内提交工单的解决率。
-- Service orders: orders resolved in the window (the article's "35 services"); the resolution rate
-- = of the orders submitted in the window (cancelled excluded), the share resolved by its end.
SELECT
    CAST(coalesce(sum(n) FILTER (WHERE is_resolved), 0) AS BIGINT) AS resolved,
    CAST(coalesce(sum(n) FILTER (WHERE is_submitted), 0) AS BIGINT) AS submitted,
    CAST(coalesce(sum(n) FILTER (WHERE is_submitted AND resolved_by_end), 0) AS BIGINT) AS submitted_resolved,
    submitted_resolved / nullif(submitted, 0) AS resolution_rate
FROM orders_in($start, $end, $streets, $communities, false);
