-- 点单服务·超期未结工单清单的取数查询（页面经 coopdash/data/places.py 调用）：orders_overdue 的同一份清单，只读提交时刻在 [$from, $until] 内的工单。
-- coopdash/data/places.py 先在内存中找出截至 $end 的全部超期未结工单，算出总数 $total 与最早 500 张的提交时刻范围，
-- 再用本查询取这些工单的编号与名称，只读涉及的月份文件。结果与 orders_overdue 相同（测试保证）。
-- The overdue list as 点单服务 reads it (through coopdash/data/places.py): orders_overdue's list, reading only the orders submitted from $from to $until.
-- coopdash/data/places.py finds every overdue open order at $end in memory, counts them ($total) and takes
-- the submitted moments of the 500 oldest; this query then reads those orders' ids and names from the month
-- files that hold them. Its rows equal orders_overdue's (tests hold them equal); orders_overdue.sql is the
-- definition.
WITH oldest AS (
    SELECT o.order_id, o.compound_code, o.category, o.submitted_at, o.resolved_at, o.status,
           (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 AS age_hours,
           d.hours AS deadline_hours
    FROM orders_open_at($end, $streets, $communities, from_ts := $from, until_ts := $until) o
    JOIN service_deadlines d USING (category)
    WHERE (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 > d.hours
    ORDER BY o.submitted_at, o.order_id
    LIMIT 500
)
SELECT od.order_id, p.compound_name, p.community_name, p.street_name, od.category, od.submitted_at,
       round(od.age_hours / 24, 1) AS age_days,
       od.deadline_hours,
       CASE WHEN od.deadline_hours >= 168 AND od.deadline_hours % 24 = 0 THEN od.deadline_hours / 24 END AS deadline_days,
       od.status, od.resolved_at, CAST($total AS BIGINT) AS overdue_total
FROM oldest od
JOIN place_names p USING (compound_code)
ORDER BY od.submitted_at, od.order_id;
