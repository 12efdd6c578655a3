"""A tiny hand-made dataset whose figures the tests work out by hand.

Streets S1 甲街道 (communities C1 pilot, C2) and S2 乙街道 (C3 pilot); T1 丙镇 has no community.
Compounds: P1 C1 compound 100 hh; P2 C1 standalone 20 hh; P3 C2 compound 300 hh (professional);
P4 C3 compound 200 hh; P5 C3 standalone 30 hh. Cooperatives K1 (C1), K2 (C3, has_rules false).
The report window used by the tests is 2023-04-01 … 2023-11-30 (the launch is 2023-04-01).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from coopdash.data.dataset import to_arrow, write_dataset

D = dt.date
T = dt.datetime

ROWS: dict[str, list[dict]] = {
    "streets": [
        dict(street_code="S1", street_name="甲街道", kind="street", lon=126.55, lat=43.90),
        dict(street_code="S2", street_name="乙街道", kind="street", lon=126.56, lat=43.91),
        dict(street_code="T1", street_name="丙镇", kind="town", lon=126.70, lat=44.00),
    ],
    "communities": [
        dict(community_code="C1", community_name="一社区", street_code="S1", is_pilot=True, lon=126.551, lat=43.901),
        dict(community_code="C2", community_name="二社区", street_code="S1", is_pilot=False, lon=126.552, lat=43.902),
        dict(community_code="C3", community_name="三社区", street_code="S2", is_pilot=True, lon=126.561, lat=43.911),
    ],
    "compounds": [
        dict(compound_code="P1", compound_name="甲小区", community_code="C1", kind="compound", built_year=1980,
             buildings=4, households=100, lon=126.5511, lat=43.9011),
        dict(compound_code="P2", compound_name="甲路1号楼", community_code="C1", kind="standalone", built_year=None,
             buildings=1, households=20, lon=126.5512, lat=43.9012),
        dict(compound_code="P3", compound_name="乙花园", community_code="C2", kind="compound", built_year=2005,
             buildings=10, households=300, lon=126.5521, lat=43.9021),
        dict(compound_code="P4", compound_name="丙新村", community_code="C3", kind="compound", built_year=1975,
             buildings=6, households=200, lon=126.5611, lat=43.9111),
        dict(compound_code="P5", compound_name="乙路2号楼", community_code="C3", kind="standalone", built_year=1970,
             buildings=1, households=30, lon=126.5612, lat=43.9112),
    ],
    "management_history": [
        dict(compound_code="P1", valid_from=D(2020, 1, 1), management="none", coop_mode=None),
        dict(compound_code="P1", valid_from=D(2023, 5, 1), management="cooperative", coop_mode="co_build"),
        dict(compound_code="P2", valid_from=D(2019, 6, 1), management="self", coop_mode=None),
        dict(compound_code="P2", valid_from=D(2023, 5, 10), management="cooperative", coop_mode="co_build"),
        dict(compound_code="P3", valid_from=D(2015, 1, 1), management="professional", coop_mode=None),
        dict(compound_code="P4", valid_from=D(2023, 4, 1), management="none", coop_mode=None),
        dict(compound_code="P4", valid_from=D(2023, 6, 1), management="cooperative", coop_mode="self_governance"),
        dict(compound_code="P4", valid_from=D(2024, 1, 1), management="professional", coop_mode=None),
        dict(compound_code="P5", valid_from=D(2018, 1, 1), management="none", coop_mode=None),
    ],
    "cooperatives": [
        dict(coop_code="K1", coop_name="一社区共享物业社", community_code="C1", founded_on=D(2023, 4, 20),
             has_site=True, has_signage=True, has_roster=True, has_rules=True, has_service=True),
        dict(coop_code="K2", coop_name="三社区共享物业社", community_code="C3", founded_on=D(2023, 5, 15),
             has_site=True, has_signage=True, has_roster=True, has_rules=False, has_service=True),
    ],
    "coop_members": [
        dict(member_id="m1", coop_code="K1", role="chair", is_party_member=True, background="community_cadre", joined_on=D(2023, 4, 20)),
        dict(member_id="m2", coop_code="K1", role="vice_chair", is_party_member=True, background="street_cadre", joined_on=D(2023, 4, 20)),
        dict(member_id="m3", coop_code="K1", role="vice_chair", is_party_member=False, background="owner_rep", joined_on=D(2023, 4, 20)),
        dict(member_id="m4", coop_code="K1", role="member", is_party_member=True, background="grid_worker", joined_on=D(2023, 4, 20)),
        dict(member_id="m5", coop_code="K1", role="member", is_party_member=False, background="police", joined_on=D(2024, 1, 10)),
        dict(member_id="m6", coop_code="K2", role="chair", is_party_member=True, background="community_cadre", joined_on=D(2023, 5, 15)),
        dict(member_id="m7", coop_code="K2", role="vice_chair", is_party_member=False, background="committee_head", joined_on=D(2023, 5, 15)),
        dict(member_id="m8", coop_code="K2", role="member", is_party_member=False, background="resident_rep", joined_on=D(2023, 5, 15)),
    ],
    "work_teams": [
        dict(coop_code="K1", team="coordination", headcount=3, as_of=D(2023, 5, 1)),
        dict(coop_code="K1", team="volunteer", headcount=10, as_of=D(2023, 5, 1)),
        dict(coop_code="K1", team="volunteer", headcount=12, as_of=D(2024, 1, 1)),
        dict(coop_code="K2", team="property", headcount=5, as_of=D(2023, 6, 1)),
    ],
    "meetings": [
        dict(meeting_id="M1", coop_code="K1", held_on=D(2023, 5, 10), topic="停车", participants=12, problems_resolved=2),
        dict(meeting_id="M2", coop_code="K1", held_on=D(2023, 11, 30), topic="清雪", participants=9, problems_resolved=3),
        dict(meeting_id="M3", coop_code="K2", held_on=D(2023, 12, 1), topic="供热", participants=20, problems_resolved=4),
    ],
    "service_orders": [
        dict(order_id="O1", compound_code="P1", category="pipe_unclog", submitted_at=T(2023, 6, 1, 10),
             resolved_at=T(2023, 6, 2, 9), status="resolved", rating=5),
        dict(order_id="O2", compound_code="P1", category="gas_safety", submitted_at=T(2023, 7, 1, 8),
             resolved_at=T(2023, 7, 3, 8), status="resolved", rating=4),
        dict(order_id="O3", compound_code="P2", category="snow_clearing", submitted_at=T(2023, 11, 29, 20),
             resolved_at=T(2023, 12, 1, 10), status="resolved", rating=None),
        dict(order_id="O4", compound_code="P4", category="other", submitted_at=T(2023, 8, 1, 9),
             resolved_at=None, status="cancelled", rating=None),
        dict(order_id="O5", compound_code="P4", category="heating", submitted_at=T(2023, 11, 30, 23, 30),
             resolved_at=T(2023, 11, 30, 23, 59), status="resolved", rating=3),
        dict(order_id="O6", compound_code="P5", category="garbage", submitted_at=T(2023, 10, 1, 9),
             resolved_at=None, status="in_progress", rating=None),
        dict(order_id="O7", compound_code="P1", category="lighting", submitted_at=T(2023, 3, 20, 10),
             resolved_at=T(2023, 4, 2, 10), status="resolved", rating=None),
    ],
    "cleanups": [
        dict(cleanup_id="L1", compound_code="P1", done_on=D(2023, 6, 15), waste_type="household", tonnes=1.5),
        dict(cleanup_id="L2", compound_code="P2", done_on=D(2023, 6, 20), waste_type="construction", tonnes=2.0),
        dict(cleanup_id="L3", compound_code="P4", done_on=D(2023, 11, 30), waste_type="household", tonnes=0.25),
        dict(cleanup_id="L4", compound_code="P5", done_on=D(2023, 12, 5), waste_type="household", tonnes=9.0),
        dict(cleanup_id="L5", compound_code="P3", done_on=D(2023, 3, 31), waste_type="household", tonnes=4.0),
    ],
    "repairs": [
        dict(repair_id="R1", compound_code="P1", done_on=D(2023, 7, 1), kind="road", quantity=0.8),
        dict(repair_id="R2", compound_code="P4", done_on=D(2023, 8, 1), kind="road", quantity=0.45),
        dict(repair_id="R3", compound_code="P1", done_on=D(2023, 7, 10), kind="heating_pipe", quantity=1.2),
        dict(repair_id="R4", compound_code="P4", done_on=D(2023, 9, 1), kind="drainage_pipe", quantity=0.3),
        dict(repair_id="R5", compound_code="P2", done_on=D(2023, 6, 1), kind="building_door", quantity=3),
        dict(repair_id="R6", compound_code="P1", done_on=D(2023, 6, 2), kind="parking_space", quantity=10),
        dict(repair_id="R7", compound_code="P4", done_on=D(2024, 5, 1), kind="road", quantity=5.0),
    ],
    "owners_committees": [
        dict(committee_id="W1", compound_code="P1", founded_on=D(2023, 9, 1)),
        dict(committee_id="W2", compound_code="P4", founded_on=D(2024, 2, 1)),
    ],
}


def write_fixture(folder: Path, rows: dict[str, list[dict]] | None = None) -> Path:
    rows = ROWS if rows is None else rows
    write_dataset({name: to_arrow(name, table_rows) for name, table_rows in rows.items()}, folder)
    return folder
