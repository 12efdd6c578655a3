"""District-wide flows in memory: kpi_orders, orders_satisfaction and kpi_outcomes for any window with
no street or community filter, from the daily district rollups, without a statement.

With no street or community filter the named queries read only the district-wide daily rollups
(`orders_in` / `cleanups_in` / `repairs_in` in queries/_macros.sql: `rollup_orders_daily`,
`rollup_cleanups_daily`, `rollup_repairs_daily`, exact to the day) plus `owners_committees`. Those are
small (at 10 M orders 213 k, 2.6 k and 4.7 k rows, 2.8 k committees), so they are held here once per
dataset version (coopdash/app/cache.py keeps the index) and any window is a few vectorised sums:
about a millisecond against 10–47 ms of parse, bind and plan for each statement (docs/scale.md).

The SQL stays the definition: `answer` gives exactly the one-row frame `db.execute` gives (same columns,
types, values; sums of tonnes and kilometres added one after another in the rollup's row order, as the
engine does on a small table), and tests/test_metrics.py holds the two equal on every window and scope
of the rollup tests, on the fixture, the demo and citygen data.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from coopdash.data.contract import REPAIR_KIND, WASTE_TYPE

QUERIES = ("kpi_orders", "orders_satisfaction", "kpi_outcomes")
STREET_QUERIES = ("kpi_outcomes", "by_street")  # answered for street offices too (sums of doubles: see below)
EPOCH = dt.date(1970, 1, 1)
_NONE = np.iinfo(np.int32).max  # a missing day (an order not resolved): after every window


def _days(series: pd.Series) -> np.ndarray:
    """Dates as days since 1970-01-01 (int32); missing → _NONE."""
    out = np.full(len(series), _NONE, np.int32)
    known = series.notna().to_numpy()
    out[known] = (pd.to_datetime(series[known]).to_numpy().astype("datetime64[D]").astype(np.int64)).astype(np.int32)
    return out


def _day(day: dt.date) -> int:
    return (day - EPOCH).days


def _sequential_sum(values: np.ndarray) -> float:
    """The sum of doubles added one after another (as the engine's aggregate over a single-threaded scan),
    not numpy's pairwise sum, so that the last bits agree with the SQL."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


class District:
    """The district-wide daily rollups of one dataset version."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        cur = con.cursor()
        try:
            o = cur.execute("SELECT status, sub_day, res_day, n, rated, rating_sum, rated_4_5 "
                            "FROM rollup_orders_daily").df()
            c = cur.execute("SELECT waste_type, done_on, tonnes FROM rollup_cleanups_daily").df()
            r = cur.execute("SELECT kind, done_on, quantity FROM rollup_repairs_daily").df()
            # the committees the district's compounds have (kpi_outcomes joins scoped_compounds([], []))
            oc = cur.execute("SELECT founded_on FROM owners_committees "
                             "JOIN scoped_compounds([], []) s USING (compound_code)").df()
        finally:
            cur.close()
        self.o_sub, self.o_res = _days(o["sub_day"]), _days(o["res_day"])
        self.o_resolved = (o["status"] == "resolved").to_numpy()
        self.o_open = (o["status"] != "cancelled").to_numpy()  # counted as submitted
        self.o = {k: o[k].to_numpy(np.int64) for k in ("n", "rated", "rating_sum", "rated_4_5")}
        self.c_day = _days(c["done_on"])
        self.c = {code: (c["waste_type"] == code).to_numpy() for code in WASTE_TYPE.codes}
        self.c_tonnes = c["tonnes"].to_numpy(np.float64)
        self.r_day = _days(r["done_on"])
        self.r = {code: (r["kind"] == code).to_numpy() for code in REPAIR_KIND.codes}
        self.r_quantity = r["quantity"].to_numpy(np.float64)
        self.committees = np.sort(_days(oc["founded_on"]))
        self._streets(con)

    # ------------------------------------------------------------------------------------ per street office
    def _streets(self, con: duckdb.DuckDBPyConnection) -> None:
        """Per street office and day: orders resolved, tonnes per waste type, quantity per repair kind
        (dense arrays, street × day), and the cooperatives' and committees' days, for by_street and for
        kpi_outcomes filtered by street office (no community filter)."""
        cur = con.cursor()
        try:
            streets = cur.execute("SELECT DISTINCT street_code, street_name FROM scoped_communities([], []) "
                                  "WHERE community_code IN (SELECT community_code FROM compounds) "
                                  "ORDER BY street_code").df()
            o = cur.execute("SELECT street_code, CAST(resolved_at AS DATE) AS day, count(*) AS n FROM orders_flat "
                            "WHERE status = 'resolved' GROUP BY ALL").df()
            c = cur.execute("SELECT s.street_code, c.waste_type AS what, c.done_on AS day, sum(c.tonnes) AS v "
                            "FROM cleanups c JOIN scoped_compounds([], []) s USING (compound_code) GROUP BY ALL").df()
            r = cur.execute("SELECT s.street_code, r.kind AS what, r.done_on AS day, sum(r.quantity) AS v "
                            "FROM repairs r JOIN scoped_compounds([], []) s USING (compound_code) GROUP BY ALL").df()
            co = cur.execute("SELECT street_code, founded_on FROM scoped_coops([], [])").df()
            oc = cur.execute("SELECT s.street_code, founded_on FROM owners_committees "
                             "JOIN scoped_compounds([], []) s USING (compound_code)").df()
        finally:
            cur.close()
        self.street_codes = streets["street_code"].to_numpy(object)
        self.street_names = streets["street_name"].to_numpy(object)
        number = {code: i for i, code in enumerate(self.street_codes)}
        days = [_days(f["day"]) for f in (o, c, r)]
        known = np.concatenate([d[d != _NONE] for d in days]) if any(len(d) for d in days) else np.zeros(1, np.int32)
        self.d0, self.d1 = int(known.min()), int(known.max())
        width = self.d1 - self.d0 + 1

        def dense(frame: pd.DataFrame, day: np.ndarray, values: np.ndarray, dtype) -> np.ndarray:
            out = np.zeros((len(self.street_codes), width), dtype)
            row = frame["street_code"].map(number)
            keep = row.notna().to_numpy() & (day != _NONE)
            np.add.at(out, (row[keep].to_numpy(np.int64), day[keep] - self.d0), values[keep])
            return out

        self.s_resolved = dense(o, days[0], o["n"].to_numpy(np.int64), np.int64)
        self.s_waste = {code: dense(c[c["what"] == code], days[1][(c["what"] == code).to_numpy()],
                                    c.loc[c["what"] == code, "v"].to_numpy(np.float64), np.float64)
                        for code in WASTE_TYPE.codes}
        self.s_repair = {code: dense(r[r["what"] == code], days[2][(r["what"] == code).to_numpy()],
                                     r.loc[r["what"] == code, "v"].to_numpy(np.float64), np.float64)
                         for code in REPAIR_KIND.codes}
        self.coop_street = co["street_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.coop_day = _days(co["founded_on"])
        self.oc_street = oc["street_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.oc_day = _days(oc["founded_on"])

    def _rows(self, streets: list[str]) -> np.ndarray:
        """The street offices' rows (all when `streets` is empty), in order of street code."""
        if not streets:
            return np.arange(len(self.street_codes))
        return np.flatnonzero(np.isin(self.street_codes, list(streets)))

    def _span(self, s: int, e: int) -> slice:
        return slice(min(max(s, self.d0), self.d1 + 1) - self.d0, min(max(e + 1, self.d0), self.d1 + 1) - self.d0)

    def _by_street(self, s: int, e: int, rows: np.ndarray) -> dict[str, np.ndarray]:
        span = self._span(s, e)
        out = {"orders_resolved": self.s_resolved[rows, span].sum(axis=1)}
        out.update({code: a[rows, span].sum(axis=1) for code, a in self.s_waste.items()})
        out.update({code: a[rows, span].sum(axis=1) for code, a in self.s_repair.items()})
        return out

    def _street_outcomes(self, s: int, e: int, streets: list[str]) -> pd.DataFrame:
        rows = self._rows(streets)
        got = {k: float(v.sum()) for k, v in self._by_street(s, e, rows).items() if k != "orders_resolved"}
        mine = np.isin(self.oc_street, rows) & (self.oc_day >= s) & (self.oc_day <= e)
        return self._outcome_frame(got, int(mine.sum()))

    def by_street(self, s: int, e: int, streets: list[str]) -> pd.DataFrame:
        """queries/by_street.sql without a community filter."""
        rows = self._rows(streets)
        got = self._by_street(s, e, rows)
        coops = np.bincount(self.coop_street[(self.coop_day <= e) & (self.coop_street >= 0)],
                            minlength=len(self.street_codes))[rows]
        return pd.DataFrame({
            "street_code": self.street_codes[rows], "street_name": self.street_names[rows],
            "cooperatives": coops.astype(np.int64), "orders_resolved": got["orders_resolved"].astype(np.int64),
            "tonnes": sum(got[code] for code in WASTE_TYPE.codes).astype(np.float64),
            "road_km": got["road"].astype(np.float64),
            "pipe_km": (got["heating_pipe"] + got["drainage_pipe"]).astype(np.float64)})

    @staticmethod
    def answers(name: str, params: dict) -> bool:
        """Whether `answer` can give `name` for these (scope-bound) parameters: kpi_orders and
        orders_satisfaction district-wide; kpi_outcomes and by_street without a community filter."""
        if params.get("communities"):
            return False
        return name in STREET_QUERIES or (name in QUERIES and not params.get("streets"))

    def answer(self, name: str, start: dt.date, end: dt.date, streets=()) -> pd.DataFrame:
        """The named query's frame for the window, district-wide or for `streets` (see `answers`)."""
        s, e = _day(start), _day(end)
        if name == "by_street":
            return self.by_street(s, e, list(streets))
        if name == "kpi_outcomes":
            return self._street_outcomes(s, e, list(streets)) if streets else self._outcomes(s, e)
        resolved = self.o_resolved & (self.o_res >= s) & (self.o_res <= e)
        if name == "kpi_orders":
            submitted = self.o_open & (self.o_sub >= s) & (self.o_sub <= e)
            n = self.o["n"]
            got = {"resolved": n[resolved].sum(), "submitted": n[submitted].sum(),
                   "submitted_resolved": n[submitted & self.o_resolved & (self.o_res <= e)].sum()}
            frame = pd.DataFrame({k: np.array([v], np.int64) for k, v in got.items()})
            frame["resolution_rate"] = _ratio(got["submitted_resolved"], got["submitted"])
            return frame
        rated, rating_sum, rated_4_5 = (self.o[k][resolved].sum() for k in ("rated", "rating_sum", "rated_4_5"))
        return pd.DataFrame({"rated": np.array([rated], np.int64),
                             "mean_rating": _ratio(rating_sum, rated),
                             "rated_4_5": np.array([rated_4_5], np.int64),
                             "share_4_5": _ratio(rated_4_5, rated)})

    def _outcomes(self, s: int, e: int) -> pd.DataFrame:
        c_in = (self.c_day >= s) & (self.c_day <= e)
        r_in = (self.r_day >= s) & (self.r_day <= e)
        tonnes = {code: _sequential_sum(self.c_tonnes[c_in & self.c[code]]) for code in WASTE_TYPE.codes}
        qty = {code: _sequential_sum(self.r_quantity[r_in & self.r[code]]) for code in REPAIR_KIND.codes}
        committees = int(np.searchsorted(self.committees, e, "right") - np.searchsorted(self.committees, s, "left"))
        return self._outcome_frame({**tonnes, **qty}, committees)

    @staticmethod
    def _outcome_frame(got: dict[str, float], committees: int) -> pd.DataFrame:
        tonnes = qty = got
        row = {"household_t": tonnes["household"], "construction_t": tonnes["construction"],
               "road_km": qty["road"], "heating_pipe_km": qty["heating_pipe"],
               "drainage_pipe_km": qty["drainage_pipe"], "building_doors": qty["building_door"],
               "stair_lights": qty["stair_light"], "seating": qty["seating"],
               "parking_spaces": qty["parking_space"]}
        frame = pd.DataFrame({k: np.array([v], np.float64) for k, v in row.items()})
        frame["owners_committees"] = np.array([committees], np.int64)
        frame["pipe_km"] = frame["heating_pipe_km"] + frame["drainage_pipe_km"]
        return frame


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator / nullif(denominator, 0) as the SQL gives it: a double, NaN (null) for a zero denominator."""
    return np.array([numerator / denominator if denominator else np.nan], np.float64)
