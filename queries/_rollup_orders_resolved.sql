-- 派生表（不是查询）：每张已解决工单一行，按解决时间排序，带街道、社区代码、服务类别、解决日、解决用时（微秒）
-- 和用时名次 value_rank（全部已解决工单按用时从小到大排序后的位置，从 0 数）。coopdash/data/hours.py 读入内存，
-- 据此对任意窗口与范围精确求用时中位数与第 90 百分位数，无需每次排序。由 coopdash/data/rollups.py 写为
-- _rollups/orders_resolved.parquet（见 _rollup_orders.sql）。
-- Derived table (not a query): one row per resolved service order, in order of resolution, with its
-- street office and community codes, category, day resolved, time to resolve (µs) and value_rank (its
-- 0-based position when every resolved order is sorted by time to resolve). coopdash/data/hours.py holds it in
-- memory and answers the exact median and 90th percentile for any window and scope from it without
-- sorting again. Written by coopdash/data/rollups.py as _rollups/orders_resolved.parquet (see
-- _rollup_orders.sql).
WITH resolved AS (
    SELECT o.order_id, o.resolved_at, o.category, cm.street_code, cm.community_code,
           epoch_us(o.resolved_at) - epoch_us(o.submitted_at) AS resolve_us
    FROM service_orders o
    JOIN compounds cp USING (compound_code)
    JOIN communities cm ON cm.community_code = cp.community_code
    WHERE o.status = 'resolved'
)
SELECT CAST(resolved_at AS DATE) AS day, resolve_us,
       CAST(row_number() OVER (ORDER BY resolve_us, order_id) - 1 AS INTEGER) AS value_rank,
       street_code, community_code, category
FROM resolved
ORDER BY resolved_at, order_id
