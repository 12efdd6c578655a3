"""The city-scale generator (coopdash/citygen.py) on 20,000 orders: the contract's schema, unique keys,
foreign keys, the contract's rules, seasons, time order, determinism, and every one of the app's named
queries on what it writes, checked against SQL written straight on the contract tables."""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from coopdash.data import db
from coopdash.data.contract import COOP_MODE, FOREIGN_KEYS, TABLES, TEAM
from coopdash.data.dataset import arrow_schema
from coopdash.data.files import partition_files
from coopdash.data.settings import settings
from coopdash.synth import citygen
from coopdash.synth.demo import END
from ingest.store import read_tables

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
    return read_tables(city[0])


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
    months = partition_files(city[0], "service_orders")  # one file per month of submission
    assert len(months) > 12 and all(f.name == f"{m:%Y-%m}.parquet" for m, f in months.items())
    for m, f in months.items():
        meta = pq.ParquetFile(f).metadata
        assert all(meta.row_group(i).num_rows <= citygen.ROW_GROUP for i in range(meta.num_row_groups))
        assert meta.row_group(0).column(0).compression == "ZSTD"
        low, high = meta.row_group(0).column(3).statistics.min, meta.row_group(meta.num_row_groups - 1).column(3).statistics.max
        assert (low.year, low.month) == (high.year, high.month) == (m.year, m.month)  # zone maps for submitted_at


def test_deterministic_for_a_seed(tables):
    again = citygen.generate(N, seed=SEED)
    for name, table in tables.items():
        assert again[name].equals(table), name
    other = citygen.generate(N, seed=SEED + 1)
    assert not other["service_orders"].equals(tables["service_orders"])


# ---------------------------------------------------------------------------- the app's named queries
# Every queries/<name>.sql runs on the generated dataset (none skipped: each gets every parameter it
# reads) and gives the figures written straight against the contract tables below (raw rows, no rollup,
# no macro), or the generator's own counts. A window with partial first and last months, district-wide
# and for one street office.
WINDOW = (dt.date(2024, 2, 10), dt.date(2025, 9, 20))
SCOPES = ("district", "street")
KINDS = ("road", "heating_pipe", "drainage_pipe", "building_door", "stair_light", "seating", "parking_space")

# The scope and the facts in it, from the contract tables only (bound: $start, $end, $launch, $streets).
RAW = """WITH comm AS (
    SELECT * FROM communities
    WHERE len($streets::VARCHAR[]) = 0 OR list_contains($streets::VARCHAR[], street_code)
), place AS (
    SELECT cp.compound_code, cp.kind, cp.households, comm.community_code, comm.street_code
    FROM compounds cp JOIN comm USING (community_code)
), coop AS (
    SELECT co.*, comm.street_code FROM cooperatives co JOIN comm USING (community_code)
), live_coop AS (
    SELECT * FROM coop WHERE founded_on <= $end
), members AS (
    SELECT m.* FROM coop_members m JOIN live_coop USING (coop_code) WHERE m.joined_on <= $end
), met AS (
    SELECT mt.*, live_coop.street_code FROM meetings mt JOIN live_coop USING (coop_code)
    WHERE mt.held_on BETWEEN $start AND $end
), ord AS (
    SELECT o.*, place.street_code, place.community_code FROM service_orders o JOIN place USING (compound_code)
), res AS (  -- resolved in the window
    SELECT * FROM ord WHERE status = 'resolved' AND resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1
), sub AS (  -- submitted in the window, cancelled excluded
    SELECT * FROM ord WHERE status <> 'cancelled' AND submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1
), open_at_end AS (  -- submitted by the end of the last day, not cancelled, not resolved by then
    SELECT *, (epoch(CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) - epoch(submitted_at)) / 3600 AS age_hours
    FROM ord WHERE status <> 'cancelled' AND submitted_at < CAST($end AS DATE) + 1
      AND (resolved_at IS NULL OR resolved_at >= CAST($end AS DATE) + 1)
), cl AS (
    SELECT c.*, place.street_code FROM cleanups c JOIN place USING (compound_code)
    WHERE c.done_on BETWEEN $start AND $end
), rp AS (
    SELECT r.*, place.street_code FROM repairs r JOIN place USING (compound_code)
    WHERE r.done_on BETWEEN $start AND $end
), state_before AS (
    SELECT compound_code, arg_max(management, valid_from) AS management
    FROM management_history WHERE valid_from <= $launch GROUP BY ALL
), state_end AS (
    SELECT compound_code, arg_max(management, valid_from) AS management,
           arg_max_null(coop_mode, valid_from) AS coop_mode
    FROM management_history WHERE valid_from <= $end GROUP BY ALL
)
"""
_BOUND = re.compile(r"\$([a-z_]+)")


def raw(con, p: dict, body: str) -> list[tuple]:
    """`body` after the RAW common table expressions, with the parameters it reads from `p`."""
    text = RAW + body
    cur = con.cursor()
    try:
        return cur.execute(text, {k: p[k] for k in set(_BOUND.findall(text))}).fetchall()
    finally:
        cur.close()


def by_key(rows) -> dict:
    """[(key, v1, v2 …)] → {key: (v1, v2 …)} (or {key: v1} for one value)."""
    return {r[0]: r[1] if len(r) == 2 else tuple(r[1:]) for r in rows}


def months_of(p) -> list[dt.date]:
    first, last = p["start"].replace(day=1), p["end"].replace(day=1)
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def records(df, key: str, *columns: str) -> dict:
    return by_key(df[[key, *columns]].itertuples(index=False, name=None))


CHECKS = {}


def check(name):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


@check("kpi_orders")
def _(con, p, df, summary):
    row = df.iloc[0]
    resolved, submitted, submitted_resolved = raw(con, p, """SELECT (SELECT count(*) FROM res),
        (SELECT count(*) FROM sub),
        (SELECT count(*) FROM sub WHERE status = 'resolved' AND resolved_at < CAST($end AS DATE) + 1)""")[0]
    assert (row["resolved"], row["submitted"], row["submitted_resolved"]) == (resolved, submitted, submitted_resolved)
    assert row["resolution_rate"] == pytest.approx(submitted_resolved / submitted)
    assert 0 < resolved < summary["rows"]["service_orders"]


@check("orders_by_street")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT place.street_code,
        (SELECT count(*) FROM sub WHERE sub.street_code = place.street_code),
        (SELECT count(*) FROM res WHERE res.street_code = place.street_code)
        FROM (SELECT DISTINCT street_code FROM place) place"""))
    assert records(df, "street_code", "submitted", "resolved") == want


@check("orders_by_category")
def _(con, p, df, summary):
    submitted = by_key(raw(con, p, "SELECT category, count(*) FROM sub GROUP BY ALL"))
    resolved = by_key(raw(con, p, "SELECT category, count(*) FROM res GROUP BY ALL"))
    want = {c: (submitted.get(c, 0), resolved.get(c, 0)) for c in set(submitted) | set(resolved)}
    assert records(df, "category", "submitted", "resolved") == want
    assert records(df, "category", "deadline_hours") == {c: settings().deadlines[c] for c in want}


@check("orders_monthly")
def _(con, p, df, summary):
    submitted = by_key(raw(con, p, "SELECT CAST(date_trunc('month', submitted_at) AS DATE), count(*) "
                                   "FROM sub GROUP BY ALL"))
    resolved = by_key(raw(con, p, "SELECT CAST(date_trunc('month', resolved_at) AS DATE), count(*) "
                                  "FROM res GROUP BY ALL"))
    assert list(df["month"]) == months_of(p)
    assert records(df, "month", "submitted", "resolved") == \
        {m: (submitted.get(m, 0), resolved.get(m, 0)) for m in months_of(p)}


@check("orders_category_month")
def _(con, p, df, summary):
    cells = {(c, m): n for c, m, n in raw(con, p, """SELECT category, CAST(date_trunc('month', submitted_at) AS DATE),
        count(*) FROM sub GROUP BY ALL""")}
    categories = {c for c, _ in cells}
    assert len(df) == len(categories) * len(months_of(p))
    assert {(r.category, r.month): r.submitted for r in df.itertuples()} == \
        {(c, m): cells.get((c, m), 0) for c in categories for m in months_of(p)}


@check("orders_satisfaction")
def _(con, p, df, summary):
    row = df.iloc[0]
    rated, mean, rated_4_5 = raw(con, p, "SELECT count(rating), avg(rating), count(*) FILTER (WHERE rating >= 4) "
                                         "FROM res")[0]
    assert (row["rated"], row["rated_4_5"]) == (rated, rated_4_5) and rated > 0
    assert row["mean_rating"] == pytest.approx(mean)


@check("orders_hours")
def _(con, p, df, summary):
    resolved = pd.DataFrame(raw(con, p, """SELECT category, street_code,
        (epoch(resolved_at) - epoch(submitted_at)) / 3600 FROM res"""), columns=["category", "street", "hours"])
    deadlines = settings().deadlines
    for by, frame in (("", df), ("category", None), ("street", None)):
        frame = frame if frame is not None else db.execute(con, "orders_hours", {**p, "by": by})
        groups = resolved.groupby(by) if by else [("", resolved)]
        # each order against its own category's deadline, by street office too
        want = {code: (len(g), np.quantile(g["hours"], 0.5), np.quantile(g["hours"], 0.9),
                       int((g["hours"] <= g["category"].map(deadlines)).sum()))
                for code, g in groups}
        got = {r.code: (r.resolved, r.median_hours, r.p90_hours, r.within_deadline) for r in frame.itertuples()}
        assert got.keys() == want.keys(), by
        for code, (n, median, p90, within) in want.items():
            assert got[code] == (n, pytest.approx(median), pytest.approx(p90), within), (by, code)


@check("orders_backlog")
def _(con, p, df, summary):
    row = df.iloc[0]
    n, median, oldest = raw(con, p, "SELECT count(*), median(age_hours) / 24, max(age_hours) / 24 FROM open_at_end")[0]
    assert row["open_orders"] == n > 0
    assert (row["median_age_days"], row["oldest_age_days"]) == (pytest.approx(median), pytest.approx(oldest))


def overdue_raw(con, p) -> pd.DataFrame:
    """The open orders at the window's end over their category's deadline, oldest first, from the raw tables."""
    open_ = pd.DataFrame(raw(con, p, "SELECT order_id, category, submitted_at, age_hours FROM open_at_end"),
                         columns=["order_id", "category", "submitted_at", "age_hours"])
    overdue = open_[open_["age_hours"] > open_["category"].map(settings().deadlines)]
    return overdue.sort_values(["submitted_at", "order_id"])


@check("orders_overdue")
def _(con, p, df, summary):
    overdue = overdue_raw(con, p)
    assert len(overdue) > 0 and set(df["overdue_total"]) == {len(overdue)}
    assert list(df["order_id"]) == list(overdue["order_id"])[:500]


@check("orders_overdue_oldest")
def _(con, p, df, summary):
    overdue = overdue_raw(con, p)
    overdue = overdue[(overdue["submitted_at"] >= p["from"]) & (overdue["submitted_at"] <= p["until"])]
    assert len(overdue) > 0 and set(df["overdue_total"]) == {p["total"]}  # the count is the caller's
    assert list(df["order_id"]) == list(overdue["order_id"])[:500]


@check("kpi_compounds")
def _(con, p, df, summary):
    row = df.iloc[0]
    want = raw(con, p, """SELECT count(*) FILTER (WHERE kind = 'compound'),
        count(*) FILTER (WHERE kind = 'compound' AND b.management <> 'professional'),
        count(*) FILTER (WHERE kind = 'standalone'),
        count(*) FILTER (WHERE kind = 'standalone' AND b.management <> 'professional'),
        count(*) FILTER (WHERE e.management = 'cooperative'), count(*) FILTER (WHERE e.management = 'none')
        FROM place LEFT JOIN state_before b USING (compound_code) LEFT JOIN state_end e USING (compound_code)""")[0]
    assert tuple(row[["compounds", "compounds_unmanaged_before", "standalone", "standalone_unmanaged_before",
                      "cooperative_managed", "unmanaged_now"]]) == want
    if not p["streets"]:  # every compound and standalone building the generator wrote
        assert row["compounds"] + row["standalone"] == summary["rows"]["compounds"] == summary["plan"]["compounds"]


@check("map_scope")
def _(con, p, df, summary):
    assert tuple(df.iloc[0][["compounds", "communities"]]) == \
        raw(con, p, "SELECT count(*), count(DISTINCT community_code) FROM place")[0]


@check("map_points")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT compound_code, b.management, e.management, e.coop_mode,
        (SELECT count(*) FROM open_at_end o WHERE o.compound_code = place.compound_code)
        FROM place LEFT JOIN state_before b USING (compound_code) LEFT JOIN state_end e USING (compound_code)"""))
    got = records(df.astype(object).where(df.notna(), None), "compound_code", "management_before",
                  "management_after", "coop_mode_after", "open_orders")
    assert got == want


@check("map_communities")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT community_code, count(*), sum(households),
        count(*) FILTER (WHERE b.management = 'none'), count(*) FILTER (WHERE e.management = 'cooperative')
        FROM place LEFT JOIN state_before b USING (compound_code) LEFT JOIN state_end e USING (compound_code)
        GROUP BY ALL"""))
    assert records(df, "community_code", "compounds", "households", "none_before", "cooperative_after") == want


@check("map_status_counts")
def _(con, p, df, summary):
    before, after = (by_key(raw(con, p, f"SELECT management, count(*), sum(households) FROM place "
                                        f"JOIN {state} USING (compound_code) GROUP BY ALL"))
                     for state in ("state_before", "state_end"))
    assert list(df["management"]) == ["professional", "cooperative", "self", "none"]
    for r in df.itertuples():
        (nb, hb), (na, ha) = before.get(r.management, (0, 0)), after.get(r.management, (0, 0))
        assert (r.n_before, r.n_after, r.n_change, r.households_before, r.households_after) == \
            (nb, na, na - nb, hb, ha), r.management


@check("map_street_seats")
def _(con, p, df, summary):
    assert list(df["street_code"]) == [s for (s,) in raw(con, p, "SELECT DISTINCT street_code FROM place ORDER BY 1")]


@check("map_compound_orders")
def _(con, p, df, summary):
    want = [r[0] for r in raw(con, p, """SELECT order_id FROM ord WHERE compound_code = $compound
        AND submitted_at < CAST($end AS DATE) + 1
        AND (submitted_at >= $start OR (status <> 'cancelled' AND (resolved_at IS NULL OR resolved_at >= $start)))
        ORDER BY submitted_at, order_id""")]
    assert list(df["order_id"]) == want and want
    open_ids = {r[0] for r in raw(con, p, "SELECT order_id FROM open_at_end WHERE compound_code = $compound")}
    assert set(df.loc[df["open_at_end"], "order_id"]) == open_ids


@check("map_compound_cleanups")
def _(con, p, df, summary):
    want = raw(con, p, "SELECT cleanup_id, tonnes FROM cl WHERE compound_code = $compound ORDER BY done_on, cleanup_id")
    assert list(df[["cleanup_id", "tonnes"]].itertuples(index=False, name=None)) == want and want


@check("map_compound_repairs")
def _(con, p, df, summary):
    want = raw(con, p, "SELECT repair_id, quantity FROM rp WHERE compound_code = $compound ORDER BY done_on, repair_id")
    assert sorted(df[["repair_id", "quantity"]].itertuples(index=False, name=None)) == sorted(want) and want


def _outcome_totals(con, p) -> dict:
    totals = dict(raw(con, p, "SELECT waste_type, sum(tonnes) FROM cl GROUP BY ALL"))
    totals.update(raw(con, p, "SELECT kind, sum(quantity) FROM rp GROUP BY ALL"))
    return totals


@check("kpi_outcomes")
def _(con, p, df, summary):
    row, totals = df.iloc[0], _outcome_totals(con, p)
    columns = {"household_t": "household", "construction_t": "construction", "road_km": "road",
               "heating_pipe_km": "heating_pipe", "drainage_pipe_km": "drainage_pipe",
               "building_doors": "building_door", "stair_lights": "stair_light", "seating": "seating",
               "parking_spaces": "parking_space"}
    for column, code in columns.items():
        assert row[column] == pytest.approx(totals.get(code, 0)), column
    assert row["pipe_km"] == pytest.approx(totals["heating_pipe"] + totals["drainage_pipe"])
    assert row["owners_committees"] == raw(con, p, """SELECT count(*) FROM owners_committees
        JOIN place USING (compound_code) WHERE founded_on BETWEEN $start AND $end""")[0][0]


@check("env_by_street")
def _(con, p, df, summary):
    waste = {(s, w): t for s, w, t in raw(con, p, "SELECT street_code, waste_type, sum(tonnes) FROM cl GROUP BY ALL")}
    work = {(s, k): q for s, k, q in raw(con, p, "SELECT street_code, kind, sum(quantity) FROM rp GROUP BY ALL")}
    assert list(df["street_code"]) == [s for (s,) in raw(con, p, "SELECT DISTINCT street_code FROM place ORDER BY 1")]
    for r in df.itertuples():
        for w in ("household", "construction"):
            assert getattr(r, w) == pytest.approx(waste.get((r.street_code, w), 0)), (r.street_code, w)
        for k in KINDS:
            assert getattr(r, k) == pytest.approx(work.get((r.street_code, k), 0)), (r.street_code, k)


@check("env_repairs_cumulative")
def _(con, p, df, summary):
    work = {(m, k): q for m, k, q in raw(con, p, """SELECT CAST(date_trunc('month', done_on) AS DATE), kind,
        sum(quantity) FROM rp GROUP BY ALL""")}
    assert list(df["month"]) == months_of(p)
    for k in KINDS:
        running = np.cumsum([work.get((m, k), 0) for m in months_of(p)])
        assert df[k].tolist() == pytest.approx(running.tolist()), k


@check("monthly_trend")
def _(con, p, df, summary):
    resolved = by_key(raw(con, p, "SELECT CAST(date_trunc('month', resolved_at) AS DATE), count(*) "
                                  "FROM res GROUP BY ALL"))
    waste = {(m, w): t for m, w, t in raw(con, p, """SELECT CAST(date_trunc('month', done_on) AS DATE), waste_type,
        sum(tonnes) FROM cl GROUP BY ALL""")}
    assert list(df["month"]) == months_of(p)
    for r in df.itertuples():
        assert r.orders_resolved == resolved.get(r.month, 0), r.month
        assert (r.household_t, r.construction_t) == (pytest.approx(waste.get((r.month, "household"), 0)),
                                                     pytest.approx(waste.get((r.month, "construction"), 0)))


@check("by_street")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT s.street_code,
        (SELECT count(*) FROM live_coop c WHERE c.street_code = s.street_code),
        (SELECT count(*) FROM res WHERE res.street_code = s.street_code),
        (SELECT coalesce(sum(tonnes), 0) FROM cl WHERE cl.street_code = s.street_code),
        (SELECT coalesce(sum(quantity), 0) FROM rp WHERE rp.street_code = s.street_code AND kind = 'road'),
        (SELECT coalesce(sum(quantity), 0) FROM rp WHERE rp.street_code = s.street_code
                AND kind IN ('heating_pipe', 'drainage_pipe'))
        FROM (SELECT DISTINCT street_code FROM place) s"""))
    got = records(df, "street_code", "cooperatives", "orders_resolved", "tonnes", "road_km", "pipe_km")
    assert got.keys() == want.keys()
    assert len(got) == (DIVISIONS if not p["streets"] else 1)
    for street, (coops, resolved, *amounts) in want.items():
        assert got[street][:2] == (coops, resolved), street
        assert list(got[street][2:]) == pytest.approx(amounts), street


@check("kpi_organisation")
def _(con, p, df, summary):
    row = df.iloc[0]
    want = raw(con, p, """SELECT (SELECT count(*) FROM comm WHERE is_pilot), (SELECT count(*) FROM live_coop),
        (SELECT count(*) FROM live_coop WHERE has_site AND has_signage AND has_roster AND has_rules AND has_service),
        (SELECT count(*) FROM members), (SELECT count(*) FROM members WHERE is_party_member),
        (SELECT coalesce(sum(h), 0) FROM (SELECT arg_max(w.headcount, w.as_of) AS h FROM work_teams w
                JOIN live_coop USING (coop_code) WHERE w.as_of <= $end GROUP BY w.coop_code, w.team)),
        (SELECT count(*) FROM met), (SELECT coalesce(sum(problems_resolved), 0) FROM met)""")[0]
    assert tuple(row[["pilot_communities", "cooperatives", "five_standard", "members", "party_members",
                      "work_team_headcount", "meetings", "problems_resolved"]]) == want
    assert row["party_share"] == pytest.approx(want[4] / want[3])


@check("org_coops")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT c.coop_code,
        (SELECT count(*) FROM members m WHERE m.coop_code = c.coop_code),
        (SELECT count(*) FROM members m WHERE m.coop_code = c.coop_code AND m.role = 'chair'),
        (SELECT count(*) FROM members m WHERE m.coop_code = c.coop_code AND m.is_party_member),
        (SELECT count(*) FROM met WHERE met.coop_code = c.coop_code)
        FROM live_coop c"""))
    assert records(df, "coop_code", "members", "chairs", "party_members", "meetings") == want
    rules = settings().cooperative_rules
    size_ok = df["members"].between(rules["min_members"], rules["max_members"])
    assert df["size_ok"].tolist() == size_ok.tolist()
    assert df["party_ok"].tolist() == (df["party_members"] / df["members"] > rules["party_share_above"]).tolist()


@check("org_members_by_background")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT background, count(*) FILTER (WHERE role = 'chair'),
        count(*) FILTER (WHERE role = 'vice_chair'), count(*) FILTER (WHERE role = 'member'), count(*)
        FROM members GROUP BY ALL"""))
    assert records(df, "background", "chair", "vice_chair", "member", "members") == want


@check("org_meetings_by_month")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT CAST(date_trunc('month', held_on) AS DATE), count(*), sum(problems_resolved)
        FROM met GROUP BY ALL"""))
    assert list(df["month"]) == months_of(p)
    assert records(df, "month", "meetings", "problems_resolved") == {m: want.get(m, (0, 0)) for m in months_of(p)}


@check("org_committees_founded")
def _(con, p, df, summary):
    assert list(df["committee_id"]) == [c for (c,) in raw(con, p, """SELECT committee_id FROM owners_committees
        JOIN place USING (compound_code) WHERE founded_on BETWEEN $start AND $end ORDER BY founded_on, committee_id""")]


@check("org_compounds_by_mode")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT coop_mode, count(*) FILTER (WHERE kind = 'compound'),
        count(*) FILTER (WHERE kind = 'standalone'), sum(households)
        FROM place JOIN state_end USING (compound_code) WHERE management = 'cooperative' GROUP BY ALL"""))
    assert list(df["coop_mode"]) == list(COOP_MODE.codes)
    assert records(df, "coop_mode", "compounds", "standalone", "households") == \
        {m: want.get(m, (0, 0, 0)) for m in COOP_MODE.codes}


@check("street_overdue")
def _(con, p, df, summary):
    deadlines = settings().deadlines
    open_ = pd.DataFrame(raw(con, p, "SELECT street_code, category, age_hours FROM open_at_end"),
                         columns=["street", "category", "age_hours"])
    overdue = open_[open_["age_hours"] > open_["category"].map(deadlines)].groupby("street").size()
    assert records(df, "street_code", "overdue") == {s: int(n) for s, n in overdue.items() if n} and len(df) > 0


@check("street_ranking")
def _(con, p, df, summary):
    deadlines = settings().deadlines
    open_ = pd.DataFrame(raw(con, p, "SELECT street_code, category, age_hours FROM open_at_end"),
                         columns=["street", "category", "age_hours"])
    overdue = open_[open_["age_hours"] > open_["category"].map(deadlines)].groupby("street").size()
    want = {s: (submitted, done, rated, homes, int(overdue.get(s, 0))) for s, submitted, done, rated, homes in raw(
        con, p, """SELECT s.street_code,
        (SELECT count(*) FROM sub WHERE sub.street_code = s.street_code),
        (SELECT count(*) FROM sub WHERE sub.street_code = s.street_code AND status = 'resolved'
                AND resolved_at < CAST($end AS DATE) + 1),
        (SELECT count(rating) FROM res WHERE res.street_code = s.street_code),
        (SELECT sum(households) FROM place WHERE place.street_code = s.street_code)
        FROM (SELECT DISTINCT street_code FROM place) s""")}
    got = records(df, "street_code", "submitted", "submitted_resolved", "rated", "households", "overdue")
    assert got == want and len(got) == (DIVISIONS if not p["streets"] else 1)
    assert sum(overdue) > 0
    means = by_key(raw(con, p, "SELECT street_code, avg(rating) FROM res GROUP BY ALL"))
    for r in df.itertuples():
        submitted, done, _, homes, _ = want[r.street_code]
        if submitted:
            assert r.resolution_rate == pytest.approx(done / submitted), r.street_code
        else:  # a street office with nothing submitted in the window has no rate (it is not ranked)
            assert pd.isna(r.resolution_rate), r.street_code
        assert r.orders_per_1000 == pytest.approx(submitted * 1000 / homes), r.street_code
        if r.street_code in means:
            assert r.mean_rating == pytest.approx(means[r.street_code]), r.street_code
        else:
            assert pd.isna(r.mean_rating), r.street_code


@check("briefing_silent_communities")
def _(con, p, df, summary):
    # communities with a cooperative by the window's end and no order submitted or resolved, cleanup,
    # repair or meeting in the window: over 19 months every community reports, so a single day is checked too
    for q in (p, {**p, "start": p["end"]}):
        silent = db.execute(con, "briefing_silent_communities", q)
        assert list(silent[["street_code", "community_code", "cooperatives"]].itertuples(index=False, name=None)) \
            == silent_raw(con, q), q["start"]
    assert len(silent) > 0


def silent_raw(con, p):
    return raw(con, p, """SELECT comm.street_code, comm.community_code, count(*) FROM comm
        JOIN live_coop USING (community_code)
        WHERE community_code NOT IN (
            SELECT community_code FROM ord WHERE (submitted_at >= $start AND submitted_at < CAST($end AS DATE) + 1)
                OR (resolved_at >= $start AND resolved_at < CAST($end AS DATE) + 1)
            UNION ALL SELECT place.community_code FROM cl JOIN place USING (compound_code)
            UNION ALL SELECT place.community_code FROM rp JOIN place USING (compound_code)
            UNION ALL SELECT c.community_code FROM met JOIN coop c USING (coop_code))
        GROUP BY ALL ORDER BY 1, 2""")


@check("admin_row_counts")
def _(con, p, df, summary):
    assert records(df, "table_name", "row_count") == summary["rows"]  # the generator's own counts


@check("admin_affected_streets")
def _(con, p, df, summary):
    # the busiest compound's street office (from the raw tables), and the street named directly
    (own,), = con.execute("SELECT cm.street_code FROM compounds cp JOIN communities cm USING (community_code) "
                          "WHERE cp.compound_code = ?", [p["compounds"][0]]).fetchall()
    assert df["street_code"].tolist() == sorted({own, *p["street_codes"]})


@check("admin_last_record")
def _(con, p, df, summary):
    want = by_key(raw(con, p, """SELECT c.coop_name, (SELECT max(day) FROM (
            SELECT CAST(submitted_at AS DATE) AS day FROM ord WHERE ord.community_code = c.community_code
            UNION ALL SELECT done_on FROM cleanups JOIN place USING (compound_code)
                WHERE place.community_code = c.community_code
            UNION ALL SELECT done_on FROM repairs JOIN place USING (compound_code)
                WHERE place.community_code = c.community_code
            UNION ALL SELECT held_on FROM meetings m JOIN cooperatives mc USING (coop_code)
                WHERE mc.community_code = c.community_code))
        FROM coop c"""))
    assert records(df, "coop_name", "last_record") == want
    assert df["reported_this_month"].tolist() == [d is not None and d >= p["month_start"] for d in df["last_record"]]


@check("community_options")
def _(con, p, df, summary):
    assert list(df["community_code"]) == [c for (c,) in raw(con, p, "SELECT community_code FROM comm ORDER BY 1")]
    assert len(df) == (summary["rows"]["communities"] if not p["streets"] else len(df)) > 0


@check("street_options")
def _(con, p, df, summary):
    # the street offices asked for ($streets: a scoped account's own), every one when none is asked for
    every = [s for (s,) in raw(con, p, "SELECT street_code FROM streets ORDER BY 1")]
    assert summary["rows"]["streets"] == DIVISIONS == len(every)
    assert list(df["street_code"]) == ([s for s in every if s in p["streets"]] if p["streets"] else every)


@check("data_bounds")
def _(con, p, df, summary):
    first, last = raw(con, p, """SELECT min(lo), max(hi) FROM (
        SELECT min(founded_on) AS lo, max(founded_on) AS hi FROM cooperatives
        UNION ALL SELECT min(CAST(submitted_at AS DATE)), max(CAST(coalesce(resolved_at, submitted_at) AS DATE))
                  FROM service_orders
        UNION ALL SELECT min(done_on), max(done_on) FROM cleanups
        UNION ALL SELECT min(done_on), max(done_on) FROM repairs
        UNION ALL SELECT min(held_on), max(held_on) FROM meetings
        UNION ALL SELECT min(founded_on), max(founded_on) FROM owners_committees)""")[0]
    assert (df.iloc[0]["first_day"], df.iloc[0]["last_day"]) == (first, last)
    assert last == END  # the generator's last day


@pytest.fixture(scope="module")
def busiest(con):
    """The compound with the most orders and its street office (the street scope and the map's pick)."""
    return con.sql("""SELECT o.compound_code, cm.street_code FROM service_orders o JOIN compounds USING (compound_code)
        JOIN communities cm USING (community_code) GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1""").fetchall()[0]


def query_params(scope: str, busiest) -> dict:
    cfg = settings()
    compound, street = busiest
    start, end = WINDOW
    return {"start": start, "end": end, "streets": [street] if scope == "street" else [], "communities": [],
            "launch": cfg.launch, **cfg.cooperative_rules, "modes": COOP_MODE.codes,
            "month_start": end.replace(day=1), "compound": compound, "by": "",
            # the data office's preview: the place codes a batch names
            "compounds": [compound], "coops": [], "street_codes": [street] if scope == "street" else [],
            # orders_overdue_oldest: every moment submitted, and the count its caller gives
            "from": dt.datetime(2000, 1, 1), "until": dt.datetime(2100, 1, 1), "total": 7}


SPARSE = {"briefing_silent_communities"}


def test_every_named_query_has_an_independent_check():
    assert sorted(CHECKS) == db.query_names()


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("name", db.query_names())
def test_each_named_query_gives_the_figures_of_the_raw_tables(name, scope, con, city, busiest):
    p = query_params(scope, busiest)
    missing = db.load_query(name)[1] - p.keys()
    assert not missing, f"{name} reads {sorted(missing)}: give it a value here"
    df = db.execute(con, name, p)
    # every query finds rows (the silent communities: in a one-day window, checked by its own check)
    assert isinstance(df, pd.DataFrame) and (len(df) > 0 or scope != "district" or name in SPARSE), name
    CHECKS[name](con, p, df, city[1])


def test_the_report_window_is_a_part_of_the_whole(con):
    cfg = settings()
    whole = {"start": cfg.launch, "end": END, "streets": [], "communities": []}
    everything = db.execute(con, "kpi_orders", whole).iloc[0]
    report = db.execute(con, "kpi_orders", {**whole, "end": cfg.report_date}).iloc[0]
    assert everything["resolved"] == scalar(con, "SELECT count(*) FROM service_orders WHERE status = 'resolved'")
    assert 0 < report["resolved"] < everything["resolved"]


def test_command_line_writes_a_dataset(tmp_path, capsys):
    citygen.main(["--orders", "3000", "--out", str(tmp_path / "small"), "--seed", "3"])
    assert "service_orders" in capsys.readouterr().out
    assert read_tables(tmp_path / "small", {"service_orders"})["service_orders"].num_rows == 3000
    assert {t.name for t in TABLES} == set(read_tables(tmp_path / "small"))
