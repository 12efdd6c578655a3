-- 数据的起止日期：最早与最晚的记录日期（用于默认时间窗口）。
-- The first and last dates with records (for the default window and the date pickers' bounds).
-- unscoped: two dates, no street office's figures
WITH d AS (
    SELECT min(founded_on) AS lo, max(founded_on) AS hi FROM cooperatives
    UNION ALL SELECT min(first_day), max(last_day) FROM rollup_orders WHERE level = 3
    UNION ALL SELECT min(first_day), max(last_day) FROM rollup_cleanups WHERE level = 1
    UNION ALL SELECT min(first_day), max(last_day) FROM rollup_repairs WHERE level = 1
    UNION ALL SELECT min(held_on), max(held_on) FROM meetings
    UNION ALL SELECT min(founded_on), max(founded_on) FROM owners_committees
)
SELECT min(lo) AS first_day, max(hi) AS last_day FROM d;
