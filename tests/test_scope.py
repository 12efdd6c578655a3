"""The data scope is applied where queries run (coopdash/data/scope.py, db.execute, the explorer's SQL
builder): a scoped user's figures are their streets' figures whatever the request asks for."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from coopdash.data import db
from coopdash.data.contract import COOP_MODE
from coopdash.data.errors import Refused
from coopdash.data.scope import EVERYTHING, Scope, scoped
from coopdash.data.settings import settings
from coopdash.workbench import explorer
from coopdash.workbench.explorer import SOURCES, Spec
from tests.conftest import LAUNCH, REPORT, params

S2 = scoped(["S2"])  # 乙街道: community C3, compounds P4 and P5, cooperative K2


def test_scope_intersects_the_requested_streets():
    assert S2.streets_for([]) == ("S2",)
    assert S2.streets_for(["S1"]) == ("S2",)  # only streets outside: the user's own, not nothing
    assert S2.streets_for(["S1", "S2"]) == ("S2",)
    assert scoped(["S1", "S2"]).streets_for(["S2", "T1"]) == ("S2",)
    assert EVERYTHING.streets_for(["S1"]) == ("S1",) and EVERYTHING.streets_for([]) == ()
    assert S2.bind({"streets": ["S1"], "start": 1}) == {"streets": ["S2"], "start": 1}
    with pytest.raises(Refused):
        scoped([])


def street_queries() -> list[str]:
    return [n for n in db.query_names() if "streets" in db.load_query(n)[1]]


@pytest.mark.parametrize("name", street_queries())
def test_every_street_query_gives_a_scoped_user_their_streets_figures(fixture_con, name):
    """For every named query that reads $streets: what a S2 user gets for no street, for another
    street, and for both, is exactly what an unscoped user gets for S2."""
    extra = {"month_start": REPORT.replace(day=1), "compound": "P4", "by": "street", "modes": COOP_MODE.codes,
             "from": dt.datetime(2000, 1, 1), "until": dt.datetime(2100, 1, 1), "total": 0,  # orders_overdue_oldest
             **settings().cooperative_rules}
    needed = db.load_query(name)[1]
    base = {k: v for k, v in params(**extra).items() if k in needed or k in ("streets", "communities")}
    expected = db.execute(fixture_con, name, {**base, "streets": ["S2"]})
    for asked in ([], ["S1"], ["S1", "S2"], ["T1"]):
        got = db.execute(fixture_con, name, {**base, "streets": asked}, S2)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_community_of_another_street_yields_nothing_of_it(fixture_con):
    # C1 is in S1: an S2 user asking for it gets no row of C1 (streets and communities are ANDed)
    got = db.execute(fixture_con, "kpi_orders", params(communities=["C1"]), S2).iloc[0]
    assert got["resolved"] == 0
    assert db.execute(fixture_con, "kpi_orders", params(communities=["C1"])).iloc[0]["resolved"] == 3


def test_hand_worked_figures_of_street_s2(fixture_con):
    assert db.execute(fixture_con, "kpi_orders", params(), S2).iloc[0]["resolved"] == 1  # O5 at P4
    org = db.execute(fixture_con, "kpi_organisation", params(), S2).iloc[0]
    assert (org["cooperatives"], org["members"], org["party_members"], org["work_team_headcount"]) == (1, 3, 1, 5)
    out = db.execute(fixture_con, "kpi_outcomes", params(), S2).iloc[0]
    assert (out["household_t"], out["road_km"], out["pipe_km"]) == \
        (pytest.approx(0.25), pytest.approx(0.45), pytest.approx(0.3))
    assert list(db.execute(fixture_con, "by_street", params(), S2)["street_code"]) == ["S2"]
    assert list(db.execute(fixture_con, "street_options", params(), S2)["street_code"]) == ["S2"]
    assert list(db.execute(fixture_con, "community_options", params(), S2)["community_code"]) == ["C3"]


def test_queries_without_streets_are_refused_to_a_scoped_user_unless_declared(fixture_con):
    unscoped = sorted(n for n in db.query_names() if "streets" not in db.load_query(n)[1])
    assert unscoped == ["admin_affected_streets", "admin_row_counts", "data_bounds"]
    assert [n for n in unscoped if db.unscoped(n)] == ["data_bounds"]  # two dates, no figures
    with pytest.raises(Refused) as exc:
        db.execute(fixture_con, "admin_row_counts", {}, S2)
    assert "admin_row_counts" in exc.value.zh and "admin_row_counts" in exc.value.en
    assert not db.execute(fixture_con, "data_bounds", {}, S2).empty
    assert not db.execute(fixture_con, "admin_row_counts", {}, EVERYTHING).empty


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_explorer_source_is_limited_to_the_users_streets(fixture_con, source):
    """Each source's rows for an S2 user: those of S2's places only, counted by hand from the fixture."""
    spec = Spec(source, use_window=False)
    from coopdash.data.filters import Filters
    sql, bound = explorer.build(spec, Filters(LAUNCH, REPORT), S2)
    scoped_rows = db.fetch(fixture_con, sql, bound, "explorer")
    sql, bound = explorer.build(spec, Filters(LAUNCH, REPORT), EVERYTHING)
    all_rows = db.fetch(fixture_con, sql, bound, "explorer")
    assert len(scoped_rows) < len(all_rows) or len(all_rows) == 0
    keys = {"street_code": {"S2"}, "community_code": {"C3"}, "compound_code": {"P4", "P5"}, "coop_code": {"K2"}}
    for column, allowed in keys.items():
        if column in scoped_rows.columns:
            assert set(scoped_rows[column]) <= allowed, (source, column)
            break
    else:  # the prepared views show names, not codes
        assert set(scoped_rows["street_name"]) <= {"乙街道"}, source


def test_explorer_grouped_by_street_shows_only_the_users_street(fixture_con):
    from coopdash.data.filters import Filters
    spec = Spec("orders_detail", group_by=["street_name"], measures=["count"], use_window=False)
    # asking for S1 in the sidebar changes nothing for an S2 user
    sql, bound = explorer.build(spec, Filters(LAUNCH, REPORT, ("S1",)), S2)
    got = db.fetch(fixture_con, sql, bound, "explorer")
    assert got["street_name"].tolist() == ["乙街道"]
    sql, bound = explorer.build(spec, Filters(LAUNCH, REPORT), EVERYTHING)
    everyone = db.fetch(fixture_con, sql, bound, "explorer").set_index("street_name")["m_count"]
    assert got["m_count"].tolist() == [everyone["乙街道"]]


def test_raw_sql_is_refused_to_a_scoped_user():
    with pytest.raises(Refused):
        S2.require_everything("使用 SQL 查询", "use the SQL console")
    EVERYTHING.require_everything("使用 SQL 查询", "use the SQL console")
    assert Scope(("S2",)).limited and not EVERYTHING.limited
