-- 所选小区（$compound，须在筛选范围内）在时间窗口内（$start 至 $end，含两端）的垃圾清运，按日期排序。
-- Cleanups of the chosen compound ($compound, only if in scope) done within the window, by date.
SELECT c.cleanup_id, c.done_on, c.waste_type, c.tonnes
FROM cleanups c
JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE c.compound_code = $compound
  AND c.done_on BETWEEN $start AND $end
ORDER BY c.done_on, c.cleanup_id;
