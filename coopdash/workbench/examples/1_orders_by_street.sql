-- 各街道解决的点单服务 / orders resolved by street office
SELECT st.street_name AS 街道, count(*) AS 解决点单
FROM service_orders o
JOIN compounds cp USING (compound_code)
JOIN communities cm USING (community_code)
JOIN streets st USING (street_code)
WHERE o.status = 'resolved'
GROUP BY ALL
ORDER BY 解决点单 DESC
