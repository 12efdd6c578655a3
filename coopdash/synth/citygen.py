"""City-scale synthetic datasets for load and scale tests:

    python -m coopdash.synth.citygen --orders 10000000 --out /tmp/city-10m [--seed 7]

Same contract as the demo (coopdash/data/contract.py), same program dates (config/dashboard.toml) and the
same seasons of Jilin as coopdash/synth/demo.py, parameterised by the number of service orders. Everything
is drawn with vectorised numpy / pyarrow (no Python loop per fact row), deterministic for a seed
(numpy's PCG64), and written as zstd Parquet sorted by time (service_orders by submitted_at,
cleanups and repairs by done_on, meetings by held_on) with row groups of ROW_GROUP rows.

Scale (the ratios, all in one place below):
- compounds = orders / (ORDERS_PER_COMPOUND_YEAR × the data span in years), i.e. about 60 orders
  per compound and year averaged over every compound (min MIN_COMPOUNDS);
- communities = compounds / COMPOUNDS_PER_COMMUNITY (at least 2 per street office); the 19 real
  divisions of data/reference/longtan-divisions.csv take up to COMMUNITIES_PER_STREET each, beyond
  that synthetic street offices (codes 22029xxxx, "扩展NNNN街道") are added 12 communities at a time;
- PILOT_SHARE of the communities are pilots, founding their cooperative in spring 2023 like the
  demo; a second wave brings the share of communities with a cooperative to COOP_SHARE by mid 2025;
- each cooperative takes over its community's compounds and standalone buildings that had no
  professional management before the launch; HANDOVER_SHARE of those later go to a property company;
- service orders, cleanups and repairs only happen at compounds a cooperative manages that day,
  weighted by √households; cleanups ≈ CLEANUPS_PER_ORDER × orders, repairs ≈ REPAIRS_PER_ORDER ×
  orders (the demo's proportions), meetings ≈ MEETINGS_PER_COOP_YEAR per cooperative and year,
  owners' committees in COMMITTEE_SHARE of the compounds, 7–9 members per cooperative.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coopdash.data.contract import BACKGROUND, KM_REPAIR_KINDS, ORDER_CATEGORY, REPAIR_KIND, TABLES, TEAM
from coopdash.data.dataset import arrow_schema, write_dataset
from coopdash.data.settings import settings
from coopdash.synth.demo import (
    COMPOUND_SUFFIX,
    COMPOUND_WORDS,
    DIVISIONS_CSV,
    END,
    MEETING_TOPICS,
    ROADS,
    SEATS,
    TYPICAL_HOURS,
)

SEED = 20240601
ROW_GROUP = 262_144  # rows per Parquet row group (DuckDB's own row groups are 122,880)

ORDERS_PER_COMPOUND_YEAR = 60
MIN_COMPOUNDS = 60
COMPOUNDS_PER_COMMUNITY = 16
COMMUNITIES_PER_STREET = 12
MIN_COMMUNITIES_PER_STREET = 2
PILOT_SHARE = 0.30
COOP_SHARE = 0.85
STANDALONE_SHARE = 0.36
PROFESSIONAL_SHARE = 0.75  # of compounds (kind compound) before the program; standalone buildings never
HANDOVER_SHARE = 0.03
CLEANUPS_PER_ORDER = 0.35
REPAIRS_PER_ORDER = 0.35
MEETINGS_PER_COOP_YEAR = 2.2
COMMITTEE_SHARE = 0.06

EPOCH = dt.date(1970, 1, 1)
US_PER_DAY = 86_400_000_000
CATEGORIES = ORDER_CATEGORY.codes
COMMUNITY_WORDS = ["龙江", "华山", "龙华", "北山", "湘江", "和平", "民主", "铁东", "机车", "东山", "胜利",
                   "团结", "前进", "友谊", "龙山", "光明", "建设", "新义", "繁荣", "红旗", "山前", "长青",
                   "幸福", "扬州", "新安", "永安", "安康", "遵义", "东升", "朝阳", "育才", "榆树", "丰收",
                   "春光", "东城", "东风", "惠民", "望江", "站前", "承德", "江城", "铁路", "靠山", "化工"]
MODES = ("co_build", "self_governance", "resource_intro")


def day_no(day: dt.date) -> int:
    return (day - EPOCH).days


def span_years() -> float:
    return (END - settings().launch).days / 365.25


def plan(orders: int) -> dict[str, int]:
    """The sizes of the dimension tables for a number of orders (see the module docstring)."""
    compounds = max(MIN_COMPOUNDS, round(orders / (ORDERS_PER_COMPOUND_YEAR * span_years())))
    communities = max(MIN_COMMUNITIES_PER_STREET * len(SEATS), math.ceil(compounds / COMPOUNDS_PER_COMMUNITY))
    real_capacity = COMMUNITIES_PER_STREET * len(SEATS)
    extra_streets = max(0, math.ceil((communities - real_capacity) / COMMUNITIES_PER_STREET))
    return {"orders": orders, "compounds": compounds, "communities": communities,
            "streets": len(SEATS) + extra_streets}


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month (1–12) of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def category_probabilities() -> np.ndarray:
    """P(category | month), 12 × 13, the demo's weights: snow Nov–Mar, heating Oct–Apr, summer fumes."""
    out = np.zeros((12, len(CATEGORIES)))
    for month in range(1, 13):
        w = {"pipe_unclog": 14, "stair_cleaning": 14, "gas_safety": 5, "fume_noise": 4, "lighting": 8,
             "door_access": 7, "garbage": 12, "illegal_building": 3, "parking": 6, "facility": 7, "other": 4}
        if month in (11, 12, 1, 2, 3):
            w["snow_clearing"] = 30 if month in (12, 1, 2) else 14
            w["pipe_unclog"] += 8
            w["lighting"] += 4
        if month in (10, 11, 12, 1, 2, 3, 4):
            w["heating"] = 22 if month in (10, 11) else 12
        if month in (6, 7, 8):
            w["fume_noise"] += 6
            w["garbage"] += 6
        row = np.array([w.get(c, 0) for c in CATEGORIES], dtype=float)
        out[month - 1] = row / row.sum()
    return out


def strings(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded numbers, vectorised in Arrow."""
    padded = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def choice_by_cum(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(cum) - 1)


class CityGen:
    def __init__(self, orders: int, seed: int = SEED):
        self.n_orders = int(orders)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        cfg = settings()
        self.launch, self.report = cfg.launch, cfg.report_date
        self.first_day, self.last_day = day_no(self.launch), day_no(END)
        self.plan = plan(self.n_orders)
        self.tables: dict[str, pa.Table] = {}

    # ------------------------------------------------------------------ places
    def places(self) -> None:
        rng, p = self.rng, self.plan
        with DIVISIONS_CSV.open(encoding="utf-8") as f:
            divisions = list(csv.DictReader(f))
        codes = [d["code"] for d in divisions]
        names = [d["name"] for d in divisions]
        kinds = [d["kind"] for d in divisions]
        lons = [SEATS[c][0] for c in codes]
        lats = [SEATS[c][1] for c in codes]
        n_extra = p["streets"] - len(codes)
        golden = math.pi * (3 - math.sqrt(5))
        for k in range(n_extra):  # synthetic street offices on a spiral around the district
            codes.append(f"22029{k + 1:04d}")
            names.append(f"扩展{k + 1:04d}街道")
            kinds.append("street")
            r = 0.06 + 0.012 * math.sqrt(k)
            lons.append(round(126.557 + 1.3 * r * math.cos(k * golden), 6))
            lats.append(round(43.908 + r * math.sin(k * golden), 6))
        self.street_codes = np.array(codes)
        self.tables["streets"] = pa.table({"street_code": codes, "street_name": names, "kind": kinds,
                                           "lon": lons, "lat": lats}, schema=arrow_schema("streets"))

        # Communities: the real divisions first (evenly, up to COMMUNITIES_PER_STREET each), then 12 a street.
        n_comm, n_real = p["communities"], len(SEATS)
        real_share = min(n_comm, COMMUNITIES_PER_STREET * n_real)
        street_of = np.concatenate([np.arange(real_share) % n_real,
                                    n_real + np.arange(n_comm - real_share) // COMMUNITIES_PER_STREET])
        street_of.sort(kind="stable")
        seq = np.arange(n_comm) - np.searchsorted(street_of, street_of, side="left") + 1
        comm_codes = pc.binary_join_element_wise(pa.array(self.street_codes[street_of]),
                                                 strings("", seq, 3), "")
        word = np.array(COMMUNITY_WORDS)[np.arange(n_comm) % len(COMMUNITY_WORDS)]
        lap = np.arange(n_comm) // len(COMMUNITY_WORDS)
        comm_names = np.char.add(np.char.add(word, np.where(lap > 0, lap.astype(str), "")), "社区")
        angle = rng.random(n_comm) * 2 * math.pi
        radius = 0.005 + 0.006 * rng.random(n_comm)
        s_lon, s_lat = np.array(lons)[street_of], np.array(lats)[street_of]
        n_pilot = max(min(13, n_comm), round(PILOT_SHARE * n_comm))
        order = rng.permutation(n_comm)
        is_pilot = np.zeros(n_comm, bool)
        is_pilot[order[:n_pilot]] = True
        has_coop = is_pilot.copy()
        has_coop[order[n_pilot:max(n_pilot, round(COOP_SHARE * n_comm))]] = True
        self.comm_codes, self.comm_names = comm_codes, comm_names
        self.is_pilot, self.has_coop = is_pilot, has_coop
        self.tables["communities"] = pa.table({
            "community_code": comm_codes, "community_name": comm_names,
            "street_code": self.street_codes[street_of], "is_pilot": is_pilot,
            "lon": np.round(s_lon + radius * np.cos(angle) * 1.3, 6),
            "lat": np.round(s_lat + radius * np.sin(angle), 6)}, schema=arrow_schema("communities"))
        self.comm_lon = s_lon + radius * np.cos(angle) * 1.3
        self.comm_lat = s_lat + radius * np.sin(angle)

    def compounds(self) -> None:
        rng, n = self.rng, self.plan["compounds"]
        n_comm = len(self.comm_names)
        weights = rng.gamma(4.0, size=n_comm)
        per_comm = rng.multinomial(n - n_comm, weights / weights.sum()) + 1 if n >= n_comm else \
            np.bincount(rng.choice(n_comm, n, replace=False), minlength=n_comm)
        comm = np.repeat(np.arange(n_comm), per_comm)
        seq = np.arange(n) - np.searchsorted(comm, comm, side="left") + 1
        standalone = rng.random(n) < STANDALONE_SHARE
        professional = ~standalone & (rng.random(n) < PROFESSIONAL_SHARE)
        built = np.where(standalone, rng.integers(1962, 1997, n),
                         np.where(professional, rng.integers(1990, 2017, n), rng.integers(1968, 1996, n)))
        buildings = np.where(standalone, 1, np.where(professional, rng.integers(5, 31, n), rng.integers(2, 13, n)))
        households = np.where(standalone, rng.integers(2, 9, n) * 12,
                              np.where(professional, rng.integers(30, 201, n), rng.integers(8, 61, n)) * 10)
        word = np.array(COMPOUND_WORDS)[rng.integers(0, len(COMPOUND_WORDS), n)]
        suffix = np.array(COMPOUND_SUFFIX)[rng.integers(0, len(COMPOUND_SUFFIX), n)]
        road = np.array(ROADS)[rng.integers(0, len(ROADS), n)]
        number = rng.integers(1, 181, n).astype(str)
        names = np.where(standalone, np.char.add(np.char.add(road, number), "号楼"), np.char.add(word, suffix))
        angle, radius = rng.random(n) * 2 * math.pi, 0.0008 + 0.004 * rng.random(n)
        codes = pc.binary_join_element_wise(pc.take(self.comm_codes, pa.array(comm)), strings("", seq, 3), "")
        built_arr = pa.array(built.astype(np.int32), mask=rng.random(n) < 0.06)
        self.cp_codes, self.cp_comm, self.cp_standalone = codes, comm, standalone
        self.cp_professional, self.cp_households = professional, households
        self.tables["compounds"] = pa.table({
            "compound_code": codes, "compound_name": names, "community_code": pc.take(self.comm_codes, pa.array(comm)),
            "kind": np.where(standalone, "standalone", "compound"), "built_year": built_arr,
            "buildings": buildings.astype(np.int32), "households": households.astype(np.int32),
            "lon": np.round(self.comm_lon[comm] + radius * np.cos(angle) * 1.3, 6),
            "lat": np.round(self.comm_lat[comm] + radius * np.sin(angle), 6)}, schema=arrow_schema("compounds"))

    # ------------------------------------------------------------------ cooperatives and management
    def cooperatives(self) -> None:
        rng = self.rng
        comms = np.flatnonzero(self.has_coop)
        pilot = self.is_pilot[comms]
        wave1 = (day_no(dt.date(2023, 4, 20)), day_no(dt.date(2023, 6, 30)))
        wave2 = (day_no(dt.date(2024, 3, 1)), day_no(dt.date(2025, 6, 30)))
        founded = np.where(pilot, rng.integers(wave1[0], wave1[1] + 1, len(comms)),
                           rng.integers(wave2[0], wave2[1] + 1, len(comms)))
        first_pilot = np.flatnonzero(pilot)[0]
        founded[first_pilot] = day_no(dt.date(2023, 4, 18))  # the first to open, as in the demo
        order = np.lexsort((comms, founded))
        comms, founded, pilot = comms[order], founded[order], pilot[order]
        n = len(comms)
        width = max(2, len(str(n)))
        codes = strings("GXWY", np.arange(1, n + 1), width)
        five = [np.where(pilot, True, rng.random(n) < 0.9) for _ in range(5)]
        self.coop_codes, self.coop_comm, self.coop_founded = codes, comms, founded
        self.coop_mode = np.array(MODES)[rng.integers(0, len(MODES), n)]
        self.tables["cooperatives"] = pa.table({
            "coop_code": codes, "coop_name": np.char.add(self.comm_names[comms], "共享物业社"),
            "community_code": pc.take(self.comm_codes, pa.array(comms)),
            "founded_on": founded.astype("datetime64[D]"),
            **dict(zip(("has_site", "has_signage", "has_roster", "has_rules", "has_service"), five))},
            schema=arrow_schema("cooperatives"))

        # Management history: the state before the launch; takeover by the cooperative; a few handovers.
        n_cp = len(self.cp_comm)
        coop_of_comm = np.full(len(self.comm_names), -1)
        coop_of_comm[comms] = np.arange(n)
        coop = coop_of_comm[self.cp_comm]
        before_none = rng.random(n_cp) < 0.65
        before = np.where(self.cp_professional, "professional", np.where(before_none, "none", "self"))
        since = np.where(self.cp_professional,
                         month_days(rng.integers(2008, 2021, n_cp), rng.integers(1, 13, n_cp)),
                         month_days(rng.integers(2004, 2023, n_cp), rng.integers(1, 13, n_cp)))
        since = np.minimum(since, day_no(self.launch))
        taken = (coop >= 0) & ~self.cp_professional
        takeover = np.where(taken, self.coop_founded[np.maximum(coop, 0)] + rng.integers(0, 31, n_cp), -1)
        # the compound taken over first is never handed over (orders always have somewhere to go)
        anchor = np.flatnonzero(taken)[np.argmin(takeover[taken])]
        room = (self.last_day - 30) - (takeover + 180)
        handover = taken & ~self.cp_standalone & (rng.random(n_cp) < HANDOVER_SHARE) & (room > 0)
        handover[anchor] = False
        handover_day = np.where(handover, takeover + 180 + (rng.random(n_cp) * np.maximum(room, 1)).astype(np.int64), -1)
        idx = np.concatenate([np.arange(n_cp), np.flatnonzero(taken), np.flatnonzero(handover)])
        valid = np.concatenate([since, takeover[taken], handover_day[handover]])
        mgmt = np.concatenate([before, np.full(taken.sum(), "cooperative"), np.full(handover.sum(), "professional")])
        mode = np.concatenate([np.full(n_cp, None), self.coop_mode[coop[taken]], np.full(handover.sum(), None)])
        o = np.lexsort((valid, idx))
        self.tables["management_history"] = pa.table({
            "compound_code": pc.take(self.cp_codes, pa.array(idx[o])),
            "valid_from": valid[o].astype("datetime64[D]"), "management": mgmt[o],
            "coop_mode": pa.array(mode[o].tolist(), pa.string())}, schema=arrow_schema("management_history"))

        # Service intervals [start, end) of cooperative management, by start; weights √households.
        served = np.flatnonzero(taken)
        start = takeover[served]
        end = np.where(handover[served], handover_day[served], self.last_day + 1)
        o = np.argsort(start, kind="stable")
        self.srv_cp, self.srv_start, self.srv_end = served[o], start[o], end[o]
        self.srv_cum = np.cumsum(np.sqrt(self.cp_households[self.srv_cp]))
        self.cp_takeover, self.cp_handover = takeover, handover_day
        # Managed weight per day (the "size" of the program that day), for daily volumes.
        days = np.arange(self.first_day, self.last_day + 1)
        delta = np.zeros(len(days) + 1)
        w = np.sqrt(self.cp_households[self.srv_cp])
        np.add.at(delta, np.clip(self.srv_start - self.first_day, 0, len(days)), w)
        np.add.at(delta, np.clip(self.srv_end - self.first_day, 0, len(days)), -w)
        self.days, self.active = days, np.cumsum(delta)[:-1]

    def pick(self, days: np.ndarray) -> np.ndarray:
        """For each day, a compound its cooperative manages that day, weighted by √households."""
        k = np.searchsorted(self.srv_start, days, side="right")
        assert (k > 0).all(), "a day before the first takeover"
        idx = np.empty(len(days), np.int64)
        todo = np.arange(len(days))
        for _ in range(50):
            target = self.rng.random(len(todo)) * self.srv_cum[k[todo] - 1]
            got = np.minimum(np.searchsorted(self.srv_cum, target, side="right"), k[todo] - 1)
            idx[todo] = got
            todo = todo[self.srv_end[got] <= days[todo]]  # handed over by then: draw again
            if not len(todo):
                break
        idx[todo] = 0  # the anchor compound (never handed over); practically never reached
        return self.srv_cp[idx]

    def daily(self, n: int, factor: np.ndarray) -> np.ndarray:
        """n day numbers spread over the data span ∝ managed weight × a per-day factor, sorted."""
        w = np.maximum(self.active, 0) * factor
        counts = self.rng.multinomial(n, w / w.sum())
        return np.repeat(self.days, counts)

    # ------------------------------------------------------------------ organisation
    def members(self) -> None:
        rng = self.rng
        n = len(self.coop_comm)
        size = rng.choice([7, 8, 9], n, p=[0.6, 0.15, 0.25])
        odd = rng.random(n) < 0.04  # a few cooperatives break the size rule
        size = np.where(odd, rng.choice([6, 10], n), size)
        minimum = size // 2 + 1
        party = np.minimum(size, minimum + rng.binomial(np.maximum(size - minimum, 0), 0.5))
        party = np.where(rng.random(n) < 0.04, size // 2, party)  # … or have half or fewer party members
        coop = np.repeat(np.arange(n), size)
        j = np.arange(len(coop)) - np.searchsorted(coop, coop, side="left")
        role = np.where(j == 0, "chair", np.where(j < 3, "vice_chair", "member"))
        # party members: the chair first, then a random subset of the others
        rank = np.where(j == 0, -1.0, rng.random(len(coop)))
        order = np.lexsort((rank, coop))
        pos = np.empty(len(coop), np.int64)
        pos[order] = np.arange(len(coop)) - np.searchsorted(coop[order], coop[order], side="left")
        is_party = pos < party[coop]
        pool = np.array(["grid_worker", "resident_rep", "three_heads", "neighbor_core", "police",
                         "street_cadre", "community_cadre", "committee_head", "owner_rep"])
        background = np.where(j == 0, "community_cadre", pool[rng.integers(0, len(pool), len(coop))])
        joined = self.coop_founded[coop] + np.where((j > 2) & (rng.random(len(coop)) < 0.1),
                                                    rng.integers(30, 400, len(coop)), 0)
        joined = np.minimum(joined, self.last_day)
        ids = pc.binary_join_element_wise(pc.take(self.coop_codes, pa.array(coop)), strings("", j + 1, 2), "-")
        assert set(np.unique(background)) <= set(BACKGROUND.codes)
        self.tables["coop_members"] = pa.table({
            "member_id": ids, "coop_code": pc.take(self.coop_codes, pa.array(coop)), "role": role,
            "is_party_member": is_party, "background": background,
            "joined_on": joined.astype("datetime64[D]")}, schema=arrow_schema("coop_members"))

    def work_teams(self) -> None:
        rng = self.rng
        n = len(self.coop_comm)
        teams = np.array(TEAM.codes)
        first = self.coop_founded + 30
        base = np.stack([rng.integers(3, 6, n), rng.integers(5, 9, n), rng.integers(6, 15, n),
                         rng.integers(3, 6, n)], axis=1)
        rows_coop, rows_team, rows_head, rows_day = [], [], [], []
        heads = base.copy()
        for i, day in enumerate([None] + [day_no(dt.date(y, 12, 31)) for y in range(2023, END.year + 1)]):
            if day is None:
                mask, when = np.ones(n, bool), first
            else:
                if day > self.last_day:
                    break
                heads = np.maximum(2, heads + rng.choice([-1, 0, 0, 0, 1], size=heads.shape))
                mask, when = first < day, np.full(n, day)
            c = np.repeat(np.flatnonzero(mask), 4)
            t = np.tile(np.arange(4), mask.sum())
            rows_coop.append(c)
            rows_team.append(t)
            rows_head.append(heads[c, t])
            rows_day.append(when[c])
        c, t = np.concatenate(rows_coop), np.concatenate(rows_team)
        day, head = np.concatenate(rows_day), np.concatenate(rows_head)
        o = np.lexsort((day, t, c))
        self.tables["work_teams"] = pa.table({
            "coop_code": pc.take(self.coop_codes, pa.array(c[o])), "team": teams[t[o]],
            "headcount": head[o].astype(np.int32), "as_of": day[o].astype("datetime64[D]")},
            schema=arrow_schema("work_teams"))

    def meetings(self) -> None:
        rng = self.rng
        start = self.coop_founded + 7
        years = np.maximum(0, self.last_day - start + 1) / 365.25
        count = rng.poisson(MEETINGS_PER_COOP_YEAR * years)
        coop = np.repeat(np.arange(len(start)), count)
        day = start[coop] + (rng.random(len(coop)) * (self.last_day - start[coop] + 1)).astype(np.int64)
        o = np.lexsort((coop, day))
        coop, day = coop[o], day[o]
        m = len(coop)
        self.tables["meetings"] = pa.table({
            "meeting_id": strings("YS", np.arange(1, m + 1), max(4, len(str(m)))),
            "coop_code": pc.take(self.coop_codes, pa.array(coop)), "held_on": day.astype("datetime64[D]"),
            "topic": np.array(MEETING_TOPICS)[rng.integers(0, len(MEETING_TOPICS), m)],
            "participants": rng.integers(9, 36, m).astype(np.int32),
            "problems_resolved": rng.integers(1, 5, m).astype(np.int32)}, schema=arrow_schema("meetings"))

    def committees(self) -> None:
        rng = self.rng
        takeover, handover = self.cp_takeover, self.cp_handover
        last = np.where(handover >= 0, handover - 1, self.last_day)
        eligible = np.flatnonzero((takeover >= 0) & ~self.cp_standalone & (takeover + 60 <= last))
        k = min(len(eligible), max(1, round(COMMITTEE_SHARE * len(self.cp_comm))))
        chosen = np.sort(rng.choice(eligible, k, replace=False))
        lo = takeover[chosen] + 60
        day = lo + (rng.random(k) * (last[chosen] - lo + 1)).astype(np.int64)
        o = np.lexsort((chosen, day))
        self.tables["owners_committees"] = pa.table({
            "committee_id": strings("YWH", np.arange(1, k + 1), max(3, len(str(k)))),
            "compound_code": pc.take(self.cp_codes, pa.array(chosen[o])),
            "founded_on": day[o].astype("datetime64[D]")}, schema=arrow_schema("owners_committees"))

    # ------------------------------------------------------------------ facts
    def orders(self) -> None:
        rng, n = self.rng, self.n_orders
        month = month_of(self.days)
        season = np.select([np.isin(month, (12, 1, 2)), np.isin(month, (3, 10, 11))], [1.5, 1.2], 1.0)
        day = self.daily(n, season)
        minute = rng.integers(7 * 60, 21 * 60, n)  # 07:00–20:59
        sub = day * US_PER_DAY + minute * 60_000_000
        o = np.argsort(sub, kind="stable")
        day, sub = day[o], sub[o]
        m = month_of(day)
        probs = np.cumsum(category_probabilities(), axis=1)
        u = rng.random(n)
        cat = np.empty(n, np.int64)
        for month_ in range(1, 13):  # one vectorised draw per calendar month
            sel = m == month_
            cat[sel] = np.minimum(np.searchsorted(probs[month_ - 1], u[sel], side="right"), len(CATEGORIES) - 1)
        typical = np.array([TYPICAL_HOURS[c] for c in CATEGORIES], float)[cat]
        hours = np.maximum(0.5, typical * np.exp(rng.normal(0, 0.65, n)))
        res = sub + (hours * 3_600_000_000).astype(np.int64)
        res -= res % 60_000_000  # whole minutes, never before the submission (which is on a minute)
        last = (self.last_day + 1) * US_PER_DAY - 1_000_000  # END 23:59:59
        fate = rng.random(n)
        cancelled = fate < 0.03
        stuck = (fate >= 0.03) & (fate < 0.05)
        resolved = ~cancelled & ~stuck & (res <= last)
        age_days = (last - sub) / US_PER_DAY
        statuses = pa.array(["submitted", "accepted", "in_progress", "resolved", "cancelled"])
        open_status = np.where(age_days > 2, 2, np.where(rng.random(n) < 0.5, 0, 1))
        status = pc.take(statuses, pa.array(np.where(cancelled, 4, np.where(resolved, 3, open_status))))
        late = hours > 2 * typical
        ru = rng.random(n)
        cum_ok, cum_late = np.cumsum([58, 30, 8, 3, 1]) / 100, np.cumsum([30, 40, 18, 9, 3]) / 100
        score = np.where(late, np.searchsorted(cum_late, ru, side="right"), np.searchsorted(cum_ok, ru, side="right"))
        rating = np.array([5, 4, 3, 2, 1])[np.minimum(score, 4)]
        rated = resolved & (rng.random(n) < 0.75)
        cp = self.pick(day)
        first = np.searchsorted(day, day, side="left")
        seq = np.arange(n) - first + 1
        assert seq.max() < 1_000_000, "more than 999,999 orders on one day"
        sub_arr = pa.array(sub.astype("datetime64[us]"))
        ids = strings("GD", yyyymmdd(day) * 1_000_000 + seq, 14)  # GD + date + 6-digit sequence
        self.tables["service_orders"] = pa.table({
            "order_id": ids, "compound_code": pc.take(self.cp_codes, pa.array(cp)),
            "category": pc.take(pa.array(CATEGORIES), pa.array(cat)), "submitted_at": sub_arr,
            "resolved_at": pa.array(res.astype("datetime64[us]"), mask=~resolved),
            "status": status, "rating": pa.array(rating.astype(np.int32), mask=~rated)},
            schema=arrow_schema("service_orders"))

    def cleanups(self) -> None:
        rng = self.rng
        n = round(CLEANUPS_PER_ORDER * self.n_orders)
        month = month_of(self.days)
        household = 2.0 * np.select([np.isin(month, (4, 5)), np.isin(month, (12, 1, 2))], [2.0, 0.5], 1.0)
        construction = np.where((month >= 4) & (month <= 10), 0.7, 0.1)
        day = self.daily(n, household + construction)
        m = month_of(day)
        h = 2.0 * np.select([np.isin(m, (4, 5)), np.isin(m, (12, 1, 2))], [2.0, 0.5], 1.0)
        c = np.where((m >= 4) & (m <= 10), 0.7, 0.1)
        is_household = rng.random(n) < h / (h + c)
        tonnes = np.where(is_household, rng.integers(3, 16, n), rng.integers(5, 26, n)) / 10
        cp = self.pick(day)
        self.tables["cleanups"] = pa.table({
            "cleanup_id": strings("QY", np.arange(1, n + 1), max(5, len(str(n)))),
            "compound_code": pc.take(self.cp_codes, pa.array(cp)), "done_on": day.astype("datetime64[D]"),
            "waste_type": np.where(is_household, "household", "construction"), "tonnes": tonnes},
            schema=arrow_schema("cleanups"))

    def repairs(self) -> None:
        rng = self.rng
        n = round(REPAIRS_PER_ORDER * self.n_orders)
        dates = self.days.astype("datetime64[D]")
        in_season = np.zeros(len(self.days), bool)
        for year in range(self.launch.year, END.year + 1):  # road and pipe works: May–October
            lo, hi = (dt.date(2023, 6, 1), dt.date(2023, 10, 25)) if year == 2023 else \
                (dt.date(year, 5, 6), dt.date(year, 10, 28))
            in_season |= (dates >= np.datetime64(lo)) & (dates <= np.datetime64(hi))
        day = self.daily(n, in_season.astype(float))
        kinds = np.array(REPAIR_KIND.codes)
        weights = {"road": 10, "heating_pipe": 15, "drainage_pipe": 12, "building_door": 12, "stair_light": 25,
                   "seating": 10, "parking_space": 16}
        kind = rng.choice(len(kinds), n, p=np.array([weights[k] for k in kinds]) / sum(weights.values()))
        lo = np.array([{"building_door": 1, "stair_light": 2, "seating": 1, "parking_space": 2}.get(k, 20) for k in kinds])
        hi = np.array([{"building_door": 6, "stair_light": 13, "seating": 7, "parking_space": 21}.get(k, 101) for k in kinds])
        units = rng.integers(lo[kind], hi[kind])
        km = np.isin(kinds[kind], KM_REPAIR_KINDS)
        quantity = np.where(km, units / 100, units).astype(float)
        cp = self.pick(day)
        o = np.lexsort((kind, day))
        self.tables["repairs"] = pa.table({
            "repair_id": strings("XS", np.arange(1, n + 1), max(5, len(str(n)))),
            "compound_code": pc.take(self.cp_codes, pa.array(cp[o])), "done_on": day[o].astype("datetime64[D]"),
            "kind": kinds[kind[o]], "quantity": quantity[o]}, schema=arrow_schema("repairs"))

    def build(self) -> dict[str, pa.Table]:
        for step in (self.places, self.compounds, self.cooperatives, self.members, self.work_teams,
                     self.meetings, self.committees, self.orders, self.cleanups, self.repairs):
            step()
        return {t.name: self.tables[t.name] for t in TABLES}


def month_days(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Day numbers of the first day of (year, month)."""
    return ((years - 1970) * 12 + months - 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Day numbers as integers 20230401 (faster than formatting timestamps)."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    return ((years.astype(np.int64) + 1970) * 10000 + (months.astype(np.int64) % 12 + 1) * 100
            + (d - months.astype("datetime64[D]")).astype(np.int64) + 1)


def generate(orders: int, seed: int = SEED) -> dict[str, pa.Table]:
    return CityGen(orders, seed).build()


def write(orders: int, out: Path, seed: int = SEED, row_group_size: int = ROW_GROUP) -> dict:
    """Generate and write a dataset folder (replaced whole); returns a summary (also in _citygen.json)."""
    t0 = time.perf_counter()
    gen = CityGen(orders, seed)
    tables = gen.build()
    t1 = time.perf_counter()
    write_dataset(tables, Path(out), row_group_size=row_group_size, partitioned=True)
    t2 = time.perf_counter()
    source = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    summary = {"orders": orders, "seed": seed, "row_group_size": row_group_size, "generator": source,
               "plan": gen.plan,
               "rows": {name: t.num_rows for name, t in tables.items()},
               "generate_seconds": round(t1 - t0, 2), "write_seconds": round(t2 - t1, 2),
               "ratios": {"orders_per_compound_year": ORDERS_PER_COMPOUND_YEAR,
                          "compounds_per_community": COMPOUNDS_PER_COMMUNITY,
                          "communities_per_street": COMMUNITIES_PER_STREET, "pilot_share": PILOT_SHARE,
                          "coop_share": COOP_SHARE, "cleanups_per_order": CLEANUPS_PER_ORDER,
                          "repairs_per_order": REPAIRS_PER_ORDER,
                          "meetings_per_coop_year": MEETINGS_PER_COOP_YEAR, "committee_share": COMMITTEE_SHARE}}
    (Path(out) / "_citygen.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成城市规模的合成数据集 / generate a city-scale dataset")
    parser.add_argument("--orders", type=int, required=True, help="number of service orders")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder (replaced whole)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--row-group-size", type=int, default=ROW_GROUP)
    args = parser.parse_args(argv)
    summary = write(args.orders, args.out, args.seed, args.row_group_size)
    for name, rows in summary["rows"].items():
        print(f"{name:20s} {rows:12,d} rows")
    print(f"generated in {summary['generate_seconds']} s, written in {summary['write_seconds']} s → {args.out}")


if __name__ == "__main__":
    main()
