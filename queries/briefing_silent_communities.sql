-- 工作简报·本期未报送的社区：范围内截至窗口末日已有共享物业社、而窗口内（开始至结束日期，含两端）没有任何
-- 记录的社区——没有提交或解决的点单、没有清运、没有修缮、物业社没有召开协商会议。按街道、社区代码排序。
-- The briefing's communities that did not report in the window: communities in scope with a cooperative
-- founded on or before $end and no record at all from $start to $end (no order submitted or resolved,
-- no cleanup, no repair, no meeting of their cooperatives). Ordered by street and community code.
WITH active AS (
    SELECT community_code FROM orders_flat
    WHERE (submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1)
       OR (resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1)
    UNION
    SELECT cp.community_code FROM cleanups c JOIN compounds cp USING (compound_code)
    WHERE c.done_on BETWEEN $start AND $end
    UNION
    SELECT cp.community_code FROM repairs r JOIN compounds cp USING (compound_code)
    WHERE r.done_on BETWEEN $start AND $end
    UNION
    SELECT co.community_code FROM meetings m JOIN cooperatives co USING (coop_code)
    WHERE m.held_on BETWEEN $start AND $end
)
SELECT sc.street_code, sc.street_name, sc.community_code, sc.community_name,
       count(co.coop_code) AS cooperatives
FROM scoped_communities($streets, $communities) sc
JOIN cooperatives co ON co.community_code = sc.community_code AND co.founded_on <= $end
WHERE sc.community_code NOT IN (SELECT community_code FROM active WHERE community_code IS NOT NULL)
GROUP BY ALL
ORDER BY sc.street_code, sc.community_code;
