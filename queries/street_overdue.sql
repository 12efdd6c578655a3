-- 街道超期未结工单：截至窗口末日 24 时未结且已超过所属类别办结时限的工单数，每个有超期工单的街道一行。
-- 即 street_ranking.sql 的 overdue 一项（该文件仍是全部指标的定义）：街道排名的其余指标由
-- coopdash/data/district.py 在内存中算出时，只单独运行这一项；测试保证两种算法结果一致。
-- Overdue open orders per street office at the end of the window's last day (street offices with any):
-- the `overdue` indicator of street_ranking.sql (still the definition of every indicator), run alone when
-- coopdash/data/district.py gives the others from memory; tests hold the two equal.
SELECT o.street_code, count(*) AS overdue
FROM orders_open_at($end, $streets, $communities) o
JOIN service_deadlines d USING (category)
WHERE (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(o.submitted_at)) / 3600 > d.hours
GROUP BY o.street_code
ORDER BY o.street_code;
