-- 汇总表（不是查询）：每个街道（level 1）及每个社区（level 2）× 修缮类型 × 月份一行，含数量与次数（_rollups/repairs.parquet，见
-- _rollup_orders.sql）。查询经 _macros.sql 的 repairs_in(...) 读取。
-- Rollup (not a query): one row per street office (level 1) and per community (level 2) × repair kind × month with quantity and count
-- (_rollups/repairs.parquet; see _rollup_orders.sql). Queries read it through repairs_in(...).
WITH x AS (
    SELECT cm.street_code, cm.community_code, x.kind, x.done_on, x.quantity,
           CAST(date_trunc('month', x.done_on) AS DATE) AS month
    FROM repairs x
    JOIN compounds cp USING (compound_code)
    JOIN communities cm ON cm.community_code = cp.community_code
)
SELECT CAST(CASE WHEN grouping(community_code) = 1 THEN 1 ELSE 2 END AS TINYINT) AS level,
       street_code, community_code, kind, month,
       sum(quantity) AS quantity,
       count(*) AS n,
       min(done_on) AS first_day,
       max(done_on) AS last_day
FROM x
GROUP BY GROUPING SETS ((street_code, kind, month), (street_code, community_code, kind, month))
ORDER BY level, street_code, community_code, month, kind
