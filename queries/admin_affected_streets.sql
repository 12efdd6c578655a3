-- 导入预览：一批台账涉及的街道（按其行中的小区、社区、物业社、街道代码）。
-- The street offices a batch of ledgers touches, from the place codes in its rows
-- ($compounds, $communities, $coops, $street_codes: the codes the batch's rows name).
SELECT DISTINCT street_code FROM (
    SELECT street_code FROM place_names
    WHERE list_contains($compounds::VARCHAR[], compound_code) OR list_contains($communities::VARCHAR[], community_code)
    UNION ALL
    SELECT cm.street_code FROM communities cm WHERE list_contains($communities::VARCHAR[], cm.community_code)
    UNION ALL
    SELECT cm.street_code FROM cooperatives co JOIN communities cm USING (community_code)
    WHERE list_contains($coops::VARCHAR[], co.coop_code)
    UNION ALL
    SELECT street_code FROM streets WHERE list_contains($street_codes::VARCHAR[], street_code)
)
ORDER BY street_code;
