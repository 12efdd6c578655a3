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

-- 数据查询页的预置视图：业务表连同小区、社区、街道的中文名。
-- Prepared views for the explorer and the SQL console: facts joined with Chinese place names.
CREATE VIEW place_names AS
SELECT cp.compound_code, cp.compound_name, cp.kind AS compound_kind,
       cm.community_code, cm.community_name, st.street_code, st.street_name
FROM compounds cp
JOIN communities cm ON cm.community_code = cp.community_code
JOIN streets st ON st.street_code = cm.street_code;

CREATE VIEW orders_detail AS
SELECT o.order_id, o.category, o.status, o.submitted_at, o.resolved_at, o.rating,
       date_diff('minute', o.submitted_at, o.resolved_at) / 60.0 AS hours_to_resolve,
       p.compound_name, p.community_name, p.street_name, p.street_code, p.community_code
FROM service_orders o JOIN place_names p USING (compound_code);

CREATE VIEW cleanups_detail AS
SELECT c.cleanup_id, c.done_on, c.waste_type, c.tonnes,
       p.compound_name, p.community_name, p.street_name, p.street_code, p.community_code
FROM cleanups c JOIN place_names p USING (compound_code);

CREATE VIEW repairs_detail AS
SELECT r.repair_id, r.done_on, r.kind, r.quantity,
       CASE WHEN r.kind IN ('road', 'heating_pipe', 'drainage_pipe') THEN '公里' ELSE '个' END AS unit,
       p.compound_name, p.community_name, p.street_name, p.street_code, p.community_code
FROM repairs r JOIN place_names p USING (compound_code);

-- Every month of a window [start, end] (the first day of each month), for trends with zeros kept.
CREATE MACRO window_months(start_day, end_day) AS TABLE
SELECT CAST(range AS DATE) AS month
FROM range(CAST(date_trunc('month', CAST(start_day AS DATE)) AS TIMESTAMP),
           CAST(CAST(end_day AS DATE) + 1 AS TIMESTAMP), INTERVAL 1 MONTH);
