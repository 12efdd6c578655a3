-- 组织体系：试点社区、物业社、五有达标、成员与党员、工作力量（截至窗口末日），协商会议（窗口内）。
-- Organisation: pilot communities, cooperatives, 五有, members and party members, work-team
-- headcount (all as of the window's end), meetings and problems resolved (within the window).
-- 每个 CTE 只扫描一次；工作力量取每社每组结束日期及以前最近一次统计（(coop_code, team, as_of) 唯一）。
-- One pass per table; the work-team headcount takes each cooperative's latest count per team on or
-- before the end ((coop_code, team, as_of) is the table's key).
WITH co AS (
    SELECT coop_code, has_site AND has_signage AND has_roster AND has_rules AND has_service AS five
    FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), c AS (
    SELECT count(*) AS cooperatives, count(*) FILTER (WHERE five) AS five_standard FROM co
), m AS (
    SELECT count(*) AS members, count(*) FILTER (WHERE m.is_party_member) AS party_members
    FROM coop_members m JOIN co USING (coop_code) WHERE m.joined_on <= $end
), wt AS (
    SELECT coalesce(sum(headcount), 0) AS work_team_headcount
    FROM (SELECT arg_max_null(w.headcount, w.as_of) AS headcount
          FROM work_teams w JOIN co USING (coop_code) WHERE w.as_of <= $end
          GROUP BY w.coop_code, w.team)
), mt AS (
    SELECT count(*) AS meetings, coalesce(sum(mt.problems_resolved), 0) AS problems_resolved
    FROM meetings mt JOIN co USING (coop_code) WHERE mt.held_on BETWEEN $start AND $end
)
SELECT (SELECT count(*) FROM scoped_communities($streets, $communities) WHERE is_pilot) AS pilot_communities,
       c.cooperatives, c.five_standard, m.members, m.party_members, wt.work_team_headcount,
       mt.meetings, mt.problems_resolved, m.party_members / nullif(m.members, 0) AS party_share
FROM c, m, wt, mt;
