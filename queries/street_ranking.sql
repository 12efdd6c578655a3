-- 街道考核（红黑榜）的各项指标：范围内有小区的每个街道一行。
--   提交 submitted、解决率 resolution_rate：同 orders_by_street / kpi_orders（窗口内提交、不含已取消的工单中
--     截至窗口末日已解决的比例）；
--   满意度 mean_rating：窗口内解决且有评分的工单的平均评分（1–5 分，同 orders_satisfaction），rated 为评价数；
--   户数 households：街道范围内小区、单体楼的户数合计；orders_per_1000 = 提交数 ÷ 户数 × 1000；
--   超期未结 overdue：截至窗口末日 24 时未结且已超过所属类别办结时限的工单数（同 orders_overdue 的 overdue_total）。
-- 办结时限内解决的占比来自 coopdash/data/hours.py（定义见 orders_hours.sql），综合得分由 coopdash/data/ranking.py
-- 按 config/dashboard.toml 的 [ranking] 权重计算。
-- The street-office ranking's indicators, one row per street office with compounds in scope:
-- submitted and resolution_rate as orders_by_street / kpi_orders; mean_rating as orders_satisfaction
-- (rated: how many ratings); households of the street's compounds and orders_per_1000 (submitted per
-- 1,000 households); overdue: open at the end of the window's last day and past the category's deadline
-- (as orders_overdue's overdue_total). The share within the deadline comes from coopdash/data/hours.py
-- (defined in orders_hours.sql); coopdash/data/ranking.py scores them with the [ranking] weights.
WITH streets_in AS (
    SELECT DISTINCT street_code, street_name FROM scoped_communities($streets, $communities)
    WHERE community_code IN (SELECT community_code FROM compounds)
), counts AS (
    SELECT street_code,
           sum(n) FILTER (WHERE is_submitted) AS submitted,
           sum(n) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved,
           sum(rated) FILTER (WHERE is_resolved) AS rated,
           sum(rating_sum) FILTER (WHERE is_resolved) AS rating_sum
    FROM orders_in($start, $end, $streets, $communities, true)
    GROUP BY street_code
), homes AS (
    SELECT street_code, sum(households) AS households
    FROM scoped_compounds($streets, $communities) GROUP BY street_code
), overdue AS (
    SELECT o.street_code, count(*) AS overdue
    FROM orders_open_at($end, $streets, $communities) o
    JOIN service_deadlines d USING (category)
    WHERE (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 > d.hours
    GROUP BY o.street_code
)
SELECT s.street_code, s.street_name,
       CAST(coalesce(c.submitted, 0) AS BIGINT) AS submitted,
       CAST(coalesce(c.submitted_resolved, 0) AS BIGINT) AS submitted_resolved,
       coalesce(c.submitted_resolved, 0) / nullif(c.submitted, 0) AS resolution_rate,
       CAST(coalesce(c.rated, 0) AS BIGINT) AS rated,
       c.rating_sum / nullif(c.rated, 0) AS mean_rating,
       CAST(coalesce(h.households, 0) AS BIGINT) AS households,
       coalesce(c.submitted, 0) * 1000.0 / nullif(h.households, 0) AS orders_per_1000,
       CAST(coalesce(od.overdue, 0) AS BIGINT) AS overdue
FROM streets_in s
LEFT JOIN counts c USING (street_code)
LEFT JOIN homes h USING (street_code)
LEFT JOIN overdue od USING (street_code)
ORDER BY s.street_code;
