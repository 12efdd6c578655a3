-- 筛选项：所选街道内的社区（未选街道时为全部）。 Filter options: communities in the chosen streets.
SELECT community_code, community_name, street_code, is_pilot
FROM scoped_communities($streets, [])
ORDER BY community_code;
