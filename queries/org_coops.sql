-- 组织建设·各物业社（页面的一次查询）：范围内每个物业社（成立日不晚于结束日期）一行，按物业社代码排序：
--   组成：截至窗口末日（加入日期不晚于结束日期）的成员、理事长、副理事长、党员人数与党员占比（无成员为空），
--     以及《实施方案》各项要求是否达标：理事长人数 = $chairs；副理事长人数 = $vice_chairs；
--     成员人数在 $min_members 至 $max_members 之间（含）；党员占比 > $party_share_above（无成员为不达标）；all_ok 全部达标；
--   “五有”：has_site、has_signage、has_roster、has_rules、has_service 与 all_five（五项全部具备）；
--   四支工作力量：各组人数与合计 team_total（人），每组取结束日期及以前最近一次统计，没有统计的组为 0；
--   协商会议：窗口内（召开日期在开始、结束日期之间，含两端）召开的会议（次）与解决的问题（个），没有为 0。
-- 页面的合计（物业社数、五有达标数、成员、党员、工作力量、会议）是这些列之和，与 kpi_organisation 相同。
-- Organisation · one row per cooperative in scope founded on or before $end (by coop_code), all the
-- page needs per cooperative in one pass over the small organisation tables:
--   make-up: members (joined on or before $end), chairs, vice-chairs, party members and party share
--     (NULL without members), and each rule of the implementation plan: chairs = $chairs; vice-chairs
--     = $vice_chairs; $min_members ≤ members ≤ $max_members; party share > $party_share_above (no
--     members = fail); all_ok = every rule. Thresholds are bound (config [cooperative_rules]).
--   the five standards: has_site … has_service and all_five;
--   work teams: headcount per team and team_total (people), each the latest count on or before $end
--     (0 if none);
--   meetings held in the window (held_on between $start and $end, inclusive) and problems resolved.
-- The page's totals are sums of these columns (the same figures as kpi_organisation).
WITH co AS (
    SELECT coop_code, coop_name, community_name, street_name,
           has_site, has_signage, has_roster, has_rules, has_service
    FROM scoped_coops($streets, $communities)
    WHERE founded_on <= $end
), m AS (
    SELECT coop_code,
           count(*) AS members,
           count(*) FILTER (WHERE role = 'chair') AS chairs,
           count(*) FILTER (WHERE role = 'vice_chair') AS vice_chairs,
           count(*) FILTER (WHERE is_party_member) AS party_members
    FROM coop_members
    WHERE joined_on <= $end
    GROUP BY coop_code
), latest AS (  -- each cooperative's latest count per team on or before $end ((coop, team, as_of) is the key)
    SELECT coop_code, team, arg_max_null(headcount, as_of) AS headcount
    FROM work_teams
    WHERE as_of <= $end
    GROUP BY coop_code, team
), wt AS (
    SELECT coop_code,
           sum(headcount) FILTER (WHERE team = 'coordination') AS coordination,
           sum(headcount) FILTER (WHERE team = 'property') AS property,
           sum(headcount) FILTER (WHERE team = 'volunteer') AS volunteer,
           sum(headcount) FILTER (WHERE team = 'supervision') AS supervision,
           sum(headcount) AS team_total
    FROM latest
    GROUP BY coop_code
), mt AS (
    SELECT coop_code, count(*) AS meetings, sum(problems_resolved) AS problems_resolved
    FROM meetings
    WHERE held_on BETWEEN $start AND $end
    GROUP BY coop_code
), per_coop AS (
    SELECT co.*,
           coalesce(m.members, 0) AS members,
           coalesce(m.chairs, 0) AS chairs,
           coalesce(m.vice_chairs, 0) AS vice_chairs,
           coalesce(m.party_members, 0) AS party_members,
           m.party_members / nullif(m.members, 0) AS party_share,
           CAST(coalesce(wt.coordination, 0) AS BIGINT) AS coordination,
           CAST(coalesce(wt.property, 0) AS BIGINT) AS property,
           CAST(coalesce(wt.volunteer, 0) AS BIGINT) AS volunteer,
           CAST(coalesce(wt.supervision, 0) AS BIGINT) AS supervision,
           CAST(coalesce(wt.team_total, 0) AS BIGINT) AS team_total,
           coalesce(mt.meetings, 0) AS meetings,
           CAST(coalesce(mt.problems_resolved, 0) AS BIGINT) AS problems_resolved
    FROM co
    LEFT JOIN m USING (coop_code)
    LEFT JOIN wt USING (coop_code)
    LEFT JOIN mt USING (coop_code)
), checked AS (
    SELECT *,
           chairs = $chairs AS chair_ok,
           vice_chairs = $vice_chairs AS vice_chair_ok,
           members BETWEEN $min_members AND $max_members AS size_ok,
           coalesce(party_share > $party_share_above, false) AS party_ok,
           has_site AND has_signage AND has_roster AND has_rules AND has_service AS all_five
    FROM per_coop
)
SELECT *, chair_ok AND vice_chair_ok AND size_ok AND party_ok AS all_ok
FROM checked
ORDER BY coop_code;
