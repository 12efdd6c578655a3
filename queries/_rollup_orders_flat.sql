-- 派生表（不是查询）：每张工单一行，已带街道与社区代码（免去经小区的连接），按提交时间排序。用于
-- orders_in(...) 读取窗口首末不完整月份的原始工单，以及各用时分位数。由 coopdash/rollups.py 写为
-- _rollups/orders_flat.parquet（见 _rollup_orders.sql）。
-- Derived table (not a query): one row per service order with its street office and community codes
-- already on it (no join through compounds), sorted by submission time, in small row groups. Read by
-- orders_in(...) for the raw orders of a window's partial months, and by the time quantiles. Written by
-- coopdash/rollups.py as _rollups/orders_flat.parquet (see _rollup_orders.sql).
SELECT cm.street_code, cm.community_code, o.compound_code, o.category, o.status,
       o.submitted_at, o.resolved_at, o.rating
FROM service_orders o
JOIN compounds cp USING (compound_code)
JOIN communities cm ON cm.community_code = cp.community_code
ORDER BY o.submitted_at, cm.street_code, cm.community_code
