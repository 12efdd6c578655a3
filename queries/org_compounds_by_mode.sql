-- 组织建设·“共享+”模式：截至窗口末日（management_on($end)）由共享物业社代管的范围内小区，按共享+模式统计
-- 小区数（个）、单体楼数（个）与户数（户）。$modes 为模式代码表（契约顺序），每种模式一行，无则为 0。
-- Organisation · compounds by sharing+ mode: compounds in scope managed by a cooperative on $end
-- (management_on($end)), per coop_mode: compounds (kind compound), standalone buildings (kind
-- standalone) and households. $modes lists the mode codes (contract order); one row each, 0 if none.
-- management_on($end) as one aggregate instead of a window: each compound's latest row on or before
-- $end ((compound_code, valid_from) is the table's key, so "latest" is one row).
WITH state AS (
    SELECT compound_code,
           arg_max({'management': management, 'coop_mode': coop_mode}, valid_from) AS latest
    FROM management_history
    WHERE valid_from <= $end
    GROUP BY compound_code
), managed AS (
    SELECT state.latest.coop_mode AS coop_mode, s.kind, s.households
    FROM state
    JOIN scoped_compounds($streets, $communities) s USING (compound_code)
    WHERE state.latest.management = 'cooperative'
), modes AS (
    SELECT unnest($modes::VARCHAR[]) AS coop_mode
)
SELECT modes.coop_mode,
       count(managed.kind) FILTER (WHERE managed.kind = 'compound') AS compounds,
       count(managed.kind) FILTER (WHERE managed.kind = 'standalone') AS standalone,
       CAST(coalesce(sum(managed.households), 0) AS BIGINT) AS households
FROM modes LEFT JOIN managed USING (coop_mode)
GROUP BY modes.coop_mode
ORDER BY list_position($modes::VARCHAR[], modes.coop_mode);
