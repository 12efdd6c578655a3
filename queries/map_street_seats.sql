-- 小区地图的街道驻地：筛选范围内有小区的每个街道（乡镇）一行，含名称与驻地经纬度（streets.lon/lat）。
-- Map street seats: one row per street office with compounds in scope, its name and the position of
-- its seat (streets.lon/lat), for the map's labels.
SELECT DISTINCT st.street_code, st.street_name, st.lon, st.lat
FROM scoped_compounds($streets, $communities) s
JOIN streets st ON st.street_code = s.street_code
ORDER BY st.street_code;
