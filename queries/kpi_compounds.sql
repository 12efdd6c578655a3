-- 小区底数：小区与单体楼数量；项目启动前无专业物业的数量；窗口末日由共享物业社代管的数量。
-- Compound baseline: compounds and standalone buildings; how many had no professional management
-- before the program (state on $launch); how many the cooperatives manage on the window's end.
WITH s AS (
    SELECT compound_code, kind FROM scoped_compounds($streets, $communities)
)
SELECT
    count(*) FILTER (WHERE s.kind = 'compound') AS compounds,
    count(*) FILTER (WHERE s.kind = 'compound' AND b.management <> 'professional') AS compounds_unmanaged_before,
    count(*) FILTER (WHERE s.kind = 'standalone') AS standalone,
    count(*) FILTER (WHERE s.kind = 'standalone' AND b.management <> 'professional') AS standalone_unmanaged_before,
    count(*) FILTER (WHERE n.management = 'cooperative') AS cooperative_managed,
    count(*) FILTER (WHERE n.management = 'none') AS unmanaged_now
FROM s
LEFT JOIN management_on($launch) b USING (compound_code)
LEFT JOIN management_on($end) n USING (compound_code);
