-- 汇总表（不是查询）：每个街道（level 1）及每个社区（level 2）× 垃圾类型 × 月份一行，含吨数与次数（_rollups/cleanups.parquet，见
-- _rollup_orders.sql）。查询经 _macros.sql 的 cleanups_in(...) 读取。
-- Rollup (not a query): one row per street office (level 1) and per community (level 2) × waste type × month with tonnes and count
-- (_rollups/cleanups.parquet; see _rollup_orders.sql). Queries read it through cleanups_in(...).
WITH x AS (
    SELECT cm.street_code, cm.community_code, x.waste_type, x.done_on, x.tonnes,
           CAST(date_trunc('month', x.done_on) AS DATE) AS month
    FROM cleanups x
    JOIN compounds cp USING (compound_code)
    JOIN communities cm ON cm.community_code = cp.community_code
)
SELECT CAST(CASE WHEN grouping(community_code) = 1 THEN 1 ELSE 2 END AS TINYINT) AS level,
       street_code, community_code, waste_type, month,
       sum(tonnes) AS tonnes,
       count(*) AS n,
       min(done_on) AS first_day,
       max(done_on) AS last_day
FROM x
GROUP BY GROUPING SETS ((street_code, waste_type, month), (street_code, community_code, waste_type, month))
ORDER BY level, street_code, community_code, month, waste_type
