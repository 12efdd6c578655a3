-- 各表行数（整个数据集，不受筛选影响）。 Rows per table in the whole dataset (not filtered).
SELECT 'streets' AS table_name, count(*) AS row_count FROM streets
UNION ALL SELECT 'communities', count(*) FROM communities
UNION ALL SELECT 'compounds', count(*) FROM compounds
UNION ALL SELECT 'management_history', count(*) FROM management_history
UNION ALL SELECT 'cooperatives', count(*) FROM cooperatives
UNION ALL SELECT 'coop_members', count(*) FROM coop_members
UNION ALL SELECT 'work_teams', count(*) FROM work_teams
UNION ALL SELECT 'meetings', count(*) FROM meetings
UNION ALL SELECT 'service_orders', count(*) FROM service_orders
UNION ALL SELECT 'cleanups', count(*) FROM cleanups
UNION ALL SELECT 'repairs', count(*) FROM repairs
UNION ALL SELECT 'owners_committees', count(*) FROM owners_committees;
