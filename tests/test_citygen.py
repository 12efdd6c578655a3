"""The city-scale generator (coopdash/citygen.py) on 20,000 orders: the contract's schema, unique keys,
foreign keys, the contract's rules, seasons, time order, determinism, and the app's named queries
running on what it writes."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

from coopdash.data import db
from coopdash.data.contract import COOP_MODE, FOREIGN_KEYS, TABLES, TEAM
from coopdash.data.dataset import arrow_schema
from coopdash.data.settings import settings
from coopdash.synth import citygen
from coopdash.synth.demo import END

N = 20_000
SEED = 11
DIVISIONS = 19


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city") / "dataset"
    summary = citygen.write(N, out, seed=SEED)
    return out, summary


@pytest.fixture(scope="module")
def tables(city):
    return {t.name: pq.read_table(city[0] / f"{t.name}.parquet") for t in TABLES}


@pytest.fixture(scope="module")
def con(city):
    return db.open_dataset(city[0])


def scalar(con, sql: str):
    return con.sql(sql).fetchall()[0][0]


def test_every_table_has_the_contract_schema(tables):
    for name, table in tables.items():
        assert table.schema.equals(arrow_schema(name)), name


def test_sizes_follow_the_plan(tables, city):
    plan = citygen.plan(N)
    assert tables["service_orders"].num_rows == N
    assert tables["compounds"].num_rows == plan["compounds"]
    assert tables["communities"].num_rows == plan["communities"]
    assert tables["cleanups"].num_rows == round(citygen.CLEANUPS_PER_ORDER * N)
    assert tables["repairs"].num_rows == round(citygen.REPAIRS_PER_ORDER * N)
    assert city[1]["rows"] == {name: t.num_rows for name, t in tables.items()}


def test_the_19_real_divisions_come_first_and_extra_streets_appear_beyond_the_district():
    assert citygen.plan(N)["streets"] == DIVISIONS
    big = citygen.plan(10_000_000)
    assert big["streets"] > DIVISIONS
    years = (END - settings().launch).days / 365.25
    assert big["compounds"] == pytest.approx(10_000_000 / (citygen.ORDERS_PER_COMPOUND_YEAR * years), rel=0.01)


def test_streets_are_every_division_of_the_reference_list(tables):
    import csv
    with citygen.DIVISIONS_CSV.open(encoding="utf-8") as f:
        reference = {(r["code"], r["name"], r["kind"]) for r in csv.DictReader(f)}
    streets = tables["streets"].to_pandas()
    assert set(zip(streets["street_code"], streets["street_name"], streets["kind"])) == reference
    assert set(tables["communities"].column("street_code").to_pylist()) == {c for c, _, _ in reference}


def test_keys_are_unique(con):
    for t in TABLES:
        keys = ", ".join(t.key)
        assert scalar(con, f"SELECT count(*) - count(DISTINCT ({keys})) FROM {t.name}") == 0, t.name


def test_foreign_keys_hold(con):
    for child, column, parent, parent_column in FOREIGN_KEYS:
        orphans = scalar(con, f"SELECT count(*) FROM {child} c ANTI JOIN {parent} p "
                              f"ON c.{column} = p.{parent_column}")
        assert orphans == 0, (child, column)


def test_enum_codes_and_nulls_follow_the_contract(con):
    for t in TABLES:
        for c in t.columns:
            if not c.nullable:
                assert scalar(con, f"SELECT count(*) FROM {t.name} WHERE {c.name} IS NULL") == 0, (t.name, c.name)
            if c.enum:
                values = {v for (v,) in con.sql(f"SELECT DISTINCT {c.name} FROM {t.name}").fetchall()} - {None}
                assert values <= set(c.enum.codes), (t.name, c.name, values - set(c.enum.codes))


def test_every_compound_has_its_state_on_or_before_the_launch(con):
    launch = settings().launch
    without = scalar(con, f"""SELECT count(*) FROM compounds cp WHERE NOT EXISTS (
        SELECT 1 FROM management_history m WHERE m.compound_code = cp.compound_code
        AND m.valid_from <= DATE '{launch}')""")
    assert without == 0
    # coop_mode exactly for cooperative management
    assert scalar(con, "SELECT count(*) FROM management_history "
                       "WHERE (management = 'cooperative') <> (coop_mode IS NOT NULL)") == 0
    # the program happens: cooperatives take over, and a few compounds change again later
    assert scalar(con, "SELECT count(*) FROM management_history WHERE management = 'cooperative'") > 0


def test_resolved_at_is_set_exactly_when_resolved_and_never_before_submission(con):
    assert scalar(con, "SELECT count(*) FROM service_orders "
                       "WHERE (status = 'resolved') <> (resolved_at IS NOT NULL)") == 0
    assert scalar(con, "SELECT count(*) FROM service_orders WHERE resolved_at < submitted_at") == 0
    assert scalar(con, "SELECT count(*) FROM service_orders WHERE rating IS NOT NULL "
                       "AND (status <> 'resolved' OR rating NOT BETWEEN 1 AND 5)") == 0
    statuses = {s for (s,) in con.sql("SELECT DISTINCT status FROM service_orders").fetchall()}
    assert {"resolved", "cancelled", "in_progress"} <= statuses


def test_orders_and_work_only_where_a_cooperative_manages_that_day(con):
    for table, day in (("service_orders", "CAST(f.submitted_at AS DATE)"), ("cleanups", "f.done_on"),
                       ("repairs", "f.done_on")):
        outside = scalar(con, f"""SELECT count(*) FROM {table} f ASOF JOIN management_history m
            ON f.compound_code = m.compound_code AND {day} >= m.valid_from
            WHERE m.management <> 'cooperative'""")
        assert outside == 0, table


def test_seasons_like_the_demo(con):
    def months(where: str, table: str = "service_orders", column: str = "submitted_at") -> set[int]:
        return {m for (m,) in con.sql(f"SELECT DISTINCT month({column}) FROM {table} WHERE {where}").fetchall()}
    assert months("category = 'snow_clearing'") <= {11, 12, 1, 2, 3}
    assert months("category = 'heating'") <= {10, 11, 12, 1, 2, 3, 4}
    assert months("true", "repairs", "done_on") <= {5, 6, 7, 8, 9, 10}
    assert months("category = 'snow_clearing'") and months("category = 'heating'")
    first, last = con.sql("SELECT min(submitted_at), max(coalesce(resolved_at, submitted_at)) FROM service_orders"
                          ).fetchall()[0]
    assert first.date() >= settings().launch and last.date() <= END
    assert scalar(con, "SELECT count(*) FROM cleanups WHERE tonnes <= 0") == 0
    assert scalar(con, "SELECT count(*) FROM repairs WHERE quantity <= 0") == 0


def test_cooperatives_have_one_chair_and_four_teams(con):
    assert scalar(con, "SELECT count(*) FROM (SELECT coop_code FROM coop_members WHERE role = 'chair' "
                       "GROUP BY ALL HAVING count(*) <> 1)") == 0
    assert scalar(con, "SELECT count(DISTINCT coop_code) FROM coop_members") == scalar(con, "SELECT count(*) FROM cooperatives")
    teams = con.sql("SELECT coop_code, count(DISTINCT team) FROM work_teams GROUP BY ALL").fetchall()
    assert {n for _, n in teams} == {len(TEAM.codes)}


def test_facts_are_sorted_by_time_in_zstd_row_groups(city, tables):
    for name, column in (("service_orders", "submitted_at"), ("cleanups", "done_on"), ("repairs", "done_on"),
                         ("meetings", "held_on"), ("owners_committees", "founded_on")):
        values = tables[name].column(column).to_numpy()
        assert (values[1:] >= values[:-1]).all(), name
    meta = pq.ParquetFile(city[0] / "service_orders.parquet").metadata
    assert all(meta.row_group(i).num_rows <= citygen.ROW_GROUP for i in range(meta.num_row_groups))
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.row_group(0).column(3).statistics.has_min_max  # zone maps for submitted_at


def test_deterministic_for_a_seed(tables):
    again = citygen.generate(N, seed=SEED)
    for name, table in tables.items():
        assert again[name].equals(table), name
    other = citygen.generate(N, seed=SEED + 1)
    assert not other["service_orders"].equals(tables["service_orders"])


def test_the_apps_named_queries_run_on_it(con):
    cfg = settings()
    end = db.execute(con, "data_bounds", {}).iloc[0]["last_day"]
    assert end == END
    compound = scalar(con, "SELECT compound_code FROM service_orders LIMIT 1")
    params = {"start": cfg.launch, "end": end, "streets": [], "communities": [], "launch": cfg.launch,
              **cfg.cooperative_rules, "modes": COOP_MODE.codes,
              "month_start": end.replace(day=1), "compound": compound}
    for name in db.query_names():
        needed = db.load_query(name)[1]
        if needed <= params.keys():
            assert isinstance(db.execute(con, name, params), pd.DataFrame), name
    orders = db.execute(con, "kpi_orders", params).iloc[0]
    assert 0 < orders["resolved"] <= N
    assert len(db.execute(con, "by_street", params)) == DIVISIONS
    report = db.execute(con, "kpi_orders", {**params, "end": cfg.report_date}).iloc[0]
    assert 0 < report["resolved"] < orders["resolved"]


def test_command_line_writes_a_dataset(tmp_path, capsys):
    citygen.main(["--orders", "3000", "--out", str(tmp_path / "small"), "--seed", "3"])
    assert "service_orders" in capsys.readouterr().out
    assert pq.read_metadata(tmp_path / "small" / "service_orders.parquet").num_rows == 3000
    assert {t.name for t in TABLES} <= {p.stem for p in (tmp_path / "small").glob("*.parquet")}
