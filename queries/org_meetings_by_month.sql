-- 组织建设·每月协商会议：窗口内每个月一行（无会议的月份为 0），范围内物业社（成立日不晚于结束日期）
-- 当月召开的协商会议（次）与会议解决的问题（个）；召开日期在开始、结束日期之间（含两端）。
-- Organisation · meetings by month: one row per month of the window (0 when none), the consultation
-- meetings held by cooperatives in scope (founded on or before $end) and the problems resolved;
-- held_on between $start and $end, inclusive.
WITH co AS (
    SELECT coop_code FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), months AS (
    SELECT month FROM window_months($start, $end)
), mt AS (
    SELECT CAST(date_trunc('month', mt.held_on) AS DATE) AS month,
           count(*) AS meetings, sum(mt.problems_resolved) AS problems_resolved
    FROM meetings mt JOIN co USING (coop_code)
    WHERE mt.held_on BETWEEN $start AND $end
    GROUP BY ALL
)
SELECT months.month,
       coalesce(mt.meetings, 0) AS meetings,
       CAST(coalesce(mt.problems_resolved, 0) AS BIGINT) AS problems_resolved
FROM months LEFT JOIN mt USING (month)
ORDER BY months.month;
