-- 分街道：物业社数（截至窗口末日）、窗口内解决点单（次）、清运（吨）、道路与管线（公里）。
-- By street office: cooperatives (as of the window's end); within the window orders resolved,
-- tonnes cleared, road and pipe kilometres. One row per street office that has compounds in scope.
WITH streets_in AS (
    SELECT DISTINCT street_code, street_name FROM scoped_communities($streets, $communities)
    WHERE community_code IN (SELECT community_code FROM compounds)
), co AS (
    SELECT street_code, count(*) AS cooperatives
    FROM scoped_coops($streets, $communities) WHERE founded_on <= $end GROUP BY ALL
), o AS (
    SELECT street_code, sum(n) AS orders_resolved
    FROM orders_in($start, $end, $streets, $communities, true) WHERE is_resolved
    GROUP BY ALL
), cl AS (
    SELECT street_code, sum(tonnes) AS tonnes
    FROM cleanups_in($start, $end, $streets, $communities, true) GROUP BY ALL
), rp AS (
    SELECT street_code,
           sum(quantity) FILTER (WHERE kind = 'road') AS road_km,
           sum(quantity) FILTER (WHERE kind IN ('heating_pipe', 'drainage_pipe')) AS pipe_km
    FROM repairs_in($start, $end, $streets, $communities, true) GROUP BY ALL
)
SELECT streets_in.street_code, streets_in.street_name,
       coalesce(co.cooperatives, 0) AS cooperatives,
       CAST(coalesce(o.orders_resolved, 0) AS BIGINT) AS orders_resolved,
       coalesce(cl.tonnes, 0) AS tonnes,
       coalesce(rp.road_km, 0) AS road_km,
       coalesce(rp.pipe_km, 0) AS pipe_km
FROM streets_in
LEFT JOIN co USING (street_code)
LEFT JOIN o USING (street_code)
LEFT JOIN cl USING (street_code)
LEFT JOIN rp USING (street_code)
ORDER BY streets_in.street_code;
