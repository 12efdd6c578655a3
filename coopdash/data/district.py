"""Flows and small stocks in memory: the figures of a few named queries for any window, without a statement.

Each DuckDB statement costs 10–47 ms of parse, bind and plan before it reads a row (docs/scale.md), and a
scoped statement reads the raw rows of its window's partial months again; the figures below need neither:

- kpi_orders, orders_satisfaction and kpi_outcomes with no street or community filter: the named queries
  then read only the district-wide daily rollups (`orders_in` / `cleanups_in` / `repairs_in` in
  queries/_macros.sql: `rollup_orders_daily`, `rollup_cleanups_daily`, `rollup_repairs_daily`, exact to
  the day), small (at 10 M orders 213 k, 2.6 k and 4.7 k rows) and held here as they are: the answers are
  exactly the queries' (tonnes and kilometres added one after another in the rollup's row order, as
  the engine adds them on a small table);
- by_street, monthly_trend, and kpi_orders, orders_satisfaction and kpi_outcomes with a street filter
  (no community filter): orders resolved (and their ratings) per day resolved, submitted and resolved
  per day submitted, tonnes per waste type and quantity per repair kind, per street office and day, in
  dense street × day arrays (at 10 M orders 243 × 1,290 days), the resolved orders that can cross a
  window's end as (street, day submitted, day resolved) counts (1.7 M), the cooperatives' and committees'
  days (about 60 MB in all at 10 M orders); counts are exact, tonnes and kilometres are summed in another order than the
  engine's (whose own parallel sums are not fixed in their last bits either): equal to 12 significant
  digits, and equal as shown;
- env_by_street and env_repairs_cumulative district-wide and per street office, from the same street arrays;
  点单服务's district-wide breakdowns: orders_by_category, orders_monthly and orders_category_month from the
  daily rollup's rows (places.breakdown, one implementation with the scoped answers), orders_by_street from
  the street arrays;
- kpi_organisation, kpi_compounds, org_members_by_background, org_meetings_by_month, org_committees_founded
  and org_compounds_by_mode in any scope: the organisation tables, the compounds and their management
  history are small (tens of thousands of rows);
- with a community filter (and 点单服务's breakdowns and backlog in scope): coopdash/data/places.py, which
  this index loads and asks.

The SQL stays the definition: tests/test_metrics.py holds every answer equal to the named query on every
window and scope of the rollup tests, on the citygen data (rollup files and rollups built in memory), the
fixture and the demo. One `District` per dataset version (coopdash/app/cache.py keeps it; loaded with the
hours index at a process's warm-up: 3–5 s at 10 M orders on this 2-core machine).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from coopdash.data import places
from coopdash.data.contract import COOP_MODE, ORDER_CATEGORY, REPAIR_KIND, WASTE_TYPE

QUERIES = ("kpi_orders", "orders_satisfaction", "kpi_outcomes")
STREET_QUERIES = ("kpi_orders", "orders_satisfaction", "kpi_outcomes", "by_street", "monthly_trend",
                  "env_by_street", "env_repairs_cumulative")  # district-wide and per street office
DISTRICT_QUERIES = (*places.BREAKDOWNS, "orders_by_street")  # district-wide only (scoped: places.py)
SCOPE_QUERIES = ("kpi_organisation", "kpi_compounds", "org_members_by_background", "org_meetings_by_month",
                 "org_committees_founded", "org_compounds_by_mode")  # answered in any scope (the organisation tables are small)
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


def _search(values: np.ndarray, day: int, side: str) -> int:
    """np.searchsorted for one day, the key in the array's own type: a Python int makes numpy convert the
    whole array to int64 first (a copy of every element at each call)."""
    return int(np.searchsorted(values, values.dtype.type(day), side))


class District:
    """The district-wide daily rollups of one dataset version."""

    def __init__(self, con: duckdb.DuckDBPyConnection,
                 loaders: Callable[[], duckdb.DuckDBPyConnection] | None = None):
        """Loaded through `con`, or, given `loaders` (opens a new connection to the same dataset version),
        through connections of its own, each closed once its part is read (places.loading): the district's sums
        and each of the places' tables peak at a few hundred MB at 10 M orders while they load
        (docs/deploy.md). The places (coopdash/data/places.py) keep `con` for the statements they still run."""
        with places.loading(con, loaders) as src:
            self._load(src)
        self.places = places.Places(con, loaders)  # a community filter, a scoped view's breakdowns, the backlog

    def _load(self, con: duckdb.DuckDBPyConnection) -> None:
        cur = con.cursor()
        try:
            o = cur.execute("SELECT status, category, sub_day, res_day, n, rated, rating_sum, rated_4_5 "
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
        # the same rows as places.breakdown reads them (status and category codes as queries/_places_orders.sql)
        self.o_rows = {"sub_day": self.o_sub, "res_day": self.o_res,
                       "status": np.where(self.o_resolved, places.RESOLVED,
                                          np.where(self.o_open, 0, places.CANCELLED)).astype(np.int8),
                       "category": o["category"].map({c: i + 1 for i, c in enumerate(ORDER_CATEGORY.codes)})
                       .fillna(0).to_numpy(np.int8)}
        self._district_prefixes()
        self.c_day = _days(c["done_on"])
        self.c = {code: (c["waste_type"] == code).to_numpy() for code in WASTE_TYPE.codes}
        self.c_tonnes = c["tonnes"].to_numpy(np.float64)
        self.r_day = _days(r["done_on"])
        self.r = {code: (r["kind"] == code).to_numpy() for code in REPAIR_KIND.codes}
        self.r_quantity = r["quantity"].to_numpy(np.float64)
        self.committees = np.sort(_days(oc["founded_on"]))
        self._streets(con)
        self._organisation(con)
        self._compounds(con)

    def _district_prefixes(self) -> None:
        """The daily district rollup as prefix sums per day (a window is a difference of two), and its
        resolved rows resolved on a later day than submitted, by day submitted (they can cross an end)."""
        known = np.concatenate([self.o_sub, self.o_res[self.o_res != _NONE]]) if len(self.o_sub) else np.zeros(1, np.int32)
        self.p0, self.p1 = int(known.min()), int(known.max())
        width = self.p1 - self.p0 + 1

        def prefix(day: np.ndarray, keep: np.ndarray, values: np.ndarray) -> np.ndarray:
            per_day = np.zeros(width, np.int64)
            np.add.at(per_day, day[keep].astype(np.int64) - self.p0, values[keep])
            return np.concatenate([[0], np.cumsum(per_day)])

        resolved = self.o_resolved & (self.o_res != _NONE)
        self.p = {"res_n": prefix(self.o_res, resolved, self.o["n"]),
                  "sub_open": prefix(self.o_sub, self.o_open, self.o["n"]),
                  "sub_resolved": prefix(self.o_sub, resolved, self.o["n"])}
        self.p.update({"res_" + k: prefix(self.o_res, resolved, self.o[k]) for k in ("rated", "rating_sum", "rated_4_5")})
        cross = np.flatnonzero(resolved & (self.o_res > self.o_sub))
        order = cross[np.argsort(self.o_sub[cross], kind="stable")]
        self.px_sub, self.px_res, self.px_n = self.o_sub[order], self.o_res[order], self.o["n"][order]

    # ------------------------------------------------------------------------------------ per street office
    def _streets(self, con: duckdb.DuckDBPyConnection) -> None:
        """Per street office and day: orders resolved (with their ratings), submitted and resolved by day
        submitted, tonnes per waste type, quantity per repair kind (dense arrays, street × day); the
        resolved orders that can cross a window's end; the cooperatives' and committees' days. For
        kpi_orders, orders_satisfaction, kpi_outcomes, by_street and monthly_trend without a community
        filter. The SQL numbers the street offices and days itself, so only integers cross over."""
        cur = con.cursor()
        try:
            streets = cur.execute("SELECT DISTINCT street_code, street_name FROM scoped_communities([], []) "
                                  "WHERE community_code IN (SELECT community_code FROM compounds) "
                                  "ORDER BY street_code").df()
            numbered = ("WITH st AS (SELECT street_code, CAST(row_number() OVER (ORDER BY street_code) - 1 AS INTEGER) AS i "
                        "FROM (SELECT DISTINCT street_code FROM scoped_communities([], []) "
                        "WHERE community_code IN (SELECT community_code FROM compounds))) ")

            def grid(sql: str) -> dict[str, np.ndarray]:
                return cur.execute(numbered + sql).fetchnumpy()

            o = grid("SELECT st.i, CAST(CAST(o.resolved_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS d, count(*) AS n, count(o.rating) AS rated, "
                     "CAST(coalesce(sum(o.rating), 0) AS BIGINT) AS rating_sum, count(*) FILTER (WHERE o.rating >= 4) AS rated_4_5 "
                     "FROM orders_flat o JOIN st USING (street_code) WHERE o.status = 'resolved' GROUP BY ALL")
            sub = grid("SELECT st.i, CAST(CAST(o.submitted_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS d, count(*) FILTER (WHERE o.status <> 'cancelled') AS submitted, "
                       "count(*) FILTER (WHERE o.status = 'resolved') AS resolved "
                       "FROM orders_flat o JOIN st USING (street_code) GROUP BY ALL")
            # resolved orders resolved on a later day than submitted: the ones that can cross a window's end
            cross = grid("SELECT st.i, CAST(CAST(o.submitted_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS sub_day, CAST(CAST(o.resolved_at AS DATE) - DATE '1970-01-01' AS INTEGER) AS res_day, count(*) AS n "
                         "FROM orders_flat o JOIN st USING (street_code) WHERE o.status = 'resolved' AND "
                         "CAST(o.resolved_at AS DATE) > CAST(o.submitted_at AS DATE) GROUP BY ALL ORDER BY sub_day")
            c = grid("SELECT st.i, c.waste_type AS what, CAST(CAST(c.done_on AS DATE) - DATE '1970-01-01' AS INTEGER) AS d, sum(c.tonnes) AS v "
                     "FROM cleanups c JOIN compounds cp USING (compound_code) JOIN communities cm "
                     "ON cm.community_code = cp.community_code JOIN st ON st.street_code = cm.street_code GROUP BY ALL")
            r = grid("SELECT st.i, r.kind AS what, CAST(CAST(r.done_on AS DATE) - DATE '1970-01-01' AS INTEGER) AS d, sum(r.quantity) AS v "
                     "FROM repairs r JOIN compounds cp USING (compound_code) JOIN communities cm "
                     "ON cm.community_code = cp.community_code JOIN st ON st.street_code = cm.street_code GROUP BY ALL")
            homes = cur.execute("SELECT street_code, sum(households) AS households FROM scoped_compounds([], []) "
                                "GROUP BY street_code").df()
            co = cur.execute("SELECT street_code, founded_on FROM scoped_coops([], [])").df()
            oc = cur.execute("SELECT s.street_code, founded_on FROM owners_committees "
                             "JOIN scoped_compounds([], []) s USING (compound_code)").df()
        finally:
            cur.close()
        self.street_codes = streets["street_code"].to_numpy(object)
        self.street_names = streets["street_name"].to_numpy(object)
        number = {code: i for i, code in enumerate(self.street_codes)}
        known = [g["d"][~np.ma.getmaskarray(g["d"])] for g in (o, sub, c, r) if len(g["d"])]
        known = np.concatenate([np.asarray(k, np.int64) for k in known]) if known else np.zeros(1, np.int64)
        self.d0, self.d1 = int(known.min()), int(known.max())
        width = self.d1 - self.d0 + 1

        def dense(g: dict[str, np.ndarray], values: str, dtype, keep: np.ndarray | None = None) -> np.ndarray:
            out = np.zeros((len(self.street_codes), width), dtype)
            ok = ~np.ma.getmaskarray(g["d"]) & ~np.ma.getmaskarray(g[values])
            if keep is not None:
                ok &= keep
            np.add.at(out, (np.asarray(g["i"])[ok].astype(np.int64), np.asarray(g["d"])[ok].astype(np.int64) - self.d0),
                      np.asarray(g[values])[ok].astype(dtype))
            return out

        self.s_resolved = dense(o, "n", np.int64)
        self.s_rating = {k: dense(o, k, np.int64) for k in ("rated", "rating_sum", "rated_4_5")}
        self.s_submitted = dense(sub, "submitted", np.int64)
        self.s_resolved_by_sub = dense(sub, "resolved", np.int64)
        # int32 (27 MB less than int64 at 10 M orders; sums of them are taken in int64)
        self.x_street = np.asarray(cross["i"], np.int32)
        self.x_sub, self.x_res = np.asarray(cross["sub_day"], np.int32), np.asarray(cross["res_day"], np.int32)
        self.x_n = np.asarray(cross["n"], np.int32)
        c_what, r_what = np.asarray(c["what"], object), np.asarray(r["what"], object)
        self.s_waste = {code: dense(c, "v", np.float64, c_what == code) for code in WASTE_TYPE.codes}
        self.s_repair = {code: dense(r, "v", np.float64, r_what == code) for code in REPAIR_KIND.codes}
        self.households = homes.set_index("street_code")["households"].reindex(self.street_codes)
        self.households_known = self.households.notna().to_numpy()
        self.households = self.households.fillna(0).to_numpy(np.int64)
        self.coop_street = co["street_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.coop_day = _days(co["founded_on"])
        self.oc_street = oc["street_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.oc_day = _days(oc["founded_on"])

    # ------------------------------------------------------------------------------------ organisation
    def _organisation(self, con: duckdb.DuckDBPyConnection) -> None:
        """The organisation tables (small: thousands of rows) for kpi_organisation in any scope."""
        cur = con.cursor()
        try:
            co = cur.execute("SELECT coop_code, community_code, street_code, founded_on, coalesce(has_site AND "
                             "has_signage AND has_roster AND has_rules AND has_service, false) AS five "
                             "FROM scoped_coops([], [])").df()
            m = cur.execute("SELECT coop_code, joined_on, coalesce(is_party_member, false) AS party, role, background "
                            "FROM coop_members").df()
            w = cur.execute("SELECT coop_code, team, headcount, as_of FROM work_teams WHERE as_of IS NOT NULL").df()
            mt = cur.execute("SELECT coop_code, held_on, problems_resolved FROM meetings").df()
            cm = cur.execute("SELECT community_code, street_code, coalesce(is_pilot, false) AS pilot "
                             "FROM scoped_communities([], [])").df()
        finally:
            cur.close()
        number = {code: i for i, code in enumerate(co["coop_code"])}
        self.co_community = co["community_code"].to_numpy(object)
        self.co_street = co["street_code"].to_numpy(object)
        self.co_day, self.co_five = _days(co["founded_on"]), co["five"].to_numpy(bool)
        self.m_coop = m["coop_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.m_day, self.m_party = _days(m["joined_on"]), m["party"].to_numpy(bool)
        self.m_role, self.m_background = m["role"].to_numpy(object), m["background"].astype(object).to_numpy(object)
        # work teams in order of (coop, team, as_of): the latest count on or before a day is the last row
        # of its (coop, team) run at or before that day
        w = w.assign(coop=w["coop_code"].map(number).fillna(-1).astype(np.int64)).sort_values(
            ["coop", "team", "as_of"], kind="stable")
        self.w_coop, self.w_day = w["coop"].to_numpy(np.int64), _days(w["as_of"])
        self.w_group = (w[["coop", "team"]].ne(w[["coop", "team"]].shift()).any(axis=1)).cumsum().to_numpy() - 1
        self.w_known = w["headcount"].notna().to_numpy()
        self.w_headcount = w["headcount"].fillna(0).to_numpy(np.int64)
        self.mt_coop = mt["coop_code"].map(number).fillna(-1).to_numpy(np.int64)
        self.mt_day = _days(mt["held_on"])
        self.mt_known = mt["problems_resolved"].notna().to_numpy()
        self.mt_problems = mt["problems_resolved"].fillna(0).to_numpy(np.int64)
        self.cm_community, self.cm_street = cm["community_code"].to_numpy(object), cm["street_code"].to_numpy(object)
        self.cm_pilot = cm["pilot"].to_numpy(bool)

    def _compounds(self, con: duckdb.DuckDBPyConnection) -> None:
        """The compounds and their management history, for kpi_compounds in any scope."""
        cur = con.cursor()
        try:
            cp = cur.execute("SELECT compound_code, kind, community_code, street_code, households "
                             "FROM scoped_compounds([], [])").df()
            h = cur.execute("SELECT compound_code, valid_from, management, coop_mode FROM management_history "
                            "WHERE valid_from IS NOT NULL").df()
            # the committees with their places' names, in the order org_committees_founded lists them
            self.committee_list = cur.execute(
                "SELECT oc.committee_id, s.compound_code, s.compound_name, s.community_name, s.street_name, "
                "oc.founded_on, s.street_code, s.community_code FROM owners_committees oc "
                "JOIN scoped_compounds([], []) s USING (compound_code) ORDER BY oc.founded_on, oc.committee_id"
            ).to_arrow_table().to_pandas()  # as db.execute hands a query's rows over (dates as dates)
        finally:
            cur.close()
        number = {code: i for i, code in enumerate(cp["compound_code"])}
        self.cp_kind = cp["kind"].to_numpy(object)
        self.cp_community, self.cp_street = cp["community_code"].to_numpy(object), cp["street_code"].to_numpy(object)
        h = h.assign(compound=h["compound_code"].map(number).fillna(-1).astype(np.int64))
        h = h[h["compound"] >= 0].sort_values(["compound", "valid_from"], kind="stable")
        self.h_compound, self.h_day = h["compound"].to_numpy(np.int64), _days(h["valid_from"])
        self.h_mode = h["coop_mode"].astype(object).to_numpy(object)
        self.cp_households = cp["households"].astype("Int64")
        self.managements = list(dict.fromkeys(h["management"].dropna()))
        self.h_management = h["management"].map({m: i for i, m in enumerate(self.managements)}).fillna(-2).to_numpy(np.int64)
        self.cp_compound, self.cp_standalone = self.cp_kind == "compound", self.cp_kind == "standalone"

    def _management(self, name: str) -> int:
        return self.managements.index(name) if name in self.managements else -3  # -3: matches no compound

    def _latest_row(self, day: int) -> np.ndarray:
        """Each compound's latest management row dated on or before `day` (an index into the h_ arrays; -1
        without one)."""
        out = np.full(len(self.cp_kind), -1, np.int64)
        rows = np.flatnonzero(self.h_day <= day)
        if len(rows):
            group = self.h_compound[rows]
            last = rows[np.r_[group[1:] != group[:-1], True]]
            out[self.h_compound[last]] = last
        return out

    # ------------------------------------------------------------------------------------ 组织建设
    def _coops_in(self, e: int, streets, communities) -> np.ndarray:
        """scoped_coops(streets, communities) founded by day e, as a mask (one more False for "no coop")."""
        return np.append(_inside(self.co_street, self.co_community, streets, communities) & (self.co_day <= e), False)

    def org_members_by_background(self, e: int, streets, communities) -> pd.DataFrame:
        """queries/org_members_by_background.sql in any scope."""
        m = self._coops_in(e, streets, communities)[self.m_coop] & (self.m_day <= e)
        frame = pd.DataFrame({"background": self.m_background[m], "role": self.m_role[m]})
        for role in ("chair", "vice_chair", "member"):
            frame[role] = (frame["role"] == role).astype(np.int64)
        frame["members"] = np.ones(len(frame), np.int64)
        out = frame.groupby("background", dropna=False, sort=False)[["chair", "vice_chair", "member", "members"]].sum()
        out = out.reset_index().sort_values(["members", "background"], ascending=[False, True], kind="stable",
                                            na_position="last").reset_index(drop=True)
        out["background"] = out["background"].astype("str")
        return out

    def org_meetings_by_month(self, start: dt.date, end: dt.date, streets, communities) -> pd.DataFrame:
        """queries/org_meetings_by_month.sql in any scope."""
        s, e = _day(start), _day(end)
        first = np.datetime64(dt.date(start.year, start.month, 1), "M")
        months = np.arange(first, np.datetime64(end, "M") + 1)
        mt = self._coops_in(e, streets, communities)[self.mt_coop] & (self.mt_day >= s) & (self.mt_day <= e)
        month = (self.mt_day[mt].astype("datetime64[D]").astype("datetime64[M]") - first).astype(np.int64)
        return pd.DataFrame({
            "month": pd.Series([m.item() for m in months.astype("datetime64[D]")], dtype=object),
            "meetings": np.bincount(month, minlength=len(months))[:len(months)].astype(np.int64),
            "problems_resolved": np.bincount(month, weights=np.where(self.mt_known[mt], self.mt_problems[mt], 0),
                                             minlength=len(months))[:len(months)].astype(np.int64)})

    def org_committees_founded(self, s: int, e: int, streets, communities) -> pd.DataFrame:
        """queries/org_committees_founded.sql in any scope."""
        c = self.committee_list
        day = _days(c["founded_on"])
        keep = _inside(c["street_code"].to_numpy(object), c["community_code"].to_numpy(object), streets,
                       communities) & (day >= s) & (day <= e)
        return c[keep].drop(columns=["street_code", "community_code"]).reset_index(drop=True)

    def org_compounds_by_mode(self, e: int, streets, communities) -> pd.DataFrame:
        """queries/org_compounds_by_mode.sql in any scope, with $modes the contract's modes in order."""
        row = self._latest_row(e)
        known = row >= 0
        management = np.full(len(row), None, object)
        mode = np.full(len(row), None, object)
        management[known] = np.array(self.managements + [None], object)[self.h_management[row[known]]]
        mode[known] = self.h_mode[row[known]]
        managed = _inside(self.cp_street, self.cp_community, streets, communities) & (management == "cooperative")
        out = {"coop_mode": [], "compounds": [], "standalone": [], "households": []}
        for code in COOP_MODE.codes:
            mine = managed & (mode == code)
            out["coop_mode"].append(code)
            out["compounds"].append(int((mine & self.cp_compound).sum()))
            out["standalone"].append(int((mine & self.cp_standalone).sum()))
            out["households"].append(int(self.cp_households[mine].sum()))
        return pd.DataFrame({"coop_mode": pd.Series(out["coop_mode"], dtype="str"),
                             **{k: np.array(out[k], np.int64) for k in ("compounds", "standalone", "households")}})

    def _management_on(self, day: int) -> np.ndarray:
        """Each compound's management on `day` as its number in self.managements (its latest row dated on
        or before it; -1 without one, -2 a NULL management)."""
        out = np.full(len(self.cp_kind), -1, np.int64)
        rows = np.flatnonzero(self.h_day <= day)
        if len(rows):
            group = self.h_compound[rows]
            last = rows[np.r_[group[1:] != group[:-1], True]]
            out[self.h_compound[last]] = self.h_management[last]
        return out

    def kpi_compounds(self, launch: dt.date, end: dt.date, streets, communities) -> pd.DataFrame:
        """queries/kpi_compounds.sql for any scope."""
        keep = _inside(self.cp_street, self.cp_community, streets, communities)
        before, now = self._management_on(_day(launch)), self._management_on(_day(end))
        compound, standalone = keep & self.cp_compound, keep & self.cp_standalone
        not_professional = (before != self._management("professional")) & (before >= 0)  # NULL / no row: not counted
        got = {"compounds": compound.sum(), "compounds_unmanaged_before": (compound & not_professional).sum(),
               "standalone": standalone.sum(), "standalone_unmanaged_before": (standalone & not_professional).sum(),
               "cooperative_managed": (keep & (now == self._management("cooperative"))).sum(),
               "unmanaged_now": (keep & (now == self._management("none"))).sum()}
        return pd.DataFrame({k: np.array([int(v)], np.int64) for k, v in got.items()})

    def kpi_organisation(self, s: int, e: int, streets, communities) -> pd.DataFrame:
        """queries/kpi_organisation.sql for any scope."""
        def inside(street, community):
            return _inside(street, community, streets, communities)

        co = inside(self.co_street, self.co_community) & (self.co_day <= e)
        in_co = np.append(co, False)  # index -1 (a coop outside scoped_coops) → False
        m = in_co[self.m_coop] & (self.m_day <= e)
        members, party = int(m.sum()), int((m & self.m_party).sum())
        w = in_co[self.w_coop] & (self.w_day <= e)
        # the last row of each (coop, team) group among w
        groups, last = self.w_group[w], np.flatnonzero(w)
        take = last[np.r_[groups[1:] != groups[:-1], True]] if len(last) else last
        headcount = int(self.w_headcount[take][self.w_known[take]].sum())
        mt = in_co[self.mt_coop] & (self.mt_day >= s) & (self.mt_day <= e)
        problems = int(self.mt_problems[mt & self.mt_known].sum())
        pilot = int((inside(self.cm_street, self.cm_community) & self.cm_pilot).sum())
        frame = pd.DataFrame({"pilot_communities": np.array([pilot], np.int64),
                              "cooperatives": np.array([int(co.sum())], np.int64),
                              "five_standard": np.array([int((co & self.co_five).sum())], np.int64),
                              "members": np.array([members], np.int64),
                              "party_members": np.array([party], np.int64),
                              "work_team_headcount": pd.Series([Decimal(headcount)], dtype=object),
                              "meetings": np.array([int(mt.sum())], np.int64),
                              "problems_resolved": pd.Series([Decimal(problems)], dtype=object)})
        frame["party_share"] = _ratio(party, members)
        return frame

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

    def _street_orders(self, name: str, s: int, e: int, streets: list[str]) -> pd.DataFrame:
        """kpi_orders or orders_satisfaction for street offices (no community filter). Of the orders
        submitted in the window, those resolved by its end are those resolved at all less those resolved
        after it (only orders resolved on a later day than submitted can be: kept as (street, day
        submitted, day resolved) counts, sorted by day submitted)."""
        rows, span = self._rows(streets), self._span(s, e)
        if name == "orders_satisfaction":
            rated, rating_sum, rated_4_5 = (int(self.s_rating[k][rows, span].sum()) for k in ("rated", "rating_sum", "rated_4_5"))
            return pd.DataFrame({"rated": np.array([rated], np.int64), "mean_rating": _ratio(rating_sum, rated),
                                 "rated_4_5": np.array([rated_4_5], np.int64), "share_4_5": _ratio(rated_4_5, rated)})
        lo, hi = _search(self.x_sub, s, "left"), _search(self.x_sub, e, "right")
        late = (self.x_res[lo:hi] > e) & np.isin(self.x_street[lo:hi], rows)
        submitted = int(self.s_submitted[rows, span].sum())
        submitted_resolved = int(self.s_resolved_by_sub[rows, span].sum()) - int(self.x_n[lo:hi][late].sum())
        frame = pd.DataFrame({"resolved": np.array([int(self.s_resolved[rows, span].sum())], np.int64),
                              "submitted": np.array([submitted], np.int64),
                              "submitted_resolved": np.array([submitted_resolved], np.int64)})
        frame["resolution_rate"] = _ratio(submitted_resolved, submitted)
        return frame

    def _street_outcomes(self, s: int, e: int, streets: list[str]) -> pd.DataFrame:
        rows = self._rows(streets)
        got = {k: float(v.sum()) for k, v in self._by_street(s, e, rows).items() if k != "orders_resolved"}
        mine = np.isin(self.oc_street, rows) & (self.oc_day >= s) & (self.oc_day <= e)
        return self._outcome_frame(got, int(mine.sum()))

    def monthly_trend(self, start: dt.date, end: dt.date, streets: list[str]) -> pd.DataFrame:
        """queries/monthly_trend.sql without a community filter: every month of the window (zeros kept),
        the orders resolved and the tonnes per waste type within the window's days."""
        first = np.datetime64(dt.date(start.year, start.month, 1), "M")
        months = np.arange(first, np.datetime64(end, "M") + 1)
        s, e = _day(start), _day(end)
        span, rows = self._span(s, e), self._rows(streets)
        day = np.arange(span.start, span.stop) + self.d0
        month = (day.astype("datetime64[D]").astype("datetime64[M]") - first).astype(np.int64)

        def per_month(values: np.ndarray) -> np.ndarray:
            return np.bincount(month, weights=values[rows, span].sum(axis=0), minlength=len(months))[:len(months)]

        resolved = np.zeros(len(months), np.int64)
        np.add.at(resolved, month, self.s_resolved[rows, span].sum(axis=0))
        return pd.DataFrame({"month": pd.Series([m.item() for m in months.astype("datetime64[D]")], dtype=object),
                             "orders_resolved": resolved,
                             "household_t": per_month(self.s_waste["household"]).astype(np.float64),
                             "construction_t": per_month(self.s_waste["construction"]).astype(np.float64)})

    def orders_by_street(self, s: int, e: int) -> pd.DataFrame:
        """queries/orders_by_street.sql district-wide: per street office, the orders submitted, resolved, and
        submitted and resolved by the window's end, most submitted first."""
        rows = self._rows([])
        got = self.ranking_indicators(EPOCH + dt.timedelta(days=s), EPOCH + dt.timedelta(days=e), [],
                                      pd.DataFrame({"street_code": [], "overdue": []}))
        frame = pd.DataFrame({"street_code": got["street_code"], "street_name": got["street_name"],
                              "submitted": got["submitted"], "resolved": self.s_resolved[rows, self._span(s, e)]
                              .sum(axis=1).astype(np.int64), "submitted_resolved": got["submitted_resolved"]})
        frame["resolution_rate"] = got["resolution_rate"]
        return frame.sort_values(["submitted", "resolved", "street_code"], ascending=[False, False, True],
                                 kind="stable").reset_index(drop=True)

    def env_by_street(self, s: int, e: int, streets: list[str]) -> pd.DataFrame:
        """queries/env_by_street.sql without a community filter."""
        rows, span = self._rows(streets), self._span(s, e)
        frame = pd.DataFrame({"street_code": self.street_codes[rows], "street_name": self.street_names[rows]})
        for code, a in {**self.s_waste, **self.s_repair}.items():
            frame[code] = a[rows, span].sum(axis=1).astype(np.float64)
        return frame

    def env_repairs_cumulative(self, start: dt.date, end: dt.date, streets: list[str]) -> pd.DataFrame:
        """queries/env_repairs_cumulative.sql without a community filter: per month of the window, each repair
        kind's quantity from the window's first day to the month's end."""
        first = np.datetime64(dt.date(start.year, start.month, 1), "M")
        months = np.arange(first, np.datetime64(end, "M") + 1)
        s, e = _day(start), _day(end)
        frame = pd.DataFrame({"month": pd.Series([m.item() for m in months.astype("datetime64[D]")], dtype=object)})
        if streets:
            span, rows = self._span(s, e), self._rows(streets)
            day = np.arange(span.start, span.stop) + self.d0
            values = {code: a[rows, span].sum(axis=0) for code, a in self.s_repair.items()}
        else:
            inside = (self.r_day >= s) & (self.r_day <= e)
            day = self.r_day[inside]
            values = {code: np.where(self.r[code][inside], self.r_quantity[inside], 0.0) for code in REPAIR_KIND.codes}
        month = (day.astype("datetime64[D]").astype("datetime64[M]") - first).astype(np.int64)
        for code in REPAIR_KIND.codes:
            per_month = np.bincount(month, weights=values[code], minlength=len(months))[:len(months)]
            frame[code] = np.cumsum(per_month).astype(np.float64)
        return frame

    def ranking_indicators(self, start: dt.date, end: dt.date, streets, overdue: pd.DataFrame) -> pd.DataFrame:
        """queries/street_ranking.sql without a community filter: every indicator per street office from
        memory but `overdue`, given by `overdue` (queries/street_overdue.sql: street_code, overdue)."""
        s, e = _day(start), _day(end)
        rows, span = self._rows(list(streets)), self._span(s, e)
        submitted = self.s_submitted[rows, span].sum(axis=1)
        lo, hi = _search(self.x_sub, s, "left"), _search(self.x_sub, e, "right")
        late = self.x_res[lo:hi] > e
        crossing = np.bincount(self.x_street[lo:hi][late], weights=self.x_n[lo:hi][late],
                               minlength=len(self.street_codes)).astype(np.int64)[rows]
        submitted_resolved = self.s_resolved_by_sub[rows, span].sum(axis=1) - crossing
        rated = self.s_rating["rated"][rows, span].sum(axis=1)
        rating_sum = self.s_rating["rating_sum"][rows, span].sum(axis=1)
        households, known = self.households[rows], self.households_known[rows]
        late_open = dict(zip(overdue["street_code"], overdue["overdue"]))
        return pd.DataFrame({
            "street_code": self.street_codes[rows], "street_name": self.street_names[rows],
            "submitted": submitted.astype(np.int64), "submitted_resolved": submitted_resolved.astype(np.int64),
            "resolution_rate": places.ratios(submitted_resolved, submitted), "rated": rated.astype(np.int64),
            "mean_rating": places.ratios(rating_sum, rated), "households": households,
            "orders_per_1000": np.where(known, places.ratios(submitted * 1000, households), np.nan),
            "overdue": np.array([int(late_open.get(code, 0)) for code in self.street_codes[rows]], np.int64)})

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
        """Whether `answer` can give `name` for these (scope-bound) parameters: kpi_orders,
        orders_satisfaction, kpi_outcomes, by_street and monthly_trend in any scope (with a community
        filter from coopdash/data/places.py); kpi_organisation and kpi_compounds (given $launch) in any
        scope; orders_by_category, orders_monthly, orders_category_month and orders_by_street with a
        street or community filter (places.py)."""
        if name in SCOPE_QUERIES:
            if name == "org_compounds_by_mode":  # the page's $modes: the contract's, in order
                return list(params.get("modes") or ()) == list(COOP_MODE.codes)
            return name != "kpi_compounds" or params.get("launch") is not None
        if places.Places.answers(name, params):
            return True
        if name in DISTRICT_QUERIES:
            return not params.get("streets") and not params.get("communities")
        if params.get("communities"):
            return False
        return name in STREET_QUERIES

    def answer(self, name: str, start: dt.date, end: dt.date, streets=(), communities=(),
               launch: dt.date | None = None) -> pd.DataFrame:
        """The named query's frame for the window, district-wide or in scope (see `answers`);
        `launch` for kpi_compounds."""
        if name == "kpi_compounds":
            return self.kpi_compounds(launch, end, list(streets), list(communities))
        if places.Places.answers(name, {"streets": streets, "communities": communities}):
            return self.places.answer(name, start, end, list(streets), list(communities))
        if name == "org_members_by_background":
            return self.org_members_by_background(_day(end), list(streets), list(communities))
        if name == "org_compounds_by_mode":
            return self.org_compounds_by_mode(_day(end), list(streets), list(communities))
        if name == "org_meetings_by_month":
            return self.org_meetings_by_month(start, end, list(streets), list(communities))
        s, e = _day(start), _day(end)
        if name == "org_committees_founded":
            return self.org_committees_founded(s, e, list(streets), list(communities))
        if name == "kpi_organisation":
            return self.kpi_organisation(s, e, list(streets), list(communities))
        if name == "by_street":
            return self.by_street(s, e, list(streets))
        if name == "monthly_trend":
            return self.monthly_trend(start, end, list(streets))
        if name in places.BREAKDOWNS:
            return places.breakdown(name, start, end, self.o_rows, self.o["n"], self.places.deadline)
        if name == "orders_by_street":
            return self.orders_by_street(s, e)
        if name == "env_by_street":
            return self.env_by_street(s, e, list(streets))
        if name == "env_repairs_cumulative":
            return self.env_repairs_cumulative(start, end, list(streets))
        if name == "kpi_outcomes":
            return self._street_outcomes(s, e, list(streets)) if streets else self._outcomes(s, e)
        if streets:
            return self._street_orders(name, s, e, list(streets))
        lo, hi = min(max(s, self.p0), self.p1 + 1) - self.p0, min(max(e + 1, self.p0), self.p1 + 1) - self.p0

        def window(prefix: np.ndarray) -> int:
            return int(prefix[hi] - prefix[lo])

        if name == "kpi_orders":
            # of the orders submitted in the window and resolved, those resolved after its end
            a, b = _search(self.px_sub, s, "left"), _search(self.px_sub, e, "right")
            late = int(self.px_n[a:b][self.px_res[a:b] > e].sum())
            got = {"resolved": window(self.p["res_n"]), "submitted": window(self.p["sub_open"]),
                   "submitted_resolved": window(self.p["sub_resolved"]) - late}
            frame = pd.DataFrame({k: np.array([v], np.int64) for k, v in got.items()})
            frame["resolution_rate"] = _ratio(got["submitted_resolved"], got["submitted"])
            return frame
        rated, rating_sum, rated_4_5 = (window(self.p["res_" + k]) for k in ("rated", "rating_sum", "rated_4_5"))
        return pd.DataFrame({"rated": np.array([rated], np.int64),
                             "mean_rating": _ratio(rating_sum, rated),
                             "rated_4_5": np.array([rated_4_5], np.int64),
                             "share_4_5": _ratio(rated_4_5, rated)})

    def _outcomes(self, s: int, e: int) -> pd.DataFrame:
        c_in = (self.c_day >= s) & (self.c_day <= e)
        r_in = (self.r_day >= s) & (self.r_day <= e)
        tonnes = {code: _sequential_sum(self.c_tonnes[c_in & self.c[code]]) for code in WASTE_TYPE.codes}
        qty = {code: _sequential_sum(self.r_quantity[r_in & self.r[code]]) for code in REPAIR_KIND.codes}
        committees = int(_search(self.committees, e, "right") - _search(self.committees, s, "left"))
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


def _inside(street: np.ndarray, community: np.ndarray, streets, communities) -> np.ndarray:
    """The rows in scope: in `streets` (all when empty) and in `communities` (all when empty)."""
    keep = np.ones(len(street), bool)
    if len(streets):
        keep &= np.isin(street, list(streets))
    if len(communities):
        keep &= np.isin(community, list(communities))
    return keep


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator / nullif(denominator, 0) as the SQL gives it: a double, NaN (null) for a zero denominator."""
    return np.array([numerator / denominator if denominator else np.nan], np.float64)
