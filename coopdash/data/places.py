"""A street office's or community's figures in memory: its own rows, found at once, summed without a statement.

A scoped named query costs 25–30 ms wall and about 40 ms of CPU at 10 M orders (docs/deploy.md), 14 ms of it to
parse, bind and plan the macro-expanded SQL before a row is read; a community view ran a dozen of them. Here
the service orders, cleanups and repairs are held once per dataset version, sorted by community, the
communities numbered in order of (street office, community) code: a community's rows are one run, a street
office's rows the runs of its communities, which follow each other. A view in scope reads only its run (at
10 M orders about 3,400 orders for a community, 41,000 for a street office) and sums it with numpy:

- with a community filter: kpi_orders, orders_satisfaction, kpi_outcomes, by_street, monthly_trend,
  env_by_street and env_repairs_cumulative;
- with a street or community filter: orders_by_category, orders_monthly, orders_category_month and
  orders_by_street (district-wide: from the district index's daily rollup rows);
- in any scope: orders_backlog (district-wide one pass over every order: 15 ms at 10 M orders).

Each figure is the named query's (queries/*.sql stays the definition; the day flags are `orders_in`'s in
queries/_macros.sql): tests/test_places.py holds every answer equal to the query on every window and scope
of the rollup tests, on the citygen data, the fixture and the demo. Counts are exact; tonnes and kilometres
are summed in the rows' order, the engine in its own (its parallel sums are not fixed in their last bits
either): equal to 12 significant digits, and equal as shown.

Memory: 11 bytes per service order (two int16 days, the int32 second of the day submitted, three int8 codes)
and 11 per cleanup or repair (an int16 day, an int8 kind, a double): 176 MB at 10 M orders and 3.5 M each of
cleanups and repairs. Loaded with the district index (coopdash/app/cache.py), each table by
queries/_places_<table>.sql, streamed in batches straight into place order: about 4 s at 10 M orders on
this 2-core machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from coopdash.data import db
from coopdash.data.contract import ORDER_CATEGORY, REPAIR_KIND, WASTE_TYPE
from coopdash.data.errors import DataError

EPOCH = dt.date(1970, 1, 1)
NONE = np.iinfo(np.int16).max  # a missing day (an order not resolved): after every window
RESOLVED, CANCELLED = 1, 2  # queries/_places_orders.sql's status codes (0: neither)
NEVER_OPEN = np.iinfo(np.int16).min  # a cancelled order's res_day in memory (see Places.__init__)
# the loaded columns' types: days since 1970-01-01 as int16 (up to 2059-09-17, checked as they load: 40 MB less
# at 10 M orders than int32), the second of the day as int32, the codes and ratings as int8
NARROW = {"sub_day": np.int16, "sub_second": np.int32, "res_day": np.int16, "day": np.int16, "status": np.int8,
          "category": np.int8, "kind": np.int8, "rating": np.int8, "value": np.float64}
LAST_DAY = dt.date(1970, 1, 1) + dt.timedelta(days=int(NONE) - 1)
COLUMNS = {"_places_orders": ("sub_day", "res_day", "sub_second", "status", "category", "rating"),
           "_places_cleanups": ("day", "kind", "value"), "_places_repairs": ("day", "kind", "value")}
# answered with a community filter (a street filter alone: coopdash/data/district.py's street arrays)
COMMUNITY_QUERIES = ("kpi_orders", "orders_satisfaction", "kpi_outcomes", "by_street", "monthly_trend",
                     "env_by_street", "env_repairs_cumulative")
# answered with a street or community filter
SCOPED_QUERIES = ("orders_by_category", "orders_monthly", "orders_category_month", "orders_by_street")
# answered in any scope (district-wide: one pass over every order, 15 ms at 10 M, against the statement's 40–90)
# and the stocks of open orders at the end of $end that are over their category's deadline: how many per street
# office (the ranking's), and 点单服务's list of the oldest (its ids and names read by a statement that reads
# only their months: queries/orders_overdue_oldest.sql)
ANY_SCOPE_QUERIES = ("orders_backlog", "street_overdue", "orders_overdue")
OVERDUE_LISTED = 500  # orders_overdue's LIMIT


def _day(day: dt.date) -> int:
    return (day - EPOCH).days


def ratios(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """Each numerator over its denominator as Python divides two ints (exactly rounded, as the engine divides
    them as doubles), NaN where the denominator is 0 (nullif): the ranking's shares and means."""
    return np.array([x / y if y else np.nan for x, y in zip(numerators.tolist(), denominators.tolist())], np.float64)


def _ratio(numerator, denominator) -> float:
    """numerator / nullif(denominator, 0): NaN (null) for a zero denominator."""
    return numerator / denominator if denominator else np.nan


def _months(start: dt.date, end: dt.date) -> np.ndarray:
    """window_months(start, end): the first day of every month from start's to end's (datetime64[M])."""
    return np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1)


def _month_of(days: np.ndarray, first: np.datetime64) -> np.ndarray:
    """Each day's month as its place among the window's months (0 = the month of `first`)."""
    return (days.astype("datetime64[D]").astype("datetime64[M]") - first).astype(np.int64)


def _dates(months: np.ndarray) -> pd.Series:
    return pd.Series([m.item() for m in months.astype("datetime64[D]")], dtype=object)


class _Rows:
    """One fact table's rows sorted by place, and where each place's run starts (`first[p]` … `first[p + 1]`)."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, name: str, places: int, **params):
        """The rows of queries/<name>.sql (a `place` column and others), streamed in batches and put straight
        into their place's run (counted first), so that loading holds the columns and one batch: narrow
        integers (NARROW), a missing day NONE, a missing code or rating -1."""
        sql = db.load_query(name)[0]
        counts = cur.execute(f"SELECT place, count(*) AS n FROM ({sql}) GROUP BY place", params).fetchnumpy()
        per_place = np.zeros(places, np.int64)
        per_place[np.asarray(counts["place"], np.int64)] = np.asarray(counts["n"], np.int64)
        self.first = np.concatenate([[0], np.cumsum(per_place)])
        cursor = self.first[:-1].copy()  # where each place's next row goes
        self.columns: dict[str, np.ndarray] = {}
        for batch in cur.execute(sql, params).to_arrow_reader(1 << 20):
            place = batch.column("place").to_numpy().astype(np.int64)
            order = np.argsort(place, kind="stable")
            ranked = place[order]
            at = cursor[ranked] + np.arange(len(ranked)) - np.searchsorted(ranked, ranked, "left")
            cursor += np.bincount(place, minlength=places)
            for column, values in zip(batch.schema.names, batch.columns):
                if column == "place":
                    continue
                out = self.columns.get(column)
                if out is None:
                    out = self.columns[column] = np.empty(int(self.first[-1]), NARROW[column])
                missing = NONE if column.endswith("day") else (0.0 if column == "value" else -1)
                got = values.fill_null(missing).to_numpy(zero_copy_only=False)
                if column.endswith("day") and len(got) and (got.min() <= NEVER_OPEN or got.max() > NONE):
                    raise DataError(f"{name}：{column} 有 {LAST_DAY} 之后或 1880 年之前的日期，无法载入内存",
                                    f"{name}: {column} has a day after {LAST_DAY} or before 1880; "
                                    "it cannot be held in memory")
                out[at] = got[order]
        for column, dtype in NARROW.items():  # no rows at all: empty columns
            if column in COLUMNS[name]:
                self.columns.setdefault(column, np.empty(0, dtype))

    def take(self, runs: list[tuple[int, int]]) -> dict[str, np.ndarray]:
        """The rows of the place runs [(first place, last place + 1), …]: views for one run, else copies."""
        spans = [(self.first[a], self.first[b]) for a, b in runs]
        if len(spans) == 1:
            lo, hi = spans[0]
            return {k: v[lo:hi] for k, v in self.columns.items()}
        return {k: np.concatenate([v[lo:hi] for lo, hi in spans]) if spans else v[:0]
                for k, v in self.columns.items()}


@contextlib.contextmanager
def loading(con: duckdb.DuckDBPyConnection, loaders: Callable[[], duckdb.DuckDBPyConnection] | None):
    """`con`, or a new connection from `loaders`, closed afterwards: the engine keeps the memory of a
    connection's scans until it closes (or its allocator's purge, seconds later), so each large load through
    a connection of its own peaks alone (docs/deploy.md)."""
    if loaders is None:
        yield con
        return
    loader = loaders()
    try:
        yield loader
    finally:
        loader.close()


class Places:
    """The fact rows of one dataset version by place (see the module's docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection,
                 loaders: Callable[[], duckdb.DuckDBPyConnection] | None = None):
        """The rows of the dataset version `con` serves, read through `con`, or, given `loaders` (opens a new
        connection to the same version), each large table through a connection of its own, closed once read
        (see District)."""
        self.con = con  # for the overdue list's names, and the stocks on a dataset with fractions of seconds
        with loading(con, loaders) as src, contextlib.closing(src.cursor()) as cur:
            cm = cur.execute("SELECT cm.community_code, cm.street_code, st.street_name, "
                             "cm.street_code IN (SELECT street_code FROM streets) AS named, "
                             "cm.community_code IN (SELECT community_code FROM compounds) AS has_compounds "
                             "FROM communities cm LEFT JOIN streets st USING (street_code) "
                             "ORDER BY cm.street_code, cm.community_code").df()
            deadlines = cur.execute("SELECT category, hours FROM service_deadlines").df()
            oc = cur.execute("SELECT community_code, founded_on FROM owners_committees "
                             "JOIN compounds USING (compound_code) WHERE founded_on IS NOT NULL").df()
            co = cur.execute("SELECT community_code, founded_on FROM cooperatives").df()
            # the ranking's homes: each community's households (the known ones) and how many compounds know them
            homes = cur.execute("SELECT community_code, CAST(coalesce(sum(households), 0) AS BIGINT) AS households, "
                                "count(households) AS known FROM compounds GROUP BY community_code").df()
        codes = cm["community_code"].tolist()
        n = len(codes)
        with loading(con, loaders) as src, contextlib.closing(src.cursor()) as cur:
            self.orders = _Rows(cur, "_places_orders", n, categories=list(ORDER_CATEGORY.codes))
            # ages in days are exact from the day and the second only when no time has a fraction of a second
            # (ingest rounds to the second; a dataset written otherwise: the stocks run their queries)
            self.whole_seconds = not cur.execute("SELECT count(*) FROM orders_flat "
                                                 "WHERE microsecond(submitted_at) % 1000000 <> 0").fetchall()[0][0]
        # an order open at a day's end is then one with sub_day ≤ e < res_day (`_open`): an order neither
        # resolved nor cancelled is resolved "never" (NONE), a cancelled one was never open (NEVER_OPEN);
        # every other answer reads res_day of the resolved orders only
        status, res = self.orders.columns["status"], self.orders.columns["res_day"]
        res[status == 0] = NONE
        res[status == CANCELLED] = NEVER_OPEN
        with loading(con, loaders) as src, contextlib.closing(src.cursor()) as cur:
            self.cleanups = _Rows(cur, "_places_cleanups", n, kinds=list(WASTE_TYPE.codes))
        with loading(con, loaders) as src, contextlib.closing(src.cursor()) as cur:
            self.repairs = _Rows(cur, "_places_repairs", n, kinds=list(REPAIR_KIND.codes))
        self.community_codes = cm["community_code"].to_numpy(object)
        self.street_of = cm["street_code"].to_numpy(object)
        self.street_name = dict(zip(cm["street_code"], cm["street_name"]))
        self.streets = sorted(self.street_name)  # every place's street office, numbered in code order
        self.street_number = np.searchsorted(np.array(self.streets, object), self.street_of).astype(np.int64)
        self.named = cm["named"].to_numpy(bool)  # the street office is in `streets` (scoped_communities joins it)
        self.has_compounds = cm["has_compounds"].to_numpy(bool)
        number = {code: i for i, code in enumerate(codes)}
        self.committee_place = oc["community_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.committee_day = (pd.to_datetime(oc["founded_on"]).to_numpy().astype("datetime64[D]")
                              .astype(np.int64)).astype(np.int32)
        known = co["founded_on"].notna().to_numpy()
        self.coop_place = co["community_code"].map(number).fillna(-1).to_numpy(np.int64)[known]
        self.coop_day = (pd.to_datetime(co["founded_on"][known]).to_numpy().astype("datetime64[D]")
                         .astype(np.int64)).astype(np.int32)
        homes = homes.set_index("community_code").reindex(codes)
        self.households = homes["households"].fillna(0).to_numpy(np.int64)
        self.households_known = homes["known"].fillna(0).to_numpy(np.int64) > 0
        self.deadline = dict(zip(deadlines["category"], deadlines["hours"]))
        # by the orders' category numbers (1-based; -1, a category not in the contract, is the last): NaN where
        # service_deadlines has no row (the queries' join leaves those orders out)
        self.deadline_hours = np.array([np.nan, *(self.deadline.get(code, np.nan) for code in ORDER_CATEGORY.codes),
                                        np.nan], np.float64)

    # ------------------------------------------------------------------------------------ scope
    @staticmethod
    def answers(name: str, params: dict) -> bool:
        """Whether `answer` gives `name` for these (scope-bound) parameters (see COMMUNITY_QUERIES,
        SCOPED_QUERIES)."""
        if name in ANY_SCOPE_QUERIES:
            return True
        if name in COMMUNITY_QUERIES:
            return bool(params.get("communities"))
        return name in SCOPED_QUERIES and bool(params.get("streets") or params.get("communities"))

    def _in_scope(self, streets, communities) -> np.ndarray:
        """The places in scope (as scoped_communities: in `streets` and `communities`, each when given)."""
        keep = np.ones(len(self.community_codes), bool)
        if len(streets):
            keep &= np.isin(self.street_of, list(streets))
        if len(communities):
            keep &= np.isin(self.community_codes, list(communities))
        return keep

    @staticmethod
    def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
        """The runs of consecutive places in `keep`: [(first, last + 1), …]."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
        return list(zip(edges[::2].tolist(), edges[1::2].tolist()))

    # ------------------------------------------------------------------------------------ answering
    def answer(self, name: str, start: dt.date, end: dt.date, streets=(), communities=()) -> pd.DataFrame:
        """The named query's frame for the window within `streets` and `communities` (see `answers`)."""
        keep = self._in_scope(streets, communities)
        runs = self._runs(keep)
        if name in ANY_SCOPE_QUERIES:  # stocks at the window's end: no $start (the app's cache passes None)
            if not self.whole_seconds:
                return db.execute(self.con, name, {"end": end, "streets": list(streets), "communities": list(communities)})
            if name == "orders_backlog":
                return self._backlog(runs, _day(end))
            if name == "street_overdue":
                return self._street_overdue(runs, _day(end))
            return self._overdue_list(runs, end, list(streets), list(communities))
        s, e = _day(start), _day(end)
        if name == "kpi_outcomes":
            return self._outcomes(runs, keep, s, e)
        if name == "by_street":
            return self._by_street(runs, keep, s, e)
        if name == "env_by_street":
            return self._env_by_street(runs, keep, s, e)
        if name == "env_repairs_cumulative":
            return self._repairs_cumulative(runs, start, end)
        o = self.orders.take(runs)
        status, sub, res = o["status"], o["sub_day"], o["res_day"]
        is_sub = (status != CANCELLED) & (sub >= s) & (sub <= e)
        is_res = (status == RESOLVED) & (res >= s) & (res <= e)
        sub_res = is_sub & (status == RESOLVED) & (res <= e)
        if name == "kpi_orders":
            submitted, submitted_resolved = int(is_sub.sum()), int(sub_res.sum())
            return pd.DataFrame({"resolved": np.array([int(is_res.sum())], np.int64),
                                 "submitted": np.array([submitted], np.int64),
                                 "submitted_resolved": np.array([submitted_resolved], np.int64),
                                 "resolution_rate": np.array([_ratio(submitted_resolved, submitted)], np.float64)})
        if name == "orders_satisfaction":
            rating = o["rating"][is_res].astype(np.int64)
            rated, rated_4_5 = int((rating >= 0).sum()), int((rating >= 4).sum())
            return pd.DataFrame({"rated": np.array([rated], np.int64),
                                 "mean_rating": np.array([_ratio(int(rating[rating >= 0].sum()), rated)], np.float64),
                                 "rated_4_5": np.array([rated_4_5], np.int64),
                                 "share_4_5": np.array([_ratio(rated_4_5, rated)], np.float64)})
        if name == "monthly_trend":
            return self._monthly_trend(runs, start, end, res[is_res])
        if name in BREAKDOWNS:
            return breakdown(name, start, end, o, None, self.deadline)
        if name == "orders_by_street":
            return self._orders_by_street(runs, keep, is_sub, is_res, sub_res)
        raise KeyError(name)

    def _streets(self, keep: np.ndarray) -> list[str]:
        """by_street's streets_in: the street offices (named in `streets`) of the places in scope that have
        compounds, in order of code."""
        return sorted(set(self.street_of[keep & self.named & self.has_compounds].tolist()))

    def _per_street(self, table: _Rows, runs, values: np.ndarray) -> np.ndarray:
        """`values` (one per row of the runs, as `table.take(runs)` gives them) summed per street office
        (in order of self.streets)."""
        street = np.concatenate([np.repeat(self.street_number[a:b], np.diff(table.first[a:b + 1]))
                                 for a, b in runs]) if runs else np.zeros(0, np.int64)
        return np.bincount(street, weights=values, minlength=len(self.streets)).astype(np.float64)

    def _orders_by_street(self, runs, keep, is_sub, is_res, sub_res) -> pd.DataFrame:
        streets = self._streets(keep)
        got = [self._per_street(self.orders, runs, flag.astype(np.float64)) for flag in (is_sub, is_res, sub_res)]
        at = {code: i for i, code in enumerate(self.streets)}
        rows = [(code, self.street_name[code], *(int(g[at[code]]) for g in got)) for code in streets]
        rows.sort(key=lambda r: (-r[2], -r[3], r[0]))
        return pd.DataFrame({
            "street_code": pd.Series([r[0] for r in rows], dtype="str"),
            "street_name": pd.Series([r[1] for r in rows], dtype="str"),
            "submitted": np.array([r[2] for r in rows], np.int64),
            "resolved": np.array([r[3] for r in rows], np.int64),
            "submitted_resolved": np.array([r[4] for r in rows], np.int64),
            "resolution_rate": np.array([_ratio(r[4], r[2]) for r in rows], np.float64)})

    def _by_street(self, runs, keep, s, e) -> pd.DataFrame:
        streets = self._streets(keep)
        o = self.orders.take(runs)
        is_res = (o["status"] == RESOLVED) & (o["res_day"] >= s) & (o["res_day"] <= e)
        resolved = self._per_street(self.orders, runs, is_res.astype(np.float64))
        c = self.cleanups.take(runs)
        tonnes = self._per_street(self.cleanups, runs, np.where((c["day"] >= s) & (c["day"] <= e), c["value"], 0.0))
        r = self.repairs.take(runs)
        r_in = (r["day"] >= s) & (r["day"] <= e)
        road, heat, drain = (REPAIR_KIND.codes.index(k) + 1 for k in ("road", "heating_pipe", "drainage_pipe"))
        road_km = self._per_street(self.repairs, runs, np.where(r_in & (r["kind"] == road), r["value"], 0.0))
        pipe_km = self._per_street(self.repairs, runs, np.where(r_in & np.isin(r["kind"], [heat, drain]), r["value"], 0.0))
        # scoped_coops: the cooperatives of the places in scope (a named street office), founded by the end
        founded = self.coop_place[(self.coop_day <= e) & (self.coop_place >= 0)]
        founded = founded[(keep & self.named)[founded]]
        coops = np.bincount(self.street_number[founded], minlength=len(self.streets))
        i = np.array([self.streets.index(code) for code in streets], np.int64)
        return pd.DataFrame({
            "street_code": pd.Series(streets, dtype="str"),
            "street_name": pd.Series([self.street_name[code] for code in streets], dtype="str"),
            "cooperatives": coops[i].astype(np.int64), "orders_resolved": resolved[i].astype(np.int64),
            "tonnes": tonnes[i], "road_km": road_km[i], "pipe_km": pipe_km[i]})

    def _open(self, runs, e: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """orders_open_at: the runs' rows (`take`), the positions among them of the orders open at the end of day
        e (submitted by then, neither cancelled nor resolved by then) and their ages then in seconds."""
        o = self.orders.take(runs)
        sub = o["sub_day"]
        at = np.flatnonzero((o["res_day"] > e) & (sub <= e))  # (res_day as Places.__init__ sets it)
        return o, at, (e + 1 - sub[at].astype(np.int64)) * 86400 - o["sub_second"][at]

    def _overdue(self, runs, e: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """`_open`'s orders older than their category's deadline, as the queries compare them (hours as a
        double: (end − submitted) / 3600 > hours); a category without a deadline row is left out (the join)."""
        o, at, seconds = self._open(runs, e)
        late = seconds.astype(np.float64) / 3600 > self.deadline_hours[o["category"][at]]
        return o, at[late], seconds[late]

    def _street_overdue(self, runs, e: int) -> pd.DataFrame:
        """queries/street_overdue.sql: the overdue open orders per street office that has any, in code order."""
        _, at, _ = self._overdue(runs, e)
        sizes = np.concatenate([np.diff(self.orders.first[a:b + 1]) for a, b in runs]) if runs else np.zeros(0, np.int64)
        place = np.concatenate([np.arange(a, b) for a, b in runs]) if runs else np.zeros(0, np.int64)
        counts = np.bincount(self.street_number[place[np.searchsorted(np.cumsum(sizes), at, "right")]],
                             minlength=len(self.streets))
        present = np.flatnonzero(counts)
        return pd.DataFrame({"street_code": pd.Series([self.streets[i] for i in present], dtype="str"),
                             "overdue": counts[present].astype(np.int64)})

    def ranking_indicators(self, start: dt.date, end: dt.date, streets=(), communities=()) -> pd.DataFrame:
        """queries/street_ranking.sql in any scope (the ranking with a community filter; without one,
        coopdash/data/district.py's street arrays give the same): per street office of the places in scope
        with compounds, the orders submitted and resolved by the window's end, the ratings of those resolved
        in it, the households of the scope's compounds and the overdue open orders at its end."""
        keep = self._in_scope(streets, communities)
        runs, streets_in = self._runs(keep), self._streets(keep)
        s, e = _day(start), _day(end)
        o = self.orders.take(runs)
        status, sub, res, rating = o["status"], o["sub_day"], o["res_day"], o["rating"]
        is_sub = (status != CANCELLED) & (sub >= s) & (sub <= e)
        rated = (status == RESOLVED) & (res >= s) & (res <= e) & (rating >= 0)
        per_street = [self._per_street(self.orders, runs, values.astype(np.float64)).astype(np.int64) for values in
                      (is_sub, is_sub & (status == RESOLVED) & (res <= e), rated, np.where(rated, rating, 0))]
        submitted, submitted_resolved, rated_n, rating_sum = per_street
        homes = keep & self.named  # scoped_compounds: the compounds of the places in scope
        households = np.bincount(self.street_number[homes], weights=self.households[homes],
                                 minlength=len(self.streets)).astype(np.int64)
        known = np.bincount(self.street_number[homes & self.households_known], minlength=len(self.streets)) > 0
        overdue = self._street_overdue(runs, e)
        late = dict(zip(overdue["street_code"], overdue["overdue"].tolist()))
        i = np.array([self.streets.index(code) for code in streets_in], np.int64)
        return pd.DataFrame({
            "street_code": pd.Series(streets_in, dtype="str"),
            "street_name": pd.Series([self.street_name[code] for code in streets_in], dtype="str"),
            "submitted": submitted[i], "submitted_resolved": submitted_resolved[i],
            "resolution_rate": ratios(submitted_resolved[i], submitted[i]), "rated": rated_n[i],
            "mean_rating": ratios(rating_sum[i], rated_n[i]), "households": households[i],
            "orders_per_1000": np.where(known[i], ratios(submitted[i] * 1000, households[i]), np.nan),
            "overdue": np.array([int(late.get(code, 0)) for code in streets_in], np.int64)})

    def _overdue_list(self, runs, end: dt.date, streets: list, communities: list) -> pd.DataFrame:
        """queries/orders_overdue.sql: found and counted here; the oldest's ids and names then come from
        queries/orders_overdue_oldest.sql, bounded to the moments submitted of the first OVERDUE_LISTED
        (with any tied with the last: the query breaks ties by order id), so that it reads their months only."""
        o, at, _ = self._overdue(runs, _day(end))
        moments = np.sort(o["sub_day"][at].astype(np.int64) * 86400 + o["sub_second"][at])
        first, last = (int(moments[0]), int(moments[min(len(moments), OVERDUE_LISTED) - 1])) if len(moments) else (1, 0)
        moment = dt.datetime(1970, 1, 1)
        return db.execute(self.con, "orders_overdue_oldest", {
            "end": end, "streets": streets, "communities": communities, "total": len(moments),
            "from": moment + dt.timedelta(seconds=first), "until": moment + dt.timedelta(seconds=last)})

    def _backlog(self, runs, e: int) -> pd.DataFrame:
        """queries/orders_backlog.sql: the orders open at the end of day e (submitted by then, neither cancelled
        nor resolved by then), how many, and their ages in days (from the moment submitted to the day's end):
        the median (quantile_cont: linear between the two middle ones) and the oldest."""
        _, _, seconds = self._open(runs, e)
        ages = np.sort(seconds.astype(np.float64) / 86400)
        n = len(ages)
        if n:
            at = (n - 1) * 0.5
            lo, hi, d = ages[int(np.floor(at))], ages[int(np.ceil(at))], at - np.floor(at)
            median, oldest = lo * (1 - d) + hi * d, ages[-1]  # as the engine interpolates doubles, to the bit
        else:
            median = oldest = np.nan
        return pd.DataFrame({"open_orders": np.array([n], np.int64), "median_age_days": np.array([median], np.float64),
                             "oldest_age_days": np.array([oldest], np.float64)})

    def _env_by_street(self, runs, keep, s, e) -> pd.DataFrame:
        streets = self._streets(keep)
        i = np.array([self.streets.index(code) for code in streets], np.int64)
        frame = pd.DataFrame({"street_code": pd.Series(streets, dtype="str"),
                              "street_name": pd.Series([self.street_name[code] for code in streets], dtype="str")})
        for table, kinds in ((self.cleanups, WASTE_TYPE.codes), (self.repairs, REPAIR_KIND.codes)):
            rows = table.take(runs)
            inside = (rows["day"] >= s) & (rows["day"] <= e)
            for k, code in enumerate(kinds):
                mine = inside & (rows["kind"] == k + 1)
                frame[code] = self._per_street(table, runs, np.where(mine, rows["value"], 0.0))[i]
        return frame

    def _repairs_cumulative(self, runs, start, end) -> pd.DataFrame:
        months = _months(start, end)
        s, e = _day(start), _day(end)
        r = self.repairs.take(runs)
        inside = (r["day"] >= s) & (r["day"] <= e)
        month = _month_of(r["day"][inside], months[0])
        frame = pd.DataFrame({"month": _dates(months)})
        for k, code in enumerate(REPAIR_KIND.codes):
            mine = r["kind"][inside] == k + 1
            frame[code] = np.cumsum(np.bincount(month[mine], weights=r["value"][inside][mine],
                                                minlength=len(months))[:len(months)]).astype(np.float64)
        return frame

    def _monthly_trend(self, runs, start, end, resolved_days) -> pd.DataFrame:
        months = _months(start, end)
        first = months[0]
        s, e = _day(start), _day(end)
        c = self.cleanups.take(runs)
        c_in = (c["day"] >= s) & (c["day"] <= e)
        month = _month_of(c["day"][c_in], first)

        def tonnes(kind: str) -> np.ndarray:
            mine = c["kind"][c_in] == WASTE_TYPE.codes.index(kind) + 1
            return np.bincount(month[mine], weights=c["value"][c_in][mine], minlength=len(months))[:len(months)]

        return pd.DataFrame({
            "month": _dates(months),
            "orders_resolved": np.bincount(_month_of(resolved_days, first), minlength=len(months))[:len(months)].astype(np.int64),
            "household_t": tonnes("household").astype(np.float64),
            "construction_t": tonnes("construction").astype(np.float64)})

    def _outcomes(self, runs, keep, s, e) -> pd.DataFrame:
        c, r = self.cleanups.take(runs), self.repairs.take(runs)
        c_in = (c["day"] >= s) & (c["day"] <= e)
        r_in = (r["day"] >= s) & (r["day"] <= e)

        def total(rows, inside, kinds, code) -> float:
            return float(rows["value"][inside & (rows["kind"] == kinds.index(code) + 1)].sum())

        row = {"household_t": total(c, c_in, WASTE_TYPE.codes, "household"),
               "construction_t": total(c, c_in, WASTE_TYPE.codes, "construction")}
        for column, code in (("road_km", "road"), ("heating_pipe_km", "heating_pipe"),
                             ("drainage_pipe_km", "drainage_pipe"), ("building_doors", "building_door"),
                             ("stair_lights", "stair_light"), ("seating", "seating"),
                             ("parking_spaces", "parking_space")):
            row[column] = total(r, r_in, REPAIR_KIND.codes, code)
        frame = pd.DataFrame({k: np.array([v], np.float64) for k, v in row.items()})
        # committees of compounds in scope (scoped_compounds joins streets: a named street office only)
        mine = np.append(keep & self.named, False)[self.committee_place]
        frame["owners_committees"] = np.array([int((mine & (self.committee_day >= s) & (self.committee_day <= e)).sum())],
                                              np.int64)
        frame["pipe_km"] = frame["heating_pipe_km"] + frame["drainage_pipe_km"]
        return frame


# ---------------------------------------------------------------------------------------------- breakdowns
BREAKDOWNS = ("orders_by_category", "orders_monthly", "orders_category_month")


def breakdown(name: str, start: dt.date, end: dt.date, o: dict[str, np.ndarray], n: np.ndarray | None,
              deadline: dict[str, float]) -> pd.DataFrame:
    """orders_by_category, orders_monthly or orders_category_month over order rows `o` (sub_day, res_day,
    status, category as queries/_places_orders.sql gives them), each row `n` orders (None: one each; the
    district index passes its daily rollup's rows and counts)."""
    s, e = _day(start), _day(end)
    status, sub, res, category = o["status"], o["sub_day"], o["res_day"], o["category"].astype(np.int64)
    is_sub = (status != CANCELLED) & (sub >= s) & (sub <= e)
    is_res = (status == RESOLVED) & (res >= s) & (res <= e)
    sub_res = is_sub & (status == RESOLVED) & (res <= e)

    def count(key: np.ndarray, flag: np.ndarray, size: int) -> np.ndarray:
        weights = None if n is None else n[flag]
        return np.bincount(key[flag], weights=weights, minlength=size)[:size].astype(np.int64)

    k = len(ORDER_CATEGORY.codes) + 1  # 0: a category not in the contract's list
    if name == "orders_by_category":
        got = [count(category, flag, k) for flag in (is_sub, is_res, sub_res)]
        rows = [(code, *(int(g[i + 1]) for g in got)) for i, code in enumerate(ORDER_CATEGORY.codes)]
        rows = sorted((r for r in rows if r[1] > 0 or r[2] > 0), key=lambda r: (-r[1], -r[2], r[0]))
        hours = [deadline.get(code, np.nan) for code, *_ in rows]
        return pd.DataFrame({
            "category": pd.Series([r[0] for r in rows], dtype="str"),
            "submitted": np.array([r[1] for r in rows], np.int64),
            "resolved": np.array([r[2] for r in rows], np.int64),
            "submitted_resolved": np.array([r[3] for r in rows], np.int64),
            "resolution_rate": np.array([_ratio(r[3], r[1]) for r in rows], np.float64),
            "deadline_hours": np.array(hours, np.float64),
            "deadline_days": np.array([h / 24 if h >= 168 and h % 24 == 0 else np.nan for h in hours], np.float64)})
    months = _months(start, end)
    m = len(months)
    if name == "orders_monthly":
        return pd.DataFrame({"month": _dates(months),
                             "submitted": count(_month_of(np.where(is_sub, sub, s), months[0]), is_sub, m),
                             "resolved": count(_month_of(np.where(is_res, res, s), months[0]), is_res, m)})
    cells = count(category * m + _month_of(np.where(is_sub, sub, s), months[0]), is_sub, k * m).reshape(k, m)
    totals = cells.sum(axis=1)
    order = sorted((i for i in range(1, k) if totals[i] > 0), key=lambda i: (-totals[i], ORDER_CATEGORY.codes[i - 1]))
    return pd.DataFrame({
        "category": pd.Series([ORDER_CATEGORY.codes[i - 1] for i in order for _ in months], dtype="str"),
        "month": pd.concat([_dates(months)] * len(order), ignore_index=True) if order else pd.Series([], dtype=object),
        "submitted": np.array([cells[i, j] for i in order for j in range(m)], np.int64)})
