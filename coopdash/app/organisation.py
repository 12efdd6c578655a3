"""What the 组织建设 page computes and draws beyond its queries and charts: the cards' totals, the
cooperatives against the implementation plan's rules (thresholds from config), the five standards per
service site, and the busiest cooperatives when there are too many to chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopdash.app import ui
from coopdash.data.contract import TABLES_BY_NAME
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

FIVE = ("has_site", "has_signage", "has_roster", "has_rules", "has_service")
MAX_BARS = 40  # the meetings-by-cooperative chart shows at most this many cooperatives


def totals(coops: pd.DataFrame) -> dict:
    """The cards' figures as column sums of org_coops' rows: the figures kpi_organisation gives the
    overview (tests/test_organisation.py holds the two equal), without a sixth query."""
    members, party = int(coops["members"].sum()), int(coops["party_members"].sum())
    return {"cooperatives": len(coops), "five_standard": int(coops["all_five"].sum()),
            "members": members, "party_members": party, "party_share": party / members if members else None,
            "work_team_headcount": int(coops["team_total"].sum()), "meetings": int(coops["meetings"].sum()),
            "problems_resolved": int(coops["problems_resolved"].sum())}


def rules_section(coops: pd.DataFrame, rules: dict, party_share) -> None:
    """The rules in words, how many cooperatives pass them, and one row per cooperative with ✓/✗ per rule."""
    share_rule = fmt.percent(rules["party_share_above"], 0)
    st.caption(t("org.rules.requirement", chairs=fmt.number(rules["chairs"]),
                 vice_chairs=fmt.number(rules["vice_chairs"]), min_members=fmt.number(rules["min_members"]),
                 max_members=fmt.number(rules["max_members"]), share=share_rule))
    if coops.empty:
        ui.empty()
        return
    st.markdown(t("org.rules.summary", total=fmt.number(len(coops)),
                  passing=fmt.number(int(coops["all_ok"].sum())), share=fmt.percent(party_share)))
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


def five_standards_table(coops: pd.DataFrame, org) -> None:
    """How many service sites meet all five standards, and ✓/✗ per standard per cooperative."""
    columns = TABLES_BY_NAME["cooperatives"]
    st.markdown(t("org.five.summary", total=fmt.number(org["cooperatives"]),
                  passing=fmt.number(org["five_standard"])))
    ui.table(coops, {
        "coop_name": (t("org.col.coop"), "text"),
        "community_name": (t("org.col.community"), "text"),
        **{column: (columns.column(column).label, "mark") for column in FIVE},
        "all_five": (t("org.col.all_five"), "mark"),
    }, key="org_five")


def busiest(coops: pd.DataFrame) -> pd.DataFrame:
    """The cooperatives to chart: all of them, or at city scale the MAX_BARS with the most meetings
    (then problems resolved), in their listed order, with a caption saying so."""
    if len(coops) <= MAX_BARS:
        return coops
    shown = coops.sort_values(["meetings", "problems_resolved"], ascending=False, kind="stable")
    st.caption(t("org.chart.meetings_top", total=fmt.number(len(coops)), n=fmt.number(MAX_BARS)))
    return shown.head(MAX_BARS).sort_index()
