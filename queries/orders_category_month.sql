-- 点单服务·类别 × 月份：窗口内提交的工单数（不含已取消），按服务类别与提交月份；窗口内有提交的
-- 每个类别 × 窗口内每个月一行（无工单为 0），用于季节热力图（清雪 11–3 月、供热 10–4 月）。
-- 类别按窗口内提交总数从多到少排列。
-- Service orders submitted (cancelled excluded) by category and month of submission: every category
-- with submissions in the window × every month of the window (zeros kept), for the seasonal heatmap
-- (snow clearing Nov–Mar, heating Oct–Apr). Categories ordered by their total in the window, most first.
WITH months AS (
    SELECT month FROM window_months($start, $end)
), cells AS (
    SELECT category, sub_month AS month, sum(n) AS submitted
    FROM orders_in($start, $end, $streets, $communities, false)
    WHERE is_submitted GROUP BY ALL
), categories AS (
    SELECT category, sum(submitted) AS total FROM cells GROUP BY category
)
SELECT categories.category, months.month, CAST(coalesce(cells.submitted, 0) AS BIGINT) AS submitted
FROM categories
CROSS JOIN months
LEFT JOIN cells ON cells.category = categories.category AND cells.month = months.month
ORDER BY categories.total DESC, categories.category, months.month;
