-- 筛选项：街道（乡镇），受限账号只见本账号的街道。
-- Filter options: the street offices, towns and townships ($streets: a scoped account's own; [] for all).
SELECT street_code, street_name, kind
FROM streets
WHERE len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], street_code)
ORDER BY street_code;
