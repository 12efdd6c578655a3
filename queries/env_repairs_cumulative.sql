-- 环境与修缮·累计进度：窗口内每个月一行（含无修缮的月份），各修缮类型自开始日期起至该月末（最后一个月
-- 截至结束日期）的累计数量；开始日期以前的修缮不计，即从 0 起算。道路、供热管线、排水管线为公里，
-- 楼宇门、楼道灯、休闲座椅、停车位为个；列名即契约代码。累计用窗口函数（按月份的累加）。
-- Repairs, cumulative progress: one row per month of the window (months without repairs included);
-- for each repair kind the running total from the window's start to the month's end (the last
-- month: to the window's end). Repairs before the start do not count, so it starts at 0. Road and
-- pipes in km, other kinds in items; each column is named by its contract code. The running sum is
-- a window function over the months.
WITH months AS (
    SELECT month FROM window_months($start, $end)
), done AS (
    SELECT month,
           sum(quantity) FILTER (WHERE kind = 'road') AS road,
           sum(quantity) FILTER (WHERE kind = 'heating_pipe') AS heating_pipe,
           sum(quantity) FILTER (WHERE kind = 'drainage_pipe') AS drainage_pipe,
           sum(quantity) FILTER (WHERE kind = 'building_door') AS building_door,
           sum(quantity) FILTER (WHERE kind = 'stair_light') AS stair_light,
           sum(quantity) FILTER (WHERE kind = 'seating') AS seating,
           sum(quantity) FILTER (WHERE kind = 'parking_space') AS parking_space
    FROM repairs_in($start, $end, $streets, $communities, false)
    GROUP BY ALL
)
SELECT months.month,
       sum(coalesce(done.road, 0)) OVER upto AS road,
       sum(coalesce(done.heating_pipe, 0)) OVER upto AS heating_pipe,
       sum(coalesce(done.drainage_pipe, 0)) OVER upto AS drainage_pipe,
       sum(coalesce(done.building_door, 0)) OVER upto AS building_door,
       sum(coalesce(done.stair_light, 0)) OVER upto AS stair_light,
       sum(coalesce(done.seating, 0)) OVER upto AS seating,
       sum(coalesce(done.parking_space, 0)) OVER upto AS parking_space
FROM months
LEFT JOIN done USING (month)
WINDOW upto AS (ORDER BY months.month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY months.month;
