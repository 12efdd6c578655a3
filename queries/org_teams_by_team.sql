-- 组织建设·四支工作力量（按工作组）：截至窗口末日，范围内物业社（成立日不晚于结束日期）每个工作组的人数（人），
-- 每社每组取结束日期及以前最近一次统计。$teams 为工作组代码表（契约顺序），每组一行，无统计为 0。
-- Organisation · work teams by team: headcount (people) per team as of $end, taking for each
-- cooperative (in scope, founded on or before $end) and team its latest count on or before $end.
-- $teams lists the team codes (contract order); one row per team, 0 when there is no count.
WITH co AS (
    SELECT coop_code FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), latest AS (
    SELECT w.team, w.headcount
    FROM work_teams w JOIN co USING (coop_code)
    WHERE w.as_of <= $end
    QUALIFY row_number() OVER (PARTITION BY w.coop_code, w.team ORDER BY w.as_of DESC) = 1
), teams AS (
    SELECT unnest($teams::VARCHAR[]) AS team
)
SELECT teams.team, CAST(coalesce(sum(latest.headcount), 0) AS BIGINT) AS headcount
FROM teams LEFT JOIN latest USING (team)
GROUP BY teams.team
ORDER BY list_position($teams::VARCHAR[], teams.team);
