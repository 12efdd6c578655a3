-- 环境与修缮·分街道：所选时间内（完成日期在开始、结束日期之间，含两端）各街道的清运吨数（按垃圾类型：
-- household 生活垃圾、construction 建筑垃圾，单位吨）与修缮数量（按修缮类型：road 道路、heating_pipe
-- 供热管线、drainage_pipe 排水管线，单位公里；building_door 楼宇门、stair_light 楼道灯、seating 休闲座椅、
-- parking_space 停车位，单位个）。范围内有小区的每个街道一行（无记录为 0），列名即契约代码。
-- Cleanup and repairs by street office: within the window (done_on between start and end,
-- inclusive) tonnes cleared per waste type (t) and repair quantity per kind (km for road and
-- pipes, items otherwise). One row per street office with compounds in scope (0 when nothing was
-- done); each figure column is named by its contract code.
WITH streets_in AS (
    SELECT DISTINCT street_code, street_name FROM scoped_communities($streets, $communities)
    WHERE community_code IN (SELECT community_code FROM compounds)
), cl AS (
    SELECT street_code,
           sum(tonnes) FILTER (WHERE waste_type = 'household') AS household,
           sum(tonnes) FILTER (WHERE waste_type = 'construction') AS construction
    FROM cleanups_in($start, $end, $streets, $communities, true)
    GROUP BY ALL
), rp AS (
    SELECT street_code,
           sum(quantity) FILTER (WHERE kind = 'road') AS road,
           sum(quantity) FILTER (WHERE kind = 'heating_pipe') AS heating_pipe,
           sum(quantity) FILTER (WHERE kind = 'drainage_pipe') AS drainage_pipe,
           sum(quantity) FILTER (WHERE kind = 'building_door') AS building_door,
           sum(quantity) FILTER (WHERE kind = 'stair_light') AS stair_light,
           sum(quantity) FILTER (WHERE kind = 'seating') AS seating,
           sum(quantity) FILTER (WHERE kind = 'parking_space') AS parking_space
    FROM repairs_in($start, $end, $streets, $communities, true)
    GROUP BY ALL
)
SELECT streets_in.street_code, streets_in.street_name,
       coalesce(cl.household, 0) AS household,
       coalesce(cl.construction, 0) AS construction,
       coalesce(rp.road, 0) AS road,
       coalesce(rp.heating_pipe, 0) AS heating_pipe,
       coalesce(rp.drainage_pipe, 0) AS drainage_pipe,
       coalesce(rp.building_door, 0) AS building_door,
       coalesce(rp.stair_light, 0) AS stair_light,
       coalesce(rp.seating, 0) AS seating,
       coalesce(rp.parking_space, 0) AS parking_space
FROM streets_in
LEFT JOIN cl USING (street_code)
LEFT JOIN rp USING (street_code)
ORDER BY streets_in.street_code;
