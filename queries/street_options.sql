-- 筛选项：全部街道（乡镇）。 Filter options: every street office, town and township.
SELECT street_code, street_name, kind
FROM streets
ORDER BY street_code;
