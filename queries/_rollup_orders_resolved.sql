-- 派生表（不是查询）：每张已解决工单一行，按解决日（日内按用时等各列）排序，带街道、社区代码、服务类别、解决日、
-- 解决用时（微秒）和提交月 sub_month（发布时只重算本批次涉及的提交月）。coopdash/data/hours.py 读入内存、载入时按用时
-- 排出名次，据此对任意窗口与范围精确求用时中位数与第 90 百分位数，无需每次排序。由 coopdash/data/rollups.py 写为
-- _rollups/orders_resolved.parquet（见 _rollup_orders.sql）。
-- Derived table (not a query): one row per resolved service order, in order of the day resolved (within a day,
-- by time to resolve and the other columns), with its street office and community codes, category, day
-- resolved, time to resolve (µs) and month submitted (sub_month: a publish recomputes only the months submitted
-- its batch touched). coopdash/data/hours.py holds it in memory, ranks it by time to resolve when it loads, and
-- answers the exact median and 90th percentile for any window and scope from it without sorting again. Written
-- by coopdash/data/rollups.py as _rollups/orders_resolved.parquet (see _rollup_orders.sql).
WITH resolved AS (
    SELECT o.resolved_at, o.category, cm.street_code, cm.community_code,
           epoch_us(o.resolved_at) - epoch_us(o.submitted_at) AS resolve_us,
           CAST(date_trunc('month', o.submitted_at) AS DATE) AS sub_month
    FROM service_orders o
    JOIN compounds cp USING (compound_code)
    JOIN communities cm ON cm.community_code = cp.community_code
    WHERE o.status = 'resolved'
)
SELECT CAST(resolved_at AS DATE) AS day, resolve_us, street_code, community_code, category, sub_month
FROM resolved
ORDER BY day, resolve_us, street_code, community_code, category, sub_month
