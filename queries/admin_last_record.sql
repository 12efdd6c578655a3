-- 各物业社（社区）最近一条记录的日期（点单、清运、修缮、会议），以及本月（$month_start 起）是否已有记录。
-- Per cooperative (community) in scope: the date of its latest record (orders, cleanups, repairs,
-- meetings) and whether it has any record dated on or after $month_start ("reported this month").
WITH activity AS (
    SELECT cp.community_code, CAST(o.submitted_at AS DATE) AS day
    FROM service_orders o JOIN compounds cp USING (compound_code)
    UNION ALL
    SELECT cp.community_code, c.done_on FROM cleanups c JOIN compounds cp USING (compound_code)
    UNION ALL
    SELECT cp.community_code, r.done_on FROM repairs r JOIN compounds cp USING (compound_code)
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
