-- 小区地图的范围大小：筛选范围内的小区与单体楼个数、社区个数。页面据此决定逐个小区画点，还是（超过
-- config/dashboard.toml [map] aggregate_above 时）按社区汇总。与日期无关，页面只传 $streets、$communities。
-- Map scope size: the compounds and standalone buildings in scope and their communities. The page
-- draws one point per compound, or (above [map] aggregate_above) one per community. No dates: the
-- page passes only $streets and $communities, so a new window reuses the cached result.
SELECT count(*) AS compounds, count(DISTINCT community_code) AS communities
FROM scoped_compounds($streets, $communities);
