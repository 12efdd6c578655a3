-- 小区地图的状态统计：四种管理状态各一行（固定顺序：专业物业、共享物业社代管、业主自管、无人管理），
-- 筛选范围内项目启动前（$launch 当日的状态）与结束日期（$end 当日的状态）的小区与单体楼个数、户数及个数变化。
-- 没有状态记录的小区（结束日期早于其第一条记录）不计入任何一行。
-- Map status counts: one row per management state (fixed order: professional, cooperative, self,
-- none) with the compounds and standalone buildings in scope in that state before the program (on
-- $launch) and on the window's end ($end), their households, and the change in count. A compound
-- with no state row on a day counts in no row for that day.
WITH s AS (
    SELECT compound_code, households FROM scoped_compounds($streets, $communities)
), statuses(management, position) AS (
    VALUES ('professional', 1), ('cooperative', 2), ('self', 3), ('none', 4)
), b AS (
    SELECT m.management, count(*) AS n, CAST(sum(s.households) AS BIGINT) AS hh
    FROM s JOIN management_on($launch) m USING (compound_code)
    GROUP BY ALL
), a AS (
    SELECT m.management, count(*) AS n, CAST(sum(s.households) AS BIGINT) AS hh
    FROM s JOIN management_on($end) m USING (compound_code)
    GROUP BY ALL
)
SELECT statuses.management,
       coalesce(b.n, 0) AS n_before,
       coalesce(a.n, 0) AS n_after,
       coalesce(a.n, 0) - coalesce(b.n, 0) AS n_change,
       coalesce(b.hh, 0) AS households_before,
       coalesce(a.hh, 0) AS households_after
FROM statuses
LEFT JOIN b USING (management)
LEFT JOIN a USING (management)
ORDER BY statuses.position;
