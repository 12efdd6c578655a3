-- 汇总表（不是查询）：每个街道（level 1）及每个社区（level 2）× 服务类别 × 状态 × 提交月 × 解决月一行，
-- 以及每个街道 × 状态 × 月份（不分类别，level 3），
-- 含工单数与评分。由
-- coopdash/data/rollups.py 在写数据集时（导入、演示、城市规模生成）生成为 _rollups/orders.parquet；
-- 缺少或与数据不符时在连接时于内存中重建。查询经 _macros.sql 的 orders_in(...) 读取它。
-- Rollup (not a query): one row per street office (level 1) and per community (level 2) × category ×
-- status × month submitted × month resolved, and per street office × status × months without the category
-- (level 3), with counts and ratings. A query reads one level (the file is sorted by level, so the others
-- are skipped): level 2 with a community filter, level 1 with a street filter, level 3 for a breakdown by
-- street office of the whole district (at 10 M orders: 1.6 M, 389 k and 41 k rows). Written by coopdash/data/rollups.py whenever a dataset is written (ingest, demo,
-- citygen) as _rollups/orders.parquet, rebuilt in memory at connect when missing or stale. Queries read
-- it through orders_in(...) in _macros.sql.
WITH o AS (
    SELECT cm.street_code, cm.community_code, o.category, o.status,
           CAST(date_trunc('month', o.submitted_at) AS DATE) AS sub_month,
           CAST(date_trunc('month', o.resolved_at) AS DATE) AS res_month,
           o.rating, CAST(o.submitted_at AS DATE) AS sub_day,
           CAST(coalesce(o.resolved_at, o.submitted_at) AS DATE) AS any_day
    FROM service_orders o
    JOIN compounds cp USING (compound_code)
    JOIN communities cm ON cm.community_code = cp.community_code
)
SELECT CAST(CASE WHEN grouping(category) = 1 THEN 3 WHEN grouping(community_code) = 1 THEN 1 ELSE 2 END
            AS TINYINT) AS level,
       street_code, community_code, category, status, sub_month, res_month,
       count(*) AS n,
       count(rating) AS rated,
       coalesce(sum(rating), 0) AS rating_sum,
       count(*) FILTER (WHERE rating >= 4) AS rated_4_5,
       max(sub_day) AS last_submitted_day,
       min(sub_day) AS first_day,
       max(any_day) AS last_day
FROM o
GROUP BY GROUPING SETS ((street_code, category, status, sub_month, res_month),
                        (street_code, community_code, category, status, sub_month, res_month),
                        (street_code, status, sub_month, res_month))
ORDER BY level, street_code, community_code, sub_month, res_month, category, status
