-- 各物业社（社区）最近一条记录的日期（点单、清运、修缮、会议），以及本月（$month_start 起）是否已有记录。
-- Per cooperative (community) in scope: the date of its latest record (orders, cleanups, repairs,
-- meetings) and whether it has any record dated on or after $month_start ("reported this month").
WITH activity AS (
    SELECT community_code, max(last_submitted_day) AS day FROM rollup_orders WHERE level = 2 GROUP BY ALL
    UNION ALL
    SELECT community_code, max(last_day) FROM rollup_cleanups WHERE level = 2 GROUP BY ALL
    UNION ALL
    SELECT community_code, max(last_day) FROM rollup_repairs WHERE level = 2 GROUP BY ALL
    UNION ALL
    SELECT co.community_code, m.held_on FROM meetings m JOIN cooperatives co USING (coop_code)
)
SELECT co.street_name, co.community_name, co.coop_name,
       max(a.day) AS last_record,
       coalesce(max(a.day) >= $month_start, false) AS reported_this_month
FROM scoped_coops($streets, $communities) co
LEFT JOIN activity a ON a.community_code = co.community_code
GROUP BY ALL
ORDER BY reported_this_month, last_record NULLS FIRST, co.community_name;
