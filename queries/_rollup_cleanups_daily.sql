-- 汇总表（不是查询）：全区每种垃圾类型 × 日一行（_rollups/cleanups_daily.parquet，见 _rollup_orders_daily.sql）。
-- Rollup (not a query): district-wide, one row per waste type × day (see _rollup_orders_daily.sql).
SELECT waste_type, done_on, sum(tonnes) AS tonnes, count(*) AS n
FROM cleanups
GROUP BY ALL
ORDER BY done_on, waste_type
