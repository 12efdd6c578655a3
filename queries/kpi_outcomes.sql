-- 治理成效（窗口内）：垃圾清运吨数、修缮数量（道路、管线为公里，其余为个）、新成立业委会。
-- Outcomes within the window: tonnes cleared, repairs (km for road and pipes, items otherwise),
-- owners' committees founded.
WITH cl AS (
    SELECT waste_type, tonnes FROM cleanups_in($start, $end, $streets, $communities)
), rp AS (
    SELECT kind, quantity FROM repairs_in($start, $end, $streets, $communities)
)
SELECT *, heating_pipe_km + drainage_pipe_km AS pipe_km
FROM (SELECT
    (SELECT coalesce(sum(tonnes) FILTER (WHERE waste_type = 'household'), 0) FROM cl) AS household_t,
    (SELECT coalesce(sum(tonnes) FILTER (WHERE waste_type = 'construction'), 0) FROM cl) AS construction_t,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'road'), 0) FROM rp) AS road_km,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'heating_pipe'), 0) FROM rp) AS heating_pipe_km,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'drainage_pipe'), 0) FROM rp) AS drainage_pipe_km,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'building_door'), 0) FROM rp) AS building_doors,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'stair_light'), 0) FROM rp) AS stair_lights,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'seating'), 0) FROM rp) AS seating,
    (SELECT coalesce(sum(quantity) FILTER (WHERE kind = 'parking_space'), 0) FROM rp) AS parking_spaces,
    (SELECT count(*) FROM owners_committees JOIN scoped_compounds($streets, $communities) s USING (compound_code)
      WHERE founded_on BETWEEN $start AND $end) AS owners_committees);
