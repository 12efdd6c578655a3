-- 汇总表（不是查询）：全区每个服务类别 × 状态 × 提交日 × 解决日一行（_rollups/orders_daily.parquet，见
-- _rollup_orders.sql）。不按街道细分、也无街道社区筛选时，orders_in(...) 只读它：按日精确，无需原始记录。
-- Rollup (not a query): district-wide, one row per category × status × day submitted × day resolved
-- (_rollups/orders_daily.parquet; see _rollup_orders.sql). With no street or community filter and no
-- breakdown by street, orders_in(...) reads only this: exact to the day, no raw rows needed.
SELECT category, status,
       CAST(submitted_at AS DATE) AS sub_day,
       CAST(resolved_at AS DATE) AS res_day,
       count(*) AS n,
       count(rating) AS rated,
       coalesce(sum(rating), 0) AS rating_sum,
       count(*) FILTER (WHERE rating >= 4) AS rated_4_5
FROM service_orders
GROUP BY ALL
ORDER BY sub_day, res_day, category, status
