-- 点单服务·满意度：窗口内解决的工单（status = 'resolved' 且 resolved_at 在窗口内）中有评分的：
-- 评价数、平均评分（1–5 分）、评 4–5 分的工单数及其占评价数的比例。未评价（rating 为空）不计入。
-- Service orders, satisfaction: of the orders resolved in the window (status 'resolved', resolved_at
-- in the window) that have a rating: how many were rated, the mean rating (1–5), and how many (and
-- what share of the rated) scored 4 or 5. Unrated orders (null rating) are left out.
WITH r AS (
    SELECT CAST(coalesce(sum(rated), 0) AS BIGINT) AS rated,
           sum(rating_sum) / nullif(sum(rated), 0) AS mean_rating,
           CAST(coalesce(sum(rated_4_5), 0) AS BIGINT) AS rated_4_5
    FROM orders_in($start, $end, $streets, $communities, false)
    WHERE is_resolved
)
SELECT rated, mean_rating, rated_4_5, rated_4_5 / nullif(rated, 0) AS share_4_5 FROM r;
