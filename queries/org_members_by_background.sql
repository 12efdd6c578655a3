-- 组织建设·成员来源与职务：截至窗口末日（加入日期不晚于结束日期）范围内物业社（成立日不晚于结束日期）的成员，
-- 按人员来源分行、按职务分列的人数（人）；只列有成员的来源，人数多者在前。
-- Organisation · member backgrounds and roles: members (joined on or before $end) of the cooperatives
-- in scope founded on or before $end, one row per background with the headcount per role (people);
-- only backgrounds that have members, largest first.
WITH co AS (
    SELECT coop_code FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
)
SELECT m.background,
       count(*) FILTER (WHERE m.role = 'chair') AS chair,
       count(*) FILTER (WHERE m.role = 'vice_chair') AS vice_chair,
       count(*) FILTER (WHERE m.role = 'member') AS member,
       count(*) AS members
FROM coop_members m JOIN co USING (coop_code)
WHERE m.joined_on <= $end
GROUP BY m.background
ORDER BY members DESC, m.background;
