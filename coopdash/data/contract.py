"""The data contract as code: tables, columns, types, enumerations and their labels.

One definition, read by the query layer (views, column checks), the demo generator, the
tests and the contract document (`python -m coopdash.data.contract > docs/data-contract.md`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Enum:
    """A closed set of codes, each with a Chinese and an English label."""

    values: dict[str, tuple[str, str]]  # code -> (zh, en)

    def zh(self, code: str) -> str:
        return self.values[code][0]

    def en(self, code: str) -> str:
        return self.values[code][1]

    def label(self, code: str) -> str:
        """The code's label in the session's language (中文 by default); unknown codes as they are."""
        from coopdash.i18n.labels import pick
        return pick(*self.values[code]) if code in self.values else str(code)

    @property
    def codes(self) -> list[str]:
        return list(self.values)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type the view casts to
    zh: str
    en: str
    nullable: bool = False
    enum: Enum | None = None
    note: str = ""
    units: tuple[str, ...] = ()  # units a ledger may write after a number ("1.2吨"); the first is the one shown


    @property
    def label(self) -> str:
        from coopdash.i18n.labels import pick
        return pick(self.zh, self.en)


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        from coopdash.i18n.labels import pick
        return pick(self.zh, self.en)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


STREET_KIND = Enum({"street": ("街道", "street office"), "town": ("镇", "town"),
                    "township": ("乡", "township")})
COMPOUND_KIND = Enum({"compound": ("小区", "compound"), "standalone": ("单体楼", "standalone building")})
MANAGEMENT = Enum({
    "professional": ("专业物业", "professional property company"),
    "cooperative": ("共享物业社代管", "managed by the cooperative"),
    "self": ("业主自管", "self-managed by owners"),
    "none": ("无人管理", "unmanaged"),
})
COOP_MODE = Enum({
    "co_build": ("联建共建", "co-building with enterprises"),
    "self_governance": ("居民自治", "residents' self-governance"),
    "resource_intro": ("资源引入", "bringing in a property company"),
})
ROLE = Enum({"chair": ("理事长", "chair"), "vice_chair": ("副理事长", "vice-chair"),
             "member": ("成员", "member")})
BACKGROUND = Enum({
    "grid_worker": ("网格员", "grid worker"),
    "resident_rep": ("居民代表", "residents' representative"),
    "three_heads": ("三长", "building/unit/block head"),
    "neighbor_core": ("邻里骨干", "neighbourhood activist"),
    "police": ("社区民警", "community police officer"),
    "street_cadre": ("街道干部", "street-office cadre"),
    "community_cadre": ("社区干部", "community cadre"),
    "committee_head": ("业委会或物管会负责人", "head of owners' or property committee"),
    "owner_rep": ("业主代表", "owners' representative"),
})
TEAM = Enum({
    "coordination": ("综合协调组", "coordination team"),
    "property": ("物业管理组", "property management team"),
    "volunteer": ("志愿服务组", "volunteer service team"),
    "supervision": ("评议监督组", "review and supervision team"),
})
ORDER_CATEGORY = Enum({
    "pipe_unclog": ("管道疏通", "pipe unclogging"),
    "stair_cleaning": ("楼道清扫", "stairwell cleaning"),
    "snow_clearing": ("冬季清雪", "winter snow clearing"),
    "gas_safety": ("燃气安全", "gas safety"),
    "fume_noise": ("油烟噪声扰民", "fumes and noise nuisance"),
    "lighting": ("照明", "lighting"),
    "door_access": ("单元门", "unit door"),
    "garbage": ("垃圾清运", "garbage removal"),
    "heating": ("供热", "heating"),
    "illegal_building": ("私搭乱建", "illegal construction"),
    "parking": ("停车", "parking"),
    "facility": ("公共设施", "public facilities"),
    "other": ("其他", "other"),
})
ORDER_STATUS = Enum({
    "submitted": ("已提交", "submitted"),
    "accepted": ("已受理", "accepted"),
    "in_progress": ("处理中", "in progress"),
    "resolved": ("已解决", "resolved"),
    "cancelled": ("已取消", "cancelled"),
})
WASTE_TYPE = Enum({"household": ("生活垃圾", "household waste"),
                   "construction": ("建筑垃圾", "construction waste")})
REPAIR_KIND = Enum({
    "road": ("道路", "road"),
    "heating_pipe": ("供热管线", "heating pipe"),
    "drainage_pipe": ("排水管线", "drainage pipe"),
    "building_door": ("楼宇门", "building door"),
    "stair_light": ("楼道灯", "stairwell light"),
    "seating": ("休闲座椅", "seating"),
    "parking_space": ("停车位", "parking space"),
})
# The one definition of a repair's unit: kinds measured in kilometres; every other kind counts items (个).
# The views load it as the table `repair_units` (coopdash/data/views.py); ingest, the map and the
# generators read it from here.
KM_REPAIR_KINDS = ("road", "heating_pipe", "drainage_pipe")
REPAIR_UNIT = Enum({"km": ("公里", "km"), "items": ("个", "items")})
# The words a ledger may write for each unit, after a number or in a 单位 column (compared after NFKC, lower case).
UNIT_WORDS = {"km": ("公里", "km", "千米"), "items": ("个", "处", "件", "块", "扇", "盏", "樘", "套", "组", "items"),
              "t": ("吨", "t")}


def repair_unit(kind: str) -> str:
    """'km' for a road or pipe repair, 'items' for every other kind."""
    return "km" if kind in KM_REPAIR_KINDS else "items"


C = Column
TABLES: tuple[Table, ...] = (
    Table("streets", "街道（乡镇）", "street offices, towns and townships", ("street_code",), (
        C("street_code", "VARCHAR", "街道代码", "street code", note="统计用区划代码 / statistical division code"),
        C("street_name", "VARCHAR", "街道名称", "street name"),
        C("kind", "VARCHAR", "类型", "kind", enum=STREET_KIND),
        C("lon", "DOUBLE", "经度", "longitude", note="WGS84"),
        C("lat", "DOUBLE", "纬度", "latitude", note="WGS84"),
    )),
    Table("communities", "社区", "communities", ("community_code",), (
        C("community_code", "VARCHAR", "社区代码", "community code"),
        C("community_name", "VARCHAR", "社区名称", "community name"),
        C("street_code", "VARCHAR", "街道代码", "street code", note="→ streets"),
        C("is_pilot", "BOOLEAN", "是否试点", "pilot community"),
        C("lon", "DOUBLE", "经度", "longitude", note="WGS84"),
        C("lat", "DOUBLE", "纬度", "latitude", note="WGS84"),
    )),
    Table("compounds", "小区与单体楼", "compounds and standalone buildings", ("compound_code",), (
        C("compound_code", "VARCHAR", "小区代码", "compound code"),
        C("compound_name", "VARCHAR", "小区名称", "compound name"),
        C("community_code", "VARCHAR", "社区代码", "community code", note="→ communities"),
        C("kind", "VARCHAR", "类型", "kind", enum=COMPOUND_KIND),
        C("built_year", "INTEGER", "建成年份", "year built", nullable=True, units=("年",)),
        C("buildings", "INTEGER", "楼栋数", "buildings", units=("栋", "幢", "座")),
        C("households", "INTEGER", "户数", "households", units=("户",)),
        C("lon", "DOUBLE", "经度", "longitude", note="WGS84"),
        C("lat", "DOUBLE", "纬度", "latitude", note="WGS84"),
    )),
    Table("management_history", "物业管理状态变更", "management history", ("compound_code", "valid_from"), (
        C("compound_code", "VARCHAR", "小区代码", "compound code", note="→ compounds"),
        C("valid_from", "DATE", "生效日期", "valid from"),
        C("management", "VARCHAR", "管理状态", "management", enum=MANAGEMENT),
        C("coop_mode", "VARCHAR", "共享+模式", "sharing+ mode", nullable=True, enum=COOP_MODE),
    )),
    Table("cooperatives", "共享物业社", "cooperatives", ("coop_code",), (
        C("coop_code", "VARCHAR", "物业社代码", "cooperative code"),
        C("coop_name", "VARCHAR", "物业社名称", "cooperative name"),
        C("community_code", "VARCHAR", "社区代码", "community code", note="→ communities"),
        C("founded_on", "DATE", "成立日期", "founded on"),
        C("has_site", "BOOLEAN", "有场所阵地", "has a site"),
        C("has_signage", "BOOLEAN", "有标识标牌", "has signage"),
        C("has_roster", "BOOLEAN", "有人员公示", "has a public roster"),
        C("has_rules", "BOOLEAN", "有制度上墙", "has rules on the wall"),
        C("has_service", "BOOLEAN", "有载体服务", "has a service channel"),
    )),
    Table("coop_members", "物业社成员", "cooperative members", ("member_id",), (
        C("member_id", "VARCHAR", "成员编号", "member id", note="不含姓名 / no names"),
        C("coop_code", "VARCHAR", "物业社代码", "cooperative code", note="→ cooperatives"),
        C("role", "VARCHAR", "职务", "role", enum=ROLE),
        C("is_party_member", "BOOLEAN", "是否党员", "party member"),
        C("background", "VARCHAR", "人员来源", "background", enum=BACKGROUND),
        C("joined_on", "DATE", "加入日期", "joined on"),
    )),
    Table("work_teams", "工作力量", "work teams", ("coop_code", "team", "as_of"), (
        C("coop_code", "VARCHAR", "物业社代码", "cooperative code", note="→ cooperatives"),
        C("team", "VARCHAR", "工作组", "team", enum=TEAM),
        C("headcount", "INTEGER", "人数", "headcount", units=("人",)),
        C("as_of", "DATE", "统计日期", "as of", note="最近一次统计有效 / the latest count on or before a date holds"),
    )),
    Table("meetings", "协商会议", "consultation meetings", ("meeting_id",), (
        C("meeting_id", "VARCHAR", "会议编号", "meeting id"),
        C("coop_code", "VARCHAR", "物业社代码", "cooperative code", note="→ cooperatives"),
        C("held_on", "DATE", "召开日期", "held on"),
        C("topic", "VARCHAR", "议题", "topic"),
        C("participants", "INTEGER", "参会人数", "participants", units=("人", "人次")),
        C("problems_resolved", "INTEGER", "解决问题数", "problems resolved", units=("个", "件", "项")),
    )),
    Table("service_orders", "点单服务", "service orders", ("order_id",), (
        C("order_id", "VARCHAR", "工单编号", "order id"),
        C("compound_code", "VARCHAR", "小区代码", "compound code", note="→ compounds"),
        C("category", "VARCHAR", "服务类别", "category", enum=ORDER_CATEGORY),
        C("submitted_at", "TIMESTAMP", "点单时间", "submitted at",
          note="当地时间，精确到秒 / local time (UTC+8), to the second"),
        C("resolved_at", "TIMESTAMP", "解决时间", "resolved at", nullable=True,
          note="仅已解决工单有值 / set exactly when resolved"),
        C("status", "VARCHAR", "状态", "status", enum=ORDER_STATUS),
        C("rating", "INTEGER", "满意度评分", "rating", nullable=True, note="1–5，未评价为空 / null if not rated",
          units=("分",)),
    )),
    Table("cleanups", "垃圾清运", "cleanups", ("cleanup_id",), (
        C("cleanup_id", "VARCHAR", "清运编号", "cleanup id"),
        C("compound_code", "VARCHAR", "小区代码", "compound code", note="→ compounds"),
        C("done_on", "DATE", "清运日期", "done on"),
        C("waste_type", "VARCHAR", "垃圾类型", "waste type", enum=WASTE_TYPE),
        C("tonnes", "DOUBLE", "重量（吨）", "tonnes", note="> 0", units=UNIT_WORDS["t"]),
    )),
    Table("repairs", "修缮", "repairs", ("repair_id",), (
        C("repair_id", "VARCHAR", "修缮编号", "repair id"),
        C("compound_code", "VARCHAR", "小区代码", "compound code", note="→ compounds"),
        C("done_on", "DATE", "完成日期", "done on"),
        C("kind", "VARCHAR", "修缮类型", "kind", enum=REPAIR_KIND),
        C("quantity", "DOUBLE", "数量", "quantity",
          note="> 0；道路、管线为公里，其余为个 / km for road and pipes, items otherwise",
          units=UNIT_WORDS["km"] + UNIT_WORDS["items"]),
    )),
    Table("owners_committees", "业主委员会", "owners' committees", ("committee_id",), (
        C("committee_id", "VARCHAR", "业委会编号", "committee id"),
        C("compound_code", "VARCHAR", "小区代码", "compound code", note="→ compounds"),
        C("founded_on", "DATE", "成立日期", "founded on"),
    )),
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# (child table, column, parent table, parent column): every value of the child column exists in the parent.
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("communities", "street_code", "streets", "street_code"),
    ("compounds", "community_code", "communities", "community_code"),
    ("management_history", "compound_code", "compounds", "compound_code"),
    ("cooperatives", "community_code", "communities", "community_code"),
    ("coop_members", "coop_code", "cooperatives", "coop_code"),
    ("work_teams", "coop_code", "cooperatives", "coop_code"),
    ("meetings", "coop_code", "cooperatives", "coop_code"),
    ("service_orders", "compound_code", "compounds", "compound_code"),
    ("cleanups", "compound_code", "compounds", "compound_code"),
    ("repairs", "compound_code", "compounds", "compound_code"),
    ("owners_committees", "compound_code", "compounds", "compound_code"),
)


def to_markdown() -> str:
    """The contract document, generated from this module (tests check the committed copy)."""
    out = [
        "# 数据契约 / Data contract",
        "",
        "<!-- 由 `python -m coopdash.data.contract > docs/data-contract.md` 生成，勿手改。"
        " Generated from coopdash/data/contract.py; do not edit by hand. -->",
        "",
        "一个数据集是一个文件夹。每张表是 `<表名>.parquet`，或文件夹 `<表名>/`（内含 Parquet 文件，"
        "允许 hive 分区）。应用读取环境变量 `COOP_DATA_DIR` 指定的文件夹（默认 `data/demo`）。"
        "坐标为 WGS84；代码均为字符串。下列各表均为必需。",
        "",
        "A dataset is a folder. Each table is `<table>.parquet` or a folder `<table>/` of Parquet files "
        "(hive partitions allowed). The app reads the folder named by `COOP_DATA_DIR` "
        "(default `data/demo`). Coordinates are WGS84; codes are strings. Every table below is required. "
        "Columns beyond these are ignored; the app casts each listed column to the type shown.",
        "",
    ]
    for t in TABLES:
        out += [f"## `{t.name}` — {t.zh} / {t.en}", "",
                f"主键 / key: {', '.join(f'`{k}`' for k in t.key)}", "",
                "| 列 column | 类型 type | 中文 | English | 可空 nullable | 取值与说明 values and notes |",
                "|---|---|---|---|---|---|"]
        for c in t.columns:
            values = ""
            if c.enum:
                values = "<br>".join(f"`{k}` {zh} / {en}" for k, (zh, en) in c.enum.values.items())
            if c.note:
                values = f"{values}<br>{c.note}" if values else c.note
            if c.units:
                words = "、".join(c.units)
                values = f"{values}<br>可带单位 / unit allowed: {words}" if values else f"可带单位 / unit allowed: {words}"
            out.append(f"| `{c.name}` | {c.type} | {c.zh} | {c.en} | {'是 yes' if c.nullable else '否 no'} | {values} |")
        out.append("")
    out += [
        "## 规则 / Rules",
        "",
        "- `management_history`：每个小区至少有一行 `valid_from` 不晚于项目启动日（项目前状态）；"
        "某日的状态取该日及以前最近的一行。`coop_mode` 仅在共享物业社代管时有值。",
        "  Every compound has a row dated on or before the program launch (its state before the program); "
        "the latest row on or before a date is its state on that date. `coop_mode` is set only for "
        "cooperative management.",
        "- `work_teams`：某日的人数取该日及以前最近一次统计。 The headcount on a date is the latest count on "
        "or before it.",
        "- `repairs.quantity`：`road`、`heating_pipe`、`drainage_pipe` 单位为公里，其余为个。 "
        "Kilometres for road and pipes; items for the other kinds.",
        "- 时间为当地时间（UTC+8），不带时区。 Timestamps are local time (UTC+8) without a zone.",
        "",
        "## 汇总表 / Rollups",
        "",
        "文件夹 `_rollups/` 存放由上述各表派生的汇总（按街道、社区与月份）、带地点代码的工单，以及按解决日排序的"
        "已解决工单（看板载入时按用时排出名次，用于精确的用时中位数），不属于契约："
        "导入、演示与城市规模生成器写数据集时一并写出（`python -m coopdash.data.rollups <文件夹>` 可单独重写）。"
        "缺少或与各表不符（各表文件大小与汇总 SQL 的签名不同）时，看板在打开数据集时于内存中重建，数字不受影响。",
        "The folder `_rollups/` holds summaries derived from the tables above (per street office, "
        "community and month), the orders with their place codes, and the resolved orders in order of resolution "
        "(ranked by time to resolve when the dashboard loads them, for exact medians); it is not part of the contract. "
        "Ingest and the demo and city generators write it with the dataset "
        "(`python -m coopdash.data.rollups <folder>` rewrites it alone). When it is missing or does not match "
        "the tables (a signature of their file sizes and of the rollups' SQL), the dashboard builds it in memory when it opens the "
        "dataset; the figures are the same either way.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(to_markdown(), end="")
