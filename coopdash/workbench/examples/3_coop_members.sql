-- 各物业社成员与党员 / members and party members per cooperative
SELECT co.coop_name AS 物业社, count(*) AS 成员, count(*) FILTER (WHERE is_party_member) AS 党员
FROM coop_members m JOIN cooperatives co USING (coop_code)
GROUP BY ALL
ORDER BY 物业社
