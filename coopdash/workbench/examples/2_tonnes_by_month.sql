-- 每月清运吨数 / tonnes cleared per month
SELECT date_trunc('month', done_on) AS 月份, waste_type AS 垃圾类型, round(sum(tonnes), 2) AS 吨
FROM cleanups
GROUP BY ALL
ORDER BY 月份, 垃圾类型
