-- 点单服务·超期未结工单：截至窗口末日 24 时（CAST($end AS DATE) + 1 的零点）未结（口径同
-- orders_backlog：此前提交、未取消、当时尚未解决）且已等待时间超过所属类别办结时限
-- （service_deadlines.hours）的工单，最早提交的在前。工单已等待天数 age_days 保留 1 位小数；
-- 时限 deadline_hours（小时），满 7 天且为整天数时另给 deadline_days（页面以“天”显示）。
-- status 为数据中的当前状态（数据不记录状态历史）；resolved_at 非空表示窗口末日之后才解决。
-- Overdue open orders at the end of the window's last day (midnight of $end + 1): open as in
-- orders_backlog (submitted before, not cancelled, not resolved by then) and older than their
-- category's deadline (service_deadlines.hours); oldest first. age_days is rounded to 1 decimal;
-- deadline_hours, plus deadline_days when a whole number of days of 7 or more (shown in days).
-- status is the order's current status (the data keeps no status history); a non-null resolved_at
-- means it was resolved after the window's end. At most the 500 oldest rows; overdue_total is the count.
-- NOT MATERIALIZED: the count reads the narrow columns alone, and the 500 oldest are found by a top-N
-- whose running cut-off skips the row groups of newer orders, so few order ids are read.
WITH overdue AS NOT MATERIALIZED (
    SELECT o.order_id, o.compound_code, o.category, o.submitted_at, o.resolved_at, o.status,
           (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 AS age_hours,
           d.hours AS deadline_hours
    FROM orders_open_at($end, $streets, $communities) o
    JOIN service_deadlines d USING (category)
    WHERE (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 > d.hours
), oldest AS (
    SELECT * FROM overdue
    ORDER BY submitted_at, order_id
    LIMIT 500  -- a reading list, not an export: the 500 oldest; overdue_total says how many there are
), total AS (
    SELECT count(*) AS overdue_total FROM overdue
)
SELECT od.order_id, p.compound_name, p.community_name, p.street_name, od.category, od.submitted_at,
       round(od.age_hours / 24, 1) AS age_days,
       od.deadline_hours,
       CASE WHEN od.deadline_hours >= 168 AND od.deadline_hours % 24 = 0 THEN od.deadline_hours / 24 END AS deadline_days,
       od.status, od.resolved_at, total.overdue_total
FROM oldest od
CROSS JOIN total
JOIN place_names p USING (compound_code)
ORDER BY od.submitted_at, od.order_id;
