"""Labels every page uses: app, page titles, filters, units, axes, messages."""

LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("龙潭区共享物业社", "Longtan shared property cooperatives"),
    "app.subtitle": ("变“无人管”为“共治理”", "From unmanaged to co-governed"),
    # page titles
    "nav.reports": ("报告", "Reports"),
    "mark.launch": ("项目启动", "launch"),
    "download.workbook": ("下载本页全部 {n} 个表格（一个 Excel 文件，每表一页）",
                          "Download all {n} tables of this page (one Excel file, a sheet each)"),
    "filter.communities_dropped": ("已移除不属于所选街道的社区：{names}", "Communities outside the chosen street "
                                   "offices were removed: {names}"),
    "delta.points": ("{n} 个百分点", "{n} pts"),
    "delta.mom": ("环比", "vs previous period"),
    "delta.yoy": ("同比 {d}", "vs a year before: {d}"),
    "delta.since_launch": ("较项目启动时", "since the launch"),
    "delta.previous_end": ("较上期末", "vs the previous period's end"),
    "delta.none": ("—", "—"),
    "mark.report": ("报道日", "report date"),
    "nav.analysis": ("分析", "Analysis"),
    "nav.admin": ("管理", "Administration"),
    "page.overview": ("总览", "Overview"),
    "page.map": ("小区地图", "Compound map"),
    "page.orders": ("点单服务", "Service orders"),
    "page.environment": ("环境与修缮", "Cleanup and repairs"),
    "page.organisation": ("组织建设", "Organisation"),
    # filters
    "filter.heading": ("筛选", "Filters"),
    "filter.start": ("开始日期", "From"),
    "filter.end": ("结束日期", "To"),
    "filter.streets": ("街道（乡镇）", "Street offices"),
    "filter.communities": ("社区", "Communities"),
    "filter.all_streets": ("全部街道", "All street offices"),
    "filter.choose": ("请选择", "Choose"),
    "table.scrolls": ("表格较宽：左右滚动可看全部列 →", "Wider than the page: scroll sideways for every column →"),
    "print.sheet": ("第 {page} 页，共 {pages} 页", "page {page} of {pages}"),  # a printed sheet, top right
    "table.print_more": ("打印件只列前 {shown} 行（共 {n} 行），完整表格见下载",
                         "Printed: the first {shown} of {n} rows; the whole table is in the downloads"),
    "table.phone_columns": ("手机上只显示主要列，另有 {n} 列在下载的表格中", "On a phone only the key columns: "
                            "{n} more are in the download"),
    "filter.phone_heading": ("筛选 · {window}", "Filters · {window}"),  # a phone's filters, at the top
    "filter.all_communities": ("全部社区", "All communities"),
    "filter.report_window": ("截至报道日", "As reported"),
    "filter.report_window_help": ("项目启动日至报道日：显示报道中的数字", "Launch to the article's date"),
    "filter.all_time": ("全部时间", "All time"),
    "filter.swapped": ("开始日期晚于结束日期，已按对调后的范围显示", "Start was after end; swapped"),
    "filter.link_help": ("筛选条件已写入地址栏，复制链接即可分享当前视图",
                         "The filters are in the address bar: copy the link to share this view"),
    # units
    "unit.t": ("吨", "t"),
    "unit.km": ("公里", "km"),
    "unit.items": ("个", "items"),
    "unit.times": ("次", "times"),
    "unit.people": ("人", "people"),
    "unit.hours": ("小时", "hours"),
    "unit.days": ("天", "days"),
    "unit.households": ("户", "households"),
    # axes
    "axis.month": ("月份", "Month"),
    "axis.street": ("街道", "Street office"),
    # view: language, projection, carousel
    "view.language": ("语言", "Language"),
    "view.present": ("放映模式", "Projection mode"),
    "view.present_help": ("隐藏侧栏、放大字号，供会议室投影；地址加 ?mode=present 亦可",
                          "Hides the sidebar, large type for a meeting-room projector; or add ?mode=present"),
    "view.exit_present": ("退出放映", "Exit projection"),
    "view.carousel": ("轮播", "Carousel"),
    "view.carousel_on": ("自动轮播所选页面", "Cycle through the chosen pages"),
    "view.carousel_pages": ("轮播页面", "Pages"),
    "view.carousel_seconds": ("每页停留（秒）", "Seconds per page"),
    # messages
    "empty": ("所选范围内无数据", "No data in the selected range"),
    "mark.yes": ("✓", "✓"),  # a table's yes/no column (ui.table kind "mark")
    "mark.no": ("✗", "✗"),
    "window.caption": ("数据截至 {asof} ｜ 统计范围：{window} ｜ {scope}", "Data as of {asof} | Window: {window} | {scope}"),
    "data.error": ("数据集不符合数据契约，看板无法打开", "The dataset does not meet the data contract"),
}
