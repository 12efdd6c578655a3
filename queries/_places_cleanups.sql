-- 载入内存（不是查询）：每条清运记录一行，以其社区编号、日期、垃圾类型编号与吨数（见 _places_orders.sql）。
-- Loaded into memory (not a query): one row per cleanup with its community's number, its day, its
-- waste type's number (1-based in $kinds) and its tonnes (see _places_orders.sql).
-- 用 LEFT JOIN 加 place IS NOT NULL（等同内连接）：引擎按首个月份文件估计事实表只有约一万行，内连接时把整张事实表建成哈希表
-- （10 M 工单时多占数百 MB）；这样写则事实表在探测侧，名称表建哈希表。
-- LEFT JOIN with place IS NOT NULL (an inner join): the engine estimates a fact table from its first month's file
-- (~10 k rows) and, as an inner join, built its hash table on the whole fact table (hundreds of MB at 10 M
-- orders); written so, the fact table is probed and the places table is built.
SELECT p.place,
       CAST(c.done_on - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(list_position($kinds::VARCHAR[], c.waste_type) AS TINYINT) AS kind,
       c.tonnes AS value
FROM cleanups c
LEFT JOIN compound_places() p USING (compound_code)
WHERE p.place IS NOT NULL
