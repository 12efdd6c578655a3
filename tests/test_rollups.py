"""Rollups (coopdash/rollups.py, queries/_rollup_*.sql, the *_in macros in queries/_macros.sql): every
window and scope gives exactly what the raw rows give, whether the rollups come from the dataset's
files or are built in memory, and stale rollup files are never used."""

import datetime as dt
import random
import shutil
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from coopdash.data import db, rollups
from coopdash.data.dataset import write_dataset
from coopdash.data.files import PARTITION_TIME, partition_files
from ingest.store import read_tables
from tests.conftest import CITY_ORDERS

N = CITY_ORDERS


@pytest.fixture(scope="module")
def con(city):
    return db.open_dataset(city)


@pytest.fixture(scope="module")
def con_memory(city_bare):
    """The same dataset without its rollup files: open_dataset builds them in memory."""
    return db.open_dataset(city_bare)


def windows() -> list[tuple[dt.date, dt.date]]:
    """Whole months, partial edges, one month, one day, across years, and beyond the data."""
    fixed = [(dt.date(2023, 4, 1), dt.date(2026, 10, 31)), (dt.date(2023, 4, 1), dt.date(2023, 11, 30)),
             (dt.date(2023, 4, 15), dt.date(2023, 11, 20)), (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
             (dt.date(2024, 2, 3), dt.date(2024, 2, 17)), (dt.date(2024, 12, 31), dt.date(2025, 1, 1)),
             (dt.date(2024, 5, 9), dt.date(2024, 6, 10)), (dt.date(2024, 5, 1), dt.date(2024, 6, 10)),
             (dt.date(2024, 5, 9), dt.date(2024, 6, 30)), (dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
             (dt.date(2025, 3, 7), dt.date(2025, 3, 7))]
    rng = random.Random(7)
    for _ in range(12):
        a = dt.date(2023, 3, 1) + dt.timedelta(days=rng.randrange(1340))
        fixed.append((a, a + dt.timedelta(days=rng.randrange(500))))
    return fixed


def scopes(con) -> list[tuple[list[str], list[str]]]:
    streets = [r[0] for r in con.sql("SELECT street_code FROM streets ORDER BY 1").fetchall()]
    comms = con.sql("SELECT community_code, street_code FROM communities ORDER BY 1").fetchall()
    return [([], []), ([streets[0]], []), (streets[2:5], []), ([], [comms[3][0]]),
            ([comms[3][1]], [comms[3][0], comms[10][0]])]


ORDERS_IN = """
SELECT {s} {c} sub_month, res_month,
       sum(n) FILTER (WHERE is_submitted) AS submitted, sum(n) FILTER (WHERE is_resolved) AS resolved,
       sum(n) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved,
       sum(rated) FILTER (WHERE is_resolved) AS rated, sum(rating_sum) FILTER (WHERE is_resolved) AS rating_sum,
       sum(rated_4_5) FILTER (WHERE is_resolved) AS rated_4_5
FROM orders_in($start, $end, $streets, $communities, $by_street)
GROUP BY ALL HAVING submitted > 0 OR resolved > 0 OR submitted_resolved > 0"""

ORDERS_RAW = """
WITH o AS (
    SELECT {s} {c} o.rating,
           CAST(date_trunc('month', o.submitted_at) AS DATE) AS sub_month,
           CAST(date_trunc('month', o.resolved_at) AS DATE) AS res_month,
           o.status <> 'cancelled' AND o.submitted_at >= $start AND o.submitted_at < $end + 1 AS is_submitted,
           o.status = 'resolved' AND o.resolved_at >= $start AND o.resolved_at < $end + 1 AS is_resolved,
           o.status = 'resolved' AND o.resolved_at < $end + 1 AS resolved_by_end
    FROM service_orders o JOIN scoped_compounds($streets, $communities) s USING (compound_code)
)
SELECT {so} {cc} sub_month, res_month,
       count(*) FILTER (WHERE is_submitted) AS submitted, count(*) FILTER (WHERE is_resolved) AS resolved,
       count(*) FILTER (WHERE is_submitted AND resolved_by_end) AS submitted_resolved,
       count(rating) FILTER (WHERE is_resolved) AS rated, sum(rating) FILTER (WHERE is_resolved) AS rating_sum,
       count(*) FILTER (WHERE is_resolved AND rating >= 4) AS rated_4_5
FROM o GROUP BY ALL HAVING submitted > 0 OR resolved > 0 OR submitted_resolved > 0"""

WORK_IN = """SELECT {s} {dim}, month, round(sum({measure}), 6), sum(n)
FROM {name}_in($start, $end, $streets, $communities, $by_street) GROUP BY ALL"""
WORK_RAW = """SELECT {s} x.{dim}, CAST(date_trunc('month', x.done_on) AS DATE), round(sum(x.{measure}), 6),
       count(*)
FROM {name} x JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE x.done_on BETWEEN $start AND $end GROUP BY ALL"""


def rows(con, sql, start, end, streets, communities, by_street=False):
    """The result as sorted tuples: numbers as floats, a missing sum as 0, a missing month kept."""
    params = {"start": start, "end": end, "streets": streets, "communities": communities, "by_street": by_street}
    got = con.sql(sql, params={k: v for k, v in params.items() if f"${k}" in sql})

    def norm(i, v):
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return float(v)
        return 0.0 if v is None and i >= 3 else v
    out = [tuple(norm(i, v) for i, v in enumerate(r)) for r in got.fetchall()]
    return sorted(out, key=lambda r: tuple((v is None, str(v)) for v in r))


@pytest.mark.parametrize("which", ["files", "memory"])
def test_rollup_windows_equal_the_raw_rows(which, con, con_memory):
    c = con if which == "files" else con_memory
    checked = 0
    for streets, communities in scopes(c):
        for by_street in (False, True):  # district totals by category (daily rollups) or by street office
            s_in, s_raw = ("street_code,", "s.street_code,") if by_street else ("", "")
            c_in, c_raw = ("", "") if by_street else ("category,", "o.category,")
            for start, end in windows():
                args = (start, end, streets, communities, by_street)
                expected = rows(c, ORDERS_RAW.format(s=s_raw, so=s_in, c=c_raw, cc=c_in), *args)
                assert rows(c, ORDERS_IN.format(s=s_in, c=c_in), *args) == expected, args
                checked += len(expected)
                for name, dim, measure in [("cleanups", "waste_type", "tonnes"), ("repairs", "kind", "quantity")]:
                    fmt = {"name": name, "dim": dim, "measure": measure}
                    assert (rows(c, WORK_IN.format(s=s_in, **fmt), *args)
                            == rows(c, WORK_RAW.format(s=s_raw, **fmt), *args)), (name, args)
    assert checked > 10_000  # the comparisons covered real data, not empty windows


def test_files_are_read_when_current_and_built_in_memory_when_missing(city, con, con_memory):
    assert all(rollups.is_current(city, name) for name in rollups.NAMES)
    tables = lambda c: {r[0] for r in c.sql("SELECT table_name FROM duckdb_tables()").fetchall()}  # noqa: E731
    assert not {"rollup_orders", "orders_flat"} & tables(con)
    assert {"rollup_orders", "rollup_cleanups", "rollup_repairs", "orders_flat"} <= tables(con_memory)
    n = con.sql("SELECT sum(n) FROM rollup_orders WHERE level = 1").fetchall()[0][0]
    assert n == N == con.sql("SELECT sum(n) FROM rollup_orders WHERE level = 2").fetchall()[0][0]
    assert con.sql("SELECT sum(n) FROM rollup_orders WHERE level = 3").fetchall()[0][0] == N
    assert con.sql("SELECT count(*) FROM orders_flat").fetchall()[0][0] == N


def test_stale_rollups_are_not_used(city, tmp_path):
    """A table replaced without its rollups (by hand): the signature no longer matches, so the
    connection builds fresh ones and the figures follow the new table."""
    copy = tmp_path / "dataset"
    shutil.copytree(city, copy)
    orders = read_tables(copy, {"service_orders"})["service_orders"]
    kept = orders.slice(0, N // 2)
    shutil.rmtree(copy / "service_orders")  # one file instead of the months: the layout before months were files
    pq.write_table(kept, copy / "service_orders.parquet")
    assert not rollups.is_current(copy, "orders")
    c = db.open_dataset(copy)
    assert c.sql("SELECT sum(n) FROM rollup_orders WHERE level = 1").fetchall()[0][0] == N // 2
    base = {"start": dt.date(2020, 1, 1), "end": dt.date(2030, 1, 1), "streets": [], "communities": []}
    expected = sum(1 for s in kept.column("status").to_pylist() if s != "cancelled")
    assert db.execute(c, "kpi_orders", base).iloc[0]["submitted"] == expected


def test_a_partial_dataset_is_written_without_rollups(tmp_path):
    """write_dataset of some tables only (not a whole dataset) has nothing to build rollups from."""
    from coopdash.data.dataset import to_arrow
    write_dataset({"streets": to_arrow("streets", [])}, tmp_path / "part")
    assert not (tmp_path / "part" / rollups.FOLDER).exists()


def test_command_line_writes_rollups(city, tmp_path, capsys):
    copy = tmp_path / "dataset"
    shutil.copytree(city, copy, ignore=shutil.ignore_patterns(rollups.FOLDER))
    rollups.main([str(copy)])
    assert "orders_flat" in capsys.readouterr().out
    assert all(rollups.is_current(copy, name) for name in rollups.NAMES)


OPEN_AT = """SELECT order_id, street_code, category, submitted_at FROM orders_open_at($end, $streets, $communities)"""
OPEN_RAW = """SELECT o.order_id, s.street_code, o.category, o.submitted_at
FROM service_orders o JOIN scoped_compounds($streets, $communities) s USING (compound_code)
WHERE o.status <> 'cancelled' AND o.submitted_at < $end + 1
  AND (o.resolved_at IS NULL OR o.resolved_at >= $end + 1)"""


@pytest.mark.parametrize("which", ["files", "memory"])
def test_orders_open_at_a_day_equal_the_raw_rows(which, con, con_memory):
    c = con if which == "files" else con_memory
    seen = 0
    for streets, communities in scopes(c):
        for _, end in windows():
            expected = rows(c, OPEN_RAW, None, end, streets, communities)
            assert rows(c, OPEN_AT, None, end, streets, communities) == expected, (end, streets, communities)
            seen += len(expected)
    assert seen > 1_000


KEYS = {"service_orders": "order_id", "cleanups": "cleanup_id", "repairs": "repair_id"}


def _random_batch(folder, table: str, rng: random.Random, n: int, tag: str = "") -> list[dict]:
    """n rows for `table`: new ones, updates of existing ones (some moved to another month), unchanged ones."""
    rows = read_tables(folder, {table})[table].to_pylist()
    key = KEYS[table]
    time = PARTITION_TIME[table]
    out, seen = [], set()
    for i in range(n):
        row = dict(rng.choice(rows))
        if row[key] in seen:
            continue
        kind = rng.choice(["new", "update", "move", "same"])
        if kind == "new":
            row[key] = f"NEW{tag}{i}"
        if kind == "move":  # to another month, earlier or later: both months change
            shift = dt.timedelta(days=rng.choice([-70, -40, 35, 65]))
            row[time] = row[time] + shift
            if table == "service_orders" and row["resolved_at"] is not None:
                row["resolved_at"] = row["resolved_at"] + shift
        if kind == "update" and table == "service_orders":
            row["rating"] = None if row["status"] != "resolved" else rng.choice([1, 2, 3, 4, 5])
        elif kind == "update":
            row["tonnes" if table == "cleanups" else "quantity"] = round(rng.uniform(0.1, 9), 2)
        seen.add(row[key])
        out.append(row)
    return out


def _publish_rounds(start, tmp_path, tables, rng, rounds=3, n=40):
    """Random batches merged by month (ingest/validate.py `_merge_partitioned`) and written as new versions
    (ingest/store.py `write_tables`, rollups.update), round after round from the dataset `start`; after each, the
    tables equal the batch merged by hand into the whole table, and every rollup file equals a full rebuild, row
    for row and in order."""
    from ingest.parse import Where
    from ingest.store import write_tables
    from ingest.validate import Located, _merge_partitioned
    base, counts = start, []
    for round_ in range(rounds):
        new = tmp_path / f"v{round_ + 1}"
        new.mkdir()
        months, changed, expected = {}, {}, read_tables(base)
        for table in tables:
            batch = _random_batch(base, table, rng, n, tag=f"r{round_}")
            key = KEYS[table]
            located = [Located(r, Where("f", ""), i, {}) for i, r in enumerate(batch)]
            changed[table], added, updated, _, months[table] = _merge_partitioned(table, base, located)
            counts.append((added, updated))
            by_key = {r[key]: r for r in expected[table].to_pylist()}
            by_key.update({r[key]: r for r in batch})
            expected[table] = sorted(by_key.values(), key=lambda r: (r[PARTITION_TIME[table]], r[key]))
            assert changed[table].num_rows == len(by_key)
        assert sum(len(m) for m in months.values()) >= 3
        write_tables(base, new, changed)
        rollups.update(base, new, months)
        got = read_tables(new)
        for table in tables:  # the same rows, month by month sorted by time and key
            rows = sorted(got[table].to_pylist(), key=lambda r: (r[PARTITION_TIME[table]], r[KEYS[table]]))
            assert rows == expected[table], (round_, table)
            files, before = partition_files(new, table), partition_files(base, table)
            assert files is not None
            if before is not None and not changed[table].whole:  # the other months are the base's own files
                for m, f in files.items():
                    linked = m in before and f.stat().st_ino == before[m].stat().st_ino
                    assert linked == (m not in months[table]), (table, m)
        assert all(rollups.is_current(new, name) for name in rollups.NAMES)
        full = tmp_path / f"full{round_ + 1}"
        write_dataset(got, full)
        for name in rollups.NAMES:
            assert rollups.read(new, name).to_pylist() == \
                rollups.read(full, name).to_pylist(), (round_, name)
            inodes = [[f.stat().st_ino for f in rollups.files(v, name)] for v in (new, base)]
            if rollups.FACT[name] not in tables:  # built from the same files: the base's rollup, linked
                assert inodes[0] == inodes[1], name
            elif name in rollups.MONTHLY:  # one file per month: the months not touched are the base's own
                redo = months["service_orders"]  # orders_flat: by month submitted
                if name == "orders_resolved":  # by month resolved: of the orders submitted in a touched month
                    redo = {dt.date(r["resolved_at"].year, r["resolved_at"].month, 1)
                            for v in (base, new) for r in read_tables(v, {"service_orders"})["service_orders"].to_pylist()
                            if r["status"] == "resolved" and dt.date(r["submitted_at"].year, r["submitted_at"].month, 1) in redo}
                new_files, base_files = rollups.part_files(new, name), rollups.part_files(base, name)
                for m, f in new_files.items():
                    linked = m in base_files and f.stat().st_ino == base_files[m].stat().st_ino
                    assert linked == (m not in redo), (name, m)
            else:  # one file per year: the years holding no touched month are the base's own files
                redo = {dt.date(m.year, 1, 1) for m in months[rollups.FACT[name]]}
                new_files, base_files = rollups.part_files(new, name), rollups.part_files(base, name)
                assert new_files and all(f.name == f"{y.year}.parquet" for y, f in new_files.items()), name
                for y, f in new_files.items():
                    linked = y in base_files and f.stat().st_ino == base_files[y].stat().st_ino
                    assert linked == (y not in redo), (name, y)
        base = new
    assert all(a + u > 0 for a, u in counts) and sum(a for a, _ in counts) > rounds and sum(u for _, u in counts) > rounds


@pytest.mark.parametrize("seed,tables", [(1, ("service_orders",)), (2, ("cleanups", "repairs")),
                                         (3, ("service_orders", "cleanups", "repairs"))])
def test_rollups_updated_for_the_touched_months_equal_a_full_rebuild(seed, tables, city, tmp_path):
    """A publish rewrites only the month files and recomputes only the rollup months its batch touched: after
    random batches of new rows, updates and rows moved between months, on a city dataset (one file per month),
    the tables and every rollup equal a full rebuild."""
    assert partition_files(city, "service_orders")
    _publish_rounds(city, tmp_path, tables, random.Random(seed))


def test_the_fixture_in_one_file_a_table_is_converted_to_months_and_then_updated_by_month(fixture_dir, tmp_path):
    """The test fixture (and the demo) keep one file a table: the first publish writes the fact tables as months
    (all of them), the next ones only the touched months; every round equals a full rebuild."""
    assert partition_files(fixture_dir, "service_orders") is None
    _publish_rounds(fixture_dir, tmp_path, ("service_orders", "cleanups", "repairs"), random.Random(4), n=20)


def test_rollups_are_rebuilt_whole_when_the_places_change(city, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(city, base)
    new = tmp_path / "new"
    shutil.copytree(base, new, ignore=shutil.ignore_patterns(rollups.FOLDER))
    compounds = pq.read_table(new / "compounds.parquet")
    pq.write_table(compounds, new / "compounds.parquet", compression="gzip")  # rewritten: another file
    calls = []
    original = rollups.write
    rollups.write = lambda folder: calls.append(folder) or original(folder)
    try:
        rollups.update(base, new, {})
    finally:
        rollups.write = original
    assert calls == [new] and all(rollups.is_current(new, name) for name in rollups.NAMES)


def test_every_query_and_the_hours_index_are_the_same_from_one_file_a_table_or_one_file_per_month(city, tmp_path):
    """The storage change leaves every figure as it was: the city dataset (fact tables one file per month) and the
    same tables written one file a table (as before months were files, and as the demo and fixture still are)
    give equal results for every named query, on a window with partial months, district-wide and for one street
    office, and the same hours to resolve."""
    import pandas as pd

    from coopdash import ROOT
    from coopdash.data import hours
    from tests.conftest import params
    assert partition_files(city, "service_orders") and partition_files(city, "repairs")
    single = tmp_path / "single"
    write_dataset(read_tables(city), single)
    assert (single / "service_orders.parquet").is_file() and partition_files(single, "service_orders") is None
    a, b = db.open_dataset(city), db.open_dataset(single)
    compound = a.sql("SELECT min(compound_code) FROM compounds").fetchall()[0][0]
    street = a.sql("SELECT min(street_code) FROM streets").fetchall()[0][0]
    extra = {"by": "street", "compound": compound, "compounds": [], "coops": [], "modes": [], "street_codes": [],
             "month_start": dt.date(2025, 3, 1), "min_members": 7, "max_members": 9, "chairs": 1, "vice_chairs": 2,
             "party_share_above": 0.5, "from": dt.datetime(2024, 1, 1), "until": dt.datetime(2025, 6, 30), "total": 0}
    names = sorted(p.stem for p in (ROOT / "queries").glob("[!_]*.sql"))
    assert len(names) > 30
    compared = 0
    for streets in ([], [street]):
        p = params(start=dt.date(2024, 3, 15), end=dt.date(2025, 8, 20), streets=streets, **extra)
        for name in names:
            got, expected = db.execute(a, name, p), db.execute(b, name, p)
            pd.testing.assert_frame_equal(got, expected, obj=f"{name} {streets}")
            compared += len(expected)
        ha, hb = hours.load(city, a), hours.load(single, b)
        for kind, frame in ha.summary(p["start"], p["end"], streets).items():
            pd.testing.assert_frame_equal(frame, hb.summary(p["start"], p["end"], streets)[kind], obj=kind)
    assert compared > 1_000


def test_a_batch_reads_the_key_column_of_every_month_and_writes_only_the_months_it_changes(city, monkeypatch):
    """ingest/validate.py `_merge_partitioned` on the city dataset: one new order in a month the dataset does not
    have yet, one order of an existing month re-rated, one sent again unchanged. Every month file is opened for its
    key column; only the two months holding a key sent again are read whole (to compare); the months returned (what
    is written) are the re-rated order's and the new one, not the month of the unchanged order."""
    from pathlib import Path

    import pyarrow.parquet as real_pq

    from ingest import validate
    from ingest.parse import Where
    months = partition_files(city, "service_orders")
    assert dt.date(2026, 11, 1) not in months
    march = real_pq.read_table(months[dt.date(2025, 3, 1)]).to_pylist()
    june = real_pq.read_table(months[dt.date(2025, 6, 1)]).to_pylist()
    changed = next(r for r in march if r["status"] == "resolved")
    changed = dict(changed, rating=1 if changed["rating"] != 1 else 2)  # re-rated
    same = dict(june[0])
    new = dict(same, order_id="N1", submitted_at=dt.datetime(2026, 11, 3, 9), resolved_at=dt.datetime(2026, 11, 3, 12),
               status="resolved", rating=5)
    whole, keys_only = [], []
    read_table = real_pq.read_table

    def spy(where, *args, columns=None, **kw):
        whole.append(Path(where).name)
        return read_table(where, *args, columns=columns, **kw)

    class File(real_pq.ParquetFile):
        def read(self, columns=None, **kw):
            (keys_only if columns == ["order_id"] else whole).append(Path(self._path).name)
            return super().read(columns=columns, **kw)

        def __init__(self, source, **kw):
            self._path = source
            super().__init__(source, **kw)

    monkeypatch.setattr(validate.pq, "read_table", spy)
    monkeypatch.setattr(validate.pq, "ParquetFile", File)
    rows = [validate.Located(r, Where("f", ""), i, {}) for i, r in enumerate([changed, same, new])]
    parts, added, updated, unchanged, touched = validate._merge_partitioned("service_orders", city, rows)
    assert (added, updated, unchanged) == (1, 1, 1)
    assert touched == {dt.date(2025, 3, 1), dt.date(2026, 11, 1)} == set(parts.months)
    assert sorted(keys_only) == sorted(f.name for f in months.values())  # the key column of every month
    assert sorted(whole) == ["2025-03.parquet", "2025-06.parquet"]  # whole: the months of the keys sent again
    assert parts.months[dt.date(2026, 11, 1)].column("order_id").to_pylist() == ["N1"]
    march_after = {r["order_id"]: r for r in parts.months[dt.date(2025, 3, 1)].to_pylist()}
    assert len(march_after) == len(march) and march_after[changed["order_id"]] == changed
    assert parts.num_rows == N + 1 and not parts.whole


def test_orders_flat_is_one_file_per_month_with_the_pending_orders_in_row_groups_of_their_own(city):
    """The open-order queries read `WHERE pending`: in every month file of orders_flat the pending orders come first
    and no row group holds both kinds, so their statistics skip the rest."""
    files = rollups.part_files(city, "orders_flat")
    assert list(files) == list(partition_files(city, "service_orders"))  # a file per month submitted
    pending_groups = 0
    for m, f in files.items():
        meta = pq.ParquetFile(f).metadata
        column = meta.schema.names.index("pending")
        kinds = [(meta.row_group(i).column(column).statistics.min, meta.row_group(i).column(column).statistics.max)
                 for i in range(meta.num_row_groups)]
        assert all(lo == hi for lo, hi in kinds), m
        assert [lo for lo, _ in kinds] == sorted((lo for lo, _ in kinds), reverse=True), m  # pending first
        pending_groups += sum(lo for lo, _ in kinds)
    assert pending_groups > 0
