"""The demo generator: deterministic, within the contract, and at the report date equal to the article."""


import duckdb
import pyarrow.parquet as pq
import pytest

from coopdash.data import db
from coopdash.data.contract import FOREIGN_KEYS, TABLES
from coopdash.data.dataset import arrow_schema
from coopdash.data.settings import DEFAULT_DATA_DIR
from coopdash.synth import demo
from tests.conftest import LAUNCH, REPORT, params


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "a"
    demo.write_dataset(demo.generate(), out)
    return out


def test_generator_is_deterministic(generated, tmp_path):
    demo.write_dataset(demo.generate(), tmp_path / "b")
    for t in TABLES:
        assert (generated / f"{t.name}.parquet").read_bytes() == (tmp_path / "b" / f"{t.name}.parquet").read_bytes(), t.name


def test_committed_demo_is_the_generators_output(generated):
    for t in TABLES:
        assert pq.read_table(DEFAULT_DATA_DIR / f"{t.name}.parquet").equals(pq.read_table(generated / f"{t.name}.parquet")), \
            f"data/demo/{t.name}.parquet is stale: run python -m coopdash.synth.demo"


def test_demo_matches_the_contract_schema():
    for t in TABLES:
        assert pq.read_schema(DEFAULT_DATA_DIR / f"{t.name}.parquet").remove_metadata() == arrow_schema(t.name), t.name


@pytest.fixture(scope="module")
def sql():
    con = duckdb.connect()
    for t in TABLES:
        con.execute(f"CREATE VIEW {t.name} AS SELECT * FROM read_parquet('{DEFAULT_DATA_DIR / t.name}.parquet')")
    return lambda text: con.execute(text).fetchall()


def test_enum_values_are_in_the_contract(sql):
    for t in TABLES:
        for c in t.columns:
            if c.enum:
                found = {v for (v,) in sql(f"SELECT DISTINCT {c.name} FROM {t.name} WHERE {c.name} IS NOT NULL")}
                assert found <= set(c.enum.codes), (t.name, c.name, found - set(c.enum.codes))


def test_keys_are_unique_and_not_null(sql):
    for t in TABLES:
        key = ", ".join(t.key)
        assert sql(f"SELECT count(*) - count(DISTINCT ({key})) FROM {t.name}") == [(0,)], t.name
        for c in t.columns:
            if not c.nullable:
                assert sql(f"SELECT count(*) FROM {t.name} WHERE {c.name} IS NULL") == [(0,)], (t.name, c.name)


@pytest.mark.parametrize("child, column, parent, parent_column", FOREIGN_KEYS)
def test_foreign_keys_hold(sql, child, column, parent, parent_column):
    assert sql(f"SELECT count(*) FROM {child} WHERE {column} NOT IN (SELECT {parent_column} FROM {parent})") == [(0,)]


def test_streets_are_the_real_divisions(sql):
    assert sql("SELECT count(*), count(*) FILTER (WHERE kind = 'street') FROM streets") == [(19, 13)]
    assert sql("SELECT street_name FROM streets WHERE street_code = '220203013'") == [("承德街道",)]


def test_every_compound_has_a_state_before_launch(sql):
    assert sql(f"SELECT count(*) FROM compounds WHERE compound_code NOT IN "
               f"(SELECT compound_code FROM management_history WHERE valid_from <= DATE '{LAUNCH}')") == [(0,)]


def test_resolved_at_is_set_exactly_when_resolved_and_not_before_submission(sql):
    assert sql("SELECT count(*) FROM service_orders WHERE (status = 'resolved') <> (resolved_at IS NOT NULL)") == [(0,)]
    assert sql("SELECT count(*) FROM service_orders WHERE resolved_at < submitted_at") == [(0,)]
    assert sql("SELECT count(*) FROM service_orders WHERE rating IS NOT NULL AND (status <> 'resolved' OR rating NOT BETWEEN 1 AND 5)") == [(0,)]


def test_quantities_are_positive(sql):
    assert sql("SELECT count(*) FROM cleanups WHERE tonnes <= 0") == [(0,)]
    assert sql("SELECT count(*) FROM repairs WHERE quantity <= 0") == [(0,)]


def test_seasons_snow_in_winter_heating_in_the_heating_season_works_in_summer(sql):
    assert sql("SELECT DISTINCT month(submitted_at) m FROM service_orders WHERE category = 'snow_clearing' "
               "AND m NOT IN (11, 12, 1, 2, 3)") == []
    assert sql("SELECT DISTINCT month(submitted_at) m FROM service_orders WHERE category = 'heating' "
               "AND m NOT IN (10, 11, 12, 1, 2, 3, 4)") == []
    assert sql("SELECT count(*) FROM repairs WHERE kind IN ('road', 'heating_pipe', 'drainage_pipe') "
               "AND month(done_on) NOT BETWEEN 5 AND 10") == [(0,)]
    assert sql("SELECT count(*) > 10 FROM service_orders WHERE category = 'snow_clearing'") == [(True,)]


def test_work_continues_to_the_end_with_some_orders_still_open(sql):
    assert sql("SELECT max(CAST(submitted_at AS DATE)) FROM service_orders") == [(demo.END,)]
    open_orders = sql("SELECT count(*) FROM service_orders WHERE status IN ('submitted', 'accepted', 'in_progress')")[0][0]
    assert open_orders >= 3
    months = sql("SELECT count(DISTINCT date_trunc('month', submitted_at)) FROM service_orders "
                 f"WHERE submitted_at >= DATE '{REPORT}' + 1")[0][0]
    assert months == 35  # every month from 2023-12 to 2026-10 has orders


def test_no_expansion_after_the_report_date(sql):
    assert sql(f"SELECT count(*) FROM cooperatives WHERE founded_on > DATE '{REPORT}'") == [(0,)]
    assert sql(f"SELECT count(*) FROM coop_members WHERE joined_on > DATE '{REPORT}'") == [(0,)]


def test_named_places_and_orders_sit_where_the_article_puts_them(sql):
    where = dict(sql("SELECT cm.community_name, st.street_name FROM communities cm JOIN streets st USING (street_code) "
                     "WHERE is_pilot"))
    assert {k: where[k] for k in ("站前社区", "龙江社区", "扬州社区", "新义社区")} == {
        "站前社区": "承德街道", "龙江社区": "龙华街道", "扬州社区": "新安街道", "新义社区": "新吉林街道"}
    modes = dict(sql("SELECT DISTINCT cm.community_name, h.coop_mode FROM management_history h "
                     "JOIN compounds USING (compound_code) JOIN communities cm USING (community_code) "
                     "WHERE h.coop_mode IS NOT NULL"))
    assert (modes["站前社区"], modes["龙江社区"], modes["扬州社区"], modes["新义社区"]) == \
        ("co_build", "self_governance", "self_governance", "resource_intro")
    named = set(sql(f"SELECT compound_name, category FROM service_orders JOIN compounds USING (compound_code) "
                    f"WHERE status = 'resolved' AND resolved_at < DATE '{REPORT}' + 1"))
    assert {("东方新村", "pipe_unclog"), ("鹏程小区", "gas_safety"), ("铁东小区", "fume_noise")} <= named


def test_article_figures_at_the_report_date(demo_con):
    p = params(start=LAUNCH, end=REPORT)
    run = lambda name: db.execute(demo_con, name, p).iloc[0]  # noqa: E731
    org, orders, out, cmp = run("kpi_organisation"), run("kpi_orders"), run("kpi_outcomes"), run("kpi_compounds")
    assert (org.pilot_communities, org.cooperatives, org.five_standard) == (13, 13, 13)
    assert (org.members, org.party_members, org.work_team_headcount) == (99, 77, 300)
    assert (org.meetings, org.problems_resolved) == (20, 46)
    assert orders.resolved == 35
    assert (round(out.household_t, 2), round(out.construction_t, 2)) == (12, 7)
    assert (out.building_doors, round(out.road_km, 2), round(out.pipe_km, 2)) == (15, 2.3, 10.24)
    assert (out.parking_spaces, out.owners_committees) == (56, 11)
    assert (cmp.compounds, cmp.compounds_unmanaged_before, cmp.standalone, cmp.standalone_unmanaged_before) == \
        (161, 34, 92, 92)


def test_every_cooperative_meets_the_membership_rules(sql):
    rows = sql("SELECT coop_code, count(*), count(*) FILTER (WHERE role = 'chair'), "
               "count(*) FILTER (WHERE role = 'vice_chair'), count(*) FILTER (WHERE is_party_member) "
               "FROM coop_members GROUP BY ALL")
    assert len(rows) == 13
    for code, size, chairs, vices, party in rows:
        assert 7 <= size <= 9 and chairs == 1 and vices == 2 and party * 2 > size, code
