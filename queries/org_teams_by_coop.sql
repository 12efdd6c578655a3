-- 组织建设·四支工作力量（按物业社）：截至窗口末日，范围内每个物业社（成立日不晚于结束日期）各工作组人数与合计（人），
-- 每社每组取结束日期及以前最近一次统计；没有统计的组为 0。
-- Organisation · work teams by cooperative: per cooperative in scope founded on or before $end, the
-- headcount (people) of each team and in total, each the latest count on or before $end (0 if none).
WITH co AS (
    SELECT coop_code, coop_name, community_name
    FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), latest AS (
    SELECT w.coop_code, w.team, w.headcount
    FROM work_teams w JOIN co USING (coop_code)
    WHERE w.as_of <= $end
    QUALIFY row_number() OVER (PARTITION BY w.coop_code, w.team ORDER BY w.as_of DESC) = 1
)
SELECT co.coop_code, co.coop_name, co.community_name,
       CAST(coalesce(sum(latest.headcount) FILTER (WHERE latest.team = 'coordination'), 0) AS BIGINT) AS coordination,
       CAST(coalesce(sum(latest.headcount) FILTER (WHERE latest.team = 'property'), 0) AS BIGINT) AS property,
       CAST(coalesce(sum(latest.headcount) FILTER (WHERE latest.team = 'volunteer'), 0) AS BIGINT) AS volunteer,
       CAST(coalesce(sum(latest.headcount) FILTER (WHERE latest.team = 'supervision'), 0) AS BIGINT) AS supervision,
       CAST(coalesce(sum(latest.headcount), 0) AS BIGINT) AS total
FROM co LEFT JOIN latest USING (coop_code)
GROUP BY ALL
ORDER BY co.coop_code;
