-- 所选小区（$compound，须在筛选范围内）在时间窗口内（$start 至 $end，含两端）完成的修缮，按日期排序；
-- 数量的单位由修缮类型决定（道路、管线为公里，其余为个，见数据契约）。
-- Repairs of the chosen compound ($compound, only if in scope) done within the window, by date; the
-- quantity's unit follows the kind (km for road and pipes, items otherwise; see the contract).
SELECT r.repair_id, r.done_on, r.kind, r.quantity
FROM repairs r
JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE r.compound_code = $compound
  AND r.done_on BETWEEN $start AND $end
ORDER BY r.done_on, r.repair_id;
