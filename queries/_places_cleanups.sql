-- 载入内存（不是查询）：每条清运记录一行，以其社区编号、日期、垃圾类型编号与吨数（见 _places_orders.sql）。
-- Loaded into memory (not a query): one row per cleanup with its community's number, its day, its
-- waste type's number (1-based in $kinds) and its tonnes (see _places_orders.sql).
SELECT n.place,
       CAST(c.done_on - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(list_position($kinds::VARCHAR[], c.waste_type) AS TINYINT) AS kind,
       c.tonnes AS value
FROM cleanups c
JOIN compounds cp USING (compound_code)
JOIN (SELECT community_code, CAST(row_number() OVER (ORDER BY street_code, community_code) - 1 AS INTEGER) AS place
      FROM communities) n ON n.community_code = cp.community_code
