-- 组织体系：试点社区、物业社、五有达标、成员与党员、工作力量（截至窗口末日），协商会议（窗口内）。
-- Organisation: pilot communities, cooperatives, 五有, members and party members, work-team
-- headcount (all as of the window's end), meetings and problems resolved (within the window).
WITH co AS (
    SELECT * FROM scoped_coops($streets, $communities) WHERE founded_on <= $end
), m AS (
    SELECT m.is_party_member FROM coop_members m JOIN co USING (coop_code) WHERE m.joined_on <= $end
), wt AS (
    SELECT w.headcount FROM work_teams w JOIN co USING (coop_code)
    WHERE w.as_of <= $end
    QUALIFY row_number() OVER (PARTITION BY w.coop_code, w.team ORDER BY w.as_of DESC) = 1
), mt AS (
    SELECT mt.problems_resolved FROM meetings mt JOIN co USING (coop_code)
    WHERE mt.held_on BETWEEN $start AND $end
)
SELECT *, party_members / nullif(members, 0) AS party_share
FROM (SELECT
    (SELECT count(*) FROM scoped_communities($streets, $communities) WHERE is_pilot) AS pilot_communities,
    (SELECT count(*) FROM co) AS cooperatives,
    (SELECT count(*) FROM co WHERE has_site AND has_signage AND has_roster AND has_rules AND has_service)
        AS five_standard,
    (SELECT count(*) FROM m) AS members,
    (SELECT count(*) FROM m WHERE is_party_member) AS party_members,
    (SELECT coalesce(sum(headcount), 0) FROM wt) AS work_team_headcount,
    (SELECT count(*) FROM mt) AS meetings,
    (SELECT coalesce(sum(problems_resolved), 0) FROM mt) AS problems_resolved);
