"""组织建设 in pandas: totals, the membership rules per cooperative, backgrounds and roles, work
teams, meetings, the five standards, owners' committees and compounds by sharing+ mode."""

import pandas as pd
import streamlit as st

from bench.pandas_app import common as c
from coopdash.app import charts, ui
from coopdash.data.contract import BACKGROUND, COOP_MODE, ROLE, TEAM
from coopdash.data.settings import settings
from coopdash.i18n.labels import t

f = c.current()
d = c.data()
rules = settings().cooperative_rules
org = c.organisation_kpis(d, f)
oc = d["owners_committees"]
committees = oc[f.scope(oc) & f.days(oc["founded_on"])]

co = c.coops_in_scope(d, f).sort_values("coop_code")
m = d["coop_members"]
m = m[m["coop_code"].isin(co["coop_code"]) & (m["joined_on"] <= f.d1)]

# the plan's rules per cooperative
per = m.groupby("coop_code").agg(members=("member_id", "size"),
                                 chairs=("role", lambda r: (r == "chair").sum()),
                                 vice_chairs=("role", lambda r: (r == "vice_chair").sum()),
                                 party_members=("is_party_member", "sum"))
coops = co[["coop_code", "coop_name", "community_name", "street_name"]].set_index("coop_code").join(per)
coops[["members", "chairs", "vice_chairs", "party_members"]] = \
    coops[["members", "chairs", "vice_chairs", "party_members"]].fillna(0).astype(int)
coops["party_share"] = coops["party_members"] / coops["members"].where(coops["members"] > 0)
coops["chair_ok"] = coops["chairs"] == rules["chairs"]
coops["vice_chair_ok"] = coops["vice_chairs"] == rules["vice_chairs"]
coops["size_ok"] = coops["members"].between(rules["min_members"], rules["max_members"])
coops["party_ok"] = (coops["party_share"] > rules["party_share_above"]).fillna(False)
coops["all_ok"] = coops[["chair_ok", "vice_chair_ok", "size_ok", "party_ok"]].all(axis=1)
coops = coops.reset_index()

backgrounds = pd.crosstab(m["background"], m["role"]).reindex(columns=ROLE.codes, fill_value=0)
backgrounds["members"] = backgrounds.sum(axis=1)
backgrounds = backgrounds.reset_index().sort_values(["members", "background"], ascending=[False, True])

wt = d["work_teams"]
wt = wt[wt["coop_code"].isin(co["coop_code"]) & (wt["as_of"] <= f.d1)]
latest = wt.sort_values("as_of").drop_duplicates(["coop_code", "team"], keep="last")
teams_by_coop = (latest.pivot_table(index="coop_code", columns="team", values="headcount", aggfunc="sum")
                 .reindex(index=co["coop_code"], columns=TEAM.codes).fillna(0).astype(int))
teams_by_coop["total"] = teams_by_coop.sum(axis=1)
teams_by_coop = co[["coop_code", "coop_name", "community_name"]].merge(teams_by_coop.reset_index(), on="coop_code")
by_team = latest.groupby("team")["headcount"].sum().reindex(TEAM.codes, fill_value=0).rename_axis("team").reset_index()

mt = d["meetings"]
mt = mt[mt["coop_code"].isin(co["coop_code"]) & f.days(mt["held_on"])]
meetings_by_coop = co[["coop_code", "coop_name", "community_name"]].merge(
    mt.groupby("coop_code").agg(meetings=("meeting_id", "size"), problems_resolved=("problems_resolved", "sum")),
    left_on="coop_code", right_index=True, how="left").fillna({"meetings": 0, "problems_resolved": 0})
months = f.months()
by_month = (mt.groupby(mt["held_on"].dt.to_period("M").dt.to_timestamp())
            .agg(meetings=("meeting_id", "size"), problems_resolved=("problems_resolved", "sum"))
            .reindex(months, fill_value=0).rename_axis("month").reset_index())

five_cols = ["has_site", "has_signage", "has_roster", "has_rules", "has_service"]
five = co[["coop_code", "coop_name", "community_name", *five_cols]].assign(all_five=co[five_cols].all(axis=1))

managed = c.management_on(d, f.d1)
managed = managed[managed["management"] == "cooperative"].merge(
    d["places"][f.scope(d["places"])][["compound_code", "kind", "households"]], on="compound_code")
modes = pd.DataFrame({"coop_mode": COOP_MODE.codes})
is_mode = [managed["coop_mode"] == code for code in COOP_MODE.codes]
modes["compounds"] = [int((m_ & (managed["kind"] == "compound")).sum()) for m_ in is_mode]
modes["standalone"] = [int((m_ & (managed["kind"] == "standalone")).sum()) for m_ in is_mode]
modes["households"] = [int(managed.loc[m_, "households"].sum()) for m_ in is_mode]

c.header("page.organisation", f)
st.subheader(t("org.section.totals"))
c.cards([("org.kpi.cooperatives", org["cooperatives"], "unit.items"),
         ("org.kpi.five_standard", org["five_standard"], "unit.items"),
         ("org.kpi.members", org["members"], "unit.people"),
         ("org.kpi.party_members", org["party_members"], "unit.people"),
         ("org.kpi.party_share", org["party_share"], None),
         ("org.kpi.work_team_headcount", org["work_team_headcount"], "unit.people"),
         ("org.kpi.meetings", org["meetings"], "unit.times"),
         ("org.kpi.problems_resolved", org["problems_resolved"], "unit.items"),
         ("org.kpi.committees", len(committees), "unit.items")], per_row=5)

st.subheader(t("org.section.rules"))
st.dataframe(coops, hide_index=True, width="stretch", key="org_rules")
st.subheader(t("org.section.members"))
backgrounds["background_zh"] = backgrounds["background"].map(BACKGROUND.zh)
st.plotly_chart(ui.figure(charts.bars(backgrounds, "background_zh", {r: ROLE.zh(r) for r in ROLE.codes},
                            t("org.chart.members_by_background"), t("org.axis.background"), t("unit.people"),
                            stacked=True, horizontal=True)), key="org_members_by_background")
st.subheader(t("org.section.teams"))
left, right = st.columns([2, 3])
by_team["team_zh"] = by_team["team"].map(TEAM.zh)
left.plotly_chart(ui.figure(charts.bars(by_team, "team_zh", {"headcount": t("org.kpi.work_team_headcount")},
                              t("org.chart.teams_by_team"), t("org.axis.team"), t("unit.people"))),
                  key="org_teams_by_team")
right.dataframe(teams_by_coop, hide_index=True, width="stretch", key="org_teams")
st.subheader(t("org.section.meetings"))
series = {"meetings": t("org.series.meetings"), "problems_resolved": t("org.series.problems")}
left, right = st.columns(2)
left.plotly_chart(ui.figure(charts.bars(meetings_by_coop, "coop_name", series, t("org.chart.meetings_by_coop"),
                              t("org.axis.coop"), t("org.axis.times_items"), horizontal=True)),
                  key="org_meetings_by_coop")
right.plotly_chart(ui.figure(charts.monthly_axis(charts.bars(by_month, "month", series, t("org.chart.meetings_by_month"),
                                                   t("axis.month"), t("org.axis.times_items")))),
                   key="org_meetings_by_month")
st.subheader(t("org.section.five"))
st.dataframe(five, hide_index=True, width="stretch", key="org_five")
st.subheader(t("org.section.committees"))
st.dataframe(committees.merge(d["places"][["compound_code", "compound_name", "community_name", "street_name"]],
                              on="compound_code").sort_values(["founded_on", "committee_id"]),
             hide_index=True, width="stretch", key="org_committees")
st.subheader(t("org.section.modes"))
modes["mode_zh"] = modes["coop_mode"].map(COOP_MODE.zh)
st.plotly_chart(ui.figure(charts.bars(modes, "mode_zh", {"compounds": "小区", "standalone": "单体楼"},
                            t("org.chart.compounds_by_mode"), t("org.axis.mode"), t("unit.items"), stacked=True)),
                key="org_compounds_by_mode")
st.dataframe(modes, hide_index=True, width="stretch", key="org_modes")
