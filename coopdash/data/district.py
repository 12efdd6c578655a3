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

    @staticmethod
    def answers(name: str, params: dict) -> bool:
        """Whether `answer` can give `name` for these (scope-bound) parameters: one of QUERIES, district-wide."""
        return name in QUERIES and not params.get("streets") and not params.get("communities")

    def answer(self, name: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        s, e = _day(start), _day(end)
        if name == "kpi_outcomes":
            return self._outcomes(s, e)
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
