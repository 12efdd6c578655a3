-- 共享的表宏（不是查询）：筛选范围内的小区、社区、物业社；某日的管理状态。
-- Table macros shared by the queries (loaded once by coopdash/data/db.py; not a query itself).
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

-- Each community's number in order of street office and community code, and each compound's (its community's):
-- the places of coopdash/data/places.py (queries/_places_*.sql).
CREATE MACRO community_places() AS TABLE
SELECT community_code, CAST(row_number() OVER (ORDER BY street_code, community_code) - 1 AS INTEGER) AS place
FROM communities;

CREATE MACRO compound_places() AS TABLE
SELECT cp.compound_code, n.place FROM compounds cp JOIN community_places() n USING (community_code);

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
       u.unit,  -- 'km' or 'items': repair_units, loaded from the contract's one definition
       p.compound_name, p.community_name, p.street_name, p.street_code, p.community_code
FROM repairs r JOIN place_names p USING (compound_code) JOIN repair_units u USING (kind);

-- Every month of a window [start, end] (the first day of each month), for trends with zeros kept.
CREATE MACRO window_months(start_day, end_day) AS TABLE
SELECT CAST(range AS DATE) AS month
FROM range(CAST(date_trunc('month', CAST(start_day AS DATE)) AS TIMESTAMP),
           CAST(CAST(end_day AS DATE) + 1 AS TIMESTAMP), INTERVAL 1 MONTH);

-- ---------------------------------------------------------------------------------------------
-- 汇总表上的窗口（见 coopdash/data/rollups.py）。窗口 [start, end] 内的整月来自汇总表，首末不完整的月份来自
-- 原始记录，所以每个数字都是精确的。
-- Windows over the rollups (coopdash/data/rollups.py): the whole months of a window [start, end] come from
-- the rollup, its partial first and last months from the raw rows, so every figure is exact.

-- The whole months inside [start, end] are those m with whole_from(start) <= m < whole_until(end).
CREATE MACRO whole_from(start_day) AS
    CAST(date_trunc('month', CAST(start_day AS DATE) - 1) + INTERVAL 1 MONTH AS DATE);
CREATE MACRO whole_until(end_day) AS
    CAST(date_trunc('month', CAST(end_day AS DATE) + 1) AS DATE);
-- The window's partial first and last months (a day far in the past when that edge is a whole month).
CREATE MACRO edge_first(start_day) AS
    CASE WHEN CAST(start_day AS DATE) < whole_from(start_day)
         THEN CAST(date_trunc('month', CAST(start_day AS DATE)) AS DATE) ELSE DATE '0001-01-01' END;
CREATE MACRO edge_last(end_day) AS
    CASE WHEN whole_until(end_day) <= CAST(end_day AS DATE)
         THEN CAST(date_trunc('month', CAST(end_day AS DATE)) AS DATE) ELSE DATE '0001-01-01' END;
-- The days of the window outside its whole months: [start, head_until) and [tail_from, end + 1).
CREATE MACRO head_until(start_day, end_day) AS
    least(whole_from(start_day), CAST(end_day AS DATE) + 1);
CREATE MACRO tail_from(start_day, end_day) AS
    greatest(whole_until(end_day), head_until(start_day, end_day));

-- True when a query needs district totals only: no street or community filter and no street breakdown;
-- then the *_in macros read the daily district-wide rollups alone (exact to the day, no raw rows).
CREATE MACRO district_only(streets, communities, by_street) AS
    len(streets::VARCHAR[]) = 0 AND len(communities::VARCHAR[]) = 0 AND NOT by_street;

-- Service orders in scope, summed per street office or community × category × status × month submitted ×
-- month resolved (by_street without a filter: per street office without the category, level 3), with
-- three flags for the window: is_submitted (in the window, not cancelled), is_resolved (status resolved,
-- resolved_at in the window), resolved_by_end (status resolved, resolved_at before the end of the
-- window's last day). Orders with neither month at a partial edge come from the rollup
-- (their flags follow from the months); orders with a month at an edge come from the raw rows (two
-- branches on one time column each, so the row groups outside are skipped).
CREATE MACRO orders_in(start_day, end_day, streets, communities, by_street) AS TABLE
WITH raw AS (  -- orders_flat: the orders with their place codes (coopdash/data/rollups.py)
    -- submitted in an edge month (an OR on one column still skips the row groups outside)
    SELECT o.street_code, o.community_code, o.category, o.status, o.submitted_at, o.resolved_at, o.rating
    FROM orders_flat o
    WHERE NOT district_only(streets, communities, by_street)
      AND ((o.submitted_at >= edge_first(start_day)
            AND o.submitted_at < edge_first(start_day) + INTERVAL 1 MONTH)
           OR (o.submitted_at >= edge_last(end_day)
               AND o.submitted_at < edge_last(end_day) + INTERVAL 1 MONTH))
    UNION ALL
    -- resolved in an edge month, submitted in neither
    SELECT o.street_code, o.community_code, o.category, o.status, o.submitted_at, o.resolved_at, o.rating
    FROM orders_flat o
    WHERE NOT district_only(streets, communities, by_street)
      AND ((o.resolved_at >= edge_first(start_day)
            AND o.resolved_at < edge_first(start_day) + INTERVAL 1 MONTH)
           OR (o.resolved_at >= edge_last(end_day)
               AND o.resolved_at < edge_last(end_day) + INTERVAL 1 MONTH))
      AND CAST(date_trunc('month', o.submitted_at) AS DATE) NOT IN (edge_first(start_day), edge_last(end_day))
      -- implied (an order is resolved after it is submitted: ingest refuses resolved_at < submitted_at),
      -- stated so that the row groups of the edge months' own submissions are skipped
      AND o.submitted_at < greatest(edge_first(start_day), edge_last(end_day))
)
SELECT street_code, community_code, category, status,
       CAST(date_trunc('month', submitted_at) AS DATE) AS sub_month,
       CAST(date_trunc('month', resolved_at) AS DATE) AS res_month,
       status <> 'cancelled' AND submitted_at >= CAST(start_day AS DATE)
           AND submitted_at < CAST(end_day AS DATE) + 1 AS is_submitted,
       status = 'resolved' AND resolved_at >= CAST(start_day AS DATE)
           AND resolved_at < CAST(end_day AS DATE) + 1 AS is_resolved,
       status = 'resolved' AND resolved_at < CAST(end_day AS DATE) + 1 AS resolved_by_end,
       -- one row per raw order (summing them here would cost a 9-key hash aggregation; callers sum)
       CAST(1 AS BIGINT) AS n, CAST(rating IS NOT NULL AS BIGINT) AS rated,
       CAST(coalesce(rating, 0) AS BIGINT) AS rating_sum, CAST(coalesce(rating >= 4, false) AS BIGINT) AS rated_4_5
FROM raw
WHERE (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], community_code))
UNION ALL
SELECT street_code, community_code, category, status, sub_month, res_month,
       status <> 'cancelled' AND sub_month >= whole_from(start_day) AND sub_month < whole_until(end_day),
       status = 'resolved' AND res_month >= whole_from(start_day) AND res_month < whole_until(end_day),
       status = 'resolved' AND res_month < whole_until(end_day),
       n, rated, rating_sum, rated_4_5
FROM rollup_orders
WHERE NOT district_only(streets, communities, by_street)
  AND level = CASE WHEN len(communities::VARCHAR[]) > 0 THEN 2 WHEN len(streets::VARCHAR[]) > 0 THEN 1 ELSE 3 END
  AND sub_month NOT IN (edge_first(start_day), edge_last(end_day))
  AND (res_month IS NULL OR res_month NOT IN (edge_first(start_day), edge_last(end_day)))
  AND (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], community_code))
UNION ALL
SELECT NULL, NULL, category, status,
       CAST(date_trunc('month', sub_day) AS DATE), CAST(date_trunc('month', res_day) AS DATE),
       status <> 'cancelled' AND sub_day BETWEEN CAST(start_day AS DATE) AND CAST(end_day AS DATE),
       status = 'resolved' AND res_day BETWEEN CAST(start_day AS DATE) AND CAST(end_day AS DATE),
       status = 'resolved' AND res_day <= CAST(end_day AS DATE),
       n, rated, rating_sum, rated_4_5
FROM rollup_orders_daily
WHERE district_only(streets, communities, by_street)
  AND sub_day <= CAST(end_day AS DATE) AND (sub_day >= CAST(start_day AS DATE) OR res_day >= CAST(start_day AS DATE));

-- Cleanups in scope and in the window, per community × waste type × month (whole months from the
-- rollup, the days of partial months from the raw rows; district totals from the daily rollup).
CREATE MACRO cleanups_in(start_day, end_day, streets, communities, by_street) AS TABLE
SELECT street_code, community_code, waste_type, month, tonnes, n
FROM rollup_cleanups
WHERE NOT district_only(streets, communities, by_street)
  AND level = CASE WHEN len(communities::VARCHAR[]) = 0 THEN 1 ELSE 2 END
  AND month >= whole_from(start_day) AND month < whole_until(end_day)
  AND (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], community_code))
UNION ALL
SELECT s.street_code, s.community_code, c.waste_type, CAST(date_trunc('month', c.done_on) AS DATE) AS month,
       c.tonnes, CAST(1 AS BIGINT) AS n  -- one row per raw record; callers sum
FROM (SELECT * FROM cleanups
      WHERE NOT district_only(streets, communities, by_street)
        AND ((done_on >= CAST(start_day AS DATE) AND done_on < head_until(start_day, end_day))
             OR (done_on >= tail_from(start_day, end_day) AND done_on < CAST(end_day AS DATE) + 1))) c
JOIN scoped_compounds(streets, communities) s USING (compound_code)
UNION ALL
SELECT NULL, NULL, waste_type, CAST(date_trunc('month', done_on) AS DATE), tonnes, n
FROM rollup_cleanups_daily
WHERE district_only(streets, communities, by_street)
  AND done_on BETWEEN CAST(start_day AS DATE) AND CAST(end_day AS DATE);

-- Repairs in scope and in the window, per community × kind × month (as cleanups_in).
CREATE MACRO repairs_in(start_day, end_day, streets, communities, by_street) AS TABLE
SELECT street_code, community_code, kind, month, quantity, n
FROM rollup_repairs
WHERE NOT district_only(streets, communities, by_street)
  AND level = CASE WHEN len(communities::VARCHAR[]) = 0 THEN 1 ELSE 2 END
  AND month >= whole_from(start_day) AND month < whole_until(end_day)
  AND (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], community_code))
UNION ALL
SELECT s.street_code, s.community_code, r.kind, CAST(date_trunc('month', r.done_on) AS DATE) AS month,
       r.quantity, CAST(1 AS BIGINT) AS n  -- one row per raw record; callers sum
FROM (SELECT * FROM repairs
      WHERE NOT district_only(streets, communities, by_street)
        AND ((done_on >= CAST(start_day AS DATE) AND done_on < head_until(start_day, end_day))
             OR (done_on >= tail_from(start_day, end_day) AND done_on < CAST(end_day AS DATE) + 1))) r
JOIN scoped_compounds(streets, communities) s USING (compound_code)
UNION ALL
SELECT NULL, NULL, kind, CAST(date_trunc('month', done_on) AS DATE), quantity, n
FROM rollup_repairs_daily
WHERE district_only(streets, communities, by_street)
  AND done_on BETWEEN CAST(start_day AS DATE) AND CAST(end_day AS DATE);

-- Service orders in scope still open at the end of end_day (submitted by then, not cancelled, not
-- resolved by then), from orders_flat: the pending ones (a block at the start of the file) and the ones
-- resolved later (near the end of the file), so both branches skip most row groups. Optionally only those
-- submitted from from_ts to until_ts. orders_flat_files is orders_flat with each row's month file
-- (YYYY-MM.parquet, the month submitted): a condition on the file's name skips the other months' files
-- without opening them (a 500-row list of one month opened all 43 files of a 10 M-order dataset, twice).
CREATE MACRO orders_open_at(end_day, streets, communities, from_ts := NULL, until_ts := NULL) AS TABLE
SELECT * EXCLUDE (filename) FROM (
    SELECT * FROM orders_flat_files
    WHERE pending AND submitted_at < CAST(end_day AS DATE) + 1
    UNION ALL
    SELECT * FROM orders_flat_files
    WHERE NOT pending AND status = 'resolved' AND resolved_at >= CAST(end_day AS DATE) + 1
      AND submitted_at < CAST(end_day AS DATE) + 1
) o
WHERE parse_filename(o.filename) <= strftime(CAST(end_day AS DATE), '%Y-%m') || '.parquet'
  AND (from_ts IS NULL OR (parse_filename(o.filename) >= strftime(from_ts, '%Y-%m') || '.parquet'
                           AND o.submitted_at >= from_ts))
  AND (until_ts IS NULL OR (parse_filename(o.filename) <= strftime(until_ts, '%Y-%m') || '.parquet'
                            AND o.submitted_at <= until_ts))
  AND (len(streets::VARCHAR[]) = 0 OR list_contains(streets::VARCHAR[], o.street_code))
  AND (len(communities::VARCHAR[]) = 0 OR list_contains(communities::VARCHAR[], o.community_code));
