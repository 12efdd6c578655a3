"""组织建设 — the cooperatives against the implementation plan's rules, member backgrounds and roles,
the four work teams, consultation meetings, the five standards, owners' committees and the sharing+
modes. Stock figures as of the window's end, flows within the window; thresholds from config."""

import streamlit as st

from coopdash.app import cache, charts, compare, organisation, ui
from coopdash.app.sidebar import current
from coopdash.data.contract import BACKGROUND, COMPOUND_KIND, COOP_MODE, ROLE, TEAM
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

# Five queries on the small organisation tables. org_coops has a row per cooperative with everything
# the page shows per cooperative (make-up and rules, five standards, work teams, meetings); the cards
# are its column sums (the figures of kpi_organisation, one query fewer); the committees' count is the
# list's length.
f = current()
p = f.params()
rules = settings().cooperative_rules
coops, backgrounds, by_month, committees, modes = cache.run_many(
    ["org_coops", "org_members_by_background", "org_meetings_by_month", "org_committees_founded",
     "org_compounds_by_mode"], **p, **rules, modes=COOP_MODE.codes)
org = organisation.totals(coops)
# the stocks against the launch day, the flows 环比 / 同比: the same metrics from kpi_organisation (and the
# committees founded from kpi_outcomes) on those dates (coopdash/data/metrics.py); the values shown are
# org_coops' sums and the committees' list, equal to them (tests/test_organisation.py)
ORG_CARDS = ["cooperatives", "five_standard", "members", "party_members", "party_share", "work_team_headcount",
             "meetings", "problems_resolved", "owners_committees"]
FLOWS = ("meetings", "problems_resolved")
fig = compare.figures(f, ORG_CARDS)

ui.header("page.organisation")

# ------------------------------------------------------------------ totals (kpi_organisation)
ui.section("org.section.totals")
ui.cards([compare.card(fig, name, f"org.kpi.{name}", "org.help.flow" if name in FLOWS else "org.help.stock",
                       value=org[name]) for name in ORG_CARDS[:-1]]
         + [compare.card(fig, "owners_committees", "org.kpi.committees", "org.help.flow", value=len(committees))],
         per_row=5)

# ------------------------------------------------------------------ make-up against the plan's rules
ui.section("org.section.rules")
organisation.rules_section(coops, rules, org["party_share"])

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
            **{team: (ui.with_unit(TEAM.label(team), "unit.people"), "int") for team in TEAM.codes},
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
        fig = charts.bars(organisation.busiest(coops), "coop_name", series, t("org.chart.meetings_by_coop"),
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
    organisation.five_standards_table(coops, org)

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
            "compounds": (ui.with_unit(kinds["compound"], "unit.items"), "int"),
            "standalone": (ui.with_unit(kinds["standalone"], "unit.items"), "int"),
            "households": (t("org.col.households"), "int"),
        }, key="org_modes")
