-- 治理成效（窗口内）：垃圾清运吨数、修缮数量（道路、管线为公里，其余为个）、新成立业委会。
-- Outcomes within the window: tonnes cleared, repairs (km for road and pipes, items otherwise),
-- owners' committees founded.
WITH cl AS (
    SELECT coalesce(sum(tonnes) FILTER (WHERE waste_type = 'household'), 0) AS household_t,
           coalesce(sum(tonnes) FILTER (WHERE waste_type = 'construction'), 0) AS construction_t
    FROM cleanups_in($start, $end, $streets, $communities, false)
), rp AS (
    SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'road'), 0) AS road_km,
           coalesce(sum(quantity) FILTER (WHERE kind = 'heating_pipe'), 0) AS heating_pipe_km,
           coalesce(sum(quantity) FILTER (WHERE kind = 'drainage_pipe'), 0) AS drainage_pipe_km,
           coalesce(sum(quantity) FILTER (WHERE kind = 'building_door'), 0) AS building_doors,
           coalesce(sum(quantity) FILTER (WHERE kind = 'stair_light'), 0) AS stair_lights,
           coalesce(sum(quantity) FILTER (WHERE kind = 'seating'), 0) AS seating,
           coalesce(sum(quantity) FILTER (WHERE kind = 'parking_space'), 0) AS parking_spaces
    FROM repairs_in($start, $end, $streets, $communities, false)
), oc AS (
    SELECT count(*) AS owners_committees
    FROM owners_committees JOIN scoped_compounds($streets, $communities) s USING (compound_code)
    WHERE founded_on BETWEEN $start AND $end
)
SELECT cl.household_t, cl.construction_t, rp.road_km, rp.heating_pipe_km, rp.drainage_pipe_km,
       rp.building_doors, rp.stair_lights, rp.seating, rp.parking_spaces, oc.owners_committees,
       rp.heating_pipe_km + rp.drainage_pipe_km AS pipe_km
FROM cl, rp, oc;
