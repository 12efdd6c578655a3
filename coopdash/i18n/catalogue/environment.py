"""Labels of the 环境与修缮 page (keys prefixed env.): sections, KPI cards, charts, table columns.

Waste types and repair kinds are labelled by the contract (WASTE_TYPE, REPAIR_KIND), units by common.
"""

LABELS: dict[str, tuple[str, str]] = {
    # sections
    "env.section.cleanup_totals": ("垃圾清运", "Waste cleared"),
    "env.section.km_totals": ("道路与管线修缮", "Roads and pipes repaired"),
    "env.section.item_totals": ("设施更新", "Facilities"),
    "env.section.tonnes": ("清运吨数分布", "Tonnage by street office and month"),
    "env.section.repairs": ("各街道修缮", "Repairs by street office"),
    "env.section.progress": ("累计进度", "Cumulative progress"),
    "env.section.by_street": ("分街道明细", "Details by street office"),
    # KPI cards (window totals from kpi_outcomes)
    "env.kpi.household_t": ("清运生活垃圾", "Household waste cleared"),
    "env.kpi.construction_t": ("清运建筑垃圾", "Construction waste cleared"),
    "env.kpi.road_km": ("修缮小区道路", "Road repaired"),
    "env.kpi.heating_pipe_km": ("维修供热管线", "Heating pipe repaired"),
    "env.kpi.drainage_pipe_km": ("维修排水管线", "Drainage pipe repaired"),
    "env.kpi.pipe_km": ("供热、排水管线合计", "Heating and drainage pipe in all"),
    "env.kpi.building_doors": ("更换楼宇门", "Building doors replaced"),
    "env.kpi.stair_lights": ("安装楼道灯", "Stairwell lights installed"),
    "env.kpi.seating": ("安装休闲座椅", "Seating installed"),
    "env.kpi.parking_spaces": ("规划停车位", "Parking spaces laid out"),
    "env.help.window": ("所选时间范围内完成", "Done within the chosen dates"),
    "env.help.pipe": ("所选时间范围内供热管线与排水管线之和", "Heating plus drainage pipe, within the chosen dates"),
    # charts: the unit is in every title
    "env.chart.tonnes_by_street": ("各街道清运垃圾（吨）", "Waste cleared by street office (t)"),
    "env.chart.tonnes_by_month": ("每月清运垃圾（吨）", "Waste cleared per month (t)"),
    "env.chart.km_by_street": ("各街道修缮道路与管线（公里）", "Road and pipe repaired by street office (km)"),
    "env.chart.items_by_street": ("各街道更新设施（个）", "Facilities by street office (items)"),
    "env.chart.km_cumulative": ("道路与管线累计修缮（公里）", "Road and pipe repaired, cumulative (km)"),
    "env.chart.items_cumulative": ("设施累计更新（个）", "Facilities, cumulative (items)"),
    "env.progress_note": ("自{start}起按月累计（从 0 起算），每点为该月末的累计值，最后一点截至{end}。",
                          "Running totals from {start} (starting at 0), at each month's end; the last "
                          "point is as of {end}."),
    # table
    "env.col.street_name": ("街道", "Street office"),
    "env.col.with_unit": ("{label}（{unit}）", "{label} ({unit})"),
}
