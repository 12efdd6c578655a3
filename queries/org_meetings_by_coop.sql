-- 组织建设·各物业社协商会议：窗口内（召开日期在开始、结束日期之间，含两端）范围内每个物业社（成立日不晚于结束日期）
-- 召开的协商会议（次）与会议解决的问题（个）；没有会议的物业社为 0。
-- Organisation · meetings by cooperative: per cooperative in scope founded on or before $end, the
-- consultation meetings held in the window (held_on between $start and $end, inclusive) and the
-- problems they resolved; 0 for a cooperative without meetings.
WITH co AS (
    SELECT coop_code, coop_name, community_name
    FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), mt AS (
    SELECT mt.coop_code, count(*) AS meetings, sum(mt.problems_resolved) AS problems_resolved
    FROM meetings mt JOIN co USING (coop_code)
    WHERE mt.held_on BETWEEN $start AND $end
    GROUP BY mt.coop_code
)
SELECT co.coop_code, co.coop_name, co.community_name,
       coalesce(mt.meetings, 0) AS meetings,
       CAST(coalesce(mt.problems_resolved, 0) AS BIGINT) AS problems_resolved
FROM co LEFT JOIN mt USING (coop_code)
ORDER BY co.coop_code;
