-- 派生表（不是查询）：每张工单一行，已带街道与社区代码（免去经小区的连接）和解决用时（微秒，仅已解决）；未办结
-- （pending：未解决也未取消）的工单在前，其余按提交时间排序。用于 orders_in(...) 读取窗口首末不完整月份的
-- 原始工单、各用时分位数、未结与超时工单。由 coopdash/data/rollups.py 写为
-- _rollups/orders_flat.parquet（见 _rollup_orders.sql）。
-- Derived table (not a query): one row per service order with its street office and community codes
-- already on it (no join through compounds) and its time to resolve (µs, resolved orders only); the pending orders (neither
-- resolved nor cancelled) first, the rest by submission time, in small row groups, so a query for a
-- month or for the pending orders skips the other row groups. Read by orders_in(...) for the raw orders
-- of a window's partial months, by the time quantiles, and by the backlog and overdue queries. Written by
-- coopdash/data/rollups.py as _rollups/orders_flat.parquet (see _rollup_orders.sql).
SELECT cm.street_code, cm.community_code, o.compound_code, o.order_id, o.category, o.status,
       o.submitted_at, o.resolved_at, o.rating,
       o.status NOT IN ('resolved', 'cancelled') AS pending,
       -- time to resolve in whole microseconds (exact; integer quantiles are faster than DOUBLE ones)
       CASE WHEN o.status = 'resolved' THEN epoch_us(o.resolved_at) - epoch_us(o.submitted_at) END AS resolve_us
FROM service_orders o
JOIN compounds cp USING (compound_code)
JOIN communities cm ON cm.community_code = cp.community_code
ORDER BY pending DESC, o.submitted_at, o.order_id
