"""Each SQL file against the hand-made fixture (tests/fixture_data.py); expected values worked by hand."""

import ast
import datetime as dt

import pandas as pd
import pytest

from coopdash import ROOT
from coopdash.data import db
from tests.test_architecture import (
    import_graph,
    project_modules,
    reachable,
    syntax_tree,
)

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


# ------------------------------------------------------------------ every query is used
RUNNERS = {"run": 0, "run_many": 0, "execute": 1, "execute_many": 1}  # call → position of the query name(s)
# Queries the app computes another way; the SQL file is the definition the tests hold it to.
DEFINITIONS = {"orders_hours": "coopdash.data.hours",  # tests/test_hours.py, tests/test_service_orders.py
               "street_overdue": "coopdash.data.places"}  # tests/test_places.py, tests/test_metrics.py


def literal_names(node: ast.AST, constants: dict[str, ast.AST]) -> set[str]:
    """The query names an argument can be: a string, either branch of `a if c else b`, the items of a
    list or tuple, or a module-level constant holding one of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return literal_names(node.body, constants) | literal_names(node.orelse, constants)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return set().union(*(literal_names(e, constants) for e in node.elts))
    if isinstance(node, ast.Name) and node.id in constants:
        return literal_names(constants[node.id], constants)
    return set()


def queries_the_pages_run() -> dict[str, str]:
    """Query name → where it is run (file:line), over the pages, dashboard.py and every project module
    they import, directly or not: the names given to cache.run / cache.run_many / db.execute /
    db.execute_many (and their bare-name calls)."""
    modules = project_modules()
    roots = [m for m in modules if m.startswith("pages.") or m == "dashboard"]
    used: dict[str, str] = {}
    for module in sorted(reachable(import_graph(), roots)):
        path = modules[module]
        tree = syntax_tree(path)
        constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                     for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if func not in RUNNERS:
                continue
            position = RUNNERS[func]
            args = node.args[position:position + 1] + [k.value for k in node.keywords if k.arg in ("name", "names")]
            for arg in args:
                for name in literal_names(arg, constants):
                    used.setdefault(name, f"{path.relative_to(ROOT)}:{node.lineno}")
    if "coopdash.data.metrics" in reachable(import_graph(), roots):
        # the metrics layer runs the queries of its registry (the pages ask for metrics by name;
        # tests/test_metrics.py checks that every metric is shown somewhere)
        from coopdash.data import metrics
        for m in metrics.REGISTRY:
            if m.query != metrics.HOURS:
                used.setdefault(m.query, f"coopdash/data/metrics.py: {m.name}")
    return used


def test_every_query_file_is_run_by_a_page():
    """Every queries/<name>.sql (not starting with _) is run by a page or by a module a page uses."""
    used = queries_the_pages_run()
    names = set(db.query_names())
    assert len(used) > 30 and any(w.startswith("pages/") for w in used.values())  # it sees the pages' calls
    unused = sorted(names - set(used) - set(DEFINITIONS))
    assert not unused, f"query files no page runs: {unused}"
    assert not set(used) - names, {n: used[n] for n in set(used) - names}  # and every name run has its file
    for name, module in DEFINITIONS.items():
        assert name not in used, f"{name} is run by {used.get(name)}: no longer only a definition"
        assert f"queries/{name}.sql" in project_modules()[module].read_text(encoding="utf-8")
