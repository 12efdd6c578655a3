"""Each SQL file against the hand-made fixture (tests/fixture_data.py); expected values worked by hand."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from coopdash.data import db

D = dt.date


def one(df):
    assert len(df) == 1
    return df.iloc[0].to_dict()


# ------------------------------------------------------------------ kpi_orders
def test_orders_resolved_counts_resolution_inside_window(q):
    # resolved_at in 2023-04-01 … 2023-11-30: O1, O2, O5 (23:59 on the last day), O7 (submitted in March)
    assert one(q("kpi_orders"))["resolved"] == 4


def test_resolution_rate_excludes_cancelled_and_counts_resolution_by_window_end(q):
    row = one(q("kpi_orders"))
    # submitted in window, not cancelled: O1 O2 O3 O5 O6; resolved by 2023-11-30: O1 O2 O5
    assert (row["submitted"], row["submitted_resolved"]) == (5, 3)
    assert row["resolution_rate"] == pytest.approx(3 / 5)


def test_orders_follow_the_street_filter(q):
    assert one(q("kpi_orders", streets=["S2"]))["resolved"] == 1  # O5 at P4
    assert one(q("kpi_orders", communities=["C1"]))["resolved"] == 3  # O1 O2 O7


def test_resolution_rate_is_null_when_nothing_was_submitted(q):
    row = one(q("kpi_orders", start=D(2025, 1, 1), end=D(2025, 1, 31)))
    assert row["submitted"] == 0
    assert pd.isna(row["resolution_rate"])


# ------------------------------------------------------------------ kpi_organisation
def test_organisation_counts_stock_at_window_end_and_meetings_within(q):
    row = one(q("kpi_organisation"))
    assert row == {
        "pilot_communities": 2, "cooperatives": 2, "five_standard": 1,  # K2 lacks rules on the wall
        "members": 7, "party_members": 4,  # m5 joined in 2024
        "work_team_headcount": 18,  # 3 + 10 (the 2024 recount of 12 is later) + 5
        "meetings": 2, "problems_resolved": 5,  # M2 on the last day counts, M3 the day after does not
        "party_share": pytest.approx(4 / 7),
    }


def test_organisation_takes_latest_headcount_and_later_members(q):
    row = one(q("kpi_organisation", end=D(2024, 6, 30)))
    assert (row["work_team_headcount"], row["members"], row["party_members"]) == (20, 8, 4)
    assert (row["meetings"], row["problems_resolved"]) == (3, 9)


def test_organisation_follows_the_street_filter(q):
    row = one(q("kpi_organisation", streets=["S2"]))
    assert (row["pilot_communities"], row["cooperatives"], row["five_standard"], row["members"],
            row["party_members"], row["work_team_headcount"], row["meetings"]) == (1, 1, 0, 3, 1, 5, 0)


def test_organisation_before_any_cooperative_is_zero(q):
    row = one(q("kpi_organisation", start=D(2023, 1, 1), end=D(2023, 4, 19)))
    assert (row["cooperatives"], row["members"], row["work_team_headcount"]) == (0, 0, 0)
    assert row["pilot_communities"] == 2


# ------------------------------------------------------------------ kpi_outcomes
def test_outcomes_sum_tonnes_and_km_inside_window(q):
    row = one(q("kpi_outcomes"))
    assert row == {
        "household_t": pytest.approx(1.75),  # 1.5 + 0.25; L5 (March) and L4 (December) are outside
        "construction_t": pytest.approx(2.0),
        "road_km": pytest.approx(1.25),  # 0.8 + 0.45; R7 in 2024 is outside
        "heating_pipe_km": pytest.approx(1.2), "drainage_pipe_km": pytest.approx(0.3),
        "pipe_km": pytest.approx(1.5),
        "building_doors": 3, "stair_lights": 0, "seating": 0, "parking_spaces": 10,
        "owners_committees": 1,  # W1; W2 founded 2024-02-01
    }


def test_outcomes_follow_the_community_filter(q):
    row = one(q("kpi_outcomes", communities=["C3"]))
    assert (row["household_t"], row["road_km"], row["pipe_km"], row["building_doors"]) == \
        (pytest.approx(0.25), pytest.approx(0.45), pytest.approx(0.3), 0)


# ------------------------------------------------------------------ kpi_compounds
def test_compounds_before_launch_and_at_window_end(q):
    assert one(q("kpi_compounds")) == {
        "compounds": 3, "compounds_unmanaged_before": 2,  # P1 none, P4 none (dated on the launch day)
        "standalone": 2, "standalone_unmanaged_before": 2,
        "cooperative_managed": 3, "unmanaged_now": 1,  # P1 P2 P4 / P5
    }


def test_compound_handed_to_a_company_leaves_the_cooperative_count(q):
    row = one(q("kpi_compounds", end=D(2024, 6, 30)))
    assert (row["cooperative_managed"], row["unmanaged_now"]) == (2, 1)  # P4 went professional in 2024


# ------------------------------------------------------------------ monthly_trend
def test_monthly_trend_has_every_month_of_the_window(q):
    df = q("monthly_trend")
    assert list(df["month"]) == [D(2023, m, 1) for m in range(4, 12)]
    by_month = df.set_index("month")
    assert by_month["orders_resolved"].to_dict() == {
        D(2023, 4, 1): 1, D(2023, 5, 1): 0, D(2023, 6, 1): 1, D(2023, 7, 1): 1, D(2023, 8, 1): 0,
        D(2023, 9, 1): 0, D(2023, 10, 1): 0, D(2023, 11, 1): 1}
    assert by_month.loc[D(2023, 6, 1), "household_t"] == pytest.approx(1.5)
    assert by_month.loc[D(2023, 6, 1), "construction_t"] == pytest.approx(2.0)
    assert by_month.loc[D(2023, 11, 1), "household_t"] == pytest.approx(0.25)
    assert df["household_t"].sum() == pytest.approx(1.75)


def test_monthly_trend_of_a_window_inside_one_month(q):
    df = q("monthly_trend", start=D(2023, 6, 10), end=D(2023, 6, 20))
    assert list(df["month"]) == [D(2023, 6, 1)]
    assert (df.loc[0, "orders_resolved"], df.loc[0, "household_t"]) == (0, pytest.approx(1.5))


# ------------------------------------------------------------------ by_street
def test_by_street_splits_figures_by_street_office(q):
    df = q("by_street").set_index("street_code")
    assert list(df.index) == ["S1", "S2"]  # T1 has no compounds
    assert df.loc["S1"].to_dict() == {"street_name": "甲街道", "cooperatives": 1, "orders_resolved": 3,
                                      "tonnes": pytest.approx(3.5), "road_km": pytest.approx(0.8),
                                      "pipe_km": pytest.approx(1.2)}
    assert df.loc["S2"].to_dict() == {"street_name": "乙街道", "cooperatives": 1, "orders_resolved": 1,
                                      "tonnes": pytest.approx(0.25), "road_km": pytest.approx(0.45),
                                      "pipe_km": pytest.approx(0.3)}


def test_by_street_is_empty_for_a_town_without_compounds(q):
    assert q("by_street", streets=["T1"]).empty


# ------------------------------------------------------------------ options and bounds
def test_street_options_list_every_division(q):
    assert list(q("street_options")["street_name"]) == ["甲街道", "乙街道", "丙镇"]


def test_community_options_follow_the_chosen_streets(q):
    assert list(q("community_options")["community_code"]) == ["C1", "C2", "C3"]
    assert list(q("community_options", streets=["S2"])["community_code"]) == ["C3"]


def test_data_bounds_span_every_dated_table(q):
    row = one(q("data_bounds"))
    assert (row["first_day"], row["last_day"]) == (D(2023, 3, 20), D(2024, 5, 1))  # O7 … R7


def test_every_query_file_has_a_test():
    """Every queries/<name>.sql is named (in quotes) by some test module."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    untested = {name for name in db.query_names() if f'"{name}"' not in text}
    assert not untested
