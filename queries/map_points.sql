-- 小区地图的点：筛选范围内每个小区、单体楼一行，含位置、户数，项目启动前（$launch 当日的状态）与结束日期
-- （$end 当日的状态）两种管理状态及共享+模式，以及结束日期的未办结点单数。
-- 未办结点单 = 在结束日期当天结束前（< $end + 1 天）提交、状态不是“已取消”、且在结束日期当天结束前未解决
-- （resolved_at 为空或晚于该日）的工单；与开始日期无关（是结束日的存量）。已取消工单没有取消时间，一律不计。
-- 取自 orders_open_at（与“点单服务”的积压同一口径）。
-- Map points: one row per compound and standalone building in scope, with its position, households,
-- its management state before the program (on $launch) and on the window's end ($end) with the
-- sharing+ mode, and its open orders at the end. Open orders = submitted before the end of $end,
-- not cancelled, and not resolved by the end of that day (resolved_at null or later); a stock at the
-- end, independent of $start. Cancelled orders carry no cancellation time and never count. From
-- orders_open_at (the same definition as the backlog on 点单服务).
WITH s AS (
    SELECT * FROM scoped_compounds($streets, $communities)
), open_orders AS (  -- orders_open_at reads only the pending orders and those resolved after $end
    SELECT compound_code, count(*) AS open_orders
    FROM orders_open_at($end, $streets, $communities)
    GROUP BY ALL
)
SELECT s.compound_code, s.compound_name, s.kind, s.built_year, s.buildings, s.households,
       s.lon, s.lat, s.community_code, s.community_name, s.street_code, s.street_name,
       b.management AS management_before, b.coop_mode AS coop_mode_before,
       a.management AS management_after, a.coop_mode AS coop_mode_after,
       coalesce(o.open_orders, 0) AS open_orders
FROM s
LEFT JOIN management_on($launch) b USING (compound_code)
LEFT JOIN management_on($end) a USING (compound_code)
LEFT JOIN open_orders o USING (compound_code)
ORDER BY s.street_code, s.community_code, s.kind, s.compound_code;
