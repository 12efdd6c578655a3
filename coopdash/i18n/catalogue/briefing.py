"""Labels of the monthly briefing (工作简报): its title, sections, sentences, tables and charts."""

LABELS: dict[str, tuple[str, str]] = {
    "brief.title": ("{district}共享物业社工作简报", "{district} shared property cooperatives: briefing"),
    "brief.district": ("龙潭区", "Longtan District"),
    "brief.scope_all": ("全区", "the whole district"),
    "brief.subtitle": ("{scope}　{period}", "{scope} · {period}"),
    "brief.meta": ("数据截至 {asof}；生成于 {made}。本简报的数字与看板同一查询、同一口径。",
                   "Data as of {asof}; made {made}. Every figure comes from the dashboard's own queries."),
    "brief.this_month": ("本月", "This month"),
    "brief.this_period": ("本期", "In this period"),
    "brief.s.overall": ("一、总体情况", "1. Overview"),
    "brief.s.indicators": ("主要指标", "Headline figures"),
    "brief.s.orders": ("二、点单服务", "2. Service orders"),
    "brief.s.environment": ("三、环境整治与维修", "3. Environment and repairs"),
    "brief.s.organisation": ("四、组织建设", "4. Organisation"),
    "brief.s.ranking": ("五、街道考核排名（红黑榜）", "5. Street-office ranking"),
    "brief.s.attention": ("六、需要关注的问题", "6. What needs attention"),
    "brief.s.appendix": ("附表", "Appendix"),
    # 总体情况 — sentences written from the figures
    "brief.p.orders": ("{when}{scope}各共享物业社共提供点单服务 {resolved} 次，解决率 {rate}{rate_change}；",
                       "{when} the cooperatives of {scope} resolved {resolved} service orders, a resolution "
                       "rate of {rate}{rate_change}; "),
    "brief.p.meetings": ("召开协商会议 {meetings} 次，解决问题 {problems} 个；",
                         "they held {meetings} consultation meetings that resolved {problems} problems; "),
    "brief.p.environment": ("清运生活垃圾 {household} 吨、建筑垃圾 {construction} 吨，修缮道路 {road} 公里，"
                            "维修供热、排水管线 {pipe} 公里。",
                            "cleared {household} t of household and {construction} t of construction waste, "
                            "repaired {road} km of road and {pipe} km of heating and drainage pipe."),
    "brief.p.stock": ("截至{end}，{scope}共有共享物业社 {coops} 个、成员 {members} 人，其中党员 {party} 人，"
                      "占 {share}。",
                      "On {end} {scope} had {coops} cooperatives with {members} members, {party} of them party "
                      "members ({share}). "),
    "brief.p.cumulative": ("自{launch}项目启动以来，累计解决点单服务 {resolved} 次，清运垃圾 {tonnes} 吨，"
                           "修缮道路 {road} 公里，维修管线 {pipe} 公里，成立业委会 {committees} 个。",
                           "Since the launch on {launch}: {resolved} service orders resolved, {tonnes} t of "
                           "waste cleared, {road} km of road and {pipe} km of pipe repaired, {committees} "
                           "owners' committees founded."),
    "brief.p.attention": ("截至期末，超过办结时限仍未办结的工单 {overdue} 件；本期未报送任何记录的社区 {silent} 个；"
                          "不符合组成要求的物业社 {failing} 个。",
                          "At the period's end {overdue} open orders were past their deadline; {silent} "
                          "communities reported nothing in the period; {failing} cooperatives fail a "
                          "membership rule."),
    "brief.change.mom_up": ("，环比上升 {d}", ", up {d} on the previous period"),
    "brief.change.mom_down": ("，环比下降 {d}", ", down {d} on the previous period"),
    "brief.change.mom_flat": ("，与上期持平", ", as in the previous period"),
    "brief.change.mom_none": ("（上期无数据）", " (no data for the previous period)"),
    "brief.points": ("{n} 个百分点", "{n} percentage points"),
    # 点单服务
    "brief.p.orders_detail": ("{when}提交工单 {submitted} 件，已解决 {resolved} 次；解决用时中位数 {median} 小时，"
                              "{within} 在类别办结时限内解决；有评价的 {rated} 件，平均评分 {rating} 分。",
                              "{when} {submitted} orders were submitted and {resolved} resolved; the median "
                              "time to resolve was {median} hours, {within} within the category's deadline; "
                              "{rated} were rated, {rating} points on average."),
    "brief.p.environment_detail": ("{when}清运生活垃圾 {household} 吨、建筑垃圾 {construction} 吨；修缮道路 {road} 公里，"
                                   "维修管线 {pipe} 公里；更换楼宇门 {doors} 个，规划停车位 {parking} 个。",
                                   "{when} {household} t of household and {construction} t of construction waste "
                                   "were cleared; {road} km of road and {pipe} km of pipe repaired; {doors} "
                                   "building doors replaced and {parking} parking spaces laid out."),
    "brief.p.organisation_detail": ("截至期末共有共享物业社 {coops} 个，“五有”达标 {five} 个；成员 {members} 人，"
                                    "党员占比 {share}；四支工作力量 {teams} 人。{when}召开协商会议 {meetings} 次，"
                                    "成立业委会 {committees} 个。",
                                    "At the period's end: {coops} cooperatives, {five} meeting all five "
                                    "standards; {members} members, {share} party members; {teams} people in "
                                    "the four work teams. {when} {meetings} meetings were held and {committees} "
                                    "owners' committees founded."),
    "brief.p.ranking": ("红榜（前三）：{top}；黑榜（后三）：{bottom}。", "Top three: {top}. Bottom three: {bottom}."),
    "brief.p.ranking_ends": ("参与排名的街道共 {n} 个，下表与下图为前 {k} 名与后 {k} 名，完整排名见附表。",
                             "{n} street offices are ranked: the table and figure show the first {k} and the last "
                             "{k}; the appendix has them all."),
    "brief.p.ranking_method": ("方法：{method}", "Method: {method}"),
    "brief.p.ranking_none": ("所选范围内没有可排名的街道。", "No street office in scope can be ranked."),
    "brief.p.overdue_none": ("没有超过办结时限的未结工单。", "No open order is past its deadline."),
    "brief.p.overdue_list": ("超期未结工单 {n} 件，最早提交的 {shown} 件见附表。",
                             "{n} open orders are past their deadline; the {shown} oldest are in the appendix."),
    "brief.p.silent_none": ("每个有物业社的社区本期都有记录。", "Every community with a cooperative reported."),
    "brief.p.silent": ("本期未报送记录的社区：{names}。", "Communities that reported nothing: {names}."),
    "brief.p.failing_none": ("所有物业社均符合组成要求。", "Every cooperative meets the membership rules."),
    "brief.p.failing": ("不符合组成要求的物业社：{names}。", "Cooperatives failing a membership rule: {names}."),
    # tables
    "brief.col.indicator": ("指标", "Figure"),
    "brief.col.period": ("本期", "This period"),
    "brief.col.mom": ("环比", "vs previous"),
    "brief.col.yoy": ("同比", "vs a year before"),
    "brief.col.cumulative": ("项目启动以来累计", "Since the launch"),
    "brief.col.at_end": ("截至期末", "At the end"),
    "brief.col.since_launch": ("较项目启动日", "Since the launch day"),
    "brief.col.rank": ("名次", "Rank"),
    "brief.col.score": ("综合得分", "Score"),
    "brief.col.band": ("榜单", "List"),
    "brief.band.top": ("红榜", "top"),
    "brief.band.bottom": ("黑榜", "bottom"),
    "brief.t.by_street": ("附表1　各街道情况", "Table A1. By street office"),
    "brief.t.overdue": ("附表2　超期未结工单（最早提交的 {n} 件）", "Table A2. Overdue open orders (the {n} oldest)"),
    "brief.t.failing": ("附表3　不符合组成要求的物业社", "Table A3. Cooperatives failing a membership rule"),
    "brief.t.categories": ("各类别点单服务", "Service orders by category"),
    "brief.t.ranking": ("街道考核排名", "Street-office ranking"),
    "brief.t.ranking_all": ("附表　街道考核排名（全部）", "Appendix table. Street-office ranking (all)"),
    # charts
    "brief.c.orders": ("图{n}　项目启动以来每月解决点单服务（次）", "Figure {n}. Service orders resolved per month"),
    "brief.c.tonnes": ("图{n}　项目启动以来每月清运垃圾（吨）", "Figure {n}. Waste cleared per month (t)"),
    "brief.c.ranking": ("图{n}　各街道综合得分", "Figure {n}. Composite score by street office"),
    "brief.c.streets": ("图{n}　各街道解决点单服务（次）", "Figure {n}. Service orders resolved by street office"),
    # the overview's button and the command line
    "brief.button": ("工作简报", "Briefing"),
    "brief.make": ("生成工作简报（{window}，{scope}）", "Make the briefing ({window}, {scope})"),
    "brief.docx": ("下载 Word（.docx）", "Download Word (.docx)"),
    "brief.pdf": ("下载 PDF", "Download PDF"),
    "brief.no_font": ("找不到中文字体，无法生成 PDF（Word 版不受影响）：请安装 fonts-noto-cjk（./start.sh 会自动安装）",
                      "no CJK font found, so no PDF (the Word file is fine): install fonts-noto-cjk "
                      "(./start.sh installs it)"),
}
