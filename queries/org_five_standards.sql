-- 组织建设·服务阵地“五有”：范围内每个物业社（成立日不晚于结束日期）是否有场所阵地、有标识标牌、有人员公示、
-- 有制度上墙、有载体服务，以及五项是否全部具备（all_five）。
-- Organisation · the five standards per service site: for each cooperative in scope founded on or
-- before $end, has_site, has_signage, has_roster, has_rules, has_service, and all_five (all of them).
SELECT coop_code, coop_name, community_name, street_name,
       has_site, has_signage, has_roster, has_rules, has_service,
       has_site AND has_signage AND has_roster AND has_rules AND has_service AS all_five
FROM scoped_coops($streets, $communities)
WHERE founded_on <= $end
ORDER BY coop_code;
