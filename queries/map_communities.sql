-- 小区地图的社区汇总（范围内小区过多时，每个社区一个点）：筛选范围内有小区的每个社区一行，含街道、位置（其小区
-- 经纬度的平均值）、小区与单体楼个数、户数，以及项目启动前（$launch 当日的状态）与结束日期（$end 当日的状态）
-- 各管理状态的个数（<状态>_before / <状态>_after）。没有状态记录的小区只计入 compounds。不含未办结点单（每个
-- 小区的点单存量要扫描全部工单，汇总图不显示）。
-- Map communities (one point per community when the scope has too many compounds): one row per
-- community with compounds in scope: its street office, position (the mean of its compounds'
-- coordinates), compounds and standalone buildings, households, and the count in each management
-- state before the program (on $launch) and on the window's end ($end), as <state>_before and
-- <state>_after. A compound with no state row that day counts in `compounds` only. No open orders
-- (a scan of every order; the aggregated map does not show them).
WITH s AS (
    SELECT compound_code, households, lon, lat, community_code, community_name, street_code, street_name
    FROM scoped_compounds($streets, $communities)
)
SELECT s.community_code, s.community_name, s.street_code, s.street_name,
       avg(s.lon) AS lon, avg(s.lat) AS lat,
       count(*) AS compounds,
       CAST(sum(s.households) AS BIGINT) AS households,
       count(*) FILTER (WHERE b.management = 'professional') AS professional_before,
       count(*) FILTER (WHERE b.management = 'cooperative') AS cooperative_before,
       count(*) FILTER (WHERE b.management = 'self') AS self_before,
       count(*) FILTER (WHERE b.management = 'none') AS none_before,
       count(*) FILTER (WHERE a.management = 'professional') AS professional_after,
       count(*) FILTER (WHERE a.management = 'cooperative') AS cooperative_after,
       count(*) FILTER (WHERE a.management = 'self') AS self_after,
       count(*) FILTER (WHERE a.management = 'none') AS none_after
FROM s
LEFT JOIN management_on($launch) b USING (compound_code)
LEFT JOIN management_on($end) a USING (compound_code)
GROUP BY s.community_code, s.community_name, s.street_code, s.street_name
ORDER BY s.street_code, s.community_code;
