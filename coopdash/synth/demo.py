"""The deterministic demo dataset: `python -m coopdash.synth.demo [--out data/demo]`.

Cumulative figures from the program launch up to and including the article's snapshot date equal
the article exactly (13 cooperatives, 99 members of whom 77 party members, 300 in the work teams,
20 meetings / 46 problems, 35 resolved orders, 12 t + 7 t of waste, 15 doors, 2.3 km road,
10.24 km pipe, 56 parking spaces, 11 owners' committees). After the snapshot the same
cooperatives keep working month by month until END at a steady pace with the seasons of Jilin:
snow clearing Nov–Mar, heating Oct–Apr, road and pipe works May–Oct.

Every name the article gives sits where the article puts it; all other community and compound
names, and all coordinates, are invented for the demo (see docs/demo-data.md).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from coopdash import ROOT
from coopdash.data.contract import TABLES
from coopdash.data.dataset import to_arrow, write_dataset
from coopdash.data.settings import settings

SEED = 20231130
END = dt.date(2026, 10, 31)  # last day of demo data
DIVISIONS_CSV = ROOT / "data" / "reference" / "longtan-divisions.csv"

# Seats of the street offices (WGS84), invented but inside 龙潭区's outline
# (data/reference/longtan-outline.geojson; tests/test_map_outline.py checks every point of the demo).
# The 13 urban street offices lie on the Songhua's north-east bank, where Longtan's town is, each at
# least 1.45 km inside the outline so that its communities and compounds (at most SPREAD × 1.76 km
# away, whatever the seed) stay inside; 龙潭街道 is at the district's seat (43.908 N 126.557 E). The
# towns and the township lie in the district's rural north and east, roughly in their real directions.
SEATS = {
    "220203001": (126.552, 43.922), "220203002": (126.576, 43.906), "220203003": (126.618, 43.889),
    "220203004": (126.597, 43.899), "220203005": (126.557, 43.908), "220203006": (126.536, 43.938),
    "220203007": (126.643, 43.879), "220203008": (126.573, 43.930), "220203009": (126.556, 43.946),
    "220203010": (126.598, 43.925), "220203012": (126.622, 43.910), "220203013": (126.516, 43.956),
    "220203014": (126.580, 43.958),
    "220203100": (126.485, 44.060), "220203101": (126.730, 44.040), "220203102": (126.800, 43.875),
    "220203103": (126.610, 44.120), "220203104": (126.620, 43.972), "220203200": (126.515, 43.975),
}
# How far communities lie from their street office's seat, and compounds from their community's
# point, as a share of the original spread (communities 0.005–0.011°, compounds 0.0008–0.0048°, and
# × 1.3 in longitude): 0.75 keeps a street office's points within 1.32 km of its seat.
SPREAD = 0.75
# Communities per urban street office; the first of each is the pilot (the article names
# 站前 / 承德, 龙江 / 龙华, 扬州 / 新安, 新义 / 新吉林; the others are invented).
COMMUNITIES = {
    "220203001": ["龙江", "华山", "龙华", "北山"],
    "220203002": ["湘江", "湘潭", "和平", "民主"],
    "220203003": ["铁东", "机车", "东山", "胜利"],
    "220203004": ["泡子沿", "团结", "前进", "友谊"],
    "220203005": ["龙山", "龙潭", "光明", "建设"],
    "220203006": ["新义", "新吉林", "繁荣", "红旗"],
    "220203007": ["山前", "长青", "幸福"],
    "220203008": ["扬州", "新安", "永安", "安康"],
    "220203009": ["遵义", "东升", "朝阳", "育才"],
    "220203010": ["榆树", "丰收", "春光"],
    "220203012": ["东城", "东风", "惠民", "望江"],
    "220203013": ["站前", "承德", "江城", "铁路"],
    "220203014": ["靠山", "化工", "吉化"],
}
# 共享+ mode of each pilot community's cooperative.
MODES = {
    "站前": "co_build", "龙江": "self_governance", "扬州": "self_governance", "新义": "resource_intro",
    "湘江": "co_build", "铁东": "self_governance", "泡子沿": "self_governance", "龙山": "co_build",
    "山前": "resource_intro", "遵义": "co_build", "榆树": "self_governance", "东城": "self_governance",
    "靠山": "resource_intro",
}
# Orders the article names: compound → (pilot community, category, day submitted).
NAMED_ORDERS = {
    "东方新村": ("东城", "pipe_unclog", dt.date(2023, 6, 12)),
    "鹏程小区": ("湘江", "gas_safety", dt.date(2023, 9, 5)),
    "铁东小区": ("铁东", "fume_noise", dt.date(2023, 7, 18)),
}

# Deadlines only shape the demo's resolution times (the app's deadlines live in config).
TYPICAL_HOURS = {"gas_safety": 12, "pipe_unclog": 20, "heating": 24, "snow_clearing": 20,
                 "lighting": 36, "door_access": 40, "stair_cleaning": 30, "garbage": 30,
                 "illegal_building": 150, "fume_noise": 72, "parking": 60, "facility": 70, "other": 60}
COMPOUND_WORDS = ["化工", "电厂", "机械", "建材", "铁路", "水泥", "纺织", "粮库", "林业", "江畔",
                  "松江", "北华", "金源", "富强", "兴隆", "长安", "宏达", "福安", "康居", "祥和",
                  "瑞丰", "翠湖", "锦绣", "阳光", "春晖", "明珠", "鑫源", "泰和", "天元", "润泽",
                  "江南", "北苑", "东苑", "西苑", "南苑", "电力", "邮电", "学府", "师范", "烟厂",
                  "糖厂", "造纸", "化纤", "热电", "石化", "染料", "化肥", "电石", "炼油", "合成",
                  "龙兴", "华城", "东盛", "滨江", "望江", "新港", "天润", "万和", "嘉禾", "丽景"]
COMPOUND_SUFFIX = ["小区", "家属区", "新村", "花园", "家园", "小区"]
ROADS = ["遵义东路", "龙潭大街", "徐州路", "湘潭街", "新安街", "承德街", "铁东路", "泡子沿路",
         "榆树街", "靠山街", "山前街", "东城路", "吉化北路", "江北路", "松江东路", "龙华路",
         "合肥路", "汉阳街", "哈达路", "辽宁路"]
MEETING_TOPICS = ["楼道堆物清理", "冬季清雪安排", "停车秩序整治", "供热管线维修", "单元门更换",
                  "垃圾清运安排", "私搭乱建整治", "楼道灯安装", "小区道路修缮", "化粪池清掏",
                  "业委会筹建", "公共收益使用", "燃气安全排查", "饭店油烟扰民", "下水管道疏通",
                  "花坛与绿化", "停车位规划", "服务清单修订"]


@dataclass
class Compound:
    code: str
    name: str
    community: str  # community code
    community_name: str
    kind: str
    built_year: int | None
    buildings: int
    households: int
    lon: float
    lat: float
    before: str  # management before the program
    takeover: dt.date | None = None  # when the cooperative took over (pilot communities)


def partition(total: int, n: int, minimum: int, rng: random.Random) -> list[int]:
    """n integers >= minimum that sum to total, uneven like real work."""
    assert n * minimum <= total, (total, n, minimum)
    weights = [rng.random() + 0.25 for _ in range(n)]
    rest = total - n * minimum
    parts = [minimum + math.floor(rest * w / sum(weights)) for w in weights]
    for i in rng.sample(range(n), total - sum(parts)):
        parts[i] += 1
    return parts


def poisson(lam: float, rng: random.Random) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def day_between(a: dt.date, b: dt.date, rng: random.Random) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, (b - a).days))


def months(start: dt.date, end: dt.date):
    y, m = start.year, start.month
    while dt.date(y, m, 1) <= end:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def month_end(y: int, m: int) -> dt.date:
    return (dt.date(y + 1, 1, 1) if m == 12 else dt.date(y, m + 1, 1)) - dt.timedelta(days=1)


class Demo:
    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        cfg = settings()
        self.launch, self.report = cfg.launch, cfg.report_date
        self.rows: dict[str, list[dict]] = {t.name: [] for t in TABLES}

    # ------------------------------------------------------------------ places
    def places(self) -> None:
        rng = self.rng
        with DIVISIONS_CSV.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                lon, lat = SEATS[row["code"]]
                self.rows["streets"].append(dict(street_code=row["code"], street_name=row["name"],
                                                 kind=row["kind"], lon=lon, lat=lat))
        self.community_names: dict[str, str] = {}
        self.pilots: list[str] = []  # community codes
        for street, names in COMMUNITIES.items():
            slon, slat = SEATS[street]
            for i, name in enumerate(names):
                code = f"{street}{i + 1:03d}"
                angle = 2 * math.pi * (i / len(names)) + rng.random()
                r = SPREAD * (0.005 + 0.006 * rng.random())
                self.rows["communities"].append(dict(
                    community_code=code, community_name=f"{name}社区", street_code=street,
                    is_pilot=i == 0, lon=round(slon + r * math.cos(angle) * 1.3, 6),
                    lat=round(slat + r * math.sin(angle), 6)))
                self.community_names[code] = name
                if i == 0:
                    self.pilots.append(code)

    def compounds(self) -> None:
        rng = self.rng
        comms = self.rows["communities"]
        pilots = [c for c in comms if c["is_pilot"]]
        others = [c for c in comms if not c["is_pilot"]]
        # District baseline: 161 compounds, 34 without professional management; 92 standalone.
        plan = {c["community_code"]: {"professional": 0, "unmanaged": 0, "standalone": 0} for c in comms}
        for c, k in zip(pilots, partition(26, len(pilots), 1, rng)):
            plan[c["community_code"]]["unmanaged"] = k
        for c, k in zip(pilots, partition(65, len(pilots), 3, rng)):
            plan[c["community_code"]]["standalone"] = k
        for c in rng.sample(others, 8):
            plan[c["community_code"]]["unmanaged"] = 1
        for c, k in zip(others, partition(27, len(others), 0, rng)):
            plan[c["community_code"]]["standalone"] = k
        for c, k in zip(comms, partition(127, len(comms), 1, rng)):
            plan[c["community_code"]]["professional"] = k

        used: set[str] = set()
        named_by_comm: dict[str, list[str]] = {}
        for name, (comm, _, _) in NAMED_ORDERS.items():
            named_by_comm.setdefault(comm, []).append(name)
            used.add(name)

        def fresh_name(kind: str) -> str:
            while True:
                if kind == "standalone":
                    name = f"{rng.choice(ROADS)}{rng.randint(1, 180)}号楼"
                else:
                    name = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIX)
                if name not in used:
                    used.add(name)
                    return name

        self.all_compounds: list[Compound] = []
        for c in comms:
            code, cname = c["community_code"], self.community_names[c["community_code"]]
            named = list(named_by_comm.get(cname, []))
            seq = 0
            for group in ("professional", "unmanaged", "standalone"):
                for _ in range(plan[code][group]):
                    seq += 1
                    if group == "standalone":
                        kind, built = "standalone", rng.randint(1962, 1996)
                        buildings, households = 1, rng.randint(2, 8) * 12
                    elif group == "unmanaged":
                        kind, built = "compound", rng.randint(1968, 1995)
                        buildings, households = rng.randint(2, 12), rng.randint(8, 60) * 10
                    else:
                        kind, built = "compound", rng.randint(1990, 2016)
                        buildings, households = rng.randint(5, 30), rng.randint(30, 200) * 10
                    if rng.random() < 0.06:
                        built = None
                    name = named.pop() if group == "unmanaged" and named else fresh_name(kind)
                    before = "professional" if group == "professional" else (
                        "none" if rng.random() < 0.65 else "self")
                    angle, r = rng.random() * 2 * math.pi, SPREAD * (0.0008 + 0.004 * rng.random())
                    self.all_compounds.append(Compound(
                        code=f"{code}{seq:03d}", name=name, community=code, community_name=cname,
                        kind=kind, built_year=built, buildings=buildings, households=households,
                        lon=round(c["lon"] + r * math.cos(angle) * 1.3, 6),
                        lat=round(c["lat"] + r * math.sin(angle), 6), before=before))
        for cp in self.all_compounds:
            self.rows["compounds"].append(dict(
                compound_code=cp.code, compound_name=cp.name, community_code=cp.community,
                kind=cp.kind, built_year=cp.built_year, buildings=cp.buildings,
                households=cp.households, lon=cp.lon, lat=cp.lat))
        self.by_name = {cp.name: cp for cp in self.all_compounds}

    # ------------------------------------------------------------------ cooperatives
    def cooperatives(self) -> None:
        rng = self.rng
        self.coops: dict[str, dict] = {}  # community code -> coop row
        founded = [dt.date(2023, 4, 18)] + sorted(
            day_between(dt.date(2023, 4, 20), dt.date(2023, 6, 30), rng) for _ in self.pilots[1:])
        # 站前 (承德街道) was the first to open (the article's photo of its unveiling).
        order = sorted(self.pilots, key=lambda c: self.community_names[c] != "站前")
        for i, (comm, day) in enumerate(zip(order, founded)):
            row = dict(coop_code=f"GXWY{i + 1:02d}", coop_name=f"{self.community_names[comm]}社区共享物业社",
                       community_code=comm, founded_on=day, has_site=True, has_signage=True,
                       has_roster=True, has_rules=True, has_service=True)
            self.coops[comm] = row
        self.rows["cooperatives"] = sorted(self.coops.values(), key=lambda r: r["coop_code"])

        # Management: the cooperative takes over its community's unmanaged compounds and buildings.
        hist = self.rows["management_history"]
        for cp in self.all_compounds:
            since = dt.date(rng.randint(2008, 2020), rng.randint(1, 12), 1) if cp.before == "professional" \
                else dt.date(rng.randint(2004, 2022), rng.randint(1, 12), 1)
            hist.append(dict(compound_code=cp.code, valid_from=since, management=cp.before, coop_mode=None))
            coop = self.coops.get(cp.community)
            if coop and cp.before != "professional":
                cp.takeover = coop["founded_on"] + dt.timedelta(days=rng.randint(0, 30))
                hist.append(dict(compound_code=cp.code, valid_from=cp.takeover, management="cooperative",
                                 coop_mode=MODES[self.community_names[cp.community]]))
        # 资源引入: after the intent agreement (新义 with 晟科物业) the largest compounds go professional.
        self.handed_over: dict[str, dt.date] = {}
        for comm_name, day, count in (("新义", dt.date(2024, 7, 1), 2), ("靠山", dt.date(2025, 9, 1), 1)):
            comm = next(c for c in self.pilots if self.community_names[c] == comm_name)
            big = sorted((cp for cp in self.all_compounds
                          if cp.community == comm and cp.kind == "compound" and cp.takeover),
                         key=lambda cp: -cp.households)[:count]
            for cp in big:
                hist.append(dict(compound_code=cp.code, valid_from=day, management="professional",
                                 coop_mode=None))
                self.handed_over[cp.code] = day

    def managed_on(self, day: dt.date, kind: str | None = None) -> list[Compound]:
        """Compounds the cooperatives manage on `day`."""
        return [cp for cp in self.all_compounds
                if cp.takeover and cp.takeover <= day and (kind is None or cp.kind == kind)
                and not (cp.code in self.handed_over and self.handed_over[cp.code] <= day)]

    def pick(self, day: dt.date, rng: random.Random, kind: str | None = None, community: str | None = None):
        pool = self.managed_on(day, kind)
        assert pool, f"no managed compound on {day}"
        if community:
            pool = [cp for cp in pool if cp.community_name == community] or pool
        return rng.choices(pool, weights=[math.sqrt(cp.households) for cp in pool])[0]

    def members(self) -> None:
        rng = self.rng
        coops = self.rows["cooperatives"]
        sizes = [7] * 8 + [8] * 2 + [9] * 3  # 99 members, each cooperative 7–9
        rng.shuffle(sizes)
        minimum = [s // 2 + 1 for s in sizes]  # over half are party members
        party = list(minimum)
        for i in rng.sample([i for i, s in enumerate(sizes) for _ in range(s - 1 - minimum[i])],
                            77 - sum(minimum)):
            party[i] += 1
        for coop, size, n_party in zip(coops, sizes, party):
            backgrounds = ["community_cadre"]  # chair: the community party secretary
            backgrounds += rng.sample(["street_cadre", "community_cadre", "committee_head", "owner_rep"], 2)
            rest = ["grid_worker", "police", "resident_rep"]
            rest += rng.choices(["grid_worker", "resident_rep", "three_heads", "neighbor_core"], k=size - 6)
            backgrounds += rest
            roles = ["chair", "vice_chair", "vice_chair"] + ["member"] * (size - 3)
            is_party = [True] + rng.sample([True] * (n_party - 1) + [False] * (size - n_party), size - 1)
            for j in range(size):
                self.rows["coop_members"].append(dict(
                    member_id=f"{coop['coop_code']}-{j + 1:02d}", coop_code=coop["coop_code"],
                    role=roles[j], is_party_member=is_party[j], background=backgrounds[j],
                    joined_on=coop["founded_on"]))

    def work_teams(self) -> None:
        rng = self.rng
        teams = ["coordination", "property", "volunteer", "supervision"]
        for coop, total in zip(self.rows["cooperatives"], partition(300, 13, 18, rng)):
            base = [rng.randint(3, 5), rng.randint(5, 8), 0, rng.randint(3, 5)]
            base[2] = total - sum(base)
            as_of = coop["founded_on"] + dt.timedelta(days=30)
            for team, head in zip(teams, base):
                self.rows["work_teams"].append(dict(coop_code=coop["coop_code"], team=team,
                                                    headcount=head, as_of=as_of))
                for year in (2024, 2025):  # year-end recounts
                    head = max(2, head + rng.choice([-1, 0, 0, 0, 1]))
                    self.rows["work_teams"].append(dict(coop_code=coop["coop_code"], team=team,
                                                        headcount=head, as_of=dt.date(year, 12, 31)))

    def meetings(self) -> None:
        rng = self.rng
        coops = self.rows["cooperatives"]
        held = [(c, day_between(c["founded_on"] + dt.timedelta(days=7), self.report, rng)) for c in coops]
        held += [(c, day_between(c["founded_on"] + dt.timedelta(days=7), self.report, rng))
                 for c in rng.sample(coops, 7)]  # 20 meetings up to the report date
        problems = partition(46, 20, 1, rng)
        rows = [(c, day, p) for (c, day), p in zip(held, problems)]
        for y, m in months(self.report + dt.timedelta(days=1), END):
            for c in coops:
                if rng.random() < 0.2:
                    rows.append((c, day_between(dt.date(y, m, 1), month_end(y, m), rng), rng.randint(1, 4)))
        rows.sort(key=lambda r: (r[1], r[0]["coop_code"]))
        for i, (c, day, p) in enumerate(rows):
            self.rows["meetings"].append(dict(
                meeting_id=f"YS{i + 1:04d}", coop_code=c["coop_code"], held_on=day,
                topic=rng.choice(MEETING_TOPICS), participants=rng.randint(9, 35), problems_resolved=p))

    # ------------------------------------------------------------------ service orders
    def _category(self, month: int, rng: random.Random) -> str:
        weights = {"pipe_unclog": 14, "stair_cleaning": 14, "gas_safety": 5, "fume_noise": 4,
                   "lighting": 8, "door_access": 7, "garbage": 12, "illegal_building": 3,
                   "parking": 6, "facility": 7, "other": 4}
        if month in (11, 12, 1, 2, 3):
            weights["snow_clearing"] = 30 if month in (12, 1, 2) else 14
            weights["pipe_unclog"] += 8  # frozen drains
            weights["lighting"] += 4  # long nights
        if month in (10, 11, 12, 1, 2, 3, 4):
            weights["heating"] = 22 if month in (10, 11) else 12
        if month in (6, 7, 8):
            weights["fume_noise"] += 6
            weights["garbage"] += 6
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    def _submitted(self, day: dt.date, rng: random.Random) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(rng.randint(7, 20), rng.randint(0, 59)))

    def _hours(self, category: str, rng: random.Random) -> float:
        return max(0.5, TYPICAL_HOURS[category] * math.exp(rng.gauss(0, 0.65)))

    def orders(self) -> None:
        rng = self.rng
        orders = []
        cutoff = dt.datetime.combine(self.report, dt.time(23, 59, 59))
        last = dt.datetime.combine(END, dt.time(23, 59, 59))
        # Up to the report date: exactly 35 resolved, the three the article names among them.
        for name, (_, category, day) in NAMED_ORDERS.items():
            cp = self.by_name[name]
            sub = self._submitted(max(day, cp.takeover + dt.timedelta(days=3)), rng)
            orders.append([cp, category, sub, sub + dt.timedelta(hours=self._hours(category, rng)), "resolved"])
        while len(orders) < 35:
            day = day_between(dt.date(2023, 6, 1), dt.date(2023, 11, 24), rng)
            category = self._category(day.month, rng)
            sub = self._submitted(day, rng)
            res = sub + dt.timedelta(hours=self._hours(category, rng))
            if res <= cutoff:
                orders.append([self.pick(day, rng), category, sub, res, "resolved"])
        for day, category, status in ((dt.date(2023, 8, 9), "parking", "cancelled"),
                                      (dt.date(2023, 10, 20), "other", "cancelled"),
                                      (dt.date(2023, 11, 29), "snow_clearing", "resolved"),
                                      (dt.date(2023, 11, 30), "heating", "resolved"),
                                      (dt.date(2023, 11, 28), "illegal_building", "resolved")):
            sub = self._submitted(day, rng)
            res = max(cutoff + dt.timedelta(hours=2), sub + dt.timedelta(hours=self._hours(category, rng)))
            orders.append([self.pick(day, rng), category, sub, res if status == "resolved" else None, status])
        # After the report date: a steady pace with the seasons, up to END.
        for y, m in months(self.report + dt.timedelta(days=1), END):
            season = 1.5 if m in (12, 1, 2) else 1.2 if m in (3, 10, 11) else 1.0
            for _ in range(poisson(6.0 * season, rng)):
                day = day_between(dt.date(y, m, 1), month_end(y, m), rng)
                category = self._category(m, rng)
                sub = self._submitted(day, rng)
                if rng.random() < 0.03:
                    orders.append([self.pick(day, rng), category, sub, None, "cancelled"])
                    continue
                stuck = rng.random() < 0.02  # a few hard cases stay open for months
                res = None if stuck else sub + dt.timedelta(hours=self._hours(category, rng))
                orders.append([self.pick(day, rng), category, sub, res, "resolved"])
        # The last days' orders are still open when the data ends.
        for day, category in ((END - dt.timedelta(days=1), "heating"), (END, "pipe_unclog"), (END, "stair_cleaning")):
            orders.append([self.pick(day, rng), category, self._submitted(day, rng), None, "resolved"])
        orders.sort(key=lambda o: o[2])
        per_day: dict[dt.date, int] = {}
        for cp, category, sub, res, status in orders:
            if status == "resolved" and (res is None or res > last):
                age = last - sub
                status = "in_progress" if age > dt.timedelta(days=2) else rng.choice(["submitted", "accepted"])
                res = None
            rating = None
            if status == "resolved" and rng.random() < 0.75:
                late = (res - sub).total_seconds() / 3600 > 2 * TYPICAL_HOURS[category]
                rating = rng.choices([5, 4, 3, 2, 1], weights=[30, 40, 18, 9, 3] if late else [58, 30, 8, 3, 1])[0]
            seq = per_day[sub.date()] = per_day.get(sub.date(), 0) + 1
            self.rows["service_orders"].append(dict(
                order_id=f"GD{sub:%Y%m%d}{seq:03d}", compound_code=cp.code, category=category,
                submitted_at=sub, resolved_at=res.replace(second=0, microsecond=0) if res else None,
                status=status, rating=rating))

    # ------------------------------------------------------------------ environment
    def cleanups(self) -> None:
        rng = self.rng
        rows = []
        start = dt.date(2023, 6, 1)
        for waste, tenths, n, low in (("household", 120, 14, 3), ("construction", 70, 6, 5)):
            for t in partition(tenths, n, low, rng):
                rows.append((day_between(start, self.report, rng), waste, t / 10))
        for y, m in months(self.report + dt.timedelta(days=1), END):
            household = 2.0 * (2.0 if m in (4, 5) else 0.5 if m in (12, 1, 2) else 1.0)
            construction = 0.7 if m in range(4, 11) else 0.1
            for waste, lam, lo, hi in (("household", household, 3, 15), ("construction", construction, 5, 25)):
                for _ in range(poisson(lam, rng)):
                    rows.append((day_between(dt.date(y, m, 1), month_end(y, m), rng), waste, rng.randint(lo, hi) / 10))
        rows.sort(key=lambda r: r[0])
        for i, (day, waste, tonnes) in enumerate(rows):
            cp = self.pick(day, rng)
            self.rows["cleanups"].append(dict(cleanup_id=f"QY{i + 1:05d}", compound_code=cp.code,
                                              done_on=day, waste_type=waste, tonnes=tonnes))

    def repairs(self) -> None:
        rng = self.rng
        rows = []
        season = (dt.date(2023, 6, 1), dt.date(2023, 10, 25))
        # Up to the report date. km in hundredths (10 m), items as counts; where the article says.
        first = [
            ("road", 230, 4, 20, 100, "扬州"),  # 2.3 km; 扬州 residents pooled money for their road
            ("heating_pipe", 612, 7, 30, 100, None),  # 6.12 km + 4.12 km = 10.24 km of pipe
            ("drainage_pipe", 412, 6, 20, 100, None),
            ("building_door", 15, 5, 1, 1, "站前"),  # 国敦集团 replaced unit doors
            ("stair_light", 36, 4, 4, 1, "站前"),
            ("seating", 10, 2, 3, 1, "龙江"),  # the article's photo: seats installed in 龙华街道
            ("parking_space", 56, 4, 6, 1, None),
        ]
        for kind, total, n, low, scale, where in first:
            for j, units in enumerate(partition(total, n, low, rng)):
                # the article's named works: after every cooperative has taken over (late July)
                day = day_between(dt.date(2023, 8, 1), season[1], rng) if where and j == 0 else \
                    day_between(*season, rng)
                rows.append((day, kind, units / scale, where if j == 0 else None))
        for year in (2024, 2025, 2026):
            season = (dt.date(year, 5, 6), dt.date(year, 10, 28))
            per_year = [("road", rng.randint(100, 180), 4, 100), ("heating_pipe", rng.randint(200, 380), 6, 100),
                        ("drainage_pipe", rng.randint(150, 300), 5, 100), ("building_door", rng.randint(8, 16), 4, 1),
                        ("stair_light", rng.randint(20, 40), 4, 1), ("seating", rng.randint(6, 12), 2, 1),
                        ("parking_space", rng.randint(20, 40), 3, 1)]
            for kind, total, n, scale in per_year:
                for units in partition(total, n, 1, rng):
                    rows.append((day_between(*season, rng), kind, units / scale, None))
        rows.sort(key=lambda r: (r[0], r[1]))
        for i, (day, kind, qty, where) in enumerate(rows):
            cp = self.pick(day, rng, community=where)
            self.rows["repairs"].append(dict(repair_id=f"XS{i + 1:05d}", compound_code=cp.code,
                                             done_on=day, kind=kind, quantity=qty))

    def committees(self) -> None:
        rng = self.rng
        days = sorted(day_between(dt.date(2023, 6, 15), self.report, rng) for _ in range(11))
        days += [day_between(dt.date(y, 3, 1), dt.date(y, 10, 31), rng) for y in (2024, 2024, 2025, 2025, 2026)]
        taken: set[str] = set()
        for i, day in enumerate(sorted(days)):
            pool = [cp for cp in self.managed_on(day, "compound") if cp.code not in taken]
            cp = rng.choice(pool)
            taken.add(cp.code)
            self.rows["owners_committees"].append(dict(committee_id=f"YWH{i + 1:03d}",
                                                       compound_code=cp.code, founded_on=day))

    def build(self) -> dict[str, pa.Table]:
        for step in (self.places, self.compounds, self.cooperatives, self.members, self.work_teams,
                     self.meetings, self.orders, self.cleanups, self.repairs, self.committees):
            step()
        return {t.name: to_arrow(t.name, self.rows[t.name]) for t in TABLES}


def generate(seed: int = SEED) -> dict[str, pa.Table]:
    return Demo(seed).build()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成演示数据集 / generate the demo dataset")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    tables = generate(args.seed)
    write_dataset(tables, args.out)
    for name, table in tables.items():
        print(f"{name:20s} {table.num_rows:6d} rows")


if __name__ == "__main__":
    main()
