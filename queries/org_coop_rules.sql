-- 组织建设·物业社组成：截至窗口末日每个物业社（成立日不晚于结束日期）的成员、理事长、副理事长、党员人数与党员占比，
-- 以及《实施方案》各项要求是否达标：理事长人数 = $chairs；副理事长人数 = $vice_chairs；
-- 成员人数在 $min_members 至 $max_members 之间（含）；党员占比 > $party_share_above（无成员为不达标）。
-- 成员指加入日期不晚于结束日期者。另附全体（范围内）物业社数与全部达标的物业社数（每行相同）。
-- Organisation · cooperative make-up: per cooperative founded on or before $end, its members (joined on
-- or before $end), chairs, vice-chairs, party members and party share, and whether it meets each rule
-- of the implementation plan: chairs = $chairs; vice-chairs = $vice_chairs; $min_members ≤ members ≤
-- $max_members; party share > $party_share_above (no members = fail). coops_total / coops_passing
-- (same on every row): cooperatives listed and those meeting every rule. Thresholds are bound
-- parameters (config/dashboard.toml [cooperative_rules]).
WITH co AS (
    SELECT coop_code, coop_name, community_name, street_code, street_name
    FROM scoped_coops($streets, $communities)
    WHERE founded_on <= $end
), m AS (
    SELECT m.coop_code,
           count(*) AS members,
           count(*) FILTER (WHERE m.role = 'chair') AS chairs,
           count(*) FILTER (WHERE m.role = 'vice_chair') AS vice_chairs,
           count(*) FILTER (WHERE m.is_party_member) AS party_members
    FROM coop_members m JOIN co USING (coop_code)
    WHERE m.joined_on <= $end
    GROUP BY m.coop_code
), per_coop AS (
    SELECT co.coop_code, co.coop_name, co.community_name, co.street_name,
           coalesce(m.members, 0) AS members,
           coalesce(m.chairs, 0) AS chairs,
           coalesce(m.vice_chairs, 0) AS vice_chairs,
           coalesce(m.party_members, 0) AS party_members,
           m.party_members / nullif(m.members, 0) AS party_share
    FROM co LEFT JOIN m USING (coop_code)
), checked AS (
    SELECT *,
           chairs = $chairs AS chair_ok,
           vice_chairs = $vice_chairs AS vice_chair_ok,
           members BETWEEN $min_members AND $max_members AS size_ok,
           coalesce(party_share > $party_share_above, false) AS party_ok
    FROM per_coop
)
SELECT *,
       chair_ok AND vice_chair_ok AND size_ok AND party_ok AS all_ok,
       count(*) OVER () AS coops_total,
       count(*) FILTER (WHERE chair_ok AND vice_chair_ok AND size_ok AND party_ok) OVER () AS coops_passing
FROM checked
ORDER BY coop_code;
