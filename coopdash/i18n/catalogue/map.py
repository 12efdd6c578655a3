"""Labels of the 小区地图 page (keys prefixed map.): state switch, legend, change cards, tooltip,
compound details, boundary-file messages.

Management states, sharing+ modes, compound kinds and the detail tables' enum values are labelled by
the contract (MANAGEMENT, COOP_MODE, COMPOUND_KIND, ORDER_CATEGORY …), units by common.
"""

LABELS: dict[str, tuple[str, str]] = {
    # before/after switch
    "map.state.label": ("地图显示", "The map shows"),
    "map.state.before": ("项目启动前（{day}）", "Before the program ({day})"),
    "map.state.after": ("结束日期（{day}）", "On the end date ({day})"),
    "map.state.help": ("项目启动前取启动日当天的管理状态；结束日期取所选时间范围最后一天的状态",
                       "Before: the state on the launch day; end date: the state on the window's last day"),
    # legend and change cards beside the map
    "map.legend.title": ("管理状态（个）", "Management (compounds)"),
    "map.legend.row": ("{count} 个 · {households} 户", "{count} · {households} households"),
    "map.legend.size": ("点的大小表示户数。点击点位或在地图下方选择小区，查看其点单、清运与修缮。",
                        "Point size shows households. Click a point, or choose a compound below the map, "
                        "for its orders, cleanups and repairs."),
    "map.change.title": ("项目前后变化（个）", "Change since the program began"),
    "map.change.description": ("较项目启动前", "vs. before the program"),
    "map.change.help": ("项目启动前 {before} 个 → 结束日期 {after} 个", "{before} before → {after} on the end date"),
    "map.status.unknown": ("无记录", "No record"),
    # the aggregated map (more compounds in scope than [map] aggregate_above): one point per community
    "map.level.communities": (
        "范围内有 {compounds} 个小区、单体楼（超过 {limit} 个），地图按社区汇总：每个点是一个社区（{communities} 个）。"
        "在侧栏选择街道或社区，或点击社区后选择“查看该社区的小区”，即逐个显示小区。",
        "The scope has {compounds} compounds (more than {limit}), so the map shows one point per community "
        "({communities}). Choose a street office or community in the sidebar, or click a community and "
        "then “Show its compounds”, to see each compound."),
    "map.legend.share_title": ("共享物业社代管的小区占比（社区）", "Share of compounds the cooperative manages (communities)"),
    "map.legend.share_row": ("{communities} 个社区 · {compounds} 个小区", "{communities} communities · {compounds} compounds"),
    "map.legend.share_size": ("点的大小表示社区的小区、单体楼个数。点击社区查看其各管理状态的个数。",
                              "Point size shows the community's compounds. Click a community for its "
                              "compounds in each management state."),
    "map.share.0": ("没有", "None"),
    "map.share.1": ("不足 25%", "Under 25%"),
    "map.share.2": ("25%–50%", "25–50%"),
    "map.share.3": ("50%–75%", "50–75%"),
    "map.share.4": ("75% 及以上", "75% or more"),
    "map.community.compounds": ("{n} 个小区、单体楼", "{n} compounds"),
    "map.community.state_title": ("各管理状态的小区、单体楼（个）", "Compounds in each management state"),
    "map.community.state_row": ("{status}：项目启动前 {before} → 结束日期 {after}",
                                "{status}: {before} before the program → {after} on the end date"),
    "map.community.show": ("查看该社区的小区", "Show its compounds"),
    "map.community.show_help": ("把侧栏的社区筛选设为该社区（对所有页面生效，并写入链接）",
                                "Sets the sidebar's community filter to this community (for every page, "
                                "and in the link)"),
    "map.community.show_street": ("只看{street}", "Only {street}"),
    "map.community.show_street_help": ("把侧栏的街道筛选设为该街道（对所有页面生效，并写入链接）",
                                       "Sets the sidebar's street filter to this street office (for every "
                                       "page, and in the link)"),
    # tooltip (one line per field)
    "map.tip.kind": ("类型", "Kind"),
    "map.tip.community": ("社区", "Community"),
    "map.tip.street": ("街道", "Street office"),
    "map.tip.status": ("管理状态", "Management"),
    "map.tip.mode": ("共享+模式", "Sharing+ mode"),
    "map.tip.households": ("户数", "Households"),
    "map.tip.open_orders": ("结束日期未办结点单", "Open orders on the end date"),
    "map.tip.line": ("{label}：{field}", "{label}: {field}"),
    "map.tip.compounds": ("小区、单体楼", "Compounds"),
    "map.tip.share": ("{count}（占 {share}）", "{count} ({share})"),
    "map.tip.click": ("点击查看该社区", "Click for this community"),
    "map.unit.orders": ("件", "orders"),
    # choosing a compound
    "map.pick.label": ("选择小区", "Choose a compound"),
    "map.pick.placeholder": ("在地图上点选，或在此输入小区名称", "Click a point on the map, or type a name here"),
    "map.pick.option": ("{name}（{community}）", "{name} ({community})"),
    # compound details
    "map.detail.built": ("建成于 {year} 年", "built in {year}"),
    "map.detail.built_unknown": ("建成年份不详", "year built unknown"),
    "map.detail.buildings": ("{n} 栋", "{n} buildings"),
    "map.detail.state": ("管理状态：项目启动前 {before} → 结束日期 {after}",
                         "Management: {before} before the program → {after} on the end date"),
    "map.detail.with_mode": ("{status}（{mode}）", "{status} ({mode})"),
    "map.detail.orders": ("点单服务（{count} 件）", "Service orders ({count})"),
    "map.detail.cleanups": ("垃圾清运（{count} 次）", "Cleanups ({count})"),
    "map.detail.repairs": ("修缮（{count} 项）", "Repairs ({count})"),
    "map.col.open_at_end": ("结束日期未办结", "Open at the end date"),
    "map.col.unit": ("单位", "Unit"),
    # data files beside the dataset
    "map.boundaries.error": ("边界文件 {file} 无法使用：{reason}。地图不显示边界，其余内容不受影响。",
                             "The boundary file {file} cannot be used: {reason}. The map is drawn without "
                             "outlines; everything else works."),
    "map.boundaries.bad_json": ("不是有效的 JSON（第 {line} 行第 {column} 列：{msg}）",
                                "not valid JSON (line {line}, column {column}: {msg})"),
    "map.boundaries.unreadable": ("无法读取（{msg}）", "cannot be read ({msg})"),
    "map.boundaries.too_large": ("文件过大（{size} MB，上限 {limit} MB），请先简化边界",
                                 "too large ({size} MB, limit {limit} MB); simplify the outlines first"),
    "map.boundaries.not_geojson": ("不是 GeoJSON（应为 FeatureCollection、Feature 或几何对象）",
                                   "not GeoJSON (expected a FeatureCollection, a Feature or a geometry)"),
    "map.boundaries.bad_geometry": ("第 {index} 个要素的几何无效（{detail}）",
                                    "feature {index} has an invalid geometry ({detail})"),
    "map.boundaries.not_wgs84": ("第 {index} 个要素的坐标超出经纬度范围（应为 WGS84 经纬度，而非投影坐标）",
                                 "feature {index} has coordinates outside longitude/latitude ranges (expected "
                                 "WGS84 degrees, not projected coordinates)"),
    "map.boundaries.no_lines": ("没有面或线要素", "no polygon or line features"),
    # the district's outline under the points (data/reference/longtan-outline.geojson)
    "map.outline.legend_district": ("龙潭区界", "Longtan District boundary"),
    "map.outline.legend_neighbours": ("相邻区、市界", "Neighbouring districts and cities"),
}
