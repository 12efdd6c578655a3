-- 载入内存（不是查询）：每张工单一行，以其社区编号（按街道、社区代码排序编号）、
-- 提交日与解决日（1970-01-01 起的天数）、提交时刻（当日第几秒）、状态、类别编号与评分。coopdash/data/places.py 据此在内存中回答
-- 按街道或社区筛选的工单数字，与 orders_in(...) 读出的相同（测试保证）。
-- Loaded into memory (not a query): one row per service order with its community's number (communities
-- numbered here in order of street office and community code),
-- its days submitted and resolved (days since 1970-01-01), the second of the day it was submitted, its status, its category's number (1-based in
-- $categories) and its rating. coopdash/data/places.py answers the orders' figures of a street office or
-- community from these rows, the same as orders_in(...) gives (tests hold them equal).
-- 用 LEFT JOIN 加 place IS NOT NULL（等同内连接）：引擎按首个月份文件估计事实表只有约一万行，内连接时把整张事实表建成哈希表
-- （10 M 工单时多占数百 MB）；这样写则事实表在探测侧，名称表建哈希表。
-- LEFT JOIN with place IS NOT NULL (an inner join): the engine estimates a fact table from its first month's file
-- (~10 k rows) and, as an inner join, built its hash table on the whole fact table (hundreds of MB at 10 M
-- orders); written so, the fact table is probed and the places table is built.
SELECT n.place,
       CAST(CAST(o.submitted_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS sub_day,
       CAST(CAST(o.resolved_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS res_day,
       -- the second of its day it was submitted at (the contract keeps timestamps to the second)
       CAST(hour(o.submitted_at) * 3600 + minute(o.submitted_at) * 60 + second(o.submitted_at) AS INTEGER) AS sub_second,
       CAST(CASE o.status WHEN 'resolved' THEN 1 WHEN 'cancelled' THEN 2 ELSE 0 END AS TINYINT) AS status,
       CAST(list_position($categories::VARCHAR[], o.category) AS TINYINT) AS category,
       CAST(o.rating AS TINYINT) AS rating
FROM orders_flat o
LEFT JOIN community_places() n USING (community_code)
WHERE n.place IS NOT NULL
