-- 解决用时最长的 10 个工单 / the 10 slowest orders
WITH t AS (
  SELECT order_id, category, date_diff('hour', submitted_at, resolved_at) AS hours
  FROM service_orders WHERE status = 'resolved'
)
SELECT * FROM t ORDER BY hours DESC LIMIT 10
