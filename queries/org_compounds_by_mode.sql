-- 组织建设·“共享+”模式：截至窗口末日（management_on($end)）由共享物业社代管的范围内小区，按共享+模式统计
-- 小区数（个）、单体楼数（个）与户数（户）。$modes 为模式代码表（契约顺序），每种模式一行，无则为 0。
-- Organisation · compounds by sharing+ mode: compounds in scope managed by a cooperative on $end
-- (management_on($end)), per coop_mode: compounds (kind compound), standalone buildings (kind
-- standalone) and households. $modes lists the mode codes (contract order); one row each, 0 if none.
WITH managed AS (
    SELECT mo.coop_mode, s.kind, s.households
    FROM management_on(CAST($end AS DATE)) mo
    JOIN scoped_compounds($streets, $communities) s USING (compound_code)
    WHERE mo.management = 'cooperative'
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
