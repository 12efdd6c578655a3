"""The 组织建设 page: its queries (queries/org_*.sql) against the hand-made fixture with values worked
by hand, and the page run with AppTest on the demo data and on the fixture. org_coops has one row per
cooperative with everything the page shows per cooperative; the page's totals are its column sums.

Fixture recap (tests/fixture_data.py), report window 2023-04-01 … 2023-11-30:
K1 (C1, S1, founded 2023-04-20): m1 chair party, m2 vice party, m3 vice, m4 member party,
m5 member (joined 2024-01-10). K2 (C3, S2, founded 2023-05-15, has_rules false): m6 chair party,
m7 vice, m8 member. Work teams: K1 coordination 3 (2023-05-01), K1 volunteer 10 (2023-05-01) then 12
(2024-01-01), K2 property 5 (2023-06-01). Meetings: M1 K1 2023-05-10 (2), M2 K1 2023-11-30 (3),
M3 K2 2023-12-01 (4). Committees: W1 P1 2023-09-01, W2 P4 2024-02-01.
"""

import dataclasses
import datetime as dt
import io

import pandas as pd
import pytest

from coopdash.data import db
from coopdash.data import settings as settings_module
from coopdash.data.contract import COOP_MODE, TEAM
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from tests.apptest import charts, metrics, open_app, texts, values
from tests.conftest import LAUNCH, REPORT, params

D = dt.date
PAGE = "pages/organisation.py"
RULES = settings().cooperative_rules
SCOPE_KEYS = ("start", "end", "streets", "communities")


def run(con, name, **kw):
    """A named query with the shared params (overridable) plus any of its own (rules, teams, modes)."""
    shared = {k: kw.pop(k) for k in SCOPE_KEYS if k in kw}
    return db.execute(con, name, {**params(**shared), **kw})


def coops_of(con, **kw):
    """org_coops (thresholds from config unless overridden), indexed by cooperative."""
    return run(con, "org_coops", **{**RULES, **kw}).set_index("coop_code")


def table(at, column):
    """The table on the page that has `column` (tables are told apart by their columns)."""
    found = [el.value for el in at.dataframe if column in el.value.columns]
    assert len(found) == 1, [list(el.value.columns) for el in at.dataframe]
    return found[0]


def sql(con, text, **bound):
    """An independent check written straight against the contract tables (not the page's queries)."""
    cur = con.cursor()
    try:
        return cur.execute(text, bound).fetchall()
    finally:
        cur.close()


# ====================================================================== queries on the fixture
def test_configured_rules_are_the_thresholds_the_checks_read():
    """[cooperative_rules] of config/dashboard.toml gives every threshold org_coops reads, sensible ones."""
    assert set(RULES) == db.load_query("org_coops")[1] - set(SCOPE_KEYS)
    assert 1 <= RULES["chairs"] and 0 <= RULES["vice_chairs"] and RULES["chairs"] + RULES["vice_chairs"] <= \
        RULES["min_members"] <= RULES["max_members"]
    assert 0 <= RULES["party_share_above"] < 1


def test_coop_rules_count_members_joined_by_window_end_and_check_each_rule(fixture_con):
    df = coops_of(fixture_con)
    # K1: m1–m4 (m5 joins 2024): 4 members, chair m1, vices m2 m3, party m1 m2 m4 → 3/4 = 0.75
    #     1 chair ✓, 2 vices ✓, 4 not in 7–9 ✗, 0.75 > 0.5 ✓ → not all
    # K2: m6–m8: 3 members, chair m6, vice m7 only, party m6 → 1/3
    #     1 chair ✓, 1 vice ✗, 3 not in 7–9 ✗, 1/3 not > 0.5 ✗
    cols = ["members", "chairs", "vice_chairs", "party_members"]
    assert df[cols].to_dict("index") == {
        "K1": {"members": 4, "chairs": 1, "vice_chairs": 2, "party_members": 3},
        "K2": {"members": 3, "chairs": 1, "vice_chairs": 1, "party_members": 1}}
    assert df["party_share"].tolist() == pytest.approx([0.75, 1 / 3])
    checks = ["chair_ok", "vice_chair_ok", "size_ok", "party_ok", "all_ok"]
    assert df.loc["K1", checks].tolist() == [True, True, False, True, False]
    assert df.loc["K2", checks].tolist() == [True, False, False, False, False]
    assert (len(df), df["all_ok"].sum()) == (2, 0)
    assert df.loc["K1", ["coop_name", "community_name", "street_name"]].tolist() == \
        ["一社区共享物业社", "一社区", "甲街道"]


def test_coop_rules_use_the_thresholds_passed_not_fixed_ones(fixture_con):
    # 3–4 members and party share above 0.7: K1 (4 members, 0.75) now meets every rule;
    # K2 still has 1 vice-chair (needs 2) and 1/3 party share.
    df = coops_of(fixture_con, min_members=3, max_members=4, party_share_above=0.7)
    assert df.loc["K1", ["size_ok", "party_ok", "all_ok"]].tolist() == [True, True, True]
    assert df.loc["K2", ["size_ok", "vice_chair_ok", "party_ok", "all_ok"]].tolist() == [True, False, False, False]
    assert df["all_ok"].sum() == 1
    # "over" is strict: 0.75 is not above 0.75
    assert not coops_of(fixture_con, party_share_above=0.75).loc["K1", "party_ok"]
    # one vice-chair required: K2 passes that rule, K1 (two) fails it; two chairs: nobody passes
    df = coops_of(fixture_con, vice_chairs=1, chairs=2)
    assert df["vice_chair_ok"].tolist() == [False, True]
    assert df["chair_ok"].tolist() == [False, False]


def test_coop_rules_count_a_later_member_at_a_later_end(fixture_con):
    df = coops_of(fixture_con, end=D(2024, 6, 30))
    # m5 (member, not party) joined 2024-01-10: K1 has 5 members, 3 party → 0.6
    assert df.loc["K1", ["members", "party_members"]].tolist() == [5, 3]
    assert df.loc["K1", "party_share"] == pytest.approx(0.6)


def test_coop_rules_follow_scope_and_founding_date(fixture_con):
    assert coops_of(fixture_con, streets=["S2"]).index.tolist() == ["K2"]
    assert coops_of(fixture_con, communities=["C2"]).empty  # C2 has no cooperative
    # K2 is founded 2023-05-15: on 2023-05-01 only K1 exists
    assert coops_of(fixture_con, end=D(2023, 5, 1)).index.tolist() == ["K1"]


def test_members_by_background_split_by_role_at_window_end(fixture_con):
    df = run(fixture_con, "org_members_by_background").set_index("background")
    # community_cadre: m1 (K1 chair), m6 (K2 chair) = 2; the rest one each; police (m5) joins in 2024
    assert df.to_dict("index") == {
        "community_cadre": {"chair": 2, "vice_chair": 0, "member": 0, "members": 2},
        "committee_head": {"chair": 0, "vice_chair": 1, "member": 0, "members": 1},  # m7
        "grid_worker": {"chair": 0, "vice_chair": 0, "member": 1, "members": 1},  # m4
        "owner_rep": {"chair": 0, "vice_chair": 1, "member": 0, "members": 1},  # m3
        "resident_rep": {"chair": 0, "vice_chair": 0, "member": 1, "members": 1},  # m8
        "street_cadre": {"chair": 0, "vice_chair": 1, "member": 0, "members": 1},  # m2
    }
    assert df.index[0] == "community_cadre"  # largest first
    later = run(fixture_con, "org_members_by_background", end=D(2024, 6, 30)).set_index("background")
    assert later.loc["police", "member"] == 1
    c1 = run(fixture_con, "org_members_by_background", communities=["C1"])
    assert sorted(c1["background"]) == ["community_cadre", "grid_worker", "owner_rep", "street_cadre"]
    assert c1["members"].sum() == 4


def test_teams_by_team_take_the_latest_count_on_or_before_the_end(fixture_con):
    def by_team(**kw):  # the page's chart: org_coops' team columns summed
        return coops_of(fixture_con, **kw)[list(TEAM.codes)].sum().to_dict()
    # a column per team, 0 when counted nowhere
    assert by_team() == {"coordination": 3, "property": 5, "volunteer": 10, "supervision": 0}
    assert by_team(end=D(2024, 6, 30))["volunteer"] == 12  # the 2024-01-01 recount
    assert by_team(streets=["S1"]) == {"coordination": 3, "property": 0, "volunteer": 10, "supervision": 0}
    assert set(by_team(end=D(2023, 4, 30)).values()) == {0}  # K1 exists, first count 2023-05-01


def test_teams_by_coop_split_each_cooperatives_latest_counts(fixture_con):
    df = coops_of(fixture_con)
    cols = ["coordination", "property", "volunteer", "supervision", "team_total"]
    assert df[cols].to_dict("index") == {
        "K1": {"coordination": 3, "property": 0, "volunteer": 10, "supervision": 0, "team_total": 13},
        "K2": {"coordination": 0, "property": 5, "volunteer": 0, "supervision": 0, "team_total": 5}}
    assert coops_of(fixture_con, end=D(2024, 6, 30)).loc["K1", "team_total"] == 15
    assert coops_of(fixture_con, communities=["C3"]).index.tolist() == ["K2"]


def test_meetings_by_coop_count_the_window_inclusive(fixture_con):
    df = coops_of(fixture_con)
    # M1 (2) and M2 on the last day (3) for K1; M3 the day after the window → K2 listed with 0
    assert df[["meetings", "problems_resolved"]].to_dict("index") == {
        "K1": {"meetings": 2, "problems_resolved": 5}, "K2": {"meetings": 0, "problems_resolved": 0}}
    later = coops_of(fixture_con, end=D(2023, 12, 31))
    assert later.loc["K2", ["meetings", "problems_resolved"]].tolist() == [1, 4]
    june_on = coops_of(fixture_con, start=D(2023, 6, 1))
    assert june_on.loc["K1", ["meetings", "problems_resolved"]].tolist() == [1, 3]  # M2 only
    assert coops_of(fixture_con, streets=["S2"]).index.tolist() == ["K2"]


def test_meetings_by_month_has_every_month_of_the_window(fixture_con):
    df = run(fixture_con, "org_meetings_by_month")
    assert list(df["month"]) == [D(2023, m, 1) for m in range(4, 12)]
    by_month = df.set_index("month")
    assert by_month.loc[D(2023, 5, 1)].tolist() == [1, 2]  # M1
    assert by_month.loc[D(2023, 11, 1)].tolist() == [1, 3]  # M2 on 11-30
    assert (df["meetings"].sum(), df["problems_resolved"].sum()) == (2, 5)
    across = run(fixture_con, "org_meetings_by_month", start=D(2023, 11, 15), end=D(2023, 12, 10))
    assert across.values.tolist() == [[D(2023, 11, 1), 1, 3], [D(2023, 12, 1), 1, 4]]
    only_k1 = run(fixture_con, "org_meetings_by_month", communities=["C1"], end=D(2023, 12, 31))
    assert only_k1["meetings"].sum() == 2  # M3 belongs to K2


def test_five_standards_per_site(fixture_con):
    df = coops_of(fixture_con)
    flags = ["has_site", "has_signage", "has_roster", "has_rules", "has_service", "all_five"]
    assert df.loc["K1", flags].tolist() == [True] * 6
    assert df.loc["K2", flags].tolist() == [True, True, True, False, True, False]  # no rules on the wall
    assert coops_of(fixture_con, streets=["S1"]).index.tolist() == ["K1"]
    assert coops_of(fixture_con, end=D(2023, 5, 1)).index.tolist() == ["K1"]


@pytest.mark.parametrize("kw", [{}, {"end": D(2024, 6, 30)}, {"streets": ["S2"]}, {"communities": ["C1"]},
                                {"start": D(2023, 6, 1)}, {"start": D(2023, 1, 1), "end": D(2023, 4, 19)}])
def test_coop_sums_are_the_organisation_totals(fixture_con, kw):
    """The page's cards are org_coops' column sums: the same figures as kpi_organisation (总览)."""
    df, org = coops_of(fixture_con, **kw), run(fixture_con, "kpi_organisation", **kw).iloc[0]
    assert (len(df), df["all_five"].sum(), df["members"].sum(), df["party_members"].sum(),
            df["team_total"].sum(), df["meetings"].sum(), df["problems_resolved"].sum()) == \
        (org["cooperatives"], org["five_standard"], org["members"], org["party_members"],
         org["work_team_headcount"], org["meetings"], org["problems_resolved"])
    # the committees card is the length of the list (kpi_outcomes counts the same rows)
    assert len(run(fixture_con, "org_committees_founded", **kw)) == \
        run(fixture_con, "kpi_outcomes", **kw).iloc[0]["owners_committees"]


def test_coop_sums_are_the_organisation_totals_on_the_demo_data(demo_con):
    for end in (REPORT, D(2026, 10, 31)):
        for streets in ([], ["220203013"]):
            df = db.execute(demo_con, "org_coops", params(end=end, streets=streets, **RULES))
            org = db.execute(demo_con, "kpi_organisation", params(end=end, streets=streets)).iloc[0]
            assert (len(df), df["all_five"].sum(), df["members"].sum(), df["party_members"].sum(),
                    df["team_total"].sum(), df["meetings"].sum(), df["problems_resolved"].sum()) == \
                (org["cooperatives"], org["five_standard"], org["members"], org["party_members"],
                 org["work_team_headcount"], org["meetings"], org["problems_resolved"])


def test_committees_founded_list_the_window_only(fixture_con):
    df = run(fixture_con, "org_committees_founded")
    cols = ["committee_id", "compound_name", "community_name", "street_name", "founded_on"]
    assert df[cols].values.tolist() == [["W1", "甲小区", "一社区", "甲街道", D(2023, 9, 1)]]  # W2 is 2024
    later = run(fixture_con, "org_committees_founded", end=D(2024, 6, 30))
    assert later["committee_id"].tolist() == ["W1", "W2"]
    assert later.iloc[1][cols].tolist() == ["W2", "丙新村", "三社区", "乙街道", D(2024, 2, 1)]
    assert run(fixture_con, "org_committees_founded", streets=["S2"]).empty


def test_compounds_by_mode_at_window_end(fixture_con):
    def by_mode(**kw):
        df = run(fixture_con, "org_compounds_by_mode", modes=COOP_MODE.codes, **kw)
        assert list(df["coop_mode"]) == COOP_MODE.codes  # every mode, contract order
        return df.set_index("coop_mode")[["compounds", "standalone", "households"]].values.tolist()
    # 2023-11-30: P1 co_build (compound, 100 hh), P2 co_build (standalone, 20), P4 self_governance
    # (compound, 200); P3 professional and P5 unmanaged are not counted
    assert by_mode() == [[1, 1, 120], [1, 0, 200], [0, 0, 0]]
    # P4 goes to a property company on 2024-01-01
    assert by_mode(end=D(2024, 6, 30)) == [[1, 1, 120], [0, 0, 0], [0, 0, 0]]
    # 2023-05-05: only P1 (P2 from 05-10, P4 from 06-01)
    assert by_mode(end=D(2023, 5, 5)) == [[1, 0, 100], [0, 0, 0], [0, 0, 0]]
    assert by_mode(communities=["C3"]) == [[0, 0, 0], [1, 0, 200], [0, 0, 0]]


# ====================================================================== the page on the demo data
REPORT_LINK = dict(from_=LAUNCH.isoformat(), to=REPORT.isoformat())
ARTICLE = {"共享物业社": "13 个", "“五有”达标": "13 个", "物业社成员": "99 人", "其中党员": "77 人",
           "党员占比": "77.8%", "四支工作力量": "300 人", "协商会议": "20 次", "会议解决问题": "46 个",
           "新成立业委会": "11 个"}


@pytest.fixture(scope="module")
def report_page():
    return open_app(page=PAGE, **REPORT_LINK)


def test_report_window_cards_show_the_articles_figures(report_page):
    assert metrics(report_page) == ARTICLE


def test_report_window_every_cooperative_meets_every_rule(report_page, demo_con):
    assert "13 个物业社中 13 个全部达标" in texts(report_page)
    assert (f"理事长 {fmt.number(RULES['chairs'])} 名、副理事长 {fmt.number(RULES['vice_chairs'])} 名、"
            f"成员 {fmt.number(RULES['min_members'])}–{fmt.number(RULES['max_members'])} 人、"
            f"党员占比超过 {fmt.percent(RULES['party_share_above'], 0)}") in texts(report_page)  # as configured
    shown = table(report_page, "party_ok").set_index("coop_name")
    assert len(shown) == 13
    checks = ["chair_ok", "vice_chair_ok", "size_ok", "party_ok", "all_ok"]
    assert set(shown[checks].values.ravel()) == {"✓"}
    # independent: members and party members per cooperative joined by the report date
    counted = {name: (n, party) for name, n, party in sql(demo_con, """
        SELECT co.coop_name, count(*), count(*) FILTER (WHERE m.is_party_member)
        FROM coop_members m JOIN cooperatives co USING (coop_code)
        WHERE m.joined_on <= $end GROUP BY co.coop_name""", end=REPORT)}
    assert {name: (row.members, row.party_members) for name, row in shown.iterrows()} == counted
    assert sum(n for n, _ in counted.values()) == 99 and sum(p for _, p in counted.values()) == 77
    assert all(RULES["min_members"] <= n <= RULES["max_members"] and party / n > RULES["party_share_above"]
               for n, party in counted.values())
    assert set(shown["chairs"]) == {RULES["chairs"]} and set(shown["vice_chairs"]) == {RULES["vice_chairs"]}


def test_report_window_teams_meetings_and_charts(report_page, demo_con):
    figs = charts(report_page)
    assert set(figs) == {"org_members_by_background", "org_teams_by_team", "org_meetings_by_coop",
                         "org_meetings_by_month", "org_compounds_by_mode"}
    # work teams: independent latest count per cooperative and team on or before the report date
    (teams_total,), = sql(demo_con, """
        SELECT sum(h) FROM (SELECT arg_max(headcount, as_of) AS h FROM work_teams
                            WHERE as_of <= $end GROUP BY coop_code, team)""", end=REPORT)
    team_fig = figs["org_teams_by_team"]
    assert teams_total == 300
    assert sum(values(team_fig["data"][0]["y"])) == 300
    assert list(team_fig["data"][0]["x"]) == ["综合协调组", "物业管理组", "志愿服务组", "评议监督组"]
    assert team_fig["layout"]["yaxis"]["title"]["text"] == "人"
    assert table(report_page, "supervision")["team_total"].sum() == 300
    assert "四支工作力量共 300 人" in texts(report_page)
    # members by background: the stacked role bars add up to the 99 members
    bg = figs["org_members_by_background"]
    assert [tr["name"] for tr in bg["data"]] == ["理事长", "副理事长", "成员"]
    assert sum(sum(values(tr["x"])) for tr in bg["data"]) == 99
    assert sum(values(bg["data"][0]["x"])) == 13  # one chair per cooperative
    assert bg["layout"]["title"]["text"].endswith("（人）") and bg["layout"]["xaxis"]["title"]["text"] == "人"
    # meetings: independent count in the window; by cooperative and by month both add up to 20 / 46
    (n, solved), = sql(demo_con, "SELECT count(*), sum(problems_resolved) FROM meetings "
                                 "WHERE held_on BETWEEN $start AND $end", start=LAUNCH, end=REPORT)
    assert (n, solved) == (20, 46)
    for key in ("org_meetings_by_coop", "org_meetings_by_month"):
        fig = figs[key]
        axis = "x" if key == "org_meetings_by_coop" else "y"  # by cooperative is horizontal
        assert [sum(values(tr[axis])) for tr in fig["data"]] == [20, 46]
        assert [tr["name"] for tr in fig["data"]] == ["协商会议（次）", "解决问题（个）"]
    assert len(values(figs["org_meetings_by_month"]["data"][0]["x"])) == 8  # April … November
    assert len(values(figs["org_meetings_by_coop"]["data"][0]["y"])) == 13


def test_report_window_five_standards_committees_and_modes(report_page, demo_con):
    five = table(report_page, "all_five")
    assert len(five) == 13 and set(five.drop(columns=["coop_name", "community_name"]).values.ravel()) == {"✓"}
    assert "13 个服务阵地中 13 个“五有”齐全" in texts(report_page)
    committees = table(report_page, "founded_on")
    assert len(committees) == 11
    assert all(LAUNCH <= d <= REPORT for d in committees["founded_on"])
    assert "所选时间内新成立业主委员会 11 个" in texts(report_page)
    # modes: independent state on the report date (the latest management row on or before it)
    expected = {mode: (c, s, hh) for mode, c, s, hh in sql(demo_con, """
        WITH state AS (SELECT compound_code, arg_max(management, valid_from) AS mg,
                              arg_max(coop_mode, valid_from) AS mode
                       FROM management_history WHERE valid_from <= $end GROUP BY compound_code)
        SELECT mode, count(*) FILTER (WHERE kind = 'compound'), count(*) FILTER (WHERE kind = 'standalone'),
               sum(households)
        FROM state JOIN compounds USING (compound_code) WHERE mg = 'cooperative' GROUP BY mode""", end=REPORT)}
    modes = table(report_page, "mode_zh")
    labels = {COOP_MODE.zh(code): code for code in COOP_MODE.codes}
    assert {labels[r.mode_zh]: (r.compounds, r.standalone, r.households) for r in modes.itertuples()} == expected
    fig = charts(report_page)["org_compounds_by_mode"]
    assert sum(sum(values(tr["y"])) for tr in fig["data"]) == sum(c + s for c, s, _ in expected.values())
    assert fig["layout"]["yaxis"]["title"]["text"] == "个"


def test_full_window_takes_the_later_team_recounts(demo_con):
    bounds = db.execute(demo_con, "data_bounds", params()).iloc[0]
    at = open_app(page=PAGE, from_=LAUNCH.isoformat(), to=bounds["last_day"].isoformat())
    org = db.execute(demo_con, "kpi_organisation", params(end=bounds["last_day"])).iloc[0]
    (teams_total,), = sql(demo_con, """
        SELECT sum(h) FROM (SELECT arg_max(headcount, as_of) AS h FROM work_teams
                            WHERE as_of <= $end GROUP BY coop_code, team)""", end=bounds["last_day"])
    shown = metrics(at)
    assert shown["四支工作力量"] == f"{fmt.number(teams_total)} 人" == f"{fmt.number(org['work_team_headcount'])} 人"
    assert teams_total != 300  # the year-end recounts changed it
    assert shown["协商会议"] == f"{org['meetings']} 次" and org["meetings"] > 20
    assert shown["物业社成员"] == "99 人"  # no new members after the report


def test_street_filter_changes_every_figure(demo_con):
    at = open_app(page=PAGE, **REPORT_LINK)
    at.sidebar.multiselect(key="flt_streets").set_value(["220203013"]).run()  # 承德街道: 站前社区 only
    assert not at.exception
    (members, party), = sql(demo_con, """
        SELECT count(*), count(*) FILTER (WHERE is_party_member) FROM coop_members m
        JOIN cooperatives co USING (coop_code) JOIN communities cm USING (community_code)
        WHERE cm.street_code = '220203013' AND m.joined_on <= $end""", end=REPORT)
    shown = metrics(at)
    assert (shown["共享物业社"], shown["物业社成员"], shown["其中党员"]) == ("1 个", f"{members} 人", f"{party} 人")
    assert members == 7 and party == 6
    assert "1 个物业社中 1 个全部达标" in texts(at)
    assert table(at, "party_ok")["coop_name"].tolist() == ["站前社区共享物业社"]
    assert sum(values(charts(at)["org_teams_by_team"]["data"][0]["y"])) == \
        table(at, "supervision")["team_total"].sum() == 23
    assert shown["新成立业委会"] == "0 个"  # 承德's committees come in 2025 and 2026
    assert at.query_params["street"] == "220203013"


def test_link_with_filters_reproduces_the_view(demo_con):
    at = open_app(page=PAGE, from_="2023-06-01", to="2023-09-30", street="220203006",
                  community="220203006001")  # 新吉林街道 · 新义社区
    assert at.sidebar.multiselect(key="flt_streets").value == ["220203006"]
    assert at.sidebar.multiselect(key="flt_communities").value == ["220203006001"]
    (n, solved), = sql(demo_con, """
        SELECT count(*), coalesce(sum(problems_resolved), 0) FROM meetings JOIN cooperatives USING (coop_code)
        WHERE community_code = '220203006001' AND held_on BETWEEN DATE '2023-06-01' AND DATE '2023-09-30'""")
    shown = metrics(at)
    assert (shown["协商会议"], shown["会议解决问题"]) == (f"{n} 次", f"{solved} 个")
    committees = table(at, "founded_on")
    assert committees["compound_name"].tolist() == ["天润花园", "嘉禾小区"]  # YWH001 06-22, YWH008 09-25
    assert shown["新成立业委会"] == "2 个"
    assert "新义社区" in texts(at)


def test_scope_without_cooperatives_says_so_in_words():
    at = open_app(page=PAGE, street="220203100")  # 乌拉街满族镇: no compound, no cooperative
    assert not at.exception
    assert texts(at).count("所选范围内无数据") >= 7  # every section
    assert charts(at) == {}
    assert len(at.dataframe) == 0
    assert metrics(at)["共享物业社"] == "0 个" and metrics(at)["党员占比"] == "—"


# ====================================================================== the page on the fixture
@pytest.fixture
def on_fixture(fixture_dir, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(fixture_dir))


def test_fixture_page_shows_hand_worked_figures(on_fixture):
    at = open_app(page=PAGE, **REPORT_LINK)
    assert metrics(at) == {"共享物业社": "2 个", "“五有”达标": "1 个", "物业社成员": "7 人", "其中党员": "4 人",
                           "党员占比": "57.1%", "四支工作力量": "18 人", "协商会议": "2 次",
                           "会议解决问题": "5 个", "新成立业委会": "1 个"}
    assert "2 个物业社中 0 个全部达标" in texts(at)
    rules = table(at, "party_ok").set_index("coop_name")
    assert rules.loc["一社区共享物业社", ["chair_ok", "vice_chair_ok", "size_ok", "party_ok", "all_ok"]].tolist() \
        == ["✓", "✓", "✗", "✓", "✗"]
    assert rules.loc["三社区共享物业社", ["chair_ok", "vice_chair_ok", "size_ok", "party_ok", "all_ok"]].tolist() \
        == ["✓", "✗", "✗", "✗", "✗"]
    five = table(at, "all_five").set_index("coop_name")
    assert five.loc["三社区共享物业社", ["has_rules", "all_five"]].tolist() == ["✗", "✗"]
    figs = charts(at)
    assert values(figs["org_teams_by_team"]["data"][0]["y"]) == [3, 5, 10, 0]
    month = figs["org_meetings_by_month"]["data"]
    assert values(month[0]["y"]) == [0, 1, 0, 0, 0, 0, 0, 1] and values(month[1]["y"]) == [0, 2, 0, 0, 0, 0, 0, 3]
    assert [values(tr["y"]) for tr in figs["org_compounds_by_mode"]["data"]] == [[1, 1, 0], [1, 0, 0]]
    assert table(at, "mode_zh")["households"].tolist() == [120, 200, 0]
    assert table(at, "founded_on")["compound_name"].tolist() == ["甲小区"]


def test_fixture_marks_download_as_shown(on_fixture, captured):
    """The ✓ / ✗ columns (booleans drawn as marks) are ✓ / ✗ in the CSV and .xlsx too."""
    at = open_app(page=PAGE, **REPORT_LINK)
    shown = table(at, "party_ok")
    checks = ["all_ok", "chair_ok", "vice_chair_ok", "size_ok", "party_ok"]  # columns 1 and 7–10 of the table
    for frame in (pd.read_csv(io.BytesIO(captured["org_rules.csv"]), encoding="utf-8-sig"),
                  pd.read_excel(io.BytesIO(captured["org_rules.xlsx"]))):
        assert frame.columns[[1, 7]].tolist() == ["全部达标", "理事长 1 名"]
        assert frame.iloc[:, 0].tolist() == shown["coop_name"].tolist() == ["一社区共享物业社", "三社区共享物业社"]
        assert frame.iloc[:, [1, 7, 8, 9, 10]].values.tolist() == shown[checks].astype(str).values.tolist() \
            == [["✗", "✓", "✓", "✗", "✓"], ["✗", "✓", "✗", "✗", "✗"]]


def test_fixture_page_applies_thresholds_from_config(on_fixture, monkeypatch):
    loose = dataclasses.replace(settings(), cooperative_rules={
        "min_members": 3, "max_members": 4, "chairs": 1, "vice_chairs": 2, "party_share_above": 0.7})
    monkeypatch.setattr(settings_module, "settings", lambda: loose)
    at = open_app(page=PAGE, **REPORT_LINK)
    shown = texts(at)
    assert "成员 3–4 人、党员占比超过 70%" in shown
    assert "2 个物业社中 1 个全部达标" in shown  # K1: 4 members, 0.75 party share
    rules = table(at, "party_ok").set_index("coop_name")
    assert rules["all_ok"].tolist() == ["✓", "✗"]


def test_fixture_filter_to_street_two_changes_the_figures(on_fixture):
    at = open_app(page=PAGE, **REPORT_LINK)
    at.sidebar.multiselect(key="flt_streets").set_value(["S2"]).run()
    shown = metrics(at)
    assert (shown["共享物业社"], shown["物业社成员"], shown["其中党员"], shown["四支工作力量"]) == \
        ("1 个", "3 人", "1 人", "5 人")
    assert "1 个物业社中 0 个全部达标" in texts(at)
    # K2 held no meeting in the window (M3 is on 12-01) and W1 is in S1
    assert "org_meetings_by_coop" not in charts(at)
    assert shown["新成立业委会"] == "0 个"
    assert [values(tr["y"]) for tr in charts(at)["org_compounds_by_mode"]["data"]] == [[0, 1, 0], [0, 0, 0]]


def test_city_scale_meetings_chart_shows_the_40_busiest_cooperatives(tmp_path, monkeypatch):
    """With more cooperatives than a chart can show (city scale), the meetings chart keeps the 40 with
    the most meetings, in the query's order, and says how many there are in all."""
    from coopdash.synth import citygen
    city = tmp_path / "city"
    citygen.write(200_000, city, seed=3)
    monkeypatch.setenv("COOP_DATA_DIR", str(city))
    end = citygen.END  # the generator's last day; the window from the launch to it, set by the link (a link
    # without dates opens on the latest month: issue 23)
    at = open_app("pages/organisation.py", from_=settings().launch.isoformat(), to=end.isoformat())
    coops = db.execute(db.open_dataset(city), "org_coops",
                       params(start=settings().launch, end=end, **settings().cooperative_rules))
    assert len(coops) > 40
    fig = charts(at)["org_meetings_by_coop"]
    shown = values(fig["data"][0]["y"])
    assert len(shown) == 40
    top = coops.nlargest(40, ["meetings", "problems_resolved"]).sort_index()
    assert shown == list(top["coop_name"])
    assert values(fig["data"][0]["x"]) == list(top["meetings"])
    assert min(values(fig["data"][0]["x"])) >= coops["meetings"].drop(top.index).max()
    assert f"共 {fmt.number(len(coops))} 个物业社，图中为协商会议最多的 40 个" in texts(at)
