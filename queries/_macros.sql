-- 共享的表宏（不是查询）：筛选范围内的小区、社区、物业社；某日的管理状态。
-- Table macros shared by the queries (loaded once by coopdash/db.py; not a query itself).
-- streets / communities are lists of codes; an empty list means "all".

CREATE MACRO scoped_communities(streets, communities) AS TABLE
SELECT cm.community_code, cm.community_name, cm.is_pilot, cm.lon, cm.lat,
       st.street_code, st.street_name
FROM communities cm
JOIN streets st ON st.street_code = cm.street_code
WHERE (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], cm.street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], cm.community_code));

CREATE MACRO scoped_compounds(streets, communities) AS TABLE
SELECT cp.compound_code, cp.compound_name, cp.kind, cp.built_year, cp.buildings, cp.households,
       cp.lon, cp.lat, sc.community_code, sc.community_name, sc.street_code, sc.street_name
FROM compounds cp
JOIN scoped_communities(streets, communities) sc ON sc.community_code = cp.community_code;

CREATE MACRO scoped_coops(streets, communities) AS TABLE
SELECT co.*, sc.community_name, sc.street_code, sc.street_name
FROM cooperatives co
JOIN scoped_communities(streets, communities) sc ON sc.community_code = co.community_code;

-- The management state of every compound on `day`: its latest row dated on or before it.
CREATE MACRO management_on(day) AS TABLE
SELECT compound_code, management, coop_mode
FROM management_history
WHERE valid_from <= day
QUALIFY row_number() OVER (PARTITION BY compound_code ORDER BY valid_from DESC) = 1;
