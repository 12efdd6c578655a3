-- 所选小区（$compound，须在筛选范围内）在时间窗口内的点单：窗口内提交的工单（含已取消），以及窗口开始前
-- 提交、窗口内仍未办结或在窗口内解决的工单（不含已取消）；均须在结束日期当天结束前提交。
-- open_at_end：截至结束日期当天结束仍未办结（未取消，且未解决或晚于该日解决），与地图的“未办结点单”同一口径。
-- Orders of the chosen compound ($compound, only if in scope) in the window: orders submitted in the
-- window (cancelled included), plus earlier orders still open at the window's start or resolved in it
-- (cancelled excluded); all submitted by the end of $end. open_at_end: still open at the end of
-- $end (not cancelled, not resolved by then), as the map's open-orders count.
SELECT o.order_id, o.category, o.submitted_at, o.resolved_at, o.status, o.rating,
       (o.status <> 'cancelled'
        AND (o.resolved_at IS NULL OR o.resolved_at >= CAST($end AS DATE) + 1)) AS open_at_end
FROM service_orders o
JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE o.compound_code = $compound
  AND o.submitted_at < CAST($end AS DATE) + 1
  AND (o.submitted_at >= $start
       OR (o.status <> 'cancelled' AND (o.resolved_at IS NULL OR o.resolved_at >= $start)))
ORDER BY o.submitted_at, o.order_id;
