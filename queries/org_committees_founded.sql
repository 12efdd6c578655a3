-- 组织建设·新成立业委会：窗口内（成立日期在开始、结束日期之间，含两端）范围内小区成立的业主委员会名单：
-- 小区、社区、街道、成立日期，按成立日期排序。（个数见 kpi_outcomes 的 owners_committees。）
-- Organisation · owners' committees founded in the window (founded_on between $start and $end,
-- inclusive) in compounds in scope: compound, community, street office, founded on; by date.
SELECT oc.committee_id, s.compound_code, s.compound_name, s.community_name, s.street_name, oc.founded_on
FROM owners_committees oc
JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE oc.founded_on BETWEEN $start AND $end
ORDER BY oc.founded_on, oc.committee_id;
