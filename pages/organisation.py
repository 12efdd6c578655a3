"""组织建设 — the cooperatives against the implementation plan's rules, member backgrounds and roles,
the four work teams, consultation meetings, the five standards, owners' committees and the sharing+
modes. Stock figures as of the window's end, flows within the window; thresholds from config."""

import streamlit as st

from coopdash.app import cache, charts, ui
from coopdash.app.sidebar import current
from coopdash.data.contract import BACKGROUND, COMPOUND_KIND, COOP_MODE, ROLE, TABLES_BY_NAME, TEAM
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

FIVE = ("has_site", "has_signage", "has_roster", "has_rules", "has_service")
COOP_COLUMNS = TABLES_BY_NAME["cooperatives"]


def totals(coops) -> dict:
    """The cards' figures as sums over org_coops' rows (the same figures as kpi_organisation)."""
    members, party = int(coops["members"].sum()), int(coops["party_members"].sum())
    return {"cooperatives": len(coops), "five_standard": int(coops["all_five"].sum()),
            "members": members, "party_members": party, "party_share": party / members if members else None,
            "work_team_headcount": int(coops["team_total"].sum()), "meetings": int(coops["meetings"].sum()),
            "problems_resolved": int(coops["problems_resolved"].sum())}


MAX_BARS = 40  # the meetings-by-cooperative chart shows at most this many cooperatives


def with_unit(label: str, unit_key: str) -> str:
    return t("org.col.with_unit", label=label, unit=t(unit_key))


# Five queries on the small organisation tables. org_coops has a row per cooperative with everything
# the page shows per cooperative (make-up and rules, five standards, work teams, meetings); the totals
# and the per-team headcounts are its column sums; the committees' count is the list's length.
p = current().params()
rules = settings().cooperative_rules
coops, backgrounds, by_month, committees, modes = cache.run_many(
    ["org_coops", "org_members_by_background", "org_meetings_by_month", "org_committees_founded",
     "org_compounds_by_mode"], **p, **rules, modes=COOP_MODE.codes)
org = totals(coops)

ui.header("page.organisation")
Card = ui.Card

# ------------------------------------------------------------------ totals (kpi_organisation)
ui.section("org.section.totals")
ui.cards([
    Card("org.kpi.cooperatives", org["cooperatives"], "unit.items", "org.help.stock"),
    Card("org.kpi.five_standard", org["five_standard"], "unit.items", "org.help.stock"),
    Card("org.kpi.members", org["members"], "unit.people", "org.help.stock"),
    Card("org.kpi.party_members", org["party_members"], "unit.people", "org.help.stock"),
    Card("org.kpi.party_share", org["party_share"], None, "org.help.stock"),
    Card("org.kpi.work_team_headcount", org["work_team_headcount"], "unit.people", "org.help.stock"),
    Card("org.kpi.meetings", org["meetings"], "unit.times", "org.help.flow"),
    Card("org.kpi.problems_resolved", org["problems_resolved"], "unit.items", "org.help.flow"),
    Card("org.kpi.committees", len(committees), "unit.items", "org.help.flow"),
], per_row=5)

# ------------------------------------------------------------------ make-up against the plan's rules
ui.section("org.section.rules")
share_rule = fmt.percent(rules["party_share_above"], 0)
st.caption(t("org.rules.requirement", chairs=fmt.number(rules["chairs"]),
             vice_chairs=fmt.number(rules["vice_chairs"]), min_members=fmt.number(rules["min_members"]),
             max_members=fmt.number(rules["max_members"]), share=share_rule))
if coops.empty:
    ui.empty()
else:
    st.markdown(t("org.rules.summary", total=fmt.number(len(coops)),
                  passing=fmt.number(int(coops["all_ok"].sum())), share=fmt.percent(org["party_share"])))
    rule_labels = {
        "chair_ok": t("org.rule.chairs", n=fmt.number(rules["chairs"])),
        "vice_chair_ok": t("org.rule.vice_chairs", n=fmt.number(rules["vice_chairs"])),
        "size_ok": t("org.rule.size", lo=fmt.number(rules["min_members"]), hi=fmt.number(rules["max_members"])),
        "party_ok": t("org.rule.party", share=share_rule),
        "all_ok": t("org.rule.all"),
    }
    ui.table(coops, {
        "coop_name": (t("org.col.coop"), "text"),
        "all_ok": (rule_labels["all_ok"], "mark"),
        "members": (t("org.col.members"), "int"),
        "chairs": (t("org.col.chairs"), "int"),
        "vice_chairs": (t("org.col.vice_chairs"), "int"),
        "party_members": (t("org.col.party_members"), "int"),
        "party_share": (t("org.col.party_share"), "percent"),
        **{column: (label, "mark") for column, label in rule_labels.items() if column != "all_ok"},
    }, key="org_rules")

# ------------------------------------------------------------------ member backgrounds and roles
ui.section("org.section.members")
if backgrounds.empty:
    ui.empty()
else:
    backgrounds = backgrounds.assign(background_zh=backgrounds["background"].map(BACKGROUND.label))
    fig = charts.bars(backgrounds, "background_zh", {role: ROLE.label(role) for role in ROLE.codes},
                      t("org.chart.members_by_background"), t("org.axis.background"), t("unit.people"),
                      stacked=True, horizontal=True)
    ui.chart(fig, "org_members_by_background")

# ------------------------------------------------------------------ the four work teams
ui.section("org.section.teams")
if coops.empty:
    ui.empty()
else:
    st.markdown(t("org.teams.total", total=fmt.number(org["work_team_headcount"])))
    by_team = coops[list(TEAM.codes)].sum().rename_axis("team").reset_index(name="headcount")
    left, right = st.columns([2, 3])
    with left:
        if by_team["headcount"].sum() == 0:
            st.markdown(f"**{t('org.chart.teams_by_team')}**")
            ui.empty()
        else:
            by_team = by_team.assign(team_zh=by_team["team"].map(TEAM.label))
            fig = charts.bars(by_team, "team_zh", {"headcount": t("org.kpi.work_team_headcount")},
                              t("org.chart.teams_by_team"), t("org.axis.team"), t("unit.people"))
            ui.chart(fig, "org_teams_by_team")
    with right:
        ui.table(coops, {
            "coop_name": (t("org.col.coop"), "text"),
            **{team: (with_unit(TEAM.label(team), "unit.people"), "int") for team in TEAM.codes},
            "team_total": (t("org.col.team_total"), "int"),
        }, key="org_teams")

# ------------------------------------------------------------------ consultation meetings
ui.section("org.section.meetings")
if coops["meetings"].sum() == 0:
    ui.empty()
else:
    series = {"meetings": t("org.series.meetings"), "problems_resolved": t("org.series.problems")}
    left, right = st.columns(2)
    with left:
        shown = coops
        if len(coops) > MAX_BARS:  # city scale: thousands of bars are unreadable (and slow to draw)
            shown = coops.sort_values(["meetings", "problems_resolved"], ascending=False, kind="stable")
            shown = shown.head(MAX_BARS).sort_index()
            st.caption(t("org.chart.meetings_top", total=fmt.number(len(coops)), n=fmt.number(MAX_BARS)))
        fig = charts.bars(shown, "coop_name", series, t("org.chart.meetings_by_coop"),
                          t("org.axis.coop"), t("org.axis.times_items"), horizontal=True)
        ui.chart(fig, "org_meetings_by_coop")
    with right:
        fig = charts.bars(by_month, "month", series, t("org.chart.meetings_by_month"),
                          t("axis.month"), t("org.axis.times_items"))
        ui.chart(charts.monthly_axis(fig), "org_meetings_by_month")

# ------------------------------------------------------------------ the five standards per service site
ui.section("org.section.five")
if coops.empty:
    ui.empty()
else:
    st.markdown(t("org.five.summary", total=fmt.number(org["cooperatives"]),
                  passing=fmt.number(org["five_standard"])))
    ui.table(coops, {
        "coop_name": (t("org.col.coop"), "text"),
        "community_name": (t("org.col.community"), "text"),
        **{column: (COOP_COLUMNS.column(column).label, "mark") for column in FIVE},
        "all_five": (t("org.col.all_five"), "mark"),
    }, key="org_five")

# ------------------------------------------------------------------ owners' committees founded
ui.section("org.section.committees")
st.markdown(t("org.committees.summary", count=fmt.number(len(committees))))
if committees.empty:
    ui.empty()
else:
    ui.table(committees, {
        "compound_name": (t("org.col.compound"), "text"),
        "community_name": (t("org.col.community"), "text"),
        "street_name": (t("org.col.street"), "text"),
        "founded_on": (t("org.col.founded_on"), "date"),
    }, key="org_committees")

# ------------------------------------------------------------------ compounds by sharing+ mode
ui.section("org.section.modes")
if (modes["compounds"] + modes["standalone"]).sum() == 0:
    ui.empty()
else:
    st.caption(t("org.modes.caption"))
    modes = modes.assign(mode_zh=modes["coop_mode"].map(COOP_MODE.label))
    kinds = {kind: COMPOUND_KIND.label(kind) for kind in ("compound", "standalone")}
    left, right = st.columns([3, 2])
    with left:
        fig = charts.bars(modes, "mode_zh", {"compounds": kinds["compound"], "standalone": kinds["standalone"]},
                          t("org.chart.compounds_by_mode"), t("org.axis.mode"), t("unit.items"), stacked=True)
        ui.chart(fig, "org_compounds_by_mode")
    with right:
        ui.table(modes, {
            "mode_zh": (t("org.col.mode"), "text"),
            "compounds": (with_unit(kinds["compound"], "unit.items"), "int"),
            "standalone": (with_unit(kinds["standalone"], "unit.items"), "int"),
            "households": (t("org.col.households"), "int"),
        }, key="org_modes")
