"""One catalogue of UI labels: key → (简体中文, English). Enum and column labels live in contract.py."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "app.title": ("龙潭区共享物业社", "Longtan shared property cooperatives"),
    "app.subtitle": ("变“无人管”为“共治理”", "From unmanaged to co-governed"),
    "page.overview": ("总览", "Overview"),
    # filters
    "filter.heading": ("筛选", "Filters"),
    "filter.start": ("开始日期", "From"),
    "filter.end": ("结束日期", "To"),
    "filter.streets": ("街道（乡镇）", "Street offices"),
    "filter.communities": ("社区", "Communities"),
    "filter.all_streets": ("全部街道", "All street offices"),
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
    # overview sections and cards
    "section.organisation": ("组织体系", "Organisation"),
    "section.service": ("议事与点单服务", "Meetings and service orders"),
    "section.outcomes": ("治理成效", "Outcomes"),
    "section.baseline": ("小区底数", "Compounds"),
    "kpi.pilot_communities": ("试点社区", "Pilot communities"),
    "kpi.cooperatives": ("共享物业社", "Cooperatives"),
    "kpi.five_standard": ("“五有”达标", "Meeting all five standards"),
    "kpi.members": ("物业社成员", "Members"),
    "kpi.party_members": ("其中党员", "Party members"),
    "kpi.party_share": ("党员占比", "Party share"),
    "kpi.work_team_headcount": ("四支工作力量", "Work teams"),
    "kpi.meetings": ("协商会议", "Consultation meetings"),
    "kpi.problems_resolved": ("会议解决问题", "Problems resolved"),
    "kpi.orders_resolved": ("点单服务（已解决）", "Service orders resolved"),
    "kpi.resolution_rate": ("点单解决率", "Resolution rate"),
    "kpi.household_t": ("清运生活垃圾", "Household waste cleared"),
    "kpi.construction_t": ("清运建筑垃圾", "Construction waste cleared"),
    "kpi.building_doors": ("更换楼宇门", "Building doors replaced"),
    "kpi.road_km": ("修缮小区道路", "Road repaired"),
    "kpi.pipe_km": ("维修供热、排水管线", "Heating and drainage pipe repaired"),
    "kpi.parking_spaces": ("规划停车位", "Parking spaces"),
    "kpi.owners_committees": ("成立业委会", "Owners' committees founded"),
    "kpi.compounds": ("小区总数", "Compounds"),
    "kpi.compounds_unmanaged_before": ("项目前无专业物业的小区", "Compounds without a property company before"),
    "kpi.standalone_unmanaged_before": ("项目前无专业物业的单体楼", "Standalone buildings without one before"),
    "kpi.cooperative_managed": ("现由共享物业社代管", "Now managed by the cooperatives"),
    "help.stock": ("截至结束日期", "As of the end date"),
    "help.flow": ("所选时间范围内", "Within the chosen dates"),
    "help.before": ("项目启动日的状态", "State on the program launch day"),
    "help.resolution_rate": ("所选时间内提交的工单（不含已取消）中，截至结束日期已解决的比例",
                             "Of orders submitted in the window (cancelled excluded), the share resolved by its end"),
    # charts and tables
    "chart.orders_by_month": ("每月解决点单服务（次）", "Service orders resolved per month (times)"),
    "chart.tonnes_by_month": ("每月清运垃圾（吨）", "Waste cleared per month (t)"),
    "chart.by_street": ("各街道情况", "By street office"),
    "chart.orders_by_street": ("各街道解决点单服务（次）", "Service orders resolved by street office (times)"),
    "axis.month": ("月份", "Month"),
    "axis.street": ("街道", "Street office"),
    "col.street_name": ("街道", "Street office"),
    "col.cooperatives": ("物业社（个）", "Cooperatives"),
    "col.orders_resolved": ("解决点单（次）", "Orders resolved"),
    "col.tonnes": ("清运垃圾（吨）", "Waste cleared (t)"),
    "col.road_km": ("道路（公里）", "Road (km)"),
    "col.pipe_km": ("管线（公里）", "Pipe (km)"),
    "empty": ("所选范围内无数据", "No data in the selected range"),
    "window.caption": ("统计范围：{window}；{scope}", "Window: {window}; {scope}"),
    "data.error": ("数据集不符合数据契约，看板无法打开", "The dataset does not meet the data contract"),
}

LANG = "zh"


def t(key: str, **fmt) -> str:
    zh, en = CATALOGUE[key]
    text = zh if LANG == "zh" else en
    return text.format(**fmt) if fmt else text
