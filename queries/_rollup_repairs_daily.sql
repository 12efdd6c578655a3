-- 汇总表（不是查询）：全区每种修缮类型 × 日一行（_rollups/repairs_daily.parquet，见 _rollup_orders_daily.sql）。
-- Rollup (not a query): district-wide, one row per repair kind × day (see _rollup_orders_daily.sql).
SELECT kind, done_on, sum(quantity) AS quantity, count(*) AS n
FROM repairs
GROUP BY ALL
ORDER BY done_on, kind
