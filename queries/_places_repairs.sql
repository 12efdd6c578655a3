-- 载入内存（不是查询）：每条维修记录一行，以其社区编号、日期、维修类型编号与数量（见 _places_orders.sql）。
-- Loaded into memory (not a query): one row per repair with its community's number, its day, its kind's
-- number (1-based in $kinds) and its quantity (see _places_orders.sql).
SELECT n.place,
       CAST(r.done_on - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(list_position($kinds::VARCHAR[], r.kind) AS TINYINT) AS kind,
       r.quantity AS value
FROM repairs r
JOIN compounds cp USING (compound_code)
JOIN (SELECT community_code, CAST(row_number() OVER (ORDER BY street_code, community_code) - 1 AS INTEGER) AS place
      FROM communities) n ON n.community_code = cp.community_code
